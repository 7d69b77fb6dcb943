package fee

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/money"
)

// dec parses a decimal literal in a test.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// nd is a valid NullDecimal, for caps and holiday rates.
func nd(s string) decimal.NullDecimal { return decimal.NewNullDecimal(dec(s)) }

// day builds a 2024 or 2025 date compactly: day(9, 2) is 2024-09-02; months 1–8 are 2025.
func day(month time.Month, d int) civil.Date {
	if month < 9 {
		return civil.New(2025, month, d)
	}
	return civil.New(2024, month, d)
}

// calendar lists every date from..to: Monday to Friday are school days unless listed in holidays,
// Saturday and Sunday are weekend days unless listed in workdays (调休).
func calendar(from, to civil.Date, holidays, workdays []civil.Date) []CalendarDay {
	in := func(d civil.Date, list []civil.Date) bool {
		for _, x := range list {
			if x == d {
				return true
			}
		}
		return false
	}
	var out []CalendarDay
	for d := from; !d.After(to); d = d.AddDays(1) {
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		school := (!weekend && !in(d, holidays)) || in(d, workdays)
		out = append(out, CalendarDay{Date: d, SchoolDay: school, WeekendHoliday: !school})
	}
	return out
}

// policyTerm is the synthetic "term" of the policy tests: 2024-09-02 to 2024-10-25, Monday to
// Friday, with 1–7 October off. School days: September 2–6, 9–13, 16–20, 23–27, 30 (21 days);
// October 8–11, 14–18, 21–25 (14 days); 35 in all.
func policyTerm() Period {
	holidays := []civil.Date{day(10, 1), day(10, 2), day(10, 3), day(10, 4), day(10, 7)}
	return Period{Kind: TermPeriod, From: day(9, 2), To: day(10, 25), Days: calendar(day(9, 2), day(10, 25), holidays, nil)}
}

// september is September 2024 as a month period of the same calendar: 21 school days.
func september() Period {
	return Period{Kind: MonthPeriod, From: day(9, 1), To: day(9, 30), Days: calendar(day(9, 1), day(9, 30), nil, nil)}
}

// october is October 2024 as a month period: 1–7 off, 18 school days (8–11, 14–18, 21–25, 28–31).
func october() Period {
	holidays := []civil.Date{day(10, 1), day(10, 2), day(10, 3), day(10, 4), day(10, 7)}
	return Period{Kind: MonthPeriod, From: day(10, 1), To: day(10, 31), Days: calendar(day(10, 1), day(10, 31), holidays, nil)}
}

// basicCare is 2 元 per 40-minute period.
func basicCare() Item {
	return Item{RuleID: "care", Name: "基础托管", Kind: BasicCare, Unit: PerPeriod, Rate: dec("2")}
}

// testSchedule is a valid prepaid-term schedule with one basic-care item, exact proration, no
// subsidies and no waivers; opts change it.
func testSchedule(opts ...func(*Schedule)) Schedule {
	s := Schedule{
		ID:            "fz-after-school",
		Version:       1,
		Scope:         Scope{DistrictID: "gulou"},
		EffectiveFrom: day(9, 1),
		DocumentNo:    "鼓教〔2024〕7号",
		RoundingRule:  money.HalfUp,
		Calendar:      Calendar{DaysPerMonth: dec("22"), MonthsPerTerm: dec("4.5"), TermsPerYear: 2},
		BillingMode:   PrepaidTerm,
		Proration:     ProrationPolicy{RuleID: "proration", Kind: Exact},
		Items:         []Item{basicCare()},
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// twoPeriods is the service of basic care: two 40-minute sessions a day.
func twoPeriods(ruleID string) ServiceFacts {
	return ServiceFacts{ItemRuleID: ruleID, PeriodMinutes: 40, SessionsPerDay: 2, MinutesPerSession: 40}
}

// student is enrolled in care for the whole period, with two periods a day.
func student(opts ...func(*StudentFacts)) StudentFacts {
	f := StudentFacts{
		StudentID:  "stu-1",
		SchoolID:   "school-1",
		Enrolments: []Enrolment{{ItemRuleID: "care", Start: day(9, 1)}},
		Services:   []ServiceFacts{twoPeriods("care")},
	}
	for _, o := range opts {
		o(&f)
	}
	return f
}

// decimalEqual compares decimals by value, for cmp.
var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// decimalIdentical compares decimals byte for byte (value and exponent), for determinism checks.
var decimalIdentical = cmp.Comparer(func(a, b decimal.Decimal) bool {
	return a.String() == b.String() && a.Exponent() == b.Exponent()
})

// mustCompute computes a statement and verifies its invariants.
func mustCompute(t *testing.T, s Schedule, f StudentFacts, p Period, cost *CostSheet) Statement {
	t.Helper()
	st, err := Compute(s, f, p, cost)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	if err := st.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return st
}

// lineSummary is the part of a line the policy tables check.
type lineSummary struct {
	Quantity    string
	Gross       string
	Adjustments []string // "kind amount"
	Net         string
	Parent      string
}

func summarize(l Line) lineSummary {
	s := lineSummary{Quantity: l.Quantity.String(), Gross: l.Gross.StringFixed(2), Net: l.Net.StringFixed(2), Parent: l.Parent.StringFixed(2)}
	for _, a := range l.Adjustments {
		s.Adjustments = append(s.Adjustments, string(a.Kind)+" "+a.Amount.StringFixed(2))
	}
	return s
}
