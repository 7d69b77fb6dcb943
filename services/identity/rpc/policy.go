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
})
