package calendar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

func date(m time.Month, d int) civil.Date { return civil.New(2025, m, d) }

// fields returns the field paths of a *fault.ValidationError, or fails the test.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var ve *fault.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want *fault.ValidationError", err)
	}
	if !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("errors.Is(%v, fault.ErrInvalid) = false", err)
	}
	var out []string
	for _, v := range ve.Violations {
		out = append(out, v.Field)
	}
	return out
}

// autumn is the 2025 autumn term of school s1 up to 12 October, with the
// National Day week (1–8 October) off and the two swapped working days.
func autumn() (calendar.Term, []calendar.Holiday, []calendar.Swap, []calendar.Closure) {
	term := calendar.Term{SchoolID: "s1", Name: "2025秋", Start: date(9, 1), End: date(10, 12)}
	var holidays []calendar.Holiday
	for d := 1; d <= 8; d++ {
		holidays = append(holidays, calendar.Holiday{Date: date(10, d), Name: "国庆节"})
	}
	swaps := []calendar.Swap{
		{Date: date(9, 28), Working: true, Follows: calendar.Wednesday, Name: "国庆调休"},
		{Date: date(10, 11), Working: true, Name: "国庆调休"}, // follows Monday by default
	}
	closures := []calendar.Closure{
		{ID: "c1", Start: date(9, 15), End: date(9, 15), Scope: calendar.ScopeDistrict, Reason: calendar.ReasonWeather, Note: "台风"},
		{ID: "c2", Start: date(9, 16), End: date(9, 16), Scope: calendar.ScopeSchool, SchoolID: "other", Reason: calendar.ReasonExam},
		{ID: "c3", Start: date(8, 20), End: date(9, 2), Scope: calendar.ScopeSchool, SchoolID: "s1", Reason: calendar.ReasonOther, Note: "装修"},
	}
	return term, holidays, swaps, closures
}

func TestSchoolDays(t *testing.T) {
	days, err := calendar.SchoolDays(autumn())
	if err != nil {
		t.Fatal(err)
	}
	// 22 weekdays in September + 8 in October up to the 12th, minus the 6
	// National Day weekdays, plus the 2 working weekend days.
	if got, want := len(days), 22+8-6+2; got != want {
		t.Fatalf("len(SchoolDays) = %d, want %d", got, want)
	}
	byDate := map[civil.Date]calendar.Day{}
	for _, d := range days {
		byDate[d.Date] = d
	}
	tests := []struct {
		give civil.Date
		want calendar.Day
		ok   bool
	}{
		{give: date(9, 1), ok: true, want: calendar.Day{Date: date(9, 1), Weekday: calendar.Monday, Follows: calendar.Monday, SchoolDay: true,
			Closed: true, Closure: calendar.ReasonOther, ClosureNote: "装修"}},
		{give: date(9, 3), ok: true, want: calendar.Day{Date: date(9, 3), Weekday: calendar.Wednesday, Follows: calendar.Wednesday, SchoolDay: true}},
		{give: date(9, 15), ok: true, want: calendar.Day{Date: date(9, 15), Weekday: calendar.Monday, Follows: calendar.Monday, SchoolDay: true,
			Closed: true, Closure: calendar.ReasonWeather, ClosureNote: "台风"}},
		{give: date(9, 16), ok: true, want: calendar.Day{Date: date(9, 16), Weekday: calendar.Tuesday, Follows: calendar.Tuesday, SchoolDay: true}},
		{give: date(9, 28), ok: true, want: calendar.Day{Date: date(9, 28), Weekday: calendar.Sunday, Follows: calendar.Wednesday, SchoolDay: true,
			Weekend: true, Swapped: true, Name: "国庆调休"}},
		{give: date(10, 11), ok: true, want: calendar.Day{Date: date(10, 11), Weekday: calendar.Saturday, Follows: calendar.Monday, SchoolDay: true,
			Weekend: true, Swapped: true, Name: "国庆调休"}},
		{give: date(10, 1)},
		{give: date(9, 27)},
	}
	for _, tt := range tests {
		t.Run(tt.give.String(), func(t *testing.T) {
			got, ok := byDate[tt.give]
			if ok != tt.ok {
				t.Fatalf("school day %s = %v, want %v", tt.give, ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(civil.Date{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDaysFlagsHoliday(t *testing.T) {
	all, err := calendar.Days(autumn())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(all), 42; got != want {
		t.Fatalf("len(Days) = %d, want %d", got, want)
	}
	got := all[date(10, 4).Sub(date(9, 1))] // a Saturday inside the holiday
	want := calendar.Day{Date: date(10, 4), Weekday: calendar.Saturday, Follows: calendar.Saturday, Weekend: true, Holiday: true, Name: "国庆节"}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(civil.Date{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDaysValidation(t *testing.T) {
	term, holidays, swaps, closures := autumn()
	tests := []struct {
		name string
		give func(*calendar.Term, *[]calendar.Holiday, *[]calendar.Swap, *[]calendar.Closure)
		want []string
	}{
		{
			name: "end before start",
			give: func(tm *calendar.Term, _ *[]calendar.Holiday, _ *[]calendar.Swap, _ *[]calendar.Closure) {
				tm.End = tm.Start.AddDays(-1)
			},
			want: []string{"term.end"},
		},
		{
			name: "missing term fields",
			give: func(tm *calendar.Term, _ *[]calendar.Holiday, _ *[]calendar.Swap, _ *[]calendar.Closure) {
				*tm = calendar.Term{Weekdays: []calendar.Weekday{calendar.Monday, 9, calendar.Monday}}
			},
			want: []string{"term.school_id", "term.name", "term.start", "term.end", "term.weekdays[1]", "term.weekdays[2]"},
		},
		{
			name: "term too long",
			give: func(tm *calendar.Term, _ *[]calendar.Holiday, _ *[]calendar.Swap, _ *[]calendar.Closure) {
				tm.End = tm.Start.AddDays(400)
			},
			want: []string{"term.end"},
		},
		{
			name: "holiday outside the term and duplicate",
			give: func(_ *calendar.Term, h *[]calendar.Holiday, _ *[]calendar.Swap, _ *[]calendar.Closure) {
				*h = append(*h, calendar.Holiday{Date: date(12, 25), Name: "x"}, calendar.Holiday{Date: date(10, 1), Name: "x"}, calendar.Holiday{Date: date(9, 10)})
			},
			want: []string{"holidays[8].date", "holidays[9].date", "holidays[10].name"},
		},
		{
			name: "bad swaps",
			give: func(_ *calendar.Term, _ *[]calendar.Holiday, s *[]calendar.Swap, _ *[]calendar.Closure) {
				*s = append(*s,
					calendar.Swap{Date: date(9, 10), Working: true},                           // already a school day
					calendar.Swap{Date: date(9, 13), Working: true, Follows: calendar.Sunday}, // Sunday timetable does not exist
					calendar.Swap{Date: date(9, 14), Working: false},                          // Sunday is already off
					calendar.Swap{Date: date(10, 2), Working: false},                          // also a holiday
					calendar.Swap{Date: date(11, 1), Working: true},                           // outside the term
				)
			},
			want: []string{"swaps[2].date", "swaps[3].follows", "swaps[4].date", "swaps[5].date", "swaps[6].date"},
		},
		{
			name: "bad closures",
			give: func(_ *calendar.Term, _ *[]calendar.Holiday, _ *[]calendar.Swap, c *[]calendar.Closure) {
				*c = append(*c,
					calendar.Closure{Start: date(9, 5), End: date(9, 4), Scope: calendar.ScopeDistrict, Reason: calendar.ReasonExam},
					calendar.Closure{Start: date(9, 5), End: date(9, 5), Scope: calendar.ScopeSchool},
					calendar.Closure{},
				)
			},
			want: []string{
				"closures[3].end", "closures[4].school_id", "closures[4].reason",
				"closures[5].start", "closures[5].end", "closures[5].scope", "closures[5].reason",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := term
			h := append([]calendar.Holiday(nil), holidays...)
			s := append([]calendar.Swap(nil), swaps...)
			c := append([]calendar.Closure(nil), closures...)
			tt.give(&tm, &h, &s, &c)
			_, err := calendar.SchoolDays(tm, h, s, c)
			if diff := cmp.Diff(tt.want, fields(t, err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTermValidate(t *testing.T) {
	term, _, _, _ := autumn()
	if err := term.Validate(); err != nil {
		t.Errorf("Validate(valid term) = %v", err)
	}
	term.End = term.Start.AddDays(-10)
	if diff := cmp.Diff([]string{"term.end"}, fields(t, term.Validate())); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
