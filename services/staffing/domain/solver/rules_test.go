package solver

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/fault"
)

func TestQualified(t *testing.T) {
	tests := []struct {
		name  string
		give  Staff
		giveD Demand
		want  bool
	}{
		{"any teacher supervises", newTeacher("t"), homework("h", 0, "c1"), true},
		{"admin may not supervise homework", newAdmin("a"), homework("h", 0, "c1"), false},
		{"instructor qualified for the kind", newTeacher("t", qualifiedFor(ActivitySports)), club("k", 0, ActivitySports), true},
		{"instructor not qualified for the kind", newTeacher("t", qualifiedFor(ActivityArts)), club("k", 0, ActivitySports), false},
		{"admin patrols", newAdmin("a"), patrol("p", 0), true},
		{"outside instructor may not patrol", newInstructor("i", "inst"), patrol("p", 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := qualified(&tt.give, &tt.giveD); got != tt.want {
				t.Errorf("qualified() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOptedIn(t *testing.T) {
	tests := []struct {
		give Staff
		want bool
	}{
		{newTeacher("t"), true},
		{newTeacher("t", notOptedIn()), false},
	}
	for _, tt := range tests {
		if got := optedIn(&tt.give); got != tt.want {
			t.Errorf("optedIn(OptedIn=%v) = %v, want %v", tt.give.OptedIn, got, tt.want)
		}
	}
}

func TestAvailable(t *testing.T) {
	d := homework("h", 0, "c1") // Monday 15:30-16:30, homework
	tests := []struct {
		name string
		give []Slot
		want bool
	}{
		{"no slots means always", nil, true},
		{"whole Monday", []Slot{{Weekday: time.Monday}}, true},
		{"only Tuesday", []Slot{{Weekday: time.Tuesday}}, false},
		{"Monday homework segment", []Slot{{Weekday: time.Monday, Segment: SegmentHomework}}, true},
		{"Monday club segment only", []Slot{{Weekday: time.Monday, Segment: SegmentClub}}, false},
		{"window covers the session", []Slot{{Weekday: time.Monday, Window: Window{Clock(15, 0), Clock(17, 0)}}}, true},
		{"window ends too early", []Slot{{Weekday: time.Monday, Window: Window{Clock(15, 0), Clock(16, 0)}}}, false},
		{"window exactly the session", []Slot{{Weekday: time.Monday, Window: Window{Clock(15, 30), Clock(16, 30)}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTeacher("t", availableOn(tt.give...))
			if got := available(&s, &d); got != tt.want {
				t.Errorf("available() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInstitutionMatch(t *testing.T) {
	own := club("k", 0, ActivityArts, byInstitution("inst1"))
	tests := []struct {
		name  string
		give  Staff
		giveD Demand
		want  bool
	}{
		{"instructor on own institution's club", newInstructor("i", "inst1"), own, true},
		{"instructor on another institution's club", newInstructor("i", "inst2"), own, false},
		{"instructor on a school club", newInstructor("i", "inst1"), club("k", 0, ActivityArts), false},
		{"instructor as extra adult", newInstructor("i", "inst1"), Demand{Role: RoleExtraAdult}, false},
		{"teacher on an institution's club", newTeacher("t"), own, false},
		{"teacher on a school club", newTeacher("t"), club("k", 0, ActivityArts), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := institutionMatch(&tt.give, &tt.giveD); got != tt.want {
				t.Errorf("institutionMatch() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInstitutionApproved(t *testing.T) {
	ok := approvedInstitution("ok", ActivityArts)
	unapproved := approvedInstitution("unapproved", ActivityArts)
	unapproved.Approved = false
	expired := approvedInstitution("expired", ActivityArts)
	expired.LicenceUntil = mon.AddDays(-1)
	notYet := approvedInstitution("notyet", ActivityArts)
	notYet.LicenceFrom = mon.AddDays(1)
	lastDay := approvedInstitution("lastday", ActivityArts)
	lastDay.LicenceUntil = mon
	insts := institutionIndex([]Institution{ok, unapproved, expired, notYet, lastDay})
	tests := []struct {
		name string
		give Demand
		want error
	}{
		{"school club", club("k", 0, ActivityArts), nil},
		{"approved and valid", club("k", 0, ActivityArts, byInstitution("ok")), nil},
		{"licence valid through its last day", club("k", 0, ActivityArts, byInstitution("lastday")), nil},
		{"not approved", club("k", 0, ActivityArts, byInstitution("unapproved")), ErrInstitutionNotApproved},
		{"licence expired", club("k", 0, ActivityArts, byInstitution("expired")), ErrLicenceNotValid},
		{"licence not yet valid", club("k", 0, ActivityArts, byInstitution("notyet")), ErrLicenceNotValid},
		{"course kind not approved", club("k", 0, ActivitySports, byInstitution("ok")), ErrCourseNotApproved},
		{"unknown institution", club("k", 0, ActivityArts, byInstitution("ghost")), ErrInstitutionNotApproved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := institutionApproved(insts, &tt.give)
			if (tt.want == nil) != (got == nil) || (tt.want != nil && !errors.Is(got, tt.want)) {
				t.Errorf("institutionApproved() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOverlaps(t *testing.T) {
	tests := []struct {
		name       string
		give, with Demand
		want       bool
	}{
		{"same time same day", homework("a", 0, "c1"), patrol("b", 0), true},
		{"same time other day", homework("a", 0, "c1"), patrol("b", 1), false},
		{"partly overlapping", homework("a", 0, "c1"), patrol("b", 0, at(Clock(16, 0), Clock(17, 0))), true},
		{"back to back", homework("a", 0, "c1"), patrol("b", 0, at(Clock(16, 30), Clock(17, 30))), false},
		{"inside", homework("a", 0, "c1"), patrol("b", 0, at(Clock(15, 45), Clock(16, 0))), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.give, tt.with
			if got := overlaps(a.Date, a.Start, a.End, b.Date, b.Start, b.End); got != tt.want {
				t.Errorf("overlaps() = %v, want %v", got, tt.want)
			}
			if got := overlaps(b.Date, b.Start, b.End, a.Date, a.Start, a.End); got != tt.want {
				t.Errorf("overlaps() reversed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLimitRules(t *testing.T) {
	l := Limits{MaxPeriodsPerWeek: 5, MaxDaysPerWeek: 3, MaxPeriodsPerDay: 2}
	tests := []struct {
		name string
		give func(Limits, int) bool
		n    int
		want bool
	}{
		{"weekly at limit", withinWeeklyPeriods, 5, true},
		{"weekly over limit", withinWeeklyPeriods, 6, false},
		{"daily at limit", withinDailyPeriods, 2, true},
		{"daily over limit", withinDailyPeriods, 3, false},
		{"days at limit", withinDaysPerWeek, 3, true},
		{"days over limit", withinDaysPerWeek, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give(l, tt.n); got != tt.want {
				t.Errorf("rule(%d) = %v, want %v", tt.n, got, tt.want)
			}
			if !tt.give(Limits{}, 100) {
				t.Errorf("zero limit must mean no limit")
			}
		})
	}
}

func TestRatioMet(t *testing.T) {
	d := Demand{Count: 2}
	tests := []struct {
		give int
		want int
	}{{1, -1}, {2, 0}, {3, 1}}
	for _, tt := range tests {
		if got := ratioMet(&d, tt.give); got != tt.want {
			t.Errorf("ratioMet(%d of 2) = %d, want %d", tt.give, got, tt.want)
		}
	}
}

func TestAdultsNeeded(t *testing.T) {
	tests := []struct {
		students, ratio int
		want            int
		wantErr         []fault.Violation
	}{
		{0, 30, 0, nil},
		{30, 30, 1, nil},
		{31, 30, 2, nil},
		{95, 30, 4, nil},
		{10, 0, 0, []fault.Violation{{Field: "ratio", Reason: "must be positive"}}},
		{-1, 30, 0, []fault.Violation{{Field: "students", Reason: "must not be negative"}}},
	}
	for _, tt := range tests {
		got, err := AdultsNeeded(tt.students, tt.ratio)
		if got != tt.want {
			t.Errorf("AdultsNeeded(%d, %d) = %d, want %d", tt.students, tt.ratio, got, tt.want)
		}
		var gotErr []fault.Violation
		var ve *fault.ValidationError
		if errors.As(err, &ve) {
			gotErr = ve.Violations
		}
		if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
			t.Errorf("AdultsNeeded(%d, %d) error (-want +got):\n%s", tt.students, tt.ratio, diff)
		}
	}
}

func TestSoftCost(t *testing.T) {
	prev := newPreviousIndex([]PreviousAssignment{
		{StaffID: "t1", Role: RoleSupervisor, ClassID: "c1", Weekday: time.Monday},
		{StaffID: "t9", Role: RoleInstructor, ClubID: "club-k", Weekday: time.Monday},
	})
	tests := []struct {
		name  string
		give  Staff
		giveD Demand
		want  int
	}{
		{"class teacher who had it last week", newTeacher("t1", classTeacherOf("c1")), homework("h", 0, "c1"), 0},
		{"subject teacher, continuity broken", newTeacher("t2", teaches("c1")), homework("h", 0, "c1"), WeightSubjectTeacher + WeightContinuity},
		{"other teacher, continuity broken", newTeacher("t3"), homework("h", 0, "c1"), WeightOtherTeacher + WeightContinuity},
		{"no history on Tuesday", newTeacher("t3"), homework("h", 1, "c1"), WeightOtherTeacher},
		{"club continuity kept", newTeacher("t9"), club("k", 0, ActivityArts), 0},
		{"club continuity broken", newTeacher("t8"), club("k", 0, ActivityArts), WeightContinuity},
		{"weekday preference unmet", newTeacher("t4", func(s *Staff) { s.Preferences.Weekdays = []time.Weekday{time.Friday} }),
			patrol("p", 0), WeightPreference},
		{"weekday preference met", newTeacher("t4", func(s *Staff) { s.Preferences.Weekdays = []time.Weekday{time.Monday} }),
			patrol("p", 0), 0},
		{"segment preference unmet", newTeacher("t5", func(s *Staff) { s.Preferences.Segments = []Segment{SegmentClub} }),
			patrol("p", 0), WeightPreference},
		{"class preference unmet", newTeacher("t6", classTeacherOf("c2"), func(s *Staff) { s.Preferences.Classes = []string{"c2"} }),
			homework("h", 1, "c1"), WeightOtherTeacher + WeightPreference},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := softCost(&tt.give, &tt.giveD, prev); got != tt.want {
				t.Errorf("softCost() = %d, want %d", got, tt.want)
			}
		})
	}
}
