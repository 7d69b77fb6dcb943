package solver

import (
	"cmp"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"slices"
)

// Absence is a staff member away from From to To, both inclusive; a zero To
// means the single day From.
type Absence struct {
	StaffID string
	From    civil.Date
	To      civil.Date
	// Keep lists demand IDs in the absence that stay with the person: the
	// sessions they already checked in for (they were there), so only the
	// others are re-planned. The person still takes no new session then.
	Keep []string
}

func (a Absence) covers(d civil.Date) bool {
	to := a.To
	if to.IsZero() {
		to = a.From
	}
	return d.Compare(a.From) >= 0 && d.Compare(to) <= 0
}

// ChangeKind says how one slot of a demand changed hands in a substitution.
type ChangeKind string

// Change kinds.
const (
	// ChangeSubstituted: a person who was free that time took the slot.
	ChangeSubstituted ChangeKind = "substituted"
	// ChangeMoved: a person moved here from another session (MovedFrom), whose
	// slot then appears as its own change.
	ChangeMoved ChangeKind = "moved"
	// ChangeDropped: the slot lost its person and nobody could take it; the
	// demand is listed in Result.Uncovered.
	ChangeDropped ChangeKind = "dropped"
)

// Change is one slot of a demand whose holder changed, so the school can
// notify exactly the people concerned.
type Change struct {
	Kind        ChangeKind
	DemandID    string
	FromStaffID string
	// ToStaffID is empty for ChangeDropped.
	ToStaffID string
	// MovedFrom is the demand ToStaffID left, for ChangeMoved.
	MovedFrom string
}

// Substitute re-plans after an absence. Only the absent person's sessions on
// the absent dates are re-planned; every other assignment of current stays,
// unless no free qualified person exists, in which case the shortest chain of
// moves is used (someone moves to the gap and a free person takes their
// place), never moving locked assignments (the absent person's own sessions
// are freed even when locked: nobody can hold them). It returns the whole new plan
// (Result.Uncovered names the gaps still open) and the changed slots; the
// number of changes is the number of assignments that differ from current.
// opts.MaxIterations bounds the nodes the chain search may visit in total
// (Result.Iterations reports those used); the search has no randomness.
func Substitute(p Problem, current []Assignment, absence Absence, opts Options) (Result, []Change, error) {
	if err := p.Validate(); err != nil {
		return Result{}, nil, err
	}
	if err := opts.validate(); err != nil {
		return Result{}, nil, err
	}
	if opts.MaxIterations == 0 {
		opts.MaxIterations = DefaultMaxIterations
	}
	m := compile(p)
	var fe fieldErrors
	absent, ok := m.staffIdx[absence.StaffID]
	if !ok {
		fe.add("absence.staff_id", "unknown staff %q", absence.StaffID)
	}
	if !absence.From.Valid() {
		fe.add("absence.from", "not a calendar date")
	}
	if !absence.To.IsZero() && (!absence.To.Valid() || absence.To.Compare(absence.From) < 0) {
		fe.add("absence.to", "must be a calendar date not before from")
	}
	seen := make(map[Assignment]bool, len(current))
	for i, a := range current {
		if _, ok := m.demIdx[a.DemandID]; !ok {
			fe.add(fmt.Sprintf("current[%d].demand_id", i), "unknown demand %q", a.DemandID)
		}
		if _, ok := m.staffIdx[a.StaffID]; !ok {
			fe.add(fmt.Sprintf("current[%d].staff_id", i), "unknown staff %q", a.StaffID)
		}
		k := Assignment{DemandID: a.DemandID, StaffID: a.StaffID}
		if seen[k] {
			fe.add(fmt.Sprintf("current[%d]", i), "duplicate assignment of %s to %s", a.StaffID, a.DemandID)
		}
		seen[k] = true
	}
	if err := fe.err(); err != nil {
		return Result{}, nil, err
	}

	st := newState(m)
	st.absent = make([][]bool, len(m.staff))
	for s := range st.absent {
		st.absent[s] = make([]bool, m.nDays)
	}
	locked := make(map[Assignment]bool, len(p.Locked))
	for _, a := range p.Locked {
		locked[Assignment{DemandID: a.DemandID, StaffID: a.StaffID}] = true
	}
	for _, a := range current {
		d, s := m.demIdx[a.DemandID], m.staffIdx[a.StaffID]
		st.add(d, s)
		if a.Locked || locked[Assignment{DemandID: a.DemandID, StaffID: a.StaffID}] {
			st.locked[[2]int{d, s}] = true
		}
	}
	var affected []int
	for d, dm := range m.demands {
		if !absence.covers(dm.Date) {
			continue
		}
		st.absent[absent][m.day[d]] = true
		if st.holds(d, absent) && !slices.Contains(absence.Keep, dm.ID) {
			st.remove(d, absent)
			delete(st.locked, [2]int{d, absent})
			affected = append(affected, d)
		}
	}
	used := 0
	for _, d := range affected {
		for len(st.holders[d]) < m.demands[d].Count && used < opts.MaxIterations {
			b := min(chainBudget, opts.MaxIterations-used)
			budget := b
			ok := st.augment(d, maxChain, &budget)
			used += b - budget
			if !ok {
				break
			}
		}
	}
	r := st.result(p, used)
	dates := make(map[string]civil.Date, len(m.demands))
	for _, d := range m.demands {
		dates[d.ID] = d.Date
	}
	return r, diff(current, r.Assignments, dates), nil
}

// diff lists the slots whose holder changed between two plans, pairing per
// demand the people who left with those who arrived. Someone who arrives at
// a session after leaving another on the same date has moved.
func diff(before, after []Assignment, dates map[string]civil.Date) []Change {
	type set = map[string][]string
	index := func(as []Assignment) set {
		m := make(set)
		for _, a := range as {
			m[a.DemandID] = append(m[a.DemandID], a.StaffID)
		}
		return m
	}
	b, a := index(before), index(after)
	var ids []string
	for id := range b {
		ids = append(ids, id)
	}
	for id := range a {
		if _, ok := b[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	type staffDay struct {
		staff string
		date  civil.Date
	}
	left := make(map[staffDay]string) // the demand someone left that day
	type pending struct {
		demand   string
		from, to string
	}
	var ps []pending
	for _, id := range ids {
		gone, came := minus(b[id], a[id]), minus(a[id], b[id])
		for _, s := range gone {
			left[staffDay{s, dates[id]}] = id
		}
		for i := range max(len(gone), len(came)) {
			var pc pending
			pc.demand = id
			if i < len(gone) {
				pc.from = gone[i]
			}
			if i < len(came) {
				pc.to = came[i]
			}
			ps = append(ps, pc)
		}
	}
	var cs []Change
	for _, pc := range ps {
		c := Change{DemandID: pc.demand, FromStaffID: pc.from, ToStaffID: pc.to}
		switch {
		case pc.to == "":
			c.Kind = ChangeDropped
		case left[staffDay{pc.to, dates[pc.demand]}] != "":
			c.Kind, c.MovedFrom = ChangeMoved, left[staffDay{pc.to, dates[pc.demand]}]
		default:
			c.Kind = ChangeSubstituted
		}
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(x, y Change) int {
		return cmp.Or(cmp.Compare(x.DemandID, y.DemandID), cmp.Compare(x.FromStaffID, y.FromStaffID), cmp.Compare(x.ToStaffID, y.ToStaffID))
	})
	return cs
}

// minus returns the sorted members of xs missing from ys.
func minus(xs, ys []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(ys, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// Booking is an assignment with its time, what the service has at hand when
// an administrator assigns someone by hand.
type Booking struct {
	DemandID string
	StaffID  string
	Date     civil.Date
	Start    TimeOfDay
	End      TimeOfDay
	Periods  int
}

// Conflicts checks a hand-made assignment add against the person's existing
// bookings and limits: the same demand twice, overlapping times, and the
// daily, weekly and days-per-week limits (zero limits are not checked).
// Bookings of other staff are ignored. The service runs it inside the
// transaction that locks the person's bookings, so two administrators
// assigning the same teacher at once cannot both succeed.
func Conflicts(existing []Booking, add Booking, limits Limits) []Violation {
	var vs []Violation
	addY, addW := add.Date.ISOWeek()
	dayPeriods, weekPeriods := add.Periods, add.Periods
	days := map[civil.Date]bool{add.Date: true}
	for _, b := range existing {
		if b.StaffID != add.StaffID {
			continue
		}
		if b.DemandID == add.DemandID {
			vs = append(vs, Violation{Rule: RuleDuplicate, DemandID: add.DemandID, StaffID: add.StaffID, OtherDemandID: b.DemandID,
				Detail: "already assigned to this demand"})
			continue
		}
		if overlaps(add.Date, add.Start, add.End, b.Date, b.Start, b.End) {
			vs = append(vs, Violation{Rule: RuleNoOverlap, DemandID: add.DemandID, StaffID: add.StaffID, OtherDemandID: b.DemandID,
				Detail: fmt.Sprintf("%s %s-%s overlaps %s-%s", add.Date, add.Start, add.End, b.Start, b.End)})
		}
		if y, w := b.Date.ISOWeek(); y == addY && w == addW {
			weekPeriods += b.Periods
			days[b.Date] = true
			if b.Date == add.Date {
				dayPeriods += b.Periods
			}
		}
	}
	if !withinDailyPeriods(limits, dayPeriods) {
		vs = append(vs, Violation{Rule: RuleDailyPeriods, DemandID: add.DemandID, StaffID: add.StaffID,
			Detail: fmt.Sprintf("%d periods on %s, limit %d", dayPeriods, add.Date, limits.MaxPeriodsPerDay)})
	}
	if !withinWeeklyPeriods(limits, weekPeriods) {
		vs = append(vs, Violation{Rule: RuleWeeklyPeriods, DemandID: add.DemandID, StaffID: add.StaffID,
			Detail: fmt.Sprintf("%d periods in week %d-W%02d, limit %d", weekPeriods, addY, addW, limits.MaxPeriodsPerWeek)})
	}
	if !withinDaysPerWeek(limits, len(days)) {
		vs = append(vs, Violation{Rule: RuleDaysPerWeek, DemandID: add.DemandID, StaffID: add.StaffID,
			Detail: fmt.Sprintf("%d days in week %d-W%02d, limit %d", len(days), addY, addW, limits.MaxDaysPerWeek)})
	}
	sortViolations(vs)
	return vs
}

// Explain names every demand of p that the plan as leaves short of people,
// with the reason as of that plan, so a grid edited by hand since the last
// solve (a manual assignment, an un-assignment) never shows a stale reason.
// People absent on a date (absences) count as unavailable then. Assignments
// are taken as given, even ones breaking a hard rule (Check reports those).
func Explain(p Problem, as []Assignment, absences []Absence) ([]Uncovered, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return explain(compileRules(p), as, absences)
}

// Review is Evaluate and Explain of one plan with one validation of p and
// one index of it (without the soft costs, which Explain never reads); a
// staffing grid is both.
func Review(p Problem, as []Assignment, absences []Absence) (Metrics, []Uncovered, error) {
	if err := p.Validate(); err != nil {
		return Metrics{}, nil, err
	}
	us, err := explain(compileRules(p), as, absences)
	if err != nil {
		return Metrics{}, nil, err
	}
	return evaluate(p, as), us, nil
}

// explain is Explain on a compiled, valid problem.
func explain(m *model, as []Assignment, absences []Absence) ([]Uncovered, error) {
	var fe fieldErrors
	for i, a := range as {
		if _, ok := m.demIdx[a.DemandID]; !ok {
			fe.add(fmt.Sprintf("assignments[%d].demand_id", i), "unknown demand %q", a.DemandID)
		}
		if _, ok := m.staffIdx[a.StaffID]; !ok {
			fe.add(fmt.Sprintf("assignments[%d].staff_id", i), "unknown staff %q", a.StaffID)
		}
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	st := newState(m)
	for _, a := range as {
		d, s := m.demIdx[a.DemandID], m.staffIdx[a.StaffID]
		if !st.holds(d, s) {
			st.add(d, s)
		}
	}
	if len(absences) > 0 {
		st.absent = make([][]bool, len(m.staff))
		for s := range st.absent {
			st.absent[s] = make([]bool, m.nDays)
		}
		for _, ab := range absences {
			s, ok := m.staffIdx[ab.StaffID]
			if !ok {
				continue // someone no longer on the staff holds nothing here
			}
			for d, dm := range m.demands {
				if ab.covers(dm.Date) {
					st.absent[s][m.day[d]] = true
				}
			}
		}
	}
	return st.uncovered(), nil
}
