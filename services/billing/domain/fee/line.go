package fee

import (
	"math"

	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/civil"
)

// work is the scratch space of one Compute call.
type work struct {
	facts []dayFact // one per calendar day of the period, by offset
	recs  []dayRec  // the current item's service days
}

// dayFact is what is known about one calendar day for the student.
type dayFact struct {
	leave bool
	// Facts of the item being computed, reset per item.
	enrolled bool
	short    bool
	whole    bool  // whole day cancelled
	cancel   int32 // sessions cancelled
	meal     int64 // meal cost, 1/10000 yuan
	// Items (bit k: item k) scheduled, enrolled and served on the day, for subsidies.
	scheduledBy, enrolledBy, servedBy uint64
}

// dayRec is one service day of the item being computed.
type dayRec struct {
	off                                    int32
	month                                  int16
	enrolled, leave, whole, short, holiday bool
	pv, dv                                 int64 // planned and delivered value, over the line's den
	v                                      int64 // the value a stage sums
}

// adjRec is an adjustment in fen.
type adjRec struct {
	kind   AdjustmentKind
	amount int64
	ref    *RuleRef
}

// shareRec is a subsidy or waiver share in fen.
type shareRec struct {
	ref    *RuleRef
	cat    HardshipCategory
	party  string
	amount int64
}

// lineCalc is a line being computed. Values before rounding are numerators over den in 1/10000
// yuan; from gross on, amounts are in fen.
type lineCalc struct {
	ip                        *itemPlan
	den                       int64
	capDay, capMonth, capTerm int64 // numerators over den, -1 when absent
	qtyNum, hQtyNum, qtyDen   int64
	counts                    DayCounts
	gross, net, remaining     int64
	adj                       [6]adjRec
	nAdj                      int
	subs, waivers             []shareRec
	servedMinutes, pm         int64
	lastDay                   int64 // day number of the last enrolled day; math.MaxInt64 if open
}

// computeLine computes an item's line up to its net: quantity, gross, caps and proration, over the
// student's enrolments in the item from source (all: every enrolment in the item) and the
// delivery facts sf.
func (e *Engine) computeLine(w *work, ip *itemPlan, f StudentFacts, sf *ServiceFacts, source string, all bool) lineCalc {
	for i := range w.facts {
		fc := &w.facts[i]
		fc.enrolled, fc.short, fc.whole, fc.cancel, fc.meal = false, false, false, 0, 0
	}
	lastDay := int64(math.MinInt64)
	for _, en := range f.Enrolments {
		if en.ItemRuleID != ip.it.RuleID || (!all && en.Source != source) {
			continue
		}
		if en.End.IsZero() {
			lastDay = math.MaxInt64
		} else {
			lastDay = max(lastDay, en.End.Days())
		}
		lo, hi, ok := e.clip(en.Start, en.End)
		for o := lo; ok && o <= hi; o++ {
			w.facts[o].enrolled = true
		}
	}
	for _, c := range sf.Cancellations {
		if o, ok := e.offset(c.Date); ok {
			fc := &w.facts[o]
			if c.Sessions == 0 {
				fc.whole = true
			} else {
				fc.cancel = int32(min(int64(fc.cancel)+int64(c.Sessions), maxSessionsPerDay))
			}
		}
	}
	for _, s := range sf.ShortDays {
		if o, ok := e.offset(s.Date); ok && s.DeliveredMinutes < s.RequiredMinutes {
			w.facts[o].short = true
		}
	}
	for _, m := range sf.MealCosts {
		if o, ok := e.offset(m.Date); ok {
			u, _ := amountUnits(m.Amount)
			w.facts[o].meal += u
		}
	}
	var weekdays uint8
	for _, d := range sf.Weekdays {
		weekdays |= 1 << d
	}

	it := ip.it
	sessions, mins := int64(sf.SessionsPerDay), int64(sf.MinutesPerSession)
	lc := lineCalc{ip: ip, den: 1, qtyDen: 1, pm: int64(sf.PeriodMinutes), lastDay: lastDay}
	if it.Unit == PerPeriod {
		lc.den, lc.qtyDen = lc.pm, lc.pm
	}
	recs := w.recs[:0]
	for _, d := range e.days {
		runs := d.school
		if it.Kind == WeekendCare {
			runs = d.holiday && !d.school
		}
		if !runs || (weekdays != 0 && weekdays&(1<<d.weekday) == 0) {
			continue
		}
		fc := &w.facts[d.off]
		recs = append(recs, dayRec{off: d.off, month: d.month, enrolled: fc.enrolled, leave: fc.leave,
			whole: fc.whole || int64(fc.cancel) >= sessions, short: fc.short, holiday: d.holiday && ip.hasHoliday})
		r := &recs[len(recs)-1] // filled in place: a dayRec is too big to copy twice per day
		delivered := sessions - int64(fc.cancel)
		if r.whole {
			delivered = 0
		}
		served := r.enrolled && !r.leave && !r.whole && !r.short
		lc.count(r, served)
		fc.scheduledBy |= ip.bit
		if r.enrolled {
			fc.enrolledBy |= ip.bit
		}
		if served {
			fc.servedBy |= ip.bit
			lc.servedMinutes += delivered * mins
		}
		rate := ip.rate
		if r.holiday {
			rate = ip.holidayRate
		}
		rate += ip.surcharge
		var units int64
		switch {
		case it.MealPassThrough:
			units, r.pv = 1, fc.meal
			if !r.whole {
				r.dv = r.pv // a short day still served its meal
			}
		case it.Unit == PerPeriod:
			units, r.pv = sessions*mins, rate*sessions*mins
			if !r.short {
				r.dv = rate * delivered * mins
			}
		case it.Unit == PerSession:
			units, r.pv = sessions, rate*sessions
			if !r.short {
				r.dv = rate * delivered
			}
		case it.Unit == PerDay:
			units, r.pv = 1, rate
			if !r.whole && !r.short {
				r.dv = rate
			}
		}
		if r.holiday {
			lc.hQtyNum += units
		} else {
			lc.qtyNum += units
		}
	}
	w.recs = recs
	if !it.Unit.counted() {
		e.spreadFlat(&lc, recs)
	}
	lc.capDay, lc.capMonth, lc.capTerm = lc.scaleCap(ip.capDay), lc.scaleCap(ip.capMonth), lc.scaleCap(ip.capTerm)

	if it.Free {
		return lc // quantity and days only; every amount is zero
	}
	for i := range recs {
		recs[i].v = recs[i].pv
	}
	lc.gross = e.fen(&lc, lc.capped(recs, 0))
	lc.net = lc.gross
	if lc.capDay >= 0 {
		lc.push(AdjustCapDay, &ip.ref, e.fen(&lc, lc.capped(recs, 1)))
	}
	if lc.capMonth >= 0 {
		lc.push(AdjustCapMonth, &ip.ref, e.fen(&lc, lc.capped(recs, 2)))
	}
	if lc.capTerm >= 0 {
		lc.push(AdjustCapTerm, &ip.ref, e.fen(&lc, lc.capped(recs, 3)))
	}
	if it.MealPassThrough {
		e.prorateExact(&lc, recs, &ip.ref, false)
	} else {
		e.prorate(&lc, recs)
	}
	return lc
}

// spreadFlat sets a per_month or per_term item's values: the period's flat fee F spread evenly over
// its n service days, each day worth F/n exactly (the denominator absorbs n).
func (e *Engine) spreadFlat(lc *lineCalc, recs []dayRec) {
	n := int64(len(recs))
	lc.qtyNum, lc.hQtyNum, lc.qtyDen = 0, 0, 1
	if n == 0 {
		return
	}
	ip := lc.ip
	rate := ip.rate + ip.surcharge
	var num int64
	switch {
	case ip.it.Unit == PerMonth && e.period.Kind == TermPeriod: // F = rate × MonthsPerTerm
		num, lc.den = rate*e.mptNum, e.mptDen*n
		lc.qtyNum, lc.qtyDen = e.mptNum, e.mptDen
	case ip.it.Unit == PerTerm && e.period.Kind == MonthPeriod: // F = rate / MonthsPerTerm
		num, lc.den = rate*e.mptDen, e.mptNum*n
		lc.qtyNum, lc.qtyDen = e.mptDen, e.mptNum
	default: // one month in a month, one term in a term: F = rate
		num, lc.den = rate, n
		lc.qtyNum = 1
	}
	for i := range recs {
		recs[i].pv = num
		if recs[i].whole || recs[i].short {
			recs[i].dv = 0
		} else {
			recs[i].dv = num
		}
	}
}

// merge adds another source's part of the same item into lc: quantities, day counts, gross, net,
// adjustments by kind, served minutes. Both parts are rounded stage totals in fen with the same
// quantity denominator (validation keeps one period length per item), so the sums keep Net =
// Gross + ΣAdjustments exactly. Caps never apply: validation refuses caps shared by sources.
func (lc *lineCalc) merge(o *lineCalc) {
	lc.qtyNum += o.qtyNum
	lc.hQtyNum += o.hQtyNum
	lc.counts.Scheduled += o.counts.Scheduled
	lc.counts.Enrolled += o.counts.Enrolled
	lc.counts.Cancelled += o.counts.Cancelled
	lc.counts.Short += o.counts.Short
	lc.counts.Leave += o.counts.Leave
	lc.counts.Served += o.counts.Served
	lc.gross += o.gross
	lc.net += o.net
	lc.servedMinutes += o.servedMinutes
	lc.lastDay = max(lc.lastDay, o.lastDay)
	for _, a := range o.adj[:o.nAdj] {
		j := 0
		for j < lc.nAdj && lc.adj[j].kind != a.kind {
			j++
		}
		if j == lc.nAdj {
			lc.adj[j] = a
			lc.nAdj++
			continue
		}
		lc.adj[j].amount += a.amount
	}
	k := 0
	for _, a := range lc.adj[:lc.nAdj] {
		if a.amount != 0 {
			lc.adj[k] = a
			k++
		}
	}
	lc.nAdj = k
}

func (lc *lineCalc) scaleCap(c int64) int64 {
	if c < 0 {
		return -1
	}
	return c * lc.den
}

func (lc *lineCalc) count(r *dayRec, served bool) {
	c := &lc.counts
	c.Scheduled++
	if !r.enrolled {
		return
	}
	c.Enrolled++
	switch {
	case r.whole:
		c.Cancelled++
	case r.short:
		c.Short++
	}
	if r.leave {
		c.Leave++
	}
	if served {
		c.Served++
	}
}

// offset returns the period offset of d, if d is in the period.
func (e *Engine) offset(d civil.Date) (int, bool) {
	o := e.dayOffset(d)
	return int(o), o >= 0 && o < int64(e.span)
}

// dayOffset returns d's offset from the period start (negative before it). Dates in the months
// around the period use a table; others are computed.
func (e *Engine) dayOffset(d civil.Date) int64 {
	m := (d.Year-e.period.From.Year)*12 + int(d.Month) - int(e.period.From.Month) + 1
	if m >= 0 && m < len(e.monthOff) && d.Day >= 1 && d.Day <= 31 {
		return e.monthOff[m] + int64(d.Day) - 1
	}
	return d.Days() - e.from
}

// capped sums the days' values v with caps up to level: 0 none, 1 per day, 2 also per calendar
// month, 3 also per term.
func (lc *lineCalc) capped(recs []dayRec, level int) int64 {
	var total, month int64
	if (level < 1 || lc.capDay < 0) && (level < 2 || lc.capMonth < 0) {
		for i := range recs {
			total += recs[i].v
		}
		if level >= 3 && lc.capTerm >= 0 && total > lc.capTerm {
			total = lc.capTerm
		}
		return total
	}
	cur := int16(-1)
	for _, r := range recs {
		v := r.v
		if level >= 1 && lc.capDay >= 0 && v > lc.capDay {
			v = lc.capDay
		}
		if r.month != cur {
			total += lc.capMonthly(month, level)
			month, cur = 0, r.month
		}
		month += v
	}
	total += lc.capMonthly(month, level)
	if level >= 3 && lc.capTerm >= 0 && total > lc.capTerm {
		total = lc.capTerm
	}
	return total
}

func (lc *lineCalc) capMonthly(month int64, level int) int64 {
	if level >= 2 && lc.capMonth >= 0 && month > lc.capMonth {
		return lc.capMonth
	}
	return month
}

// fen rounds a numerator over the line's denominator to fen by the schedule's rule: the one place a
// stage total is rounded.
func (e *Engine) fen(lc *lineCalc, num int64) int64 {
	return money.RoundQuotient(num, lc.den*unitsPerFen, e.rule)
}

// push records the next stage total (in fen) and the adjustment from the previous one, if any.
func (lc *lineCalc) push(kind AdjustmentKind, ref *RuleRef, stage int64) {
	if a := stage - lc.net; a != 0 {
		lc.adj[lc.nAdj] = adjRec{kind: kind, amount: a, ref: ref}
		lc.nAdj++
	}
	lc.net = stage
}

// prorate applies the schedule's proration policy to a priced line whose net is its capped gross.
func (e *Engine) prorate(lc *lineCalc, recs []dayRec) {
	pol := e.s.Proration
	ref := &e.polRef
	switch pol.Kind {
	case Exact:
		e.prorateExact(lc, recs, ref, pol.ChargeLeave)
	case HalfMonth:
		lc.push(AdjustHalfMonth, ref, e.halfMonth(lc, recs))
	case ContinuousAbsence:
		full := lc.net // the capped gross of the whole period
		e.stage(lc, recs, AdjustEnrolment, ref, func(r *dayRec) int64 { return pick(r.enrolled, r.pv) })
		e.stage(lc, recs, AdjustSchoolShortfall, ref, func(r *dayRec) int64 { return pick(r.enrolled, r.dv) })
		refund := e.absenceRefund(full, absenceHalves(recs, e.dpm100, e.inclusive))
		lc.push(AdjustAbsenceRefund, ref, max(lc.net-refund, 0))
	case EarlyWithdrawal:
		join, ok := firstEnrolled(recs)
		e.stage(lc, recs, AdjustEnrolment, ref, func(r *dayRec) int64 { return pick(ok && r.off >= join, r.pv) })
		e.stage(lc, recs, AdjustSchoolShortfall, ref, func(r *dayRec) int64 {
			if r.enrolled {
				return r.dv
			}
			return pick(ok && r.off >= join, r.pv) // after withdrawal the days stay charged
		})
		if e.withdrewEarly(lc.lastDay) {
			refund := money.RoundQuotient(lc.net*e.refundShare, 10000, e.rule)
			lc.push(AdjustWithdrawalRefund, ref, lc.net-refund)
		}
	case FirstMonthOnly:
		join, ok := firstEnrolled(recs)
		var months uint64 // bit m: calendar month m has an enrolled day (periods span ≤ 14 months)
		for _, r := range recs {
			if r.enrolled {
				months |= 1 << r.month
			}
		}
		late := ok && join > recs[0].off
		var joinMonth int16
		for _, r := range recs {
			if r.off == join {
				joinMonth = r.month
			}
		}
		billed := func(r *dayRec) bool {
			return months&(1<<r.month) != 0 && !(late && r.month == joinMonth && r.off < join)
		}
		e.stage(lc, recs, AdjustEnrolment, ref, func(r *dayRec) int64 { return pick(billed(r), r.pv) })
		e.stage(lc, recs, AdjustSchoolShortfall, ref, func(r *dayRec) int64 {
			if r.enrolled {
				return r.dv
			}
			return pick(billed(r), r.pv)
		})
	}
}

// prorateExact bills enrolled days, less the school's shortfalls, less leave unless chargeLeave.
func (e *Engine) prorateExact(lc *lineCalc, recs []dayRec, ref *RuleRef, chargeLeave bool) {
	e.stage(lc, recs, AdjustEnrolment, ref, func(r *dayRec) int64 { return pick(r.enrolled, r.pv) })
	e.stage(lc, recs, AdjustSchoolShortfall, ref, func(r *dayRec) int64 { return pick(r.enrolled, r.dv) })
	if !chargeLeave {
		e.stage(lc, recs, AdjustLeave, ref, func(r *dayRec) int64 { return pick(r.enrolled && !r.leave, r.dv) })
	}
}

// stage sets each day's value, sums it under every cap and records the stage.
func (e *Engine) stage(lc *lineCalc, recs []dayRec, kind AdjustmentKind, ref *RuleRef, value func(*dayRec) int64) {
	for i := range recs {
		recs[i].v = value(&recs[i])
	}
	lc.push(kind, ref, e.fen(lc, lc.capped(recs, 3)))
}

func pick(ok bool, v int64) int64 {
	if ok {
		return v
	}
	return 0
}

func firstEnrolled(recs []dayRec) (int32, bool) {
	for _, r := range recs {
		if r.enrolled {
			return r.off, true
		}
	}
	return 0, false
}

// halfMonth bills each calendar month's capped planned value whole, half or not at all by the
// student's attendance that month (enrolled, not on leave, delivered by the school): none bills
// nothing, under half the month's service days bills half, over half the whole month, and exactly
// half as the policy's boundary says (exclusive: half; inclusive: whole). The term cap applies to
// the sum. A flat item under the monthly_rate weight is worth its monthly price in every month
// instead (halfMonthRate). It returns the stage total in fen.
func (e *Engine) halfMonth(lc *lineCalc, recs []dayRec) int64 {
	flat := !lc.ip.it.Unit.counted()
	var total2, value, days, attended int64 // total2 counts half-months: twice the value
	var halves int64                        // half-months billed, for the monthly_rate weight
	cur := int16(-1)
	flush := func() {
		if lc.capMonth >= 0 && value > lc.capMonth {
			value = lc.capMonth
		}
		switch {
		case attended == 0:
		case 2*attended < days || (2*attended == days && !e.inclusive):
			total2 += value
			halves++
		default:
			total2 += 2 * value
			halves += 2
		}
		value, days, attended = 0, 0, 0
	}
	for _, r := range recs {
		if r.month != cur {
			flush()
			cur = r.month
		}
		v := r.pv
		if lc.capDay >= 0 && v > lc.capDay {
			v = lc.capDay
		}
		value += v
		days++
		if r.enrolled && !r.leave && !r.whole && !r.short {
			attended++
		}
	}
	flush()
	if flat && e.monthRate {
		return e.halfMonthRate(lc, halves)
	}
	if lc.capTerm >= 0 && total2 > 2*lc.capTerm {
		total2 = 2 * lc.capTerm
	}
	return money.RoundQuotient(total2, 2*lc.den*unitsPerFen, e.rule)
}

// halfMonthRate bills halves half-months of a flat item's monthly price X (a per_month rate, or a
// per_term rate ÷ MonthsPerTerm), whatever each month's school days, held to the full period's fee
// (X × MonthsPerTerm for a term, X for a month) and to the term cap; rounded once to fen.
func (e *Engine) halfMonthRate(lc *lineCalc, halves int64) int64 {
	ip := lc.ip
	rate := ip.rate + ip.surcharge
	mNum, mDen := rate, int64(1) // X in 1/10000 yuan
	if ip.it.Unit == PerTerm {
		mNum, mDen = rate*e.mptDen, e.mptNum
	}
	fNum, fDen := mNum, mDen // the full period's fee
	if e.period.Kind == TermPeriod {
		if ip.it.Unit == PerTerm {
			fNum, fDen = rate, 1
		} else {
			fNum, fDen = rate*e.mptNum, e.mptDen
		}
	}
	// Over the common denominator 2·mDen·fDen: billed = halves·mNum·fDen, full = 2·fNum·mDen.
	den := 2 * mDen * fDen
	num := min(halves*mNum*fDen, 2*fNum*mDen)
	if ip.capTerm >= 0 && e.period.Kind == TermPeriod {
		num = min(num, ip.capTerm*den)
	}
	return money.RoundQuotient(num, den*unitsPerFen, e.rule)
}

// absenceHalves counts the half-months refunded for continuous absence: each unbroken run of leave
// over consecutive service days (a day the school cancelled or fell short neither extends nor
// breaks a run; a day attended or not enrolled ends it) of r days refunds ⌊2r / DaysPerMonth⌋ half
// months.
//
// With an exclusive boundary a run must exceed k half-months to refund k: ⌈2r / DaysPerMonth⌉ − 1.
func absenceHalves(recs []dayRec, dpm100 int64, inclusive bool) int64 {
	var halves, run int64
	end := func() {
		switch {
		case run == 0:
		case inclusive:
			halves += 2 * run * 100 / dpm100
		default:
			halves += (2*run*100 - 1) / dpm100
		}
		run = 0
	}
	for _, r := range recs {
		switch {
		case !r.enrolled:
			end()
		case r.whole || r.short:
		case r.leave:
			run++
		default:
			end()
		}
	}
	end()
	return halves
}

// absenceRefund is halves half-months of the monthly fee, the capped full-period charge divided by
// the period's months (MonthsPerTerm for a term, 1 for a month), rounded once.
func (e *Engine) absenceRefund(fullFen, halves int64) int64 {
	if e.period.Kind == TermPeriod {
		return money.RoundQuotient(halves*fullFen*e.mptDen, 2*e.mptNum, e.rule)
	}
	return money.RoundQuotient(halves*fullFen, 2, e.rule)
}

// withdrewEarly reports whether the student's enrolment in the item ended before the period's end
// and before the period start plus WithdrawalMonths months.
func (e *Engine) withdrewEarly(lastDay int64) bool {
	if e.inclusive {
		return lastDay < e.period.To.Days() && lastDay <= e.withdrawBefore
	}
	return lastDay < e.period.To.Days() && lastDay < e.withdrawBefore
}
