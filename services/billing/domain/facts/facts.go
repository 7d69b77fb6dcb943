// Package facts holds what billing reads from the services that own it, in
// billing's own vocabulary: schools, terms, calendars, items, enrolment and
// sessions from timetable; approved hours and people from staffing. The
// adapters (billing/timetablefeed, billing/staffingfeed) fill them from the
// generated contracts, so neither the use cases nor the store see proto or
// another service's Go packages.
package facts

import (
	"time"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"
)

// School is what billing needs to know about a school.
type School struct {
	ID         string
	DistrictID string
	Name       string
	Stage      string // primary, junior_middle or nine_year
	// Category is the school's 学校类别 (urban, county, rural or empty), which price ceilings
	// can depend on.
	Category string
}

// Term is a school's term (学期).
type Term struct {
	ID       string
	SchoolID string
	Name     string
	Start    civil.Date
	End      civil.Date
}

// Day is one calendar day of a term.
type Day struct {
	Date civil.Date
	// SchoolDay: service is planned (a swapped working Saturday included).
	SchoolDay bool
	// WeekendHoliday: a weekend or a holiday.
	WeekendHoliday bool
	// Closed: a closure cancels the day.
	Closed bool
}

// Item is a timetable service item of a term.
type Item struct {
	ID            string
	Kind          fee.ServiceKind
	Name          string
	PeriodMinutes int
}

// Interval is one enrolment of a student with the leave overlapping it.
type Interval struct {
	StudentID string
	ClassID   string
	ClubID    string
	ItemID    string
	ItemKind  fee.ServiceKind
	Start     civil.Date
	End       civil.Date // zero while enrolled
	Leave     []fee.DateRange
	Hardship  fee.HardshipCategory
	Verified  bool
}

// Occurrence is one dated session of a class or club.
type Occurrence struct {
	Date              civil.Date
	ClassID           string
	ClubID            string
	ItemID            string
	Minutes           int
	Cancelled         bool
	DeliveredMinutes  int
	DeliveredRecorded bool
}

// Hours is one assignment's approved delivered hours of a month, after
// corrections: what remuneration (劳务报酬) is computed from. Each
// assignment appears once, so an hour is never paid twice.
type Hours struct {
	RecordID                                         string
	AssignmentID                                     string
	StaffID                                          string
	StaffKind                                        string // teacher, outside_instructor or admin
	InstitutionID                                    string
	DistrictID                                       string
	SchoolID                                         string
	Date                                             time.Time // midnight UTC of the civil date
	Role                                             string    // supervisor, instructor, extra_adult, patrol
	Duty                                             string    // taught, substitute_cover, supervision_only
	Status                                           string    // approved or locked
	ScheduledMinutes, ActualMinutes, CreditedMinutes int
	// Periods are the credited periods (课时), pro rata, four places.
	Periods       decimal.Decimal
	PeriodMinutes int
	Students      int
	ClassID       string
	ClubID        string
	// StartMinute and EndMinute are the scheduled clock times of the
	// session, minutes after local midnight (for time-block pay rules).
	StartMinute, EndMinute int
}

// Pending is a record of the month that does not count for pay yet (draft,
// checked out, a correction awaiting approval) or counts but is not locked.
type Pending struct {
	RecordID     string
	AssignmentID string
	StaffID      string
	Date         time.Time // midnight UTC of the civil date
	Status       string    // draft, checked_out or approved
}

// Member is what billing needs to know of a person who is paid without
// delivered hours (a class teacher's or manager's allowance): their kind
// and institution.
type Member struct {
	StaffID       string
	StaffKind     string // teacher, outside_instructor or admin
	InstitutionID string
}

// Identity is a person's name and ID card number as staffing answers them
// for the pay sheet: the number whole for the bureau and finance officers,
// masked (3301**********1234) for anyone else, empty when not recorded.
type Identity struct {
	StaffID      string
	Name         string
	IDCardNumber string
}
