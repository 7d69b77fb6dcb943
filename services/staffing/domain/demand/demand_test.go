package demand

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/staffing/domain/solver"
)

func TestDerive(t *testing.T) {
	mon := civil.New(2026, time.September, 7)
	occ := func(id, kind string, seg, start, end, students int) Occurrence {
		return Occurrence{ID: id, Date: mon, ItemKind: kind, Segment: seg, Start: start, End: end, Students: students, ClassID: "c1"}
	}
	club := occ("club", ItemEnrichment, 2, 990, 1050, 25)
	club.ClassID, club.ClubID, club.ActivityKind, club.InstitutionID = "", "k1", "sports", "inst1"
	cancelled := occ("gone", ItemBasicCare, 1, 930, 990, 40)
	cancelled.Cancelled = true
	ds, err := Derive([]Occurrence{
		occ("hw", ItemBasicCare, 1, 930, 990, 41), club, occ("ext", ItemExtendedCare, 3, 1050, 1100, 41), cancelled,
	}, Policy{StudentsPerAdult: 20, PeriodMinutes: 40})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID     string
		Role   solver.Role
		Count  int
		Period int
	}
	var got []row
	for _, d := range ds {
		got = append(got, row{d.ID, d.Role, d.Count, d.Periods})
	}
	want := []row{
		{"2026-09-07/1/patrol#patrol", solver.RolePatrol, 1, 2},
		{"hw#supervisor", solver.RoleSupervisor, 1, 2},
		{"2026-09-07/2/patrol#patrol", solver.RolePatrol, 1, 2},
		{"club#instructor", solver.RoleInstructor, 1, 2},
		{"ext#extra_adult", solver.RoleExtraAdult, 3, 1}, // 41 students at 20 per adult, 50 minutes ≈ 1 period
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("demands (-want +got):\n%s", diff)
	}
	if ds[3].InstitutionID != "inst1" || ds[3].ActivityKind != solver.ActivitySports {
		t.Errorf("club demand = %+v, want the institution and kind carried", ds[3])
	}
	if _, err := Derive([]Occurrence{occ("x", "circus", 1, 930, 990, 1)}, Policy{PeriodMinutes: 40}); err == nil {
		t.Errorf("unknown item kind derived without error")
	}
}

func TestPeriods(t *testing.T) {
	for _, tt := range []struct{ give, pm, want int }{{60, 40, 2}, {50, 40, 1}, {40, 40, 1}, {10, 40, 1}, {90, 45, 2}, {60, 0, 1}} {
		if got := Periods(tt.give, tt.pm); got != tt.want {
			t.Errorf("Periods(%d, %d) = %d, want %d", tt.give, tt.pm, got, tt.want)
		}
	}
}
