package app

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/kehou/kehou/services/identity/domain/account"
	"github.com/kehou/kehou/services/identity/password"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
)

// Timetable confirms the district, school and students an account names,
// and reads a school's roster with guardians' phones (identity/timetablefeed).
// Each answers nil or an error of kind fault.ErrNotFound.
type Timetable interface {
	District(ctx context.Context, districtID string) error
	SchoolDistrict(ctx context.Context, schoolID string) (districtID string, err error)
	// Contacts lists a school's students (only studentIDs, when given)
	// with their guardians' full phone numbers.
	Contacts(ctx context.Context, schoolID string, studentIDs []string) ([]account.Contact, error)
}

// Staffing confirms the staff record and institution an account names
// (identity/staffingfeed).
type Staffing interface {
	StaffMember(ctx context.Context, schoolID, staffID string) error
	Institution(ctx context.Context, districtID, institutionID string) error
}

// missing turns a directory's NotFound into a field violation: the
// request named something that does not exist (in the caller's reach).
func missing(err error, field, what string) error {
	if errors.Is(err, fault.ErrNotFound) {
		return fault.Invalid(field, "no such "+what)
	}
	return err
}

// checkRecords confirms that what acc names exists: its district (a
// bureau administrator's, created by the operator), its school in its
// district, its staff record in that school, its institution in its
// district, and every student in their school.
func (a *App) checkRecords(ctx context.Context, acc account.Account) error {
	d, st := a.cfg.Timetable, a.cfg.Staffing
	if d == nil || st == nil {
		return nil
	}
	if acc.Role == auth.RoleBureauAdmin {
		if err := d.District(ctx, acc.DistrictID); err != nil {
			return missing(err, "district_id", "district")
		}
	}
	if acc.SchoolID != "" {
		dist, err := d.SchoolDistrict(ctx, acc.SchoolID)
		if err != nil {
			return missing(err, "school_id", "school")
		}
		if dist != acc.DistrictID {
			return fault.Invalid("school_id", "no such school in the district")
		}
	}
	if acc.StaffID != "" {
		if err := st.StaffMember(ctx, acc.SchoolID, acc.StaffID); err != nil {
			return missing(err, "staff_id", "staff record in the school")
		}
	}
	if acc.InstitutionID != "" {
		if err := st.Institution(ctx, acc.DistrictID, acc.InstitutionID); err != nil {
			return missing(err, "institution_id", "institution in the district")
		}
	}
	bySchool := map[string][]string{}
	for _, s := range acc.Students {
		bySchool[s.SchoolID] = append(bySchool[s.SchoolID], s.StudentID)
	}
	for school, ids := range bySchool {
		found, err := d.Contacts(ctx, school, ids)
		if err != nil {
			return missing(err, "students", "school")
		}
		have := map[string]bool{}
		for _, c := range found {
			have[c.StudentID] = true
		}
		for _, id := range ids {
			if !have[id] {
				return fault.Invalid("students", "no such student "+id+" in school "+school)
			}
		}
	}
	return nil
}

// mobilePhone is a mainland mobile number, the sign-in name of a parent.
var mobilePhone = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// RosterLinks counts what LinkRosterGuardians did.
type RosterLinks struct {
	Created, Linked, Skipped int
}

// LinkRosterGuardians creates or links a parent account for each guardian
// phone of the school's roster (a school administrator's action, repeated
// harmlessly): an existing parent account with the phone gets the students
// it lacks; a new one is created with oneTime, to be changed at first
// sign-in. A phone that is another kind of account's login, or not a
// mobile number, is skipped. Each account is its own transaction, so a run
// stopped halfway is completed by the next.
func (a *App) LinkRosterGuardians(ctx context.Context, districtID, schoolID, oneTime string) (RosterLinks, error) {
	caller, ok := auth.FromContext(ctx)
	if !ok {
		return RosterLinks{}, ErrUnauthenticated
	}
	probe := account.Account{DistrictID: districtID, Role: auth.RoleParent, Students: []auth.StudentRef{{SchoolID: schoolID}}}
	if err := account.CanCreate(caller, probe); err != nil {
		return RosterLinks{}, err
	}
	var c fault.Collector
	account.CheckPassword(&c, "one_time_password", oneTime)
	if err := c.Err(); err != nil {
		return RosterLinks{}, err
	}
	if a.cfg.Timetable == nil {
		return RosterLinks{}, fault.Precondition("no roster to read: identity runs without timetable")
	}
	contacts, err := a.cfg.Timetable.Contacts(ctx, schoolID, nil)
	if err != nil {
		return RosterLinks{}, err
	}
	type parent struct {
		name     string
		students []string
	}
	var phones []string
	byPhone := map[string]*parent{}
	var out RosterLinks
	for _, ct := range contacts {
		for _, g := range ct.Guardians {
			phone := strings.TrimSpace(g.Phone)
			if !mobilePhone.MatchString(phone) {
				out.Skipped++
				continue
			}
			p, ok := byPhone[phone]
			if !ok {
				p = &parent{name: g.Name}
				byPhone[phone] = p
				phones = append(phones, phone)
			}
			p.students = append(p.students, ct.StudentID)
		}
	}
	// One hash for every account created now: they share the one-time
	// password anyway, and one argon2id hash per parent would take minutes.
	var hash string
	now := a.cfg.Now()
	for _, phone := range phones {
		p := byPhone[phone]
		cred, err := a.store.CredentialsByLogin(ctx, phone)
		switch {
		case err == nil && cred.Account.Role != auth.RoleParent:
			out.Skipped++
		case err == nil:
			linked := map[auth.StudentRef]bool{}
			for _, s := range cred.Account.Students {
				linked[s] = true
			}
			for _, id := range p.students {
				ref := auth.StudentRef{SchoolID: schoolID, StudentID: id}
				if linked[ref] {
					continue
				}
				if err := a.store.LinkGuardian(ctx, cred.Account.DistrictID, cred.Account.ID, ref, now); err != nil {
					return out, err
				}
				out.Linked++
			}
		case errors.Is(err, fault.ErrNotFound):
			if hash == "" {
				if hash, err = password.Hash(oneTime, a.cfg.Hashing); err != nil {
					return out, err
				}
			}
			acc := account.Account{ID: "acc_" + randomHex(6), DistrictID: districtID, Role: auth.RoleParent, Phone: phone,
				DisplayName: p.name, MustChangePassword: true, CreateTime: now}
			for _, id := range p.students {
				acc.Students = append(acc.Students, auth.StudentRef{SchoolID: schoolID, StudentID: id})
			}
			if _, err := a.store.CreateAccount(ctx, acc, hash); err != nil {
				return out, err
			}
			out.Created++
			out.Linked += len(p.students)
		default:
			return out, err
		}
	}
	return out, nil
}
