package app

import (
	"slices"
	"testing"

	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/shopspring/decimal"
)

// line is one charge line of the given amounts in fen, net = gross, city subsidy sub.
func line(rule string, gross, sub int64) statement.Line {
	return statement.Line{LineType: "charge", RuleID: rule, Quantity: decimal.NewFromInt(gross / 200), UnitRate: decimal.NewFromInt(2),
		Gross: fen(gross), Net: fen(gross), Subsidies: []statement.Share{{PayerID: "city", RuleID: "s", Amount: fen(sub)}},
		Parent: fen(gross - sub), Detail: statement.LineDetail{DaysScheduled: 19, DaysServed: 19}}
}

func issued(id, run, student string, rev int, kind string, lines []statement.Line, full []statement.Line) statement.Issued {
	t := statement.TotalsOf(lines)
	return statement.Issued{StatementID: id, RunID: run, StudentID: student, Revision: rev, Kind: kind, Lines: lines,
		Totals: t, ContentHash: statement.ContentHash(full), ParentAmount: t.Parent, TotalAmount: t.Net}
}

// TestCompareSchoolFindsEveryKindOfDifference compares hand-made statements
// with recomputed lines: an identical charge and adjustment pass; a changed
// amount, a changed day count, a wrong content hash, a parent_amount or
// total_amount column changed alone, a student missing from
// the snapshot and an unchanged student whose recomputation moved are each
// reported by id.
func TestCompareSchoolFindsEveryKindOfDifference(t *testing.T) {
	rec := map[string][]statement.Line{
		"ok":      {line("basic", 7600, 4750)},
		"adj":     {line("basic", 6800, 4250)},
		"amount":  {line("basic", 7600, 4750)},
		"days":    {line("basic", 7600, 4750)},
		"hash":    {line("basic", 7600, 4750)},
		"parent":  {line("basic", 7600, 4750)},
		"total":   {line("basic", 7600, 4750)},
		"same":    {line("basic", 7600, 4750)},
		"moved":   {line("basic", 7400, 4750)},
		"nothing": nil,
	}
	wrongAmount := []statement.Line{line("basic", 7600, 4700)}
	wrongDays := []statement.Line{line("basic", 7600, 4750)}
	wrongDays[0].Detail.DaysServed = 18
	first := []statement.Line{line("basic", 7600, 4750)}
	parentColumn := issued("s-parent", "r2", "parent", 1, statement.KindCharge, rec["parent"], rec["parent"])
	parentColumn.ParentAmount = fen(1)
	totalColumn := issued("s-total", "r2", "total", 1, statement.KindCharge, rec["total"], rec["total"])
	totalColumn.TotalAmount = totalColumn.TotalAmount.Add(fen(1))
	sts := []statement.Issued{
		issued("s-ok", "r2", "ok", 1, statement.KindCharge, rec["ok"], rec["ok"]),
		issued("s-adj-1", "r1", "adj", 1, statement.KindCharge, first, first),
		issued("s-adj-2", "r2", "adj", 2, statement.KindAdjustment, statement.DiffLines(rec["adj"], first), rec["adj"]),
		issued("s-amount", "r2", "amount", 1, statement.KindCharge, wrongAmount, rec["amount"]),
		issued("s-days", "r2", "days", 1, statement.KindCharge, wrongDays, rec["days"]),
		issued("s-hash", "r2", "hash", 1, statement.KindCharge, rec["hash"], wrongAmount),
		parentColumn, totalColumn,
		issued("s-ghost", "r2", "ghost", 1, statement.KindCharge, rec["ok"], rec["ok"]),
		issued("s-same", "r1", "same", 1, statement.KindCharge, first, first),
		issued("s-moved", "r1", "moved", 1, statement.KindCharge, first, first),
	}
	var v Verification
	compareSchool(&v, "r2", rec, sts)
	if v.StatementsChecked != 8 || v.StatementsIdentical != 2 {
		t.Errorf("checked %d, identical %d, want 8 and 2 (s-ok, s-adj-2)", v.StatementsChecked, v.StatementsIdentical)
	}
	if want := []string{"s-amount", "s-days", "s-hash", "s-parent", "s-total", "s-ghost"}; !slices.Equal(v.StatementsDiffering, want) {
		t.Errorf("differing = %v, want %v", v.StatementsDiffering, want)
	}
	if v.UnchangedChecked != 2 || !slices.Equal(v.UnchangedDiffering, []string{"moved"}) {
		t.Errorf("unchanged checked %d, differing %v, want 2 and [moved]", v.UnchangedChecked, v.UnchangedDiffering)
	}
	if len(statement.DiffLines(rec["adj"], first)) != 1 {
		t.Fatal("the adjustment fixture has no lines")
	}
}

func fen(n int64) decimal.Decimal { return decimal.New(n, -2) }
