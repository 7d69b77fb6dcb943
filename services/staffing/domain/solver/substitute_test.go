package solver

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

func substituteProblem() Problem {
	return Problem{
		Staff: []Staff{
			newTeacher("t1", classTeacherOf("c1")),
			newTeacher("t2", classTeacherOf("c2")),
			newTeacher("t3", teaches("c1")),
			newAdmin("a1"),
		},
		Demands: []Demand{
			homework("mon-c1", 0, "c1"), homework("mon-c2", 0, "c2"), patrol("mon-patrol", 0),
			homework("tue-c1", 1, "c1"), homework("tue-c2", 1, "c2"),
		},
	}
}

func TestSubstitute(t *testing.T) {
	current := assign("mon-c1", "t1", "mon-c2", "t2", "mon-patrol", "t3", "tue-c1", "t1", "tue-c2", "t2")
	tests := []struct {
		name          string
		give          func(*Problem)
		giveAbsence   Absence
		want          []Change
		wantUncovered []Uncovered
	}{
		{
			name:        "free qualified substitute: one change",
			giveAbsence: Absence{StaffID: "t2", From: mon.AddDays(1)},
			want:        []Change{{Kind: ChangeSubstituted, DemandID: "tue-c2", FromStaffID: "t2", ToStaffID: "t3"}},
		},
		{
			name:        "no free teacher: t3 moves from patrol, the admin patrols",
			giveAbsence: Absence{StaffID: "t1", From: mon},
			want: []Change{
				{Kind: ChangeMoved, DemandID: "mon-c1", FromStaffID: "t1", ToStaffID: "t3", MovedFrom: "mon-patrol"},
				{Kind: ChangeSubstituted, DemandID: "mon-patrol", FromStaffID: "t3", ToStaffID: "a1"},
			},
		},
		{
			name:          "locked patrol cannot move: the gap stays",
			give:          func(p *Problem) { p.Locked = assign("mon-patrol", "t3") },
			giveAbsence:   Absence{StaffID: "t1", From: mon},
			want:          []Change{{Kind: ChangeDropped, DemandID: "mon-c1", FromStaffID: "t1"}},
			wantUncovered: []Uncovered{{DemandID: "mon-c1", Missing: 1, Reason: ReasonAllQualifiedBusy}},
		},
		{
			name:        "absent for two days",
			giveAbsence: Absence{StaffID: "t1", From: mon, To: mon.AddDays(1)},
			want: []Change{
				{Kind: ChangeMoved, DemandID: "mon-c1", FromStaffID: "t1", ToStaffID: "t3", MovedFrom: "mon-patrol"},
				{Kind: ChangeSubstituted, DemandID: "mon-patrol", FromStaffID: "t3", ToStaffID: "a1"},
				{Kind: ChangeSubstituted, DemandID: "tue-c1", FromStaffID: "t1", ToStaffID: "t3"},
			},
		},
		{
			name:        "absent on a day without sessions: nothing changes",
			giveAbsence: Absence{StaffID: "t1", From: mon.AddDays(2)},
			want:        nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := substituteProblem()
			if tt.give != nil {
				tt.give(&p)
			}
			r, changes, err := Substitute(p, current, tt.giveAbsence, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, changes); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUncovered, r.Uncovered, cmpopts.IgnoreFields(Uncovered{}, "Detail")); diff != "" {
				t.Errorf("Uncovered (-want +got):\n%s", diff)
			}
			if got := countChanged(current, r.Assignments); got != len(tt.want) {
				t.Errorf("%d assignments differ from the current plan, want %d", got, len(tt.want))
			}
			assertLegalAndAbsent(t, p, r, tt.giveAbsence)
		})
	}
}

// countChanged counts the slots whose holder differs between two plans
// (per demand, the larger of people gone and people come), independent of
// Substitute's own report.
func countChanged(before, after []Assignment) int {
	type pair = [2]string
	in := func(as []Assignment) map[pair]bool {
		m := make(map[pair]bool)
		for _, a := range as {
			m[pair{a.DemandID, a.StaffID}] = true
		}
		return m
	}
	b, a := in(before), in(after)
	gone, came := map[string]int{}, map[string]int{}
	for k := range b {
		if !a[k] {
			gone[k[0]]++
		}
	}
	for k := range a {
		if !b[k] {
			came[k[0]]++
		}
	}
	n := 0
	for d, g := range gone {
		n += max(g, came[d])
	}
	for d, c := range came {
		if gone[d] == 0 {
			n += c
		}
	}
	return n
}

func assertLegalAndAbsent(t *testing.T, p Problem, r Result, ab Absence) {
	t.Helper()
	for _, v := range Check(p, r.Assignments) {
		if v.Rule != RuleRatio {
			t.Errorf("hard violation after substitution: %+v", v)
		}
	}
	dates := make(map[string]civil.Date)
	for _, d := range p.Demands {
		dates[d.ID] = d.Date
	}
	for _, a := range r.Assignments {
		if a.StaffID == ab.StaffID && ab.covers(dates[a.DemandID]) {
			t.Errorf("absent %s still assigned to %s", a.StaffID, a.DemandID)
		}
	}
}

func TestSubstituteGeneratedChangesOnlyWhatItMust(t *testing.T) {
	p := Generate(21, 120, 60, 40)
	plan, err := Solve(p, Options{Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	wed := mon.AddDays(2)
	dates := make(map[string]civil.Date)
	for _, d := range p.Demands {
		dates[d.ID] = d.Date
	}
	// Everyone with sessions on Wednesday is absent in turn.
	seen := map[string]bool{}
	tried := 0
	for _, a := range plan.Assignments {
		if dates[a.DemandID] != wed || seen[a.StaffID] {
			continue
		}
		seen[a.StaffID] = true
		affected := 0
		for _, b := range plan.Assignments {
			if b.StaffID == a.StaffID && dates[b.DemandID] == wed {
				affected++
			}
		}
		ab := Absence{StaffID: a.StaffID, From: wed}
		r, changes, err := Substitute(p, plan.Assignments, ab, Options{})
		if err != nil {
			t.Fatal(err)
		}
		tried++
		// A school this size always has a free qualified substitute, so
		// each affected session changes hands once and nothing else moves.
		if got := countChanged(plan.Assignments, r.Assignments); got != affected || len(changes) != affected || len(r.Uncovered) != 0 {
			t.Errorf("absence of %s: %d changed, %d reported, %d uncovered; want %d, %d, 0",
				a.StaffID, got, len(changes), len(r.Uncovered), affected, affected)
		}
		for _, c := range changes {
			if c.Kind != ChangeSubstituted {
				t.Errorf("absence of %s: change %+v, want a free substitute", a.StaffID, c)
			}
		}
		assertLegalAndAbsent(t, p, r, ab)
		if tried == 25 {
			break
		}
	}
	if tried == 0 {
		t.Fatal("nobody works on Wednesday")
	}
}

func TestSubstituteValidation(t *testing.T) {
	p := substituteProblem()
	tests := []struct {
		name        string
		giveCurrent []Assignment
		giveAbsence Absence
		want        []fault.Violation
	}{
		{"unknown staff", nil, Absence{StaffID: "ghost", From: mon},
			[]fault.Violation{{Field: "absence.staff_id", Reason: `unknown staff "ghost"`}}},
		{"range ends before it starts", nil, Absence{StaffID: "t1", From: mon, To: mon.AddDays(-1)},
			[]fault.Violation{{Field: "absence.to", Reason: "must be a calendar date not before from"}}},
		{"missing date", nil, Absence{StaffID: "t1"},
			[]fault.Violation{{Field: "absence.from", Reason: "not a calendar date"}}},
		{"current names an unknown demand", assign("nope", "t1"), Absence{StaffID: "t1", From: mon},
			[]fault.Violation{{Field: "current[0].demand_id", Reason: `unknown demand "nope"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Substitute(p, tt.giveCurrent, tt.giveAbsence, Options{})
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Substitute() error = %v, want a *fault.ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, ve.Violations); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}
