package app

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/facts"
	"github.com/kehou/kehou/services/staffing/domain/solver"
	"github.com/kehou/kehou/services/staffing/domain/staff"
	"github.com/kehou/kehou/services/staffing/store"
	"github.com/shopspring/decimal"
)

// TestGridFactsMakeTheSameProblem: the grid's narrow read (GridFacts: only
// the columns the solver uses, opt-in for the plan's term only, whether an
// institution serves this school) gives the same week, absences and
// solver problem as the full reads (LoadWeek, ListMembers,
// ListInstitutions, Absences) — with people opted in for another term,
// profiles with availability and preferences, and institutions serving
// another school or offering a kind twice.
func TestGridFactsMakeTheSameProblem(t *testing.T) {
	ctx := context.Background()
	st := store.New(pgtest.Pool(t))
	const district, school, other, term = "350401", "sch_grid", "sch_other", "term_autumn"
	week := civil.New(2026, 9, 7)

	inst := func(id string, approved bool, kinds ...string) {
		in := staff.Institution{DistrictID: district, ID: id, Name: id, LicenceNo: "JY-" + id, Approved: approved,
			ValidFrom: civil.New(2024, 1, 1), ValidUntil: civil.New(2030, 12, 31)}
		for i, k := range kinds {
			in.Courses = append(in.Courses, staff.Course{ID: id + "-c" + string(rune('a'+i)), Name: k, ActivityKind: k, PricePerPeriod: decimal.NewFromInt(30)})
		}
		if _, err := st.CreateInstitution(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	inst("ins_sports", true, "sports", "arts", "sports")
	inst("ins_elsewhere", true, "science")
	inst("ins_unapproved", false, "arts")
	for _, x := range []struct{ ins, school string }{{"ins_sports", school}, {"ins_elsewhere", other}, {"ins_unapproved", school}} {
		if err := st.AddInstitutionSchool(ctx, district, x.ins, x.school); err != nil {
			t.Fatal(err)
		}
	}
	member := func(m staff.Member, terms ...string) {
		m.DistrictID, m.SchoolID, m.Name = district, school, "老师"+m.ID
		if _, err := st.CreateMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		for _, tm := range terms {
			if err := st.SetParticipation(ctx, district, school, m.ID, tm, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	member(staff.Member{ID: "stf_a", Kind: staff.KindTeacher, ClassTeacherOf: "c1", ClassesTaught: []string{"c1"}, Subjects: []string{"语文"},
		IDCardNumber: "350402198506123018", Number: "T001"}, term, "term_spring")
	member(staff.Member{ID: "stf_b", Kind: staff.KindTeacher, ClassesTaught: []string{"c2"}, Qualifications: []string{"arts"},
		Availability: []staff.Slot{{Weekday: 1}, {Weekday: 3, Segment: "homework", Start: 900, End: 1020}},
		Preferences:  staff.Preferences{Weekdays: []int{1}, Segments: []string{"homework"}, Classes: []string{"c2"}},
		Limits:       staff.Limits{MaxPeriodsPerWeek: 6, MaxDaysPerWeek: 3, MaxPeriodsPerDay: 2}}, "term_spring")
	member(staff.Member{ID: "stf_c", Kind: staff.KindAdmin})
	member(staff.Member{ID: "stf_d", Kind: staff.KindOutsideInstructor, InstitutionID: "ins_sports", Qualifications: []string{"sports"}}, term)

	dem := func(id string, day int, role solver.Role, class string) demand.Demand {
		return demand.Demand{Demand: solver.Demand{ID: id, Date: week.AddDays(day), Segment: solver.SegmentHomework, Start: solver.Clock(16, 0),
			End: solver.Clock(16, 40), Periods: 1, Role: role, ClassID: class, Count: 1}, OccurrenceID: "occ-" + id, Students: 40, PeriodMinutes: 40}
	}
	w := demand.Week{DistrictID: district, SchoolID: school, TermID: term, WeekStart: week, Seed: 7,
		Demands: []demand.Demand{dem("d1", 0, solver.RoleSupervisor, "c1"), dem("d2", 0, solver.RoleSupervisor, "c2"), dem("d3", 2, solver.RolePatrol, "")},
		Assignments: []demand.Assignment{{ID: "asg_1", DemandID: "d1", StaffID: "stf_a", Source: demand.SourceSolver},
			{ID: "asg_2", DemandID: "d3", StaffID: "stf_c", Locked: true, Source: demand.SourceManual}},
		Uncovered: []solver.Uncovered{{DemandID: "d2", Missing: 1, Reason: solver.ReasonNotOptedIn, Detail: "stored"}}}
	if err := st.SaveWeek(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveAbsence(ctx, district, school, demand.Absence{ID: "abs_1", StaffID: "stf_a", From: week.AddDays(2), To: week.AddDays(3), Reason: "病假"}, nil); err != nil {
		t.Fatal(err)
	}

	gw, gms, gins, gabs, err := st.GridFacts(ctx, district, school, week)
	if err != nil {
		t.Fatal(err)
	}
	fw, err := st.LoadWeek(ctx, district, school, week)
	if err != nil {
		t.Fatal(err)
	}
	fms, err := st.ListMembers(ctx, district, school, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	fins, err := st.ListInstitutions(ctx, district, nil)
	if err != nil {
		t.Fatal(err)
	}
	fabs, err := st.Absences(ctx, district, school, week, week.AddDays(6))
	if err != nil {
		t.Fatal(err)
	}
	// The stored reasons are not read: the grid explains the plan anew.
	if gw.Uncovered != nil {
		t.Errorf("GridFacts read the stored reasons %v, want none", gw.Uncovered)
	}
	if diff := cmp.Diff(fw, gw, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(demand.Week{}, "Uncovered")); diff != "" {
		t.Errorf("week (-LoadWeek +GridFacts):\n%s", diff)
	}
	if diff := cmp.Diff(fabs, gabs, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("absences (-Absences +GridFacts):\n%s", diff)
	}
	sc := facts.School{ID: school, DistrictID: district}
	want := problemOf(sc, fw.TermID, fw.Demands, fms, fins)
	got := problemOf(sc, gw.TermID, gw.Demands, gms, gins)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("problem (-full reads +GridFacts):\n%s", diff)
	}
	// The case is not trivial: some people are not opted in for the
	// plan's term, some institutions do not count as approved here.
	opted := map[string]bool{}
	for _, s := range got.Staff {
		opted[s.ID] = s.OptedIn
	}
	approved := map[string]bool{}
	for _, in := range got.Institutions {
		approved[in.ID] = in.Approved
	}
	if wantOpted := map[string]bool{"stf_a": true, "stf_b": false, "stf_c": false, "stf_d": true}; !cmp.Equal(wantOpted, opted) {
		t.Errorf("opted in = %v, want %v", opted, wantOpted)
	}
	if wantApproved := map[string]bool{"ins_sports": true, "ins_elsewhere": false, "ins_unapproved": false}; !cmp.Equal(wantApproved, approved) {
		t.Errorf("approved here = %v, want %v", approved, wantApproved)
	}
}
