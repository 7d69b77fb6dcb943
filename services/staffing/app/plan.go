package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kehou/kehou/services/platform/changes"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/facts"
	"github.com/kehou/kehou/services/staffing/domain/solver"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// ContinuityWeeks is how many earlier weeks feed the continuity goal (the
// same person for the same class and weekday).
const ContinuityWeeks = 4

// Grid is a school's week with its fairness summary.
type Grid struct {
	Week    demand.Week
	Metrics solver.Metrics
}

// problem builds the solver's input for a school: every member (opted in
// when they volunteered for termID), every institution of the district
// (approved for this school only if it serves the school).
func (a *App) problem(ctx context.Context, sc facts.School, termID string, ds []demand.Demand) (solver.Problem, []staff.Member, error) {
	ms, err := a.store.ListMembers(ctx, sc.DistrictID, sc.ID, "", 0)
	if err != nil {
		return solver.Problem{}, nil, err
	}
	ins, err := a.store.ListInstitutions(ctx, sc.DistrictID, nil)
	if err != nil {
		return solver.Problem{}, nil, err
	}
	return problemOf(sc, termID, ds, ms, ins), ms, nil
}

// problemOf is problem's assembly from what was read.
func problemOf(sc facts.School, termID string, ds []demand.Demand, ms []staff.Member, ins []staff.Institution) solver.Problem {
	var p solver.Problem
	if len(ms) > 0 {
		p.Staff = make([]solver.Staff, 0, len(ms))
	}
	if len(ins) > 0 {
		p.Institutions = make([]solver.Institution, 0, len(ins))
	}
	for _, m := range ms {
		p.Staff = append(p.Staff, m.ToSolver(slices.Contains(m.OptedInTerms, termID)))
	}
	for _, in := range ins {
		si := in.ToSolver()
		si.Approved = si.Approved && slices.Contains(in.SchoolIDs, sc.ID)
		p.Institutions = append(p.Institutions, si)
	}
	p.Demands = demand.Solver(ds)
	return p
}

func toSolverAssignments(as []demand.Assignment) []solver.Assignment {
	out := make([]solver.Assignment, len(as))
	for i, x := range as {
		out[i] = solver.Assignment{DemandID: x.DemandID, StaffID: x.StaffID, Locked: x.Locked || x.HasHours}
	}
	return out
}

// reconcile turns a solver plan into stored assignments, keeping the ids
// (and locks) of pairs that already exist.
func reconcile(have []demand.Assignment, plan []solver.Assignment, source string) []demand.Assignment {
	type pair struct{ d, s string }
	idx := map[pair]demand.Assignment{}
	for _, a := range have {
		idx[pair{a.DemandID, a.StaffID}] = a
	}
	out := make([]demand.Assignment, 0, len(plan))
	for _, x := range plan {
		if a, ok := idx[pair{x.DemandID, x.StaffID}]; ok {
			out = append(out, a)
			continue
		}
		out = append(out, demand.Assignment{ID: staff.NewID("asg"), DemandID: x.DemandID, StaffID: x.StaffID, Locked: x.Locked, Source: source})
	}
	return out
}

func weekOf(d civil.Date) civil.Date {
	off := (int(d.Weekday()) + 6) % 7
	return d.AddDays(-off)
}

// SolveWeek derives the week's demands from timetable's sessions, plans
// them (keeping hand-locked assignments and applying recorded absences)
// and stores the plan. The same seed and input give the same plan.
func (a *App) SolveWeek(ctx context.Context, schoolID, termID string, weekStart civil.Date, seed uint64) (Grid, error) {
	if weekStart.Weekday() != time.Monday {
		return Grid{}, fault.Invalid("week_start", weekStart.String()+" is a "+weekStart.Weekday().String()+", not a Monday")
	}
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return Grid{}, err
	}
	pol, err := a.tt.Policy(ctx, sc.DistrictID, sc.Stage)
	if err != nil {
		return Grid{}, err
	}
	weekEnd := weekStart.AddDays(6)
	occs, err := a.tt.Occurrences(ctx, sc.ID, termID, weekStart, weekEnd)
	var verr *fault.ValidationError
	if errors.As(err, &verr) {
		// Timetable refuses dates outside the term: name the caller's field.
		return Grid{}, fault.Invalid("week_start", fmt.Sprintf("the week %s to %s is not inside term %s", weekStart, weekEnd, termID))
	}
	if err != nil {
		return Grid{}, err
	}
	ds, err := demand.Derive(occs, pol)
	if err != nil {
		return Grid{}, err
	}
	p, _, err := a.problem(ctx, sc, termID, ds)
	if err != nil {
		return Grid{}, err
	}
	have, err := a.store.ExistingAssignments(ctx, sc.DistrictID, sc.ID, weekStart)
	if err != nil {
		return Grid{}, err
	}
	known := map[string]bool{}
	for _, d := range ds {
		known[d.ID] = true
	}
	var kept []demand.Assignment
	for _, x := range have {
		if (x.Locked || x.HasHours) && known[x.DemandID] {
			p.Locked = append(p.Locked, solver.Assignment{DemandID: x.DemandID, StaffID: x.StaffID, Locked: true})
			kept = append(kept, x)
		}
	}
	if p.Previous, err = a.store.Previous(ctx, sc.DistrictID, sc.ID, weekStart.AddDays(-7*ContinuityWeeks), weekStart); err != nil {
		return Grid{}, err
	}
	r, err := solver.Solve(p, solver.Options{Seed: seed})
	if err != nil {
		return Grid{}, err
	}
	abs, err := a.store.Absences(ctx, sc.DistrictID, sc.ID, weekStart, weekEnd)
	if err != nil {
		return Grid{}, err
	}
	dates := map[string]civil.Date{}
	for _, d := range ds {
		dates[d.ID] = d.Date
	}
	for _, ab := range abs {
		sab := solver.Absence{StaffID: ab.StaffID, From: ab.From, To: ab.To, Keep: checkedIn(kept, dates, ab)}
		if r, _, err = solver.Substitute(p, r.Assignments, sab, solver.Options{Seed: seed}); err != nil {
			return Grid{}, err
		}
	}
	w := demand.Week{DistrictID: sc.DistrictID, SchoolID: sc.ID, TermID: termID, WeekStart: weekStart, Seed: seed,
		Demands: ds, Assignments: reconcile(kept, r.Assignments, demand.SourceSolver), Uncovered: r.Uncovered}
	if err := a.store.SaveWeek(ctx, w); err != nil {
		return Grid{}, err
	}
	return a.grid(ctx, sc, weekStart)
}

// StaffingGrid returns a school's stored week with its fairness summary:
// from memory when nothing of the school or district changed since it was
// read (the grid is shared: callers must not change it).
func (a *App) StaffingGrid(ctx context.Context, schoolID string, weekStart civil.Date) (Grid, error) {
	district, err := a.tt.SchoolDistrict(ctx, schoolID)
	if err != nil {
		return Grid{}, err
	}
	week := weekOf(weekStart)
	scopes := []string{changes.Scope(district, schoolID), changes.Scope(district, "")}
	return a.grids.Read(gridKey{district, schoolID, week}, scopes, func() (Grid, error) {
		return a.grid(ctx, facts.School{ID: schoolID, DistrictID: district}, week)
	})
}

func (a *App) grid(ctx context.Context, sc facts.School, weekStart civil.Date) (Grid, error) {
	// One round trip: the week, the staff, the institutions and the absences.
	w, ms, ins, abs, err := a.store.GridFacts(ctx, sc.DistrictID, sc.ID, weekStart)
	if err != nil {
		return Grid{}, err
	}
	p := problemOf(sc, w.TermID, w.Demands, ms, ins)
	// The stored reasons are from the last solve; a hand assignment or an
	// un-assignment since changes them, so explain the plan as it is now
	// (absent people count as unavailable on their days). Review is
	// Evaluate and Explain over one validation and index of p.
	sabs := make([]solver.Absence, len(abs))
	for i, ab := range abs {
		sabs[i] = solver.Absence{StaffID: ab.StaffID, From: ab.From, To: ab.To}
	}
	m, uncovered, err := solver.Review(p, toSolverAssignments(w.Assignments), sabs)
	if err != nil {
		return Grid{}, err
	}
	w.Uncovered = uncovered
	return Grid{Week: w, Metrics: m}, nil
}

func describe(vs []solver.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v.Rule) + ": " + v.Detail
		if v.Detail == "" {
			parts[i] = string(v.Rule)
		}
	}
	return strings.Join(parts, "; ")
}

// AssignStaff puts a person on a demand by hand, locked. Every hard rule is
// checked for the person (qualified, available, opted in, institution) and
// against their other bookings that week (no overlap, limits) inside the
// transaction that locks the person, so of two administrators assigning
// the same person to overlapping sessions at once, exactly one succeeds.
// A full demand gives up one unlocked holder.
func (a *App) AssignStaff(ctx context.Context, schoolID, demandID, staffID string) (demand.Assignment, string, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return demand.Assignment{}, "", err
	}
	m, err := a.store.GetMember(ctx, sc.DistrictID, sc.ID, staffID)
	if err != nil {
		return demand.Assignment{}, "", err
	}
	termID, err := a.store.PlanTerm(ctx, sc.DistrictID, sc.ID, demandID)
	if err != nil {
		return demand.Assignment{}, "", err
	}
	ins, err := a.store.ListInstitutions(ctx, sc.DistrictID, nil)
	if err != nil {
		return demand.Assignment{}, "", err
	}
	s := m.ToSolver(slices.Contains(m.OptedInTerms, termID))
	decide := func(d demand.Demand, holders []demand.Assignment, bookings []solver.Booking) (string, error) {
		if slices.ContainsFunc(holders, func(h demand.Assignment) bool { return h.StaffID == staffID }) {
			return "", fault.AlreadyExists(fmt.Sprintf("%s already holds %s", staffID, demandID))
		}
		p := solver.Problem{Staff: []solver.Staff{s}, Demands: []solver.Demand{d.Demand}}
		for _, in := range ins {
			si := in.ToSolver()
			si.Approved = si.Approved && slices.Contains(in.SchoolIDs, sc.ID)
			p.Institutions = append(p.Institutions, si)
		}
		var vs []solver.Violation
		for _, v := range solver.Check(p, []solver.Assignment{{DemandID: d.ID, StaffID: staffID}}) {
			if v.Rule != solver.RuleRatio {
				vs = append(vs, v)
			}
		}
		vs = append(vs, solver.Conflicts(bookings, solver.Booking{DemandID: d.ID, StaffID: staffID, Date: d.Date,
			Start: d.Start, End: d.End, Periods: d.Periods}, s.Limits)...)
		if len(vs) > 0 {
			return "", fault.Precondition(fmt.Sprintf("cannot assign %s to %s: %s", staffID, demandID, describe(vs)))
		}
		if len(holders) < d.Count {
			return "", nil
		}
		for i := len(holders) - 1; i >= 0; i-- {
			if !holders[i].Locked && !holders[i].HasHours {
				return holders[i].StaffID, nil
			}
		}
		return "", fault.Precondition(fmt.Sprintf("demand_full: %s already has %d locked people", demandID, d.Count))
	}
	return a.store.AssignByHand(ctx, sc.DistrictID, sc.ID, demandID, staffID, staff.NewID("asg"), decide)
}

// AbsenceResult is what an absence changed.
type AbsenceResult struct {
	Absence   demand.Absence
	Changes   []solver.Change
	Uncovered []solver.Uncovered
	// Kept are the absent person's sessions in the absence they already
	// checked in for: they stay with the person.
	Kept []demand.Entry
}

// checkedIn returns the demands in ab that ab's person already has hours
// for: they were there, so those sessions stay with them (an hour record
// always belongs to its assignment) and only the others are substituted.
func checkedIn(as []demand.Assignment, dates map[string]civil.Date, ab demand.Absence) []string {
	var out []string
	for _, x := range as {
		d, ok := dates[x.DemandID]
		if x.StaffID == ab.StaffID && x.HasHours && ok && d.Compare(ab.From) >= 0 && d.Compare(ab.To) <= 0 {
			out = append(out, x.DemandID)
		}
	}
	return out
}

// MaxAbsenceDays bounds one absence report, so a re-plan stays small.
const MaxAbsenceDays = 31

// ReportAbsence records an absence and re-plans only the absent person's
// sessions on those days in every solved week it touches, changing as few
// other assignments as possible. A session the person already checked in
// for stays with them (AbsenceResult.Kept): someone who fell ill after
// their lunch duty keeps that duty, and their afternoon is substituted.
func (a *App) ReportAbsence(ctx context.Context, schoolID string, ab demand.Absence) (AbsenceResult, error) {
	if ab.To.IsZero() {
		ab.To = ab.From
	}
	var c fault.Collector
	c.Check(ab.To.Compare(ab.From) >= 0, "absence.to", "must not be before from")
	c.Check(ab.To.Compare(ab.From.AddDays(MaxAbsenceDays)) <= 0, "absence.to", fmt.Sprintf("an absence spans at most %d days", MaxAbsenceDays))
	if err := c.Err(); err != nil {
		return AbsenceResult{}, err
	}
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return AbsenceResult{}, err
	}
	if _, err := a.store.GetMember(ctx, sc.DistrictID, sc.ID, ab.StaffID); err != nil {
		return AbsenceResult{}, err
	}
	ab.ID = staff.NewID("abs")
	out := AbsenceResult{Absence: ab}
	var subs []demand.Substitution
	for ws := weekOf(ab.From); ws.Compare(ab.To) <= 0; ws = ws.AddDays(7) {
		w, err := a.store.LoadWeek(ctx, sc.DistrictID, sc.ID, ws)
		if err != nil {
			if isNotFound(err) {
				continue // never solved: the absence applies when it is
			}
			return AbsenceResult{}, err
		}
		p, _, err := a.problem(ctx, sc, w.TermID, w.Demands)
		if err != nil {
			return AbsenceResult{}, err
		}
		dates := map[string]civil.Date{}
		byID := map[string]demand.Demand{}
		for _, d := range w.Demands {
			dates[d.ID], byID[d.ID] = d.Date, d
		}
		keep := checkedIn(w.Assignments, dates, ab)
		for _, x := range w.Assignments {
			if x.StaffID == ab.StaffID && slices.Contains(keep, x.DemandID) {
				out.Kept = append(out.Kept, demand.Entry{Assignment: x, Demand: byID[x.DemandID]})
			}
		}
		r, changes, err := solver.Substitute(p, toSolverAssignments(w.Assignments),
			solver.Absence{StaffID: ab.StaffID, From: ab.From, To: ab.To, Keep: keep}, solver.Options{Seed: w.Seed})
		if err != nil {
			return AbsenceResult{}, err
		}
		subs = append(subs, demand.Substitution{WeekStart: ws, Assignments: reconcile(w.Assignments, r.Assignments, demand.SourceSubstitution),
			Uncovered: r.Uncovered})
		out.Changes = append(out.Changes, changes...)
		out.Uncovered = append(out.Uncovered, r.Uncovered...)
	}
	if err := a.store.SaveAbsence(ctx, sc.DistrictID, sc.ID, ab, subs); err != nil {
		return AbsenceResult{}, err
	}
	return out, nil
}

// Unassign takes a person off a demand: the assignment (manual or solved)
// is kept as removed for the audit trail, and the demand's gap, if it is
// now short, is returned with its reason as of the new plan. An assignment
// with hours recorded is refused (FailedPrecondition hours_recorded).
func (a *App) Unassign(ctx context.Context, schoolID, assignmentID, reason string) (demand.Entry, *solver.Uncovered, error) {
	if len([]rune(reason)) > 200 {
		return demand.Entry{}, nil, fault.Invalid("reason", "at most 200 characters")
	}
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return demand.Entry{}, nil, err
	}
	e, err := a.store.Unassign(ctx, sc.DistrictID, sc.ID, assignmentID, reason)
	if err != nil {
		return demand.Entry{}, nil, err
	}
	g, err := a.grid(ctx, sc, weekOf(e.Demand.Date))
	if err != nil {
		return demand.Entry{}, nil, err
	}
	for _, u := range g.Week.Uncovered {
		if u.DemandID == e.Demand.ID {
			return e, &u, nil
		}
	}
	return e, nil, nil
}
