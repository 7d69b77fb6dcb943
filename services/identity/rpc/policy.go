package rpc

import "github.com/kehou/kehou/services/platform/authz"

// Policy: sign-in and its relatives are public; the account routes need a
// signed-in caller and scope their answers in the use cases.
var Policy = authz.Methods("kehou.identity.v1.IdentityService", map[string]authz.Rule{
	"SignIn":            {Public: true},
	"RefreshSession":    {Public: true},
	"SignOut":           {Public: true},
	"ChangePassword":    {Public: true},
	"GetCurrentAccount": {AnySignedIn: true},
	"CreateAccount":     {AnySignedIn: true},
	"ListAccounts":      {AnySignedIn: true},
	"LinkGuardian":      {AnySignedIn: true},
	"ResetPassword":     {AnySignedIn: true},
	"ListAuditEvents":   authz.Read(authz.Bureau, authz.Finance),
	// A school administrator links her school's guardians (the request
	// names the school: authz holds it to hers).
	"LinkRosterGuardians": authz.Change(authz.SchoolAdmin),
})

// AuditedReads are the reads of personal data in bulk that the audit trail
// records (操作日志), with the object kind it records them as.
var AuditedReads = map[string]string{
	"/kehou.identity.v1.IdentityService/ListAccounts": "account",
}
