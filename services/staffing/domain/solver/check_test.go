package solver

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kehou/kehou/services/platform/civil"
)

func checkProblem() Problem {
	expired := approvedInstitution("old", ActivityArts)
	expired.LicenceUntil = mon.AddDays(-1)
	return Problem{
		Institutions: []Institution{approvedInstitution("inst1", ActivityArts), expired},
		Staff: []Staff{
			newTeacher("t1", qualifiedFor(ActivityArts), limits(Limits{MaxPeriodsPerWeek: 2, MaxDaysPerWeek: 1, MaxPeriodsPerDay: 1})),
			newTeacher("t2", notOptedIn()),
			newTeacher("t3", availableOn(Slot{Weekday: time.Tuesday})),
			newAdmin("a1"),
			newTeacher("t4"),
			newInstructor("i1", "inst1", qualifiedFor(ActivityArts)),
			newInstructor("i2", "old", qualifiedFor(ActivityArts)),
		},
		Demands: []Demand{
			homework("h1", 0, "c1"),
			patrol("p1", 0),
			club("k1", 0, ActivityArts),
			club("k2", 0, ActivityArts, byInstitution("inst1")),
			club("k3", 0, ActivityArts, byInstitution("old")),
			homework("h2", 1, "c1"),
			patrol("x2", 1, count(2), at(Clock(17, 45), Clock(18, 30))),
		},
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		give []Assignment
		want []Violation
	}{
		{"valid plan", assign("h1", "t1", "p1", "a1", "k2", "i1", "h2", "t3", "x2", "a1", "x2", "t3"),
			[]Violation{{Rule: RuleRatio, DemandID: "k1"}, {Rule: RuleRatio, DemandID: "k3"}}},
		{"not opted in", assign("h1", "t2"), []Violation{{Rule: RuleOptedIn, DemandID: "h1", StaffID: "t2"}}},
		{"admin may not supervise", assign("h1", "a1"), []Violation{{Rule: RuleQualified, DemandID: "h1", StaffID: "a1"}}},
		{"unavailable on Monday", assign("h1", "t3"), []Violation{{Rule: RuleAvailable, DemandID: "h1", StaffID: "t3"}}},
		{"two places at once", assign("h1", "t4", "p1", "t4"),
			[]Violation{{Rule: RuleNoOverlap, DemandID: "h1", StaffID: "t4", OtherDemandID: "p1"}}},
		{"daily limit", assign("h1", "t1", "k1", "t1"), []Violation{{Rule: RuleDailyPeriods, DemandID: "k1", StaffID: "t1"}}},
		{"days per week limit", assign("h1", "t1", "h2", "t1"), []Violation{{Rule: RuleDaysPerWeek, DemandID: "h2", StaffID: "t1"}}},
		{"teacher on an institution club", assign("k2", "t1"), []Violation{{Rule: RuleInstitutionMatch, DemandID: "k2", StaffID: "t1"}}},
		{"instructor on a school club", assign("k1", "i1"), []Violation{{Rule: RuleInstitutionMatch, DemandID: "k1", StaffID: "i1"}}},
		{"expired institution", assign("k3", "i2"), []Violation{{Rule: RuleInstitutionApproved, DemandID: "k3", StaffID: "i2"}}},
		{"over assigned and duplicate", assign("p1", "a1", "p1", "a1", "p1", "t1"), []Violation{
			{Rule: RuleOverAssigned, DemandID: "p1"},
			{Rule: RuleDuplicate, DemandID: "p1", StaffID: "a1", OtherDemandID: "p1"},
		}},
		{"unknown reference", assign("h1", "ghost"), []Violation{
			{Rule: RuleRatio, DemandID: "h1"},
			{Rule: RuleUnknownReference, DemandID: "h1", StaffID: "ghost"},
		}},
	}
	p := checkProblem()
	// Ratio shortfalls of demands a case does not touch are noise here.
	touched := func(as []Assignment) map[string]bool {
		m := map[string]bool{}
		for _, a := range as {
			m[a.DemandID] = true
		}
		return m
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Violation
			all := len(tt.give) > 4
			for _, v := range Check(p, tt.give) {
				if v.Rule == RuleRatio && !all && !touched(tt.give)[v.DemandID] {
					continue
				}
				got = append(got, v)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Violation{}, "Detail")); diff != "" {
				t.Errorf("Check() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckWeeklyLimitCountsPerISOWeek(t *testing.T) {
	p := Problem{
		Staff: []Staff{newTeacher("t1", limits(Limits{MaxPeriodsPerWeek: 1}))},
		Demands: []Demand{
			homework("h1", 0, "c1"), homework("h2", 1, "c1"), homework("h3", 7, "c1"),
		},
	}
	tests := []struct {
		name string
		give []Assignment
		want []Violation
	}{
		{"one a week", assign("h1", "t1", "h3", "t1"), []Violation{{Rule: RuleRatio, DemandID: "h2"}}},
		{"two in one week", assign("h1", "t1", "h2", "t1", "h3", "t1"), []Violation{{Rule: RuleWeeklyPeriods, DemandID: "h2", StaffID: "t1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Check(p, tt.give), cmpopts.IgnoreFields(Violation{}, "Detail")); diff != "" {
				t.Errorf("Check() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	p := Problem{
		Staff: []Staff{
			newTeacher("t1", classTeacherOf("c1")), newTeacher("t2"), newTeacher("t3", limits(Limits{MaxPeriodsPerWeek: 1})),
			newTeacher("t4", notOptedIn()),
		},
		Demands: []Demand{homework("h1", 0, "c1"), homework("h2", 1, "c1"), homework("h3", 2, "c1"), patrol("p4", 3), patrol("p5", 4)},
	}
	got, err := Evaluate(p, assign("h1", "t1", "h2", "t1", "h3", "t2", "p4", "t1", "p5", "t3"))
	if err != nil {
		t.Fatal(err)
	}
	// Group (teacher, no cap) = t1 with 3 periods, t2 with 1: mean 2,
	// unfairness (3-2)² + (1-2)² = 2, spread 2. Group (teacher, cap 1) = t3.
	// t4 did not opt in and is not compared.
	want := Metrics{
		Needed: 5, Covered: 5, Spread: 2, Unfairness: 2,
		SoftPenalty: WeightOtherTeacher,
		Score:       WeightOtherTeacher + WeightFairness*2,
		Groups: []GroupLoad{
			{Kind: KindTeacher, MaxPeriodsPerWeek: 0, Staff: 2, Min: 1, Max: 3, Mean: 2, Unfairness: 2},
			{Kind: KindTeacher, MaxPeriodsPerWeek: 1, Staff: 1, Min: 1, Max: 1, Mean: 1},
		},
		Loads: []Load{{"t1", 3, 3}, {"t2", 1, 1}, {"t3", 1, 1}, {"t4", 0, 0}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Evaluate() (-want +got):\n%s", diff)
	}
}

func TestConflicts(t *testing.T) {
	mk := func(id string, day int, start, end TimeOfDay) Booking {
		return Booking{DemandID: id, StaffID: "t1", Date: mon.AddDays(day), Start: start, End: end, Periods: 1}
	}
	existing := []Booking{
		mk("h1", 0, Clock(15, 30), Clock(16, 30)),
		mk("k1", 0, Clock(16, 40), Clock(17, 40)),
		mk("h2", 1, Clock(15, 30), Clock(16, 30)),
		mk("h9", 7, Clock(15, 30), Clock(16, 30)), // next week
		{DemandID: "x1", StaffID: "other", Date: mon, Start: Clock(17, 0), End: Clock(18, 0), Periods: 1},
	}
	tests := []struct {
		name   string
		give   Booking
		limits Limits
		want   []Violation
	}{
		{"free slot", mk("e1", 0, Clock(17, 45), Clock(18, 30)), Limits{}, nil},
		{"overlap", mk("p1", 0, Clock(16, 0), Clock(17, 0)), Limits{}, []Violation{
			{Rule: RuleNoOverlap, DemandID: "p1", StaffID: "t1", OtherDemandID: "h1"},
			{Rule: RuleNoOverlap, DemandID: "p1", StaffID: "t1", OtherDemandID: "k1"},
		}},
		{"same demand again", mk("h2", 1, Clock(15, 30), Clock(16, 30)), Limits{}, []Violation{
			{Rule: RuleDuplicate, DemandID: "h2", StaffID: "t1", OtherDemandID: "h2"},
		}},
		{"daily limit", mk("e1", 0, Clock(17, 45), Clock(18, 30)), Limits{MaxPeriodsPerDay: 2}, []Violation{
			{Rule: RuleDailyPeriods, DemandID: "e1", StaffID: "t1"},
		}},
		{"weekly limit ignores next week", mk("e3", 2, Clock(17, 45), Clock(18, 30)), Limits{MaxPeriodsPerWeek: 4, MaxDaysPerWeek: 3}, nil},
		{"weekly and days limit", mk("e3", 2, Clock(17, 45), Clock(18, 30)), Limits{MaxPeriodsPerWeek: 3, MaxDaysPerWeek: 2}, []Violation{
			{Rule: RuleDaysPerWeek, DemandID: "e3", StaffID: "t1"},
			{Rule: RuleWeeklyPeriods, DemandID: "e3", StaffID: "t1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Conflicts(existing, tt.give, tt.limits)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Violation{}, "Detail")); diff != "" {
				t.Errorf("Conflicts() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckInstitutionForService(t *testing.T) {
	in := approvedInstitution("inst1", ActivityArts)
	in.LicenceUntil = civil.New(2025, time.March, 4)
	if err := CheckInstitution(in, civil.New(2025, time.March, 5), ActivityArts); err == nil {
		t.Fatal("CheckInstitution after the licence ended = nil, want an error")
	} else if got, want := err.Error(), "institution inst1 on 2025-03-05: institution licence not valid on the date"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}
