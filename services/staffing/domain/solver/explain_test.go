package solver

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestSubstituteKeep: a session the absent person already checked in for
// stays with them; only their other sessions are re-planned.
func TestSubstituteKeep(t *testing.T) {
	p := substituteProblem()
	current := assign("mon-c1", "t1", "mon-c2", "t2", "mon-patrol", "t3", "tue-c1", "t1", "tue-c2", "t2")
	tests := []struct {
		name     string
		giveKeep []string
		wantHeld bool
	}{
		{name: "not kept: substituted", giveKeep: nil, wantHeld: false},
		{name: "kept: stays with the person", giveKeep: []string{"mon-c1"}, wantHeld: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, changes, err := Substitute(p, current, Absence{StaffID: "t1", From: mon, Keep: tt.giveKeep}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			held := false
			for _, a := range r.Assignments {
				if a.DemandID == "mon-c1" && a.StaffID == "t1" {
					held = true
				}
			}
			if held != tt.wantHeld {
				t.Errorf("t1 holds mon-c1 = %v, want %v; plan %v", held, tt.wantHeld, r.Assignments)
			}
			if tt.wantHeld && len(changes) != 0 {
				t.Errorf("changes = %v, want none (the only Monday session is kept)", changes)
			}
		})
	}
}

// TestExplain: the reasons follow the plan given, not the last solve.
func TestExplain(t *testing.T) {
	p := substituteProblem()
	full := assign("mon-c1", "t1", "mon-c2", "t2", "mon-patrol", "t3", "tue-c1", "t1", "tue-c2", "t2")
	tests := []struct {
		name         string
		give         []Assignment
		giveAbsences []Absence
		want         []Uncovered
	}{
		{name: "full plan: nothing uncovered", give: full},
		{
			name: "tue-c2 freed while t3 is free: unfilled, not busy",
			give: assign("mon-c1", "t1", "mon-c2", "t2", "mon-patrol", "t3", "tue-c1", "t1"),
			want: []Uncovered{{DemandID: "tue-c2", Missing: 1, Reason: ReasonUnfilled,
				Detail: "2 eligible people are free (changed by hand since the last solve); 3 eligible: 0 already on it, 1 busy at an overlapping session, 0 at a period or day limit"}},
		},
		{
			name:         "the free ones absent on Tuesday: all qualified busy",
			give:         assign("mon-c1", "t1", "mon-c2", "t2", "mon-patrol", "t3", "tue-c1", "t1"),
			giveAbsences: []Absence{{StaffID: "t2", From: mon.AddDays(1)}, {StaffID: "t3", From: mon.AddDays(1)}},
			want: []Uncovered{{DemandID: "tue-c2", Missing: 1, Reason: ReasonAllQualifiedBusy,
				Detail: "1 eligible: 0 already on it, 1 busy at an overlapping session, 0 at a period or day limit"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Explain(p, tt.give, tt.giveAbsences)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Explain (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Explain(p, assign("nope", "t1"), nil); err == nil {
		t.Errorf("unknown demand: no error")
	}
}

// TestReview: Review is Evaluate and Explain of the same plan (the grid
// reads both through it), and explaining over the index without soft
// costs gives the reasons the full index gives.
func TestReview(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		p := Generate(seed, 12, 6, 3)
		r, err := Solve(p, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		// Every third assignment undone by hand, and someone absent on the
		// first day: gaps with every kind of reason.
		var plan []Assignment
		for i, a := range r.Assignments {
			if i%3 != 0 {
				plan = append(plan, a)
			}
		}
		abs := []Absence{{StaffID: p.Staff[0].ID, From: p.Demands[0].Date}}
		wantM, err := Evaluate(p, plan)
		if err != nil {
			t.Fatal(err)
		}
		wantU, err := explain(compile(p), plan, abs)
		if err != nil {
			t.Fatal(err)
		}
		if len(wantU) == 0 {
			t.Fatalf("seed %d: nothing uncovered; the test needs gaps", seed)
		}
		gotM, gotU, err := Review(p, plan, abs)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantM, gotM); diff != "" {
			t.Errorf("seed %d: Review metrics (-Evaluate +Review):\n%s", seed, diff)
		}
		if diff := cmp.Diff(wantU, gotU); diff != "" {
			t.Errorf("seed %d: Review uncovered (-Explain +Review):\n%s", seed, diff)
		}
	}
	p := substituteProblem()
	if _, _, err := Review(p, assign("nope", "t1"), nil); err == nil {
		t.Errorf("unknown demand: no error")
	}
	bad := p
	bad.Demands = append(bad.Demands[:0:0], p.Demands...)
	bad.Demands[0].Count = 0
	if _, _, err := Review(bad, nil, nil); err == nil {
		t.Errorf("invalid problem: no error")
	}
}
