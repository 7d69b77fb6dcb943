package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// CreateTerm validates a term's calendar and stores it; it returns the
// number of school days (before closures).
func (a *App) CreateTerm(ctx context.Context, schoolID string, term school.Term) (school.Term, int, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return term, 0, err
	}
	term.Calendar.SchoolID = t.Scope.SchoolID
	if err := term.Validate(); err != nil {
		return term, 0, err
	}
	days, err := calendar.SchoolDays(term.Calendar, term.Holidays, term.Swaps, nil)
	if err != nil {
		return term, 0, translate(err, "term")
	}
	term.ID = school.NewID("term")
	return term, len(days), a.store.CreateTerm(ctx, t.Scope, term)
}

// GetTerm returns a term of the school.
func (a *App) GetTerm(ctx context.Context, schoolID, termID string) (school.Term, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.Term{}, err
	}
	return a.store.GetTerm(ctx, t.Scope, termID)
}

// ListTerms lists a school's terms.
func (a *App) ListTerms(ctx context.Context, schoolID string) ([]school.Term, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return a.store.ListTerms(ctx, t.Scope)
}

// CreateClosure closes days for one school of the district or, with no
// school, the whole district. It may be added at any time.
func (a *App) CreateClosure(ctx context.Context, districtID string, c calendar.Closure) (calendar.Closure, error) {
	if _, err := a.store.GetDistrict(ctx, districtID); err != nil {
		return c, err
	}
	if c.End.Before(c.Start) {
		return c, fault.Invalid("closure.end_date", "must not be before start_date")
	}
	c.Scope = calendar.ScopeDistrict
	if c.SchoolID != "" {
		sc, err := a.store.GetSchool(ctx, c.SchoolID)
		if err != nil {
			return c, err
		}
		if sc.DistrictID != districtID {
			return c, fault.Invalid("closure.school_id", "school "+c.SchoolID+" is not in district "+districtID)
		}
		c.Scope = calendar.ScopeSchool
	}
	c.ID = school.NewID("clo")
	return c, a.store.CreateClosure(ctx, districtID, c)
}

// termFacts is a term's facts (school.TermFacts) with the tenant they
// were loaded for.
type termFacts struct {
	tenant Tenant
	school.TermFacts
	// derived is what was computed from a kept term (readTerm); nil for
	// facts read for one request.
	derived *derived
}

func (a *App) loadTerm(ctx context.Context, schoolID, termID string) (termFacts, error) {
	var f termFacts
	var err error
	if f.tenant, err = a.Tenant(ctx, schoolID); err != nil {
		return f, err
	}
	sc := f.tenant.Scope
	f.PeriodMinutes = f.tenant.District.Policy.PeriodMinutes(f.tenant.School.Stage)
	facts, closures, err := a.store.TermFacts(ctx, sc, termID)
	if err != nil {
		return f, err
	}
	facts.PeriodMinutes = f.PeriodMinutes
	f.TermFacts = facts
	if f.Days, err = calendar.Days(f.Term.Calendar, f.Term.Holidays, f.Term.Swaps, closures); err != nil {
		return f, fmt.Errorf("days of term %s: %w", termID, err)
	}
	return f, nil
}

// Calendar returns every day of a term, closures applied.
func (a *App) Calendar(ctx context.Context, schoolID, termID string) ([]calendar.Day, error) {
	f, err := a.readTerm(ctx, schoolID, termID)
	return f.Days, err
}

// Occurrences lists a term's dated sessions between from and to
// (inclusive; zero dates mean the term's bounds).
func (a *App) Occurrences(ctx context.Context, schoolID, termID string, from, to civil.Date) ([]school.OccurrenceView, error) {
	f, err := a.readTerm(ctx, schoolID, termID)
	if err != nil {
		return nil, err
	}
	from, to, err = f.Bounds(from, to)
	if err != nil {
		return nil, err
	}
	occ, err := f.occurrences()
	if err != nil {
		return nil, err
	}
	var in []calendar.Occurrence
	for _, o := range occ {
		if !o.Date.Before(from) && !o.Date.After(to) {
			in = append(in, o)
		}
	}
	return f.Views(in), nil
}

// CancelSessions records a cancellation after checking that the day is a
// school day of the term and that it matches at least one session; a
// cancellation of sessions already cancelled is recorded and counts 0.
func (a *App) CancelSessions(ctx context.Context, schoolID, termID string, c calendar.Cancellation) (int, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return 0, err
	}
	if err := f.CheckSchoolDay(c.Date, "date"); err != nil {
		return 0, err
	}
	before, err := f.Occurrences(nil, nil)
	if err != nil {
		return 0, err
	}
	if err := school.MatchSession(before, c.Date, c.ClassID, c.ClubID, c.Segment); err != nil {
		return 0, err
	}
	after, err := f.Occurrences(&c, nil)
	if err != nil {
		return 0, err
	}
	n := school.CountCancelled(after) - school.CountCancelled(before)
	if err := a.store.AddCancellation(ctx, f.tenant.Scope, termID, school.NewID("can"), c); err != nil {
		return 0, err
	}
	return n, nil
}

// RecordDelivery records delivered minutes after checking that they name
// one scheduled session and do not exceed its planned minutes. Recording
// again for the same session corrects the figure.
func (a *App) RecordDelivery(ctx context.Context, schoolID, termID string, d calendar.Delivery) (school.OccurrenceView, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return school.OccurrenceView{}, err
	}
	if err := f.CheckSchoolDay(d.Date, "date"); err != nil {
		return school.OccurrenceView{}, err
	}
	if (d.ClassID == "") == (d.ClubID == "") {
		return school.OccurrenceView{}, fault.Invalid("class_id", "name exactly one of class_id and club_id")
	}
	same := func(x calendar.Delivery) bool {
		return x.Date == d.Date && x.ClassID == d.ClassID && x.ClubID == d.ClubID && x.Segment == d.Segment
	}
	f.Deliveries = slices.DeleteFunc(slices.Clone(f.Deliveries), same)
	before, err := f.Occurrences(nil, nil)
	if err != nil {
		return school.OccurrenceView{}, err
	}
	if err := school.MatchSession(before, d.Date, d.ClassID, d.ClubID, d.Segment); err != nil {
		return school.OccurrenceView{}, err
	}
	i := slices.IndexFunc(before, func(o calendar.Occurrence) bool {
		return o.Date == d.Date && o.ClassID == d.ClassID && o.ClubID == d.ClubID && o.Segment == d.Segment
	})
	switch o := before[i]; {
	case o.Status == calendar.StatusCancelled:
		return school.OccurrenceView{}, fault.Precondition("session " + school.OccurrenceID(o) + " was cancelled (" + o.CancelReason + "); nothing was delivered")
	case d.Minutes > o.Minutes:
		return school.OccurrenceView{}, fault.Invalid("minutes", fmt.Sprintf("%d is more than the planned %d", d.Minutes, o.Minutes))
	}
	occ, err := f.Occurrences(nil, &d)
	if err != nil {
		return school.OccurrenceView{}, err
	}
	if err := a.store.RecordDelivery(ctx, f.tenant.Scope, termID, d); err != nil {
		return school.OccurrenceView{}, err
	}
	return f.Views(occ[i : i+1])[0], nil
}

// RecordAttendance stores the roll-call (点名) of a session of the term;
// every student must belong to the session: a student of the class for a
// class session, a member of the club for a club session.
func (a *App) RecordAttendance(ctx context.Context, schoolID, termID, occurrenceID string, marks []school.Mark) (int, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return 0, err
	}
	occ, err := f.Occurrences(nil, nil)
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(occ, func(o calendar.Occurrence) bool { return school.OccurrenceID(o) == occurrenceID })
	if i < 0 {
		return 0, fault.NotFound("session " + occurrenceID + " not found in the term")
	}
	o := occ[i]
	if o.Status == calendar.StatusCancelled {
		return 0, fault.Precondition("session " + occurrenceID + " was cancelled: " + o.CancelReason)
	}
	members := map[string]bool{}
	if o.ClubID != "" {
		seats, err := a.store.Members(ctx, f.tenant.Scope, termID, o.ClubID)
		if err != nil {
			return 0, err
		}
		for _, s := range seats {
			members[s.StudentID] = true
		}
	}
	var c fault.Collector
	seen := map[string]bool{}
	for i, m := range marks {
		field := fmt.Sprintf("marks[%d].student_id", i)
		st, err := a.store.GetStudent(ctx, f.tenant.Scope, m.StudentID)
		switch {
		case isNotFound(err):
			c.Add(field, "not a student of this school")
		case err != nil:
			return 0, err
		case seen[m.StudentID]:
			c.Add(field, "student "+m.StudentID+" is marked twice")
		case o.ClubID == "" && st.ClassID != o.ClassID:
			c.Add(field, "student "+m.StudentID+" is not in class "+o.ClassID)
		case o.ClubID != "" && !members[m.StudentID]:
			c.Add(field, "student "+m.StudentID+" holds no seat in club "+o.ClubID)
		}
		seen[m.StudentID] = true
	}
	if err := c.Err(); err != nil {
		return 0, err
	}
	return len(marks), a.store.RecordAttendance(ctx, f.tenant.Scope, occurrenceID, marks)
}

// Attendance returns the roll-call recorded for a session of the term.
func (a *App) Attendance(ctx context.Context, schoolID, termID, occurrenceID string) ([]school.Mark, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return nil, err
	}
	return a.store.Attendance(ctx, t.Scope, occurrenceID)
}
