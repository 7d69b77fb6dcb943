package solver

import (
	"math/rand/v2"
	"slices"
)

// maxChain is the longest chain of moves tried to place one more person:
// a direct placement, then up to maxChain people each moved to the session
// the previous one left.
const maxChain = 3

// chainBudget bounds the nodes one chain search may visit, so a hopeless
// demand costs milliseconds, never a hang.
const chainBudget = 4000

// Solve plans p: it keeps the locked assignments, places people on demands
// most-constrained first with a greedy cost, repairs gaps with short chains
// of moves, then improves the soft goals and fairness by local search within
// opts.MaxIterations moves. Hard rules are never broken by the solver. When
// some demands cannot be covered it returns the best plan found and names
// each uncovered demand with its reason. Invalid input returns a
// *fault.ValidationError.
func Solve(p Problem, opts Options) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	if err := opts.validate(); err != nil {
		return Result{}, err
	}
	if opts.MaxIterations == 0 {
		opts.MaxIterations = DefaultMaxIterations
	}
	m := compile(p)
	st := newState(m)
	for _, a := range p.Locked {
		d, s := m.demIdx[a.DemandID], m.staffIdx[a.StaffID]
		st.add(d, s)
		st.locked[[2]int{d, s}] = true
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	st.greedy(rng)
	st.repair()
	it := st.improve(rng, opts.MaxIterations)
	st.repair()
	return st.result(p, it), nil
}

// greedy fills open slots one at a time, always taking the demand with the
// least slack (feasible candidates minus people still needed), and giving it
// the candidate with the smallest increase of score. Ties fall to a seeded
// random rank.
func (st *state) greedy(rng *rand.Rand) {
	m := st.m
	nD := len(m.demands)
	dRank := rng.Perm(nD)
	sRank := rng.Perm(len(m.staff))
	need := make([]int, nD)
	feas := make([]int, nD)
	dirty := make([]bool, nD)
	var open []int
	for d := range m.demands {
		need[d] = m.demands[d].Count - len(st.holders[d])
		if need[d] > 0 {
			open = append(open, d)
			dirty[d] = true
		}
	}
	for len(open) > 0 {
		bi, best := -1, -1
		for i, d := range open {
			if dirty[d] {
				feas[d] = 0
				for _, s := range m.cands[d] {
					if st.canAdd(d, s) {
						feas[d]++
					}
				}
				dirty[d] = false
			}
			if best < 0 || feas[d]-need[d] < feas[best]-need[best] ||
				(feas[d]-need[d] == feas[best]-need[best] && dRank[d] < dRank[best]) {
				bi, best = i, d
			}
		}
		d := best
		if feas[d] == 0 {
			open = slices.Delete(open, bi, bi+1)
			continue
		}
		bs, bc := -1, inf
		for _, s := range m.cands[d] {
			if !st.canAdd(d, s) {
				continue
			}
			c := st.addDelta(d, s)
			if c < bc-eps || (c < bc+eps && sRank[s] < sRank[bs]) {
				bs, bc = s, c
			}
		}
		daysBefore := st.weekDays[bs][m.week[d]]
		st.add(d, bs)
		need[d]--
		if need[d] == 0 {
			open = slices.Delete(open, bi, bi+1)
		}
		dirty[d] = true
		// Only sessions of the same staff member can change feasibility:
		// those on the same day always, the whole week once the weekly
		// period or day limit is close enough to bite.
		l, wk := m.staff[bs].Limits, m.week[d]
		if (l.MaxPeriodsPerWeek > 0 && st.weekPer[bs][wk]+m.maxPeriods > l.MaxPeriodsPerWeek) ||
			(l.MaxDaysPerWeek > 0 && st.weekDays[bs][wk] != daysBefore && st.weekDays[bs][wk] >= l.MaxDaysPerWeek) {
			for _, day := range m.weekDays[m.week[d]] {
				for _, o := range m.byStaff[bs][day] {
					dirty[o] = true
				}
			}
		} else {
			for _, o := range m.byStaff[bs][m.day[d]] {
				dirty[o] = true
			}
		}
	}
}

// repair tries to fill every slot still open with a chain of moves.
func (st *state) repair() {
	for d := range st.m.demands {
		for len(st.holders[d]) < st.m.demands[d].Count {
			budget := chainBudget
			if !st.augment(d, maxChain, &budget) {
				break
			}
		}
	}
}

// step is one change of a chain: staff s leaves demand from (-1 for none)
// and takes demand to.
type step struct{ s, from, to int }

// augment gives demand d one more person using the shortest chain of moves
// (0 = a free person, k = k people each moving to the session the previous
// one left, the last gap filled by a free person), choosing the lowest score
// among chains of that length. Locked assignments never move. Each node
// visited costs one unit of budget. It reports whether a chain was applied.
func (st *state) augment(d, maxDepth int, budget *int) bool {
	for depth := 0; depth <= maxDepth; depth++ {
		var best []step
		bestScore := inf
		var path []step
		visited := map[int]bool{d: true}
		st.chain(d, depth, budget, visited, &path, &best, &bestScore)
		if best != nil {
			for _, x := range best {
				if x.from >= 0 {
					st.remove(x.from, x.s)
				}
				st.add(x.to, x.s)
			}
			return true
		}
		if *budget <= 0 {
			return false
		}
	}
	return false
}

func (st *state) chain(d, depth int, budget *int, visited map[int]bool, path, best *[]step, bestScore *float64) {
	m := st.m
	if depth == 0 {
		for _, s := range m.cands[d] {
			*budget--
			if !st.canAdd(d, s) {
				continue
			}
			if sc := st.score() + st.addDelta(d, s); sc < *bestScore-eps {
				*bestScore = sc
				*best = append(append((*best)[:0], *path...), step{s: s, from: -1, to: d})
			}
		}
		return
	}
	wk := m.week[d]
	for _, s := range m.cands[d] {
		if *budget <= 0 {
			return
		}
		if w := st.why(d, s); w != blockBusy && w != blockLimits {
			continue
		}
		for _, day := range m.weekDays[wk] {
			for _, o := range slices.Clone(st.onDay[s][day]) {
				if visited[o] || st.locked[[2]int{o, s}] {
					continue
				}
				*budget--
				st.remove(o, s)
				if st.canAdd(d, s) {
					st.add(d, s)
					visited[o] = true
					*path = append(*path, step{s: s, from: o, to: d})
					st.chain(o, depth-1, budget, visited, path, best, bestScore)
					*path = (*path)[:len(*path)-1]
					delete(visited, o)
					st.remove(d, s)
				}
				st.add(o, s)
				if *budget <= 0 {
					return
				}
			}
		}
	}
}

// improve runs local search for at most iters moves: relocating one
// assignment to the best other candidate, swapping two people between
// sessions of the same day, or ruin and recreate (take a few assignments of
// one day away and refill greedily in a random order, which can trade one
// long session for two short ones). A move is kept only if the plan covers
// more or, covering as much, scores lower. It returns the moves tried.
func (st *state) improve(rng *rand.Rand, iters int) int {
	// Moves start from a random movable assignment; half of the time from
	// one with a soft cost, where improvement is most likely.
	var free, costly [][2]int
	refresh := func() {
		free, costly = free[:0], costly[:0]
		for d, hs := range st.holders {
			for _, s := range hs {
				if !st.locked[[2]int{d, s}] {
					free = append(free, [2]int{d, s})
					if st.m.cost[d][s] > 0 {
						costly = append(costly, [2]int{d, s})
					}
				}
			}
		}
	}
	it := 0
	for ; it < iters; it++ {
		if it%256 == 0 {
			refresh()
		}
		if len(free) == 0 {
			break
		}
		a := free[rng.IntN(len(free))]
		if len(costly) > 0 && rng.IntN(2) == 0 {
			a = costly[rng.IntN(len(costly))]
		}
		d, s := a[0], a[1]
		if !st.holds(d, s) {
			refresh()
			continue
		}
		switch r := rng.IntN(10); {
		case r < 3:
			st.relocate(d, s)
		case r < 8:
			st.swap(rng, d, s)
		default:
			if st.ruin(rng, d, s) {
				refresh()
			}
		}
	}
	return it
}

func (st *state) relocate(d, s int) bool {
	base := st.score()
	st.remove(d, s)
	after := st.score()
	bs, bc := -1, base-eps
	for _, c := range st.m.cands[d] {
		if c == s || !st.canAdd(d, c) {
			continue
		}
		if sc := after + st.addDelta(d, c); sc < bc {
			bs, bc = c, sc
		}
	}
	if bs < 0 {
		st.add(d, s)
		return false
	}
	st.add(d, bs)
	return true
}

// swap exchanges s (on d) with someone holding another session of the same
// day or week that s may take, when both fit and the score drops.
func (st *state) swap(rng *rand.Rand, d, s int) bool {
	d2 := st.relatedDemand(rng, d, s)
	if d2 < 0 {
		return false
	}
	m := st.m
	if d2 == d || len(st.holders[d2]) == 0 || st.holds(d2, s) {
		return false
	}
	hs := st.holders[d2]
	s2 := hs[rng.IntN(len(hs))]
	if st.locked[[2]int{d2, s2}] || !m.elig[d][s2] || st.holds(d, s2) {
		return false
	}
	base := st.score()
	st.remove(d, s)
	st.remove(d2, s2)
	if st.canAdd(d2, s) {
		st.add(d2, s)
		if st.canAdd(d, s2) {
			st.add(d, s2)
			if st.score() < base-eps {
				return true
			}
			st.remove(d, s2)
		}
		st.remove(d2, s)
	}
	st.add(d2, s2)
	st.add(d, s)
	return false
}

// ruin removes d's person s and up to two other movable assignments of
// sessions s could take, then refills the freed demands and the open demands the freed
// people could now take, in a random order, each with its cheapest feasible
// candidate. The move is undone unless the plan got better.
func (st *state) ruin(rng *rand.Rand, d, s int) bool {
	m := st.m
	before := st.objective()
	st.begin()
	st.remove(d, s)
	freed := []int{s}
	redo := []int{d}
	for range rng.IntN(3) {
		// Another session which s could take: its holder leaves.
		d2 := st.relatedDemand(rng, d, s)
		if d2 < 0 || slices.Contains(redo, d2) {
			continue
		}
		hs := st.holders[d2]
		if len(hs) == 0 {
			continue
		}
		s2 := hs[rng.IntN(len(hs))]
		if st.locked[[2]int{d2, s2}] {
			continue
		}
		st.remove(d2, s2)
		freed = append(freed, s2)
		redo = append(redo, d2)
	}
	wk := m.week[d]
	for _, f := range freed {
		for _, dd := range m.weekDays[wk] {
			for _, o := range m.byStaff[f][dd] {
				if len(st.holders[o]) < m.demands[o].Count && !slices.Contains(redo, o) {
					redo = append(redo, o)
				}
			}
		}
	}
	rng.Shuffle(len(redo), func(i, j int) { redo[i], redo[j] = redo[j], redo[i] })
	for _, o := range redo {
		for len(st.holders[o]) < m.demands[o].Count {
			bs, bc := -1, inf
			for _, c := range m.cands[o] {
				if !st.canAdd(o, c) {
					continue
				}
				if x := st.addDelta(o, c); x < bc-eps {
					bs, bc = c, x
				}
			}
			if bs < 0 {
				break
			}
			st.add(o, bs)
		}
	}
	if st.objective().better(before) {
		st.commit()
		return true
	}
	st.rollback()
	return false
}

// relatedDemand picks a demand s is eligible for: on d's day half of the
// time (where swaps resolve clashes), otherwise on any day of d's week
// (where they trade load). It returns -1 when it finds none.
func (st *state) relatedDemand(rng *rand.Rand, d, s int) int {
	m := st.m
	day := m.day[d]
	if rng.IntN(2) == 0 {
		days := m.weekDays[m.week[d]]
		day = days[rng.IntN(len(days))]
	}
	o := m.byStaff[s][day]
	if len(o) == 0 {
		return -1
	}
	return o[rng.IntN(len(o))]
}
