package fee

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Validate checks the schedule and returns a *fault.ValidationError naming every invalid field, or nil.
// It rejects, among others: negative rates, caps below a single charge, subsidy ratios that are
// not positive or do not add up to RatioWhole, effective_to before effective_from, unknown units,
// kinds and categories, and parameters given to a policy that does not use them.
func (s Schedule) Validate() error {
	v := &violations{subject: "schedule"}
	if s.ID == "" {
		v.add("id", "required")
	}
	if s.Version < 1 {
		v.add("version", "must be at least 1, got %d", s.Version)
	}
	if s.Scope.DistrictID == "" {
		v.add("scope.district_id", "required")
	}
	if s.DocumentNo == "" {
		v.add("document_no", "required: every schedule cites its published document (文号)")
	}
	if !s.EffectiveFrom.Valid() {
		v.add("effective_from", "required: a valid date")
	}
	if !s.EffectiveTo.IsZero() {
		if !s.EffectiveTo.Valid() {
			v.add("effective_to", "not a valid date")
		} else if s.EffectiveFrom.Valid() && s.EffectiveTo.Before(s.EffectiveFrom) {
			v.add("effective_to", "%s is before effective_from %s", s.EffectiveTo, s.EffectiveFrom)
		}
	}
	if !s.RoundingRule.Valid() {
		v.add("rounding_rule", "unknown rule %q (want half_up, half_even, down or up)", s.RoundingRule)
	}
	s.validateCalendar(v)
	switch s.BillingMode {
	case PrepaidTerm, Monthly, AfterService:
	default:
		v.add("billing_mode", "unknown mode %q (want prepaid_term, monthly or after_service)", s.BillingMode)
	}
	ids := map[string]string{} // rule id → field that declared it
	claim := func(id, field string) {
		if id == "" {
			v.add(field, "required")
			return
		}
		if prev, ok := ids[id]; ok {
			v.add(field, "rule id %q already used by %s", id, prev)
			return
		}
		ids[id] = field
	}
	s.validateProration(v, claim)
	if len(s.Items) == 0 || len(s.Items) > MaxItems {
		v.add("items", "between 1 and %d items are required, got %d", MaxItems, len(s.Items))
	}
	items := map[string]Item{}
	for i, it := range s.Items {
		claim(it.RuleID, fmt.Sprintf("items[%d].rule_id", i))
		items[it.RuleID] = it
		s.validateItem(v, fmt.Sprintf("items[%d]", i), it)
	}
	s.validateTimetableItems(v)
	for i, r := range s.Subsidies {
		f := fmt.Sprintf("subsidies[%d]", i)
		claim(r.RuleID, f+".rule_id")
		s.validateSubsidy(v, f, r, items)
	}
	for i, w := range s.Waivers {
		f := fmt.Sprintf("waivers[%d]", i)
		claim(w.RuleID, f+".rule_id")
		validateWaiver(v, f, w, items)
	}
	return v.err()
}

func (s Schedule) validateCalendar(v *violations) {
	checkRange := func(field string, d decimal.Decimal, max int64) {
		switch {
		case d.Sign() <= 0:
			v.add(field, "must be positive, got %s", d)
		case d.GreaterThan(decimal.NewFromInt(max)):
			v.add(field, "must be at most %d, got %s", max, d)
		case !hasPlaces(d, CalendarPlaces):
			v.add(field, "at most %d decimal places, got %s", CalendarPlaces, d)
		}
	}
	checkRange("calendar.days_per_month", s.Calendar.DaysPerMonth, 31)
	checkRange("calendar.months_per_term", s.Calendar.MonthsPerTerm, 12)
	needYear := false
	for _, r := range s.Subsidies {
		needYear = needYear || r.Kind == PerStudentYear
	}
	switch {
	case s.Calendar.TermsPerYear < 0 || s.Calendar.TermsPerYear > 4:
		v.add("calendar.terms_per_year", "must be between 1 and 4, got %d", s.Calendar.TermsPerYear)
	case needYear && s.Calendar.TermsPerYear == 0:
		v.add("calendar.terms_per_year", "required by a per_student_year subsidy")
	}
}

func (s Schedule) validateProration(v *violations, claim func(id, field string)) {
	p := s.Proration
	claim(p.RuleID, "proration.rule_id")
	switch p.Kind {
	case Exact, HalfMonth, ContinuousAbsence, EarlyWithdrawal, FirstMonthOnly:
	default:
		v.add("proration.kind", "unknown policy %q (want exact, half_month, continuous_absence, early_withdrawal or first_month_only)", p.Kind)
	}
	if p.ChargeLeave && p.Kind != Exact {
		v.add("proration.charge_leave", "only for the exact policy")
	}
	switch {
	case p.Boundary == "":
	case !p.Kind.takesBoundary():
		v.add("proration.boundary", "the %s policy has no threshold: a boundary is only for half_month, continuous_absence or early_withdrawal", p.Kind)
	case p.Boundary != Inclusive && p.Boundary != Exclusive:
		v.add("proration.boundary", "unknown boundary %q (want inclusive or exclusive)", p.Boundary)
	}
	switch {
	case p.MonthWeight == "":
	case p.Kind != HalfMonth:
		v.add("proration.month_weight", "only for the half_month policy")
	case p.MonthWeight != MonthlyRate && p.MonthWeight != SchoolDays:
		v.add("proration.month_weight", "unknown month weight %q (want monthly_rate or school_days)", p.MonthWeight)
	}
	if p.Kind == EarlyWithdrawal {
		if p.WithdrawalMonths < 1 || p.WithdrawalMonths > 12 {
			v.add("proration.withdrawal_months", "must be between 1 and 12, got %d", p.WithdrawalMonths)
		}
		checkShare(v, "proration.withdrawal_refund", p.WithdrawalRefund)
		if s.BillingMode != PrepaidTerm && s.BillingMode != "" {
			v.add("proration.kind", "early_withdrawal needs billing_mode prepaid_term, got %s", s.BillingMode)
		}
	} else {
		if p.WithdrawalMonths != 0 {
			v.add("proration.withdrawal_months", "only for the early_withdrawal policy")
		}
		if !p.WithdrawalRefund.IsZero() {
			v.add("proration.withdrawal_refund", "only for the early_withdrawal policy")
		}
	}
	if s.BillingMode == AfterService && (p.Kind != Exact || p.ChargeLeave) {
		v.add("proration.kind", "after_service billing bills delivered periods: needs exact without charge_leave")
	}
}

func (s Schedule) validateItem(v *violations, f string, it Item) {
	switch it.Kind {
	case BasicCare, Enrichment, LunchCare, ExtendedCare, EveningStudy, WeekendCare:
	default:
		v.add(f+".kind", "unknown service kind %q", it.Kind)
	}
	switch it.Unit {
	case PerPeriod, PerSession, PerDay, PerMonth, PerTerm:
	default:
		v.add(f+".unit", "unknown charging unit %q (want per_period, per_session, per_day, per_month or per_term)", it.Unit)
	}
	checkAmount(v, f+".rate", it.Rate)
	if it.WeekendHolidayRate.Valid {
		checkAmount(v, f+".weekend_holiday_rate", it.WeekendHolidayRate.Decimal)
		if !it.Unit.counted() {
			v.add(f+".weekend_holiday_rate", "only for per_period, per_session or per_day units")
		}
	}
	if !it.EnrichmentSurcharge.IsZero() {
		checkAmount(v, f+".enrichment_surcharge", it.EnrichmentSurcharge)
		if it.Kind != Enrichment {
			v.add(f+".enrichment_surcharge", "only for enrichment items")
		}
	}
	if it.CollectedOnBehalf && it.ProviderID == "" {
		v.add(f+".provider_id", "required for an item collected on behalf (代收代付)")
	}
	if !it.CollectedOnBehalf && it.ProviderID != "" {
		v.add(f+".provider_id", "only for an item collected on behalf")
	}
	anyCap := it.CapPerDay.Valid || it.CapPerMonth.Valid || it.CapPerTerm.Valid
	priced := !it.Rate.IsZero() || it.WeekendHolidayRate.Valid || !it.EnrichmentSurcharge.IsZero()
	switch {
	case it.Free && it.MealPassThrough:
		v.add(f+".free", "a meal passed through at cost cannot also be free")
	case it.Free && (priced || anyCap):
		v.add(f+".free", "a free item has no rate, surcharge or caps")
	case it.MealPassThrough:
		if priced || anyCap {
			v.add(f+".meal_pass_through", "meals are charged at actual cost: no rate, surcharge or caps")
		}
		if it.Unit != PerDay {
			v.add(f+".unit", "meals passed through at cost are per_day")
		}
		if !it.CollectedOnBehalf {
			v.add(f+".collected_on_behalf", "meals are collected on behalf of their provider (代收代付)")
		}
	}
	// Caps: each must apply to the unit, be positive, and not be below a single charge.
	single := it.Rate.Add(it.EnrichmentSurcharge)
	if it.WeekendHolidayRate.Valid {
		single = decimal.Max(single, it.WeekendHolidayRate.Decimal.Add(it.EnrichmentSurcharge))
	}
	unitName := map[ChargingUnit]string{PerPeriod: "period", PerSession: "session", PerDay: "day", PerMonth: "month", PerTerm: "term"}[it.Unit]
	checkCap := func(field string, c decimal.NullDecimal, applies bool) {
		if !c.Valid {
			return
		}
		switch {
		case !applies:
			v.add(field, "does not apply to a %s item", it.Unit)
		case c.Decimal.Sign() <= 0:
			v.add(field, "must be positive, got %s", c.Decimal)
		case c.Decimal.LessThan(single):
			v.add(field, "%s is below a single charge of %s (one %s)", c.Decimal, single, unitName)
		default:
			checkAmount(v, field, c.Decimal)
		}
	}
	checkCap(f+".cap_per_day", it.CapPerDay, it.Unit.counted())
	checkCap(f+".cap_per_month", it.CapPerMonth, it.Unit.counted())
	checkCap(f+".cap_per_term", it.CapPerTerm, it.Unit.counted() || it.Unit == PerMonth)
	if it.CapPerTerm.Valid && s.BillingMode == Monthly {
		v.add(f+".cap_per_term", "cannot be enforced under monthly billing, where each month is billed on its own")
	}
}

// validateTimetableItems checks that every timetable item is charged by one fee item at most: listed
// once in all TimetableItems, and not listed by one item while another has it as rule id (which
// also matches it).
func (s Schedule) validateTimetableItems(v *violations) {
	by := map[string]int{} // timetable item → index of the fee item that charges it
	for i, it := range s.Items {
		if it.RuleID != "" {
			by[it.RuleID] = i
		}
	}
	listed := map[string]bool{}
	for i, it := range s.Items {
		for j, id := range it.TimetableItems {
			f := fmt.Sprintf("items[%d].timetable_items[%d]", i, j)
			k, taken := by[id]
			switch {
			case id == "":
				v.add(f, "required: a timetable item id")
			case taken && k != i:
				v.add(f, "timetable item %q is already charged by items[%d] (%s): one fee item per timetable item", id, k, s.Items[k].RuleID)
			case listed[id] && k == i:
				v.add(f, "timetable item %q listed twice", id)
			default:
				by[id], listed[id] = i, true
			}
		}
	}
}

func (s Schedule) validateSubsidy(v *violations, f string, r SubsidyRule, items map[string]Item) {
	switch r.Kind {
	case PerStudentDay, PerStudentTerm, PerStudentYear, PerStudentMonth, PerStudentPeriod:
		if r.Amount.Sign() <= 0 {
			v.add(f+".amount", "must be positive, got %s", r.Amount)
		} else {
			checkAmount(v, f+".amount", r.Amount)
		}
		if !r.Percent.IsZero() {
			v.add(f+".percent", "only for percent_of_cost subsidies")
		}
	case PercentOfCost:
		checkShare(v, f+".percent", r.Percent)
		if !r.Amount.IsZero() {
			v.add(f+".amount", "not used by percent_of_cost subsidies")
		}
	case Shortfall:
		if !r.Amount.IsZero() {
			v.add(f+".amount", "not used by shortfall subsidies")
		}
		if !r.Percent.IsZero() {
			v.add(f+".percent", "not used by shortfall subsidies")
		}
	default:
		v.add(f+".kind", "unknown subsidy kind %q (want per_student_day, per_student_month, per_student_term, per_student_year, per_student_period, percent_of_cost or shortfall)", r.Kind)
	}
	checkItemRefs(v, f+".items", r.Items, items)
	if len(r.Payers) == 0 {
		v.add(f+".payers", "at least one payer is required")
	}
	seen := map[string]bool{}
	sum := decimal.Zero
	ratiosOK := true
	for j, p := range r.Payers {
		pf := fmt.Sprintf("%s.payers[%d]", f, j)
		if p.PayerID == "" {
			v.add(pf+".payer_id", "required")
		} else if seen[p.PayerID] {
			v.add(pf+".payer_id", "payer %q listed twice", p.PayerID)
		}
		seen[p.PayerID] = true
		switch {
		case p.Ratio.Sign() <= 0:
			v.add(pf+".ratio", "must be positive, got %s", p.Ratio)
			ratiosOK = false
		case !hasPlaces(p.Ratio, PercentPlaces) || p.Ratio.GreaterThan(decimal.NewFromInt(MaxAmount)):
			v.add(pf+".ratio", "at most %d decimal places and at most %d, got %s", PercentPlaces, MaxAmount, p.Ratio)
			ratiosOK = false
		}
		sum = sum.Add(p.Ratio)
	}
	if !r.RatioWhole.IsZero() {
		switch {
		case r.RatioWhole.Sign() < 0:
			v.add(f+".ratio_whole", "must be positive, got %s", r.RatioWhole)
		case ratiosOK && len(r.Payers) > 0 && !sum.Equal(r.RatioWhole):
			v.add(f+".payers", "ratios sum to %s, want ratio_whole %s", sum, r.RatioWhole)
		}
	}
}

func validateWaiver(v *violations, f string, w WaiverRule, items map[string]Item) {
	switch w.Category {
	case JiandangLika, Dibao, Tekun, Orphan, Disabled, PovertyRisk, SuddenHardship:
	default:
		v.add(f+".category", "unknown hardship category %q", w.Category)
	}
	checkShare(v, f+".percent", w.Percent)
	if w.PayerID == "" {
		v.add(f+".payer_id", "required: the waived amount is billed to a government payer")
	}
	checkItemRefs(v, f+".items", w.Items, items)
}

func checkItemRefs(v *violations, field string, refs []string, items map[string]Item) {
	seen := map[string]bool{}
	for j, id := range refs {
		if _, ok := items[id]; !ok {
			v.add(fmt.Sprintf("%s[%d]", field, j), "no item with rule id %q", id)
		} else if seen[id] {
			v.add(fmt.Sprintf("%s[%d]", field, j), "item %q listed twice", id)
		}
		seen[id] = true
	}
}

// checkAmount checks a non-negative amount in yuan within MaxAmount and AmountPlaces.
func checkAmount(v *violations, field string, d decimal.Decimal) {
	switch {
	case d.Sign() < 0:
		v.add(field, "must not be negative, got %s", d)
	case d.GreaterThan(decimal.NewFromInt(MaxAmount)):
		v.add(field, "must be at most %d, got %s", MaxAmount, d)
	case !hasPlaces(d, AmountPlaces):
		v.add(field, "at most %d decimal places, got %s", AmountPlaces, d)
	}
}

// checkShare checks a share in (0, 1] with at most PercentPlaces places.
func checkShare(v *violations, field string, d decimal.Decimal) {
	switch {
	case d.Sign() <= 0 || d.GreaterThan(decimal.NewFromInt(1)):
		v.add(field, "must be in (0, 1], got %s", d)
	case !hasPlaces(d, PercentPlaces):
		v.add(field, "at most %d decimal places, got %s", PercentPlaces, d)
	}
}

// hasPlaces reports whether d has at most places decimal places.
func hasPlaces(d decimal.Decimal, places int32) bool {
	return d.Shift(places).IsInteger()
}

// scaled returns d·10^places as an int64 when that is an exact integer of at most 18 digits. Callers
// have validated d (bounds and places), so false means a bug upstream.
func scaled(d decimal.Decimal, places int32) (int64, bool) {
	if d.NumDigits() > 18 {
		return 0, false
	}
	c := d.CoefficientInt64()
	if c == 0 {
		return 0, true
	}
	e := d.Exponent() + places
	for ; e > 0; e-- {
		if c > maxScaled || c < -maxScaled {
			return 0, false
		}
		c *= 10
	}
	for ; e < 0; e++ {
		if c%10 != 0 {
			return 0, false
		}
		c /= 10
	}
	return c, true
}

const maxScaled = 1e17 // c·10 stays within int64
