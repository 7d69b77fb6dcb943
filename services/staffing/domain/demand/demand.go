// Package demand turns timetable's dated sessions (occurrences) into what
// the solver staffs: each occurrence needs its roles — a supervisor for a
// class's homework segment, an instructor for a club, extra adults for
// extended and lunch care by the district ratio of students per adult, and
// one patrol (巡课) per day and segment walking the classes and clubs.
//
// The package is pure: the same occurrences and policy give the same
// demands in the same order.
package demand

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/staffing/domain/solver"
)

// Item kinds of timetable's service items, as staffing reads them.
const (
	ItemBasicCare    = "basic_care"
	ItemEnrichment   = "enrichment"
	ItemLunchCare    = "lunch_care"
	ItemExtendedCare = "extended_care"
	ItemEveningStudy = "evening_study"
	ItemWeekendCare  = "weekend_care"
)

// Occurrence is one dated session as timetable states it.
type Occurrence struct {
	ID       string
	Date     civil.Date
	ItemKind string
	// Segment is timetable's segment index of the day (1, 2, ...).
	Segment       int
	ClassID       string
	ClubID        string
	Start, End    int // minutes after midnight
	Cancelled     bool
	Students      int
	ActivityKind  string
	InstitutionID string
}

// Policy is what the district and school stage decide.
type Policy struct {
	// StudentsPerAdult is the extended-care ratio; 0 means one adult per session.
	StudentsPerAdult int
	// PeriodMinutes is the length of a period (课时), e.g. 40 in primary.
	PeriodMinutes int
}

// Demand is a solver demand with what the service stores besides.
type Demand struct {
	solver.Demand
	OccurrenceID  string
	Students      int
	PeriodMinutes int
}

// Periods counts a session of minutes in whole periods, rounding half up
// and at least one: the solver balances load in whole periods, pay later
// uses the exact pro-rata periods of the delivered minutes.
func Periods(minutes, periodMinutes int) int {
	if periodMinutes <= 0 {
		return 1
	}
	return max(1, (minutes+periodMinutes/2)/periodMinutes)
}

// Derive returns the demands of occs, sorted by date, start and id.
// Cancelled occurrences need nobody. An unknown item kind is an error,
// because silently skipping it would leave a session unstaffed.
func Derive(occs []Occurrence, pol Policy) ([]Demand, error) {
	var out []Demand
	type patrolKey struct {
		date    civil.Date
		segment int
	}
	patrols := map[patrolKey]*Demand{}
	mk := func(o Occurrence, role solver.Role, seg solver.Segment, count int) Demand {
		d := Demand{OccurrenceID: o.ID, Students: o.Students, PeriodMinutes: pol.PeriodMinutes}
		d.Demand = solver.Demand{
			ID: o.ID + "#" + string(role), Date: o.Date, Segment: seg,
			Start: solver.TimeOfDay(o.Start), End: solver.TimeOfDay(o.End),
			Periods: Periods(o.End-o.Start, pol.PeriodMinutes), Role: role,
			ClassID: o.ClassID, ClubID: o.ClubID, Count: count,
		}
		return d
	}
	adults := func(students int) (int, error) {
		if pol.StudentsPerAdult <= 0 {
			return 1, nil
		}
		return solver.AdultsNeeded(students, pol.StudentsPerAdult)
	}
	for _, o := range occs {
		if o.Cancelled {
			continue
		}
		if o.End <= o.Start {
			return nil, fmt.Errorf("occurrence %s ends at or before its start", o.ID)
		}
		patrolled := false
		switch o.ItemKind {
		case ItemBasicCare:
			out = append(out, mk(o, solver.RoleSupervisor, solver.SegmentHomework, 1))
			patrolled = true
		case ItemEnrichment:
			d := mk(o, solver.RoleInstructor, solver.SegmentClub, 1)
			d.ActivityKind, d.InstitutionID = solver.ActivityKind(o.ActivityKind), o.InstitutionID
			out = append(out, d)
			patrolled = true
		case ItemEveningStudy:
			out = append(out, mk(o, solver.RoleSupervisor, solver.SegmentEvening, 1))
		case ItemLunchCare, ItemExtendedCare, ItemWeekendCare:
			n, err := adults(o.Students)
			if err != nil {
				return nil, fmt.Errorf("occurrence %s: %w", o.ID, err)
			}
			if n == 0 {
				continue
			}
			seg := solver.SegmentExtended
			if o.ItemKind == ItemLunchCare {
				seg = solver.SegmentLunch
			}
			out = append(out, mk(o, solver.RoleExtraAdult, seg, n))
		default:
			return nil, fmt.Errorf("occurrence %s: unknown item kind %q", o.ID, o.ItemKind)
		}
		if !patrolled {
			continue
		}
		k := patrolKey{o.Date, o.Segment}
		p := patrols[k]
		if p == nil {
			seg := solver.SegmentHomework
			if o.ItemKind == ItemEnrichment {
				seg = solver.SegmentClub
			}
			id := fmt.Sprintf("%s/%d/patrol", o.Date, o.Segment)
			p = &Demand{OccurrenceID: id, PeriodMinutes: pol.PeriodMinutes, Demand: solver.Demand{
				ID: id + "#" + string(solver.RolePatrol), Date: o.Date, Segment: seg,
				Start: solver.TimeOfDay(o.Start), End: solver.TimeOfDay(o.End), Role: solver.RolePatrol, Count: 1,
			}}
			patrols[k] = p
		}
		p.Start, p.End = min(p.Start, solver.TimeOfDay(o.Start)), max(p.End, solver.TimeOfDay(o.End))
		p.Students += o.Students
	}
	for _, p := range patrols {
		p.Periods = Periods(int(p.End-p.Start), pol.PeriodMinutes)
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Demand) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Solver returns the plain solver demands of ds.
func Solver(ds []Demand) []solver.Demand {
	out := make([]solver.Demand, len(ds))
	for i, d := range ds {
		out[i] = d.Demand
	}
	return out
}

// Sources of an assignment.
const (
	SourceSolver       = "solver"
	SourceManual       = "manual"
	SourceSubstitution = "substitution"
)

// Assignment is a stored assignment of one person to one demand.
type Assignment struct {
	ID       string
	DemandID string
	StaffID  string
	Locked   bool
	Source   string
	// HasHours is true when an hour record exists; such an assignment is
	// history and is kept like a locked one.
	HasHours bool
	// Status is StatusActive, or StatusRemoved once un-assigned (the row
	// stays for the audit trail but holds nobody).
	Status string
}

// Statuses of an assignment.
const (
	StatusActive  = "active"
	StatusRemoved = "removed"
)

// Week is a school's stored staffing of one week.
type Week struct {
	DistrictID  string
	SchoolID    string
	TermID      string
	WeekStart   civil.Date
	Seed        uint64
	Demands     []Demand
	Assignments []Assignment
	Uncovered   []solver.Uncovered
}

// Absence is a stored staff absence, both days inclusive.
type Absence struct {
	ID      string
	StaffID string
	From    civil.Date
	To      civil.Date
	Reason  string
}

// Substitution is what an absence changes in one week: the whole wanted
// set of assignments (existing ones keep their ids) and the gaps left.
type Substitution struct {
	WeekStart   civil.Date
	Assignments []Assignment
	Uncovered   []solver.Uncovered
}

// ManualDecision is what the use case decides for a hand-made assignment,
// given the demand, its current holders and the person's other bookings
// that week: which unlocked holder to replace (if any), or an error.
type ManualDecision func(d Demand, holders []Assignment, bookings []solver.Booking) (replace string, err error)

// Entry is one assignment with its demand, the row of a timetable view.
type Entry struct {
	Assignment Assignment
	Demand     Demand
}

// FeedRow is what the approved-hours feed needs about one assignment
// besides its hour records.
type FeedRow struct {
	AssignmentID  string
	StaffID       string
	StaffKind     string
	InstitutionID string
	Day           civil.Date
	Role          string
	PeriodMinutes int
	Students      int
	ClassID       string
	ClubID        string
	// StartMinute and EndMinute are the session's scheduled clock times,
	// minutes after local midnight: pay rules by time block need them.
	StartMinute, EndMinute int
}
