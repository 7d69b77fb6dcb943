package fee

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDateAgreesWithTime checks the civil-date arithmetic against the time package over ±200 years.
func TestDateAgreesWithTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	for range 20000 {
		n := rng.IntN(146000) - 73000
		tm := base.AddDate(0, 0, n)
		want := Date{tm.Year(), tm.Month(), tm.Day()}
		got := NewDate(2024, time.September, 1).AddDays(n)
		if got != want {
			t.Fatalf("2024-09-01 + %d days = %s, time says %s", n, got, want)
		}
		if got.Weekday() != tm.Weekday() {
			t.Fatalf("%s weekday %s, time says %s", got, got.Weekday(), tm.Weekday())
		}
		m := rng.IntN(40) - 20
		tm2 := tm.AddDate(0, m, 0)
		if got2 := got.AddMonths(m); got2 != (Date{tm2.Year(), tm2.Month(), tm2.Day()}) {
			t.Fatalf("%s + %d months = %s, time says %s", got, m, got2, tm2.Format(time.DateOnly))
		}
	}
}

func TestDate(t *testing.T) {
	tests := []struct {
		give string
		want string // String() of the parsed date, or "error"
	}{
		{give: "2024-09-02", want: "2024-09-02"},
		{give: "2024-02-29", want: "2024-02-29"},
		{give: "2023-02-29", want: "error"},
		{give: "2024/09/02", want: "error"},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.give)
		got := d.String()
		if err != nil {
			got = "error"
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseDate(%q) (-want +got):\n%s", tt.give, diff)
		}
	}
	if (Date{}).Valid() || (Date{2023, 2, 29}).Valid() || !(Date{2024, 2, 29}).Valid() {
		t.Error("Valid misjudges the zero date or 29 February")
	}
	if got := NewDate(2024, 1, 32); got != (Date{2024, 2, 1}) {
		t.Errorf("NewDate(2024, 1, 32) = %s, want 2024-02-01", got)
	}
	if a, b := day(9, 2), day(9, 3); a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || !a.Before(b) || !b.After(a) {
		t.Error("Compare, Before or After wrong")
	}
}

// TestDayOffset checks the engine's month table against plain day arithmetic, in and around the
// period and far from it.
func TestDayOffset(t *testing.T) {
	e, err := NewEngine(testSchedule(), policyTerm(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 9))
	for range 20000 {
		d := day(9, 2).AddDays(rng.IntN(2000) - 1000)
		if rng.IntN(2) == 0 {
			d = day(9, 2).AddDays(rng.IntN(160) - 60)
		}
		if got, want := e.dayOffset(d), d.days()-day(9, 2).days(); got != want {
			t.Fatalf("dayOffset(%s) = %d, want %d", d, got, want)
		}
	}
}
