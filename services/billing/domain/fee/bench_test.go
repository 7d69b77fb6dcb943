package fee

import (
	"testing"
	"time"

	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/civil"
)

// benchTerm is the autumn term 2024 of a Fuzhou primary school: 2 September 2024 to 17 January 2025,
// Monday to Friday, with the Mid-Autumn (16–17 September), National Day (1–7 October) and New Year
// (1 January) holidays and the swapped working days 14 and 29 September and 12 October: 95 school
// days.
func benchTerm() Period {
	holidays := []civil.Date{day(9, 16), day(9, 17), day(1, 1)}
	for d := 1; d <= 7; d++ {
		holidays = append(holidays, day(10, d))
	}
	return Period{Kind: TermPeriod, From: day(9, 2), To: day(1, 17),
		Days: calendar(day(9, 2), day(1, 17), holidays, []civil.Date{day(9, 14), day(9, 29), day(10, 12)})}
}

// benchCase is one realistic student: basic care (2 元 a period, two periods a day, 400 元 term
// cap), a Tuesday and Thursday club (10 元 a session plus 2 元), lunch at cost; a 2.5 元 a day
// subsidy split 4:6; a 低保 waiver; a few days of leave, two cancellations and a short day.
func benchCase() (Schedule, StudentFacts) {
	care := basicCare()
	care.CapPerTerm = nd("400")
	s := acceptanceSchedule()
	s.Items = []Item{
		care,
		{RuleID: "club", Name: "书法社", Kind: Enrichment, Unit: PerSession, Rate: dec("10"), EnrichmentSurcharge: dec("2")},
		{RuleID: "meal", Name: "午餐", Kind: LunchCare, Unit: PerDay, MealPassThrough: true, CollectedOnBehalf: true, ProviderID: "canteen"},
	}
	var meals []MealCost
	for _, d := range benchTerm().Days {
		if d.SchoolDay {
			meals = append(meals, MealCost{Date: d.Date, Amount: dec("12.5")})
		}
	}
	f := StudentFacts{
		StudentID: "stu-1", SchoolID: "school-1",
		Enrolments: []Enrolment{
			{ItemRuleID: "care", Start: day(9, 2)},
			{ItemRuleID: "club", Start: day(9, 9)},
			{ItemRuleID: "meal", Start: day(9, 2)},
		},
		Leave: []DateRange{{From: day(10, 21), To: day(10, 23)}, {From: day(12, 2), To: day(12, 2)}},
		Services: []ServiceFacts{
			{ItemRuleID: "care", PeriodMinutes: 40, SessionsPerDay: 2, MinutesPerSession: 40,
				Cancellations: []Cancellation{{Date: day(11, 5)}, {Date: day(11, 6), Sessions: 1}},
				ShortDays:     []ShortDay{{Date: day(12, 10), RequiredMinutes: 80, DeliveredMinutes: 60}}},
			{ItemRuleID: "club", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 60, Weekdays: []time.Weekday{time.Tuesday, time.Thursday}},
			{ItemRuleID: "meal", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 30, MealCosts: meals},
		},
	}
	return s, f
}

func TestBenchCaseIsRealistic(t *testing.T) {
	s, f := benchCase()
	st := mustCompute(t, s, f, benchTerm(), nil)
	if got := st.Lines[0].Days.Scheduled; got != 95 {
		t.Errorf("bench term has %d school days, want 95", got)
	}
	if len(st.Lines) != 3 {
		t.Errorf("bench statement has %d lines, want 3", len(st.Lines))
	}
}

// BenchmarkCompute is the engine's cost per student in a fee run: one prepared Engine, one Compute
// per student (95 school days, 3 items, subsidy split, statement in decimals).
func BenchmarkCompute(b *testing.B) {
	s, f := benchCase()
	e, err := NewEngine(s, benchTerm(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Compute(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeOneShot is fee.Compute: the schedule and period validated and prepared again for
// every student.
func BenchmarkComputeOneShot(b *testing.B) {
	s, f := benchCase()
	p := benchTerm()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(s, f, p, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// baselineDay is a day of the baseline: flags already resolved, as a hand-written int64 loop would
// have them.
type baselineDay struct {
	month                          int
	careCancelled, leave, short    bool
	careSessionsCut, clubDay, meal bool
}

// baseline is the floor BenchmarkCompute is measured against: the same arithmetic for the same
// student in plain int64 fen with everything resolved in advance — per-day charges for care, club
// and meals, the term cap, the served-day subsidy split 4:6 by largest remainder, and the parent
// share — but no validation, no proration stages, no rule references and no decimals.
func baseline(days []baselineDay) (parent, city, district int64) {
	var care, club, meal, served int64
	for _, d := range days {
		if d.leave {
			continue
		}
		if !d.careCancelled && !d.short {
			c := int64(2 * 2 * 100) // 2 periods × 2 元, in fen
			if d.careSessionsCut {
				c = 200
			}
			care += c
			served++
		}
		if d.clubDay {
			club += 1200
		}
		if d.meal && !d.careCancelled {
			meal += 1250
		}
	}
	care = min(care, 40000)
	subsidy := min(served*250, care+club)
	city = subsidy * 4 / 10
	district = subsidy * 6 / 10
	if city+district < subsidy {
		if subsidy*4%10 >= subsidy*6%10 {
			city++
		} else {
			district++
		}
	}
	return care + club + meal - subsidy, city, district
}

func BenchmarkBaselineInt64(b *testing.B) {
	var days []baselineDay
	for i, d := range benchTerm().Days {
		if !d.SchoolDay {
			continue
		}
		wd := d.Date.Weekday()
		days = append(days, baselineDay{month: int(d.Date.Month), leave: i%31 == 0, careCancelled: i%47 == 0,
			careSessionsCut: i%53 == 0, short: i%59 == 0, clubDay: wd == time.Tuesday || wd == time.Thursday, meal: true})
	}
	b.ReportAllocs()
	var sink int64
	for b.Loop() {
		p, c, d := baseline(days)
		sink += p + c + d
	}
	_ = sink
}

// BenchmarkAllocateInt is the payer split the engine uses per line.
func BenchmarkAllocateInt(b *testing.B) {
	parts := []money.IntPart{{Key: "city-finance", Weight: 4}, {Key: "district-finance", Weight: 6}}
	dst := make([]int64, 0, 2)
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = money.AllocateInt(5251, parts, dst)
	}
}
