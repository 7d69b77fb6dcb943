package school

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/org"
)

// fields returns the field paths of a validation error (nil for none).
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *fault.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a validation error", err)
	}
	var out []string
	for _, v := range ve.Violations {
		out = append(out, v.Field)
	}
	return out
}

func TestTermFieldNamesTheContract(t *testing.T) {
	tests := []struct{ give, want string }{
		{"term.end", "end_date"},
		{"term.start", "start_date"},
		{"swaps[2].follows", "swaps[2].follows_weekday"},
		{"holidays[0].date", "holidays[0].date"},
		{"term.weekdays[1]", "weekdays[1]"},
	}
	for _, tt := range tests {
		if got := TermField(tt.give); got != tt.want {
			t.Errorf("TermField(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
	term := Term{Calendar: calendar.Term{SchoolID: "s", Name: "x", Start: civil.New(2026, time.September, 10), End: civil.New(2026, time.September, 1)}}
	if diff := cmp.Diff([]string{"term.end_date"}, fields(t, term.Validate())); diff != "" {
		t.Errorf("Validate fields (-want +got):\n%s", diff)
	}
}

func TestItemValidate(t *testing.T) {
	mon := Window{Weekday: calendar.Monday, Start: calendar.Clock(15, 30), End: calendar.Clock(17, 30)}
	tests := []struct {
		name  string
		give  Item
		stage org.Stage
		want  []string
	}{
		{"basic care", Item{Kind: ItemBasicCare, Name: "托管", Segment: 1, Windows: []Window{mon}}, org.StagePrimary, nil},
		{"evening study in primary", Item{Kind: ItemEveningStudy, Name: "晚自习", Segment: 3, Windows: []Window{mon}}, org.StagePrimary, []string{"item.kind"}},
		{"evening study in junior middle", Item{Kind: ItemEveningStudy, Name: "晚自习", Segment: 3, Windows: []Window{mon}}, org.StageJuniorMiddle, nil},
		{"end before start", Item{Kind: ItemLunchCare, Name: "午托", Segment: 1, Windows: []Window{{Weekday: 1, Start: calendar.Clock(13, 0), End: calendar.Clock(12, 0)}}},
			org.StagePrimary, []string{"item.windows[0].end"}},
		{"two windows on Monday", Item{Kind: ItemBasicCare, Name: "托管", Segment: 1, Windows: []Window{mon, mon}}, org.StagePrimary, []string{"item.windows[1].weekday"}},
		{"basic care on Saturday", Item{Kind: ItemBasicCare, Name: "托管", Segment: 1, Windows: []Window{{Weekday: calendar.Saturday, Start: mon.Start, End: mon.End}}},
			org.StagePrimary, []string{"item.windows[0].weekday"}},
		{"nine-year evening study without grades", Item{Kind: ItemEveningStudy, Name: "晚自习", Segment: 3, Windows: []Window{mon}}, org.StageNineYear, []string{"item.grades"}},
		{"nine-year evening study for grade 5", Item{Kind: ItemEveningStudy, Name: "晚自习", Segment: 3, Windows: []Window{mon}, Grades: []int{7, 5}},
			org.StageNineYear, []string{"item.grades[1]"}},
		{"nine-year evening study for 7 to 9", Item{Kind: ItemEveningStudy, Name: "晚自习", Segment: 3, Windows: []Window{mon}, Grades: []int{7, 8, 9}},
			org.StageNineYear, nil},
		{"grade not taught", Item{Kind: ItemBasicCare, Name: "托管", Segment: 1, Windows: []Window{mon}, Grades: []int{8}}, org.StagePrimary, []string{"item.grades[0]"}},
		// 低年级早放学: grades 1–2 end at 17:00, grades 3–6 at 17:30, in one item.
		{"per-grade windows", Item{Kind: ItemBasicCare, Name: "托管", Segment: 1, Windows: []Window{
			{Weekday: 1, Start: mon.Start, End: calendar.Clock(17, 0), Grades: []int{1, 2}}, {Weekday: 1, Start: mon.Start, End: mon.End, Grades: []int{3, 4, 5, 6}}}},
			org.StagePrimary, nil},
		{"per-grade windows sharing a grade", Item{Kind: ItemBasicCare, Name: "托管", Segment: 1, Windows: []Window{
			{Weekday: 1, Start: mon.Start, End: calendar.Clock(17, 0), Grades: []int{1, 2}}, {Weekday: 1, Start: mon.Start, End: mon.End, Grades: []int{2, 3}}}},
			org.StagePrimary, []string{"item.windows[1].grades"}},
		{"a per-grade window beside an all-grade one", Item{Kind: ItemBasicCare, Name: "托管", Segment: 1, Windows: []Window{
			mon, {Weekday: 1, Start: mon.Start, End: mon.End, Grades: []int{3}}}},
			org.StagePrimary, []string{"item.windows[1].weekday"}},
		{"a window for a grade the item does not serve", Item{Kind: ItemBasicCare, Name: "托管", Segment: 1, Grades: []int{3, 4}, Windows: []Window{
			{Weekday: 1, Start: mon.Start, End: mon.End, Grades: []int{2}}}},
			org.StagePrimary, []string{"item.windows[0].grades[0]"}},
		{"weekend care on Saturday", Item{Kind: ItemWeekendCare, Name: "周末", Segment: 1, Windows: []Window{{Weekday: calendar.Saturday, Start: mon.Start, End: mon.End}}},
			org.StagePrimary, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, fields(t, tt.give.Validate(tt.stage))); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClubValidate(t *testing.T) {
	rooms := []Room{{ID: "r1", Kind: RoomGym, Capacity: 60}, {ID: "r2", Kind: RoomClassroom, Capacity: 45}}
	ok := Club{Name: "篮球", Activity: "sports", Provider: ProviderSchool, Capacity: 40, Grades: []int{3, 4}, RoomKind: RoomGym, MeetingsPerWeek: 2}
	tests := []struct {
		name string
		give func(c *Club)
		want []string
	}{
		{"fits", func(*Club) {}, nil},
		{"room kind missing", func(c *Club) { c.RoomKind = RoomLab }, []string{"club.room_kind"}},
		{"no room big enough", func(c *Club) { c.Capacity = 70 }, []string{"club.capacity"}},
		{"grade not taught", func(c *Club) { c.Grades = []int{3, 8} }, []string{"club.grades[1]"}},
		{"institution without id", func(c *Club) { c.Provider = ProviderInstitution }, []string{"club.institution_id"}},
		{"school club with institution id", func(c *Club) { c.InstitutionID = "inst" }, []string{"club.institution_id"}},
		{"unknown activity, no grade, no meetings", func(c *Club) { c.Activity, c.Grades, c.MeetingsPerWeek = "chess", nil, 0 },
			[]string{"club.activity_kind", "club.grades", "club.meetings_per_week"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.give(&c)
			if diff := cmp.Diff(tt.want, fields(t, c.Validate(org.StagePrimary, rooms))); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnrolmentLifecycle(t *testing.T) {
	term := Term{Calendar: calendar.Term{Start: civil.New(2026, time.September, 1), End: civil.New(2027, time.January, 20)}}
	start := civil.New(2026, time.September, 14)
	e := Enrolment{ID: "e", Start: start, Status: EnrolmentPending}
	if err := e.Withdraw(term, start.AddDays(5)); !errors.Is(err, fault.ErrFailedPrecondition) {
		t.Errorf("withdrawing a pending sign-up: %v, want a failed precondition", err)
	}
	if err := e.Approve(false); err != nil || e.Status != EnrolmentApproved {
		t.Fatalf("approve: %v, status %s", err, e.Status)
	}
	if err := e.Approve(false); !errors.Is(err, fault.ErrFailedPrecondition) {
		t.Errorf("second approval: %v", err)
	}
	if diff := cmp.Diff([]string{"end_date"}, fields(t, e.Withdraw(term, start.AddDays(-1)))); diff != "" {
		t.Errorf("withdrawal before the start (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"end_date"}, fields(t, e.Withdraw(term, term.Calendar.End.AddDays(1)))); diff != "" {
		t.Errorf("withdrawal after the term (-want +got):\n%s", diff)
	}
	if err := e.Withdraw(term, start); err != nil || e.Status != EnrolmentWithdrawn || *e.End != start {
		t.Errorf("withdraw on the first day: %v, %+v", err, e)
	}
	if diff := cmp.Diff([]string{"enrolment.start_date"}, fields(t, CheckStart(term, term.Calendar.Start.AddDays(-1)))); diff != "" {
		t.Errorf("start before the term (-want +got):\n%s", diff)
	}
}

// TestSessionsPerGradeWindows: one basic-care item ending at 16:30 for grade 1 and at 17:00 for
// grade 3 gives each class its own grade's window.
func TestSessionsPerGradeWindows(t *testing.T) {
	items := []Item{{ID: "basic", Kind: ItemBasicCare, Segment: 1, Windows: []Window{
		{Weekday: 1, Start: 930, End: 990, Grades: []int{1}}, {Weekday: 1, Start: 930, End: 1020, Grades: []int{3}}}}}
	classes := []Class{{ID: "c1", Grade: 1, HomeRoomID: "r1"}, {ID: "c3", Grade: 3, HomeRoomID: "r3"}, {ID: "c2", Grade: 2, HomeRoomID: "r2"}}
	got := Sessions(items, classes, nil)
	want := []calendar.Session{
		{Weekday: 1, ClassID: "c1", ItemID: "basic", Segment: 1, Start: 930, End: 990, RoomID: "r1"},
		{Weekday: 1, ClassID: "c3", ItemID: "basic", Segment: 1, Start: 930, End: 1020, RoomID: "r3"},
		// Grade 2 has no window on Monday: no session.
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sessions (-want +got):\n%s", diff)
	}
}

func TestSessionsMultiplyItemsAndPlacements(t *testing.T) {
	items := []Item{
		{ID: "basic", Kind: ItemBasicCare, Segment: 1, Windows: []Window{{Weekday: 1, Start: 930, End: 990}, {Weekday: 2, Start: 930, End: 990}}},
		{ID: "clubs", Kind: ItemEnrichment, Segment: 2, Windows: []Window{{Weekday: 1, Start: 990, End: 1050}}},
	}
	classes := []Class{{ID: "c1", HomeRoomID: "r1"}, {ID: "c2", HomeRoomID: "r2"}}
	placements := []Placement{{ClubID: "k1", Weekday: 1, Segment: 2, RoomID: "gym"}, {ClubID: "k2", Weekday: 2, Segment: 2, RoomID: "gym"}}
	got := Sessions(items, classes, placements)
	want := []calendar.Session{
		{Weekday: 1, ClassID: "c1", ItemID: "basic", Segment: 1, Start: 930, End: 990, RoomID: "r1"},
		{Weekday: 2, ClassID: "c1", ItemID: "basic", Segment: 1, Start: 930, End: 990, RoomID: "r1"},
		{Weekday: 1, ClassID: "c2", ItemID: "basic", Segment: 1, Start: 930, End: 990, RoomID: "r2"},
		{Weekday: 2, ClassID: "c2", ItemID: "basic", Segment: 1, Start: 930, End: 990, RoomID: "r2"},
		// k2 is placed on Tuesday, when the enrichment item has no window: no session.
		{Weekday: 1, ClubID: "k1", ItemID: "clubs", Segment: 2, Start: 990, End: 1050, RoomID: "gym"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sessions (-want +got):\n%s", diff)
	}
}
