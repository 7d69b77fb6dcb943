package calendar_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// weeklyPlan gives every weekday three sessions: basic care for classes 1A
// and 1B in segment 1, and one club in segment 2 (chess on Monday, Wednesday
// and Friday, choir on Tuesday and Thursday).
func weeklyPlan() []calendar.Session {
	var plan []calendar.Session
	for w := calendar.Monday; w <= calendar.Friday; w++ {
		for _, c := range []string{"1A", "1B"} {
			plan = append(plan, calendar.Session{Weekday: w, ClassID: c, ItemID: "care", Segment: 1,
				Start: calendar.Clock(15, 30), End: calendar.Clock(16, 30), RoomID: "r-" + c})
		}
		club := "chess"
		if w == calendar.Tuesday || w == calendar.Thursday {
			club = "choir"
		}
		plan = append(plan, calendar.Session{Weekday: w, ClubID: club, ItemID: "club", Segment: 2,
			Start: calendar.Clock(16, 40), End: calendar.Clock(17, 40), RoomID: "music"})
	}
	return plan
}

func TestOccurrencesCount(t *testing.T) {
	term, holidays, swaps, closures := autumn()
	closures = closures[:2] // keep the typhoon (one day) and the other school's exam
	days, err := calendar.SchoolDays(term, holidays, swaps, closures)
	if err != nil {
		t.Fatal(err)
	}
	cancellations := []calendar.Cancellation{
		{Date: date(9, 17), Reason: "运动会 sports day"},                             // whole day: 3 sessions
		{Date: date(9, 18), ClassID: "1A", Segment: 1, Reason: "班主任外出"},           // one session
		{Date: date(9, 15), Reason: "already closed"},                             // matches, changes nothing
		{Date: date(9, 19), ClubID: "chess", Reason: "coach ill"},                 // one session
		{Date: date(9, 19), ClubID: "chess", Segment: 2, Reason: "second reason"}, // already cancelled
	}
	deliveries := []calendar.Delivery{{Date: date(9, 22), ClassID: "1B", Segment: 1, Minutes: 45}}
	occ, err := calendar.Occurrences(days, weeklyPlan(), cancellations, deliveries)
	if err != nil {
		t.Fatal(err)
	}
	const daily = 3
	const cancelled = 3 /* typhoon */ + 3 + 1 + 1
	scheduled, delivered := 0, 0
	for _, o := range occ {
		if o.Status == calendar.StatusScheduled {
			scheduled++
		}
		delivered += o.Delivered
	}
	if got, want := len(occ), len(days)*daily; got != want {
		t.Errorf("occurrences = %d, want %d school days × %d", got, want, daily)
	}
	if got, want := scheduled, len(days)*daily-cancelled; got != want {
		t.Errorf("scheduled = %d, want %d", got, want)
	}
	if got, want := delivered, (len(days)*daily-cancelled)*60-15; got != want {
		t.Errorf("delivered minutes = %d, want %d", got, want)
	}

	var onSat, onHoliday, onSunday []calendar.Occurrence
	for _, o := range occ {
		switch o.Date {
		case date(10, 11):
			onSat = append(onSat, o)
		case date(10, 2):
			onHoliday = append(onHoliday, o)
		case date(9, 28):
			onSunday = append(onSunday, o)
		}
	}
	if len(onHoliday) != 0 {
		t.Errorf("holiday 2025-10-02 has %d occurrences, want 0", len(onHoliday))
	}
	wantSat := []calendar.Occurrence{
		{Date: date(10, 11), Weekday: calendar.Saturday, Follows: calendar.Monday, ClassID: "1A", ItemID: "care", Segment: 1, RoomID: "r-1A",
			Start: calendar.Clock(15, 30), End: calendar.Clock(16, 30), Minutes: 60, Status: calendar.StatusScheduled, Delivered: 60},
		{Date: date(10, 11), Weekday: calendar.Saturday, Follows: calendar.Monday, ClassID: "1B", ItemID: "care", Segment: 1, RoomID: "r-1B",
			Start: calendar.Clock(15, 30), End: calendar.Clock(16, 30), Minutes: 60, Status: calendar.StatusScheduled, Delivered: 60},
		{Date: date(10, 11), Weekday: calendar.Saturday, Follows: calendar.Monday, ClubID: "chess", ItemID: "club", Segment: 2, RoomID: "music",
			Start: calendar.Clock(16, 40), End: calendar.Clock(17, 40), Minutes: 60, Status: calendar.StatusScheduled, Delivered: 60},
	}
	if diff := cmp.Diff(wantSat, onSat, cmp.AllowUnexported(civil.Date{})); diff != "" {
		t.Errorf("swapped Saturday (-want +got):\n%s", diff)
	}
	if len(onSunday) != daily || onSunday[2].ClubID != "chess" || onSunday[2].Follows != calendar.Wednesday {
		t.Errorf("swapped Sunday following Wednesday = %+v", onSunday)
	}

	byKey := map[string]calendar.Occurrence{}
	for _, o := range occ {
		byKey[o.Date.String()+"/"+o.ClassID+o.ClubID] = o
	}
	tests := []struct {
		give string
		want [3]any // status, reason, delivered
	}{
		{"2025-09-15/1A", [3]any{calendar.StatusCancelled, "closure: weather (台风)", 0}},
		{"2025-09-17/chess", [3]any{calendar.StatusCancelled, "运动会 sports day", 0}},
		{"2025-09-18/1A", [3]any{calendar.StatusCancelled, "班主任外出", 0}},
		{"2025-09-18/1B", [3]any{calendar.StatusScheduled, "", 60}},
		{"2025-09-19/chess", [3]any{calendar.StatusCancelled, "coach ill", 0}},
		{"2025-09-22/1B", [3]any{calendar.StatusScheduled, "", 45}},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			o, ok := byKey[tt.give]
			if !ok {
				t.Fatalf("no occurrence %s", tt.give)
			}
			if diff := cmp.Diff(tt.want, [3]any{o.Status, o.CancelReason, o.Delivered}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOccurrencesDeterministicOrder(t *testing.T) {
	days, err := calendar.SchoolDays(autumn())
	if err != nil {
		t.Fatal(err)
	}
	plan := weeklyPlan()
	a, err := calendar.Occurrences(days, plan, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(plan)-1; i < j; i, j = i+1, j-1 {
		plan[i], plan[j] = plan[j], plan[i]
	}
	b, err := calendar.Occurrences(days, plan, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(civil.Date{})); diff != "" {
		t.Errorf("order depends on plan order (-want +got):\n%s", diff)
	}
}

func TestOccurrencesValidation(t *testing.T) {
	days, err := calendar.SchoolDays(autumn())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		give func(*[]calendar.Session, *[]calendar.Cancellation, *[]calendar.Delivery)
		want []string
	}{
		{
			name: "bad session",
			give: func(p *[]calendar.Session, _ *[]calendar.Cancellation, _ *[]calendar.Delivery) {
				*p = append(*p, calendar.Session{Weekday: 8, Segment: 0, Start: calendar.Clock(17, 0), End: calendar.Clock(16, 0)})
			},
			want: []string{"sessions[15].weekday", "sessions[15].class_id", "sessions[15].item_id", "sessions[15].segment", "sessions[15].end"},
		},
		{
			name: "duplicate session",
			give: func(p *[]calendar.Session, _ *[]calendar.Cancellation, _ *[]calendar.Delivery) {
				*p = append(*p, (*p)[0])
			},
			want: []string{"sessions[15].segment"},
		},
		{
			name: "cancellation of a holiday and without reason",
			give: func(_ *[]calendar.Session, c *[]calendar.Cancellation, _ *[]calendar.Delivery) {
				*c = append(*c, calendar.Cancellation{Date: date(10, 2), Reason: "x"}, calendar.Cancellation{Date: date(9, 3)})
			},
			want: []string{"cancellations[1].reason"},
		},
		{
			name: "cancellation matching nothing",
			give: func(_ *[]calendar.Session, c *[]calendar.Cancellation, _ *[]calendar.Delivery) {
				*c = append(*c, calendar.Cancellation{Date: date(10, 2), Reason: "holiday"}, calendar.Cancellation{Date: date(9, 3), ClassID: "9Z", Reason: "x"})
			},
			want: []string{"cancellations[0]", "cancellations[1]"},
		},
		{
			name: "bad deliveries",
			give: func(_ *[]calendar.Session, c *[]calendar.Cancellation, d *[]calendar.Delivery) {
				*c = append(*c, calendar.Cancellation{Date: date(9, 3), Reason: "x"})
				*d = append(*d,
					calendar.Delivery{Date: date(9, 3), ClassID: "1A", Segment: 1, Minutes: 30}, // cancelled
					calendar.Delivery{Date: date(9, 4), ClassID: "1A", Segment: 1, Minutes: 61}, // too many
					calendar.Delivery{Date: date(9, 4), ClassID: "1A", Segment: 2, Minutes: 10}, // no such session
					calendar.Delivery{Date: date(9, 5), ClassID: "1A", Segment: 1, Minutes: 10}, // fine
					calendar.Delivery{Date: date(9, 5), ClassID: "1A", Segment: 1, Minutes: 20}, // twice
					calendar.Delivery{Date: date(9, 5), Segment: 1, Minutes: -1},                // no target
				)
			},
			want: []string{"deliveries[5].class_id", "deliveries[5].minutes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := weeklyPlan()
			var c []calendar.Cancellation
			var d []calendar.Delivery
			tt.give(&plan, &c, &d)
			_, err := calendar.Occurrences(days, plan, c, d)
			if diff := cmp.Diff(tt.want, fields(t, err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOccurrencesDeliveryErrors(t *testing.T) {
	days, err := calendar.SchoolDays(autumn())
	if err != nil {
		t.Fatal(err)
	}
	c := []calendar.Cancellation{{Date: date(9, 3), Reason: "x"}}
	d := []calendar.Delivery{
		{Date: date(9, 3), ClassID: "1A", Segment: 1, Minutes: 30},
		{Date: date(9, 4), ClassID: "1A", Segment: 1, Minutes: 61},
		{Date: date(9, 4), ClassID: "1A", Segment: 2, Minutes: 10},
		{Date: date(9, 5), ClassID: "1A", Segment: 1, Minutes: 10},
		{Date: date(9, 5), ClassID: "1A", Segment: 1, Minutes: 20},
	}
	_, err = calendar.Occurrences(days, weeklyPlan(), c, d)
	want := []string{"deliveries[0]", "deliveries[1].minutes", "deliveries[2]", "deliveries[4]"}
	if diff := cmp.Diff(want, fields(t, err)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
