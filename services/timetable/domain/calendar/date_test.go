package calendar_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		give    string
		want    string
		wantErr bool
	}{
		{give: "2025-09-01", want: "2025-09-01"},
		{give: "2024-02-29", want: "2024-02-29"},
		{give: "2025-02-29", wantErr: true},
		{give: "2025-9-1", wantErr: true},
		{give: "", wantErr: true},
		{give: "2025-09-01T00:00:00Z", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := civil.Parse(tt.give)
			if tt.wantErr {
				if !errors.Is(err, civil.ErrBadDate) {
					t.Fatalf("ParseDate(%q) error = %v, want ErrBadDate", tt.give, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.give, err)
			}
			if diff := cmp.Diff(tt.want, got.String()); diff != "" {
				t.Errorf("ParseDate(%q) (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	d := civil.New(2025, time.September, 1)
	tests := []struct {
		name string
		give any
		want any
	}{
		{"weekday", calendar.WeekdayOfDate(d), calendar.Monday},
		{"sunday", calendar.WeekdayOfDate(civil.New(2025, time.September, 28)), calendar.Sunday},
		{"add", d.AddDays(30).String(), "2025-10-01"},
		{"add negative", d.AddDays(-1).String(), "2025-08-31"},
		{"sub", d.AddDays(45).Sub(d), 45},
		{"start of week", civil.New(2025, time.October, 12).StartOfWeek().String(), "2025-10-06"},
		{"start of week monday", d.StartOfWeek().String(), "2025-09-01"},
		{"normalise", civil.New(2026, time.January, 32).String(), "2026-02-01"},
		{"before", d.Before(d.AddDays(1)), true},
		{"after", d.After(d.AddDays(1)), false},
		{"compare", d.Compare(d.AddDays(-2)), 1},
		{"parts", []int{d.Year, int(d.Month), d.Day}, []int{2025, 9, 1}},
		{"zero", civil.Date{}.IsZero(), true},
		{"zero string", civil.Date{}.String(), ""},
		{"time", d.Time(), time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)},
		{"date of", civil.Of(time.Date(2025, 9, 1, 23, 59, 0, 0, time.FixedZone("CST", 8*3600))), d},
		{"chinese", calendar.Wednesday.Chinese(), "星期三"},
		{"early", civil.New(1, time.January, 1).String(), "0001-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.give); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDateJSON: a Date is written in the house's one form (platform/civil),
// and the ISO text timetable wrote before still reads.
func TestDateJSON(t *testing.T) {
	type doc struct {
		Day  civil.Date         `json:"day"`
		At   calendar.TimeOfDay `json:"at"`
		None civil.Date         `json:"none"`
	}
	give := doc{Day: civil.New(2025, time.October, 11), At: calendar.Clock(17, 30)}
	b, err := json.Marshal(give)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"day":{"Year":2025,"Month":10,"Day":11},"at":"17:30","none":{"Year":0,"Month":0,"Day":0}}`, string(b)); diff != "" {
		t.Errorf("marshal (-want +got):\n%s", diff)
	}
	for _, in := range [][]byte{b, []byte(`{"day":"2025-10-11","at":"17:30","none":""}`)} {
		var got doc
		if err := json.Unmarshal(in, &got); err != nil {
			t.Fatal(err)
		}
		if got != give {
			t.Errorf("round trip of %s = %+v, want %+v", in, got, give)
		}
	}
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		give    string
		want    calendar.TimeOfDay
		wantErr bool
	}{
		{give: "00:00", want: 0},
		{give: "17:30", want: 17*60 + 30},
		{give: "23:59", want: 1439},
		{give: "24:00", wantErr: true},
		{give: "7:30", wantErr: true},
		{give: "17:60", wantErr: true},
		{give: "+1:30", wantErr: true},
		{give: "1730", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := calendar.ParseTimeOfDay(tt.give)
			if tt.wantErr {
				if !errors.Is(err, calendar.ErrBadTime) {
					t.Fatalf("ParseTimeOfDay(%q) error = %v, want ErrBadTime", tt.give, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || got.String() != tt.give {
				t.Errorf("ParseTimeOfDay(%q) = %d (%s), want %d", tt.give, got, got, tt.want)
			}
		})
	}
}
