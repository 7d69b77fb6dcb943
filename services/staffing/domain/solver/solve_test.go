package solver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSolveGeneratedIsFeasible(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			p := Generate(seed, 120, 60, 40)
			if err := p.Validate(); err != nil {
				t.Fatalf("Generate(%d) is invalid: %v", seed, err)
			}
			r, err := Solve(p, Options{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]Violation(nil), Check(p, r.Assignments)); diff != "" {
				t.Errorf("Check(plan) (-want +got):\n%s", diff)
			}
			if len(r.Uncovered) != 0 || r.Metrics.HardViolations != 0 || r.Metrics.Covered != r.Metrics.Needed {
				t.Errorf("uncovered %v, hard violations %d, covered %d of %d; want a complete legal plan",
					r.Uncovered, r.Metrics.HardViolations, r.Metrics.Covered, r.Metrics.Needed)
			}
			// Loads of comparable staff differ by at most 2 periods.
			if r.Metrics.Spread > 2 {
				t.Errorf("spread = %d, want at most 2 (groups %+v)", r.Metrics.Spread, r.Metrics.Groups)
			}
			t.Logf("seed %d: score %.1f, soft %d, spread %d, unfairness %.2f, %d iterations",
				seed, r.Metrics.Score, r.Metrics.SoftPenalty, r.Metrics.Spread, r.Metrics.Unfairness, r.Iterations)
		})
	}
}

func TestSolveLocalSearchImproves(t *testing.T) {
	p := Generate(4, 120, 60, 40)
	greedy, err := Solve(p, Options{Seed: 4, MaxIterations: 1})
	if err != nil {
		t.Fatal(err)
	}
	full, err := Solve(p, Options{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("greedy score %.1f (spread %d), after local search %.1f (spread %d)",
		greedy.Metrics.Score, greedy.Metrics.Spread, full.Metrics.Score, full.Metrics.Spread)
	if full.Metrics.Score >= greedy.Metrics.Score {
		t.Errorf("local search score %.1f, want below greedy %.1f", full.Metrics.Score, greedy.Metrics.Score)
	}
}

func TestSolveDeterministic(t *testing.T) {
	p := Generate(5, 60, 30, 20)
	first, err := Solve(p, Options{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Solve(p, Options{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("same seed, different result (-first +again):\n%s", diff)
	}

	// The order of the input slices does not matter either.
	shuffled := p
	rng := rand.New(rand.NewPCG(9, 9))
	shuffled.Staff = slices.Clone(p.Staff)
	shuffled.Demands = slices.Clone(p.Demands)
	rng.Shuffle(len(shuffled.Staff), func(i, j int) { shuffled.Staff[i], shuffled.Staff[j] = shuffled.Staff[j], shuffled.Staff[i] })
	rng.Shuffle(len(shuffled.Demands), func(i, j int) {
		shuffled.Demands[i], shuffled.Demands[j] = shuffled.Demands[j], shuffled.Demands[i]
	})
	other, err := Solve(shuffled, Options{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.Assignments, other.Assignments); diff != "" {
		t.Errorf("shuffled input, different plan (-first +shuffled):\n%s", diff)
	}
}

func TestSolveInfeasible(t *testing.T) {
	old := approvedInstitution("old", ActivityArts)
	old.LicenceUntil = mon.AddDays(-1)
	onlyMonday := availableOn(Slot{Weekday: time.Monday})
	p := Problem{
		Institutions: []Institution{old},
		Staff: []Staff{
			newTeacher("t1", classTeacherOf("c1"), qualifiedFor(ActivityArts), onlyMonday),
			newTeacher("t2", classTeacherOf("c2"), qualifiedFor(ActivityArts), onlyMonday),
			newTeacher("t3", qualifiedFor(ActivitySports), notOptedIn()),
			newTeacher("t4", limits(Limits{MaxPeriodsPerWeek: 1}),
				availableOn(Slot{Weekday: time.Thursday}, Slot{Weekday: time.Friday})),
			newInstructor("i1", "old", qualifiedFor(ActivityArts)),
		},
		Demands: []Demand{
			homework("mon-c1", 0, "c1"), homework("mon-c2", 0, "c2"), homework("mon-c3", 0, "c3"),
			club("mon-arts", 0, ActivityArts),
			club("mon-calligraphy", 0, ActivityCalligraphy),
			club("mon-old-arts", 0, ActivityArts, byInstitution("old")),
			club("tue-sports", 1, ActivitySports),
			patrol("wed-patrol", 2),
			homework("thu-c1", 3, "c1"), homework("fri-c1", 4, "c1"),
		},
		Previous: []PreviousAssignment{{StaffID: "t4", Role: RoleSupervisor, ClassID: "c1", Weekday: time.Thursday}},
	}
	r, err := Solve(p, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Never a hang: the work is bounded by the iteration budget (speed is
	// measured by BenchmarkSolveUndersized, not by a timed test).
	if r.Iterations > DefaultMaxIterations {
		t.Errorf("Iterations = %d, beyond the budget %d", r.Iterations, DefaultMaxIterations)
	}
	want := []Uncovered{
		{DemandID: "fri-c1", Missing: 1, Reason: ReasonLimitsReached},
		{DemandID: "mon-c3", Missing: 1, Reason: ReasonAllQualifiedBusy},
		{DemandID: "mon-calligraphy", Missing: 1, Reason: ReasonNoOneQualified},
		{DemandID: "mon-old-arts", Missing: 1, Reason: ReasonInstitutionNotApproved},
		{DemandID: "tue-sports", Missing: 1, Reason: ReasonNotOptedIn},
		{DemandID: "wed-patrol", Missing: 1, Reason: ReasonUnavailable},
	}
	if diff := cmp.Diff(want, r.Uncovered, cmpopts.IgnoreFields(Uncovered{}, "Detail")); diff != "" {
		t.Errorf("Uncovered (-want +got):\n%s", diff)
	}
	for _, u := range r.Uncovered {
		if u.Detail == "" {
			t.Errorf("uncovered %s has no detail", u.DemandID)
		}
	}
	wantPlan := assign("mon-arts", "t1", "mon-c1", "t1", "mon-c2", "t2", "thu-c1", "t4")
	if diff := cmp.Diff(wantPlan, r.Assignments); diff != "" {
		t.Errorf("Assignments (-want +got):\n%s", diff)
	}
	if r.Metrics.HardViolations != 0 {
		t.Errorf("HardViolations = %d, want 0", r.Metrics.HardViolations)
	}
}

func TestSolveUndersizedSchoolIsFast(t *testing.T) {
	p := Generate(7, 60, 60, 40) // 50 teachers for 60 classes
	r, err := Solve(p, Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, u := range r.Uncovered {
		missing += u.Missing
		switch u.Reason {
		case ReasonAllQualifiedBusy, ReasonLimitsReached, ReasonUnavailable:
		default:
			t.Errorf("uncovered %s: unexpected reason %s (%s)", u.DemandID, u.Reason, u.Detail)
		}
	}
	if missing == 0 || r.Metrics.Covered+missing != r.Metrics.Needed {
		t.Errorf("covered %d + missing %d, needed %d; want a shortfall that adds up", r.Metrics.Covered, missing, r.Metrics.Needed)
	}
	for _, v := range Check(p, r.Assignments) {
		if v.Rule != RuleRatio {
			t.Errorf("hard violation %+v", v)
		}
	}
	t.Logf("%d of %d slots covered, %d demands uncovered", r.Metrics.Covered, r.Metrics.Needed, len(r.Uncovered))
	if r.Iterations > DefaultMaxIterations {
		t.Errorf("Iterations = %d, beyond the budget %d", r.Iterations, DefaultMaxIterations)
	}
}

func TestSolveKeepsLocked(t *testing.T) {
	p := Problem{
		Staff: []Staff{newTeacher("t1", classTeacherOf("c1")), newTeacher("t2"), newTeacher("t3", notOptedIn())},
		Demands: []Demand{
			homework("h1", 0, "c1"), homework("h2", 1, "c1"), homework("h3", 2, "c1"),
		},
		// t2 is worse for c1 than its class teacher, and t3 did not opt in:
		// both stay because an administrator locked them.
		Locked: []Assignment{{DemandID: "h1", StaffID: "t2", Locked: true}, {DemandID: "h3", StaffID: "t3", Locked: true}},
	}
	r, err := Solve(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Assignment{
		{DemandID: "h1", StaffID: "t2", Locked: true},
		{DemandID: "h2", StaffID: "t1"},
		{DemandID: "h3", StaffID: "t3", Locked: true},
	}
	if diff := cmp.Diff(want, r.Assignments); diff != "" {
		t.Errorf("Assignments (-want +got):\n%s", diff)
	}
	wantV := []Violation{{Rule: RuleOptedIn, DemandID: "h3", StaffID: "t3"}}
	if diff := cmp.Diff(wantV, r.Violations, cmpopts.IgnoreFields(Violation{}, "Detail")); diff != "" {
		t.Errorf("Violations (-want +got):\n%s", diff)
	}
	if r.Metrics.HardViolations != 1 {
		t.Errorf("HardViolations = %d, want 1", r.Metrics.HardViolations)
	}
}

func TestSolveSoftGoals(t *testing.T) {
	tests := []struct {
		name string
		give Problem
		want []Assignment
	}{
		{
			name: "class teacher before subject teacher before others",
			give: Problem{
				Staff:   []Staff{newTeacher("a-other"), newTeacher("b-subject", teaches("c1", "c2")), newTeacher("c-class", classTeacherOf("c1"))},
				Demands: []Demand{homework("h1", 0, "c1"), homework("h2", 0, "c2")},
			},
			want: assign("h1", "c-class", "h2", "b-subject"),
		},
		{
			name: "continuity keeps last week's person",
			give: Problem{
				Staff:    []Staff{newTeacher("t1", qualifiedFor(ActivityArts)), newTeacher("t2", qualifiedFor(ActivityArts))},
				Demands:  []Demand{club("k1", 0, ActivityArts)},
				Previous: []PreviousAssignment{{StaffID: "t2", Role: RoleInstructor, ClubID: "club-k1", Weekday: time.Monday}},
			},
			want: assign("k1", "t2"),
		},
		{
			name: "weekday preference honoured",
			give: Problem{
				Staff: []Staff{
					newAdmin("a1", func(s *Staff) { s.Preferences.Weekdays = []time.Weekday{time.Tuesday} }),
					newAdmin("a2", func(s *Staff) { s.Preferences.Weekdays = []time.Weekday{time.Monday} }),
				},
				Demands: []Demand{patrol("p-mon", 0), patrol("p-tue", 1)},
			},
			want: assign("p-mon", "a2", "p-tue", "a1"),
		},
		{
			name: "fair load spreads patrols",
			give: Problem{
				Staff:   []Staff{newAdmin("a1"), newAdmin("a2"), newAdmin("a3")},
				Demands: []Demand{patrol("p1", 0), patrol("p2", 1), patrol("p3", 2), patrol("p4", 3), patrol("p5", 4), patrol("p6", 4, at(Clock(17, 0), Clock(18, 0)))},
			},
			want: nil, // checked through the metrics below
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Solve(tt.give, Options{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if r.Metrics.Spread != 0 || r.Metrics.Unfairness != 0 {
					t.Errorf("spread %d, unfairness %v; want 0 and 0 (loads %+v)", r.Metrics.Spread, r.Metrics.Unfairness, r.Metrics.Loads)
				}
				return
			}
			if diff := cmp.Diff(tt.want, r.Assignments); diff != "" {
				t.Errorf("Assignments (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStateTracksEvaluate checks the solver's running totals against
// Evaluate after a random walk of additions and removals.
func TestStateTracksEvaluate(t *testing.T) {
	p := Generate(11, 40, 12, 8)
	m := compile(p)
	st := newState(m)
	rng := rand.New(rand.NewPCG(11, 11))
	for i := range 3000 {
		d := rng.IntN(len(m.demands))
		s := rng.IntN(len(m.staff))
		if st.holds(d, s) {
			st.remove(d, s)
		} else {
			st.add(d, s)
		}
		if i%100 != 0 {
			continue
		}
		got := evaluate(p, st.assignments())
		if got.Covered != st.covered || got.SoftPenalty != st.soft || math.Abs(got.Score-st.score()) > 1e-6 {
			t.Fatalf("step %d: state covered %d soft %d score %.6f, Evaluate %d %d %.6f",
				i, st.covered, st.soft, st.score(), got.Covered, got.SoftPenalty, got.Score)
		}
	}
}

// smallProblem is a random instance small enough to solve by brute force:
// 4 staff, 6 demands with one person each over two days.
func smallProblem(seed uint64) Problem {
	rng := rand.New(rand.NewPCG(seed, 77))
	kinds := []ActivityKind{ActivityArts, ActivitySports}
	var p Problem
	for i := range 4 {
		s := Staff{ID: fmt.Sprintf("s%d", i), Kind: KindTeacher, OptedIn: rng.IntN(10) > 0,
			Limits: Limits{MaxPeriodsPerWeek: 1 + rng.IntN(3)}}
		if rng.IntN(4) == 0 {
			s.Kind = KindAdmin
		}
		if rng.IntN(2) == 0 {
			s.ClassTeacherOf = fmt.Sprintf("c%d", rng.IntN(2))
			s.ClassesTaught = []string{s.ClassTeacherOf}
		}
		s.Qualifications = []ActivityKind{kinds[rng.IntN(2)]}
		if rng.IntN(3) == 0 {
			s.Preferences.Weekdays = []time.Weekday{time.Monday + time.Weekday(rng.IntN(2))}
		}
		if rng.IntN(4) == 0 {
			s.Availability = []Slot{{Weekday: time.Monday + time.Weekday(rng.IntN(2))}}
		}
		p.Staff = append(p.Staff, s)
	}
	for i := range 6 {
		day := rng.IntN(2)
		start := Clock(15, 0) + TimeOfDay(30*rng.IntN(5))
		d := Demand{ID: fmt.Sprintf("d%d", i), Date: mon.AddDays(day), Segment: SegmentHomework,
			Start: start, End: start + 60, Periods: 1, Count: 1}
		switch rng.IntN(3) {
		case 0:
			d.Role, d.ClassID = RoleSupervisor, fmt.Sprintf("c%d", rng.IntN(2))
		case 1:
			d.Role, d.Segment, d.ActivityKind, d.ClubID = RoleInstructor, SegmentClub, kinds[rng.IntN(2)], fmt.Sprintf("k%d", i)
		default:
			d.Role = RolePatrol
		}
		if rng.IntN(3) == 0 {
			d.Periods = 2
		}
		p.Demands = append(p.Demands, d)
		if d.ClassID != "" && rng.IntN(2) == 0 {
			p.Previous = append(p.Previous, PreviousAssignment{StaffID: fmt.Sprintf("s%d", rng.IntN(4)), Role: d.Role, ClassID: d.ClassID, Weekday: d.Weekday()})
		}
	}
	return p
}

// bruteForce enumerates every plan (each demand: one of the staff or
// nobody), keeps those Check accepts apart from missing people, and returns
// the best by coverage, then score.
func bruteForce(p Problem) Metrics {
	var best Metrics
	found := false
	plan := make([]Assignment, 0, len(p.Demands))
	var rec func(i int)
	rec = func(i int) {
		for _, v := range Check(p, plan) {
			if v.Rule != RuleRatio {
				return
			}
		}
		if i == len(p.Demands) {
			m := evaluate(p, plan)
			if !found || m.Covered > best.Covered || (m.Covered == best.Covered && m.Score < best.Score-eps) {
				best, found = m, true
			}
			return
		}
		rec(i + 1)
		for _, s := range p.Staff {
			plan = append(plan, Assignment{DemandID: p.Demands[i].ID, StaffID: s.ID})
			rec(i + 1)
			plan = plan[:len(plan)-1]
		}
	}
	rec(0)
	return best
}

func TestSolveNearExhaustiveOptimum(t *testing.T) {
	const instances = 100
	var sumGap, sumOpt float64
	worst := 0.0
	for seed := range uint64(instances) {
		p := smallProblem(seed)
		opt := bruteForce(p)
		r, err := Solve(p, Options{Seed: seed, MaxIterations: 0})
		if err != nil {
			t.Fatal(err)
		}
		if r.Metrics.Covered != opt.Covered {
			t.Errorf("seed %d: solver covered %d slots, optimum %d", seed, r.Metrics.Covered, opt.Covered)
			continue
		}
		gap := r.Metrics.Score - opt.Score
		if gap < -eps {
			t.Errorf("seed %d: solver score %.3f below the exhaustive optimum %.3f: brute force is wrong", seed, r.Metrics.Score, opt.Score)
		}
		t.Logf("seed %2d: covered %d/%d, solver %.2f, optimum %.2f, gap %.2f", seed, opt.Covered, opt.Needed, r.Metrics.Score, opt.Score, gap)
		sumGap += gap
		sumOpt += opt.Score
		worst = max(worst, gap)
	}
	rel := sumGap / math.Max(sumOpt, 1)
	t.Logf("total gap %.2f over a total optimum of %.2f (%.1f%%), worst single gap %.2f", sumGap, sumOpt, 100*rel, worst)
	if rel > 0.02 || worst > WeightOtherTeacher {
		t.Errorf("gap %.1f%% (worst %.2f), want at most 2%% in total and %d on any instance", 100*rel, worst, WeightOtherTeacher)
	}
}

func BenchmarkSolve(b *testing.B) {
	p := Generate(1, 120, 60, 40)
	var r Result
	for b.Loop() {
		var err error
		r, err = Solve(p, Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(r.Metrics.Spread), "spread")
	b.ReportMetric(r.Metrics.Unfairness, "unfairness")
	b.ReportMetric(float64(r.Metrics.HardViolations), "hard_violations")
	b.ReportMetric(float64(len(r.Uncovered)), "uncovered")
	b.ReportMetric(r.Metrics.Score, "score")
}

func TestSolveRespectsLimits(t *testing.T) {
	three := []Demand{patrol("p-mon", 0), patrol("p-tue", 1), patrol("p-wed", 2)}
	tests := []struct {
		name string
		give Problem
		want []Reason // one per uncovered demand; which demand is left is the solver's choice
	}{
		{
			name: "weekly periods",
			give: Problem{Staff: []Staff{newAdmin("a1", limits(Limits{MaxPeriodsPerWeek: 2}))}, Demands: three},
			want: []Reason{ReasonLimitsReached},
		},
		{
			name: "days per week",
			give: Problem{Staff: []Staff{newAdmin("a1", limits(Limits{MaxDaysPerWeek: 2}))}, Demands: three},
			want: []Reason{ReasonLimitsReached},
		},
		{
			name: "periods per day",
			give: Problem{
				Staff:   []Staff{newAdmin("a1", limits(Limits{MaxPeriodsPerDay: 1}))},
				Demands: []Demand{patrol("p-early", 0), patrol("p-late", 0, at(Clock(17, 0), Clock(18, 0)))},
			},
			want: []Reason{ReasonLimitsReached},
		},
		{
			name: "one busy and one capped count as busy",
			give: Problem{
				Staff: []Staff{newAdmin("a1"), newAdmin("a2", limits(Limits{MaxPeriodsPerWeek: 1}))},
				Demands: []Demand{
					patrol("p-a", 0), patrol("p-b", 0, count(2)), patrol("p-tue", 1),
				},
				Locked: assign("p-a", "a1", "p-tue", "a2"),
			},
			want: []Reason{ReasonAllQualifiedBusy},
		},
		{
			name: "limits are per ISO week",
			give: Problem{
				Staff:   []Staff{newAdmin("a1", limits(Limits{MaxPeriodsPerWeek: 1, MaxDaysPerWeek: 1}))},
				Demands: []Demand{patrol("p-mon", 0), patrol("p-next-mon", 7)},
			},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Solve(tt.give, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			var got []Reason
			for _, u := range r.Uncovered {
				got = append(got, u.Reason)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reasons of uncovered demands (-want +got):\n%s\n%+v", diff, r.Uncovered)
			}
			for _, v := range Check(tt.give, r.Assignments) {
				if v.Rule != RuleRatio {
					t.Errorf("hard violation %+v", v)
				}
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	tests := []struct {
		staff, classes, clubs int
		wantDemands           int
	}{
		{120, 60, 40, 5 * (60 + 40 + 2 + 1)},
		{1, 0, 0, 5 * 2},
		{20, 5, 3, 5 * (5 + 3 + 2 + 1)},
	}
	for _, tt := range tests {
		p := Generate(1, tt.staff, tt.classes, tt.clubs)
		if err := p.Validate(); err != nil {
			t.Errorf("Generate(1, %d, %d, %d) is invalid: %v", tt.staff, tt.classes, tt.clubs, err)
		}
		if got := len(p.Demands); got != tt.wantDemands {
			t.Errorf("Generate(1, %d, %d, %d) has %d demands, want %d", tt.staff, tt.classes, tt.clubs, got, tt.wantDemands)
		}
		if diff := cmp.Diff(p, Generate(1, tt.staff, tt.classes, tt.clubs)); diff != "" {
			t.Errorf("Generate is not deterministic (-first +second):\n%s", diff)
		}
	}
}

// BenchmarkExhaustiveGap solves the small instances of
// TestSolveNearExhaustiveOptimum and reports the score gap to the
// exhaustive optimum (total and worst), so the quality of the heuristic is
// printed next to its speed.
func BenchmarkExhaustiveGap(b *testing.B) {
	const instances = 30
	probs := make([]Problem, instances)
	opts := make([]Metrics, instances)
	for i := range probs {
		probs[i] = smallProblem(uint64(i))
		opts[i] = bruteForce(probs[i])
	}
	var sumGap, sumOpt, worst float64
	missed := 0
	for b.Loop() {
		sumGap, sumOpt, worst, missed = 0, 0, 0, 0
		for i, p := range probs {
			r, err := Solve(p, Options{Seed: uint64(i)})
			if err != nil {
				b.Fatal(err)
			}
			if r.Metrics.Covered != opts[i].Covered {
				missed++
				continue
			}
			gap := r.Metrics.Score - opts[i].Score
			sumGap += gap
			sumOpt += opts[i].Score
			worst = max(worst, gap)
		}
	}
	b.ReportMetric(sumGap, "total_gap")
	b.ReportMetric(100*sumGap/math.Max(sumOpt, 1), "gap_%")
	b.ReportMetric(worst, "worst_gap")
	b.ReportMetric(float64(missed), "coverage_misses")
}

// BenchmarkSolveUndersized times the infeasible school of
// TestSolveUndersizedSchoolIsFast (60 staff for 60 classes and 40 clubs):
// the plan and its named uncovered demands come back in bounded time.
func BenchmarkSolveUndersized(b *testing.B) {
	p := Generate(7, 60, 60, 40)
	var r Result
	for b.Loop() {
		var err error
		if r, err = Solve(p, Options{Seed: 7}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(r.Uncovered)), "uncovered")
	b.ReportMetric(float64(r.Metrics.Needed-r.Metrics.Covered), "missing_slots")
	b.ReportMetric(float64(r.Metrics.HardViolations), "hard_violations")
}
