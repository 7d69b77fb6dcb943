package solver

import (
	"cmp"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"slices"
)

// Check verifies a plan against every hard rule of p, independently of the
// solver's own bookkeeping, and returns the violations sorted by demand,
// staff, rule and other demand. A feasible, complete plan returns none.
// Demands with fewer people than needed appear as RuleRatio violations.
func Check(p Problem, as []Assignment) []Violation {
	staff, demands := indexProblem(p)
	return check(p, as, staff, demands)
}

// indexProblem returns p's staff and demands by ID.
func indexProblem(p Problem) (map[string]*Staff, map[string]*Demand) {
	staff := make(map[string]*Staff, len(p.Staff))
	for i := range p.Staff {
		staff[p.Staff[i].ID] = &p.Staff[i]
	}
	demands := make(map[string]*Demand, len(p.Demands))
	for i := range p.Demands {
		demands[p.Demands[i].ID] = &p.Demands[i]
	}
	return staff, demands
}

// check is Check over p's indexes (indexProblem), which evaluate shares.
func check(p Problem, as []Assignment, staff map[string]*Staff, demands map[string]*Demand) []Violation {
	insts := institutionIndex(p.Institutions)

	var vs []Violation
	add := func(r Rule, d, s, other, format string, args ...any) {
		vs = append(vs, Violation{Rule: r, DemandID: d, StaffID: s, OtherDemandID: other, Detail: fmt.Sprintf(format, args...)})
	}
	seen := make(map[Assignment]bool, len(as))
	count := make(map[string]int, len(p.Demands))
	mine := make(map[string][]*Demand)
	for _, a := range as {
		d, s := demands[a.DemandID], staff[a.StaffID]
		if d == nil || s == nil {
			add(RuleUnknownReference, a.DemandID, a.StaffID, "", "unknown demand or staff")
			continue
		}
		k := Assignment{DemandID: a.DemandID, StaffID: a.StaffID}
		if seen[k] {
			add(RuleDuplicate, d.ID, s.ID, d.ID, "assigned twice to the same demand")
			continue
		}
		seen[k] = true
		count[d.ID]++
		mine[s.ID] = append(mine[s.ID], d)
		if !optedIn(s) {
			add(RuleOptedIn, d.ID, s.ID, "", "not opted in for after-school service")
		}
		if !qualified(s, d) {
			add(RuleQualified, d.ID, s.ID, "", "a %s may not be %s%s", s.Kind, d.Role, kindSuffix(d))
		}
		if !institutionMatch(s, d) {
			add(RuleInstitutionMatch, d.ID, s.ID, "", "staff institution %q, demand institution %q", s.InstitutionID, d.InstitutionID)
		}
		if err := institutionApproved(insts, d); err != nil {
			add(RuleInstitutionApproved, d.ID, s.ID, "", "%v", err)
		}
		if !available(s, d) {
			add(RuleAvailable, d.ID, s.ID, "", "not available %s %s %s-%s", d.Weekday(), d.Segment, d.Start, d.End)
		}
	}

	ids := make([]string, 0, len(mine))
	for id := range mine {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s, ds := staff[id], mine[id]
		slices.SortFunc(ds, compareDemands)
		for i, a := range ds {
			for _, b := range ds[i+1:] {
				if overlaps(a.Date, a.Start, a.End, b.Date, b.Start, b.End) {
					add(RuleNoOverlap, a.ID, id, b.ID, "%s %s-%s overlaps %s-%s", a.Date, a.Start, a.End, b.Start, b.End)
				}
			}
		}
		type week struct{ y, w int }
		weekPeriods := make(map[week]int)
		weekDays := make(map[week]int)
		dayPeriods := make(map[civil.Date]int)
		weekOver := make(map[week]bool)
		daysOver := make(map[week]bool)
		dayOver := make(map[civil.Date]bool)
		for _, d := range ds {
			y, w := d.Date.ISOWeek()
			wk := week{y, w}
			if dayPeriods[d.Date] == 0 {
				weekDays[wk]++
				if !withinDaysPerWeek(s.Limits, weekDays[wk]) && !daysOver[wk] {
					daysOver[wk] = true
					add(RuleDaysPerWeek, d.ID, id, "", "day %d in week %d-W%02d, limit %d", weekDays[wk], y, w, s.Limits.MaxDaysPerWeek)
				}
			}
			dayPeriods[d.Date] += d.Periods
			weekPeriods[wk] += d.Periods
			if !withinDailyPeriods(s.Limits, dayPeriods[d.Date]) && !dayOver[d.Date] {
				dayOver[d.Date] = true
				add(RuleDailyPeriods, d.ID, id, "", "%d periods on %s, limit %d", dayPeriods[d.Date], d.Date, s.Limits.MaxPeriodsPerDay)
			}
			if !withinWeeklyPeriods(s.Limits, weekPeriods[wk]) && !weekOver[wk] {
				weekOver[wk] = true
				add(RuleWeeklyPeriods, d.ID, id, "", "%d periods in week %d-W%02d, limit %d", weekPeriods[wk], y, w, s.Limits.MaxPeriodsPerWeek)
			}
		}
	}
	for i := range p.Demands {
		d := &p.Demands[i]
		switch n := count[d.ID]; ratioMet(d, n) {
		case -1:
			add(RuleRatio, d.ID, "", "", "%d of %d people assigned", n, d.Count)
		case 1:
			add(RuleOverAssigned, d.ID, "", "", "%d people assigned, %d needed", n, d.Count)
		}
	}
	sortViolations(vs)
	return vs
}

func kindSuffix(d *Demand) string {
	if d.ActivityKind == "" {
		return ""
	}
	return " of " + string(d.ActivityKind)
}

func sortViolations(vs []Violation) {
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.DemandID, b.DemandID), cmp.Compare(a.StaffID, b.StaffID),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.OtherDemandID, b.OtherDemandID), cmp.Compare(a.Detail, b.Detail))
	})
}

func compareDemands(a, b *Demand) int {
	return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End), cmp.Compare(a.ID, b.ID))
}

func institutionIndex(ins []Institution) map[string]*Institution {
	m := make(map[string]*Institution, len(ins))
	for i := range ins {
		m[ins[i].ID] = &ins[i]
	}
	return m
}

type groupKey struct {
	kind StaffKind
	max  int
}

// Evaluate grades a plan for p: coverage, loads, fairness, soft penalty and
// the number of hard violations. The service uses it for a school's fairness
// summary; the solver reports its result through it, so the two never
// disagree. Fair load compares opted-in staff of the same kind and the same
// weekly period cap (a person capped lower is not compared with the rest).
func Evaluate(p Problem, as []Assignment) (Metrics, error) {
	if err := p.Validate(); err != nil {
		return Metrics{}, err
	}
	return evaluate(p, as), nil
}

func evaluate(p Problem, as []Assignment) Metrics {
	var m Metrics
	staff, demands := indexProblem(p)
	for i := range p.Demands {
		m.Needed += p.Demands[i].Count
	}
	prev := newPreviousIndex(p.Previous)
	seen := make(map[Assignment]bool, len(as))
	count := make(map[string]int)
	periods := make(map[string]int)
	days := make(map[string]map[civil.Date]bool)
	for _, a := range as {
		d, s := demands[a.DemandID], staff[a.StaffID]
		k := Assignment{DemandID: a.DemandID, StaffID: a.StaffID}
		if d == nil || s == nil || seen[k] {
			continue
		}
		seen[k] = true
		count[d.ID]++
		periods[s.ID] += d.Periods
		if days[s.ID] == nil {
			days[s.ID] = make(map[civil.Date]bool)
		}
		days[s.ID][d.Date] = true
		m.SoftPenalty += softCost(s, d, prev)
	}
	for _, d := range p.Demands {
		m.Covered += min(count[d.ID], d.Count)
	}
	// The staff in ID order, by index: a Staff is large to copy.
	order := make([]int, len(p.Staff))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(p.Staff[a].ID, p.Staff[b].ID) })
	groups := make(map[groupKey]*GroupLoad)
	var keys []groupKey
	members := make(map[groupKey][]int)
	if len(p.Staff) > 0 {
		m.Loads = make([]Load, 0, len(p.Staff))
	}
	for _, i := range order {
		s := &p.Staff[i]
		m.Loads = append(m.Loads, Load{StaffID: s.ID, Periods: periods[s.ID], Days: len(days[s.ID])})
		if !optedIn(s) {
			continue
		}
		k := groupKey{s.Kind, s.Limits.MaxPeriodsPerWeek}
		if groups[k] == nil {
			groups[k] = &GroupLoad{Kind: k.kind, MaxPeriodsPerWeek: k.max, Min: periods[s.ID], Max: periods[s.ID]}
			keys = append(keys, k)
		}
		members[k] = append(members[k], periods[s.ID])
	}
	slices.SortFunc(keys, func(a, b groupKey) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.max, b.max)) })
	for _, k := range keys {
		g, xs := groups[k], members[k]
		var sum, sq int64
		for _, x := range xs {
			g.Min, g.Max = min(g.Min, x), max(g.Max, x)
			sum += int64(x)
			sq += int64(x) * int64(x)
		}
		g.Staff = len(xs)
		g.Mean = float64(sum) / float64(len(xs))
		g.Unfairness = unfairness(int64(len(xs)), sum, sq)
		m.Unfairness += g.Unfairness
		m.Spread = max(m.Spread, g.Max-g.Min)
		m.Groups = append(m.Groups, *g)
	}
	m.Score = float64(m.SoftPenalty) + WeightFairness*m.Unfairness
	for _, v := range check(p, as, staff, demands) {
		if v.Rule != RuleRatio {
			m.HardViolations++
		}
	}
	return m
}

// unfairness is the sum of squared deviations from the mean of n values
// with sum s and sum of squares q: q − s²/n, computed from integers so the
// solver's running figure and Evaluate agree exactly.
func unfairness(n, s, q int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(n*q-s*s) / float64(n)
}
