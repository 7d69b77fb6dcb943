package civil

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// TestDateAgreesWithTime checks the civil-date arithmetic against the time
// package over ±200 years.
func TestDateAgreesWithTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	for range 20000 {
		n := rng.IntN(146000) - 73000
		tm := base.AddDate(0, 0, n)
		want := Date{tm.Year(), tm.Month(), tm.Day()}
		got := New(2024, time.September, 1).AddDays(n)
		if got != want {
			t.Fatalf("2024-09-01 + %d days = %s, time says %s", n, got, want)
		}
		if got.Weekday() != tm.Weekday() {
			t.Fatalf("%s weekday %s, time says %s", got, got.Weekday(), tm.Weekday())
		}
		if y, w := got.ISOWeek(); true {
			ty, tw := tm.ISOWeek()
			if y != ty || w != tw {
				t.Fatalf("%s ISO week %d-%d, time says %d-%d", got, y, w, ty, tw)
			}
		}
		if got.Sub(New(2024, time.September, 1)) != n || FromDays(got.Days()) != got || !got.Time().Equal(tm) || Of(tm) != got {
			t.Fatalf("%s: Sub, Days, Time or Of disagree", got)
		}
		if w := got.StartOfWeek(); w.Weekday() != time.Monday || got.Sub(w) < 0 || got.Sub(w) > 6 {
			t.Fatalf("%s: StartOfWeek %s is not the Monday of its week", got, w)
		}
		m := rng.IntN(40) - 20
		tm2 := tm.AddDate(0, m, 0)
		if got2 := got.AddMonths(m); got2 != (Date{tm2.Year(), tm2.Month(), tm2.Day()}) {
			t.Fatalf("%s + %d months = %s, time says %s", got, m, got2, tm2.Format(time.DateOnly))
		}
	}
}

func TestParseIsStrict(t *testing.T) {
	tests := []struct {
		give string
		want string // String() of the parsed date, or "error"
	}{
		{give: "2024-09-02", want: "2024-09-02"},
		{give: "2024-02-29", want: "2024-02-29"},
		{give: "2023-02-29", want: "error"},
		{give: "2026-02-30", want: "error"},
		{give: "2024/09/02", want: "error"},
	}
	for _, tt := range tests {
		d, err := Parse(tt.give)
		got := d.String()
		if err != nil {
			if !errors.Is(err, ErrBadDate) {
				t.Errorf("Parse(%q) error %v is not ErrBadDate", tt.give, err)
			}
			got = "error"
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.give, got, tt.want)
		}
	}
	if (Date{}).Valid() || (Date{2023, 2, 29}).Valid() || !(Date{2024, 2, 29}).Valid() || (Date{}).String() != "" {
		t.Error("Valid or String misjudge the zero date or 29 February")
	}
	if got := New(2024, 1, 32); got != (Date{2024, 2, 1}) {
		t.Errorf("New(2024, 1, 32) = %s, want 2024-02-01", got)
	}
	if a, b := New(2024, 9, 2), New(2024, 9, 3); a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || !a.Before(b) || !b.After(a) {
		t.Error("Compare, Before or After wrong")
	}
}

// TestJSON keeps the stored form: the struct form is written (hashes of
// billing's snapshots depend on it) and both forms are read.
func TestJSON(t *testing.T) {
	b, err := json.Marshal(New(2026, time.September, 1))
	if err != nil || string(b) != `{"Year":2026,"Month":9,"Day":1}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	for _, in := range []string{`{"Year":2026,"Month":9,"Day":1}`, `"2026-09-01"`} {
		var d Date
		if err := json.Unmarshal([]byte(in), &d); err != nil || d != New(2026, time.September, 1) {
			t.Errorf("Unmarshal(%s) = %v, %v", in, d, err)
		}
	}
	z := New(2026, 1, 1)
	if err := json.Unmarshal([]byte(`""`), &z); err != nil || !z.IsZero() {
		t.Errorf(`Unmarshal("") = %v, %v; want the zero Date`, z, err)
	}
	if err := json.Unmarshal([]byte(`"2026-02-30"`), &z); !errors.Is(err, ErrBadDate) {
		t.Errorf("Unmarshal of 30 February = %v, want ErrBadDate", err)
	}
}
