package statement_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/shopspring/decimal"
)

func fen(n int64) decimal.Decimal { return decimal.New(n, -2) }

// randomLines makes up to three lines of random amounts over a small set of rules, so that
// next and prev share some lines and not others.
func randomLines(r *rand.Rand) []statement.Line {
	var out []statement.Line
	for _, rule := range []string{"basic", "club", "meal"} {
		if r.IntN(3) == 0 {
			continue
		}
		gross := r.Int64N(20000)
		adj := -r.Int64N(gross + 1)
		net := gross + adj
		city := r.Int64N(net + 1)
		waiver := r.Int64N(net - city + 1)
		l := statement.Line{LineType: "charge", RuleID: rule, Quantity: decimal.NewFromInt(r.Int64N(40)), Gross: fen(gross), Net: fen(net),
			Adjustments: []statement.Adjustment{{Kind: "leave", RuleID: "p", Amount: fen(adj)}},
			Subsidies:   []statement.Share{{PayerID: "city", RuleID: "s", Amount: fen(city)}},
			Waivers:     []statement.Share{{PayerID: "civil", RuleID: "w", Amount: fen(waiver)}},
			Parent:      fen(net - city - waiver)}
		out = append(out, l)
	}
	return out
}

// TestAdjustmentAddsUpToTheNewStatement checks, over random charges, that the previous lines plus
// the adjustment's lines are exactly the newly computed lines, amount by amount, and that the
// adjustment's totals are the difference of the totals: an adjustment corrects, never edits.
func TestAdjustmentAddsUpToTheNewStatement(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for i := range 5000 {
		prev, next := randomLines(r), randomLines(r)
		diff := statement.DiffLines(next, prev)
		got := statement.SumLines(prev, diff)
		want := statement.SumLines(next)
		gt, wt := statement.TotalsOf(got), statement.TotalsOf(want)
		dt, pt := statement.TotalsOf(diff), statement.TotalsOf(prev)
		if !gt.Parent.Equal(wt.Parent) || !gt.Net.Equal(wt.Net) || !gt.Gross.Equal(wt.Gross) ||
			!dt.Parent.Equal(wt.Parent.Sub(pt.Parent)) {
			t.Fatalf("case %d: prev %+v next %+v: prev + adjustment = %+v, want %+v", i, prev, next, gt, wt)
		}
		for _, l := range want {
			var g *statement.Line
			for j := range got {
				if got[j].RuleID == l.RuleID {
					g = &got[j]
				}
			}
			if g == nil || !g.Parent.Equal(l.Parent) || !g.Quantity.Equal(l.Quantity) || statement.ContentHash([]statement.Line{normal(*g)}) != statement.ContentHash([]statement.Line{normal(l)}) {
				t.Fatalf("case %d: line %s: prev + adjustment = %+v, want %+v", i, l.RuleID, g, l)
			}
		}
		var sp ledger.RunPosting
		sp.Add(statement.Issued{StudentID: "s", DistrictID: "d", SchoolID: "k", StatementID: "x", Kind: statement.KindAdjustment, Lines: diff, Totals: dt})
		if p, ok := sp.Posting("d", "k", "run-x", ledger.KindAdjustment, time.Now()); ok {
			sum := decimal.Zero
			for _, e := range p.Entries {
				sum = sum.Add(e.Amount)
			}
			if !sum.IsZero() {
				t.Fatalf("case %d: adjustment posting unbalanced by %s", i, sum)
			}
		}
	}
}

// normal rounds a line's amounts to two places for comparison (sums keep their exponent).
func normal(l statement.Line) statement.Line {
	l.Quantity, l.Gross, l.Net, l.Parent = l.Quantity.Round(4), l.Gross.Round(2), l.Net.Round(2), l.Parent.Round(2)
	l.Adjustments = statement.AddAdjustments(nil, l.Adjustments, 1)
	l.Subsidies = statement.AddShares(nil, l.Subsidies, 1)
	l.Waivers = statement.AddShares(nil, l.Waivers, 1)
	return l
}

// TestContentHashIsTheFormattedRecord keeps contentHash's bytes equal to the
// fmt-formatted records it was first defined by, so statements issued
// before still compare equal when their facts have not changed.
func TestContentHashIsTheFormattedRecord(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 2000 {
		lines := randomLines(r)
		h := sha256.New()
		for _, l := range lines {
			fmt.Fprintf(h, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n", l.LineType, l.RuleID, l.DocumentNo, l.Name, l.Unit,
				l.Quantity.String(), l.UnitRate.String(), l.Gross.StringFixed(2), l.Net.StringFixed(2), l.Parent.StringFixed(2), l.ProviderID, l.ServiceKind)
			for _, a := range l.Adjustments {
				fmt.Fprintf(h, "a|%s|%s|%s\n", a.Kind, a.RuleID, a.Amount.StringFixed(2))
			}
			for _, s := range l.Subsidies {
				fmt.Fprintf(h, "s|%s|%s|%s\n", s.RuleID, s.PayerID, s.Amount.StringFixed(2))
			}
			for _, s := range l.Waivers {
				fmt.Fprintf(h, "w|%s|%s|%s\n", s.RuleID, s.PayerID, s.Amount.StringFixed(2))
			}
		}
		if got, want := statement.ContentHash(lines), hex.EncodeToString(h.Sum(nil)); got != want {
			t.Fatalf("case %d: contentHash = %s, want %s", i, got, want)
		}
	}
}
