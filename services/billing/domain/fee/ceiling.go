package fee

import (
	"fmt"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"
)

// PriceCeiling is a bureau's price ceiling notice (最高限价): the most a school of a category may
// charge per period, month or term for a kind of service, published under a document number
// (文号). School schedules are held to it when they are created, so a price above the ceiling
// never reaches a parent; the published schedule (收费公示) shows the ceilings beside the prices.
type PriceCeiling struct {
	ID         string
	DistrictID string
	// DocumentNo is the notice's 文号, named in every refusal.
	DocumentNo string
	// EffectiveFrom and EffectiveTo are inclusive; a zero EffectiveTo means open-ended. A
	// ceiling binds the schedules whose effective dates overlap its own.
	EffectiveFrom civil.Date
	EffectiveTo   civil.Date
	// SchoolCategory is the 学校类别 the ceiling applies to (urban, county, rural); empty means
	// every school.
	SchoolCategory string
	Limits         []CeilingLimit
}

// CeilingLimit is one ceiling: the most charged per Unit for Kind.
type CeilingLimit struct {
	// Kind is the service kind limited; empty means every kind.
	Kind ServiceKind
	// Unit is per_period, per_month or per_term.
	Unit ChargingUnit
	// Max is the ceiling in yuan.
	Max decimal.Decimal
}

// Validate checks the ceiling and returns a *fault.ValidationError naming every invalid field, or nil.
func (c PriceCeiling) Validate() error {
	v := &violations{subject: "price ceiling"}
	if c.ID == "" {
		v.add("ceiling_id", "required")
	}
	if c.DistrictID == "" {
		v.add("district_id", "required")
	}
	if c.DocumentNo == "" {
		v.add("document_no", "required: a ceiling cites its published notice (文号)")
	}
	if !c.EffectiveFrom.Valid() {
		v.add("effective_from", "required: a valid date")
	}
	if !c.EffectiveTo.IsZero() && (!c.EffectiveTo.Valid() || (c.EffectiveFrom.Valid() && c.EffectiveTo.Before(c.EffectiveFrom))) {
		v.add("effective_to", "must be a valid date not before effective_from")
	}
	switch c.SchoolCategory {
	case "", "urban", "county", "rural":
	default:
		v.add("school_category", "unknown category %q (want urban, county, rural or empty for every school)", c.SchoolCategory)
	}
	if len(c.Limits) == 0 || len(c.Limits) > MaxItems {
		v.add("limits", "between 1 and %d limits are required, got %d", MaxItems, len(c.Limits))
	}
	seen := map[[2]string]int{}
	for i, l := range c.Limits {
		f := fmt.Sprintf("limits[%d]", i)
		switch l.Kind {
		case "", BasicCare, Enrichment, LunchCare, ExtendedCare, EveningStudy, WeekendCare:
		default:
			v.add(f+".kind", "unknown service kind %q", l.Kind)
		}
		switch l.Unit {
		case PerPeriod, PerMonth, PerTerm:
		default:
			v.add(f+".unit", "unknown unit %q (want per_period, per_month or per_term)", l.Unit)
		}
		if l.Max.Sign() <= 0 {
			v.add(f+".max", "must be positive, got %s", l.Max)
		} else {
			checkAmount(v, f+".max", l.Max)
		}
		k := [2]string{string(l.Kind), string(l.Unit)}
		if j, dup := seen[k]; dup {
			v.add(f, "repeats limits[%d] (%s %s)", j, l.Kind, l.Unit)
		}
		seen[k] = i
	}
	return v.err()
}

// binds reports whether c applies to a schedule of a school of category (empty: a district-wide
// schedule, which every category's ceiling binds) with the given effective dates.
func (c PriceCeiling) binds(category string, from, to civil.Date) bool {
	if c.SchoolCategory != "" && category != "" && c.SchoolCategory != category {
		return false
	}
	return overlaps(c.EffectiveFrom, c.EffectiveTo, from, to)
}

// BindingCeilings returns the ceilings that bind schedule s of a school of category (empty for a
// district-wide schedule, which every category's ceilings bind), in the given order.
func BindingCeilings(s Schedule, category string, ceilings []PriceCeiling) []PriceCeiling {
	var out []PriceCeiling
	for _, c := range ceilings {
		if c.DistrictID == s.Scope.DistrictID && c.binds(category, s.EffectiveFrom, s.EffectiveTo) {
			out = append(out, c)
		}
	}
	return out
}

// CheckCeilings returns a *fault.ValidationError naming every price of s above a binding ceiling, with
// the ceiling and its document, or nil. Per item (free items and meals at cost aside), a
// per_period ceiling holds the per_period rate (plus surcharge; the weekend and holiday rate
// too); a per_month ceiling holds a per_month rate, a per_term rate ÷ MonthsPerTerm and any cap
// per month; a per_term ceiling holds a per_term rate, a per_month rate × MonthsPerTerm and any
// cap per term.
func CheckCeilings(s Schedule, category string, ceilings []PriceCeiling) error {
	v := &violations{subject: "schedule"}
	for _, c := range BindingCeilings(s, category, ceilings) {
		for _, l := range c.Limits {
			for i, it := range s.Items {
				if it.Free || it.MealPassThrough || (l.Kind != "" && l.Kind != it.Kind) {
					continue
				}
				over := func(field string, price decimal.Decimal, what string) {
					if price.GreaterThan(l.Max) {
						v.add(fmt.Sprintf("items[%d].%s", i, field), "%s %s is above the ceiling of %s %s (%s, %s)",
							what, price, l.Max, l.Unit, c.ID, c.DocumentNo)
					}
				}
				rate := it.Rate.Add(it.EnrichmentSurcharge)
				switch {
				case l.Unit == it.Unit && (it.Unit == PerPeriod || it.Unit == PerMonth || it.Unit == PerTerm):
					over("rate", rate, "rate")
					if it.WeekendHolidayRate.Valid {
						over("weekend_holiday_rate", it.WeekendHolidayRate.Decimal.Add(it.EnrichmentSurcharge), "weekend and holiday rate")
					}
				case l.Unit == PerMonth && it.Unit == PerTerm && s.Calendar.MonthsPerTerm.Sign() > 0:
					over("rate", rate.DivRound(s.Calendar.MonthsPerTerm, 4), "monthly price (rate ÷ months_per_term)")
				case l.Unit == PerTerm && it.Unit == PerMonth:
					over("rate", rate.Mul(s.Calendar.MonthsPerTerm), "term price (rate × months_per_term)")
				}
				if l.Unit == PerMonth && it.CapPerMonth.Valid {
					over("cap_per_month", it.CapPerMonth.Decimal, "cap per month")
				}
				if l.Unit == PerTerm && it.CapPerTerm.Valid {
					over("cap_per_term", it.CapPerTerm.Decimal, "cap per term")
				}
			}
		}
	}
	return v.err()
}
