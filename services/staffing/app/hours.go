package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/hours"
	"github.com/kehou/kehou/services/staffing/domain/solver"
	"github.com/kehou/kehou/services/staffing/domain/staff"
	"github.com/shopspring/decimal"
)

func isNotFound(err error) bool { return errors.Is(err, fault.ErrNotFound) }

// Scheduled returns the wall-clock start and end of a demand in Zone.
func Scheduled(d demand.Demand) (time.Time, time.Time) {
	day := time.Date(d.Date.Year, d.Date.Month, d.Date.Day, 0, 0, 0, 0, Zone)
	return day.Add(time.Duration(d.Start) * time.Minute), day.Add(time.Duration(d.End) * time.Minute)
}

// plannedDuty is the duty an assignment stands for until check-out says
// otherwise: a substitution is cover, a club is teaching, the rest is
// supervision.
func plannedDuty(e demand.Entry) hours.Duty {
	switch {
	case e.Assignment.Source == demand.SourceSubstitution:
		return hours.DutySubstituteCover
	case e.Demand.Role == solver.RoleInstructor:
		return hours.DutyTaught
	}
	return hours.DutySupervisionOnly
}

// CheckIn records the arrival for an assignment, opening its hour record.
func (a *App) CheckIn(ctx context.Context, schoolID, assignmentID string, at time.Time) (hours.Record, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return hours.Record{}, err
	}
	e, err := a.store.Assignment(ctx, sc.DistrictID, sc.ID, assignmentID)
	if err != nil {
		return hours.Record{}, err
	}
	fresh := func() (hours.Record, error) {
		start, end := Scheduled(e.Demand)
		return hours.New(hours.Schedule{ID: staff.NewID("hr"), AssignmentID: assignmentID, StaffID: e.Assignment.StaffID,
			SchoolID: sc.ID, Start: start, End: end, Duty: plannedDuty(e), CreatedAt: a.now()})
	}
	return a.store.OpenRecord(ctx, sc.DistrictID, sc.ID, assignmentID, fresh, func(r hours.Record) (hours.Record, error) {
		return hours.CheckIn(r, at)
	})
}

func (a *App) change(ctx context.Context, schoolID, recordID string, fn func(hours.Record) (hours.Record, error)) (hours.Record, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return hours.Record{}, err
	}
	return a.store.UpdateRecord(ctx, sc.DistrictID, sc.ID, recordID, fn)
}

// CheckOut records the departure and the duty done (empty keeps the planned duty).
func (a *App) CheckOut(ctx context.Context, schoolID, recordID string, at time.Time, duty hours.Duty) (hours.Record, error) {
	return a.change(ctx, schoolID, recordID, func(r hours.Record) (hours.Record, error) {
		if duty == "" {
			duty = r.Duty
		}
		return hours.CheckOut(r, at, duty)
	})
}

// Amend fixes a record not yet approved.
func (a *App) Amend(ctx context.Context, schoolID, recordID string, e hours.Edit) (hours.Record, error) {
	return a.change(ctx, schoolID, recordID, func(r hours.Record) (hours.Record, error) {
		if e.Duty == "" {
			e.Duty = r.Duty
		}
		return hours.Amend(r, e)
	})
}

// Approve is the school's approval of a checked-out record.
func (a *App) Approve(ctx context.Context, schoolID, recordID, by string) (hours.Record, error) {
	return a.change(ctx, schoolID, recordID, func(r hours.Record) (hours.Record, error) {
		return hours.Approve(r, by, a.now())
	})
}

// Lock closes an approved record for pay.
func (a *App) Lock(ctx context.Context, schoolID, recordID string) (hours.Record, error) {
	return a.change(ctx, schoolID, recordID, func(r hours.Record) (hours.Record, error) {
		return hours.Lock(r, a.now())
	})
}

// Correct adds a record correcting an approved or locked one; the original
// stays as it is.
func (a *App) Correct(ctx context.Context, schoolID, recordID string, c hours.Correction) (hours.Record, error) {
	c.ID, c.CreatedAt = staff.NewID("hr"), a.now()
	return a.change(ctx, schoolID, recordID, func(r hours.Record) (hours.Record, error) {
		if c.Duty == "" {
			c.Duty = r.Duty
		}
		return hours.Correct(r, c)
	})
}

// TimetableEntry is one assignment of a person with its latest hour record.
type TimetableEntry struct {
	demand.Entry
	Record *hours.Record
}

// StaffTimetable is a person's own timetable and hours over a range.
type StaffTimetable struct {
	Member           staff.Member
	Entries          []TimetableEntry
	ScheduledPeriods int
	ApprovedMinutes  int
	ApprovedPeriods  decimal.Decimal
}

// MaxRangeDays bounds a timetable view.
const MaxRangeDays = 62

// Timetable returns a person's assignments and hours on days in [from, to].
func (a *App) Timetable(ctx context.Context, schoolID, staffID string, from, to civil.Date) (StaffTimetable, error) {
	var c fault.Collector
	c.Check(to.Compare(from) >= 0, "to", "must not be before from")
	c.Check(to.Compare(from.AddDays(MaxRangeDays)) <= 0, "to", fmt.Sprintf("at most %d days after from", MaxRangeDays))
	if err := c.Err(); err != nil {
		return StaffTimetable{}, err
	}
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return StaffTimetable{}, err
	}
	m, err := a.store.GetMember(ctx, sc.DistrictID, sc.ID, staffID)
	if err != nil {
		return StaffTimetable{}, err
	}
	es, err := a.store.StaffAssignments(ctx, sc.DistrictID, sc.ID, staffID, from, to)
	if err != nil {
		return StaffTimetable{}, err
	}
	out := StaffTimetable{Member: m, ApprovedPeriods: decimal.Zero}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.Assignment.ID
	}
	recs, err := a.store.RecordsOfAssignments(ctx, sc.DistrictID, sc.ID, ids)
	if err != nil {
		return StaffTimetable{}, err
	}
	latest := map[string]*hours.Record{}
	for i := range recs {
		r := &recs[i]
		if l := latest[r.AssignmentID]; l == nil || !r.CreatedAt.Before(l.CreatedAt) {
			latest[r.AssignmentID] = r
		}
	}
	eff, err := hours.Effective(recs)
	if err != nil {
		return StaffTimetable{}, err
	}
	pm := map[string]int{}
	for _, e := range es {
		out.Entries = append(out.Entries, TimetableEntry{Entry: e, Record: latest[e.Assignment.ID]})
		out.ScheduledPeriods += e.Demand.Periods
		pm[e.Assignment.ID] = e.Demand.PeriodMinutes
	}
	for _, h := range eff {
		out.ApprovedMinutes += h.CreditedMinutes
		p, err := hours.Periods(h.CreditedMinutes, pm[h.AssignmentID])
		if err != nil {
			return StaffTimetable{}, err
		}
		out.ApprovedPeriods = out.ApprovedPeriods.Add(p)
	}
	return out, nil
}

// ApprovedHours is one assignment's approved hours for the billing feed.
type ApprovedHours struct {
	hours.EffectiveHours
	demand.FeedRow
	DistrictID string
	Periods    decimal.Decimal
}

// ApprovedHours returns a school's approved delivered hours of a month,
// after corrections, one entry per assignment, by date then assignment.
func (a *App) ApprovedHours(ctx context.Context, schoolID string, year int, month time.Month) ([]ApprovedHours, error) {
	out, _, err := a.MonthHours(ctx, schoolID, year, month)
	return out, err
}

// PendingHours is a record of the month that does not count for pay yet, or
// counts but is not locked: a pay run refuses the month while any remain.
type PendingHours struct {
	RecordID     string
	AssignmentID string
	StaffID      string
	Day          civil.Date
	Status       hours.Status
}

// MonthHours returns a school's approved hours of a month (as ApprovedHours)
// and the month's pending records: every draft or checked-out record (a
// correction awaiting approval included) and every counting record that is
// approved but not yet locked, by date then record id.
func (a *App) MonthHours(ctx context.Context, schoolID string, year int, month time.Month) ([]ApprovedHours, []PendingHours, error) {
	if month < time.January || month > time.December {
		return nil, nil, fault.Invalid("month", "must be 1 to 12")
	}
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return nil, nil, err
	}
	from := civil.New(year, month, 1)
	recs, facts, err := a.store.MonthRecords(ctx, sc.DistrictID, sc.ID, from, civil.New(year, month+1, 1))
	if err != nil {
		return nil, nil, err
	}
	eff, err := hours.Effective(recs)
	if err != nil {
		return nil, nil, err
	}
	out := make([]ApprovedHours, 0, len(eff))
	var pending []PendingHours
	for _, h := range eff {
		f, ok := facts[h.AssignmentID]
		if !ok {
			return nil, nil, fmt.Errorf("hour record %s: assignment %s has no facts: %w", h.RecordID, h.AssignmentID, hours.ErrInconsistent)
		}
		p, err := hours.Periods(h.CreditedMinutes, f.PeriodMinutes)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ApprovedHours{EffectiveHours: h, FeedRow: f, DistrictID: sc.DistrictID, Periods: p})
		if h.Status == hours.StatusApproved {
			pending = append(pending, PendingHours{RecordID: h.RecordID, AssignmentID: h.AssignmentID, StaffID: h.StaffID, Day: f.Day, Status: h.Status})
		}
	}
	for _, r := range recs {
		if r.Status != hours.StatusDraft && r.Status != hours.StatusCheckedOut {
			continue
		}
		day := civil.New(r.ScheduledStart.Year(), r.ScheduledStart.Month(), r.ScheduledStart.Day())
		if f, ok := facts[r.AssignmentID]; ok {
			day = f.Day
		}
		pending = append(pending, PendingHours{RecordID: r.ID, AssignmentID: r.AssignmentID, StaffID: r.StaffID, Day: day, Status: r.Status})
	}
	slices.SortFunc(out, func(x, y ApprovedHours) int {
		if c := x.Day.Compare(y.Day); c != 0 {
			return c
		}
		return strings.Compare(x.EffectiveHours.AssignmentID, y.EffectiveHours.AssignmentID)
	})
	slices.SortFunc(pending, func(x, y PendingHours) int {
		if c := x.Day.Compare(y.Day); c != 0 {
			return c
		}
		return strings.Compare(x.RecordID, y.RecordID)
	})
	return out, pending, nil
}
