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
