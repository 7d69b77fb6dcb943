package app

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

// line is one charge line of the given amounts in fen, net = gross, city subsidy sub.
func line(rule string, gross, sub int64) IssuedLine {
	return IssuedLine{LineType: "charge", RuleID: rule, Quantity: decimal.NewFromInt(gross / 200), UnitRate: decimal.NewFromInt(2),
		Gross: fen(gross), Net: fen(gross), Subsidies: []IssuedShare{{PayerID: "city", RuleID: "s", Amount: fen(sub)}},
		Parent: fen(gross - sub), Detail: LineDetail{DaysScheduled: 19, DaysServed: 19}}
}

func statement(id, run, student string, rev int, kind string, lines []IssuedLine, full []IssuedLine) Issued {
	t := totalsOf(lines)
	return Issued{StatementID: id, RunID: run, StudentID: student, Revision: rev, Kind: kind, Lines: lines,
		Totals: t, ContentHash: contentHash(full), ParentAmount: t.Parent, TotalAmount: t.Net}
}

// TestCompareSchoolFindsEveryKindOfDifference compares hand-made statements
// with recomputed lines: an identical charge and adjustment pass; a changed
// amount, a changed day count, a wrong content hash, a parent_amount or
// total_amount column changed alone, a student missing from
// the snapshot and an unchanged student whose recomputation moved are each
// reported by id.
func TestCompareSchoolFindsEveryKindOfDifference(t *testing.T) {
	rec := map[string][]IssuedLine{
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
	wrongAmount := []IssuedLine{line("basic", 7600, 4700)}
	wrongDays := []IssuedLine{line("basic", 7600, 4750)}
	wrongDays[0].Detail.DaysServed = 18
	first := []IssuedLine{line("basic", 7600, 4750)}
	parentColumn := statement("s-parent", "r2", "parent", 1, KindCharge, rec["parent"], rec["parent"])
	parentColumn.ParentAmount = fen(1)
	totalColumn := statement("s-total", "r2", "total", 1, KindCharge, rec["total"], rec["total"])
	totalColumn.TotalAmount = totalColumn.TotalAmount.Add(fen(1))
	sts := []Issued{
		statement("s-ok", "r2", "ok", 1, KindCharge, rec["ok"], rec["ok"]),
		statement("s-adj-1", "r1", "adj", 1, KindCharge, first, first),
		statement("s-adj-2", "r2", "adj", 2, KindAdjustment, diffLines(rec["adj"], first), rec["adj"]),
		statement("s-amount", "r2", "amount", 1, KindCharge, wrongAmount, rec["amount"]),
		statement("s-days", "r2", "days", 1, KindCharge, wrongDays, rec["days"]),
		statement("s-hash", "r2", "hash", 1, KindCharge, rec["hash"], wrongAmount),
		parentColumn, totalColumn,
		statement("s-ghost", "r2", "ghost", 1, KindCharge, rec["ok"], rec["ok"]),
		statement("s-same", "r1", "same", 1, KindCharge, first, first),
		statement("s-moved", "r1", "moved", 1, KindCharge, first, first),
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
	if len(diffLines(rec["adj"], first)) != 1 {
		t.Fatal("the adjustment fixture has no lines")
	}
}
