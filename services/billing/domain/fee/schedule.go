package fee

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/money"
)

// Bounds on schedule and fact values. They keep every computation exact in 64-bit integers (see
// README.md) and catch typing slips (a rate of 20000 instead of 2.0000) early.
const (
	// MaxAmount is the largest rate, cap, subsidy amount or daily meal cost accepted, in yuan.
	MaxAmount = 1_000_000
	// AmountPlaces is the most decimal places a rate, cap, subsidy amount or meal cost may have
	// (1/100 fen), so that a rate such as 2.125 元/课时 is expressible but nothing finer.
	AmountPlaces = 4
	// PercentPlaces is the most decimal places a percentage or ratio may have (0.3333 = 33.33%).
	PercentPlaces = 4
	// CalendarPlaces is the most decimal places of DaysPerMonth and MonthsPerTerm (21.75, 4.5).
	CalendarPlaces = 2
	// MaxPeriodDays is the longest billing period, in calendar days.
	MaxPeriodDays = 400
	// MaxItems is the most items a schedule may have.
	MaxItems = 64
)

// Scope is where a schedule applies: a whole district, or one school in it. A school's own schedule
// overrides the district's for its dates.
type Scope struct {
	DistrictID string
	// SchoolID is empty for a district-wide schedule.
	SchoolID string
}

// Calendar holds the calendar constants a schedule uses to convert between units, because every
// place fixes its own (a month of 22 service days, a term of 4.5 months).
type Calendar struct {
	// DaysPerMonth is the number of service days in a month (e.g. 22). It converts a day count into
	// months for the continuous-absence refund and a monthly fee into a daily one.
	DaysPerMonth decimal.Decimal
	// MonthsPerTerm is the length of a term in months (e.g. 4.5). A per_month item costs
	// MonthsPerTerm months in a term; a per_term item costs 1/MonthsPerTerm of its rate in a month.
	MonthsPerTerm decimal.Decimal
	// TermsPerYear divides a per_student_year subsidy between terms (usually 2). Required only when a
	// schedule has such a subsidy.
	TermsPerYear int
}

// BillingMode is when parents are billed; it fixes the kind of period the engine accepts.
type BillingMode string

// The billing modes of DOMAIN.md §2.
const (
	// PrepaidTerm bills once per term in advance and settles at term end (一期一结): the end-of-term
	// run computes the actual charge and the difference is refunded or offset, never carried over.
	PrepaidTerm BillingMode = "prepaid_term"
	// Monthly bills each calendar month.
	Monthly BillingMode = "monthly"
	// AfterService bills after the service at the delivered periods; it requires exact proration.
	AfterService BillingMode = "after_service"
)

// ProrationKind names a proration and refund policy family of DOMAIN.md §2.
type ProrationKind string

// The proration families. README.md gives each one's exact arithmetic.
const (
	// Exact bills the service actually delivered to the student: days not enrolled, days the school
	// cancelled or fell short of the required minutes, cancelled sessions and (unless ChargeLeave)
	// leave days are deducted.
	Exact ProrationKind = "exact"
	// HalfMonth bills each calendar month whole, half or not at all: attendance of at most half the
	// month's service days bills half a month, more bills the full month, none bills nothing.
	HalfMonth ProrationKind = "half_month"
	// ContinuousAbsence refunds leave only in blocks: an unbroken absence of a whole month
	// (DaysPerMonth service days) refunds a month, of at least half a month refunds half a month.
	ContinuousAbsence ProrationKind = "continuous_absence"
	// EarlyWithdrawal refunds a fixed share of the fee to a student who leaves within the first
	// WithdrawalMonths months of the period, and nothing later.
	EarlyWithdrawal ProrationKind = "early_withdrawal"
	// FirstMonthOnly prorates by days only the first month of a late joiner; every other month with
	// any enrolment is billed in full.
	FirstMonthOnly ProrationKind = "first_month_only"
)

// Boundary says on which side of a threshold policy's threshold a value exactly at the threshold
// falls, because notices differ ("不足半月" / "超过半月" / "满半月" / "满一个月") and a schedule must
// say which it means instead of inheriting whatever the code happened to do.
type Boundary string

// The boundary settings. The empty Boundary is the policy's documented default (DefaultBoundary).
const (
	// Inclusive: a value exactly at the threshold reaches it (满半月, "at least half").
	Inclusive Boundary = "inclusive"
	// Exclusive: a value must exceed the threshold to reach it (超过半月, "more than half"); exactly
	// at the threshold stays below it ("at most half").
	Exclusive Boundary = "exclusive"
)

// takesBoundary reports whether a proration family has a threshold and so a Boundary setting.
func (k ProrationKind) takesBoundary() bool {
	return k == HalfMonth || k == ContinuousAbsence || k == EarlyWithdrawal
}

// DefaultBoundary is the boundary a threshold policy uses when its schedule leaves Boundary empty;
// these are the readings the engine always had, so stored schedules keep their figures:
// half_month exclusive (attending exactly half the month's service days bills half a month),
// continuous_absence inclusive (an absence of exactly half a month refunds half a month, exactly a
// month a month), early_withdrawal exclusive (a last enrolled day exactly N months after the
// period start is no longer "within the first N months"). It is empty for policies without a
// threshold.
func DefaultBoundary(k ProrationKind) Boundary {
	switch k {
	case HalfMonth, EarlyWithdrawal:
		return Exclusive
	case ContinuousAbsence:
		return Inclusive
	}
	return ""
}

// MonthWeight is how the half-month policy values a calendar month of a flat (per_month or
// per_term) item.
type MonthWeight string

// The month weights of the half-month policy.
const (
	// MonthlyRate values every calendar month at the monthly price X (a per_term rate divided by
	// MonthsPerTerm): a full month bills X and a half month X/2 whatever number of school days the
	// month happens to have, which is what a notice "X 元/月，不足半月按半月计" means. The sum is held to
	// the full period's fee (X × MonthsPerTerm for a term). It is the default.
	MonthlyRate MonthWeight = "monthly_rate"
	// SchoolDays values each calendar month at its share of the period's fee by school days (the
	// period fee spread evenly over the service days): an explicit choice for places that weigh
	// months that way.
	SchoolDays MonthWeight = "school_days"
)

// ProrationPolicy is the schedule's proration and refund rule, one family plus its parameters.
type ProrationPolicy struct {
	// RuleID names the rule on statements, like an item's rule id.
	RuleID string
	Kind   ProrationKind
	// Boundary (half_month, continuous_absence and early_withdrawal only) says whether a value
	// exactly at the policy's threshold reaches it; empty means DefaultBoundary(Kind).
	Boundary Boundary
	// MonthWeight (half_month only) values the months of per_month and per_term items; empty means
	// MonthlyRate. Counted items (per period, session or day) are always worth their month's
	// planned value.
	MonthWeight MonthWeight
	// ChargeLeave (exact only) bills leave days as if attended; only enrolment and the school's own
	// shortfalls are then prorated.
	ChargeLeave bool
	// WithdrawalMonths (early_withdrawal only) is N: a student whose last enrolled day is before the
	// period start plus N calendar months gets WithdrawalRefund back.
	WithdrawalMonths int
	// WithdrawalRefund (early_withdrawal only) is the refunded share of the fee, in (0, 1].
	WithdrawalRefund decimal.Decimal
}

// ServiceKind is the kind of after-school service an item is, as the bureau reports it.
type ServiceKind string

// The service kinds of DOMAIN.md §1.
const (
	// BasicCare is 基础托管: homework supervision in the student's own class.
	BasicCare ServiceKind = "basic_care"
	// Enrichment is 兴趣拓展: clubs, which may carry a surcharge.
	Enrichment ServiceKind = "enrichment"
	// LunchCare is 午托.
	LunchCare ServiceKind = "lunch_care"
	// ExtendedCare is 延时: care after the normal off-work time.
	ExtendedCare ServiceKind = "extended_care"
	// EveningStudy is 晚自习 in junior middle schools.
	EveningStudy ServiceKind = "evening_study"
	// WeekendCare runs on weekend and holiday days instead of school days.
	WeekendCare ServiceKind = "weekend_care"
)

// ChargingUnit is what an item's rate is per.
type ChargingUnit string

// The charging units. Per period, per session and per day are counted day by day; per month and per
// term are flat rates spread over the period's service days.
const (
	// PerPeriod charges per 课时: a session's minutes divided by the period length, pro rata.
	PerPeriod ChargingUnit = "per_period"
	// PerSession charges per session held.
	PerSession ChargingUnit = "per_session"
	// PerDay charges per service day.
	PerDay ChargingUnit = "per_day"
	// PerMonth charges per month; a term is Calendar.MonthsPerTerm months.
	PerMonth ChargingUnit = "per_month"
	// PerTerm charges per term; a month is 1/Calendar.MonthsPerTerm of a term.
	PerTerm ChargingUnit = "per_term"
)

// counted reports whether the unit is counted day by day.
func (u ChargingUnit) counted() bool { return u == PerPeriod || u == PerSession || u == PerDay }

// Item is one charged service in a schedule, with its unit, rates and caps.
type Item struct {
	// RuleID identifies the item on statements and in subsidy and waiver rules; unique in the
	// schedule.
	RuleID string
	// Name is the item's name as published (基础托管服务费).
	Name string
	Kind ServiceKind
	Unit ChargingUnit
	// Rate is the price per unit in yuan.
	Rate decimal.Decimal
	// WeekendHolidayRate, if valid, replaces Rate for units delivered on weekend and holiday days
	// (counted units only).
	WeekendHolidayRate decimal.NullDecimal
	// EnrichmentSurcharge is added to the rate of every unit (enrichment items only), e.g. +10 元.
	EnrichmentSurcharge decimal.Decimal
	// CapPerDay, CapPerMonth and CapPerTerm, if valid, are ceilings on the item's charge per
	// service day, per calendar month and per term. Day and month caps apply to counted units; the
	// term cap to counted units and per_month.
	CapPerDay   decimal.NullDecimal
	CapPerMonth decimal.NullDecimal
	CapPerTerm  decimal.NullDecimal
	// Free marks a service offered at no charge (lunch care in some cities); its lines show the
	// quantity and zero amounts.
	Free bool
	// MealPassThrough marks meals charged at actual cost (facts' MealCosts), never marked up: the
	// item has no rate, its unit is per_day, and it must be collected on behalf of its provider.
	MealPassThrough bool
	// CollectedOnBehalf marks 代收代付: the money passes through the school to ProviderID (an outside
	// institution or a meal supplier) and is not school income.
	CollectedOnBehalf bool
	ProviderID        string
	// TimetableItems lists the timetable items (服务项目) this fee item charges, when the school's
	// items are not matched by rule id or by the only fee item of their kind (a school with two
	// basic-care segments and two basic-care fee items, say). A timetable item may be listed by one
	// fee item only.
	TimetableItems []string `json:",omitempty"`
}

// SubsidyKind is how a government subsidy is computed.
type SubsidyKind string

// The subsidy kinds of DOMAIN.md §2.
const (
	// PerStudentDay pays Amount for each service day the student received (enrolled, present, and
	// delivered by the school) on any covered item.
	PerStudentDay SubsidyKind = "per_student_day"
	// PerStudentTerm pays Amount per term, prorated by the share of the period's service days the
	// student was enrolled; a month period gets 1/MonthsPerTerm of it.
	PerStudentTerm SubsidyKind = "per_student_term"
	// PerStudentYear pays Amount per school year: Amount/TermsPerYear per term, then as
	// PerStudentTerm.
	PerStudentYear SubsidyKind = "per_student_year"
	// PercentOfCost pays Percent of the student's cost: the cost sheet's published cost per
	// student-period times the periods delivered to the student on covered items.
	PercentOfCost SubsidyKind = "percent_of_cost"
	// PerStudentMonth pays Amount per month, prorated by the share of the period's service days the
	// student was enrolled; a term period counts MonthsPerTerm months.
	PerStudentMonth SubsidyKind = "per_student_month"
	// PerStudentPeriod pays Amount per period (课时) delivered to the student on covered items
	// (served days only, minutes over period minutes, exactly), rounded once.
	PerStudentPeriod SubsidyKind = "per_student_period"
	// Shortfall tops the school up to cost: the student's cost (as for PercentOfCost) minus the
	// charges of the covered items, when positive. It is billed in full to its payers on a line of
	// its own and does not reduce what parents pay.
	Shortfall SubsidyKind = "shortfall"
)

// PayerRatio is one payer's part of a subsidy split, e.g. city 4 in city:district = 4:6.
type PayerRatio struct {
	// PayerID names the government payer billed for this share (e.g. "city-finance").
	PayerID string
	// Ratio is the payer's weight; it must be positive.
	Ratio decimal.Decimal
}

// SubsidyRule is a government subsidy (政府补助) and how it is split between payers.
type SubsidyRule struct {
	RuleID string
	Kind   SubsidyKind
	// Amount is the yuan per student per day, month, term, year or period (per_student_* kinds).
	Amount decimal.Decimal
	// Percent is the share of cost paid, in (0, 1] (percent_of_cost).
	Percent decimal.Decimal
	// Items lists the item rule ids the subsidy applies to; empty means every item that is neither
	// free nor a meal.
	Items []string
	// Payers share the subsidy by ratio, using money.Allocate with the payer id as key.
	Payers []PayerRatio
	// RatioWhole, if not zero, is what the ratios must add up to (10 for 4:6, 100 for percentages),
	// so a mistyped split is rejected instead of silently renormalised.
	RatioWhole decimal.Decimal
}

// HardshipCategory is a category of family in hardship that a waiver can cover.
type HardshipCategory string

// The hardship categories of DOMAIN.md §2.
const (
	// JiandangLika is 建档立卡: registered poor households.
	JiandangLika HardshipCategory = "jiandang_lika"
	// Dibao is 低保: families on the minimum living allowance.
	Dibao HardshipCategory = "dibao"
	// Tekun is 特困: people in extreme hardship.
	Tekun HardshipCategory = "tekun"
	// Orphan covers orphans.
	Orphan HardshipCategory = "orphan"
	// Disabled covers disabled students.
	Disabled HardshipCategory = "disabled"
	// PovertyRisk covers families at risk of returning to poverty.
	PovertyRisk HardshipCategory = "poverty_risk"
	// SuddenHardship covers families hit by sudden hardship.
	SuddenHardship HardshipCategory = "sudden_hardship"
)

// WaiverRule waives (减免) part or all of the parent share for a hardship category. The waived amount
// is not lost: it is billed to PayerID.
type WaiverRule struct {
	RuleID   string
	Category HardshipCategory
	// Percent is the waived share of the parent share, in (0, 1]; 1 is a full waiver.
	Percent decimal.Decimal
	// RequiresApproval means the waiver applies only when the school approved the student's
	// hardship (StudentFacts.HardshipApproved); otherwise it is automatic.
	RequiresApproval bool
	// PayerID is the government payer that funds the waiver.
	PayerID string
	// Items lists the item rule ids covered; empty means every item that is neither free nor a meal.
	Items []string
}

// Schedule is a 收费标准: one version of a published fee standard, with its document number (文号),
// scope and effective dates. Fee rules are versioned data, never code constants; a statement cites
// the schedule id, version and document number behind each number.
type Schedule struct {
	ID string
	// Version increases with every published revision of the same schedule ID; the highest version
	// of an ID supersedes the earlier ones entirely.
	Version int
	Scope   Scope
	// EffectiveFrom and EffectiveTo are inclusive; a zero EffectiveTo means open-ended.
	EffectiveFrom Date
	EffectiveTo   Date
	// DocumentNo is the issuing document number (文号), e.g. "榕教〔2021〕12号".
	DocumentNo   string
	RoundingRule money.RoundingRule
	Calendar     Calendar
	BillingMode  BillingMode
	Proration    ProrationPolicy
	Items        []Item
	Subsidies    []SubsidyRule
	Waivers      []WaiverRule
}

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

// CheckOverlap returns an *OverlapError if s's effective dates overlap those of a different schedule
// in exactly the same scope (same district and school). Earlier versions of s's own ID are not
// conflicts: the highest version supersedes them. Of the other schedules only each ID's highest
// version counts. A school schedule may overlap its district's: the school's overrides it. When
// several schedules conflict, the one that starts first (then by ID) is reported, whatever the
// order of existing.
func CheckOverlap(existing []Schedule, s Schedule) error {
	var hit *Schedule
	for _, e := range latestVersions(existing) {
		if e.ID == s.ID || e.Scope != s.Scope || !overlaps(e.EffectiveFrom, e.EffectiveTo, s.EffectiveFrom, s.EffectiveTo) {
			continue
		}
		if hit == nil || e.EffectiveFrom.Before(hit.EffectiveFrom) ||
			(e.EffectiveFrom == hit.EffectiveFrom && e.ID < hit.ID) {
			hit = &e
		}
	}
	if hit == nil {
		return nil
	}
	field := "effective_from"
	if s.EffectiveFrom.Before(hit.EffectiveFrom) {
		field = "effective_to" // s starts earlier and runs into hit
	}
	return &OverlapError{Field: field, OtherID: hit.ID, OtherVersion: hit.Version,
		OtherFrom: hit.EffectiveFrom, OtherTo: hit.EffectiveTo, OtherDocument: hit.DocumentNo}
}

// Applicable returns the schedule in force for a school on day: the school's own schedule if one
// covers the day, else the district-wide one. Only the highest version of each schedule ID counts.
// It returns ErrNoSchedule if none applies.
func Applicable(schedules []Schedule, districtID, schoolID string, day Date) (Schedule, error) {
	var best *Schedule
	rank := func(s Schedule) int { // 2: the school's own, 1: district-wide
		if s.Scope.SchoolID == "" {
			return 1
		}
		return 2
	}
	for _, s := range latestVersions(schedules) {
		if s.Scope.DistrictID != districtID || (s.Scope.SchoolID != "" && s.Scope.SchoolID != schoolID) {
			continue
		}
		if !overlaps(s.EffectiveFrom, s.EffectiveTo, day, day) {
			continue
		}
		if best == nil || rank(s) > rank(*best) || (rank(s) == rank(*best) && s.ID < best.ID) {
			best = &s
		}
	}
	if best == nil {
		return Schedule{}, fmt.Errorf("district %s school %s on %s: %w", districtID, schoolID, day, ErrNoSchedule)
	}
	return *best, nil
}

// latestVersions keeps the highest version of each schedule ID, sorted by ID.
func latestVersions(ss []Schedule) []Schedule {
	out := slices.Clone(ss)
	slices.SortFunc(out, func(a, b Schedule) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(b.Version, a.Version))
	})
	return slices.CompactFunc(out, func(a, b Schedule) bool { return a.ID == b.ID })
}

// overlaps reports whether [aFrom, aTo] and [bFrom, bTo] share a day; a zero end is open.
func overlaps(aFrom, aTo, bFrom, bTo Date) bool {
	return (bTo.IsZero() || !aFrom.After(bTo)) && (aTo.IsZero() || !bFrom.After(aTo))
}
