package fee

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"

	"github.com/kehou/kehou/services/billing/domain/money"
)

// policyCase is one row of the hand-computed policy tables: a schedule change, a student change,
// and the expected single line.
type policyCase struct {
	name     string
	schedule func(*Schedule)
	give     func(*StudentFacts)
	period   Period // zero: policyTerm()
	want     lineSummary
}

func runPolicyCases(t *testing.T, tests []policyCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sopts []func(*Schedule)
			if tt.schedule != nil {
				sopts = append(sopts, tt.schedule)
			}
			var fopts []func(*StudentFacts)
			if tt.give != nil {
				fopts = append(fopts, tt.give)
			}
			p := tt.period
			if p.Kind == "" {
				p = policyTerm()
			}
			st := mustCompute(t, testSchedule(sopts...), student(fopts...), p, nil)
			if len(st.Lines) != 1 {
				t.Fatalf("got %d lines, want 1", len(st.Lines))
			}
			if diff := cmp.Diff(tt.want, summarize(st.Lines[0])); diff != "" {
				t.Errorf("line mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func enrol(ranges ...civil.Date) func(*StudentFacts) {
	return func(f *StudentFacts) {
		f.Enrolments = nil
		for i := 0; i < len(ranges); i += 2 {
			f.Enrolments = append(f.Enrolments, Enrolment{ItemRuleID: f.Services[0].ItemRuleID, Start: ranges[i], End: ranges[i+1]})
		}
	}
}

func leave(ranges ...civil.Date) func(*StudentFacts) {
	return func(f *StudentFacts) {
		for i := 0; i < len(ranges); i += 2 {
			f.Leave = append(f.Leave, DateRange{From: ranges[i], To: ranges[i+1]})
		}
	}
}

func cancel(c ...Cancellation) func(*StudentFacts) {
	return func(f *StudentFacts) { f.Services[0].Cancellations = append(f.Services[0].Cancellations, c...) }
}

func both(fs ...func(*StudentFacts)) func(*StudentFacts) {
	return func(f *StudentFacts) {
		for _, g := range fs {
			g(f)
		}
	}
}

func withItem(it Item) func(*Schedule) {
	return func(s *Schedule) { s.Items = []Item{it} }
}

func withPolicy(p ProrationPolicy) func(*Schedule) {
	return func(s *Schedule) { s.Proration = p }
}

func schedule(opts ...func(*Schedule)) func(*Schedule) {
	return func(s *Schedule) {
		for _, o := range opts {
			o(s)
		}
	}
}

var open = civil.Date{}

// All policy tables use policyTerm (35 school days: 21 in September, 14 in October) unless a case
// names a month, and basic care at 2 元 per 40-minute period, two periods a day: 4 元 a day, so the
// gross of the term is 35 × 4 = 140.00 for 70 periods.

func TestExactProration(t *testing.T) {
	runPolicyCases(t, []policyCase{
		{
			name: "full term",
			want: lineSummary{Quantity: "70", Gross: "140.00", Net: "140.00", Parent: "140.00"},
		},
		{
			// Late join on 23 September: 6 September days (23–27, 30) + 14 October days = 20 days
			// × 4 = 80.00; the 15 days before are deducted: −60.00.
			name: "late join",
			give: enrol(day(9, 23), open),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"enrolment -60.00"}, Net: "80.00", Parent: "80.00"},
		},
		{
			// Withdrawal: last day 13 September: 10 days × 4 = 40.00; −100.00.
			name: "withdrawal",
			give: enrol(day(9, 2), day(9, 13)),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"enrolment -100.00"}, Net: "40.00", Parent: "40.00"},
		},
		{
			// Withdraw after 6 September (5 days), rejoin 14 October (10 days): 15 × 4 = 60.00.
			name: "withdraw and rejoin",
			give: enrol(day(9, 2), day(9, 6), day(10, 14), open),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"enrolment -80.00"}, Net: "60.00", Parent: "60.00"},
		},
		{
			// Overlapping intervals count once: 2–20 and 16–27 September are 2–27: 20 days = 80.00.
			name: "overlapping enrolments",
			give: enrol(day(9, 16), day(9, 27), day(9, 1), day(9, 20)),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"enrolment -60.00"}, Net: "80.00", Parent: "80.00"},
		},
		{
			// The school cancelled 10 September (whole day, −4.00) and one of the two sessions on
			// 11 September (one 40-minute period, −2.00): 140 − 6 = 134.00.
			name: "cancelled day and session",
			give: cancel(Cancellation{Date: day(9, 10)}, Cancellation{Date: day(9, 11), Sessions: 1}),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"school_shortfall -6.00"}, Net: "134.00", Parent: "134.00"},
		},
		{
			// 12 September delivered 60 of 80 required minutes: the whole day is deducted (−4.00).
			// 13 September delivered all 80: not short, nothing deducted.
			name: "day short of required minutes",
			give: func(f *StudentFacts) {
				f.Services[0].ShortDays = []ShortDay{
					{Date: day(9, 12), RequiredMinutes: 80, DeliveredMinutes: 60},
					{Date: day(9, 13), RequiredMinutes: 80, DeliveredMinutes: 80},
				}
			},
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"school_shortfall -4.00"}, Net: "136.00", Parent: "136.00"},
		},
		{
			// Leave 16–18 September: 3 days × 4 = −12.00.
			name: "leave",
			give: leave(day(9, 16), day(9, 18)),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"leave -12.00"}, Net: "128.00", Parent: "128.00"},
		},
		{
			// Leave Friday 13 to Monday 16 September covers two school days: −8.00.
			name: "leave over a weekend",
			give: leave(day(9, 13), day(9, 16)),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"leave -8.00"}, Net: "132.00", Parent: "132.00"},
		},
		{
			// Leave 16–18 September, and the school cancelled 17 September: the cancellation is the
			// school's (−4.00), the other two leave days the student's (−8.00).
			name: "cancelled day during leave",
			give: both(leave(day(9, 16), day(9, 18)), cancel(Cancellation{Date: day(9, 17)})),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"school_shortfall -4.00", "leave -8.00"}, Net: "128.00", Parent: "128.00"},
		},
		{
			// Joins 23 September (80.00); a cancellation on 10 September happened before joining and
			// changes nothing; leave on 24 September: −4.00.
			name: "late join with leave",
			give: both(enrol(day(9, 23), open), cancel(Cancellation{Date: day(9, 10)}), leave(day(9, 24), day(9, 24))),
			want: lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"enrolment -60.00", "leave -4.00"}, Net: "76.00", Parent: "76.00"},
		},
		{
			// charge_leave: leave days are billed; only the school's shortfalls are deducted.
			name:     "charge leave",
			schedule: withPolicy(ProrationPolicy{RuleID: "proration", Kind: Exact, ChargeLeave: true}),
			give:     both(leave(day(9, 16), day(9, 18)), cancel(Cancellation{Date: day(9, 10)})),
			want:     lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"school_shortfall -4.00"}, Net: "136.00", Parent: "136.00"},
		},
	})
}

func TestCaps(t *testing.T) {
	care := func(perDay, perMonth, perTerm string) func(*Schedule) {
		it := basicCare()
		if perDay != "" {
			it.CapPerDay = nd(perDay)
		}
		if perMonth != "" {
			it.CapPerMonth = nd(perMonth)
		}
		if perTerm != "" {
			it.CapPerTerm = nd(perTerm)
		}
		return withItem(it)
	}
	runPolicyCases(t, []policyCase{
		{
			// Day cap 3.50: 35 × 3.50 = 122.50 (−17.50). Month cap 60: September 21 × 3.50 = 73.50
			// → 60, October 14 × 3.50 = 49.00 stays: 109.00 (−13.50). Term cap 100: −9.00.
			name:     "day month and term caps",
			schedule: care("3.5", "60", "100"),
			want: lineSummary{Quantity: "70", Gross: "140.00",
				Adjustments: []string{"cap_day -17.50", "cap_month -13.50", "cap_term -9.00"}, Net: "100.00", Parent: "100.00"},
		},
		{
			// Caps hold the billed days, not the planned ones: joining 23 September bills 6 × 3.50 =
			// 21.00 in September and 49.00 in October = 70.00, under every cap; from the capped
			// 100.00 that is −30.00.
			name:     "caps then late join",
			schedule: care("3.5", "60", "100"),
			give:     enrol(day(9, 23), open),
			want: lineSummary{Quantity: "70", Gross: "140.00",
				Adjustments: []string{"cap_day -17.50", "cap_month -13.50", "cap_term -9.00", "enrolment -30.00"}, Net: "70.00", Parent: "70.00"},
		},
		{
			// Month cap 60: September 84.00 → 60.00, October 56.00: 116.00.
			name:     "month cap",
			schedule: care("", "60", ""),
			want:     lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"cap_month -24.00"}, Net: "116.00", Parent: "116.00"},
		},
		{
			// Term cap 100: 140.00 → 100.00. Ten days of leave leave 25 × 4 = 100.00 billable, still
			// at the cap, so the leave costs the parent nothing more.
			name:     "term cap absorbs leave",
			schedule: care("", "", "100"),
			give:     leave(day(9, 2), day(9, 13)),
			want:     lineSummary{Quantity: "70", Gross: "140.00", Adjustments: []string{"cap_term -40.00"}, Net: "100.00", Parent: "100.00"},
		},
		{
			// Monthly billing, October (18 school days) at 5 元 a day: 90.00, month cap 60: −30.00.
			name: "monthly billing month cap",
			schedule: schedule(
				withItem(Item{RuleID: "care", Kind: BasicCare, Unit: PerDay, Rate: dec("5"), CapPerMonth: nd("60")}),
				func(s *Schedule) { s.BillingMode = Monthly }),
			period: october(),
			want:   lineSummary{Quantity: "18", Gross: "90.00", Adjustments: []string{"cap_month -30.00"}, Net: "60.00", Parent: "60.00"},
		},
	})
}

// perMonth100 is a flat 100 元 a month item.
var perMonth100 = Item{RuleID: "care", Kind: BasicCare, Unit: PerMonth, Rate: dec("100")}

func monthly(s *Schedule) { s.BillingMode = Monthly }

func TestHalfMonth(t *testing.T) {
	half := schedule(withItem(perMonth100), withPolicy(ProrationPolicy{RuleID: "proration", Kind: HalfMonth}), monthly)
	inclusive := schedule(withItem(perMonth100), withPolicy(ProrationPolicy{RuleID: "proration", Kind: HalfMonth, Boundary: Inclusive}), monthly)
	// A two-month "term" for the term cases. By the monthly rate (the default) each month is worth
	// 100.00 whatever its school days; weighted by school days, 100 × 2 = 200.00 is spread over 35
	// days, so September (21 days) is worth 120.00 and October (14 days) 80.00.
	twoMonths := func(s *Schedule) { s.Calendar.MonthsPerTerm = dec("2") }
	halfTerm := schedule(withItem(perMonth100), withPolicy(ProrationPolicy{RuleID: "proration", Kind: HalfMonth}), twoMonths)
	halfTermDays := schedule(withItem(perMonth100), withPolicy(ProrationPolicy{RuleID: "proration", Kind: HalfMonth, MonthWeight: SchoolDays}), twoMonths)
	halfTermIncl := schedule(withItem(perMonth100), withPolicy(ProrationPolicy{RuleID: "proration", Kind: HalfMonth, Boundary: Inclusive}), twoMonths)
	// 200 元 a term of 2 months: 100.00 a month by the monthly rate.
	perTerm := schedule(withItem(Item{RuleID: "care", Kind: BasicCare, Unit: PerTerm, Rate: dec("200")}),
		withPolicy(ProrationPolicy{RuleID: "proration", Kind: HalfMonth}), twoMonths)
	runPolicyCases(t, []policyCase{
		{
			// October (month period) has 18 school days; joining 21 October attends 9: exactly
			// half. Exclusive (the default): "at most half" bills half.
			name: "exactly half, exclusive", schedule: half, period: october(), give: enrol(day(10, 21), open),
			want: lineSummary{Quantity: "1", Gross: "100.00", Adjustments: []string{"half_month -50.00"}, Net: "50.00", Parent: "50.00"},
		},
		{
			// Inclusive: "满半月" — reaching half bills the whole month.
			name: "exactly half, inclusive", schedule: inclusive, period: october(), give: enrol(day(10, 21), open),
			want: lineSummary{Quantity: "1", Gross: "100.00", Net: "100.00", Parent: "100.00"},
		},
		{
			// One day under half (8 of 18) is half a month under either boundary.
			name: "one under half, inclusive", schedule: inclusive, period: october(), give: enrol(day(10, 22), open),
			want: lineSummary{Quantity: "1", Gross: "100.00", Adjustments: []string{"half_month -50.00"}, Net: "50.00", Parent: "50.00"},
		},
		{
			// Term by the monthly rate: joining 18 October attends 6 of October's 14 days: half of
			// 100.00, whatever October's school days; September, unattended, bills nothing.
			name: "term late join, monthly rate", schedule: halfTerm, give: enrol(day(10, 18), open),
			want: lineSummary{Quantity: "2", Gross: "200.00", Adjustments: []string{"half_month -150.00"}, Net: "50.00", Parent: "50.00"},
		},
		{
			// Joining 14 October attends 10 > 7: October in full, 100.00.
			name: "term join over half, monthly rate", schedule: halfTerm, give: enrol(day(10, 14), open),
			want: lineSummary{Quantity: "2", Gross: "200.00", Adjustments: []string{"half_month -100.00"}, Net: "100.00", Parent: "100.00"},
		},
		{
			// Joining 17 October attends 7 of 14: exactly half; exclusive bills half, inclusive whole.
			name: "term exactly half, exclusive", schedule: halfTerm, give: enrol(day(10, 17), open),
			want: lineSummary{Quantity: "2", Gross: "200.00", Adjustments: []string{"half_month -150.00"}, Net: "50.00", Parent: "50.00"},
		},
		{
			name: "term exactly half, inclusive", schedule: halfTermIncl, give: enrol(day(10, 17), open),
			want: lineSummary{Quantity: "2", Gross: "200.00", Adjustments: []string{"half_month -100.00"}, Net: "100.00", Parent: "100.00"},
		},
		{
			// Half of September (10 of 21 attended: leave 2–16 September) and all of October:
			// 50.00 + 100.00.
			name: "term half then full, monthly rate", schedule: halfTerm, give: leave(day(9, 2), day(9, 16)),
			want: lineSummary{Quantity: "2", Gross: "200.00", Adjustments: []string{"half_month -50.00"}, Net: "150.00", Parent: "150.00"},
		},
		{
			// A per_term rate: 200 ÷ 2 months = 100.00 a month; October only, in full.
			name: "per term rate, monthly rate", schedule: perTerm, give: enrol(day(10, 14), open),
			want: lineSummary{Quantity: "1", Gross: "200.00", Adjustments: []string{"half_month -100.00"}, Net: "100.00", Parent: "100.00"},
		},
		{
			// Weighted by school days (explicit): October is 80.00, half of it 40.00.
			name: "term late join, school days", schedule: halfTermDays, give: enrol(day(10, 18), open),
			want: lineSummary{Quantity: "2", Gross: "200.00", Adjustments: []string{"half_month -160.00"}, Net: "40.00", Parent: "40.00"},
		},
		{name: "full month", schedule: half, period: september(), want: lineSummary{Quantity: "1", Gross: "100.00", Net: "100.00", Parent: "100.00"}},
		{
			// September has 21 school days; half is 10.5. Joining 23 September attends 6: half a month.
			name: "late join under half", schedule: half, period: september(), give: enrol(day(9, 23), open),
			want: lineSummary{Quantity: "1", Gross: "100.00", Adjustments: []string{"half_month -50.00"}, Net: "50.00", Parent: "50.00"},
		},
		{
			// Joining 16 September attends 11 > 10.5: the full month.
			name: "late join over half", schedule: half, period: september(), give: enrol(day(9, 16), open),
			want: lineSummary{Quantity: "1", Gross: "100.00", Net: "100.00", Parent: "100.00"},
		},
		{
			// Joining 17 September attends 10 ≤ 10.5: half.
			name: "late join just under half", schedule: half, period: september(), give: enrol(day(9, 17), open),
			want: lineSummary{Quantity: "1", Gross: "100.00", Adjustments: []string{"half_month -50.00"}, Net: "50.00", Parent: "50.00"},
		},
		{
			// Leave 2–17 September is 12 school days: 9 attended, half a month.
			name: "leave", schedule: half, period: september(), give: leave(day(9, 2), day(9, 17)),
			want: lineSummary{Quantity: "1", Gross: "100.00", Adjustments: []string{"half_month -50.00"}, Net: "50.00", Parent: "50.00"},
		},
		{
			// Away the whole month: nothing.
			name: "never attended", schedule: half, period: september(), give: leave(day(9, 1), day(9, 30)),
			want: lineSummary{Quantity: "1", Gross: "100.00", Adjustments: []string{"half_month -100.00"}, Net: "0.00", Parent: "0.00"},
		},
		{
			// Term: joining 18 October attends 6 of October's 14 days (≤ 7): half of 80.00 = 40.00;
			// September, unattended, bills nothing.
			name: "term late join", schedule: halfTermDays, give: enrol(day(10, 18), open),
			want: lineSummary{Quantity: "2", Gross: "200.00", Adjustments: []string{"half_month -160.00"}, Net: "40.00", Parent: "40.00"},
		},
		{
			// Term: joining 14 October attends 10 > 7: October in full, 80.00.
			name: "term join over half", schedule: halfTermDays, give: enrol(day(10, 14), open),
			want: lineSummary{Quantity: "2", Gross: "200.00", Adjustments: []string{"half_month -120.00"}, Net: "80.00", Parent: "80.00"},
		},
	})
}

func TestContinuousAbsence(t *testing.T) {
	// 300 元 a term; a month is 22 service days, a term 4.5 months, so a month's fee is 300 / 4.5
	// = 66.666…: one half-month refunds 33.33, two refund 66.67 (each rounded once).
	absence := schedule(
		withItem(Item{RuleID: "care", Kind: BasicCare, Unit: PerTerm, Rate: dec("300")}),
		withPolicy(ProrationPolicy{RuleID: "proration", Kind: ContinuousAbsence}))
	runPolicyCases(t, []policyCase{
		{name: "no absence", schedule: absence, want: lineSummary{Quantity: "1", Gross: "300.00", Net: "300.00", Parent: "300.00"}},
		{
			// 2 September – 8 October: 21 + 1 = 22 service days in a row (1–7 October are not
			// service days and do not break the run): a whole month, 2 halves: −66.67.
			name: "a whole month", schedule: absence, give: leave(day(9, 2), day(10, 8)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"absence_refund -66.67"}, Net: "233.33", Parent: "233.33"},
		},
		{
			// 2–16 September: 11 service days = half a month: −33.33.
			name: "half a month", schedule: absence, give: leave(day(9, 2), day(9, 16)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"absence_refund -33.33"}, Net: "266.67", Parent: "266.67"},
		},
		{
			// Exclusive ("more than half a month"): exactly 11 days refunds nothing.
			name: "half a month, exclusive", schedule: schedule(absence, func(s *Schedule) { s.Proration.Boundary = Exclusive }),
			give: leave(day(9, 2), day(9, 16)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Net: "300.00", Parent: "300.00"},
		},
		{
			// Exclusive: exactly a whole month (22 days) has not exceeded a month: half refunded.
			name: "a whole month, exclusive", schedule: schedule(absence, func(s *Schedule) { s.Proration.Boundary = Exclusive }),
			give: leave(day(9, 2), day(10, 8)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"absence_refund -33.33"}, Net: "266.67", Parent: "266.67"},
		},
		{
			// Exclusive: 12 days exceed half a month: half refunded.
			name: "just over half a month, exclusive", schedule: schedule(absence, func(s *Schedule) { s.Proration.Boundary = Exclusive }),
			give: leave(day(9, 2), day(9, 17)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"absence_refund -33.33"}, Net: "266.67", Parent: "266.67"},
		},
		{
			// 2–13 September: 10 days, under half a month: nothing.
			name: "under half a month", schedule: absence, give: leave(day(9, 2), day(9, 13)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Net: "300.00", Parent: "300.00"},
		},
		{
			// Two absences of 6 days (2–9 and 11–18 September) around an attended day: each is under
			// half a month and they do not add up.
			name: "two short absences", schedule: absence, give: leave(day(9, 2), day(9, 9), day(9, 11), day(9, 18)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Net: "300.00", Parent: "300.00"},
		},
		{
			// 20 September – 11 October: 1 + 5 + 1 + 4 = 11 service days across the holiday: half.
			name: "across the holiday", schedule: absence, give: leave(day(9, 20), day(10, 11)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"absence_refund -33.33"}, Net: "266.67", Parent: "266.67"},
		},
		{
			// 2–16 September with 4 September cancelled by the school: the cancelled day neither
			// extends nor breaks the run, which is 10 days (no refund); the cancelled day itself is
			// deducted at 300/35 a day: 34 × 300/35 = 291.428… → 291.43.
			name: "cancelled day inside an absence", schedule: absence,
			give: both(leave(day(9, 2), day(9, 16)), cancel(Cancellation{Date: day(9, 4)})),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"school_shortfall -8.57"}, Net: "291.43", Parent: "291.43"},
		},
		{
			// Joins 9 September: 30 of 35 days, 30 × 300/35 = 257.142… → 257.14 (−42.86); then 11 days
			// away (9–23 September): half a month of the full fee, −33.33: 223.81.
			name: "late join then absence", schedule: absence,
			give: both(enrol(day(9, 9), open), leave(day(9, 9), day(9, 23))),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"enrolment -42.86", "absence_refund -33.33"}, Net: "223.81", Parent: "223.81"},
		},
		{
			// Monthly billing, 100 元 a month: away all 21 school days of September, which is less
			// than a 22-day month: half refunded.
			name:     "monthly, away the whole calendar month",
			schedule: schedule(withItem(perMonth100), withPolicy(ProrationPolicy{RuleID: "proration", Kind: ContinuousAbsence}), monthly),
			period:   september(), give: leave(day(9, 1), day(9, 30)),
			want: lineSummary{Quantity: "1", Gross: "100.00", Adjustments: []string{"absence_refund -50.00"}, Net: "50.00", Parent: "50.00"},
		},
	})
}

func TestEarlyWithdrawal(t *testing.T) {
	// 300 元 a term; leaving within the first month (last day before 2 October) refunds 50%.
	early := schedule(
		withItem(Item{RuleID: "care", Kind: BasicCare, Unit: PerTerm, Rate: dec("300")}),
		withPolicy(ProrationPolicy{RuleID: "proration", Kind: EarlyWithdrawal, WithdrawalMonths: 1, WithdrawalRefund: dec("0.5")}))
	runPolicyCases(t, []policyCase{
		{name: "stays", schedule: early, want: lineSummary{Quantity: "1", Gross: "300.00", Net: "300.00", Parent: "300.00"}},
		{
			name: "leaves within the first month", schedule: early, give: enrol(day(9, 2), day(9, 20)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"withdrawal_refund -150.00"}, Net: "150.00", Parent: "150.00"},
		},
		{
			// Last day 1 October, before 2 October: still early.
			name: "leaves on the last early day", schedule: early, give: enrol(day(9, 2), day(10, 1)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"withdrawal_refund -150.00"}, Net: "150.00", Parent: "150.00"},
		},
		{
			// Last day 2 October = period start + 1 month, exactly on the boundary: exclusive (the
			// default) says the first month is over.
			name: "leaves on the boundary day, exclusive", schedule: early, give: enrol(day(9, 2), day(10, 2)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Net: "300.00", Parent: "300.00"},
		},
		{
			name:     "leaves on the boundary day, inclusive",
			schedule: schedule(early, func(s *Schedule) { s.Proration.Boundary = Inclusive }), give: enrol(day(9, 2), day(10, 2)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"withdrawal_refund -150.00"}, Net: "150.00", Parent: "150.00"},
		},
		{
			// One day past the boundary: no refund under either.
			name:     "leaves the day after the boundary, inclusive",
			schedule: schedule(early, func(s *Schedule) { s.Proration.Boundary = Inclusive }), give: enrol(day(9, 2), day(10, 3)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Net: "300.00", Parent: "300.00"},
		},
		{
			name: "leaves later: no refund", schedule: early, give: enrol(day(9, 2), day(10, 11)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Net: "300.00", Parent: "300.00"},
		},
		{
			// Joins 23 September: 20 of 35 days, 20 × 300/35 = 171.428… → 171.43.
			name: "late join", schedule: early, give: enrol(day(9, 23), open),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"enrolment -128.57"}, Net: "171.43", Parent: "171.43"},
		},
		{
			// Joins 9 September (30 days: 257.14), leaves 27 September, early: half refunded,
			// 257.14 × 0.5 = 128.57.
			name: "late join and early withdrawal", schedule: early, give: enrol(day(9, 9), day(9, 27)),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"enrolment -42.86", "withdrawal_refund -128.57"}, Net: "128.57", Parent: "128.57"},
		},
		{
			// 10 September cancelled: 34 × 300/35 = 291.43; leaving early refunds 291.43 × 0.5 =
			// 145.715 → 145.72 (half-up), leaving 145.71.
			name: "cancelled day then early withdrawal", schedule: early,
			give: both(enrol(day(9, 2), day(9, 20)), cancel(Cancellation{Date: day(9, 10)})),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"school_shortfall -8.57", "withdrawal_refund -145.72"}, Net: "145.71", Parent: "145.71"},
		},
		{
			// Rounding down instead: 291.428… → 291.42 (−8.58); the refund 145.71 leaves 145.71.
			name: "cancelled day then early withdrawal, rounding down", schedule: schedule(early, func(s *Schedule) { s.RoundingRule = money.Down }),
			give: both(enrol(day(9, 2), day(9, 20)), cancel(Cancellation{Date: day(9, 10)})),
			want: lineSummary{Quantity: "1", Gross: "300.00", Adjustments: []string{"school_shortfall -8.58", "withdrawal_refund -145.71"}, Net: "145.71", Parent: "145.71"},
		},
	})
}

func TestFirstMonthOnly(t *testing.T) {
	// 5 元 a day: September 21 × 5 = 105.00, October 14 × 5 = 70.00; 175.00 in all.
	first := schedule(
		withItem(Item{RuleID: "care", Kind: BasicCare, Unit: PerDay, Rate: dec("5")}),
		withPolicy(ProrationPolicy{RuleID: "proration", Kind: FirstMonthOnly}))
	runPolicyCases(t, []policyCase{
		{name: "full term", schedule: first, want: lineSummary{Quantity: "35", Gross: "175.00", Net: "175.00", Parent: "175.00"}},
		{
			// Joins 23 September: September prorated, 6 × 5 = 30.00; October in full, 70.00.
			name: "late join", schedule: first, give: enrol(day(9, 23), open),
			want: lineSummary{Quantity: "35", Gross: "175.00", Adjustments: []string{"enrolment -75.00"}, Net: "100.00", Parent: "100.00"},
		},
		{
			// Joins 14 October: October from the 14th, 10 × 5 = 50.00; September nothing.
			name: "joins in the second month", schedule: first, give: enrol(day(10, 14), open),
			want: lineSummary{Quantity: "35", Gross: "175.00", Adjustments: []string{"enrolment -125.00"}, Net: "50.00", Parent: "50.00"},
		},
		{
			// Leaves after 10 September: September in full (105.00), October nothing.
			name: "withdrawal bills the month in full", schedule: first, give: enrol(day(9, 2), day(9, 10)),
			want: lineSummary{Quantity: "35", Gross: "175.00", Adjustments: []string{"enrolment -70.00"}, Net: "105.00", Parent: "105.00"},
		},
		{
			// Leave is not refunded under this policy.
			name: "leave is billed", schedule: first, give: both(enrol(day(9, 23), open), leave(day(10, 14), day(10, 18))),
			want: lineSummary{Quantity: "35", Gross: "175.00", Adjustments: []string{"enrolment -75.00"}, Net: "100.00", Parent: "100.00"},
		},
		{
			name: "school cancellation is deducted", schedule: first, give: cancel(Cancellation{Date: day(9, 10)}),
			want: lineSummary{Quantity: "35", Gross: "175.00", Adjustments: []string{"school_shortfall -5.00"}, Net: "170.00", Parent: "170.00"},
		},
		{
			// Monthly, 100 元 a month: joining 23 September bills 6 of 21 days, 28.571… → 28.57.
			name:     "monthly late join",
			schedule: schedule(first, withItem(perMonth100), monthly), period: september(), give: enrol(day(9, 23), open),
			want: lineSummary{Quantity: "1", Gross: "100.00", Adjustments: []string{"enrolment -71.43"}, Net: "28.57", Parent: "28.57"},
		},
		{
			// The next month the same student, who leaves on 15 October, pays October in full.
			name:     "monthly month after joining",
			schedule: schedule(first, withItem(perMonth100), monthly), period: october(), give: enrol(day(9, 23), day(10, 15)),
			want: lineSummary{Quantity: "1", Gross: "100.00", Net: "100.00", Parent: "100.00"},
		},
	})
}

func TestUnits(t *testing.T) {
	sept := schedule(monthly)
	runPolicyCases(t, []policyCase{
		{
			// A club at 10 元 a session plus a 2 元 enrichment surcharge, on Tuesdays and Thursdays
			// of September: 3, 5, 10, 12, 17, 19, 24, 26 = 8 sessions × 12 = 96.00.
			name:     "club per session with surcharge",
			schedule: schedule(sept, withItem(Item{RuleID: "club", Kind: Enrichment, Unit: PerSession, Rate: dec("10"), EnrichmentSurcharge: dec("2")})),
			period:   september(),
			give: func(f *StudentFacts) {
				f.Enrolments = []Enrolment{{ItemRuleID: "club", Start: day(9, 1)}}
				f.Services = []ServiceFacts{{ItemRuleID: "club", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 60,
					Weekdays: []time.Weekday{time.Thursday, time.Tuesday}}}
			},
			want: lineSummary{Quantity: "8", Gross: "96.00", Net: "96.00", Parent: "96.00"},
		},
		{
			// 45-minute periods (junior middle), one 30-minute session a day: 30/45 of a period each,
			// 21 × 30/45 = 14 periods × 3 元 = 42.00.
			name:     "short session pro rata",
			schedule: schedule(sept, withItem(Item{RuleID: "care", Kind: EveningStudy, Unit: PerPeriod, Rate: dec("3")})),
			period:   september(),
			give: func(f *StudentFacts) {
				f.Services[0] = ServiceFacts{ItemRuleID: "care", PeriodMinutes: 45, SessionsPerDay: 1, MinutesPerSession: 30}
			},
			want: lineSummary{Quantity: "14", Gross: "42.00", Net: "42.00", Parent: "42.00"},
		},
		{
			// 35 of 40 minutes at 2.5 元: 21 × 35/40 = 18.375 periods × 2.5 = 45.9375 → 45.94, rounded
			// once for the line (rounding each day would give 21 × 2.19 = 45.99).
			name:     "rounding once per line",
			schedule: schedule(sept, withItem(Item{RuleID: "care", Kind: BasicCare, Unit: PerPeriod, Rate: dec("2.5")})),
			period:   september(),
			give: func(f *StudentFacts) {
				f.Services[0] = ServiceFacts{ItemRuleID: "care", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 35}
			},
			want: lineSummary{Quantity: "18.375", Gross: "45.94", Net: "45.94", Parent: "45.94"},
		},
		{
			name: "rounding down",
			schedule: schedule(sept, withItem(Item{RuleID: "care", Kind: BasicCare, Unit: PerPeriod, Rate: dec("2.5")}),
				func(s *Schedule) { s.RoundingRule = money.Down }),
			period: september(),
			give: func(f *StudentFacts) {
				f.Services[0] = ServiceFacts{ItemRuleID: "care", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 35}
			},
			want: lineSummary{Quantity: "18.375", Gross: "45.93", Net: "45.93", Parent: "45.93"},
		},
		{
			// A per-term item of 300 元 billed monthly: 300 / 4.5 = 66.666… → 66.67 for the month.
			name:     "per term in a month",
			schedule: schedule(sept, withItem(Item{RuleID: "care", Kind: BasicCare, Unit: PerTerm, Rate: dec("300")})),
			period:   september(),
			want:     lineSummary{Quantity: "0.2222", Gross: "66.67", Net: "66.67", Parent: "66.67"},
		},
		{
			// A per-month item of 100 元 over a 4.5-month term: 450.00.
			name:     "per month in a term",
			schedule: withItem(perMonth100),
			want:     lineSummary{Quantity: "4.5", Gross: "450.00", Net: "450.00", Parent: "450.00"},
		},
	})
}

// TestWeekendCare checks the weekend and holiday rate: weekend care runs on September's weekend
// days (1, 7, 8, 14, 15, 21, 22, 28, 29: 9 days) at the holiday rate 40 instead of 30: 360.00.
func TestWeekendCare(t *testing.T) {
	s := testSchedule(monthly, withItem(Item{RuleID: "weekend", Kind: WeekendCare, Unit: PerDay, Rate: dec("30"), WeekendHolidayRate: nd("40")}))
	f := student(func(f *StudentFacts) {
		f.Enrolments = []Enrolment{{ItemRuleID: "weekend", Start: day(9, 1)}}
		f.Services = []ServiceFacts{{ItemRuleID: "weekend", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 240}}
	})
	l := mustCompute(t, s, f, september(), nil).Lines[0]
	got := []string{l.Quantity.String(), l.HolidayQuantity.String(), l.HolidayRate.String(), l.Gross.StringFixed(2)}
	if diff := cmp.Diff([]string{"0", "9", "40", "360.00"}, got); diff != "" {
		t.Errorf("weekend care (-want +got):\n%s", diff)
	}
}
