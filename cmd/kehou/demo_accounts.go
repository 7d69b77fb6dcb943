package main

import (
	"context"
	"fmt"
	"slices"

	identityv1 "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	"github.com/kehou/kehou/services/platform/auth"
)

// demoPassword is the password of every demo account. It is printed at
// start-up on purpose: the demo district is for trying the system out.
const demoPassword = "kehou-demo-2026"

// demoAccount is one sign-in the banner prints.
type demoAccount struct {
	Role, Login string
}

// demoScopes are the callers the accounts are created by: each account
// is created by the scope above it, as the identity rules require.
type demoScopes struct {
	op, bureau context.Context
	as         func(auth.Principal) (context.Context, error)
}

// demoAccountSpec is one demo account and who creates it; link is a
// further child of a parent, linked by that child's school.
type demoAccountSpec struct {
	ctx     context.Context
	role    string
	req     *identityv1.CreateAccountRequest
	link    *identityv1.StudentLink
	linkCtx context.Context
}

// demoDistrictAccounts are the accounts that need no school data: the
// bureau administrator, the district's finance officer, the primary
// school's administrator and the institution's manager. They are made
// while the schools load, since hashing their passwords takes a while.
func demoDistrictAccounts(sc demoScopes, institution string) []demoAccountSpec {
	specs := []demoAccountSpec{
		{ctx: sc.op, role: "bureau administrator 教育局", req: &identityv1.CreateAccountRequest{Role: identityv1.Role_ROLE_BUREAU_ADMIN,
			UserName: "demo.bureau", DisplayName: "三元区教育局管理员"}},
		{ctx: sc.bureau, role: "finance officer 财务", req: &identityv1.CreateAccountRequest{Role: identityv1.Role_ROLE_FINANCE_OFFICER,
			UserName: "demo.finance", DisplayName: "三元区财务"}},
		{ctx: sc.bureau, role: "school administrator 学校管理员", req: &identityv1.CreateAccountRequest{Role: identityv1.Role_ROLE_SCHOOL_ADMIN,
			UserName: "demo.school", DisplayName: "第一实验小学管理员", SchoolId: demoPrimarySchoolID}},
	}
	if institution != "" {
		specs = append(specs, demoAccountSpec{ctx: sc.bureau, role: "institution manager 机构负责人", req: &identityv1.CreateAccountRequest{
			Role: identityv1.Role_ROLE_INSTITUTION_MANAGER, UserName: "demo.institution", DisplayName: demoInstitutionName, InstitutionId: institution}})
	}
	return specs
}

// demoSchoolAccounts are the accounts on school data, each made by its
// school's administrator: the class teacher of the demo family's primary
// class, an outside instructor there, and the demo family's parent,
// guardian of a child at the primary and one at the junior middle school.
func demoSchoolAccounts(sc demoScopes, primary, middle demoLoaded, institution string) ([]demoAccountSpec, error) {
	admin := func(school string) (context.Context, error) {
		return sc.as(auth.Principal{AccountID: "acc_demo_loader_" + school, Role: auth.RoleSchoolAdmin, DistrictID: DemoDistrictID, SchoolID: school})
	}
	primaryCtx, err := admin(primary.school)
	if err != nil {
		return nil, err
	}
	middleCtx, err := admin(middle.school)
	if err != nil {
		return nil, err
	}
	var teacher, instructor string
	for _, m := range primary.spec.staff() {
		switch {
		case m.classTeacherOf == demoFamilyClassPrimary:
			teacher = primary.staff[m.name]
		case m.institution && instructor == "":
			instructor = primary.staff[m.name]
		}
	}
	var specs []demoAccountSpec
	if teacher != "" {
		specs = append(specs, demoAccountSpec{ctx: primaryCtx, role: "teacher 教师 (" + demoFamilyClassPrimary + "班主任)", req: &identityv1.CreateAccountRequest{
			Role: identityv1.Role_ROLE_TEACHER, UserName: "demo.teacher", DisplayName: demoFamilyClassPrimary + "班主任", SchoolId: primary.school, StaffId: teacher}})
	}
	if instructor != "" {
		specs = append(specs, demoAccountSpec{ctx: primaryCtx, role: "outside instructor 校外教练", req: &identityv1.CreateAccountRequest{
			Role: identityv1.Role_ROLE_INSTRUCTOR, UserName: "demo.instructor", DisplayName: "篮球教练", SchoolId: primary.school, StaffId: instructor,
			InstitutionId: institution}})
	}
	parent := demoAccountSpec{ctx: primaryCtx, role: "parent 家长 (two children)", req: &identityv1.CreateAccountRequest{Role: identityv1.Role_ROLE_PARENT,
		UserName: "demo.parent", DisplayName: demoFamilyGuardian, Phone: demoFamilyPhone,
		Students: []*identityv1.StudentLink{{SchoolId: primary.school, StudentId: primary.students[demoChildPrimary]}}}}
	if id := middle.students[demoChildMiddle]; id != "" {
		parent.link, parent.linkCtx = &identityv1.StudentLink{SchoolId: middle.school, StudentId: id}, middleCtx
	}
	return append(specs, parent), nil
}

// demoEnsureAccounts makes sure the accounts exist, side by side, each
// through the public identity API with a one-time password that the
// first-sign-in password change replaces by demoPassword. An account that
// exists is left as it is, except that a start cut off between its
// creation and the password change makes the change, and one cut off
// before a parent's second child was linked makes the link.
func demoEnsureAccounts(sc demoScopes, c *demoClients, specs []demoAccountSpec) ([]demoAccount, error) {
	if c.id == nil {
		return nil, nil
	}
	existing, err := demoExistingAccounts(sc, c)
	if err != nil {
		return nil, err
	}
	out := make([]demoAccount, len(specs))
	err = c.each(context.Background(), len(specs), func(_ context.Context, i int) error {
		s := specs[i]
		s.req.DistrictId = DemoDistrictID
		s.req.OneTimePassword = "kehou-first-1"
		acc := existing[s.req.UserName]
		if acc == nil {
			resp, err := c.id.CreateAccount(s.ctx, s.req)
			if err != nil {
				return fmt.Errorf("demo account %s: %w", s.req.UserName, err)
			}
			acc = resp.GetAccount()
		}
		if acc.GetMustChangePassword() {
			if _, err := c.id.ChangePassword(context.Background(), &identityv1.ChangePasswordRequest{Login: s.req.UserName,
				CurrentPassword: "kehou-first-1", NewPassword: demoPassword}); err != nil {
				return fmt.Errorf("demo account %s: %w", s.req.UserName, err)
			}
		}
		if s.link != nil && !slices.ContainsFunc(acc.GetStudents(), func(l *identityv1.StudentLink) bool { return l.GetStudentId() == s.link.GetStudentId() }) {
			if _, err := c.id.LinkGuardian(s.linkCtx, &identityv1.LinkGuardianRequest{DistrictId: DemoDistrictID, AccountId: acc.GetAccountId(),
				Student: s.link}); err != nil {
				return fmt.Errorf("link %s to student %s: %w", s.req.UserName, s.link.GetStudentId(), err)
			}
		}
		out[i] = demoAccount{Role: s.role, Login: s.req.UserName}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// demoExistingAccounts returns the district's accounts by user name.
func demoExistingAccounts(sc demoScopes, c *demoClients) (map[string]*identityv1.Account, error) {
	out := map[string]*identityv1.Account{}
	for _, ctx := range []context.Context{sc.op, sc.bureau} {
		token := ""
		for {
			page, err := c.id.ListAccounts(ctx, &identityv1.ListAccountsRequest{DistrictId: DemoDistrictID, PageSize: 500, PageToken: token})
			if err != nil {
				return nil, fmt.Errorf("list demo accounts: %w", err)
			}
			for _, a := range page.GetAccounts() {
				out[a.GetUserName()] = a
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
		}
	}
	return out, nil
}
