package fee

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kehou/kehou/services/platform/civil"
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
	EffectiveFrom civil.Date
	EffectiveTo   civil.Date
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
func Applicable(schedules []Schedule, districtID, schoolID string, day civil.Date) (Schedule, error) {
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
func overlaps(aFrom, aTo, bFrom, bTo civil.Date) bool {
	return (bTo.IsZero() || !aFrom.After(bTo)) && (aTo.IsZero() || !bFrom.After(aTo))
}
