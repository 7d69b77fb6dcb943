package statement

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/shopspring/decimal"
)

// ContentHash fingerprints a statement's lines, so a repeated run can tell a
// student whose bill is unchanged. It runs for every student of a run, so it
// appends the fingerprinted text (one "|"-separated record per line, then one
// per adjustment, subsidy and waiver) without fmt.
func ContentHash(lines []Line) string {
	h := sha256.New()
	var buf []byte
	for _, l := range lines {
		buf = AppendRecord(buf[:0], l)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AppendRecord appends the text ContentHash fingerprints for one line: its
// amounts and rule references, not its day counts (LineDetail).
func AppendRecord(b []byte, l Line) []byte {
	for i, f := range [...]string{l.LineType, l.RuleID, l.DocumentNo, l.Name, l.Unit, l.Quantity.String(), l.UnitRate.String(),
		l.Gross.StringFixed(2), l.Net.StringFixed(2), l.Parent.StringFixed(2), l.ProviderID, l.ServiceKind} {
		if i > 0 {
			b = append(b, '|')
		}
		b = append(b, f...)
	}
	b = append(b, '\n')
	for _, a := range l.Adjustments {
		b = append(append(append(append(append(append(append(b, "a|"...), a.Kind...), '|'), a.RuleID...), '|'), a.Amount.StringFixed(2)...), '\n')
	}
	for _, s := range l.Subsidies {
		b = append(append(append(append(append(append(append(b, "s|"...), s.RuleID...), '|'), s.PayerID...), '|'), s.Amount.StringFixed(2)...), '\n')
	}
	for _, s := range l.Waivers {
		b = append(append(append(append(append(append(append(b, "w|"...), s.RuleID...), '|'), s.PayerID...), '|'), s.Amount.StringFixed(2)...), '\n')
	}
	return b
}

// SumLines adds statements' lines per (line type, rule): what a student has
// been billed over a charge and its adjustments.
func SumLines(groups ...[]Line) []Line {
	var out []Line
	index := map[string]int{}
	for _, lines := range groups {
		for _, l := range lines {
			k := l.LineType + "|" + l.RuleID
			i, ok := index[k]
			if !ok {
				index[k] = len(out)
				c := l
				c.Adjustments, c.Subsidies, c.Waivers = slices.Clone(l.Adjustments), slices.Clone(l.Subsidies), slices.Clone(l.Waivers)
				out = append(out, c)
				continue
			}
			o := &out[i]
			o.Quantity = o.Quantity.Add(l.Quantity)
			o.Gross, o.Net, o.Parent = o.Gross.Add(l.Gross), o.Net.Add(l.Net), o.Parent.Add(l.Parent)
			o.UnitRate, o.Name, o.DocumentNo = l.UnitRate, l.Name, l.DocumentNo
			o.Adjustments = addAdjustments(o.Adjustments, l.Adjustments, 1)
			o.Subsidies = addShares(o.Subsidies, l.Subsidies, 1)
			o.Waivers = addShares(o.Waivers, l.Waivers, 1)
		}
	}
	return out
}

// DiffLines returns next − prev per line, dropping lines that did not change:
// the lines of an adjustment statement.
func DiffLines(next, prev []Line) []Line {
	var out []Line
	seen := map[string]bool{}
	prevBy := map[string]Line{}
	for _, p := range prev {
		prevBy[p.LineType+"|"+p.RuleID] = p
	}
	for _, n := range next {
		k := n.LineType + "|" + n.RuleID
		seen[k] = true
		p, ok := prevBy[k]
		if !ok {
			out = append(out, n)
			continue
		}
		d := n
		d.Quantity = n.Quantity.Sub(p.Quantity)
		d.Gross, d.Net, d.Parent = n.Gross.Sub(p.Gross), n.Net.Sub(p.Net), n.Parent.Sub(p.Parent)
		d.Adjustments = addAdjustments(slices.Clone(n.Adjustments), p.Adjustments, -1)
		d.Subsidies = addShares(slices.Clone(n.Subsidies), p.Subsidies, -1)
		d.Waivers = addShares(slices.Clone(n.Waivers), p.Waivers, -1)
		if !lineIsZero(d) {
			out = append(out, d)
		}
	}
	for _, p := range prev {
		if seen[p.LineType+"|"+p.RuleID] {
			continue
		}
		d := negate(p)
		if !lineIsZero(d) {
			out = append(out, d)
		}
	}
	return out
}

func negate(l Line) Line {
	d := l
	d.Quantity, d.Gross, d.Net, d.Parent = l.Quantity.Neg(), l.Gross.Neg(), l.Net.Neg(), l.Parent.Neg()
	d.Adjustments = addAdjustments(nil, l.Adjustments, -1)
	d.Subsidies = addShares(nil, l.Subsidies, -1)
	d.Waivers = addShares(nil, l.Waivers, -1)
	return d
}

func lineIsZero(l Line) bool {
	if !l.Quantity.IsZero() || !l.Gross.IsZero() || !l.Net.IsZero() || !l.Parent.IsZero() {
		return false
	}
	for _, a := range l.Adjustments {
		if !a.Amount.IsZero() {
			return false
		}
	}
	for _, s := range append(slices.Clone(l.Subsidies), l.Waivers...) {
		if !s.Amount.IsZero() {
			return false
		}
	}
	return true
}

func addAdjustments(dst, src []Adjustment, sign int64) []Adjustment {
	for _, a := range src {
		amt := a.Amount.Mul(decimal.NewFromInt(sign))
		i := slices.IndexFunc(dst, func(d Adjustment) bool { return d.Kind == a.Kind && d.RuleID == a.RuleID })
		if i < 0 {
			a.Amount = amt
			dst = append(dst, a)
			continue
		}
		dst[i].Amount = dst[i].Amount.Add(amt)
	}
	return slices.DeleteFunc(dst, func(d Adjustment) bool { return d.Amount.IsZero() })
}

func addShares(dst, src []Share, sign int64) []Share {
	for _, s := range src {
		amt := s.Amount.Mul(decimal.NewFromInt(sign))
		i := slices.IndexFunc(dst, func(d Share) bool { return d.RuleID == s.RuleID && d.PayerID == s.PayerID })
		if i < 0 {
			s.Amount = amt
			dst = append(dst, s)
			continue
		}
		dst[i].Amount = dst[i].Amount.Add(amt)
	}
	return slices.DeleteFunc(dst, func(d Share) bool { return d.Amount.IsZero() })
}

// TotalsOf sums lines on the one totals accumulator (money.Sums, which the
// engine's statement totals use too). Gross, net and parent start at 0.00,
// so an empty statement stores two decimal places like any other.
func TotalsOf(lines []Line) Totals {
	zero := decimal.New(0, -2)
	s := money.Sums{Gross: zero, Net: zero, Parent: zero}
	for _, l := range lines {
		s.AddLine(l.Gross, l.Net, l.Parent, l.ProviderID)
		for _, sh := range l.Subsidies {
			s.AddSubsidy(sh.PayerID, sh.Amount)
		}
		for _, sh := range l.Waivers {
			s.AddWaiver(sh.PayerID, sh.Amount)
		}
	}
	return Totals{Gross: s.Gross, Net: s.Net, Parent: s.Parent, Subsidies: s.Subsidies, Waivers: s.Waivers, CollectedOnBehalf: s.CollectedOnBehalf}
}

// LinesEqual compares stored lines with computed ones field by field,
// the day counts included (numbers by value, not by scale).
func LinesEqual(a, b []Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(AppendRecord(nil, a[i])) != string(AppendRecord(nil, b[i])) || !detailEqual(a[i].Detail, b[i].Detail) {
			return false
		}
	}
	return true
}

func detailEqual(a, b LineDetail) bool {
	return a.DaysScheduled == b.DaysScheduled && a.DaysEnrolled == b.DaysEnrolled && a.DaysCancelled == b.DaysCancelled &&
		a.DaysShort == b.DaysShort && a.DaysLeave == b.DaysLeave && a.DaysServed == b.DaysServed &&
		a.HolidayQuantity.Equal(b.HolidayQuantity) && a.HolidayRate.Equal(b.HolidayRate) && a.Surcharge.Equal(b.Surcharge)
}

// TotalsEqual compares totals by value, a missing party counting as zero.
func TotalsEqual(a, b Totals) bool {
	return a.Gross.Equal(b.Gross) && a.Net.Equal(b.Net) && a.Parent.Equal(b.Parent) &&
		amountsEqual(a.Subsidies, b.Subsidies) && amountsEqual(a.Waivers, b.Waivers) && amountsEqual(a.CollectedOnBehalf, b.CollectedOnBehalf)
}

// amountsEqual compares per-party sums, a missing party counting as zero.
func amountsEqual(a, b map[string]decimal.Decimal) bool {
	for k, x := range a {
		if !x.Equal(b[k]) {
			return false
		}
	}
	for k, y := range b {
		if !y.Equal(a[k]) {
			return false
		}
	}
	return true
}
