package solver

import (
	"cmp"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"math"
	"slices"
)

// model is a Problem compiled into index form: staff sorted by ID, demands
// sorted by date, time and ID, so the result never depends on input order.
type model struct {
	p          Problem
	staff      []Staff
	demands    []Demand
	staffIdx   map[string]int
	demIdx     map[string]int
	insts      map[string]*Institution
	day        []int // demand → day index
	week       []int // demand → week index
	dayWeek    []int // day index → week index
	weekDays   [][]int
	nDays      int
	nWeeks     int
	instErr    []error  // demand → institution rule error
	elig       [][]bool // [demand][staff] all static rules hold
	cands      [][]int  // demand → eligible staff
	byStaff    [][][]int
	cost       [][]int // [demand][staff] soft cost
	group      []int   // staff → fairness group, -1 when not compared
	nGroups    int
	maxPeriods int // the largest Periods of any demand
}

func compile(p Problem) *model { return compileWith(p, true) }

// compileRules is compile for explaining a plan, which never weighs
// preferences nor searches: without the soft cost of every demand and
// person (model.cost stays nil and a state over it keeps soft at 0) or the
// per-person candidate lists (byStaff), and with a demand's eligibility
// (elig, cands) worked out only when its reason is asked (rules), so a
// grid pays for its few gaps, not for every demand and person.
func compileRules(p Problem) *model { return compileWith(p, false) }

func compileWith(p Problem, solving bool) *model {
	m := &model{p: p}
	m.staff = slices.Clone(p.Staff)
	slices.SortFunc(m.staff, func(a, b Staff) int { return cmp.Compare(a.ID, b.ID) })
	m.demands = slices.Clone(p.Demands)
	slices.SortFunc(m.demands, func(a, b Demand) int { return compareDemands(&a, &b) })
	m.staffIdx = make(map[string]int, len(m.staff))
	for i, s := range m.staff {
		m.staffIdx[s.ID] = i
	}
	m.demIdx = make(map[string]int, len(m.demands))
	for i, d := range m.demands {
		m.demIdx[d.ID] = i
	}
	m.insts = institutionIndex(p.Institutions)

	// Demands are sorted by date, so days and weeks come out in order.
	m.day = make([]int, len(m.demands))
	m.week = make([]int, len(m.demands))
	var lastDate civil.Date
	type wk struct{ y, w int }
	var lastWeek wk
	for i, d := range m.demands {
		if i == 0 || d.Date != lastDate {
			y, w := d.Date.ISOWeek()
			if i == 0 || (wk{y, w}) != lastWeek {
				m.nWeeks++
				m.weekDays = append(m.weekDays, nil)
				lastWeek = wk{y, w}
			}
			m.nDays++
			m.dayWeek = append(m.dayWeek, m.nWeeks-1)
			m.weekDays[m.nWeeks-1] = append(m.weekDays[m.nWeeks-1], m.nDays-1)
			lastDate = d.Date
		}
		m.day[i], m.week[i] = m.nDays-1, m.nWeeks-1
		m.maxPeriods = max(m.maxPeriods, d.Periods)
	}

	nS, nD := len(m.staff), len(m.demands)
	m.instErr = make([]error, nD)
	for d := range m.demands {
		m.instErr[d] = institutionApproved(m.insts, &m.demands[d])
	}
	m.elig = make([][]bool, nD)
	m.cands = make([][]int, nD)
	if solving {
		prev := newPreviousIndex(p.Previous)
		m.cost = make([][]int, nD)
		m.byStaff = make([][][]int, nS)
		for s := range m.byStaff {
			m.byStaff[s] = make([][]int, m.nDays)
		}
		for d := range m.demands {
			m.rules(d)
			m.cost[d] = make([]int, nS)
			for s := range m.staff {
				m.cost[d][s] = softCost(&m.staff[s], &m.demands[d], prev)
			}
			for _, s := range m.cands[d] {
				m.byStaff[s][m.day[d]] = append(m.byStaff[s][m.day[d]], d)
			}
		}
	}

	m.group = make([]int, nS)
	groups := make(map[groupKey]int)
	var keys []groupKey
	for _, s := range m.staff {
		k := groupKey{s.Kind, s.Limits.MaxPeriodsPerWeek}
		if _, ok := groups[k]; !ok && optedIn(&s) {
			groups[k] = 0
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b groupKey) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.max, b.max)) })
	for i, k := range keys {
		groups[k] = i
	}
	m.nGroups = len(keys)
	for i, s := range m.staff {
		m.group[i] = -1
		if optedIn(&s) {
			m.group[i] = groups[groupKey{s.Kind, s.Limits.MaxPeriodsPerWeek}]
		}
	}
	return m
}

// rules works out which staff demand d's static rules admit (elig[d],
// cands[d] in staff order), once.
func (m *model) rules(d int) {
	if m.elig[d] != nil {
		return
	}
	dm := &m.demands[d]
	m.elig[d] = make([]bool, len(m.staff))
	for s := range m.staff {
		st := &m.staff[s]
		if m.instErr[d] == nil && optedIn(st) && qualified(st, dm) && institutionMatch(st, dm) && available(st, dm) {
			m.elig[d][s] = true
			m.cands[d] = append(m.cands[d], s)
		}
	}
}

// state is a plan under construction with running totals, so that each
// feasibility test and cost change is O(1) in the size of the school.
type state struct {
	m        *model
	holders  [][]int // demand → staff
	locked   map[[2]int]bool
	onDay    [][][]int // [staff][day] → demands held
	dayPer   [][]int   // [staff][day] periods
	weekPer  [][]int   // [staff][week] periods
	weekDays [][]int   // [staff][week] working days
	load     []int
	gN       []int64
	gS       []int64
	gQ       []int64
	soft     int
	covered  int
	absent   [][]bool // [staff][day], nil unless substituting
	journal  []change // changes since the journal was started
	logging  bool
}

// change is one add (or remove) recorded so a rejected move can be undone.
type change struct {
	d, s  int
	added bool
}

// begin starts recording changes.
func (st *state) begin() { st.journal, st.logging = st.journal[:0], true }

// commit keeps the recorded changes.
func (st *state) commit() { st.logging = false }

// rollback undoes the recorded changes, newest first.
func (st *state) rollback() {
	st.logging = false
	for i := len(st.journal) - 1; i >= 0; i-- {
		c := st.journal[i]
		if c.added {
			st.remove(c.d, c.s)
		} else {
			st.add(c.d, c.s)
		}
	}
}

func newState(m *model) *state {
	nS := len(m.staff)
	st := &state{
		m:        m,
		holders:  make([][]int, len(m.demands)),
		locked:   make(map[[2]int]bool),
		onDay:    make([][][]int, nS),
		dayPer:   make([][]int, nS),
		weekPer:  make([][]int, nS),
		weekDays: make([][]int, nS),
		load:     make([]int, nS),
		gN:       make([]int64, m.nGroups),
		gS:       make([]int64, m.nGroups),
		gQ:       make([]int64, m.nGroups),
	}
	for s := range nS {
		st.onDay[s] = make([][]int, m.nDays)
		st.dayPer[s] = make([]int, m.nDays)
		st.weekPer[s] = make([]int, m.nWeeks)
		st.weekDays[s] = make([]int, m.nWeeks)
		if g := m.group[s]; g >= 0 {
			st.gN[g]++
		}
	}
	return st
}

func (st *state) holds(d, s int) bool { return slices.Contains(st.holders[d], s) }

func (st *state) add(d, s int) {
	m := st.m
	if st.logging {
		st.journal = append(st.journal, change{d: d, s: s, added: true})
	}
	p, day, wk := m.demands[d].Periods, m.day[d], m.week[d]
	if len(st.holders[d]) < m.demands[d].Count {
		st.covered++
	}
	st.holders[d] = append(st.holders[d], s)
	st.onDay[s][day] = append(st.onDay[s][day], d)
	if st.dayPer[s][day] == 0 {
		st.weekDays[s][wk]++
	}
	st.dayPer[s][day] += p
	st.weekPer[s][wk] += p
	if g := m.group[s]; g >= 0 {
		x := int64(st.load[s])
		st.gS[g] += int64(p)
		st.gQ[g] += (x+int64(p))*(x+int64(p)) - x*x
	}
	st.load[s] += p
	if m.cost != nil {
		st.soft += m.cost[d][s]
	}
}

func (st *state) remove(d, s int) {
	m := st.m
	if st.logging {
		st.journal = append(st.journal, change{d: d, s: s})
	}
	p, day, wk := m.demands[d].Periods, m.day[d], m.week[d]
	st.holders[d] = deleteValue(st.holders[d], s)
	if len(st.holders[d]) < m.demands[d].Count {
		st.covered--
	}
	st.onDay[s][day] = deleteValue(st.onDay[s][day], d)
	st.dayPer[s][day] -= p
	if st.dayPer[s][day] == 0 {
		st.weekDays[s][wk]--
	}
	st.weekPer[s][wk] -= p
	if g := m.group[s]; g >= 0 {
		x := int64(st.load[s])
		st.gS[g] -= int64(p)
		st.gQ[g] += (x-int64(p))*(x-int64(p)) - x*x
	}
	st.load[s] -= p
	if m.cost != nil {
		st.soft -= m.cost[d][s]
	}
}

func deleteValue(xs []int, v int) []int {
	if i := slices.Index(xs, v); i >= 0 {
		return slices.Delete(xs, i, i+1)
	}
	return xs
}

// block says why s cannot take d right now.
type block int

const (
	blockNone block = iota
	blockStatic
	blockHeld
	blockAbsent
	blockBusy
	blockLimits
)

func (st *state) why(d, s int) block {
	m := st.m
	if !m.elig[d][s] {
		return blockStatic
	}
	day := m.day[d]
	if st.absent != nil && st.absent[s][day] {
		return blockAbsent
	}
	if st.holds(d, s) {
		return blockHeld
	}
	dm := &m.demands[d]
	for _, o := range st.onDay[s][day] {
		od := &m.demands[o]
		if overlaps(dm.Date, dm.Start, dm.End, od.Date, od.Start, od.End) {
			return blockBusy
		}
	}
	l := m.staff[s].Limits
	wk := m.week[d]
	days := st.weekDays[s][wk]
	if st.dayPer[s][day] == 0 {
		days++
	}
	if !withinDailyPeriods(l, st.dayPer[s][day]+dm.Periods) ||
		!withinWeeklyPeriods(l, st.weekPer[s][wk]+dm.Periods) ||
		!withinDaysPerWeek(l, days) {
		return blockLimits
	}
	return blockNone
}

func (st *state) canAdd(d, s int) bool { return st.why(d, s) == blockNone }

func (st *state) unfairness() float64 {
	u := 0.0
	for g := range st.gN {
		u += unfairness(st.gN[g], st.gS[g], st.gQ[g])
	}
	return u
}

// score is the objective without coverage: SoftPenalty + WeightFairness ×
// Unfairness, the same figure Evaluate reports.
func (st *state) score() float64 { return float64(st.soft) + WeightFairness*st.unfairness() }

// addDelta is the change of score if s took d (feasibility not checked).
func (st *state) addDelta(d, s int) float64 {
	delta := float64(st.m.cost[d][s])
	if g := st.m.group[s]; g >= 0 {
		p, x := int64(st.m.demands[d].Periods), int64(st.load[s])
		n, sum, sq := st.gN[g], st.gS[g], st.gQ[g]
		delta += WeightFairness * (unfairness(n, sum+p, sq+2*x*p+p*p) - unfairness(n, sum, sq))
	}
	return delta
}

const eps = 1e-9

// assignments returns the plan sorted by demand ID and staff ID.
func (st *state) assignments() []Assignment {
	var as []Assignment
	for d, hs := range st.holders {
		for _, s := range hs {
			as = append(as, Assignment{DemandID: st.m.demands[d].ID, StaffID: st.m.staff[s].ID, Locked: st.locked[[2]int{d, s}]})
		}
	}
	slices.SortFunc(as, func(a, b Assignment) int {
		return cmp.Or(cmp.Compare(a.DemandID, b.DemandID), cmp.Compare(a.StaffID, b.StaffID))
	})
	return as
}

// uncovered names every demand short of people, with its reason.
func (st *state) uncovered() []Uncovered {
	var us []Uncovered
	for d, dm := range st.m.demands {
		if missing := dm.Count - len(st.holders[d]); missing > 0 {
			r, detail := st.reason(d)
			us = append(us, Uncovered{DemandID: dm.ID, Missing: missing, Reason: r, Detail: detail})
		}
	}
	slices.SortFunc(us, func(a, b Uncovered) int { return cmp.Compare(a.DemandID, b.DemandID) })
	return us
}

// reason explains why demand d cannot take one more person, checking the
// rules from the most fundamental (the institution) to the most transient
// (people busy elsewhere).
func (st *state) reason(d int) (Reason, string) {
	m := st.m
	m.rules(d)
	dm := &m.demands[d]
	if err := m.instErr[d]; err != nil {
		return ReasonInstitutionNotApproved, err.Error()
	}
	var qual, opted, avail int
	for s := range m.staff {
		sm := &m.staff[s]
		if !qualified(sm, dm) || !institutionMatch(sm, dm) {
			continue
		}
		qual++
		if !optedIn(sm) {
			continue
		}
		opted++
		if available(sm, dm) && (st.absent == nil || !st.absent[s][m.day[d]]) {
			avail++
		}
	}
	what := string(dm.Role) + kindSuffix(dm)
	switch {
	case qual == 0:
		return ReasonNoOneQualified, fmt.Sprintf("nobody may be %s", what)
	case opted == 0:
		return ReasonNotOptedIn, fmt.Sprintf("%d qualified as %s, none opted in", qual, what)
	case avail == 0:
		return ReasonUnavailable, fmt.Sprintf("%d qualified and opted in, none available %s %s-%s", opted, dm.Weekday(), dm.Start, dm.End)
	}
	var busy, capped, held, free int
	for _, s := range m.cands[d] {
		switch st.why(d, s) {
		case blockNone:
			free++
		case blockHeld:
			held++
		case blockBusy:
			busy++
		case blockLimits:
			capped++
		}
	}
	detail := fmt.Sprintf("%d eligible: %d already on it, %d busy at an overlapping session, %d at a period or day limit", avail, held, busy, capped)
	if free > 0 {
		return ReasonUnfilled, fmt.Sprintf("%d eligible people are free (changed by hand since the last solve); %s", free, detail)
	}
	if capped > busy {
		return ReasonLimitsReached, detail
	}
	return ReasonAllQualifiedBusy, detail
}

func (st *state) result(p Problem, iterations int) Result {
	as := st.assignments()
	r := Result{Assignments: as, Uncovered: st.uncovered(), Metrics: evaluate(p, as), Iterations: iterations}
	for _, v := range Check(p, as) {
		if v.Rule != RuleRatio {
			r.Violations = append(r.Violations, v)
		}
	}
	return r
}

// objective compares plans: more people placed first, then a lower score.
type objective struct {
	covered int
	score   float64
}

func (a objective) better(b objective) bool {
	if a.covered != b.covered {
		return a.covered > b.covered
	}
	return a.score < b.score-eps
}

func (st *state) objective() objective { return objective{st.covered, st.score()} }

var inf = math.Inf(1)
