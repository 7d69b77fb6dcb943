package fee

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/fault"
)

func costSheet(total string, students int, periods string) CostSheet {
	return CostSheet{SchoolID: "school-1", TermID: "2024-autumn", Students: students, PeriodsPerStudent: dec(periods),
		Items: []CostItem{{Kind: Remuneration, Amount: dec(total)}}}
}

func TestCostPerStudentPeriod(t *testing.T) {
	tests := []struct {
		name string
		give CostSheet
		rule money.RoundingRule
		want string
	}{
		// 12000 / (100 × 60) = 2.
		{name: "exact", give: costSheet("12000", 100, "60"), want: "2.00"},
		// 10000 / (3 × 7) = 476.190476… → 476.19.
		{name: "rounded", give: costSheet("10000", 3, "7"), want: "476.19"},
		// 10 / (3 × 1) = 3.333… → up 3.34.
		{name: "rounded up", give: costSheet("10", 3, "1"), rule: money.Up, want: "3.34"},
		{
			// Six kinds add up: 3000 + 1500 + 300 + 200 + 100 + 400 = 5500 / (50 × 110) = 1.00.
			name: "all kinds",
			give: CostSheet{SchoolID: "s", TermID: "t", Students: 50, PeriodsPerStudent: dec("110"), Items: []CostItem{
				{Kind: Remuneration, Amount: dec("3000")}, {Kind: InstitutionFees, Amount: dec("1500")},
				{Kind: Materials, Amount: dec("300")}, {Kind: Utilities, Amount: dec("200")},
				{Kind: Insurance, Amount: dec("100")}, {Kind: Management, Amount: dec("400")},
			}},
			want: "1.00",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.give.CostPerStudentPeriod(tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.StringFixed(2)); diff != "" {
				t.Errorf("cost per student-period (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCostSheetValidate(t *testing.T) {
	c := CostSheet{Items: []CostItem{{Kind: "rent", Amount: dec("-1")}, {Kind: Materials, Amount: dec("0.001")}}}
	var ve *fault.ValidationError
	if !errors.As(c.Validate(), &ve) {
		t.Fatal("invalid cost sheet accepted")
	}
	var fields []string
	for _, v := range ve.Violations {
		fields = append(fields, v.Field)
	}
	want := []string{"school_id", "term_id", "students", "periods_per_student", "items[0].kind", "items[0].amount", "items[1].amount"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestComparePrice(t *testing.T) {
	// Cost 2.00 per student-period; a day is two 40-minute periods, a month 22 days, a term 4.5
	// months.
	s := testSchedule(func(s *Schedule) {
		s.Items = []Item{
			basicCare(), // 2.00 a period: coverage 1
			{RuleID: "day", Kind: ExtendedCare, Unit: PerDay, Rate: dec("5")},                                                // 5 / 2 = 2.50
			{RuleID: "month", Kind: BasicCare, Unit: PerMonth, Rate: dec("100")},                                             // 100 / 44 = 2.2727 → 2.27
			{RuleID: "term", Kind: BasicCare, Unit: PerTerm, Rate: dec("300")},                                               // 300 / 198 = 1.5151 → 1.52
			{RuleID: "club", Kind: Enrichment, Unit: PerSession, Rate: dec("8"), EnrichmentSurcharge: dec("4")},              // 12 / (60/40) = 8.00
			{RuleID: "meal", Kind: LunchCare, Unit: PerDay, MealPassThrough: true, CollectedOnBehalf: true, ProviderID: "c"}, // left out
		}
	})
	services := []ServiceFacts{twoPeriods("day"), twoPeriods("month"), twoPeriods("term"),
		{ItemRuleID: "club", PeriodMinutes: 40, SessionsPerDay: 1, MinutesPerSession: 60, Weekdays: []time.Weekday{time.Monday}}}
	got, err := ComparePrice(s, costSheet("12000", 100, "60"), services)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, pc := range got {
		rows = append(rows, []string{pc.ItemRuleID, pc.PricePerPeriod.StringFixed(2), pc.CostPerStudentPeriod.StringFixed(2), pc.Coverage.StringFixed(4)})
	}
	want := [][]string{
		{"care", "2.00", "2.00", "1.0000"},
		{"day", "2.50", "2.00", "1.2500"},
		{"month", "2.27", "2.00", "1.1350"},
		{"term", "1.52", "2.00", "0.7600"},
		{"club", "8.00", "2.00", "4.0000"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("comparison (-want +got):\n%s", diff)
	}
	if _, err := ComparePrice(s, costSheet("12000", 100, "60"), nil); err == nil {
		t.Error("ComparePrice without service facts for a per-day item: no error")
	}
}
