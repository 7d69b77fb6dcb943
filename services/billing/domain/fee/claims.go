package fee

import (
	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/money"
)

// CarryClaims re-splits, in place, the payer shares of every subsidy of schedule s over a school's
// statements of one run (sts, in the run's fixed student order), so that each payer's claim — the
// sum of its shares over the statements — is exactly its ratio's share of the subsidy's total,
// rounded once (money.SplitClaims), instead of the sum of per-statement roundings, which drifts
// towards the same payer statement after statement. Each line keeps its subsidy amounts (only
// their split between payers moves, by less than a fen against its exact share), so every line and
// statement still adds up; statement totals are recomputed. Zero shares are dropped, as Compute
// does.
//
// Because the remainders are carried across students, a student's split between payers depends
// on the statements before it in the order: a rerun with one student's facts changed may move a
// fen between payers on later students' statements.
func CarryClaims(s Schedule, sts []Statement) error {
	for _, r := range s.Subsidies {
		parts := make([]money.IntPart, len(r.Payers))
		for i, p := range r.Payers {
			w, _ := scaled(p.Ratio, PercentPlaces)
			parts[i] = money.IntPart{Key: p.PayerID, Weight: w}
		}
		type at struct{ st, line int }
		var rows []at
		var amounts []int64
		for i := range sts {
			for j := range sts[i].Lines {
				var fen int64
				found := false
				for _, sh := range sts[i].Lines[j].Subsidies {
					if sh.Rule.RuleID == r.RuleID {
						fen += sh.Amount.Shift(2).IntPart()
						found = true
					}
				}
				if found {
					rows = append(rows, at{i, j})
					amounts = append(amounts, fen)
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		split, err := money.SplitClaims(amounts, parts)
		if err != nil {
			return err
		}
		for k, a := range rows {
			l := &sts[a.st].Lines[a.line]
			var ref RuleRef
			kept := l.Subsidies[:0]
			pos := -1
			for _, sh := range l.Subsidies {
				if sh.Rule.RuleID == r.RuleID {
					ref = sh.Rule
					if pos < 0 {
						pos = len(kept)
					}
					continue
				}
				kept = append(kept, sh)
			}
			var mine []SubsidyShare
			for p, fen := range split[k] {
				if fen != 0 {
					mine = append(mine, SubsidyShare{Rule: ref, PayerID: parts[p].Key, Amount: decimal.New(fen, -2)})
				}
			}
			out := append([]SubsidyShare(nil), kept[:pos]...)
			out = append(out, mine...)
			out = append(out, kept[pos:]...)
			l.Subsidies = out
		}
	}
	for i := range sts {
		sts[i].Totals.Subsidies = subsidyTotals(sts[i].Lines)
	}
	return nil
}

// subsidyTotals sums the lines' subsidy shares per payer, sorted by payer id.
func subsidyTotals(lines []Line) []PartyAmount {
	var list []partyFen
	for _, l := range lines {
		for _, s := range l.Subsidies {
			list = addFen(list, s.PayerID, s.Amount.Shift(2).IntPart())
		}
	}
	if len(list) == 0 {
		return nil
	}
	out := make([]PartyAmount, len(list))
	for i, p := range list {
		out[i] = PartyAmount{PartyID: p.id, Amount: fenDec(p.amount)}
	}
	return out
}
