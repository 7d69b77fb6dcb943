package fee

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

// urbanCeiling is 2.5 元 a period and 400 元 a term for urban schools' basic care, and 60 元 a
// month for every kind.
func urbanCeiling() PriceCeiling {
	return PriceCeiling{ID: "c1", DistrictID: "gulou", DocumentNo: "闽价〔2024〕5号", EffectiveFrom: day(9, 1), SchoolCategory: "urban",
		Limits: []CeilingLimit{{Kind: BasicCare, Unit: PerPeriod, Max: dec("2.5")}, {Kind: BasicCare, Unit: PerTerm, Max: dec("400")},
			{Unit: PerMonth, Max: dec("60")}}}
}

func TestCheckCeilings(t *testing.T) {
	tests := []struct {
		name     string
		give     func(*Schedule)
		category string
		want     []fault.Violation
	}{
		{name: "at the ceiling", give: func(s *Schedule) { s.Items[0].Rate = dec("2.5") }, category: "urban"},
		{
			name: "a fen in a hundred above", give: func(s *Schedule) { s.Items[0].Rate = dec("2.5001") }, category: "urban",
			want: []fault.Violation{{Field: "items[0].rate", Reason: "rate 2.5001 is above the ceiling of 2.5 per_period (c1, 闽价〔2024〕5号)"}},
		},
		{name: "another category is not bound", give: func(s *Schedule) { s.Items[0].Rate = dec("3") }, category: "rural"},
		{
			name: "a district-wide schedule is bound by every category", give: func(s *Schedule) { s.Items[0].Rate = dec("3") },
			want: []fault.Violation{{Field: "items[0].rate", Reason: "rate 3 is above the ceiling of 2.5 per_period (c1, 闽价〔2024〕5号)"}},
		},
		{
			name: "holiday rate and term cap", category: "urban",
			give: func(s *Schedule) { s.Items[0].WeekendHolidayRate, s.Items[0].CapPerTerm = nd("4"), nd("450") },
			want: []fault.Violation{
				{Field: "items[0].weekend_holiday_rate", Reason: "weekend and holiday rate 4 is above the ceiling of 2.5 per_period (c1, 闽价〔2024〕5号)"},
				{Field: "items[0].cap_per_term", Reason: "cap per term 450 is above the ceiling of 400 per_term (c1, 闽价〔2024〕5号)"},
			},
		},
		{
			// 100 a month × 4.5 months = 450 > 400 a term, and 100 > 60 a month.
			name: "a monthly price against month and term ceilings", category: "urban",
			give: func(s *Schedule) {
				s.Items[0] = Item{RuleID: "care", Kind: BasicCare, Unit: PerMonth, Rate: dec("100")}
			},
			want: []fault.Violation{
				{Field: "items[0].rate", Reason: "term price (rate × months_per_term) 450 is above the ceiling of 400 per_term (c1, 闽价〔2024〕5号)"},
				{Field: "items[0].rate", Reason: "rate 100 is above the ceiling of 60 per_month (c1, 闽价〔2024〕5号)"},
			},
		},
		{
			name: "not yet in force", category: "urban",
			give: func(s *Schedule) {
				s.Items[0].Rate, s.EffectiveFrom, s.EffectiveTo = dec("3"), civil.New(2024, 3, 1), civil.New(2024, 8, 31)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSchedule(tt.give)
			err := CheckCeilings(s, tt.category, []PriceCeiling{urbanCeiling()})
			var got []fault.Violation
			if err != nil {
				got = err.(*fault.ValidationError).Violations
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
	if err := urbanCeiling().Validate(); err != nil {
		t.Errorf("valid ceiling: %v", err)
	}
	bad := urbanCeiling()
	bad.DocumentNo, bad.SchoolCategory = "", "city"
	bad.Limits = append(bad.Limits, CeilingLimit{Unit: PerDay, Max: dec("0")})
	if err := bad.Validate(); err == nil || len(err.(*fault.ValidationError).Violations) != 4 {
		t.Errorf("bad ceiling: %v, want 4 violations (document_no, school_category, limits[3].unit, limits[3].max)", err)
	}
}
