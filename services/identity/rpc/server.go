// Package rpc is identity's gRPC transport.
package rpc

import (
	"context"
	"errors"
	"log/slog"

	identityv1 "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	"github.com/kehou/kehou/services/identity/app"
	"github.com/kehou/kehou/services/identity/domain/account"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/paging"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Server implements identityv1.IdentityServiceServer.
type Server struct {
	identityv1.UnimplementedIdentityServiceServer
	app *app.App
	log *slog.Logger
}

// New returns the transport over the use cases.
func New(a *app.App, log *slog.Logger) *Server { return &Server{app: a, log: log} }

// toStatus is identity's one mapping from errors to status codes. Sign-in
// failures say nothing about which part was wrong.
func (s *Server) toStatus(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, app.ErrBadCredentials), errors.Is(err, app.ErrBadRefresh), errors.Is(err, app.ErrUnauthenticated):
		return status.Error(codes.Unauthenticated, err.Error())
	case errors.Is(err, app.ErrThrottled):
		return status.Error(codes.ResourceExhausted, err.Error())
	case errors.Is(err, account.ErrNoRight):
		return status.Error(codes.PermissionDenied, err.Error())
	}
	return rpcserver.StatusFromFault(ctx, s.log, err)
}

var roleToPB = map[auth.Role]identityv1.Role{
	auth.RoleOperator: identityv1.Role_ROLE_OPERATOR, auth.RoleBureauAdmin: identityv1.Role_ROLE_BUREAU_ADMIN,
	auth.RoleSchoolAdmin: identityv1.Role_ROLE_SCHOOL_ADMIN, auth.RoleTeacher: identityv1.Role_ROLE_TEACHER,
	auth.RoleInstructor: identityv1.Role_ROLE_INSTRUCTOR, auth.RoleParent: identityv1.Role_ROLE_PARENT,
	auth.RoleFinanceOfficer:     identityv1.Role_ROLE_FINANCE_OFFICER,
	auth.RoleInstitutionManager: identityv1.Role_ROLE_INSTITUTION_MANAGER,
}

func roleFromPB(r identityv1.Role) auth.Role {
	for k, v := range roleToPB {
		if v == r {
			return k
		}
	}
	return ""
}

// accountPB converts an account; masked lists show 138****1234.
func accountPB(a account.Account, masked bool) *identityv1.Account {
	phone := a.Phone
	if masked {
		phone = account.MaskPhone(phone)
	}
	out := &identityv1.Account{
		AccountId: a.ID, DistrictId: a.DistrictID, Role: roleToPB[a.Role], UserName: a.UserName, Phone: phone,
		DisplayName: a.DisplayName, SchoolId: a.SchoolID, StaffId: a.StaffID, InstitutionId: a.InstitutionID,
		MustChangePassword: a.MustChangePassword, CreateTime: timestamppb.New(a.CreateTime),
	}
	for _, s := range a.Students {
		out.Students = append(out.Students, &identityv1.StudentLink{SchoolId: s.SchoolID, StudentId: s.StudentID})
	}
	return out
}

func tokensPB(t *app.Tokens) *identityv1.Tokens {
	if t == nil {
		return nil
	}
	return &identityv1.Tokens{
		AccessToken: t.Access, AccessTokenExpireTime: timestamppb.New(t.AccessExpire),
		RefreshToken: t.Refresh, RefreshTokenExpireTime: timestamppb.New(t.RefreshExpire),
	}
}

// SignIn implements the RPC.
func (s *Server) SignIn(ctx context.Context, req *identityv1.SignInRequest) (*identityv1.SignInResponse, error) {
	r, err := s.app.SignIn(ctx, req.GetLogin(), req.GetPassword(), rpcserver.ClientAddress(ctx))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.SignInResponse{Tokens: tokensPB(r.Tokens), Account: accountPB(r.Account, false),
		MustChangePassword: r.MustChangePassword}, nil
}

// RefreshSession implements the RPC.
func (s *Server) RefreshSession(ctx context.Context, req *identityv1.RefreshSessionRequest) (*identityv1.RefreshSessionResponse, error) {
	t, err := s.app.Refresh(ctx, req.GetRefreshToken())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.RefreshSessionResponse{Tokens: tokensPB(&t)}, nil
}

// SignOut implements the RPC.
func (s *Server) SignOut(ctx context.Context, req *identityv1.SignOutRequest) (*identityv1.SignOutResponse, error) {
	if err := s.app.SignOut(ctx, req.GetRefreshToken()); err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.SignOutResponse{}, nil
}

// ChangePassword implements the RPC.
func (s *Server) ChangePassword(ctx context.Context, req *identityv1.ChangePasswordRequest) (*identityv1.ChangePasswordResponse, error) {
	r, err := s.app.ChangePassword(ctx, req.GetLogin(), req.GetCurrentPassword(), req.GetNewPassword(), rpcserver.ClientAddress(ctx))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.ChangePasswordResponse{Tokens: tokensPB(r.Tokens), Account: accountPB(r.Account, false)}, nil
}

// GetCurrentAccount implements the RPC.
func (s *Server) GetCurrentAccount(ctx context.Context, _ *identityv1.GetCurrentAccountRequest) (*identityv1.GetCurrentAccountResponse, error) {
	a, err := s.app.CurrentAccount(ctx)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.GetCurrentAccountResponse{Account: accountPB(a, false)}, nil
}

// CreateAccount implements the RPC.
func (s *Server) CreateAccount(ctx context.Context, req *identityv1.CreateAccountRequest) (*identityv1.CreateAccountResponse, error) {
	a := account.Account{
		DistrictID: req.GetDistrictId(), Role: roleFromPB(req.GetRole()), UserName: req.GetUserName(),
		Phone: req.GetPhone(), DisplayName: req.GetDisplayName(), SchoolID: req.GetSchoolId(),
		StaffID: req.GetStaffId(), InstitutionID: req.GetInstitutionId(),
	}
	for _, st := range req.GetStudents() {
		a.Students = append(a.Students, auth.StudentRef{SchoolID: st.GetSchoolId(), StudentID: st.GetStudentId()})
	}
	created, err := s.app.CreateAccount(ctx, a, req.GetOneTimePassword())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.CreateAccountResponse{Account: accountPB(created, false)}, nil
}

// ListAccounts implements the RPC.
func (s *Server) ListAccounts(ctx context.Context, req *identityv1.ListAccountsRequest) (*identityv1.ListAccountsResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	size := paging.Size(req.GetPageSize())
	list, err := s.app.ListAccounts(ctx, account.ListFilter{DistrictID: req.GetDistrictId(), Role: roleFromPB(req.GetRole()),
		SchoolID: req.GetSchoolId(), After: after, Limit: size + 1})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	out := &identityv1.ListAccountsResponse{}
	if len(list) > size {
		list = list[:size]
		out.NextPageToken = paging.Encode(list[size-1].ID)
	}
	for _, a := range list {
		out.Accounts = append(out.Accounts, accountPB(a, true))
	}
	return out, nil
}

// LinkGuardian implements the RPC.
func (s *Server) LinkGuardian(ctx context.Context, req *identityv1.LinkGuardianRequest) (*identityv1.LinkGuardianResponse, error) {
	a, err := s.app.LinkGuardian(ctx, req.GetDistrictId(), req.GetAccountId(),
		auth.StudentRef{SchoolID: req.GetStudent().GetSchoolId(), StudentID: req.GetStudent().GetStudentId()})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.LinkGuardianResponse{Account: accountPB(a, true)}, nil
}

// ResetPassword implements the RPC.
func (s *Server) ResetPassword(ctx context.Context, req *identityv1.ResetPasswordRequest) (*identityv1.ResetPasswordResponse, error) {
	a, err := s.app.ResetPassword(ctx, req.GetDistrictId(), req.GetAccountId(), req.GetOneTimePassword())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.ResetPasswordResponse{Account: accountPB(a, true)}, nil
}

// LinkRosterGuardians implements the RPC.
func (s *Server) LinkRosterGuardians(ctx context.Context, req *identityv1.LinkRosterGuardiansRequest) (*identityv1.LinkRosterGuardiansResponse, error) {
	r, err := s.app.LinkRosterGuardians(ctx, req.GetDistrictId(), req.GetSchoolId(), req.GetOneTimePassword())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.LinkRosterGuardiansResponse{Created: int32(r.Created), Linked: int32(r.Linked), Skipped: int32(r.Skipped)}, nil
}
