package fee

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

func TestScheduleValidate(t *testing.T) {
	payers := func(ratios ...string) []PayerRatio {
		var ps []PayerRatio
		for i, r := range ratios {
			ps = append(ps, PayerRatio{PayerID: []string{"city", "district", "province"}[i], Ratio: dec(r)})
		}
		return ps
	}
	item := func(f func(*Item)) func(*Schedule) {
		return func(s *Schedule) { f(&s.Items[0]) }
	}
	tests := []struct {
		name string
		give func(*Schedule)
		want []fault.Violation
	}{
		{name: "valid", give: func(*Schedule) {}},
		{
			name: "negative rate",
			give: item(func(it *Item) { it.Rate = dec("-2") }),
			want: []fault.Violation{{Field: "items[0].rate", Reason: "must not be negative, got -2"}},
		},
		{
			name: "day cap below one period",
			give: item(func(it *Item) { it.CapPerDay = nd("1.5") }),
			want: []fault.Violation{{Field: "items[0].cap_per_day", Reason: "1.5 is below a single charge of 2 (one period)"}},
		},
		{
			name: "term cap below one holiday period",
			give: item(func(it *Item) { it.WeekendHolidayRate = nd("4"); it.CapPerTerm = nd("3") }),
			want: []fault.Violation{{Field: "items[0].cap_per_term", Reason: "3 is below a single charge of 4 (one period)"}},
		},
		{
			name: "month cap on a per-term item",
			give: item(func(it *Item) { it.Unit = PerTerm; it.CapPerMonth = nd("100") }),
			want: []fault.Violation{{Field: "items[0].cap_per_month", Reason: "does not apply to a per_term item"}},
		},
		{
			name: "zero cap",
			give: item(func(it *Item) { it.CapPerMonth = nd("0") }),
			want: []fault.Violation{{Field: "items[0].cap_per_month", Reason: "must be positive, got 0"}},
		},
		{
			name: "term cap under monthly billing",
			give: func(s *Schedule) { s.BillingMode = Monthly; s.Items[0].CapPerTerm = nd("400") },
			want: []fault.Violation{{Field: "items[0].cap_per_term", Reason: "cannot be enforced under monthly billing, where each month is billed on its own"}},
		},
		{
			name: "unknown unit and kind",
			give: item(func(it *Item) { it.Unit = "per_hour"; it.Kind = "tutoring" }),
			want: []fault.Violation{
				{Field: "items[0].kind", Reason: `unknown service kind "tutoring"`},
				{Field: "items[0].unit", Reason: `unknown charging unit "per_hour" (want per_period, per_session, per_day, per_month or per_term)`},
			},
		},
		{
			name: "rate with too many places",
			give: item(func(it *Item) { it.Rate = dec("2.12345") }),
			want: []fault.Violation{{Field: "items[0].rate", Reason: "at most 4 decimal places, got 2.12345"}},
		},
		{
			name: "surcharge on basic care",
			give: item(func(it *Item) { it.EnrichmentSurcharge = dec("10") }),
			want: []fault.Violation{{Field: "items[0].enrichment_surcharge", Reason: "only for enrichment items"}},
		},
		{
			name: "meal with a rate and no provider",
			give: item(func(it *Item) { it.MealPassThrough = true; it.Unit = PerDay }),
			want: []fault.Violation{
				{Field: "items[0].meal_pass_through", Reason: "meals are charged at actual cost: no rate, surcharge or caps"},
				{Field: "items[0].collected_on_behalf", Reason: "meals are collected on behalf of their provider (代收代付)"},
			},
		},
		{
			name: "collected on behalf without provider",
			give: item(func(it *Item) { it.CollectedOnBehalf = true }),
			want: []fault.Violation{{Field: "items[0].provider_id", Reason: "required for an item collected on behalf (代收代付)"}},
		},
		{
			name: "effective_to before effective_from",
			give: func(s *Schedule) { s.EffectiveTo = day(8, 31).AddDays(-366) },
			want: []fault.Violation{{Field: "effective_to", Reason: "2024-08-30 is before effective_from 2024-09-01"}},
		},
		{
			name: "missing identity",
			give: func(s *Schedule) { s.ID, s.Version, s.Scope.DistrictID, s.DocumentNo = "", 0, "", "" },
			want: []fault.Violation{
				{Field: "id", Reason: "required"},
				{Field: "version", Reason: "must be at least 1, got 0"},
				{Field: "scope.district_id", Reason: "required"},
				{Field: "document_no", Reason: "required: every schedule cites its published document (文号)"},
			},
		},
		{
			// A boundary (or month weight) given to a policy that has no threshold (or months) is a
			// mistake in the notice's transcription, not something to ignore.
			name: "boundary on a policy without a threshold",
			give: func(s *Schedule) {
				s.Proration = ProrationPolicy{RuleID: "proration", Kind: Exact, Boundary: Inclusive, MonthWeight: SchoolDays}
			},
			want: []fault.Violation{
				{Field: "proration.boundary", Reason: "the exact policy has no threshold: a boundary is only for half_month, continuous_absence or early_withdrawal"},
				{Field: "proration.month_weight", Reason: "only for the half_month policy"},
			},
		},
		{
			// One timetable item charged by two fee items would be billed twice (or by whichever
			// the code found first): refused, naming the second listing.
			name: "a timetable item mapped to two fee items",
			give: func(s *Schedule) {
				s.Items = []Item{
					{RuleID: "care", Kind: BasicCare, Unit: PerPeriod, Rate: dec("2"), TimetableItems: []string{"seg-1", "seg-2"}},
					{RuleID: "late", Kind: BasicCare, Unit: PerPeriod, Rate: dec("3"), TimetableItems: []string{"seg-2", "care", "seg-3", "seg-3"}},
				}
			},
			want: []fault.Violation{
				{Field: "items[1].timetable_items[0]", Reason: `timetable item "seg-2" is already charged by items[0] (care): one fee item per timetable item`},
				{Field: "items[1].timetable_items[1]", Reason: `timetable item "care" is already charged by items[0] (care): one fee item per timetable item`},
				{Field: "items[1].timetable_items[3]", Reason: `timetable item "seg-3" listed twice`},
			},
		},
		{
			name: "unknown boundary and month weight",
			give: func(s *Schedule) {
				s.Proration = ProrationPolicy{RuleID: "proration", Kind: HalfMonth, Boundary: "at_least", MonthWeight: "days"}
			},
			want: []fault.Violation{
				{Field: "proration.boundary", Reason: `unknown boundary "at_least" (want inclusive or exclusive)`},
				{Field: "proration.month_weight", Reason: `unknown month weight "days" (want monthly_rate or school_days)`},
			},
		},
		{
			name: "subsidy ratio not positive",
			give: func(s *Schedule) {
				s.Subsidies = []SubsidyRule{{RuleID: "s", Kind: PerStudentDay, Amount: dec("2.5"), Payers: payers("4", "0", "-1")}}
			},
			want: []fault.Violation{
				{Field: "subsidies[0].payers[1].ratio", Reason: "must be positive, got 0"},
				{Field: "subsidies[0].payers[2].ratio", Reason: "must be positive, got -1"},
			},
		},
		{
			name: "subsidy without payers",
			give: func(s *Schedule) {
				s.Subsidies = []SubsidyRule{{RuleID: "s", Kind: PerStudentDay, Amount: dec("2.5")}}
			},
			want: []fault.Violation{{Field: "subsidies[0].payers", Reason: "at least one payer is required"}},
		},
		{
			name: "subsidy ratios do not sum to the whole",
			give: func(s *Schedule) {
				s.Subsidies = []SubsidyRule{{RuleID: "s", Kind: PerStudentDay, Amount: dec("2.5"), Payers: payers("40", "50"), RatioWhole: dec("100")}}
			},
			want: []fault.Violation{{Field: "subsidies[0].payers", Reason: "ratios sum to 90, want ratio_whole 100"}},
		},
		{
			name: "subsidy kind and references",
			give: func(s *Schedule) {
				s.Subsidies = []SubsidyRule{
					{RuleID: "s1", Kind: "per_lesson", Payers: payers("1")},
					{RuleID: "s2", Kind: PercentOfCost, Percent: dec("1.5"), Items: []string{"club"}, Payers: payers("1")},
				}
			},
			want: []fault.Violation{
				{Field: "subsidies[0].kind", Reason: `unknown subsidy kind "per_lesson" (want per_student_day, per_student_month, per_student_term, per_student_year, per_student_period, percent_of_cost or shortfall)`},
				{Field: "subsidies[1].percent", Reason: "must be in (0, 1], got 1.5"},
				{Field: "subsidies[1].items[0]", Reason: `no item with rule id "club"`},
			},
		},
		{
			name: "per student year needs terms per year",
			give: func(s *Schedule) {
				s.Calendar.TermsPerYear = 0
				s.Subsidies = []SubsidyRule{{RuleID: "s", Kind: PerStudentYear, Amount: dec("30"), Payers: payers("1")}}
			},
			want: []fault.Violation{{Field: "calendar.terms_per_year", Reason: "required by a per_student_year subsidy"}},
		},
		{
			name: "waiver",
			give: func(s *Schedule) {
				s.Waivers = []WaiverRule{{RuleID: "care", Category: "rich", Percent: dec("0")}}
			},
			want: []fault.Violation{
				{Field: "waivers[0].rule_id", Reason: `rule id "care" already used by items[0].rule_id`},
				{Field: "waivers[0].category", Reason: `unknown hardship category "rich"`},
				{Field: "waivers[0].percent", Reason: "must be in (0, 1], got 0"},
				{Field: "waivers[0].payer_id", Reason: "required: the waived amount is billed to a government payer"},
			},
		},
		{
			name: "policy parameters",
			give: func(s *Schedule) {
				s.Proration = ProrationPolicy{RuleID: "p", Kind: HalfMonth, WithdrawalMonths: 2, ChargeLeave: true}
			},
			want: []fault.Violation{
				{Field: "proration.charge_leave", Reason: "only for the exact policy"},
				{Field: "proration.withdrawal_months", Reason: "only for the early_withdrawal policy"},
			},
		},
		{
			name: "early withdrawal parameters and mode",
			give: func(s *Schedule) {
				s.BillingMode = Monthly
				s.Proration = ProrationPolicy{RuleID: "p", Kind: EarlyWithdrawal, WithdrawalRefund: dec("0.5")}
			},
			want: []fault.Violation{
				{Field: "proration.withdrawal_months", Reason: "must be between 1 and 12, got 0"},
				{Field: "proration.kind", Reason: "early_withdrawal needs billing_mode prepaid_term, got monthly"},
			},
		},
		{
			name: "after service needs exact",
			give: func(s *Schedule) { s.BillingMode = AfterService; s.Proration.Kind = HalfMonth },
			want: []fault.Violation{{Field: "proration.kind", Reason: "after_service billing bills delivered periods: needs exact without charge_leave"}},
		},
		{
			name: "calendar and rounding",
			give: func(s *Schedule) {
				s.Calendar.DaysPerMonth, s.Calendar.MonthsPerTerm = dec("0"), dec("4.555")
				s.RoundingRule = "nearest"
			},
			want: []fault.Violation{
				{Field: "rounding_rule", Reason: `unknown rule "nearest" (want half_up, half_even, down or up)`},
				{Field: "calendar.days_per_month", Reason: "must be positive, got 0"},
				{Field: "calendar.months_per_term", Reason: "at most 2 decimal places, got 4.555"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSchedule(tt.give)
			err := s.Validate()
			var got []fault.Violation
			var ve *fault.ValidationError
			if errors.As(err, &ve) {
				got = ve.Violations
				if ve.Subject != "schedule" {
					t.Errorf("subject = %q", ve.Subject)
				}
			} else if err != nil {
				t.Fatalf("Validate error %v is not a *fault.ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidationErrorMessage(t *testing.T) {
	err := testSchedule(func(s *Schedule) { s.Items[0].Rate = dec("-1"); s.DocumentNo = "" }).Validate()
	want := "invalid schedule: document_no: required: every schedule cites its published document (文号); items[0].rate: must not be negative, got -1"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
}

func TestCheckOverlap(t *testing.T) {
	sched := func(id string, version int, school string, from, to civil.Date) Schedule {
		return testSchedule(func(s *Schedule) {
			s.ID, s.Version, s.Scope.SchoolID, s.EffectiveFrom, s.EffectiveTo = id, version, school, from, to
			s.DocumentNo = "doc-" + id
		})
	}
	autumn := sched("autumn", 1, "", day(9, 1), day(1, 31))
	spring := sched("spring", 1, "", day(2, 1), open)
	tests := []struct {
		name     string
		existing []Schedule
		give     Schedule
		want     *OverlapError
	}{
		{name: "no other schedule", give: autumn},
		{name: "after", existing: []Schedule{autumn}, give: sched("next", 1, "", day(2, 1), day(6, 30))},
		{name: "other district", existing: []Schedule{autumn}, give: func() Schedule {
			s := sched("x", 1, "", day(9, 1), open)
			s.Scope.DistrictID = "taijiang"
			return s
		}()},
		{name: "school over district", existing: []Schedule{autumn}, give: sched("school", 1, "school-1", day(9, 1), day(1, 31))},
		{name: "new version of itself", existing: []Schedule{autumn}, give: sched("autumn", 2, "", day(9, 1), day(6, 30))},
		{
			name: "starts inside", existing: []Schedule{autumn}, give: sched("x", 1, "", day(1, 15), open),
			want: &OverlapError{Field: "effective_from", OtherID: "autumn", OtherVersion: 1, OtherFrom: day(9, 1), OtherTo: day(1, 31), OtherDocument: "doc-autumn"},
		},
		{
			name: "runs into", existing: []Schedule{autumn}, give: sched("x", 1, "", day(8, 1).AddDays(-365), day(9, 10)),
			want: &OverlapError{Field: "effective_to", OtherID: "autumn", OtherVersion: 1, OtherFrom: day(9, 1), OtherTo: day(1, 31), OtherDocument: "doc-autumn"},
		},
		{
			name: "open-ended existing", existing: []Schedule{spring}, give: sched("x", 1, "", day(7, 1), day(8, 31)),
			want: &OverlapError{Field: "effective_from", OtherID: "spring", OtherVersion: 1, OtherFrom: day(2, 1), OtherDocument: "doc-spring"},
		},
		{
			name: "earliest conflict whatever the order", existing: []Schedule{spring, autumn}, give: sched("x", 1, "", day(9, 1), open),
			want: &OverlapError{Field: "effective_from", OtherID: "autumn", OtherVersion: 1, OtherFrom: day(9, 1), OtherTo: day(1, 31), OtherDocument: "doc-autumn"},
		},
		{
			// Only the latest version of another schedule counts: autumn v2 was cut back to December.
			name: "superseded version ignored", existing: []Schedule{autumn, sched("autumn", 2, "", day(9, 1), day(12, 31))},
			give: sched("x", 1, "", day(1, 1), day(1, 31)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckOverlap(tt.existing, tt.give)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckOverlap = %v, want nil", err)
				}
				return
			}
			var got *OverlapError
			if !errors.As(err, &got) || !errors.Is(err, ErrOverlap) {
				t.Fatalf("CheckOverlap = %v, want an *OverlapError wrapping ErrOverlap", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("overlap (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOverlapErrorMessage(t *testing.T) {
	e := &OverlapError{Field: "effective_from", OtherID: "autumn", OtherVersion: 3, OtherFrom: day(9, 1), OtherDocument: "鼓教〔2024〕7号"}
	want := "effective_from: effective dates overlap another schedule in the same scope: schedule autumn version 3 (鼓教〔2024〕7号, 2024-09-01 to open end)"
	if diff := cmp.Diff(want, e.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	var ve *fault.ValidationError
	if !errors.As(error(e), &ve) || len(ve.Violations) != 1 || ve.Violations[0].Field != "effective_from" {
		t.Errorf("as a validation error = %v", ve)
	}
}

func TestApplicable(t *testing.T) {
	district := testSchedule(func(s *Schedule) { s.ID = "district" })
	district2 := testSchedule(func(s *Schedule) { s.ID, s.Version, s.EffectiveFrom = "district", 2, day(10, 1) })
	school := testSchedule(func(s *Schedule) {
		s.ID, s.Scope.SchoolID, s.EffectiveFrom, s.EffectiveTo = "school", "school-1", day(11, 1), day(11, 30)
	})
	all := []Schedule{school, district2, district}
	tests := []struct {
		name   string
		school string
		on     civil.Date
		want   string // id/version, or "" for ErrNoSchedule
	}{
		{name: "school's own", school: "school-1", on: day(11, 15), want: "school/1"},
		{name: "district's for another school", school: "school-2", on: day(11, 15), want: "district/2"},
		{name: "district's outside the school's dates", school: "school-1", on: day(12, 1), want: "district/2"},
		{name: "superseded version's dates no longer count", school: "school-1", on: day(9, 15), want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Applicable(all, "gulou", tt.school, tt.on)
			if tt.want == "" {
				if !errors.Is(err, ErrNoSchedule) {
					t.Fatalf("Applicable error = %v, want ErrNoSchedule", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, fmt.Sprintf("%s/%d", got.ID, got.Version)); diff != "" {
				t.Errorf("Applicable (-want +got):\n%s", diff)
			}
		})
	}
}
