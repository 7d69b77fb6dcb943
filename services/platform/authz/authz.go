// Package authz decides, in each service's interceptor chain, whether the
// verified caller may make a call: every gRPC method has a Rule (a method
// without one is refused, and a server whose methods lack rules does not
// start), and the scope a request names — its district_id, school_id,
// student_id, staff_id and institution_id fields — must lie within the
// caller's. An out-of-scope read answers NotFound, so it does not reveal
// that the thing exists; an out-of-scope change answers PermissionDenied.
// What a use case returns within scope (filtered lists, masked fields) is
// the service's own business.
package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Rule says who may call one method.
type Rule struct {
	// Public methods need no token (sign-in, refresh).
	Public bool
	// AnySignedIn lets every signed-in caller through; the use case scopes
	// the answer itself (identity's account routes).
	AnySignedIn bool
	// Roles may call the method, each within its scope.
	Roles []auth.Role
	// Write marks a change: out of scope answers PermissionDenied, where a
	// read answers NotFound.
	Write bool
	// ParentBySchool lets a parent call with only a school of one of their
	// children named (a term's calendar, its clubs); otherwise a parent's
	// request must name one of their students.
	ParentBySchool bool
	// Feed lists the services that alone may call a method meant for them
	// (staffing's approved hours, read by billing): the call must carry
	// one of their service credentials, beside the end user's token whose
	// role and scope are checked as usual. Anyone else is refused with
	// PermissionDenied, whatever their role.
	Feed []string
}

// Policy maps a method's full name (/kehou.billing.v1.BillingService/GetFeeRun) to its rule.
type Policy map[string]Rule

// Merge returns the union of policies (a method in two is an error at Check).
func Merge(ps ...Policy) Policy {
	out := Policy{}
	for _, p := range ps {
		for k, v := range p {
			out[k] = v
		}
	}
	return out
}

// Schools tells which district a school belongs to; an unknown school
// answers an error of kind fault.ErrNotFound.
type Schools func(ctx context.Context, schoolID string) (districtID string, err error)

// exempt are the infrastructure services every server carries.
func exempt(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.") || strings.HasPrefix(method, "/grpc.reflection.")
}

// Missing lists the methods of the registered services that have no rule,
// so a new RPC cannot go live unguarded.
func Missing(p Policy, services map[string]grpc.ServiceInfo) []string {
	var out []string
	for name, info := range services {
		for _, m := range info.Methods {
			full := "/" + name + "/" + m.Name
			if _, ok := p[full]; !ok && !exempt(full) {
				out = append(out, full)
			}
		}
	}
	sort.Strings(out)
	return out
}

var (
	errUnauthenticated = status.Error(codes.Unauthenticated, "sign in first: this call needs an access token")
	errNotFound        = status.Error(codes.NotFound, "not found")
	errDenied          = status.Error(codes.PermissionDenied, "permission denied")
)

// Scope is what a request names, read from its fields.
type Scope struct {
	DistrictID, SchoolID, StudentID, StaffID, InstitutionID string
}

var scopeFields = map[protoreflect.Name]func(*Scope) *string{
	"district_id":    func(s *Scope) *string { return &s.DistrictID },
	"school_id":      func(s *Scope) *string { return &s.SchoolID },
	"student_id":     func(s *Scope) *string { return &s.StudentID },
	"staff_id":       func(s *Scope) *string { return &s.StaffID },
	"institution_id": func(s *Scope) *string { return &s.InstitutionID },
}

// ScopeOf reads a request's scope: its own scope fields, and where one is
// empty the same field of a singular message field (school.district_id of
// CreateSchool, enrolment.student_id of CreateEnrolment). Repeated fields
// are not scope.
func ScopeOf(m proto.Message) Scope {
	var s Scope
	r := m.ProtoReflect()
	fill := func(r protoreflect.Message) {
		fields := r.Descriptor().Fields()
		for i := 0; i < fields.Len(); i++ {
			f := fields.Get(i)
			get, ok := scopeFields[f.Name()]
			if !ok || f.Kind() != protoreflect.StringKind || f.IsList() {
				continue
			}
			if p := get(&s); *p == "" {
				*p = r.Get(f).String()
			}
		}
	}
	fill(r)
	fields := r.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if f.Kind() == protoreflect.MessageKind && !f.IsList() && !f.IsMap() && r.Has(f) {
			fill(r.Get(f).Message())
		}
	}
	return s
}

// schoolScoped reports whether the principal acts in one school only.
func schoolScoped(p auth.Principal) bool {
	switch p.Role {
	case auth.RoleSchoolAdmin, auth.RoleTeacher, auth.RoleInstructor:
		return true
	case auth.RoleFinanceOfficer:
		return p.SchoolID != ""
	}
	return false
}

// Allowed decides one call: nil, or the status to answer.
func Allowed(ctx context.Context, rule Rule, p auth.Principal, s Scope, schools Schools) error {
	deny := errNotFound
	if rule.Write {
		deny = errDenied
	}
	if !slices.Contains(rule.Roles, p.Role) {
		return deny
	}
	if p.Role == auth.RoleOperator {
		// The operator provisions districts; it names no school or child.
		if s.SchoolID != "" || s.StudentID != "" || s.StaffID != "" {
			return deny
		}
		return nil
	}
	if s.DistrictID != "" && s.DistrictID != p.DistrictID {
		return deny
	}
	if s.SchoolID != "" {
		if schoolScoped(p) && s.SchoolID != p.SchoolID {
			// Another school than the caller's: refused before any lookup,
			// so a change answers PermissionDenied whether or not the
			// school exists (a lookup made with the caller's token would
			// find it hidden and answer NotFound).
			return deny
		}
		d, err := schools(ctx, s.SchoolID)
		switch {
		case errors.Is(err, fault.ErrNotFound) && s.DistrictID != "" && !schoolScoped(p):
			// A school that does not exist yet, named in the caller's own
			// district (a create with a chosen id): nothing to protect; the
			// use case decides.
		case errors.Is(err, fault.ErrNotFound):
			return errNotFound
		case err != nil:
			return status.Error(codes.Unavailable, "cannot resolve the school's district")
		case d != p.DistrictID:
			return deny
		}
	} else if schoolScoped(p) && rule.Write {
		return deny // a district-wide change is not a school role's
	}
	switch p.Role {
	case auth.RoleParent:
		if s.StudentID == "" {
			if !rule.ParentBySchool || s.SchoolID == "" || !parentHasSchool(p, s.SchoolID) {
				return deny
			}
			return nil
		}
		if !p.GuardianOf(s.SchoolID, s.StudentID) {
			return deny
		}
	case auth.RoleTeacher, auth.RoleInstructor:
		if s.StaffID != "" && s.StaffID != p.StaffID {
			return deny
		}
	case auth.RoleInstitutionManager:
		if s.InstitutionID != "" && s.InstitutionID != p.InstitutionID {
			return deny
		}
	}
	return nil
}

func parentHasSchool(p auth.Principal, schoolID string) bool {
	for _, st := range p.Students {
		if st.SchoolID == schoolID {
			return true
		}
	}
	return false
}

func check(ctx context.Context, policy Policy, method string, req any, schools Schools) error {
	if exempt(method) {
		return nil
	}
	rule, ok := policy[method]
	if !ok {
		return errDenied
	}
	if rule.Public {
		return nil
	}
	p, ok := auth.FromContext(ctx)
	if !ok {
		return errUnauthenticated
	}
	if rule.AnySignedIn {
		return nil
	}
	if len(rule.Feed) > 0 {
		if svc, ok := auth.ServiceFrom(ctx); !ok || !slices.Contains(rule.Feed, svc) {
			return status.Error(codes.PermissionDenied, "this method is a feed for the "+strings.Join(rule.Feed, ", ")+" service: it needs that service's credential")
		}
	}
	msg, ok := req.(proto.Message)
	if !ok {
		return errDenied
	}
	return Allowed(ctx, rule, p, ScopeOf(msg), schools)
}

// Unary is the interceptor; it runs after token verification and before
// validation, so a caller without the right learns nothing from field errors.
func Unary(policy Policy, schools Schools) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := check(ctx, policy, info.FullMethod, req, schools); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// Stream checks a server-streaming call on its one request message.
func Stream(policy Policy, schools Schools) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if exempt(info.FullMethod) {
			return handler(srv, ss)
		}
		return handler(srv, &checkedStream{ServerStream: ss, policy: policy, method: info.FullMethod, schools: schools})
	}
}

type checkedStream struct {
	grpc.ServerStream
	policy  Policy
	method  string
	schools Schools
	checked bool
}

func (s *checkedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if s.checked {
		return nil
	}
	s.checked = true
	return check(s.Context(), s.policy, s.method, m, s.schools)
}

// Describe renders a rule for error messages and docs.
func (r Rule) Describe() string {
	switch {
	case r.Public:
		return "public"
	case r.AnySignedIn:
		return "any signed-in caller"
	}
	rs := make([]string, len(r.Roles))
	for i, x := range r.Roles {
		rs[i] = string(x)
	}
	if len(r.Feed) > 0 {
		return fmt.Sprintf("%s (write=%v, feed for %s)", strings.Join(rs, ","), r.Write, strings.Join(r.Feed, ","))
	}
	return fmt.Sprintf("%s (write=%v)", strings.Join(rs, ","), r.Write)
}

// Read is a rule for a read by roles.
func Read(roles ...auth.Role) Rule { return Rule{Roles: roles} }

// Change is a rule for a change by roles.
func Change(roles ...auth.Role) Rule { return Rule{Roles: roles, Write: true} }

// ForParents returns r with ParentBySchool set and the parent role added.
func (r Rule) ForParents() Rule {
	r.ParentBySchool = true
	if !slices.Contains(r.Roles, auth.RoleParent) {
		r.Roles = append(slices.Clone(r.Roles), auth.RoleParent)
	}
	return r
}

// FeedFor returns r callable only by the named services (Rule.Feed).
func (r Rule) FeedFor(services ...string) Rule {
	r.Feed = services
	return r
}

// Methods prefixes each method name with /service/.
func Methods(service string, rules map[string]Rule) Policy {
	p := Policy{}
	for m, r := range rules {
		p["/"+service+"/"+m] = r
	}
	return p
}

// Role shorthands for policy tables.
const (
	Operator    = auth.RoleOperator
	Bureau      = auth.RoleBureauAdmin
	Finance     = auth.RoleFinanceOfficer
	SchoolAdmin = auth.RoleSchoolAdmin
	Teacher     = auth.RoleTeacher
	Instructor  = auth.RoleInstructor
	Parent      = auth.RoleParent
	Institution = auth.RoleInstitutionManager
)

// Cached remembers what fn answered for each school (a school never moves
// to another district), so the check costs a lookup only the first time.
// Failures are not remembered. The cache is bounded: past max entries it
// starts afresh.
func Cached(fn Schools, max int) Schools {
	var mu sync.Mutex
	known := map[string]string{}
	return func(ctx context.Context, schoolID string) (string, error) {
		mu.Lock()
		d, ok := known[schoolID]
		mu.Unlock()
		if ok {
			return d, nil
		}
		d, err := fn(ctx, schoolID)
		if err != nil {
			return "", err
		}
		mu.Lock()
		if len(known) >= max {
			known = map[string]string{}
		}
		known[schoolID] = d
		mu.Unlock()
		return d, nil
	}
}
