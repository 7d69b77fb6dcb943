// Package staff holds who may take after-school duties at a school and the
// outside institutions (第三方机构) that supply instructors, with the rules
// their records must satisfy before the solver sees them.
package staff

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/staffing/domain/solver"
	"github.com/shopspring/decimal"
)

// Kind says how a person takes part.
type Kind string

// The kinds of staff.
const (
	KindTeacher           Kind = "teacher"            // 校内教师
	KindOutsideInstructor Kind = "outside_instructor" // 第三方机构人员
	KindAdmin             Kind = "admin"              // 行政人员
)

// Slot is one piece of availability: a weekday (ISO: 1 = Monday ... 7 =
// Sunday), optionally a segment, optionally a window in minutes after
// midnight (Start = End = 0 means the whole service day).
type Slot struct {
	Weekday int
	Segment string
	Start   int
	End     int
}

// Limits caps a person's load; zero means no cap.
type Limits struct {
	MaxPeriodsPerWeek int
	MaxDaysPerWeek    int
	MaxPeriodsPerDay  int
}

// Preferences are soft wishes (weekdays ISO 1..7, segments, class ids).
type Preferences struct {
	Weekdays []int    `json:"weekdays,omitempty"`
	Segments []string `json:"segments,omitempty"`
	Classes  []string `json:"classes,omitempty"`
}

// Member is one person at one school with the profile the solver uses.
type Member struct {
	DistrictID string
	SchoolID   string
	ID         string
	// Number is the school's staff number (工号), the key imports match
	// people by; "" when not recorded.
	Number         string
	Name           string
	Kind           Kind
	InstitutionID  string
	Subjects       []string
	ClassesTaught  []string
	ClassTeacherOf string
	Qualifications []string
	Availability   []Slot
	Limits         Limits
	Preferences    Preferences
	// IDCardNumber is the 居民身份证号码 (GB 11643), optional; the payroll
	// office needs it on the pay sheet, every other reader sees it masked.
	IDCardNumber string
	// OptedInTerms are the terms the person volunteered for (read only).
	OptedInTerms []string
	CreateTime   time.Time
}

var segments = []string{
	string(solver.SegmentLunch), string(solver.SegmentHomework), string(solver.SegmentClub),
	string(solver.SegmentExtended), string(solver.SegmentEvening),
}

// ValidActivityKind reports whether k is one of the known activity kinds.
func ValidActivityKind(k string) bool {
	return slices.Contains(solver.ActivityKinds(), solver.ActivityKind(k))
}

func kindList() string {
	ks := solver.ActivityKinds()
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return strings.Join(out, ", ")
}

// Validate checks the rules the contract cannot express; every field path
// starts with "staff_member." as in the request.
func (m Member) Validate() error {
	var c fault.Collector
	c.Check(strings.TrimSpace(m.Name) != "", "staff_member.name", "must not be blank")
	if m.IDCardNumber != "" {
		if why := CheckIDCard(m.IDCardNumber); why != "" {
			c.Add("staff_member.id_card_number", why)
		}
	}
	c.Check(m.Number == strings.TrimSpace(m.Number) && utf8.RuneCountInString(m.Number) <= 32, "staff_member.staff_number",
		"must be at most 32 characters, without surrounding spaces")
	c.Check(m.Kind == KindTeacher || m.Kind == KindOutsideInstructor || m.Kind == KindAdmin, "staff_member.kind", "must be teacher, outside_instructor or admin")
	switch {
	case m.Kind == KindOutsideInstructor && m.InstitutionID == "":
		c.Add("staff_member.institution_id", "required for an outside instructor")
	case m.Kind != KindOutsideInstructor && m.InstitutionID != "":
		c.Add("staff_member.institution_id", "only outside instructors belong to an institution")
	}
	for i, q := range m.Qualifications {
		c.Check(ValidActivityKind(q), fmt.Sprintf("staff_member.qualifications[%d]", i),
			fmt.Sprintf("unknown activity kind %q; want one of %s", q, kindList()))
	}
	for i, s := range m.Availability {
		f := fmt.Sprintf("staff_member.availability[%d]", i)
		c.Check(s.Weekday >= 1 && s.Weekday <= 7, f+".weekday", "must be 1 (Monday) to 7 (Sunday)")
		c.Check(s.Segment == "" || slices.Contains(segments, s.Segment), f+".segment",
			fmt.Sprintf("unknown segment %q; want one of %s", s.Segment, strings.Join(segments, ", ")))
		if s.Start == 0 && s.End == 0 {
			continue
		}
		day := fmt.Sprintf("%s-%s", solver.ServiceDayStart, solver.ServiceDayEnd)
		c.Check(s.Start >= int(solver.ServiceDayStart) && s.Start <= int(solver.ServiceDayEnd), f+".start",
			fmt.Sprintf("%s is outside the service day %s", solver.TimeOfDay(s.Start), day))
		c.Check(s.End >= int(solver.ServiceDayStart) && s.End <= int(solver.ServiceDayEnd), f+".end",
			fmt.Sprintf("%s is outside the service day %s", solver.TimeOfDay(s.End), day))
		c.Check(s.End > s.Start, f+".end", "must be after start")
	}
	for i, s := range m.Preferences.Segments {
		c.Check(slices.Contains(segments, s), fmt.Sprintf("staff_member.preferences.segments[%d]", i), fmt.Sprintf("unknown segment %q", s))
	}
	c.Check(m.ClassTeacherOf == "" || m.Kind == KindTeacher, "staff_member.class_teacher_of", "only a teacher can be class teacher")
	return c.Err()
}

// ToSolver converts m for the solver; optedIn says whether the person
// opted in for the term being planned.
func (m Member) ToSolver(optedIn bool) solver.Staff {
	s := solver.Staff{
		ID: m.ID, Kind: solver.StaffKind(m.Kind), InstitutionID: m.InstitutionID,
		Subjects: m.Subjects, ClassesTaught: m.ClassesTaught, ClassTeacherOf: m.ClassTeacherOf, OptedIn: optedIn,
		Limits: solver.Limits{MaxPeriodsPerWeek: m.Limits.MaxPeriodsPerWeek, MaxDaysPerWeek: m.Limits.MaxDaysPerWeek, MaxPeriodsPerDay: m.Limits.MaxPeriodsPerDay},
	}
	for _, q := range m.Qualifications {
		s.Qualifications = append(s.Qualifications, solver.ActivityKind(q))
	}
	for _, a := range m.Availability {
		s.Availability = append(s.Availability, solver.Slot{Weekday: time.Weekday(a.Weekday % 7), Segment: solver.Segment(a.Segment),
			Window: solver.Window{Start: solver.TimeOfDay(a.Start), End: solver.TimeOfDay(a.End)}})
	}
	for _, w := range m.Preferences.Weekdays {
		s.Preferences.Weekdays = append(s.Preferences.Weekdays, time.Weekday(w%7))
	}
	for _, sg := range m.Preferences.Segments {
		s.Preferences.Segments = append(s.Preferences.Segments, solver.Segment(sg))
	}
	s.Preferences.Classes = m.Preferences.Classes
	return s
}

// NewID returns a fresh random id with prefix, e.g. "stf_3f9c2a7b10d4".
func NewID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return prefix + "_" + hex.EncodeToString(b)
}

// Course is an approved course of an institution with its price per period.
type Course struct {
	ID             string
	Name           string
	ActivityKind   string
	PricePerPeriod decimal.Decimal
}

// Institution is an outside institution approved by the district bureau.
type Institution struct {
	DistrictID string
	ID         string
	Name       string
	LicenceNo  string
	ValidFrom  civil.Date
	ValidUntil civil.Date
	Approved   bool
	Courses    []Course
	SchoolIDs  []string
	CreateTime time.Time
}

// Validate checks an institution's record.
func (in Institution) Validate() error {
	var c fault.Collector
	c.Check(strings.TrimSpace(in.Name) != "", "institution.name", "must not be blank")
	c.Check(strings.TrimSpace(in.LicenceNo) != "", "institution.licence_no", "must not be blank")
	c.Check(in.ValidUntil.Compare(in.ValidFrom) >= 0, "institution.licence_valid_until", "must not be before licence_valid_from")
	for i, co := range in.Courses {
		f := fmt.Sprintf("institution.courses[%d]", i)
		c.Check(strings.TrimSpace(co.Name) != "", f+".name", "must not be blank")
		c.Check(ValidActivityKind(co.ActivityKind), f+".activity_kind", fmt.Sprintf("unknown activity kind %q; want one of %s", co.ActivityKind, kindList()))
		c.Check(!co.PricePerPeriod.IsNegative(), f+".price_per_period", "must not be negative")
	}
	return c.Err()
}

// ToSolver converts in for the solver.
func (in Institution) ToSolver() solver.Institution {
	out := solver.Institution{ID: in.ID, Approved: in.Approved, LicenceNo: in.LicenceNo, LicenceFrom: in.ValidFrom, LicenceUntil: in.ValidUntil}
	for _, co := range in.Courses {
		if !slices.Contains(out.ApprovedKinds, solver.ActivityKind(co.ActivityKind)) {
			out.ApprovedKinds = append(out.ApprovedKinds, solver.ActivityKind(co.ActivityKind))
		}
	}
	return out
}

// CheckInstructorInstitution is the rule for registering an outside
// instructor: the institution is approved and its licence valid today. It
// returns a FailedPrecondition naming the rule.
func CheckInstructorInstitution(in Institution, today civil.Date) error {
	err := solver.CheckInstitution(in.ToSolver(), today, "")
	switch {
	case err == nil:
		return nil
	case errors.Is(err, solver.ErrInstitutionNotApproved):
		return fault.Precondition(fmt.Sprintf("institution_approved: institution %s is not approved by the bureau", in.ID))
	case errors.Is(err, solver.ErrLicenceNotValid):
		return fault.Precondition(fmt.Sprintf("institution_approved: licence %s of institution %s is valid %s to %s, not on %s",
			in.LicenceNo, in.ID, in.ValidFrom, in.ValidUntil, today))
	}
	return err
}
