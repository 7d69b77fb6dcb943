// Package solver assigns school staff and outside instructors to the
// sessions of after-school service (课后服务): a supervisor for each class's
// homework segment, an instructor for each club, extra adults for extended
// care and a patrol (巡课) duty.
//
// The package is a pure engine: plain values in, plain values out, no
// database, no network. Given the same Problem and Options it returns the
// same Result byte for byte, whatever the order of the input slices.
//
// Hard rules (a plan never breaks them; Check verifies them independently):
// qualified, available, opted in, never in two places at once, within weekly
// and daily period limits and the days-per-week limit, institution staff only
// on their own institution's clubs, the institution approved with a valid
// licence on the date, and the number of people needed assigned.
//
// Soft goals (a weighted cost, lower is better, see the Weight constants):
// the class's own teachers supervise its homework segment, the same person
// keeps the same class and weekday across weeks, preferences are honoured,
// and load is spread fairly among comparable staff.
package solver

import (
	"fmt"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
)

// StaffKind says what kind of person a staff member is, because the kind
// decides which roles they may fill.
type StaffKind string

// Staff kinds.
const (
	// KindTeacher is a school teacher (教师); only teachers supervise homework.
	KindTeacher StaffKind = "teacher"
	// KindOutsideInstructor is an instructor employed by an outside
	// institution (第三方机构) and only teaches that institution's clubs.
	KindOutsideInstructor StaffKind = "outside_instructor"
	// KindAdmin is a school administrator who may patrol, care for students
	// or run a club they are qualified for.
	KindAdmin StaffKind = "admin"
)

func (k StaffKind) valid() bool {
	return k == KindTeacher || k == KindOutsideInstructor || k == KindAdmin
}

// ActivityKind is the kind of an enrichment club (兴趣拓展/社团); staff are
// qualified and institutions approved per kind.
type ActivityKind string

// Activity kinds.
const (
	ActivityReading        ActivityKind = "reading"         // 阅读
	ActivityCalligraphy    ActivityKind = "calligraphy"     // 书法
	ActivitySports         ActivityKind = "sports"          // 体育
	ActivityArts           ActivityKind = "arts"            // 艺术
	ActivityScience        ActivityKind = "science"         // 科技
	ActivitySocialPractice ActivityKind = "social_practice" // 社会实践
	ActivityOther          ActivityKind = "other"           // 其他
)

// ActivityKinds returns every known activity kind in a fixed order, so
// callers can validate input and build pick lists; the slice is a fresh copy.
func ActivityKinds() []ActivityKind {
	return []ActivityKind{
		ActivityReading, ActivityCalligraphy, ActivitySports, ActivityArts,
		ActivityScience, ActivitySocialPractice, ActivityOther,
	}
}

func (k ActivityKind) valid() bool {
	switch k {
	case ActivityReading, ActivityCalligraphy, ActivitySports, ActivityArts,
		ActivityScience, ActivitySocialPractice, ActivityOther:
		return true
	}
	return false
}

// Segment is a part of the after-school day; availability and preferences
// are stated per segment.
type Segment string

// Segments of the after-school day.
const (
	SegmentLunch    Segment = "lunch"    // 午托 lunch care
	SegmentHomework Segment = "homework" // segment 1: 作业辅导 homework supervision in the own class
	SegmentClub     Segment = "club"     // segment 2: 社团 clubs
	SegmentExtended Segment = "extended" // 延时 extended care after the normal off-work time
	SegmentEvening  Segment = "evening"  // 晚自习 evening self-study
)

func (s Segment) valid() bool {
	switch s {
	case SegmentLunch, SegmentHomework, SegmentClub, SegmentExtended, SegmentEvening:
		return true
	}
	return false
}

// Role is what a session needs a person for.
type Role string

// Roles.
const (
	// RoleSupervisor supervises a class's homework segment; any opted-in
	// teacher may do it, the class's own teachers are preferred.
	RoleSupervisor Role = "supervisor"
	// RoleInstructor teaches a club and must be qualified for its activity
	// kind; an institution's club is taught by that institution's instructors.
	RoleInstructor Role = "instructor"
	// RoleExtraAdult is an extra adult for extended care, counted by the
	// district ratio of students per adult (see AdultsNeeded).
	RoleExtraAdult Role = "extra_adult"
	// RolePatrol is the patrol (巡课) duty walking the classes and clubs.
	RolePatrol Role = "patrol"
)

func (r Role) valid() bool {
	switch r {
	case RoleSupervisor, RoleInstructor, RoleExtraAdult, RolePatrol:
		return true
	}
	return false
}

// TimeOfDay is a wall-clock time as minutes after midnight; sessions never
// cross midnight, so a plain count of minutes is enough.
type TimeOfDay int

// Clock returns the TimeOfDay for hour h and minute m, for readable literals.
func Clock(h, m int) TimeOfDay { return TimeOfDay(h*60 + m) }

// String formats t as "15:04".
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// The service day bounds every window and session: after-school service,
// lunch care and evening study all fall between these times.
const (
	// ServiceDayStart is the earliest time a session or availability window
	// may start (07:00).
	ServiceDayStart TimeOfDay = 7 * 60
	// ServiceDayEnd is the latest time a session or availability window may
	// end (21:00).
	ServiceDayEnd TimeOfDay = 21 * 60
)

// Window is a time span within one day, [Start, End).
type Window struct {
	Start TimeOfDay
	End   TimeOfDay
}

func (w Window) isZero() bool { return w.Start == 0 && w.End == 0 }

func (w Window) contains(start, end TimeOfDay) bool { return w.Start <= start && end <= w.End }

// Slot is one piece of a staff member's availability: a weekday, optionally
// narrowed to a segment and/or a time window. An empty Segment means every
// segment; a zero Window means the whole service day.
type Slot struct {
	Weekday time.Weekday
	Segment Segment
	Window  Window
}

// Limits caps a staff member's load. Zero in a field means no limit, because
// most schools only set some of them.
type Limits struct {
	// MaxPeriodsPerWeek caps periods (课时) per ISO week.
	MaxPeriodsPerWeek int
	// MaxDaysPerWeek caps the days per ISO week with at least one session.
	MaxDaysPerWeek int
	// MaxPeriodsPerDay caps periods on one date (districts often cap a day
	// at e.g. 3 periods).
	MaxPeriodsPerDay int
}

// Preferences are soft wishes of a staff member; an empty list means no
// preference. Unmet preferences cost WeightPreference each.
type Preferences struct {
	Weekdays []time.Weekday
	Segments []Segment
	Classes  []string
}

// Staff is a person who can be assigned: a school teacher, an admin or an
// outside instructor.
type Staff struct {
	ID   string
	Kind StaffKind
	// InstitutionID is the employer of an outside instructor; empty for
	// school staff.
	InstitutionID string
	Subjects      []string
	// ClassesTaught are the classes the teacher teaches in the day.
	ClassesTaught []string
	// ClassTeacherOf is the class of which the teacher is class teacher (班主任).
	ClassTeacherOf string
	// OptedIn is true when the person volunteered for after-school service
	// this term (participation is voluntary).
	OptedIn bool
	// Qualifications are the club activity kinds the person may teach.
	Qualifications []ActivityKind
	// Availability lists when the person can work; an empty list means the
	// whole service day on every day.
	Availability []Slot
	Limits       Limits
	Preferences  Preferences
}

// Institution is an outside institution (第三方机构) contracted by the school.
type Institution struct {
	ID string
	// Approved is true when the education bureau approved the institution.
	Approved bool
	// LicenceNo is the licence number, kept for reports.
	LicenceNo string
	// LicenceFrom and LicenceUntil bound the licence, both inclusive; a zero
	// date leaves that side open.
	LicenceFrom  civil.Date
	LicenceUntil civil.Date
	// ApprovedKinds are the activity kinds of its approved courses.
	ApprovedKinds []ActivityKind
}

// Demand is one session occurrence that needs Count people in Role.
type Demand struct {
	ID      string
	Date    civil.Date
	Segment Segment
	Start   TimeOfDay
	End     TimeOfDay
	// Periods is the number of periods (课时) the session counts for, as the
	// timetable states it; limits and fair load are measured in periods.
	Periods int
	Role    Role
	// ActivityKind is the club's kind; required for RoleInstructor.
	ActivityKind ActivityKind
	// InstitutionID is set when an outside institution provides the club.
	InstitutionID string
	ClassID       string
	ClubID        string
	// Count is how many people are needed (see AdultsNeeded for extended care).
	Count int
}

// Weekday returns the weekday of the demand's date; it is derived, never
// stored, so it cannot disagree with the date.
func (d Demand) Weekday() time.Weekday { return d.Date.Weekday() }

// Assignment puts one staff member on one demand.
type Assignment struct {
	DemandID string
	StaffID  string
	// Locked marks an assignment fixed by hand; the solver keeps it as is.
	Locked bool
}

// PreviousAssignment is an assignment from an earlier week, the input of the
// continuity goal: the same person for the same class (or club), role and
// weekday.
type PreviousAssignment struct {
	StaffID string
	Role    Role
	ClassID string
	ClubID  string
	Weekday time.Weekday
}

// Problem is everything the solver needs for one school and planning horizon
// (usually a week, possibly a term).
type Problem struct {
	Staff        []Staff
	Institutions []Institution
	Demands      []Demand
	// Locked assignments are kept as they are, even when they break a rule
	// (the breach is then reported in Result.Violations).
	Locked   []Assignment
	Previous []PreviousAssignment
}

// DefaultMaxIterations is the local-search budget used when
// Options.MaxIterations is zero; a 120-staff week takes about 0.2 s with it.
const DefaultMaxIterations = 100000

// Options tune a solve.
type Options struct {
	// Seed makes tie-breaks and local-search moves reproducible.
	Seed uint64
	// MaxIterations bounds local search (0 means DefaultMaxIterations); it is
	// what guarantees the solver never hangs.
	MaxIterations int
}

// Reason says why a demand stayed (partly) uncovered.
type Reason string

// Reasons for an uncovered demand, from the most to the least fundamental.
const (
	// ReasonInstitutionNotApproved: the club's institution is not approved,
	// its licence is not valid on the date or the course kind is not approved.
	ReasonInstitutionNotApproved Reason = "institution_not_approved"
	// ReasonNoOneQualified: nobody may fill the role at all (kind,
	// qualification or institution).
	ReasonNoOneQualified Reason = "no_one_qualified"
	// ReasonNotOptedIn: qualified people exist but none opted in this term.
	ReasonNotOptedIn Reason = "not_opted_in"
	// ReasonUnavailable: qualified, opted-in people exist but none is
	// available (or present) at that weekday, segment and time.
	ReasonUnavailable Reason = "unavailable"
	// ReasonAllQualifiedBusy: everyone eligible already works at an
	// overlapping session.
	ReasonAllQualifiedBusy Reason = "all_qualified_busy"
	// ReasonLimitsReached: eligible people are free at that time but their
	// period or day limits are used up.
	ReasonLimitsReached Reason = "limits_reached"
	// ReasonUnfilled: eligible people are free, so nothing blocks the slot;
	// it was freed by hand (an un-assignment) since the last solve and
	// waits for an assignment or a re-solve. A solve never leaves one.
	ReasonUnfilled Reason = "unfilled"
)

// Uncovered names a demand the plan could not fully staff and why.
type Uncovered struct {
	DemandID string
	// Missing is how many more people the demand needs.
	Missing int
	Reason  Reason
	Detail  string
}

// GroupLoad summarises the load of one group of comparable staff.
type GroupLoad struct {
	Kind StaffKind
	// MaxPeriodsPerWeek is the group's shared weekly cap (0 = none).
	MaxPeriodsPerWeek int
	Staff             int
	Min, Max          int
	Mean              float64
	// Unfairness is the sum of squared deviations from Mean.
	Unfairness float64
}

// Load is one staff member's load in a plan, for timetables and grids.
type Load struct {
	StaffID string
	Periods int
	Days    int
}

// Metrics grade a plan.
type Metrics struct {
	// Needed and Covered count person-slots (a demand with Count 3 is 3 slots).
	Needed, Covered int
	// Spread is the largest max − min of periods within any comparable group.
	Spread int
	// Unfairness is the sum over comparable groups of the squared deviations
	// of each member's periods from the group mean (periods²).
	Unfairness float64
	// SoftPenalty is the sum of the own-class, continuity and preference costs.
	SoftPenalty int
	// Score is SoftPenalty + WeightFairness × Unfairness; lower is better.
	// Plans are ranked first by Covered (higher better), then by Score.
	Score float64
	// HardViolations counts rule breaches other than missing people (those
	// are reported as Uncovered); only hand-locked assignments can cause them.
	HardViolations int
	Groups         []GroupLoad
	Loads          []Load
}

// Result is a plan with its uncovered demands and grades.
type Result struct {
	// Assignments are sorted by demand ID, then staff ID.
	Assignments []Assignment
	Uncovered   []Uncovered
	// Violations lists hard-rule breaches (excluding missing people), which
	// only hand-locked assignments can cause.
	Violations []Violation
	Metrics    Metrics
	// Iterations is the number of local-search moves tried.
	Iterations int
}
