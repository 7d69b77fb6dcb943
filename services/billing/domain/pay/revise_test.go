package pay

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestDiffOneCorrectedHourOneLine: a rerun after one hour was corrected
// differs in that line only (and in the management share of the pool); the difference references the original record
// and statement, and the totals differ by the same amount.
func TestDiffOneCorrectedHourOneLine(t *testing.T) {
	in := policyInput()
	before, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	in.Sessions[1].RecordID = "r_2_fixed" // supervision only, now 30 minutes: 30 × 1.7 × 0.5 = 25.50 (was 51.00)
	in.Sessions[1].CreditedMinutes = 30
	after, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range after.Statements {
		prev := before.Statements[i]
		prior := Prior{Earned: prev.Earned, Paid: prev.Paid, HeldBack: prev.HeldBack, ByTreatment: map[Treatment]decimal.Decimal{}}
		for _, l := range prev.Lines {
			prior.Lines = append(prior.Lines, IssuedLine{Line: l, StatementID: "st-" + st.StaffID})
		}
		for _, ta := range prev.ByTreatment {
			prior.ByTreatment[ta.Treatment] = ta.Amount
		}
		adj := Diff(st, prior)
		if st.StaffID == "a1" {
			// The management share follows the pool: 5% of 1224.00 = 61.20, was 62.48.
			if len(adj.Lines) != 1 || adj.Lines[0].Kind != LineManagement || adj.Lines[0].Amount.StringFixed(2) != "-1.28" {
				t.Errorf("a1 adjustment = %+v, want the management share 1.28 less", adj)
			}
			continue
		}
		if st.StaffID != "t1" {
			if len(adj.Lines) != 0 || !adj.Paid.IsZero() || ContentHash(st) != ContentHash(prev) {
				t.Errorf("%s changed: %+v", st.StaffID, adj)
			}
			continue
		}
		if len(adj.Lines) != 1 || adj.Lines[0].Amount.StringFixed(2) != "-25.50" || adj.Lines[0].CorrectsRecordID != "r_2" ||
			adj.Lines[0].RecordID != "r_2_fixed" || adj.Lines[0].CorrectsStatementID != "st-t1" || adj.Paid.StringFixed(2) != "-25.50" {
			t.Errorf("t1 adjustment = %+v, want one line of -25.50 correcting r_2", adj)
		}
		if ContentHash(st) == ContentHash(prev) {
			t.Error("content hash did not change")
		}
	}
}
