package fee

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/fault"
)

// acceptanceSchedule is the schedule of issue 5's acceptance scenario: 2 元 per 40-minute period,
// a 2.5 元 per day subsidy split 4:6 between city and district, and a full 低保 waiver funded by the
// district's civil affairs bureau.
func acceptanceSchedule() Schedule {
	return testSchedule(func(s *Schedule) {
		s.Subsidies = []SubsidyRule{{
			RuleID: "daily-subsidy", Kind: PerStudentDay, Amount: dec("2.5"),
			Payers:     []PayerRatio{{PayerID: "city-finance", Ratio: dec("4")}, {PayerID: "district-finance", Ratio: dec("6")}},
			RatioWhole: dec("10"),
		}}
		s.Waivers = []WaiverRule{{RuleID: "dibao-waiver", Category: Dibao, Percent: dec("1"), PayerID: "district-civil-affairs"}}
	})
}

// acceptancePeriod is September 2024 as it really was: 14 September (Saturday) and 29 September
// (Sunday) were swapped working days (调休), 16–17 September the Mid-Autumn holiday. School days:
// 2–6, 9–14, 18–20, 23–27, 29–30 September: 5 + 6 + 3 + 5 + 2 = 21.
func acceptancePeriod() Period {
	days := calendar(day(9, 2), day(9, 30), []civil.Date{day(9, 16), day(9, 17)}, []civil.Date{day(9, 14), day(9, 29)})
	return Period{Kind: TermPeriod, From: day(9, 2), To: day(9, 30), Days: days}
}

func TestAcceptanceStatement(t *testing.T) {
	ref := func(rule string) RuleRef {
		return RuleRef{ScheduleID: "fz-after-school", Version: 1, DocumentNo: "鼓教〔2024〕7号", RuleID: rule}
	}
	// Every student: 21 days × 2 periods × 2.00 = 84.00. The subsidy: 21 served days × 2.50 = 52.50,
	// city 4/10 = 21.00, district 6/10 = 31.50. The parent pays 84.00 − 52.50 = 31.50.
	line := Line{
		Type: ChargeLine, Rule: ref("care"), Name: "基础托管", Kind: BasicCare, Unit: PerPeriod,
		Quantity: dec("42"), UnitRate: dec("2"), Days: DayCounts{Scheduled: 21, Enrolled: 21, Served: 21},
		Gross: dec("84.00"), Net: dec("84.00"),
		Subsidies: []SubsidyShare{
			{Rule: ref("daily-subsidy"), PayerID: "city-finance", Amount: dec("21.00")},
			{Rule: ref("daily-subsidy"), PayerID: "district-finance", Amount: dec("31.50")},
		},
		Parent: dec("31.50"),
	}
	// The 低保 student's parent share is waived in full and billed to civil affairs.
	dibaoLine := line
	dibaoLine.Waivers = []WaiverShare{{Rule: ref("dibao-waiver"), Category: Dibao, PayerID: "district-civil-affairs", Amount: dec("31.50")}}
	dibaoLine.Parent = dec("0")
	subsidies := []PartyAmount{{PartyID: "city-finance", Amount: dec("21.00")}, {PartyID: "district-finance", Amount: dec("31.50")}}
	tests := []struct {
		name string
		give StudentFacts
		want Statement
	}{
		{
			name: "ordinary family",
			give: student(),
			want: Statement{StudentID: "stu-1", SchoolID: "school-1", Schedule: ref(""), BillingMode: PrepaidTerm,
				Period: PeriodRef{Kind: TermPeriod, From: day(9, 2), To: day(9, 30)},
				Lines:  []Line{line},
				Totals: Totals{Gross: dec("84"), Net: dec("84"), Parent: dec("31.50"), Subsidies: subsidies}},
		},
		{
			name: "低保 family",
			give: student(func(f *StudentFacts) { f.StudentID, f.Hardship = "stu-2", Dibao }),
			want: Statement{StudentID: "stu-2", SchoolID: "school-1", Schedule: ref(""), BillingMode: PrepaidTerm,
				Period: PeriodRef{Kind: TermPeriod, From: day(9, 2), To: day(9, 30)},
				Lines:  []Line{dibaoLine},
				Totals: Totals{Gross: dec("84"), Net: dec("84"), Parent: dec("0"), Subsidies: subsidies,
					Waivers: []PartyAmount{{PartyID: "district-civil-affairs", Amount: dec("31.50")}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustCompute(t, acceptanceSchedule(), tt.give, acceptancePeriod(), nil)
			if diff := cmp.Diff(tt.want, got, decimalEqual); diff != "" {
				t.Errorf("statement mismatch (-want +got):\n%s", diff)
			}
			for _, l := range got.Lines {
				for _, a := range []decimal.Decimal{l.Gross, l.Net, l.Parent} {
					if a.Exponent() != -2 {
						t.Errorf("amount %s has exponent %d, want exactly two places", a, a.Exponent())
					}
				}
			}
		})
	}
}

// TestAcceptanceClaims checks that the claims of a class (sums of statements per payer) match the
// statements exactly: 30 students, every fifth on 低保, some with leave.
func TestAcceptanceClaims(t *testing.T) {
	e, err := NewEngine(acceptanceSchedule(), acceptancePeriod(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var sts []Statement
	for i := range 30 {
		f := student(func(f *StudentFacts) {
			f.StudentID = string(rune('A' + i))
			if i%5 == 0 {
				f.Hardship = Dibao
			}
			if i%3 == 0 {
				f.Leave = []DateRange{{From: day(9, 9), To: day(9, 9).AddDays(i % 7)}}
			}
		})
		st, err := e.Compute(f)
		if err != nil {
			t.Fatal(err)
		}
		sts = append(sts, st)
	}
	total := Diff(nil, sts).Total.Candidate
	// By hand: 30 students × 21 days = 630 days; leave for i = 0, 3, …, 27 (10 students) covers
	// i%7+1 calendar days from Monday 9 September: days 1,4,7,3,6,2,5,1,4,7 → school days (9–14 are
	// school days, 15 a Sunday) 1,4,6,3,6,2,5,1,4,6 = 38. Served days 630 − 38 = 592.
	// Gross 30 × 84.00 = 2520.00, net after leave 592 × 4 = 2368.00.
	// Subsidy 592 × 2.50 = 1480.00: city 592.00, district 888.00.
	// Parents 592 × 1.50 = 888.00, of which the 6 低保 students' (i = 0,5,…,25) share is waived:
	// their served days: i=0 (leave 1 day): 20; 5,10,20,25: 21 each; 15 (i%3=0, leave 15%7+1 = 2
	// calendar days = 2 school days): 19 → 20 + 84 + 19 = 123 days × 1.50 = 184.50.
	want := Totals{
		Gross: dec("2520.00"), Net: dec("2368.00"), Parent: dec("703.50"),
		Subsidies: []PartyAmount{{PartyID: "city-finance", Amount: dec("592.00")}, {PartyID: "district-finance", Amount: dec("888.00")}},
		Waivers:   []PartyAmount{{PartyID: "district-civil-affairs", Amount: dec("184.50")}},
	}
	if diff := cmp.Diff(want, total, decimalEqual); diff != "" {
		t.Errorf("claims mismatch (-want +got):\n%s", diff)
	}
}

func TestSubsidies(t *testing.T) {
	cityDistrict := []PayerRatio{{PayerID: "city", Ratio: dec("4")}, {PayerID: "district", Ratio: dec("6")}}
	club := Item{RuleID: "club", Kind: Enrichment, Unit: PerSession, Rate: dec("10")}
	clubFacts := ServiceFacts{ItemRuleID: "club", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 40,
		Weekdays: []time.Weekday{time.Tuesday, time.Thursday}}
	costSheet := func(total string) *CostSheet {
		return &CostSheet{SchoolID: "school-1", TermID: "2024-autumn", Students: 100, PeriodsPerStudent: dec("60"),
			Items: []CostItem{{Kind: Remuneration, Amount: dec(total)}}}
	}
	type lineWant struct {
		Rule      string
		Gross     string
		Net       string
		Subsidies []string // "payer amount"
		Parent    string
	}
	tests := []struct {
		name    string
		give    []SubsidyRule
		items   []Item
		student func(*StudentFacts)
		cost    *CostSheet
		want    []lineWant
	}{
		{
			// Joins 23 September: 20 of the 35 term days. 100 元 per term × 20/35 = 57.142… → 57.14;
			// 4:6 is 22.856 and 34.284: floors 22.85 + 34.28 = 57.13, the spare fen goes to the larger
			// remainder (city, 0.6 fen): city 22.86, district 34.28. Net 80.00 − 57.14 = 22.86.
			name:    "per student term, prorated",
			give:    []SubsidyRule{{RuleID: "s", Kind: PerStudentTerm, Amount: dec("100"), Payers: cityDistrict}},
			student: enrol(day(9, 23), open),
			want:    []lineWant{{Rule: "care", Gross: "140.00", Net: "80.00", Subsidies: []string{"city 22.86", "district 34.28"}, Parent: "22.86"}},
		},
		{
			// 30 元 a year, two terms: 15.00 this term: 6.00 and 9.00.
			name: "per student year",
			give: []SubsidyRule{{RuleID: "s", Kind: PerStudentYear, Amount: dec("30"), Payers: cityDistrict}},
			want: []lineWant{{Rule: "care", Gross: "140.00", Net: "140.00", Subsidies: []string{"city 6.00", "district 9.00"}, Parent: "125.00"}},
		},
		{
			// 8 元 a month, a term of 4.5 months: 36.00 for the whole term; joining 23 September
			// (20 of 35 days): 36 × 20/35 = 20.571… → 20.57; 4:6 = 8.228 and 12.342: 8.23 + 12.34.
			name:    "per student month, term, prorated",
			give:    []SubsidyRule{{RuleID: "s", Kind: PerStudentMonth, Amount: dec("8"), Payers: cityDistrict}},
			student: enrol(day(9, 23), open),
			want:    []lineWant{{Rule: "care", Gross: "140.00", Net: "80.00", Subsidies: []string{"city 8.23", "district 12.34"}, Parent: "59.43"}},
		},
		{
			// 0.35 元 per period delivered: 70 periods less 5 days of leave (10 periods) = 60 → 21.00.
			name:    "per student period",
			give:    []SubsidyRule{{RuleID: "s", Kind: PerStudentPeriod, Amount: dec("0.35"), Payers: cityDistrict[:1]}},
			student: leave(day(9, 2), day(9, 6)),
			want:    []lineWant{{Rule: "care", Gross: "140.00", Net: "120.00", Subsidies: []string{"city 21.00"}, Parent: "99.00"}},
		},
		{
			// 0.333 元 per period, 70 periods: 23.31 exactly; a club on Tuesdays and Thursdays adds 14
			// periods but is not covered, so the subsidy stays 23.31.
			name:  "per student period, covered items only",
			give:  []SubsidyRule{{RuleID: "s", Kind: PerStudentPeriod, Amount: dec("0.333"), Items: []string{"care"}, Payers: cityDistrict[:1]}},
			items: []Item{basicCare(), club},
			student: func(f *StudentFacts) {
				f.Enrolments = append(f.Enrolments, Enrolment{ItemRuleID: "club", Start: day(9, 1)})
				f.Services = append(f.Services, clubFacts)
			},
			want: []lineWant{
				{Rule: "care", Gross: "140.00", Net: "140.00", Subsidies: []string{"city 23.31"}, Parent: "116.69"},
				{Rule: "club", Gross: "140.00", Net: "140.00", Parent: "140.00"},
			},
		},
		{
			// Cost 12000 / (100 students × 60 periods) = 2.00 per student-period; 25% of the cost of
			// the 30 × 2 = 60 periods served (5 days of leave) = 30.00. Net 140 − 20 = 120.00.
			name:    "percent of cost",
			give:    []SubsidyRule{{RuleID: "s", Kind: PercentOfCost, Percent: dec("0.25"), Payers: cityDistrict[:1]}},
			student: leave(day(9, 2), day(9, 6)),
			cost:    costSheet("12000"),
			want:    []lineWant{{Rule: "care", Gross: "140.00", Net: "120.00", Subsidies: []string{"city 30.00"}, Parent: "90.00"}},
		},
		{
			// Cost 24000 / 6000 = 4.00 per student-period × 70 periods = 280.00; charges 140.00; the
			// 140.00 shortfall is topped up on its own line, 56.00 + 84.00. Parents still pay 140.00.
			name: "shortfall",
			give: []SubsidyRule{{RuleID: "s", Kind: Shortfall, Payers: cityDistrict}},
			cost: costSheet("24000"),
			want: []lineWant{
				{Rule: "care", Gross: "140.00", Net: "140.00", Parent: "140.00"},
				{Rule: "s", Gross: "280.00", Net: "140.00", Subsidies: []string{"city 56.00", "district 84.00"}, Parent: "0.00"},
			},
		},
		{
			// Care 140.00 and a club on Tuesdays and Thursdays (8 in September, 6 in October: 14 ×
			// 10 = 140.00). 3 元 per served day (35) = 105.00, spread over the two lines in proportion
			// to their charges (1:1): 52.50 each, each split 4:6 = 21.00 + 31.50.
			name:  "one subsidy over two items",
			give:  []SubsidyRule{{RuleID: "s", Kind: PerStudentDay, Amount: dec("3"), Payers: cityDistrict}},
			items: []Item{basicCare(), club},
			student: func(f *StudentFacts) {
				f.Enrolments = append(f.Enrolments, Enrolment{ItemRuleID: "club", Start: day(9, 1)})
				f.Services = append(f.Services, clubFacts)
			},
			want: []lineWant{
				{Rule: "care", Gross: "140.00", Net: "140.00", Subsidies: []string{"city 21.00", "district 31.50"}, Parent: "87.50"},
				{Rule: "club", Gross: "140.00", Net: "140.00", Subsidies: []string{"city 21.00", "district 31.50"}, Parent: "87.50"},
			},
		},
		{
			// The same subsidy limited to the club counts only club days: 14 × 3 = 42.00.
			name:  "subsidy for one item",
			give:  []SubsidyRule{{RuleID: "s", Kind: PerStudentDay, Amount: dec("3"), Items: []string{"club"}, Payers: cityDistrict}},
			items: []Item{basicCare(), club},
			student: func(f *StudentFacts) {
				f.Enrolments = append(f.Enrolments, Enrolment{ItemRuleID: "club", Start: day(9, 1)})
				f.Services = append(f.Services, clubFacts)
			},
			want: []lineWant{
				{Rule: "care", Gross: "140.00", Net: "140.00", Parent: "140.00"},
				{Rule: "club", Gross: "140.00", Net: "140.00", Subsidies: []string{"city 16.80", "district 25.20"}, Parent: "98.00"},
			},
		},
		{
			// 5 元 a day exceeds the 4 元 charged: the subsidy is capped at the charge, 140.00, and
			// the parent pays nothing.
			name: "subsidy capped at the charge",
			give: []SubsidyRule{{RuleID: "s", Kind: PerStudentDay, Amount: dec("5"), Payers: cityDistrict}},
			want: []lineWant{{Rule: "care", Gross: "140.00", Net: "140.00", Subsidies: []string{"city 56.00", "district 84.00"}, Parent: "0.00"}},
		},
		{
			// Two subsidies in schedule order: 2 元 a day (70.00) then 100 元 a term, capped at what is
			// left (70.00).
			name: "two subsidies in order",
			give: []SubsidyRule{
				{RuleID: "a", Kind: PerStudentDay, Amount: dec("2"), Payers: cityDistrict[:1]},
				{RuleID: "b", Kind: PerStudentTerm, Amount: dec("100"), Payers: cityDistrict[1:]},
			},
			want: []lineWant{{Rule: "care", Gross: "140.00", Net: "140.00", Subsidies: []string{"city 70.00", "district 70.00"}, Parent: "0.00"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSchedule(func(s *Schedule) {
				s.Subsidies = tt.give
				if tt.items != nil {
					s.Items = tt.items
				}
			})
			var opts []func(*StudentFacts)
			if tt.student != nil {
				opts = append(opts, tt.student)
			}
			st := mustCompute(t, s, student(opts...), policyTerm(), tt.cost)
			var got []lineWant
			for _, l := range st.Lines {
				lw := lineWant{Rule: l.Rule.RuleID, Gross: l.Gross.StringFixed(2), Net: l.Net.StringFixed(2), Parent: l.Parent.StringFixed(2)}
				for _, s := range l.Subsidies {
					lw.Subsidies = append(lw.Subsidies, s.PayerID+" "+s.Amount.StringFixed(2))
				}
				got = append(got, lw)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWaivers(t *testing.T) {
	halfApproved := WaiverRule{RuleID: "w", Category: Tekun, Percent: dec("0.5"), RequiresApproval: true, PayerID: "civil-affairs"}
	// One day (30 September) at 0.25 元: a 50% waiver of 0.25 is 0.125, rounded by the rule.
	quarter := Item{RuleID: "care", Kind: BasicCare, Unit: PerDay, Rate: dec("0.25")}
	tests := []struct {
		name     string
		rule     money.RoundingRule
		item     Item
		hardship HardshipCategory
		approved bool
		want     []string // waived, parent
	}{
		{name: "not approved", item: basicCare(), hardship: Tekun, want: []string{"0.00", "140.00"}},
		{name: "approved", item: basicCare(), hardship: Tekun, approved: true, want: []string{"70.00", "70.00"}},
		{name: "other category", item: basicCare(), hardship: Orphan, approved: true, want: []string{"0.00", "140.00"}},
		{name: "half-up", rule: money.HalfUp, item: quarter, hardship: Tekun, approved: true, want: []string{"0.13", "0.12"}},
		{name: "half-even", rule: money.HalfEven, item: quarter, hardship: Tekun, approved: true, want: []string{"0.12", "0.13"}},
		{name: "down", rule: money.Down, item: quarter, hardship: Tekun, approved: true, want: []string{"0.12", "0.13"}},
		{name: "up", rule: money.Up, item: quarter, hardship: Tekun, approved: true, want: []string{"0.13", "0.12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSchedule(withItem(tt.item), func(s *Schedule) {
				s.Waivers = []WaiverRule{halfApproved}
				s.RoundingRule = tt.rule
			})
			f := student(func(f *StudentFacts) { f.Hardship, f.HardshipApproved = tt.hardship, tt.approved })
			if tt.item.Unit == PerDay {
				f.Enrolments[0] = Enrolment{ItemRuleID: "care", Start: day(9, 30), End: day(9, 30)}
			}
			l := mustCompute(t, s, f, policyTerm(), nil).Lines[0]
			waived := decimal.New(0, -2)
			for _, w := range l.Waivers {
				waived = waived.Add(w.Amount)
			}
			if diff := cmp.Diff(tt.want, []string{waived.StringFixed(2), l.Parent.StringFixed(2)}); diff != "" {
				t.Errorf("waived, parent (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMealsFreeAndCollectedOnBehalf: September, monthly. Care 21 days × 4 = 84.00, less 2 leave days
// (9–10 September): 76.00. Meals at their actual cost, 12.50 a school day: 262.50 planned, less the
// meal cancelled on 20 September (12.50) and the 2 leave days (25.00): 225.00, owed to the canteen.
// Lunch care is free: 21 days, no money. A per-day subsidy of 1 元 covers care only (the default
// leaves out meals and free items): 19 served days = 19.00.
func TestMealsFreeAndCollectedOnBehalf(t *testing.T) {
	s := testSchedule(monthly, func(s *Schedule) {
		s.Items = []Item{
			basicCare(),
			{RuleID: "meal", Name: "午餐", Kind: LunchCare, Unit: PerDay, MealPassThrough: true, CollectedOnBehalf: true, ProviderID: "canteen-1"},
			{RuleID: "lunch", Name: "午托", Kind: LunchCare, Unit: PerDay, Free: true},
		}
		s.Subsidies = []SubsidyRule{{RuleID: "s", Kind: PerStudentDay, Amount: dec("1"), Payers: []PayerRatio{{PayerID: "city", Ratio: dec("1")}}}}
	})
	var costs []MealCost
	for _, d := range september().Days {
		if d.SchoolDay {
			costs = append(costs, MealCost{Date: d.Date, Amount: dec("12.5")})
		}
	}
	f := student(func(f *StudentFacts) {
		f.Enrolments = append(f.Enrolments, Enrolment{ItemRuleID: "meal", Start: day(9, 1)}, Enrolment{ItemRuleID: "lunch", Start: day(9, 1)})
		f.Services = append(f.Services,
			ServiceFacts{ItemRuleID: "meal", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 30, MealCosts: costs,
				Cancellations: []Cancellation{{Date: day(9, 20)}}},
			ServiceFacts{ItemRuleID: "lunch", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 90})
		f.Leave = []DateRange{{From: day(9, 9), To: day(9, 10)}}
	})
	st := mustCompute(t, s, f, september(), nil)
	var got []lineSummary
	for _, l := range st.Lines {
		got = append(got, summarize(l))
	}
	want := []lineSummary{
		{Quantity: "42", Gross: "84.00", Adjustments: []string{"leave -8.00"}, Net: "76.00", Parent: "57.00"},
		{Quantity: "21", Gross: "262.50", Adjustments: []string{"school_shortfall -12.50", "leave -25.00"}, Net: "225.00", Parent: "225.00"},
		{Quantity: "21", Gross: "0.00", Net: "0.00", Parent: "0.00"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	wantTotals := Totals{Gross: dec("346.50"), Net: dec("301.00"), Parent: dec("282.00"),
		Subsidies:         []PartyAmount{{PartyID: "city", Amount: dec("19")}},
		CollectedOnBehalf: []PartyAmount{{PartyID: "canteen-1", Amount: dec("225")}}}
	if diff := cmp.Diff(wantTotals, st.Totals, decimalEqual); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if l := st.Lines[1]; !l.PassThrough || l.ProviderID != "canteen-1" || !l.UnitRate.IsZero() {
		t.Errorf("meal line: pass-through %v, provider %q, unit rate %s", l.PassThrough, l.ProviderID, l.UnitRate)
	}
	if !st.Lines[2].Free {
		t.Error("lunch care line is not marked free")
	}
}

func TestComputeRejectsBadInput(t *testing.T) {
	tests := []struct {
		name     string
		schedule func(*Schedule)
		period   func(*Period)
		give     func(*StudentFacts)
		cost     *CostSheet
		want     []fault.Violation
	}{
		{
			name:   "month period for a prepaid term schedule",
			period: func(p *Period) { *p = september() },
			want:   []fault.Violation{{Field: "kind", Reason: "schedule fz-after-school bills prepaid per term: period must be a term, got month"}},
		},
		{
			name:     "period before the schedule",
			schedule: func(s *Schedule) { s.EffectiveFrom = day(9, 3) },
			want:     []fault.Violation{{Field: "from", Reason: "2024-09-02 is before schedule fz-after-school version 1 takes effect on 2024-09-03"}},
		},
		{
			name:   "days out of order",
			period: func(p *Period) { p.Days[0], p.Days[1] = p.Days[1], p.Days[0] },
			want:   []fault.Violation{{Field: "days[1].date", Reason: "2024-09-02 is not after the previous day 2024-09-03: days must be ascending and unique"}},
		},
		{
			name: "unknown item",
			give: func(f *StudentFacts) { f.Enrolments[0].ItemRuleID = "karate" },
			want: []fault.Violation{{Field: "enrolments[0].item_rule_id", Reason: "no item with rule id \"karate\" in schedule fz-after-school version 1"}},
		},
		{
			name: "missing service facts",
			give: func(f *StudentFacts) { f.Services = nil },
			want: []fault.Violation{{Field: "services", Reason: "no service facts for enrolled item \"care\""}},
		},
		{
			name: "bad service facts",
			give: func(f *StudentFacts) {
				f.Services[0].PeriodMinutes = 0
				f.Services[0].Cancellations = []Cancellation{{Date: day(9, 3), Sessions: -1}}
			},
			want: []fault.Violation{
				{Field: "services[0].period_minutes", Reason: "must be between 1 and 240, got 0"},
				{Field: "services[0].cancellations[0].sessions", Reason: "must not be negative, got -1"},
			},
		},
		{
			name: "enrolment ends before it starts",
			give: func(f *StudentFacts) { f.Enrolments[0].End = day(8, 31).AddDays(-365) },
			want: []fault.Violation{{Field: "enrolments[0].end", Reason: "must be a valid date not before start 2024-09-01"}},
		},
		{
			name:     "school outside the schedule's scope",
			schedule: func(s *Schedule) { s.Scope.SchoolID = "school-9" },
			want:     []fault.Violation{{Field: "school_id", Reason: "school school-1 is not in the scope of schedule fz-after-school (school school-9)"}},
		},
		{
			name: "cost sheet required",
			schedule: func(s *Schedule) {
				s.Subsidies = []SubsidyRule{{RuleID: "s", Kind: Shortfall, Payers: []PayerRatio{{PayerID: "city", Ratio: dec("1")}}}}
			},
			want: []fault.Violation{{Field: "cost_sheet", Reason: "required by subsidy rule s (shortfall)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSchedule()
			if tt.schedule != nil {
				tt.schedule(&s)
			}
			p := policyTerm()
			if tt.period != nil {
				tt.period(&p)
			}
			f := student()
			if tt.give != nil {
				tt.give(&f)
			}
			_, err := Compute(s, f, p, tt.cost)
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Compute error = %v, want a *fault.ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, ve.Violations); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEngineConcurrent computes with one Engine from many goroutines (run with -race) and checks
// the results equal the sequential ones.
func TestEngineConcurrent(t *testing.T) {
	s, f := benchCase()
	e, err := NewEngine(s, benchTerm(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Compute(f)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				got, err := e.Compute(f)
				if err == nil && !cmp.Equal(want, got, decimalIdentical) {
					err = errors.New("concurrent statement differs")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
