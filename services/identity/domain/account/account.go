// Package account holds the identity rules that need no database: which
// role may create which account, what a valid login and password look like,
// how phone numbers are masked, and how failed sign-ins slow and lock an
// account. It imports only the standard library and the shared fault and
// auth vocabularies.
package account

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
)

// Account is a person who signs in, with the scope of their role. The
// password hash lives beside it in the store and never leaves it.
type Account struct {
	ID            string
	DistrictID    string
	Role          auth.Role
	UserName      string
	Phone         string
	DisplayName   string
	SchoolID      string
	StaffID       string
	InstitutionID string
	Students      []auth.StudentRef
	// MustChangePassword is set while the password is a one-time password.
	MustChangePassword bool
	CreateTime         time.Time
}

// Principal is the account as an access token carries it.
func (a Account) Principal(sessionID string) auth.Principal {
	return auth.Principal{
		AccountID: a.ID, Role: a.Role, DistrictID: a.DistrictID, SchoolID: a.SchoolID, StaffID: a.StaffID,
		InstitutionID: a.InstitutionID, Students: a.Students, SessionID: sessionID,
	}
}

var (
	phonePattern    = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	userNamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,31}$`)
)

// IsPhone reports whether login is a mainland mobile number (11 digits
// starting 13-19), which is how SignIn tells a phone from a user name.
func IsPhone(login string) bool { return phonePattern.MatchString(login) }

// NormalizeLogin trims a login and lower-cases a user name.
func NormalizeLogin(login string) string {
	return strings.ToLower(strings.TrimSpace(login))
}

// MaskPhone masks a phone number as lists show it (auth.MaskPhone).
func MaskPhone(phone string) string { return auth.MaskPhone(phone) }

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// CheckPassword returns a violation for field unless pw has at least
// MinPasswordLength characters with a letter and a digit.
func CheckPassword(c *fault.Collector, field, pw string) {
	var letter, digit bool
	n := 0
	for _, r := range pw {
		n++
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	c.Check(n >= MinPasswordLength && letter && digit, field,
		"must have at least 10 characters with a letter and a digit")
}

// Validate checks a new account's fields and that its role has the scope
// it needs (a school for school roles, a staff record for teachers, and so
// on), reporting every bad field at once.
func Validate(a Account) error {
	var c fault.Collector
	c.Check(a.Role.Valid() && a.Role != auth.RoleOperator, "role", "must be a role other than operator")
	c.Check(a.UserName != "" || a.Phone != "", "user_name", "a user name or a phone number is required")
	if a.UserName != "" {
		c.Check(userNamePattern.MatchString(a.UserName), "user_name",
			"must be 3 to 32 of a-z 0-9 . _ - starting with a letter")
	}
	if a.Phone != "" {
		c.Check(IsPhone(a.Phone), "phone", "must be an 11-digit mainland mobile number")
	}
	c.Check(strings.TrimSpace(a.DisplayName) != "", "display_name", "is required")
	need := func(ok bool, field string) {
		c.Check(ok, field, "is required for role "+string(a.Role))
	}
	forbid := func(v, field string) {
		c.Check(v == "", field, "must be empty for role "+string(a.Role))
	}
	switch a.Role {
	case auth.RoleBureauAdmin, auth.RoleInstitutionManager:
		forbid(a.SchoolID, "school_id")
	case auth.RoleSchoolAdmin:
		need(a.SchoolID != "", "school_id")
	case auth.RoleTeacher:
		need(a.SchoolID != "", "school_id")
		need(a.StaffID != "", "staff_id")
	case auth.RoleInstructor:
		need(a.SchoolID != "", "school_id")
		need(a.StaffID != "", "staff_id")
		need(a.InstitutionID != "", "institution_id")
	case auth.RoleParent:
		need(len(a.Students) > 0, "students")
		forbid(a.SchoolID, "school_id")
	}
	if a.Role != auth.RoleTeacher && a.Role != auth.RoleInstructor {
		forbid(a.StaffID, "staff_id")
	}
	if a.Role != auth.RoleInstructor && a.Role != auth.RoleInstitutionManager {
		forbid(a.InstitutionID, "institution_id")
	} else if a.Role == auth.RoleInstitutionManager {
		need(a.InstitutionID != "", "institution_id")
	}
	if a.Role != auth.RoleParent {
		c.Check(len(a.Students) == 0, "students", "only parents have students")
	}
	return c.Err()
}

// ErrNoRight is the kind of error for an action outside the caller's
// scope; it maps to PermissionDenied.
var ErrNoRight = &rightError{}

type rightError struct{ msg string }

func (e *rightError) Error() string {
	if e.msg == "" {
		return "permission denied"
	}
	return e.msg
}
func (e *rightError) Is(target error) bool { return target == ErrNoRight }

func denied(msg string) error { return &rightError{msg: msg} }

// CanCreate says whether the caller may create (or re-issue the password
// of, or link students to) an account like a: each scope creates the one
// below it. The operator creates bureau administrators of any district; a
// bureau administrator creates school administrators, finance officers and
// institution managers of their district; a school administrator creates
// teachers, instructors and parents of their school (a parent's students
// must all be in it). Nobody creates an operator through the API.
func CanCreate(caller auth.Principal, a Account) error {
	switch caller.Role {
	case auth.RoleOperator:
		if a.Role == auth.RoleBureauAdmin {
			return nil
		}
		return denied("the operator creates bureau administrators only")
	case auth.RoleBureauAdmin:
		if a.DistrictID != caller.DistrictID {
			return denied("accounts of another district")
		}
		switch a.Role {
		case auth.RoleSchoolAdmin, auth.RoleFinanceOfficer, auth.RoleInstitutionManager:
			return nil
		}
		return denied("a bureau administrator creates school administrators, finance officers and institution managers")
	case auth.RoleSchoolAdmin:
		if a.DistrictID != caller.DistrictID {
			return denied("accounts of another district")
		}
		switch a.Role {
		case auth.RoleTeacher, auth.RoleInstructor:
			if a.SchoolID == caller.SchoolID {
				return nil
			}
			return denied("staff of another school")
		case auth.RoleParent:
			for _, s := range a.Students {
				if s.SchoolID != caller.SchoolID {
					return denied("students of another school")
				}
			}
			return nil
		}
		return denied("a school administrator creates teachers, instructors and parents")
	}
	return denied("this role creates no accounts")
}

// CanSee says whether the caller may read account a: the operator sees
// bureau administrators, a bureau administrator every account of their
// district, a school administrator the accounts of their school (its
// staff, and parents with a child there), everyone their own account.
func CanSee(caller auth.Principal, a Account) bool {
	if caller.AccountID == a.ID {
		return true
	}
	switch caller.Role {
	case auth.RoleOperator:
		return a.Role == auth.RoleBureauAdmin
	case auth.RoleBureauAdmin:
		return a.DistrictID == caller.DistrictID
	case auth.RoleSchoolAdmin:
		if a.DistrictID != caller.DistrictID {
			return false
		}
		if a.SchoolID == caller.SchoolID {
			return true
		}
		for _, s := range a.Students {
			if s.SchoolID == caller.SchoolID {
				return true
			}
		}
	}
	return false
}

// Contact is a student of a school's roster with their guardians, as
// timetable records them: how parents' accounts are linked from the roster.
type Contact struct {
	StudentID string
	Name      string
	Guardians []Guardian
}

// Guardian is a student's guardian with their full phone number.
type Guardian struct {
	Name  string
	Phone string
}
