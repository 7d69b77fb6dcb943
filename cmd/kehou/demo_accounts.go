package main

import (
	"context"
	"fmt"

	identityv1 "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// demoPassword is the password of every demo account. It is printed at
// start-up on purpose: the demo district is for trying the system out.
const demoPassword = "kehou-demo-2026"

// demoAccount is one sign-in the banner prints.
type demoAccount struct {
	Role, Login string
}

// demoAccounts creates one account per role that has its scope in the
// demo (bureau, finance, school administrator, parent of the demo family),
// each through the public identity API by the scope above it, and sets the
// demo password through the first-sign-in password change. Accounts that
// exist are left as they are, so a second start changes nothing.
func demoAccounts(opCtx, bureauCtx, schoolCtx context.Context, c *demoClients, school, family string) ([]demoAccount, error) {
	if c.id == nil {
		return nil, nil
	}
	type spec struct {
		ctx  context.Context
		role string
		req  *identityv1.CreateAccountRequest
	}
	specs := []spec{
		{opCtx, "bureau administrator 教育局", &identityv1.CreateAccountRequest{Role: identityv1.Role_ROLE_BUREAU_ADMIN,
			UserName: "demo.bureau", DisplayName: "三元区教育局管理员"}},
		{bureauCtx, "finance officer 财务", &identityv1.CreateAccountRequest{Role: identityv1.Role_ROLE_FINANCE_OFFICER,
			UserName: "demo.finance", DisplayName: "三元区财务"}},
		{bureauCtx, "school administrator 学校管理员", &identityv1.CreateAccountRequest{Role: identityv1.Role_ROLE_SCHOOL_ADMIN,
			UserName: "demo.school", DisplayName: "第一实验小学管理员", SchoolId: school}},
	}
	if family != "" {
		specs = append(specs, spec{schoolCtx, "parent 家长", &identityv1.CreateAccountRequest{Role: identityv1.Role_ROLE_PARENT,
			UserName: "demo.parent", DisplayName: "演示家长", Students: []*identityv1.StudentLink{{SchoolId: school, StudentId: family}}}})
	}
	var out []demoAccount
	for _, s := range specs {
		s.req.DistrictId = DemoDistrictID
		s.req.OneTimePassword = "kehou-first-1"
		_, err := c.id.CreateAccount(s.ctx, s.req)
		switch status.Code(err) {
		case codes.OK:
			if _, err := c.id.ChangePassword(context.Background(), &identityv1.ChangePasswordRequest{Login: s.req.UserName,
				CurrentPassword: "kehou-first-1", NewPassword: demoPassword}); err != nil {
				return nil, fmt.Errorf("demo account %s: %w", s.req.UserName, err)
			}
		case codes.AlreadyExists:
		default:
			return nil, fmt.Errorf("demo account %s: %w", s.req.UserName, err)
		}
		out = append(out, demoAccount{Role: s.role, Login: s.req.UserName})
	}
	return out, nil
}
