// Package auth is the vocabulary of who is calling, shared by every
// service and its domain rules: the roles, the scope an account carries,
// and the verified Principal a call's context holds. Tokens are signed and
// checked in auth/token; the interceptor that fills the context is in
// rpcserver, so each service verifies callers itself and a call made
// straight to its gRPC port is held to the same rules as one through the
// gateway. This package imports only the standard library.
package auth

import (
	"context"
	"slices"
	"time"
)

// Role is what an account may do; the scope fields of a Principal say where.
type Role string

// The roles. Their scopes are described in docs/policies.md.
const (
	// RoleOperator runs the platform: it provisions districts and their
	// bureau administrators and sees no children's data.
	RoleOperator Role = "operator"
	// RoleBureauAdmin administers a district for the education bureau (教育局).
	RoleBureauAdmin Role = "bureau_admin"
	// RoleSchoolAdmin administers one school.
	RoleSchoolAdmin Role = "school_admin"
	// RoleTeacher is a teacher of one school, linked to their staff record.
	RoleTeacher Role = "teacher"
	// RoleInstructor is an outside instructor, linked to their staff record and institution.
	RoleInstructor Role = "instructor"
	// RoleParent is a guardian of one or more students.
	RoleParent Role = "parent"
	// RoleFinanceOfficer handles the money of a district, or of one school.
	RoleFinanceOfficer Role = "finance_officer"
	// RoleInstitutionManager manages an outside institution (第三方机构).
	RoleInstitutionManager Role = "institution_manager"
)

// Roles lists every role, in the order the documentation shows them.
var Roles = []Role{RoleOperator, RoleBureauAdmin, RoleFinanceOfficer, RoleSchoolAdmin, RoleTeacher,
	RoleInstructor, RoleParent, RoleInstitutionManager}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// StudentRef names a student a parent is a guardian of.
type StudentRef struct {
	SchoolID  string `json:"school"`
	StudentID string `json:"student"`
}

// Principal is a verified caller: the account behind an access token and
// the scope it may act in. Services read it with FromContext.
type Principal struct {
	AccountID     string
	Role          Role
	DistrictID    string
	SchoolID      string
	StaffID       string
	InstitutionID string
	Students      []StudentRef
	// SessionID names the sign-in session the token belongs to.
	SessionID string
	// ExpiresAt is when the access token stops being accepted.
	ExpiresAt time.Time
}

// GuardianOf reports whether the principal is a guardian of the student.
func (p Principal) GuardianOf(schoolID, studentID string) bool {
	return slices.Contains(p.Students, StudentRef{SchoolID: schoolID, StudentID: studentID})
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p; the interceptors call it after
// verifying a token, tests of pure use cases may call it directly.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the verified caller of the call being served, and
// false for an anonymous call (no token).
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

type serviceKey struct{}

// WithService returns ctx carrying the name of the Kehou service that makes
// the call being served (verified from its service credential).
func WithService(ctx context.Context, service string) context.Context {
	return context.WithValue(ctx, serviceKey{}, service)
}

// ServiceFrom returns the verified calling service ("billing"), and false
// when no service credential came with the call (an end user, the gateway).
func ServiceFrom(ctx context.Context) (string, bool) {
	s, ok := ctx.Value(serviceKey{}).(string)
	return s, ok
}

// MaskPhone shows a phone number as lists show it, 138****1234: the first
// three and last four characters of a number of at least eleven, all of a
// shorter one masked. Lists of people never show a full number (PIPL).
func MaskPhone(phone string) string {
	switch {
	case phone == "":
		return ""
	case len(phone) < 11:
		return "****"
	}
	return phone[:3] + "****" + phone[len(phone)-4:]
}

// SeesSensitive reports whether a role may see a student's hardship
// category (低保/特困): administrators and finance officers may, teachers,
// instructors and institution managers see names and classes only.
func (p Principal) SeesSensitive() bool {
	switch p.Role {
	case RoleBureauAdmin, RoleSchoolAdmin, RoleFinanceOfficer:
		return true
	}
	return false
}
