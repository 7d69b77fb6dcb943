package planner

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

func TestPlanGeneratedSchool(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		in, planted := generate(seed, 60, 40, 15)
		if !planted {
			t.Fatalf("seed %d: generator did not plant every club", seed)
		}
		if got := len(in.Rooms) - len(in.Classes); got != 15 {
			t.Fatalf("shared rooms = %d, want 15", got)
		}
		p, err := Plan(in, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if clashes := Validate(in, p); len(clashes) > 0 {
			t.Fatalf("seed %d: clashes %v", seed, clashes)
		}
		if !p.Complete() {
			t.Errorf("seed %d: unplaced %v", seed, p.Unplaced)
		}
		want := 0
		for _, c := range in.Clubs {
			want += c.MeetingsPerWeek
		}
		if len(p.Placements) != want || len(p.Care) != 60*5 {
			t.Errorf("seed %d: %d placements, %d care sessions; want %d and %d", seed, len(p.Placements), len(p.Care), want, 60*5)
		}
	}
}

func TestPlanSameSeedSamePlan(t *testing.T) {
	in := Generate(7, 60, 40, 15)
	a, err := Plan(in, Options{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, err := Plan(in, Options{Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Fatalf("same seed, different plan (-want +got):\n%s", diff)
		}
	}
	if diff := cmp.Diff(Generate(7, 60, 40, 15), in); diff != "" {
		t.Errorf("Generate is not deterministic or Plan changed its input (-want +got):\n%s", diff)
	}
	// The seed must matter, or it is not a seed.
	c, err := Plan(in, Options{Seed: 43})
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a.Placements, c.Placements) {
		t.Errorf("seeds 42 and 43 gave the same placements")
	}
}

// TestPlanRepair checks the repair search on tight planted schools: every
// one is solvable, and greedy placement alone fails on some.
func TestPlanRepair(t *testing.T) {
	repaired := 0
	for seed := uint64(1); seed <= 120; seed++ {
		in := tight(seed, 10, 1.0)
		p, err := Plan(in, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if clashes := Validate(in, p); len(clashes) > 0 {
			t.Fatalf("seed %d: clashes %v", seed, clashes)
		}
		if !p.Complete() {
			t.Errorf("seed %d: solvable school left unplaced %v after %d iterations", seed, p.Unplaced, p.Iterations)
		}
		if p.Iterations > 0 {
			repaired++
		}
	}
	if repaired == 0 {
		t.Errorf("no instance needed the repair search; the test does not exercise it")
	}
}

// overfull is a generated school plus 30 gym clubs meeting three times a
// week: 90 more gym meetings than any school's gyms can take.
func overfull() Input {
	in := Generate(3, 60, 40, 15)
	for i := range 30 {
		in.Clubs = append(in.Clubs, Club{ID: fmt.Sprintf("extra-%02d", i), Provider: ProviderOutside,
			Capacity: 50, Grades: []int{4, 5}, RoomKind: RoomGym, MeetingsPerWeek: 3})
	}
	return in
}

func TestPlanOverfull(t *testing.T) {
	in := overfull()
	// The answer is bounded by the iteration budget (checked below), not
	// by a clock; BenchmarkPlanOverfull measures the time.
	p, err := Plan(in, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if clashes := Validate(in, p); len(clashes) > 0 {
		t.Fatalf("clashes %v", clashes)
	}
	if p.Complete() || p.Iterations == 0 || p.Iterations > DefaultMaxIterations {
		t.Fatalf("complete = %v after %d iterations, want unplaced clubs within the budget", p.Complete(), p.Iterations)
	}
	gymCells := 0
	for _, r := range in.Rooms {
		if r.Kind == RoomGym && r.Capacity >= 50 {
			gymCells += 5
		}
	}
	missing := 0
	for _, u := range p.Unplaced {
		if u.Reason != ReasonRoomsTaken {
			t.Errorf("%s: reason %s (%s), want rooms_taken", u.ClubID, u.Reason, u.Detail)
		}
		missing += u.Missing
	}
	if missing < 90-gymCells {
		t.Errorf("missing meetings = %d, but only %d gym cells exist for 90 extra meetings", missing, gymCells)
	}
	t.Logf("over-full: %d unplaced clubs, %d missing meetings, %d iterations", len(p.Unplaced), missing, p.Iterations)
}

func smallSchool() Input {
	return Input{
		Weekdays: []calendar.Weekday{calendar.Monday, calendar.Tuesday},
		Segments: []Segment{
			{Index: 1, Kind: SegmentHomework, Start: calendar.Clock(15, 30), End: calendar.Clock(16, 30)},
			{Index: 2, Kind: SegmentClub, Start: calendar.Clock(16, 40), End: calendar.Clock(17, 40)},
		},
		Classes: []Class{{ID: "c1", Grade: 3, Size: 35, HomeRoom: "home1"}},
		Rooms: []Room{
			{ID: "home1", Kind: RoomClassroom, Capacity: 40},
			{ID: "gym1", Kind: RoomGym, Capacity: 60},
			{ID: "gym2", Kind: RoomGym, Capacity: 60},
			{ID: "art1", Kind: RoomArtRoom, Capacity: 30},
		},
		Clubs: []Club{
			{ID: "A", Provider: ProviderSchool, Capacity: 50, Grades: []int{3}, RoomKind: RoomGym, MeetingsPerWeek: 2, Group: "team"},
			{ID: "B", Provider: ProviderSchool, Capacity: 20, Grades: []int{3}, RoomKind: RoomArtRoom, MeetingsPerWeek: 1, Group: "team"},
			{ID: "C", Provider: ProviderOutside, Capacity: 50, Grades: []int{3}, RoomKind: RoomGym, MeetingsPerWeek: 2},
			{ID: "D", Provider: ProviderSchool, Capacity: 40, Grades: []int{3}, RoomKind: RoomGym, MeetingsPerWeek: 1},
			{ID: "E", Provider: ProviderSchool, Capacity: 10, Grades: []int{3}, RoomKind: RoomLab, MeetingsPerWeek: 1},
			{ID: "F", Provider: ProviderSchool, Capacity: 31, Grades: []int{3}, RoomKind: RoomArtRoom, MeetingsPerWeek: 1},
			{ID: "G", Provider: ProviderSchool, Capacity: 30, Grades: []int{3}, RoomKind: RoomClassroom, MeetingsPerWeek: 3},
		},
		Locked: []Placement{
			{ClubID: "A", Weekday: calendar.Monday, Segment: 2, RoomID: "gym1"},
			{ClubID: "A", Weekday: calendar.Tuesday, Segment: 2, RoomID: "gym1"},
			{ClubID: "C", Weekday: calendar.Monday, Segment: 2, RoomID: "gym2"},
			{ClubID: "C", Weekday: calendar.Tuesday, Segment: 2, RoomID: "gym2"},
		},
	}
}

func TestPlanUnplacedReasons(t *testing.T) {
	in := smallSchool()
	p, err := Plan(in, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []Unplaced{
		{ClubID: "B", Missing: 1, Reason: ReasonGroupConflict, Detail: `2 free art_room slots all overlap other clubs of group "team"`},
		{ClubID: "D", Missing: 1, Reason: ReasonRoomsTaken, Detail: "all 2 gym rooms holding 40 are taken in every club segment of the 2 weekdays still open to it"},
		{ClubID: "E", Missing: 1, Reason: ReasonNoRoomKind, Detail: "the school has no lab"},
		{ClubID: "F", Missing: 1, Reason: ReasonNoRoomBigEnough, Detail: "capacity 31 but the largest art_room holds 30"},
		{ClubID: "G", Missing: 1, Reason: ReasonTooFewWeekdays, Detail: "3 meetings a week but only 2 weekdays have a club segment"},
	}
	if diff := cmp.Diff(want, p.Unplaced); diff != "" {
		t.Errorf("Unplaced (-want +got):\n%s", diff)
	}
	wantPlacements := []Placement{
		{ClubID: "A", Weekday: calendar.Monday, Segment: 2, RoomID: "gym1", Locked: true},
		{ClubID: "C", Weekday: calendar.Monday, Segment: 2, RoomID: "gym2", Locked: true},
		{ClubID: "G", Weekday: calendar.Monday, Segment: 2, RoomID: "home1"},
		{ClubID: "A", Weekday: calendar.Tuesday, Segment: 2, RoomID: "gym1", Locked: true},
		{ClubID: "C", Weekday: calendar.Tuesday, Segment: 2, RoomID: "gym2", Locked: true},
		{ClubID: "G", Weekday: calendar.Tuesday, Segment: 2, RoomID: "home1"},
	}
	if diff := cmp.Diff(wantPlacements, p.Placements); diff != "" {
		t.Errorf("Placements (-want +got):\n%s", diff)
	}
	if clashes := Validate(in, p); len(clashes) > 0 {
		t.Errorf("clashes %v", clashes)
	}
}

func TestPlanInputValidation(t *testing.T) {
	tests := []struct {
		name string
		give func(*Input)
		want []string
	}{
		{"no segments", func(in *Input) { in.Segments = nil }, []string{"segments"}},
		{"overlapping segments", func(in *Input) {
			in.Segments[1].Start = calendar.Clock(16, 0)
		}, []string{"segments[1].start"}},
		{"bad segment", func(in *Input) {
			in.Segments = append(in.Segments, Segment{Index: 2, End: calendar.Clock(18, 0), Start: calendar.Clock(19, 0), Weekdays: []calendar.Weekday{calendar.Friday}})
		}, []string{"segments[2].index", "segments[2].kind", "segments[2].end", "segments[2].weekdays[0]"}},
		{"bad weekdays", func(in *Input) { in.Weekdays = []calendar.Weekday{calendar.Monday, calendar.Monday, 0} }, []string{"weekdays[1]", "weekdays[2]"}},
		{"class home room", func(in *Input) {
			in.Classes = append(in.Classes, Class{ID: "c1", Grade: 10, Size: 0, HomeRoom: "home1"}, Class{ID: "c3", Grade: 3, Size: 65, HomeRoom: "gym1"}, Class{ID: "c4", Grade: 3, Size: 10, HomeRoom: "nope"})
		}, []string{"classes[1].id", "classes[1].grade", "classes[1].size", "classes[1].home_room", "classes[2].home_room", "classes[3].home_room"}},
		{"bad room", func(in *Input) { in.Rooms = append(in.Rooms, Room{ID: "gym1"}) }, []string{"rooms[4].id", "rooms[4].kind", "rooms[4].capacity"}},
		{"bad club", func(in *Input) {
			in.Clubs = append(in.Clubs, Club{ID: "A", Grades: []int{0}})
		}, []string{"clubs[7].id", "clubs[7].provider", "clubs[7].capacity", "clubs[7].grades[0]", "clubs[7].room_kind", "clubs[7].meetings_per_week"}},
		{"locked in the wrong room", func(in *Input) {
			in.Locked = append(in.Locked, Placement{ClubID: "D", Weekday: calendar.Monday, Segment: 2, RoomID: "art1"})
		}, []string{"locked[4].room_id", "locked[4].room_id"}},
		{"locked clash", func(in *Input) {
			in.Locked = append(in.Locked, Placement{ClubID: "D", Weekday: calendar.Monday, Segment: 2, RoomID: "gym1"},
				Placement{ClubID: "B", Weekday: calendar.Tuesday, Segment: 2, RoomID: "art1"})
		}, []string{"locked[4]", "locked[5]"}},
		{"locked bad slot", func(in *Input) {
			in.Locked = append(in.Locked, Placement{ClubID: "Z", Weekday: calendar.Friday, Segment: 1, RoomID: "zz"},
				Placement{ClubID: "A", Weekday: calendar.Monday, Segment: 2, RoomID: "gym2"})
		}, []string{"locked[4].club_id", "locked[4].room_id", "locked[4].weekday", "locked[4].segment", "locked[5]", "locked[5]", "locked[5]", "locked[5]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := smallSchool()
			tt.give(&in)
			_, err := Plan(in, Options{})
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Plan error = %v, want *fault.ValidationError", err)
			}
			var got []string
			for _, v := range ve.Violations {
				got = append(got, v.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestValidateFindsClashes(t *testing.T) {
	in := smallSchool()
	good, err := Plan(in, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		give func(*WeeklyPlan)
		want []ClashKind
	}{
		{"unchanged", func(*WeeklyPlan) {}, nil},
		{"room double-booked", func(p *WeeklyPlan) {
			p.Placements[2].RoomID = "gym1" // G joins A in gym1 on Monday
		}, []ClashKind{ClashRoomDoubleBooked, ClashRoomKind}},
		{"wrong kind and too small", func(p *WeeklyPlan) {
			p.Placements[1].RoomID = "art1" // C in the art room on Monday
		}, []ClashKind{ClashRoomKind, ClashRoomTooSmall, ClashLockMoved}},
		{"club twice a day and group overlap", func(p *WeeklyPlan) {
			p.Placements = append(p.Placements, Placement{ClubID: "B", Weekday: calendar.Monday, Segment: 2, RoomID: "art1"},
				Placement{ClubID: "C", Weekday: calendar.Tuesday, Segment: 2, RoomID: "art1"})
			p.Unplaced = p.Unplaced[1:]
		}, []ClashKind{ClashMeetings, ClashGroupOverlap, ClashRoomKind, ClashRoomTooSmall, ClashClubSameDay}},
		{"care missing and in the wrong room", func(p *WeeklyPlan) {
			p.Care[0].RoomID = "art1"
			p.Care = p.Care[:1]
		}, []ClashKind{ClashCare, ClashCare}},
		{"club in the homework segment", func(p *WeeklyPlan) {
			p.Placements[2].Segment = 1 // G in home1 during care
		}, []ClashKind{ClashBadSlot, ClashRoomDoubleBooked}},
		{"unknown ids", func(p *WeeklyPlan) {
			p.Placements[2].ClubID = "nope"
			p.Care[0].ClassID = "nope"
		}, []ClashKind{ClashMeetings, ClashUnknown, ClashCare, ClashUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := clonePlan(good)
			tt.give(&p)
			var got []ClashKind
			for _, c := range Validate(in, p) {
				got = append(got, c.Kind)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("clash kinds (-want +got):\n%s\n%+v", diff, Validate(in, p))
			}
		})
	}
}

func clonePlan(p WeeklyPlan) WeeklyPlan {
	p.Care = append([]CareSession(nil), p.Care...)
	p.Placements = append([]Placement(nil), p.Placements...)
	p.Unplaced = append([]Unplaced(nil), p.Unplaced...)
	return p
}

func TestSessions(t *testing.T) {
	in := smallSchool()
	p, err := Plan(in, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Sessions(in, "care", "club")
	want := []calendar.Session{
		{Weekday: calendar.Monday, ClassID: "c1", ItemID: "care", Segment: 1, Start: calendar.Clock(15, 30), End: calendar.Clock(16, 30), RoomID: "home1"},
		{Weekday: calendar.Tuesday, ClassID: "c1", ItemID: "care", Segment: 1, Start: calendar.Clock(15, 30), End: calendar.Clock(16, 30), RoomID: "home1"},
	}
	for _, pl := range p.Placements {
		want = append(want, calendar.Session{Weekday: pl.Weekday, ClubID: pl.ClubID, ItemID: "club", Segment: 2,
			Start: calendar.Clock(16, 40), End: calendar.Clock(17, 40), RoomID: pl.RoomID})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sessions (-want +got):\n%s", diff)
	}
}

func BenchmarkPlan(b *testing.B) {
	in := Generate(1, 60, 40, 15)
	var p WeeklyPlan
	for b.Loop() {
		var err error
		if p, err = Plan(in, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	if !p.Complete() || len(Validate(in, p)) > 0 {
		b.Fatalf("plan not clash-free and complete: %v", p.Unplaced)
	}
	b.ReportMetric(float64(len(p.Placements)), "placements")
	b.ReportMetric(float64(p.Iterations), "repair-iters")
}

func BenchmarkPlanOverfull(b *testing.B) {
	in := overfull()
	var p WeeklyPlan
	for b.Loop() {
		var err error
		if p, err = Plan(in, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Unplaced)), "unplaced-clubs")
}
