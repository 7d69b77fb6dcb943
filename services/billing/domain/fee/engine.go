package fee

import (
	"fmt"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/fault"
)

// Internally the engine keeps money as int64 numerators in units of 1/10000 yuan (a hundredth of a
// fen; rates have at most AmountPlaces = 4 places) over a denominator fixed per line, so that every
// intermediate value is exact; validation bounds (MaxAmount, MaxPeriodDays, the service limits)
// keep every sum far inside int64. Amounts become fen once, by the schedule's rounding rule, and
// decimal.Decimal only when the statement is built.
const unitsPerFen = 100

// Engine computes statements for one schedule version, billing period and (optionally) cost sheet.
// Build it once per fee run and school and call Compute per student: the schedule, period and cost
// sheet are validated and prepared once. An Engine is immutable and safe for concurrent use.
type Engine struct {
	s      Schedule
	rule   money.RoundingRule
	ref    RuleRef // the schedule, RuleID empty
	polRef RuleRef // the proration policy
	period Period
	from   int64 // day number of period.From
	// monthOff[m] is the offset of the first day of the m-th month counted from the month before
	// period.From: dayOffset's table.
	monthOff []int64
	span     int // calendar days in the period
	days     []pday
	items    []itemPlan
	subs     []subsidyPlan
	waivers  []waiverPlan

	mptNum, mptDen int64 // MonthsPerTerm = mptNum/mptDen, reduced
	dpm100         int64 // DaysPerMonth × 100
	termsPerYear   int64

	withdrawBefore int64 // early_withdrawal: day number of period.From + N months
	// inclusive is the proration policy's Boundary resolved (DefaultBoundary when empty): a value
	// exactly at the threshold reaches it.
	inclusive bool
	// monthRate is the half-month policy's MonthWeight resolved: flat items are worth their
	// monthly price per calendar month.
	monthRate   bool
	refundShare int64 // early_withdrawal: WithdrawalRefund × 10^4

	cost    *CostSheet
	costFen int64 // published cost per student-period, in fen
}

// pday is one listed calendar day of the period.
type pday struct {
	off     int32 // days since period.From
	month   int16 // calendar months since period.From's month
	weekday time.Weekday
	school  bool
	holiday bool
}

// itemPlan is an Item prepared for computing: amounts in 1/10000 yuan, caps -1 when absent.
type itemPlan struct {
	it                           Item
	ref                          RuleRef
	rate, holidayRate, surcharge int64
	hasHoliday                   bool
	capDay, capMonth, capTerm    int64
	bit                          uint64
}

type subsidyPlan struct {
	r      SubsidyRule
	ref    RuleRef
	mask   uint64 // covered items
	amount int64  // 1/10000 yuan
	pct    int64  // 1/10000
	payers []money.IntPart
}

type waiverPlan struct {
	w    WaiverRule
	ref  RuleRef
	mask uint64
	pct  int64 // 1/10000
}

// Compute computes one student's statement for period under schedule s; cost may be nil unless a
// subsidy is cost-based. It is NewEngine followed by Engine.Compute; use an Engine for many
// students.
func Compute(s Schedule, f StudentFacts, period Period, cost *CostSheet) (Statement, error) {
	e, err := NewEngine(s, period, cost)
	if err != nil {
		return Statement{}, err
	}
	return e.Compute(f)
}

// NewEngine validates the schedule, the period (its kind must suit the billing mode and its dates lie
// within the schedule's effective dates) and the cost sheet, and prepares them for Compute. It
// returns a *fault.ValidationError naming the offending field.
func NewEngine(s Schedule, period Period, cost *CostSheet) (*Engine, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	v := &violations{subject: "period"}
	period.validate(v)
	if len(v.list) == 0 {
		switch {
		case s.BillingMode == PrepaidTerm && period.Kind != TermPeriod:
			v.add("kind", "schedule %s bills prepaid per term: period must be a term, got %s", s.ID, period.Kind)
		case s.BillingMode == Monthly && period.Kind != MonthPeriod:
			v.add("kind", "schedule %s bills monthly: period must be a month, got %s", s.ID, period.Kind)
		}
		if period.From.Before(s.EffectiveFrom) {
			v.add("from", "%s is before schedule %s version %d takes effect on %s", period.From, s.ID, s.Version, s.EffectiveFrom)
		}
		if !s.EffectiveTo.IsZero() && period.To.After(s.EffectiveTo) {
			v.add("to", "%s is after schedule %s version %d ends on %s", period.To, s.ID, s.Version, s.EffectiveTo)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	e := &Engine{
		s:      s,
		rule:   s.RoundingRule,
		ref:    RuleRef{ScheduleID: s.ID, Version: s.Version, DocumentNo: s.DocumentNo},
		period: period,
		from:   period.From.Days(),
		span:   int(period.To.Days() - period.From.Days() + 1),
	}
	if e.rule == "" {
		e.rule = money.DefaultRoundingRule
	}
	e.polRef = e.refFor(s.Proration.RuleID)
	if err := e.prepareCost(cost); err != nil {
		return nil, err
	}
	e.prepare()
	return e, nil
}

func (e *Engine) refFor(ruleID string) RuleRef {
	r := e.ref
	r.RuleID = ruleID
	return r
}

func (e *Engine) prepareCost(cost *CostSheet) error {
	var need *SubsidyRule
	for i, r := range e.s.Subsidies {
		if r.Kind == PercentOfCost || r.Kind == Shortfall {
			need = &e.s.Subsidies[i]
			break
		}
	}
	if cost == nil {
		if need != nil {
			return &fault.ValidationError{Subject: "cost sheet", Violations: []fault.Violation{{
				Field: "cost_sheet", Reason: fmt.Sprintf("required by subsidy rule %s (%s)", need.RuleID, need.Kind),
			}}}
		}
		return nil
	}
	if err := cost.Validate(); err != nil {
		return err
	}
	if e.s.Scope.SchoolID != "" && cost.SchoolID != e.s.Scope.SchoolID {
		return &fault.ValidationError{Subject: "cost sheet", Violations: []fault.Violation{{
			Field: "school_id", Reason: fmt.Sprintf("cost sheet of school %s used with schedule %s of school %s", cost.SchoolID, e.s.ID, e.s.Scope.SchoolID),
		}}}
	}
	per, err := cost.CostPerStudentPeriod(e.rule)
	if err != nil {
		return err
	}
	e.cost = cost
	e.costFen, _ = scaled(per, 2)
	return nil
}

// prepare converts the validated schedule and period to the engine's integer form.
func (e *Engine) prepare() {
	s := e.s
	e.mptNum, _ = scaled(s.Calendar.MonthsPerTerm, CalendarPlaces)
	e.mptDen = 100
	g := gcd(e.mptNum, e.mptDen)
	e.mptNum, e.mptDen = e.mptNum/g, e.mptDen/g
	e.dpm100, _ = scaled(s.Calendar.DaysPerMonth, CalendarPlaces)
	e.termsPerYear = int64(max(s.Calendar.TermsPerYear, 1))
	b := s.Proration.Boundary
	if b == "" {
		b = DefaultBoundary(s.Proration.Kind)
	}
	e.inclusive = b == Inclusive
	e.monthRate = s.Proration.Kind == HalfMonth && s.Proration.MonthWeight != SchoolDays
	if s.Proration.Kind == EarlyWithdrawal {
		e.withdrawBefore = e.period.From.AddMonths(s.Proration.WithdrawalMonths).Days()
		e.refundShare, _ = scaled(s.Proration.WithdrawalRefund, PercentPlaces)
	}

	y0, m0 := e.period.From.Year, int(e.period.From.Month)
	for m := -1; civil.New(y0, time.Month(m0+m), 1).Days() <= e.period.To.Days()+31; m++ {
		e.monthOff = append(e.monthOff, civil.New(y0, time.Month(m0+m), 1).Days()-e.from)
	}
	e.days = make([]pday, len(e.period.Days))
	for i, d := range e.period.Days {
		e.days[i] = pday{
			off:     int32(d.Date.Days() - e.from),
			month:   int16((d.Date.Year-y0)*12 + int(d.Date.Month) - m0),
			weekday: d.Date.Weekday(),
			school:  d.SchoolDay,
			holiday: d.WeekendHoliday,
		}
	}

	units := func(d decimal.Decimal) int64 { u, _ := scaled(d, AmountPlaces); return u }
	capUnits := func(c decimal.NullDecimal) int64 {
		if !c.Valid {
			return -1
		}
		return units(c.Decimal)
	}
	defaultMask := uint64(0)
	e.items = make([]itemPlan, len(s.Items))
	for k, it := range s.Items {
		p := itemPlan{
			it:        it,
			ref:       e.refFor(it.RuleID),
			rate:      units(it.Rate),
			surcharge: units(it.EnrichmentSurcharge),
			capDay:    capUnits(it.CapPerDay),
			capMonth:  capUnits(it.CapPerMonth),
			capTerm:   capUnits(it.CapPerTerm),
			bit:       1 << k,
		}
		if it.WeekendHolidayRate.Valid {
			p.hasHoliday, p.holidayRate = true, units(it.WeekendHolidayRate.Decimal)
		}
		if e.period.Kind != TermPeriod {
			p.capTerm = -1 // only a term period can be held to a term cap (validation forbids it for monthly)
		}
		e.items[k] = p
		if !it.Free && !it.MealPassThrough {
			defaultMask |= p.bit
		}
	}
	mask := func(ids []string) uint64 {
		if len(ids) == 0 {
			return defaultMask
		}
		var m uint64
		for _, id := range ids {
			m |= 1 << e.itemIndex(id)
		}
		return m
	}
	for _, r := range s.Subsidies {
		p := subsidyPlan{r: r, ref: e.refFor(r.RuleID), mask: mask(r.Items), amount: units(r.Amount)}
		p.pct, _ = scaled(r.Percent, PercentPlaces)
		for _, pr := range r.Payers {
			w, _ := scaled(pr.Ratio, PercentPlaces)
			p.payers = append(p.payers, money.IntPart{Key: pr.PayerID, Weight: w})
		}
		e.subs = append(e.subs, p)
	}
	for _, w := range s.Waivers {
		p := waiverPlan{w: w, ref: e.refFor(w.RuleID), mask: mask(w.Items)}
		p.pct, _ = scaled(w.Percent, PercentPlaces)
		e.waivers = append(e.waivers, p)
	}
}

// capped reports whether the item has any cap.
func (p *itemPlan) capped() bool { return p.capDay >= 0 || p.capMonth >= 0 || p.capTerm >= 0 }

// sums reports whether the item bills each source's units: per period and per session count the
// sessions of every timetable item the student is enrolled in; a day or a month is billed once.
func (p *itemPlan) sums() bool {
	return (p.it.Unit == PerPeriod || p.it.Unit == PerSession) && !p.it.MealPassThrough
}

func (e *Engine) itemIndex(ruleID string) int {
	for k := range e.s.Items {
		if e.s.Items[k].RuleID == ruleID {
			return k
		}
	}
	return -1
}

// Compute computes the statement of one student. It returns a *fault.ValidationError if the facts are
// invalid (naming the field), and never a partial statement.
func (e *Engine) Compute(f StudentFacts) (Statement, error) {
	if err := e.validateFacts(f); err != nil {
		return Statement{}, err
	}
	w := &work{facts: make([]dayFact, e.span), recs: make([]dayRec, 0, len(e.days))}
	for _, l := range f.Leave {
		lo, hi, ok := e.clip(l.From, l.To)
		for o := lo; ok && o <= hi; o++ {
			w.facts[o].leave = true
		}
	}
	lines := make([]lineCalc, 0, len(e.items))
	for k := range e.items {
		ip := &e.items[k]
		if !e.enrolledInPeriod(f, ip.it.RuleID) {
			continue
		}
		lines = append(lines, e.itemLine(w, ip, f))
	}
	shortfalls := e.applySubsidies(w, lines)
	e.applyWaivers(lines, f)
	return e.statement(f, lines, shortfalls), nil
}

// clip returns the period offsets of [from, to] (to zero: open) clipped to the period.
func (e *Engine) clip(from, to civil.Date) (lo, hi int, ok bool) {
	a := e.dayOffset(from)
	b := int64(e.span - 1)
	if !to.IsZero() {
		b = min(b, e.dayOffset(to))
	}
	a = max(a, 0)
	if a > b {
		return 0, 0, false
	}
	return int(a), int(b), true
}

func (e *Engine) enrolledInPeriod(f StudentFacts, ruleID string) bool {
	for _, en := range f.Enrolments {
		if en.ItemRuleID == ruleID {
			if _, _, ok := e.clip(en.Start, en.End); ok {
				return true
			}
		}
	}
	return false
}

// itemLine computes an item's line. A summing item (per period, per session) with facts of several
// sources is computed source by source, each over the student's enrolments in that source and
// rounded as its own line, and the parts added up into one line, so that every enrolled session is
// billed exactly once. Otherwise the item's enrolments form one union over the first source's
// facts.
func (e *Engine) itemLine(w *work, ip *itemPlan, f StudentFacts) lineCalc {
	first := serviceFor(f, ip.it.RuleID)
	if !ip.sums() || !multiSource(f, ip.it.RuleID) {
		return e.computeLine(w, ip, f, first, "", true)
	}
	var lc lineCalc
	n := 0
	for i := range f.Services {
		sf := &f.Services[i]
		if sf.ItemRuleID != ip.it.RuleID || !e.sourceInPeriod(f, ip.it.RuleID, sf.Source) {
			continue
		}
		part := e.computeLine(w, ip, f, sf, sf.Source, false)
		if n == 0 {
			lc = part
		} else {
			lc.merge(&part)
		}
		n++
	}
	return lc
}

// multiSource reports whether the facts hold more than one source for ruleID.
func multiSource(f StudentFacts, ruleID string) bool {
	n := 0
	for i := range f.Services {
		if f.Services[i].ItemRuleID == ruleID {
			n++
		}
	}
	return n > 1
}

// sourceInPeriod reports whether the student is enrolled in source of item ruleID on some day of
// the period.
func (e *Engine) sourceInPeriod(f StudentFacts, ruleID, source string) bool {
	for _, en := range f.Enrolments {
		if en.ItemRuleID == ruleID && en.Source == source {
			if _, _, ok := e.clip(en.Start, en.End); ok {
				return true
			}
		}
	}
	return false
}

func serviceFor(f StudentFacts, ruleID string) *ServiceFacts {
	for i := range f.Services {
		if f.Services[i].ItemRuleID == ruleID {
			return &f.Services[i]
		}
	}
	return nil // unreachable: validateFacts requires facts for every enrolled item
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return 1
	}
	return a
}

// amountUnits converts a validated amount to 1/10000 yuan; ok is false if it is out of bounds.
func amountUnits(d decimal.Decimal) (int64, bool) {
	u, ok := scaled(d, AmountPlaces)
	if !ok {
		s := d.Shift(AmountPlaces)
		if !s.IsInteger() || s.Abs().GreaterThan(decimal.NewFromInt(MaxAmount*10000)) {
			return 0, false
		}
		u = s.IntPart()
	}
	return u, u >= 0 && u <= MaxAmount*10000
}
