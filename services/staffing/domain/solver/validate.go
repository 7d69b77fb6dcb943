package solver

import (
	"errors"
	"fmt"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

type fieldErrors []fault.Violation

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, fault.Violation{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &fault.ValidationError{Subject: "input", Violations: fe}
}

// Errors for institutions that may not provide a course; CheckInstitution
// wraps them so callers can tell the rule apart.
var (
	// ErrInstitutionNotApproved: the bureau has not approved the institution
	// (or it is unknown).
	ErrInstitutionNotApproved = errors.New("institution not approved")
	// ErrLicenceNotValid: the licence has expired or is not yet valid.
	ErrLicenceNotValid = errors.New("institution licence not valid on the date")
	// ErrCourseNotApproved: the institution is not approved for the club's
	// activity kind.
	ErrCourseNotApproved = errors.New("course kind not approved for the institution")
)

// CheckInstitution reports whether inst may provide a club of kind on date:
// approved by the bureau, licence valid on the date, course kind approved.
// It is the institution-approved hard rule, exported so the service can use
// it when an instructor is registered or assigned by hand.
func CheckInstitution(inst Institution, on civil.Date, kind ActivityKind) error {
	if !inst.Approved {
		return fmt.Errorf("institution %s: %w", inst.ID, ErrInstitutionNotApproved)
	}
	if (!inst.LicenceFrom.IsZero() && on.Compare(inst.LicenceFrom) < 0) ||
		(!inst.LicenceUntil.IsZero() && on.Compare(inst.LicenceUntil) > 0) {
		return fmt.Errorf("institution %s on %s: %w", inst.ID, on, ErrLicenceNotValid)
	}
	if kind != "" && !containsKind(inst.ApprovedKinds, kind) {
		return fmt.Errorf("institution %s, kind %s: %w", inst.ID, kind, ErrCourseNotApproved)
	}
	return nil
}

// AdultsNeeded returns how many adults extended care needs for students at
// the district ratio of students per adult, rounding up (31 students at 30
// per adult need 2). The ratio is district data, never a constant.
func AdultsNeeded(students, ratio int) (int, error) {
	var fe fieldErrors
	if students < 0 {
		fe.add("students", "must not be negative")
	}
	if ratio <= 0 {
		fe.add("ratio", "must be positive")
	}
	if err := fe.err(); err != nil {
		return 0, err
	}
	return (students + ratio - 1) / ratio, nil
}

func validWeekday(w time.Weekday) bool { return w >= time.Sunday && w <= time.Saturday }

func validateWindow(fe *fieldErrors, field string, start, end TimeOfDay) {
	if start < ServiceDayStart || start > ServiceDayEnd {
		fe.add(field+".start", "%s is outside the service day %s-%s", start, ServiceDayStart, ServiceDayEnd)
	}
	if end < ServiceDayStart || end > ServiceDayEnd {
		fe.add(field+".end", "%s is outside the service day %s-%s", end, ServiceDayStart, ServiceDayEnd)
	}
	if start >= end {
		fe.add(field+".end", "must be after start %s", start)
	}
}

// Validate checks p for malformed input and returns a *fault.ValidationError that
// names every offending field, or nil. Rule breaches that depend on the plan
// (an unapproved institution, a busy teacher) are not input errors; the
// solver reports them as uncovered demands or violations.
func (p Problem) Validate() error {
	var fe fieldErrors
	insts := make(map[string]bool, len(p.Institutions))
	for i, in := range p.Institutions {
		f := fmt.Sprintf("institutions[%d]", i)
		if in.ID == "" {
			fe.add(f+".id", "required")
		} else if insts[in.ID] {
			fe.add(f+".id", "duplicate id %q", in.ID)
		}
		insts[in.ID] = true
		for j, k := range in.ApprovedKinds {
			if !k.valid() {
				fe.add(fmt.Sprintf("%s.approved_kinds[%d]", f, j), "unknown activity kind %q", k)
			}
		}
		if !in.LicenceFrom.IsZero() && !in.LicenceFrom.Valid() {
			fe.add(f+".licence_from", "not a calendar date")
		}
		if !in.LicenceUntil.IsZero() && !in.LicenceUntil.Valid() {
			fe.add(f+".licence_until", "not a calendar date")
		}
		if !in.LicenceFrom.IsZero() && !in.LicenceUntil.IsZero() && in.LicenceUntil.Compare(in.LicenceFrom) < 0 {
			fe.add(f+".licence_until", "before licence_from")
		}
	}
	staff := make(map[string]bool, len(p.Staff))
	for i, s := range p.Staff {
		f := fmt.Sprintf("staff[%d]", i)
		if s.ID == "" {
			fe.add(f+".id", "required")
		} else if staff[s.ID] {
			fe.add(f+".id", "duplicate id %q", s.ID)
		}
		staff[s.ID] = true
		switch {
		case !s.Kind.valid():
			fe.add(f+".kind", "unknown staff kind %q", s.Kind)
		case s.Kind == KindOutsideInstructor && s.InstitutionID == "":
			fe.add(f+".institution_id", "required for an outside instructor")
		case s.Kind == KindOutsideInstructor && !insts[s.InstitutionID]:
			fe.add(f+".institution_id", "unknown institution %q", s.InstitutionID)
		case s.Kind != KindOutsideInstructor && s.InstitutionID != "":
			fe.add(f+".institution_id", "only outside instructors belong to an institution")
		}
		for j, k := range s.Qualifications {
			if !k.valid() {
				fe.add(fmt.Sprintf("%s.qualifications[%d]", f, j), "unknown activity kind %q", k)
			}
		}
		for j, sl := range s.Availability {
			g := fmt.Sprintf("%s.availability[%d]", f, j)
			if !validWeekday(sl.Weekday) {
				fe.add(g+".weekday", "unknown weekday %d", int(sl.Weekday))
			}
			if sl.Segment != "" && !sl.Segment.valid() {
				fe.add(g+".segment", "unknown segment %q", sl.Segment)
			}
			if !sl.Window.isZero() {
				validateWindow(&fe, g+".window", sl.Window.Start, sl.Window.End)
			}
		}
		if s.Limits.MaxPeriodsPerWeek < 0 {
			fe.add(f+".limits.max_periods_per_week", "must not be negative")
		}
		if s.Limits.MaxDaysPerWeek < 0 || s.Limits.MaxDaysPerWeek > 7 {
			fe.add(f+".limits.max_days_per_week", "must be between 0 and 7")
		}
		if s.Limits.MaxPeriodsPerDay < 0 {
			fe.add(f+".limits.max_periods_per_day", "must not be negative")
		}
		for j, w := range s.Preferences.Weekdays {
			if !validWeekday(w) {
				fe.add(fmt.Sprintf("%s.preferences.weekdays[%d]", f, j), "unknown weekday %d", int(w))
			}
		}
		for j, sg := range s.Preferences.Segments {
			if !sg.valid() {
				fe.add(fmt.Sprintf("%s.preferences.segments[%d]", f, j), "unknown segment %q", sg)
			}
		}
	}
	demands := make(map[string]bool, len(p.Demands))
	for i, d := range p.Demands {
		f := fmt.Sprintf("demands[%d]", i)
		if d.ID == "" {
			fe.add(f+".id", "required")
		} else if demands[d.ID] {
			fe.add(f+".id", "duplicate id %q", d.ID)
		}
		demands[d.ID] = true
		if !d.Date.Valid() {
			fe.add(f+".date", "not a calendar date")
		}
		if !d.Segment.valid() {
			fe.add(f+".segment", "unknown segment %q", d.Segment)
		}
		validateWindow(&fe, f, d.Start, d.End)
		if d.Periods < 1 {
			fe.add(f+".periods", "must be at least 1")
		}
		if d.Count < 1 {
			fe.add(f+".count", "must be at least 1")
		}
		if !d.Role.valid() {
			fe.add(f+".role", "unknown role %q", d.Role)
		}
		switch {
		case d.Role == RoleInstructor && !d.ActivityKind.valid():
			fe.add(f+".activity_kind", "unknown activity kind %q", d.ActivityKind)
		case d.Role != RoleInstructor && d.ActivityKind != "":
			fe.add(f+".activity_kind", "only instructor demands have an activity kind")
		}
		if d.InstitutionID != "" {
			if d.Role != RoleInstructor {
				fe.add(f+".institution_id", "only club instructor demands come from an institution")
			} else if !insts[d.InstitutionID] {
				fe.add(f+".institution_id", "unknown institution %q", d.InstitutionID)
			}
		}
		if d.Role == RoleSupervisor && d.ClassID == "" {
			fe.add(f+".class_id", "required for a supervisor demand")
		}
	}
	seen := make(map[Assignment]bool, len(p.Locked))
	for i, a := range p.Locked {
		f := fmt.Sprintf("locked[%d]", i)
		if !demands[a.DemandID] {
			fe.add(f+".demand_id", "unknown demand %q", a.DemandID)
		}
		if !staff[a.StaffID] {
			fe.add(f+".staff_id", "unknown staff %q", a.StaffID)
		}
		k := Assignment{DemandID: a.DemandID, StaffID: a.StaffID}
		if seen[k] {
			fe.add(f, "duplicate assignment of %s to %s", a.StaffID, a.DemandID)
		}
		seen[k] = true
	}
	for i, pa := range p.Previous {
		f := fmt.Sprintf("previous[%d]", i)
		if pa.StaffID == "" {
			fe.add(f+".staff_id", "required")
		}
		if !pa.Role.valid() {
			fe.add(f+".role", "unknown role %q", pa.Role)
		}
		if !validWeekday(pa.Weekday) {
			fe.add(f+".weekday", "unknown weekday %d", int(pa.Weekday))
		}
	}
	return fe.err()
}

func (o Options) validate() error {
	if o.MaxIterations < 0 {
		return &fault.ValidationError{Subject: "input", Violations: []fault.Violation{{Field: "options.max_iterations", Reason: "must not be negative"}}}
	}
	return nil
}

func containsKind(ks []ActivityKind, k ActivityKind) bool {
	for _, v := range ks {
		if v == k {
			return true
		}
	}
	return false
}

func containsString(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}
