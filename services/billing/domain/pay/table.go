package pay

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Bounds on rate-table values, so that typing slips (a rate of 5000 instead
// of 50.00) are caught where they enter and every product stays small.
const (
	// MaxAmount is the largest rate, allowance or cap accepted, in yuan.
	MaxAmount = 1_000_000
	// AmountPlaces is the most decimal places of a rate (1.7 元/分钟, 0.0125).
	AmountPlaces = 4
	// MaxMultiplier is the largest duty multiplier.
	MaxMultiplier = 10
	// MaxRules is the most rules a table may have.
	MaxRules = 64
)

// Treatment is how a payment counts against the performance-pay total
// (绩效工资总量); regions differ, so every line carries its tag.
type Treatment string

// The treatments of DOMAIN.md §3.
const (
	// OutsideTotal is 不纳入绩效工资总量: paid to school staff outside the total.
	OutsideTotal Treatment = "outside_performance_total"
	// SeparateIncrement is 单列增量: a separate increment of the total that does
	// not enter next year's base (不作为次年绩效工资总量核定基数).
	SeparateIncrement Treatment = "separate_increment"
	// LabourFee is 劳务费: the labour fee of outside instructors.
	LabourFee Treatment = "labour_fee"
)

func (t Treatment) valid() bool {
	return t == OutsideTotal || t == SeparateIncrement || t == LabourFee
}

// Treatments lists the treatments in report order.
var Treatments = []Treatment{OutsideTotal, SeparateIncrement, LabourFee}

// Unit is what a rule's rate is per.
type Unit string

// The rate units.
const (
	// PerPeriod pays per 课时: credited minutes ÷ period length, pro rata.
	PerPeriod Unit = "per_period"
	// PerMinute pays per credited minute at the rate of the time block the
	// minute falls in; a session crossing a block boundary is split at it.
	PerMinute Unit = "per_minute"
	// PerDay pays once per person, rule and day served, however many
	// sessions the day had.
	PerDay Unit = "per_day"
)

// Duty keys of Multipliers. Patrol is a role, not a duty; its key replaces
// the duty's multiplier for patrol (巡课) sessions.
const (
	DutyTaught          = "taught"
	DutySubstituteCover = "substitute_cover"
	DutySupervisionOnly = "supervision_only"
	DutyPatrol          = "patrol"
)

var duties = []string{DutyTaught, DutySubstituteCover, DutySupervisionOnly, DutyPatrol}

// Staff kinds and roles as staffing names them.
var (
	staffKinds = []string{"teacher", "outside_instructor", "admin"}
	roles      = []string{"supervisor", "instructor", "extra_adult", "patrol"}
)

// Block is one clock window of a per-minute rule: the minutes in
// [From, To) (minutes after midnight) are paid at Rate (WeekendHolidayRate
// on weekend and holiday days, when set).
type Block struct {
	From, To           int
	Rate               decimal.Decimal
	WeekendHolidayRate decimal.NullDecimal
}

// Rule is one rate of a table: which sessions it pays (by staff kind and
// role; empty lists match any) and how.
type Rule struct {
	// RuleID names the rule on every line it pays; unique in the table.
	RuleID string
	// Name is the rule as published (课后服务课酬).
	Name       string
	StaffKinds []string
	Roles      []string
	Unit       Unit
	// Rate is the amount per period or per day (not per_minute).
	Rate decimal.Decimal
	// WeekendHolidayRate, when set, replaces Rate on weekend and holiday days.
	WeekendHolidayRate decimal.NullDecimal
	// Blocks are the per-minute rule's time blocks, in clock order; together
	// they cover [WindowFrom, WindowTo) with no gap and no overlap.
	Blocks               []Block
	WindowFrom, WindowTo int
	// ClassSizeThreshold, when positive, turns on the class-size rule: every
	// student above the threshold adds ExtraPerStudent per period (per day
	// for per_day) to the base rate.
	ClassSizeThreshold int
	ExtraPerStudent    decimal.Decimal
	Treatment          Treatment
}

// ClassTeacherAllowance is the 班主任 allowance: PerMonth plus PerStudent for
// each student of the class, per class teacher and month.
type ClassTeacherAllowance struct {
	RuleID     string
	PerMonth   decimal.Decimal
	PerStudent decimal.Decimal
	Treatment  Treatment
}

// ManagementShare is the management allowance (管理费): Share of the month's
// session pool, split equally (largest remainder) among the named managers.
type ManagementShare struct {
	RuleID    string
	Share     decimal.Decimal
	Treatment Treatment
}

// Cap is a ceiling on one person's pay (sessions and allowances) for staff
// of StaffKind ("" any kind): per calendar month and, where a region has
// one, per term. What it holds back is shown on the statement.
type Cap struct {
	RuleID    string
	StaffKind string
	PerMonth  decimal.NullDecimal
	PerTerm   decimal.NullDecimal
}

// RateTable is a version of a remuneration standard (课酬标准): versioned
// data like a fee schedule, issued as a numbered document (文号) and in
// force for [EffectiveFrom, EffectiveTo] (open-ended when EffectiveTo is
// zero). Versions of one ID supersede each other; two tables of the same
// scope may not overlap in time.
type RateTable struct {
	ID            string
	Version       int
	Scope         fee.Scope
	Name          string
	DocumentNo    string
	EffectiveFrom civil.Date
	EffectiveTo   civil.Date
	// Rounding is the named rule every stage rounds by (default half_up).
	Rounding money.RoundingRule
	Rules    []Rule
	// Multipliers rate duties (taught, substitute_cover, supervision_only,
	// patrol); a duty not listed is paid ×1.
	Multipliers  map[string]decimal.Decimal
	ClassTeacher *ClassTeacherAllowance
	Management   *ManagementShare
	Caps         []Cap
}

type checker struct {
	fault.Collector
}

func (c *checker) amount(field string, d decimal.Decimal) {
	c.Check(!d.IsNegative(), field, "must not be negative")
	c.Check(d.LessThanOrEqual(decimal.NewFromInt(MaxAmount)), field, fmt.Sprintf("must be at most %d", MaxAmount))
	c.Check(d.Equal(d.Round(AmountPlaces)), field, fmt.Sprintf("must have at most %d decimal places", AmountPlaces))
}

func (c *checker) nullAmount(field string, d decimal.NullDecimal) {
	if d.Valid {
		c.amount(field, d.Decimal)
	}
}

func (c *checker) treatment(field string, t Treatment) {
	c.Check(t.valid(), field, "must be outside_performance_total, separate_increment or labour_fee")
}

// Validate checks the table and reports every bad field at once: negative
// rates or multipliers, time blocks that overlap or leave a gap inside the
// declared window, a cap below one session's pay, unknown kinds and tags.
func (t RateTable) Validate() error {
	var c checker
	c.Check(t.ID != "", "rate_table_id", "is required")
	c.Check(t.Scope.DistrictID != "", "district_id", "is required")
	c.Check(t.DocumentNo != "", "document_no", "is required (文号)")
	c.Check(t.EffectiveFrom.Valid(), "effective_from", "must be a date")
	if !t.EffectiveTo.IsZero() {
		c.Check(t.EffectiveTo.Valid(), "effective_to", "must be a date")
		c.Check(!t.EffectiveTo.Before(t.EffectiveFrom), "effective_to", "must not be before effective_from")
	}
	c.Check(t.Rounding.Valid(), "rounding", "must be half_up, half_even, down or up")
	c.Check(len(t.Rules) > 0, "rules", "at least one rule is required")
	c.Check(len(t.Rules) <= MaxRules, "rules", fmt.Sprintf("at most %d rules", MaxRules))
	for k, m := range t.Multipliers {
		f := "multipliers." + k
		c.Check(slices.Contains(duties, k), f, "must be taught, substitute_cover, supervision_only or patrol")
		c.Check(!m.IsNegative(), f, "must not be negative")
		c.Check(m.LessThanOrEqual(decimal.NewFromInt(MaxMultiplier)), f, fmt.Sprintf("must be at most %d", MaxMultiplier))
		c.Check(m.Equal(m.Round(AmountPlaces)), f, fmt.Sprintf("must have at most %d decimal places", AmountPlaces))
	}
	ids := map[string]bool{}
	for i, r := range t.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		c.Check(r.RuleID != "", f+".rule_id", "is required")
		c.Check(!ids[r.RuleID], f+".rule_id", "is used twice")
		ids[r.RuleID] = true
		for _, k := range r.StaffKinds {
			c.Check(slices.Contains(staffKinds, k), f+".staff_kinds", "must be teacher, outside_instructor or admin")
		}
		for _, k := range r.Roles {
			c.Check(slices.Contains(roles, k), f+".roles", "must be supervisor, instructor, extra_adult or patrol")
		}
		c.treatment(f+".treatment", r.Treatment)
		c.amount(f+".extra_per_student", r.ExtraPerStudent)
		c.Check(r.ClassSizeThreshold >= 0, f+".class_size_threshold", "must not be negative")
		c.Check(r.ClassSizeThreshold > 0 || r.ExtraPerStudent.IsZero(), f+".extra_per_student", "needs a class_size_threshold")
		switch r.Unit {
		case PerPeriod, PerDay:
			c.amount(f+".rate", r.Rate)
			c.nullAmount(f+".weekend_holiday_rate", r.WeekendHolidayRate)
			c.Check(len(r.Blocks) == 0, f+".blocks", "only a per_minute rule has time blocks")
		case PerMinute:
			c.Check(r.Rate.IsZero() && !r.WeekendHolidayRate.Valid, f+".rate", "a per_minute rule is rated by its blocks")
			checkBlocks(&c, f, r)
		default:
			c.Add(f+".unit", "must be per_period, per_minute or per_day")
		}
	}
	if a := t.ClassTeacher; a != nil {
		c.Check(a.RuleID != "", "class_teacher.rule_id", "is required")
		c.amount("class_teacher.per_month", a.PerMonth)
		c.amount("class_teacher.per_student", a.PerStudent)
		c.treatment("class_teacher.treatment", a.Treatment)
	}
	if m := t.Management; m != nil {
		c.Check(m.RuleID != "", "management.rule_id", "is required")
		c.Check(!m.Share.IsNegative() && m.Share.LessThanOrEqual(decimal.NewFromInt(1)), "management.share", "must be between 0 and 1")
		c.Check(m.Share.Equal(m.Share.Round(AmountPlaces)), "management.share", fmt.Sprintf("must have at most %d decimal places", AmountPlaces))
		c.treatment("management.treatment", m.Treatment)
	}
	kinds := map[string]bool{}
	for i, cp := range t.Caps {
		f := fmt.Sprintf("caps[%d]", i)
		c.Check(cp.RuleID != "", f+".rule_id", "is required")
		c.Check(cp.StaffKind == "" || slices.Contains(staffKinds, cp.StaffKind), f+".staff_kind", "must be teacher, outside_instructor, admin or empty")
		c.Check(!kinds[cp.StaffKind], f+".staff_kind", "has two caps")
		kinds[cp.StaffKind] = true
		c.Check(cp.PerMonth.Valid || cp.PerTerm.Valid, f, "needs per_month or per_term")
		c.nullAmount(f+".per_month", cp.PerMonth)
		c.nullAmount(f+".per_term", cp.PerTerm)
		if err := c.Err(); err != nil {
			continue // session pay of invalid rules means nothing
		}
		for _, field := range []string{"per_month", "per_term"} {
			limit := cp.PerMonth
			if field == "per_term" {
				limit = cp.PerTerm
			}
			if !limit.Valid {
				continue
			}
			for _, r := range t.Rules {
				if cp.StaffKind != "" && len(r.StaffKinds) > 0 && !slices.Contains(r.StaffKinds, cp.StaffKind) {
					continue
				}
				if one := t.sessionPay(r); limit.Decimal.LessThan(one) {
					c.Add(f+"."+field, fmt.Sprintf("cap %s is below one session's pay %s under rule %s", limit.Decimal.StringFixed(2), one.StringFixed(2), r.RuleID))
				}
			}
		}
	}
	return c.Err()
}

func checkBlocks(c *checker, f string, r Rule) {
	c.Check(r.WindowFrom >= 0 && r.WindowTo <= 24*60 && r.WindowFrom < r.WindowTo, f+".window", "must be a clock window from 00:00 to 24:00 with start before end")
	if len(r.Blocks) == 0 {
		c.Add(f+".blocks", "a per_minute rule needs time blocks")
		return
	}
	bs := slices.Clone(r.Blocks)
	slices.SortStableFunc(bs, func(a, b Block) int { return cmp.Compare(a.From, b.From) })
	for i, b := range bs {
		bf := fmt.Sprintf("%s.blocks[%d]", f, i)
		c.Check(b.From < b.To, bf, "must start before it ends")
		c.amount(bf+".rate", b.Rate)
		c.nullAmount(bf+".weekend_holiday_rate", b.WeekendHolidayRate)
		if i > 0 {
			prev := bs[i-1]
			if b.From < prev.To {
				c.Add(f+".blocks", fmt.Sprintf("blocks %s and %s overlap", clock(prev.From, prev.To), clock(b.From, b.To)))
			} else if b.From > prev.To {
				c.Add(f+".blocks", fmt.Sprintf("gap %s between blocks inside the window", clock(prev.To, b.From)))
			}
		}
	}
	if bs[0].From > r.WindowFrom {
		c.Add(f+".blocks", fmt.Sprintf("gap %s at the start of the window", clock(r.WindowFrom, bs[0].From)))
	}
	if last := bs[len(bs)-1]; last.To < r.WindowTo {
		c.Add(f+".blocks", fmt.Sprintf("gap %s at the end of the window", clock(last.To, r.WindowTo)))
	}
	if bs[0].From < r.WindowFrom || bs[len(bs)-1].To > r.WindowTo {
		c.Add(f+".blocks", "blocks must lie inside the window")
	}
}

// clock formats a clock window as "15:30–16:00".
func clock(from, to int) string {
	return fmt.Sprintf("%02d:%02d–%02d:%02d", from/60, from%60, to/60, to%60)
}

// maxMultiplier is the largest duty multiplier of the table (at least 1,
// because an unlisted duty pays ×1).
func (t RateTable) maxMultiplier() decimal.Decimal {
	m := decimal.NewFromInt(1)
	for _, d := range duties {
		if v, ok := t.Multipliers[d]; ok && v.GreaterThan(m) {
			m = v
		}
	}
	return m
}

// sessionPay is the most one standard session can earn under r, the
// figure a cap may not fall below: one period or one day at the higher of
// the weekday and weekend rates, or the whole declared window of a
// per-minute rule at its blocks' higher rates, times the largest duty
// multiplier, before class-size extras. It is rounded by the table's rule.
func (t RateTable) sessionPay(r Rule) decimal.Decimal {
	hi := func(a decimal.Decimal, b decimal.NullDecimal) decimal.Decimal {
		if b.Valid && b.Decimal.GreaterThan(a) {
			return b.Decimal
		}
		return a
	}
	var one decimal.Decimal
	switch r.Unit {
	case PerMinute:
		for _, b := range r.Blocks {
			one = one.Add(hi(b.Rate, b.WeekendHolidayRate).Mul(decimal.NewFromInt(int64(b.To - b.From))))
		}
	default:
		one = hi(r.Rate, r.WeekendHolidayRate)
	}
	return money.Round(one.Mul(t.maxMultiplier()), t.Rounding)
}

// LatestVersions keeps the highest version of each table ID.
func LatestVersions(ts []RateTable) []RateTable {
	best := map[string]RateTable{}
	for _, t := range ts {
		if b, ok := best[t.ID]; !ok || t.Version > b.Version {
			best[t.ID] = t
		}
	}
	out := make([]RateTable, 0, len(best))
	for _, t := range best {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b RateTable) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func within(from, to, day civil.Date) bool {
	return !day.Before(from) && (to.IsZero() || !to.Before(day))
}

func overlaps(aFrom, aTo, bFrom, bTo civil.Date) bool {
	// [aFrom, aTo] and [bFrom, bTo], zero end = open.
	if !aTo.IsZero() && aTo.Before(bFrom) {
		return false
	}
	if !bTo.IsZero() && bTo.Before(aFrom) {
		return false
	}
	return true
}

// CheckOverlap refuses t (a field violation naming the other table) when its effective dates overlap another table of
// exactly the same scope. Earlier versions of t's own ID do not conflict
// (the highest version supersedes them); a school's table may overlap its
// district's (the school's overrides it).
func CheckOverlap(existing []RateTable, t RateTable) error {
	var hit *RateTable
	for _, e := range LatestVersions(existing) {
		if e.ID == t.ID || e.Scope != t.Scope || !overlaps(e.EffectiveFrom, e.EffectiveTo, t.EffectiveFrom, t.EffectiveTo) {
			continue
		}
		if hit == nil || e.EffectiveFrom.Before(hit.EffectiveFrom) {
			hit = &e
		}
	}
	if hit == nil {
		return nil
	}
	field := "effective_from"
	if t.EffectiveFrom.Before(hit.EffectiveFrom) {
		field = "effective_to" // t starts earlier and runs into hit
	}
	to := hit.EffectiveTo.String()
	if to == "" {
		to = "open end"
	}
	return fault.Invalid(field, fmt.Sprintf("overlaps rate table %s v%d (%s, %s to %s)", hit.ID, hit.Version, hit.DocumentNo, hit.EffectiveFrom, to))
}

// Applicable returns the table in force for a school on day: the school's
// own if one covers the day, else the district's. ok is false when none does.
func Applicable(tables []RateTable, districtID, schoolID string, day civil.Date) (RateTable, bool) {
	var best *RateTable
	for _, t := range LatestVersions(tables) {
		if t.Scope.DistrictID != districtID || (t.Scope.SchoolID != "" && t.Scope.SchoolID != schoolID) {
			continue
		}
		if !within(t.EffectiveFrom, t.EffectiveTo, day) {
			continue
		}
		if best == nil || (best.Scope.SchoolID == "" && t.Scope.SchoolID != "") {
			best = &t
		}
	}
	if best == nil {
		return RateTable{}, false
	}
	return *best, true
}
