package calendar_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// TestOccurrencesSortedWhateverTheDayOrder: the result is in date, start,
// segment, class and club order whether the days come in date order (the
// fast path, which sorts each weekday's sessions and not the term) or not.
func TestOccurrencesSortedWhateverTheDayOrder(t *testing.T) {
	days, err := calendar.SchoolDays(autumn())
	if err != nil {
		t.Fatal(err)
	}
	plan := weeklyPlan()
	// A club that starts before the classes on Mondays, listed last.
	plan = append(plan, calendar.Session{Weekday: calendar.Monday, ClubID: "art", ItemID: "club", Segment: 3,
		Start: calendar.Clock(15, 0), End: calendar.Clock(15, 25), RoomID: "art"})
	a, err := calendar.Occurrences(days, plan, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := func(o calendar.Occurrence) string {
		return fmt.Sprintf("%s %s %d %s %s", o.Date, o.Start, o.Segment, o.ClassID, o.ClubID)
	}
	for i := 1; i < len(a); i++ {
		x, y := a[i-1], a[i]
		if x.Date.After(y.Date) || x.Date == y.Date && (x.Start > y.Start || x.Start == y.Start && x.Segment > y.Segment) {
			t.Fatalf("out of order: %s before %s", key(x), key(y))
		}
	}
	if len(a) < 2 || a[0].ClubID != "art" {
		t.Fatalf("first occurrence %s, want the 15:00 art club", key(a[0]))
	}
	rev := slices.Clone(days)
	slices.Reverse(rev)
	b, err := calendar.Occurrences(rev, plan, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(civil.Date{})); diff != "" {
		t.Errorf("days in reverse order (-want +got):\n%s", diff)
	}
}
