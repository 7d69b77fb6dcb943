package institution_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/institution"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/payrun"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func line(rec, amount string) pay.IssuedLine {
	return pay.IssuedLine{Line: pay.Line{Kind: pay.LineSession, RecordID: rec, Amount: d(amount)}}
}

func TestSettleSumsSchoolsAndCollectedFees(t *testing.T) {
	got := institution.Settle("inst_x", 2026, 9, []institution.SchoolMonth{
		{SchoolID: "sch_b", Statements: []payrun.Statement{
			{StatementID: "ps_b1", StaffID: "stf_2", Revision: 1, Earned: d("240"), Paid: d("200"), HeldBack: d("40"),
				Lines: []pay.IssuedLine{line("r3", "120"), line("r4", "120")}},
		}, Billed: d("0"), PaidOut: d("0")},
		{SchoolID: "sch_a", Statements: []payrun.Statement{
			{StatementID: "ps_a2", StaffID: "stf_1", Revision: 2, Earned: d("-40"), Paid: d("-40"), Lines: []pay.IssuedLine{line("r1b", "-40")}},
			{StatementID: "ps_a1", StaffID: "stf_1", Revision: 1, Earned: d("240"), Paid: d("240"), Lines: []pay.IssuedLine{line("r1", "120"), line("r2", "120")}},
		}, Billed: d("1500.50"), PaidOut: d("1000")},
		{SchoolID: "sch_c"}, // nothing for the institution: left out
	})
	if len(got.Schools) != 2 || got.Schools[0].SchoolID != "sch_a" {
		t.Fatalf("schools %+v", got.Schools)
	}
	a := got.Schools[0]
	if !a.Labour.Equal(d("200")) || !a.CollectedOnBehalf.Equal(d("1500.50")) || !a.Due.Equal(d("700.50")) {
		t.Errorf("school a %+v, want labour 200, collected 1500.50, due 200 + 1500.50 − 1000 = 700.50", a)
	}
	if tot := got.Total; !tot.Earned.Equal(d("440")) || !tot.HeldBack.Equal(d("40")) || !tot.Labour.Equal(d("400")) || !tot.Due.Equal(d("900.50")) {
		t.Errorf("total %+v", tot)
	}
	var recs []string
	sum := decimal.Zero
	for _, l := range got.Lines {
		recs = append(recs, l.RecordID)
		sum = sum.Add(l.Amount)
	}
	if want := []string{"r1", "r2", "r1b", "r3", "r4"}; len(recs) != len(want) || recs[0] != "r1" || recs[2] != "r1b" || recs[4] != "r4" {
		t.Errorf("line order %v, want %v", recs, want)
	}
	if !sum.Equal(got.Total.Earned) {
		t.Errorf("lines sum %s, earned %s", sum, got.Total.Earned)
	}
}
