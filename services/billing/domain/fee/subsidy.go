package fee

import (
	"math/big"
	"math/bits"

	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/money"
)

// shortfallCalc is a shortfall subsidy's top-up line being computed, in fen.
type shortfallCalc struct {
	sp            *subsidyPlan
	periods       *big.Rat
	cost, charges int64
	subs          []shareRec
}

// applySubsidies applies the fee-reducing subsidies in schedule order, each on the covered lines'
// amounts still unpaid, and computes the shortfall top-ups. Each subsidy is computed and rounded
// once, capped at the unpaid amount of the lines it covers, spread over those lines in proportion to
// their unpaid amounts, and each line's part split between payers by ratio; both splits use the
// largest-remainder allocation, so nothing is gained or lost.
func (e *Engine) applySubsidies(w *work, lines []lineCalc) []shortfallCalc {
	for i := range lines {
		lines[i].remaining = lines[i].net
	}
	var (
		partBuf  [8]money.IntPart
		idxBuf   [8]int
		shareBuf [8]int64
		payerBuf [8]int64
	)
	var shortfalls []shortfallCalc
	for si := range e.subs {
		sp := &e.subs[si]
		if sp.r.Kind == Shortfall {
			if s, ok := e.shortfall(sp, lines); ok {
				shortfalls = append(shortfalls, s)
			}
			continue
		}
		var avail int64
		for i := range lines {
			if sp.mask&lines[i].ip.bit != 0 {
				avail += lines[i].remaining
			}
		}
		if avail == 0 {
			continue
		}
		amount := min(e.subsidyAmount(w, sp, lines), avail)
		if amount <= 0 {
			continue
		}
		parts, idx := partBuf[:0], idxBuf[:0]
		for i := range lines {
			if sp.mask&lines[i].ip.bit != 0 && lines[i].remaining > 0 {
				parts = append(parts, money.IntPart{Key: lines[i].ip.it.RuleID, Weight: lines[i].remaining})
				idx = append(idx, i)
			}
		}
		shares, _ := money.AllocateInt(amount, parts, shareBuf[:0]) // weights positive: cannot fail
		for j, i := range idx {
			if shares[j] == 0 {
				continue
			}
			lines[i].subs = e.splitPayers(lines[i].subs, sp, shares[j], payerBuf[:0])
			lines[i].remaining -= shares[j]
		}
	}
	return shortfalls
}

// splitPayers splits amount between the subsidy's payers by ratio and appends the non-zero shares.
func (e *Engine) splitPayers(dst []shareRec, sp *subsidyPlan, amount int64, buf []int64) []shareRec {
	shares, _ := money.AllocateInt(amount, sp.payers, buf) // ratios validated positive
	for p, a := range shares {
		if a != 0 {
			dst = append(dst, shareRec{ref: &sp.ref, party: sp.payers[p].Key, amount: a})
		}
	}
	return dst
}

// subsidyAmount computes a fee-reducing subsidy for the student, in fen, rounded once.
func (e *Engine) subsidyAmount(w *work, sp *subsidyPlan, lines []lineCalc) int64 {
	switch sp.r.Kind {
	case PerStudentDay:
		var served int64
		for i := range w.facts {
			if w.facts[i].servedBy&sp.mask != 0 {
				served++
			}
		}
		return money.RoundQuotient(sp.amount*served, unitsPerFen, e.rule)
	case PerStudentTerm, PerStudentYear, PerStudentMonth:
		var scheduled, enrolled int64
		for i := range w.facts {
			if w.facts[i].scheduledBy&sp.mask != 0 {
				scheduled++
			}
			if w.facts[i].enrolledBy&sp.mask != 0 {
				enrolled++
			}
		}
		if scheduled == 0 {
			return 0
		}
		num, den := sp.amount*enrolled, scheduled*unitsPerFen
		switch {
		case sp.r.Kind == PerStudentMonth && e.period.Kind == TermPeriod: // MonthsPerTerm months
			num, den = num*e.mptNum, den*e.mptDen
		case sp.r.Kind == PerStudentMonth: // one month
		case e.period.Kind == MonthPeriod: // a term or year subsidy: 1/MonthsPerTerm of a term
			if sp.r.Kind == PerStudentYear {
				den *= e.termsPerYear
			}
			num, den = num*e.mptDen, den*e.mptNum
		case sp.r.Kind == PerStudentYear:
			den *= e.termsPerYear
		}
		return money.RoundQuotient(num, den, e.rule)
	case PerStudentPeriod:
		// Amount × periods served on covered items, exactly, rounded once.
		r := new(big.Rat).Mul(e.periods(sp, lines), big.NewRat(sp.amount, 10000))
		f, _ := scaled(money.RoundRat(r, e.rule), 2)
		return f
	case PercentOfCost:
		// Percent × published cost per student-period × periods served on covered items.
		r := new(big.Rat).Mul(e.periods(sp, lines), big.NewRat(e.costFen*sp.pct, 100*10000))
		f, _ := scaled(money.RoundRat(r, e.rule), 2)
		return f
	}
	return 0
}

// periods returns the periods (课时) delivered to the student on the covered items' served days:
// minutes over period minutes, exactly.
func (e *Engine) periods(sp *subsidyPlan, lines []lineCalc) *big.Rat {
	sum := new(big.Rat)
	for i := range lines {
		if sp.mask&lines[i].ip.bit != 0 && lines[i].servedMinutes > 0 {
			sum.Add(sum, big.NewRat(lines[i].servedMinutes, lines[i].pm))
		}
	}
	return sum
}

// shortfall computes a shortfall top-up: the student's cost (published cost per student-period ×
// periods served on covered items, rounded once) minus the net charges of the covered lines. It
// reports false when there is nothing to top up.
func (e *Engine) shortfall(sp *subsidyPlan, lines []lineCalc) (shortfallCalc, bool) {
	periods := e.periods(sp, lines)
	c, _ := scaled(money.RoundRat(new(big.Rat).Mul(periods, big.NewRat(e.costFen, 100)), e.rule), 2)
	var charges int64
	for i := range lines {
		if sp.mask&lines[i].ip.bit != 0 {
			charges += lines[i].net
		}
	}
	if c <= charges {
		return shortfallCalc{}, false
	}
	s := shortfallCalc{sp: sp, periods: periods, cost: c, charges: charges}
	var buf [8]int64
	s.subs = e.splitPayers(nil, sp, c-charges, buf[:0])
	return s, true
}

// applyWaivers waives, for a student whose hardship category matches (and is approved when the rule
// requires it), Percent of each covered line's parent share left after subsidies, rounded once per
// line; the waived amount is billed to the rule's payer.
func (e *Engine) applyWaivers(lines []lineCalc, f StudentFacts) {
	if f.Hardship == "" {
		return
	}
	for wi := range e.waivers {
		wp := &e.waivers[wi]
		if wp.w.Category != f.Hardship || (wp.w.RequiresApproval && !f.HardshipApproved) {
			continue
		}
		for i := range lines {
			l := &lines[i]
			if wp.mask&l.ip.bit == 0 || l.remaining <= 0 {
				continue
			}
			a := money.RoundQuotient(l.remaining*wp.pct, 10000, e.rule)
			if a > 0 {
				l.waivers = append(l.waivers, shareRec{ref: &wp.ref, cat: wp.w.Category, party: wp.w.PayerID, amount: a})
				l.remaining -= a
			}
		}
	}
}

// statement converts the computed lines to a Statement: decimals with exactly two places, totals
// summed in fen.
func (e *Engine) statement(f StudentFacts, lines []lineCalc, shortfalls []shortfallCalc) Statement {
	st := Statement{
		StudentID:   f.StudentID,
		SchoolID:    f.SchoolID,
		Schedule:    e.ref,
		BillingMode: e.s.BillingMode,
		Period:      PeriodRef{Kind: e.period.Kind, From: e.period.From, To: e.period.To},
		Lines:       make([]Line, 0, len(lines)+len(shortfalls)),
	}
	var t fenTotals
	for i := range lines {
		lc := &lines[i]
		it := lc.ip.it
		l := Line{
			Type:            ChargeLine,
			Rule:            lc.ip.ref,
			Name:            it.Name,
			Kind:            it.Kind,
			Unit:            it.Unit,
			Quantity:        quantity(lc.qtyNum, lc.qtyDen),
			UnitRate:        it.Rate,
			HolidayQuantity: quantity(lc.hQtyNum, lc.qtyDen),
			HolidayRate:     it.WeekendHolidayRate.Decimal,
			Surcharge:       it.EnrichmentSurcharge,
			Days:            lc.counts,
			Gross:           fenDec(lc.gross),
			Net:             fenDec(lc.net),
			Parent:          fenDec(lc.remaining),
			Free:            it.Free,
			PassThrough:     it.MealPassThrough,
			ProviderID:      it.ProviderID,
		}
		if it.MealPassThrough {
			l.UnitRate = decimal.Decimal{} // actual cost: no rate
		}
		if lc.nAdj > 0 {
			l.Adjustments = make([]Adjustment, lc.nAdj)
			for j, a := range lc.adj[:lc.nAdj] {
				l.Adjustments[j] = Adjustment{Kind: a.kind, Amount: fenDec(a.amount), Rule: *a.ref}
			}
		}
		l.Subsidies, l.Waivers = subsidyShares(lc.subs), waiverShares(lc.waivers)
		t.add(lc.gross, lc.net, lc.remaining, lc.subs, lc.waivers)
		if it.CollectedOnBehalf {
			t.cob = addFen(t.cob, it.ProviderID, lc.net)
		}
		st.Lines = append(st.Lines, l)
	}
	for _, s := range shortfalls {
		net := s.cost - s.charges
		l := Line{
			Type:        ShortfallLine,
			Rule:        s.sp.ref,
			Unit:        PerPeriod,
			Quantity:    decimal.NewFromBigRat(s.periods, 4),
			UnitRate:    fenDec(e.costFen),
			Gross:       fenDec(s.cost),
			Adjustments: []Adjustment{{Kind: AdjustCoveredByCharges, Amount: fenDec(-s.charges), Rule: s.sp.ref}},
			Net:         fenDec(net),
			Subsidies:   subsidyShares(s.subs),
			Parent:      fenDec(0),
		}
		if s.charges == 0 {
			l.Adjustments = nil
		}
		t.add(s.cost, net, 0, s.subs, nil)
		st.Lines = append(st.Lines, l)
	}
	st.Totals = t.totals()
	return st
}

// quantity shows num/den rounded half-up to four places.
func quantity(num, den int64) decimal.Decimal {
	hi, lo := bits.Mul64(uint64(num), 10000)
	if hi == 0 && lo < 1<<62 {
		return decimal.New(money.RoundQuotient(int64(lo), den, money.HalfUp), -4)
	}
	return decimal.NewFromBigRat(big.NewRat(num, den), 4)
}

func fenDec(f int64) decimal.Decimal { return decimal.New(f, -2) }

func subsidyShares(recs []shareRec) []SubsidyShare {
	if len(recs) == 0 {
		return nil
	}
	out := make([]SubsidyShare, len(recs))
	for i, r := range recs {
		out[i] = SubsidyShare{Rule: *r.ref, PayerID: r.party, Amount: fenDec(r.amount)}
	}
	return out
}

func waiverShares(recs []shareRec) []WaiverShare {
	if len(recs) == 0 {
		return nil
	}
	out := make([]WaiverShare, len(recs))
	for i, r := range recs {
		out[i] = WaiverShare{Rule: *r.ref, Category: r.cat, PayerID: r.party, Amount: fenDec(r.amount)}
	}
	return out
}

// fenTotals sums a statement in fen.
type fenTotals struct {
	gross, net, parent      int64
	subsidies, waivers, cob []partyFen
}

type partyFen struct {
	id     string
	amount int64
}

func (t *fenTotals) add(gross, net, parent int64, subs, waivers []shareRec) {
	t.gross += gross
	t.net += net
	t.parent += parent
	for _, s := range subs {
		t.subsidies = addFen(t.subsidies, s.party, s.amount)
	}
	for _, w := range waivers {
		t.waivers = addFen(t.waivers, w.party, w.amount)
	}
}

// addFen adds amount to id's entry, keeping the list sorted by id.
func addFen(list []partyFen, id string, amount int64) []partyFen {
	i := 0
	for i < len(list) && list[i].id < id {
		i++
	}
	if i < len(list) && list[i].id == id {
		list[i].amount += amount
		return list
	}
	list = append(list, partyFen{})
	copy(list[i+1:], list[i:])
	list[i] = partyFen{id: id, amount: amount}
	return list
}

func (t *fenTotals) totals() Totals {
	conv := func(list []partyFen) []PartyAmount {
		if len(list) == 0 {
			return nil
		}
		out := make([]PartyAmount, len(list))
		for i, p := range list {
			out[i] = PartyAmount{PartyID: p.id, Amount: fenDec(p.amount)}
		}
		return out
	}
	return Totals{
		Gross:             fenDec(t.gross),
		Net:               fenDec(t.net),
		Parent:            fenDec(t.parent),
		Subsidies:         conv(t.subsidies),
		Waivers:           conv(t.waivers),
		CollectedOnBehalf: conv(t.cob),
	}
}
