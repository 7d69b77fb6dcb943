package allocator

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/fault"
)

// problems lists every way a breaks capacity, eligibility, the stated ranks
// or Pareto efficiency (a student preferring a club with a free seat, or a
// cycle of students who could trade seats and all gain).
func problems(in Input, a Allocation) []string {
	var out []string
	club := map[string]int{}
	for i, c := range in.Clubs {
		club[c.ID] = i
	}
	held := make([]int, len(in.Clubs))
	rankOf := func(s int, id string) int { return slices.Index(in.Students[s].Choices, id) + 1 }
	for s, as := range a.Assignments {
		st := in.Students[s]
		if as.StudentID != st.ID {
			out = append(out, fmt.Sprintf("assignment %d is for %s, want %s", s, as.StudentID, st.ID))
		}
		if as.ClubID == "" {
			if as.Rank != 0 {
				out = append(out, fmt.Sprintf("%s: rank %d without a club", st.ID, as.Rank))
			}
			continue
		}
		c := club[as.ClubID]
		held[c]++
		if !slices.Contains(in.Clubs[c].Grades, st.Grade) {
			out = append(out, fmt.Sprintf("%s (grade %d) in %s, not eligible", st.ID, st.Grade, as.ClubID))
		}
		if r := rankOf(s, as.ClubID); r == 0 || r != as.Rank {
			out = append(out, fmt.Sprintf("%s in %s with rank %d, ranked it %d", st.ID, as.ClubID, as.Rank, r))
		}
	}
	for c, n := range held {
		if n > in.Clubs[c].Capacity {
			out = append(out, fmt.Sprintf("%s holds %d > capacity %d", in.Clubs[c].ID, n, in.Clubs[c].Capacity))
		}
	}
	// better reports whether student s prefers club id to what s holds.
	better := func(s int, id string) bool {
		as := a.Assignments[s]
		r := rankOf(s, id)
		return !as.Withdrawn && r > 0 && (as.Rank == 0 || r < as.Rank)
	}
	edges := make([][]int, len(in.Clubs)) // C → D: a holder of C prefers full club D
	for s, st := range in.Students {
		for _, id := range st.Choices {
			if !better(s, id) {
				continue
			}
			d := club[id]
			if held[d] < in.Clubs[d].Capacity {
				out = append(out, fmt.Sprintf("%s prefers %s, which has a free seat", st.ID, id))
				continue
			}
			if as := a.Assignments[s]; as.ClubID != "" {
				edges[club[as.ClubID]] = append(edges[club[as.ClubID]], d)
			}
		}
	}
	color := make([]int, len(in.Clubs))
	var visit func(c int) bool
	visit = func(c int) bool {
		color[c] = 1
		for _, d := range edges[c] {
			if color[d] == 1 || (color[d] == 0 && visit(d)) {
				return true
			}
		}
		color[c] = 2
		return false
	}
	for c := range in.Clubs {
		if color[c] == 0 && visit(c) {
			out = append(out, fmt.Sprintf("trading cycle through %s", in.Clubs[c].ID))
			break
		}
	}
	return out
}

// randomRound is a small random club round: few seats, overlapping grades.
func randomRound(seed uint64) Input {
	rng := rand.New(rand.NewPCG(seed, 99))
	students, clubs := 5+rng.IntN(60), 2+rng.IntN(8)
	in := Input{MaxChoices: 1 + rng.IntN(4)}
	for c := range clubs {
		lo := 1 + rng.IntN(3)
		in.Clubs = append(in.Clubs, Club{ID: fmt.Sprintf("c%d", c), Capacity: rng.IntN(8), Grades: []int{lo, lo + 1, lo + 2}})
	}
	for s := range students {
		st := Student{ID: fmt.Sprintf("s%02d", s), Grade: 1 + rng.IntN(5)}
		for _, c := range rng.Perm(clubs) {
			if len(st.Choices) < rng.IntN(in.MaxChoices+1) && slices.Contains(in.Clubs[c].Grades, st.Grade) {
				st.Choices = append(st.Choices, in.Clubs[c].ID)
			}
		}
		in.Students = append(in.Students, st)
	}
	return in
}

func TestAllocationProperties(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		in := randomRound(seed)
		rsd, err := Allocate(in, seed)
		if err != nil {
			t.Fatal(err)
		}
		if p := problems(in, rsd); len(p) > 0 {
			t.Fatalf("seed %d: Allocate: %v", seed, p)
		}
		opt, err := Optimum(in)
		if err != nil {
			t.Fatal(err)
		}
		if p := problems(in, opt); len(p) > 0 {
			t.Fatalf("seed %d: Optimum: %v", seed, p)
		}
		if r, o := rsd.Stats, opt.Stats; o.Assigned() < r.Assigned() || (o.Assigned() == r.Assigned() && o.RankSum > r.RankSum) {
			t.Fatalf("seed %d: optimum (%d assigned, rank sum %d) worse than RSD (%d, %d)", seed, o.Assigned(), o.RankSum, r.Assigned(), r.RankSum)
		}
		// Withdraw students one by one in a seeded order: still feasible
		// and Pareto-efficient after every chain.
		a := rsd
		rng := rand.New(rand.NewPCG(seed, 5))
		for _, s := range rng.Perm(len(in.Students))[:len(in.Students)/2] {
			var moves []Move
			a, moves, err = Withdraw(in, a, in.Students[s].ID)
			if err != nil {
				t.Fatal(err)
			}
			if p := problems(in, a); len(p) > 0 {
				t.Fatalf("seed %d: after withdrawing %s (moves %v): %v", seed, in.Students[s].ID, moves, p)
			}
		}
	}
}

// TestOptimumExact compares Optimum with brute force on tiny rounds.
func TestOptimumExact(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		in := Input{}
		for c := range 3 {
			in.Clubs = append(in.Clubs, Club{ID: fmt.Sprintf("c%d", c), Capacity: rng.IntN(3), Grades: []int{1}})
		}
		for s := range 2 + rng.IntN(6) {
			st := Student{ID: fmt.Sprintf("s%d", s), Grade: 1}
			for _, c := range rng.Perm(3)[:rng.IntN(4)] {
				st.Choices = append(st.Choices, in.Clubs[c].ID)
			}
			in.Students = append(in.Students, st)
		}
		bestN, bestCost := -1, 0
		pick := make([]int, len(in.Students)) // 0 none, r = rank r
		var rec func(s int, left []int, n, cost int)
		rec = func(s int, left []int, n, cost int) {
			if s == len(in.Students) {
				if n > bestN || (n == bestN && cost < bestCost) {
					bestN, bestCost = n, cost
				}
				return
			}
			rec(s+1, left, n, cost)
			for r, id := range in.Students[s].Choices {
				c := int(id[1] - '0')
				if left[c] > 0 {
					left[c]--
					pick[s] = r + 1
					rec(s+1, left, n+1, cost+r+1)
					left[c]++
				}
			}
		}
		left := []int{in.Clubs[0].Capacity, in.Clubs[1].Capacity, in.Clubs[2].Capacity}
		rec(0, left, 0, 0)
		opt, err := Optimum(in)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([2]int{bestN, bestCost}, [2]int{opt.Stats.Assigned(), opt.Stats.RankSum}); diff != "" {
			t.Fatalf("seed %d: (assigned, rank sum) (-brute force +Optimum):\n%s", seed, diff)
		}
	}
}

func TestAllocateDeterministic(t *testing.T) {
	in := Generate(4, 500, 20, 3)
	a, err := Allocate(in, 9)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Allocate(in, 9)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different allocation (-want +got):\n%s", diff)
	}
	// Input order does not matter, only the seed.
	rev := in
	rev.Students = slices.Clone(in.Students)
	slices.Reverse(rev.Students)
	c, err := Allocate(rev, 9)
	if err != nil {
		t.Fatal(err)
	}
	byID := func(a Allocation) map[string]Assignment {
		m := map[string]Assignment{}
		for _, as := range a.Assignments {
			m[as.StudentID] = as
		}
		return m
	}
	if diff := cmp.Diff(byID(a), byID(c)); diff != "" {
		t.Errorf("reversed input, different allocation (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(a.Order, c.Order); diff != "" {
		t.Errorf("reversed input, different order (-want +got):\n%s", diff)
	}
	d, err := Allocate(in, 10)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.Order, d.Order) {
		t.Errorf("seeds 9 and 10 drew the same order")
	}
}

func TestAllocateFollowsOrder(t *testing.T) {
	in := Input{
		Clubs: []Club{{ID: "chess", Capacity: 1, Grades: []int{3}}, {ID: "choir", Capacity: 1, Grades: []int{3}}},
		Students: []Student{
			{ID: "a", Grade: 3, Choices: []string{"chess", "choir"}},
			{ID: "b", Grade: 3, Choices: []string{"chess", "choir"}},
			{ID: "c", Grade: 3, Choices: []string{"chess"}},
		},
	}
	for seed := uint64(0); seed < 10; seed++ {
		a, err := Allocate(in, seed)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, as := range a.Assignments {
			got[as.StudentID] = as.ClubID
		}
		want := map[string]string{a.Order[0]: "chess", a.Order[1]: "choir", a.Order[2]: ""}
		if a.Order[1] == "c" { // c ranked only chess
			want[a.Order[1]], want[a.Order[2]] = "", "choir"
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("seed %d order %v (-want +got):\n%s", seed, a.Order, diff)
		}
	}
}

func TestWithdrawChain(t *testing.T) {
	in := Input{
		Clubs: []Club{
			{ID: "A", Capacity: 1, Grades: []int{1}},
			{ID: "B", Capacity: 1, Grades: []int{1}},
			{ID: "C", Capacity: 1, Grades: []int{1}},
		},
		Students: []Student{
			{ID: "s1", Grade: 1, Choices: []string{"A"}},
			{ID: "s2", Grade: 1, Choices: []string{"C", "A"}}, // holds C, ranked A lower
			{ID: "s3", Grade: 1, Choices: []string{"A", "B"}},
			{ID: "s4", Grade: 1, Choices: []string{"B"}},
		},
	}
	a := Allocation{
		Order: []string{"s1", "s2", "s3", "s4"},
		Assignments: []Assignment{
			{StudentID: "s1", ClubID: "A", Rank: 1},
			{StudentID: "s2", ClubID: "C", Rank: 1},
			{StudentID: "s3", ClubID: "B", Rank: 2},
			{StudentID: "s4"},
		},
	}
	got, moves, err := Withdraw(in, a, "s1")
	if err != nil {
		t.Fatal(err)
	}
	wantMoves := []Move{
		{StudentID: "s1", From: "A"},
		{StudentID: "s3", From: "B", To: "A", Rank: 1},
		{StudentID: "s4", To: "B", Rank: 1},
	}
	if diff := cmp.Diff(wantMoves, moves); diff != "" {
		t.Errorf("moves (-want +got):\n%s", diff)
	}
	want := Allocation{
		Order: a.Order,
		Assignments: []Assignment{
			{StudentID: "s1", Withdrawn: true},
			{StudentID: "s2", ClubID: "C", Rank: 1},
			{StudentID: "s3", ClubID: "A", Rank: 1},
			{StudentID: "s4", ClubID: "B", Rank: 1},
		},
		Stats: Stats{Students: 3, First: 3, Withdrawn: 1, RankSum: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("allocation (-want +got):\n%s", diff)
	}
	if a.Assignments[0].Withdrawn {
		t.Errorf("Withdraw changed its input allocation")
	}

	// s2 leaves C: nobody ranked C, so the seat stays free.
	got2, moves, err := Withdraw(in, got, "s2")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Move{{StudentID: "s2", From: "C"}}, moves); diff != "" {
		t.Errorf("moves (-want +got):\n%s", diff)
	}

	errTests := []struct {
		name string
		give func() (Allocation, string)
		want error
	}{
		{"unknown", func() (Allocation, string) { return got2, "nobody" }, ErrUnknownStudent},
		{"twice", func() (Allocation, string) { return got2, "s1" }, ErrAlreadyWithdrawn},
		{"optimum", func() (Allocation, string) { o, _ := Optimum(in); return o, "s1" }, ErrNoPriorityOrder},
		{"over capacity", func() (Allocation, string) {
			b := a
			b.Assignments = slices.Clone(a.Assignments)
			b.Assignments[3] = Assignment{StudentID: "s4", ClubID: "B", Rank: 1}
			return b, "s1"
		}, ErrMismatch},
		{"wrong rank", func() (Allocation, string) {
			b := a
			b.Assignments = slices.Clone(a.Assignments)
			b.Assignments[2].Rank = 1
			return b, "s1"
		}, ErrMismatch},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			alloc, id := tt.give()
			if _, _, err := Withdraw(in, alloc, id); !errors.Is(err, tt.want) {
				t.Errorf("Withdraw error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		give Input
		want []string
	}{
		{
			name: "bad clubs",
			give: Input{MaxChoices: -1, Clubs: []Club{{ID: "x", Capacity: -1}, {ID: "x", Grades: []int{1}}, {Grades: []int{1}}}},
			want: []string{"max_choices", "clubs[0].capacity", "clubs[0].grades", "clubs[1].id", "clubs[2].id"},
		},
		{
			name: "bad grades",
			give: Input{Clubs: []Club{{ID: "x", Grades: []int{0, 10}}}, Students: []Student{{ID: "s", Grade: 0}}},
			want: []string{"clubs[0].grades[0]", "clubs[0].grades[1]", "students[0].grade"},
		},
		{
			name: "bad choices",
			give: Input{
				MaxChoices: 2,
				Clubs:      []Club{{ID: "chess", Capacity: 3, Grades: []int{1, 2}}, {ID: "ball", Capacity: 3, Grades: []int{5}}},
				Students: []Student{
					{ID: "s1", Grade: 1, Choices: []string{"chess", "ball", "golf"}},
					{ID: "s1", Grade: 2, Choices: []string{"chess", "chess"}},
					{Grade: 2},
				},
			},
			want: []string{
				"students[0].choices", "students[0].choices[1]", "students[0].choices[2]",
				"students[1].id", "students[1].choices[1]", "students[2].id",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, run := range map[string]func() error{
				"Allocate": func() error { _, err := Allocate(tt.give, 1); return err },
				"Optimum":  func() error { _, err := Optimum(tt.give); return err },
			} {
				err := run()
				var ve *fault.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("%s error = %v, want *fault.ValidationError", name, err)
				}
				var got []string
				for _, v := range ve.Violations {
					got = append(got, v.Field)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s fields (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func reportShares(b *testing.B, s Stats) {
	b.ReportMetric(s.Share(s.First), "first")
	b.ReportMetric(s.Share(s.Second), "second")
	b.ReportMetric(s.Share(s.Third), "third")
	b.ReportMetric(s.Share(s.None), "none")
}

func BenchmarkAllocate(b *testing.B) {
	in := Generate(1, 3000, 80, 3)
	var a Allocation
	for b.Loop() {
		var err error
		if a, err = Allocate(in, 1); err != nil {
			b.Fatal(err)
		}
	}
	if p := problems(in, a); len(p) > 0 {
		b.Fatal(p)
	}
	reportShares(b, a.Stats)
	// The exact optimum (min-cost flow) of the same instance beside it, so
	// the gap of the fast seeded allocation is visible in one line.
	opt, err := Optimum(in)
	if err != nil {
		b.Fatal(err)
	}
	o := opt.Stats
	b.ReportMetric(o.Share(o.First), "opt-first")
	b.ReportMetric(o.Share(o.Second), "opt-second")
	b.ReportMetric(o.Share(o.Third), "opt-third")
	b.ReportMetric(o.Share(o.None), "opt-none")
}

func BenchmarkOptimum(b *testing.B) {
	in := Generate(1, 3000, 80, 3)
	var a Allocation
	for b.Loop() {
		var err error
		if a, err = Optimum(in); err != nil {
			b.Fatal(err)
		}
	}
	if p := problems(in, a); len(p) > 0 {
		b.Fatal(p)
	}
	reportShares(b, a.Stats)
}

// TestProblemsDetects makes sure the property checker itself can fail.
func TestProblemsDetects(t *testing.T) {
	in := Input{
		Clubs: []Club{{ID: "A", Capacity: 1, Grades: []int{1}}, {ID: "B", Capacity: 1, Grades: []int{1}}, {ID: "C", Capacity: 2, Grades: []int{2}}},
		Students: []Student{
			{ID: "s1", Grade: 1, Choices: []string{"B", "A"}},
			{ID: "s2", Grade: 1, Choices: []string{"A", "B"}},
		},
	}
	tests := []struct {
		name string
		give []Assignment
		want []string
	}{
		{"efficient", []Assignment{{StudentID: "s1", ClubID: "B", Rank: 1}, {StudentID: "s2", ClubID: "A", Rank: 1}}, nil},
		{"trading cycle", []Assignment{{StudentID: "s1", ClubID: "A", Rank: 2}, {StudentID: "s2", ClubID: "B", Rank: 2}},
			[]string{"trading cycle through A"}},
		{"free seat envied", []Assignment{{StudentID: "s1", ClubID: "A", Rank: 2}, {StudentID: "s2"}},
			[]string{"s1 prefers B, which has a free seat", "s2 prefers B, which has a free seat"}},
		{"over capacity", []Assignment{{StudentID: "s1", ClubID: "A", Rank: 2}, {StudentID: "s2", ClubID: "A", Rank: 1}},
			[]string{"A holds 2 > capacity 1", "s1 prefers B, which has a free seat"}},
		{"ineligible and unranked", []Assignment{{StudentID: "s1", ClubID: "C", Rank: 1}, {StudentID: "s2", ClubID: "A", Rank: 1}},
			[]string{"s1 (grade 1) in C, not eligible", "s1 in C with rank 1, ranked it 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(in, Allocation{Assignments: tt.give})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	in := Generate(1, 3000, 80, 3)
	if diff := cmp.Diff(in, Generate(1, 3000, 80, 3)); diff != "" {
		t.Fatalf("Generate not deterministic (-want +got):\n%s", diff)
	}
	seats, ranked := 0, 0
	for _, c := range in.Clubs {
		seats += c.Capacity
	}
	for _, s := range in.Students {
		ranked += len(s.Choices)
	}
	if len(in.Students) != 3000 || len(in.Clubs) != 80 || seats < 2800 || seats > 3300 || ranked != 9000 {
		t.Errorf("students %d clubs %d seats %d choices %d", len(in.Students), len(in.Clubs), seats, ranked)
	}
	if _, err := Allocate(in, 1); err != nil {
		t.Errorf("generated round is invalid: %v", err)
	}
}
