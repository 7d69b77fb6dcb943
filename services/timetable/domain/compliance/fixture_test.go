package compliance

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/shopspring/decimal"
)

var cmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.AllowUnexported(civil.Date{}),
}

func day(d int) civil.Date { return civil.New(2025, time.September, d) }

func at(h, m int) calendar.TimeOfDay { return calendar.Clock(h, m) }

func policy() Policy {
	return Policy{
		OffWork: at(17, 30), MinMinutesPerDay: 120, ServiceDaysPerWeek: 5, MaxPeriodsPerDay: 3,
		PeriodMinutes:  PeriodMinutes{Primary: 40, JuniorMiddle: 45},
		EveningCareCap: at(18, 30), EveningStudyCap: at(20, 30),
		OutsideShareCap: decimal.RequireFromString("0.5"),
	}
}

// days returns the calendar days from 1 September 2025 (a Monday) for n
// weeks, Monday to Friday school days.
func days(t *testing.T, weeks int) []calendar.Day {
	t.Helper()
	term := calendar.Term{SchoolID: "s1", Name: "2025秋", Start: day(1), End: day(7 * weeks)}
	out, err := calendar.Days(term, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compliant is a primary school whose classes 1A and 2A have, every school
// day, lunch care, basic care 15:30–16:30, a club segment 16:30–17:30 and
// extended care until 18:30, and whose ten club sessions a week are half run
// by outside institutions.
func compliant(t *testing.T, weeks int) Input {
	in := Input{
		Policy:  policy(),
		School:  School{ID: "s1", Stage: StagePrimary},
		Days:    days(t, weeks),
		Classes: []Class{{ID: "1A", Grade: 1}, {ID: "2A", Grade: 2}},
	}
	for _, d := range in.Days {
		if !d.SchoolDay {
			continue
		}
		for _, c := range in.Classes {
			in.Sessions = append(in.Sessions,
				Session{Date: d.Date, ClassID: c.ID, Kind: ItemLunchCare, Start: at(12, 0), End: at(13, 30)},
				Session{Date: d.Date, ClassID: c.ID, Kind: ItemBasicCare, Start: at(15, 30), End: at(16, 30)},
				Session{Date: d.Date, ClassID: c.ID, Kind: ItemEnrichment, Start: at(16, 30), End: at(17, 30)},
				Session{Date: d.Date, ClassID: c.ID, Kind: ItemExtendedCare, Start: at(17, 30), End: at(18, 30)},
			)
		}
		in.ClubSessions = append(in.ClubSessions,
			ClubSession{Date: d.Date, ClubID: "chess", Provider: ProviderSchool},
			ClubSession{Date: d.Date, ClubID: "robots", Provider: ProviderOutside},
		)
	}
	return in
}

// edit changes the sessions of class on date d that match kind.
func edit(in *Input, class string, d civil.Date, kind ItemKind, f func(*Session)) {
	for i := range in.Sessions {
		s := &in.Sessions[i]
		if s.ClassID == class && s.Date == d && s.Kind == kind {
			f(s)
		}
	}
}

// drop removes the sessions of class on date d.
func drop(in *Input, class string, d civil.Date) {
	var keep []Session
	for _, s := range in.Sessions {
		if s.ClassID != class || s.Date != d {
			keep = append(keep, s)
		}
	}
	in.Sessions = keep
}

// noMessages blanks messages so rule tests compare numbers only.
func noMessages(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		v.Message = ""
		out = append(out, v)
	}
	return out
}

func mustDataset(t *testing.T, in Input) *dataset {
	t.Helper()
	ds, err := newDataset(in)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func d(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }

func v(rule Rule, date civil.Date, class string, got, limit decimal.Decimal, unit Unit) Violation {
	return Violation{Rule: rule, Date: date, Weekday: calendar.WeekdayOfDate(date), Week: date.StartOfWeek(), ClassID: class, Got: got, Limit: limit, Unit: unit}
}
