package recon_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/recon"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// consistent is a term where everything adds up: two families billed 600
// each with a city subsidy of 400 each; one pays 600, the other pays 700
// and is refunded 100; the city pays 800; 1,000 of pay (of it 120 to an
// institution and 50 management) against 2,000 of income, and 100 of
// materials.
func consistent() recon.Input {
	s := func(kind, acct, amt string) recon.Sum { return recon.Sum{Kind: kind, Account: acct, Amount: d(amt)} }
	return recon.Input{
		SchoolID: "sch_a",
		Sums: []recon.Sum{
			s("charge", "receivable:parent:stu_1", "600"), s("charge", "receivable:parent:stu_2", "600"),
			s("charge", "receivable:payer:city", "800"), s("charge", "income:school", "-2000"),
			s("payment", "receivable:parent:stu_1", "-600"), s("payment", "cash:wechat", "1300"),
			s("payment", "receivable:parent:stu_2", "-700"),
			s("refund", "receivable:parent:stu_2", "100"), s("refund", "cash:wechat", "-100"),
			s("payer_receipt", "receivable:payer:city", "-800"), s("payer_receipt", "cash:bank", "800"),
			s("pay_accrual", "expense:remuneration:outside_performance_total", "880"),
			s("pay_accrual", "expense:remuneration:labour_fee", "120"),
			s("pay_accrual", "payable:pay:stf_1", "-880"), s("pay_accrual", "payable:institution:inst_x", "-120"),
		},
		Hours: []recon.Hour{
			{RecordID: "rec_1", AssignmentID: "asg_1", StaffID: "stf_1", Expected: d("830")},
			{RecordID: "rec_2", AssignmentID: "asg_2", StaffID: "stf_2", Expected: d("120")},
		},
		Lines: []recon.Line{
			{StatementID: "ps_1", StaffID: "stf_1", Kind: "session", RecordID: "rec_1", AssignmentID: "asg_1", Amount: d("830"), First: true},
			{StatementID: "ps_1", StaffID: "stf_1", Kind: "management", Amount: d("50"), First: true},
			{StatementID: "ps_2", StaffID: "stf_2", Kind: "session", RecordID: "rec_2", AssignmentID: "asg_2", Amount: d("120"), First: true},
		},
		Pay: []recon.Pay{
			{StatementID: "ps_1", StaffID: "stf_1", StaffKind: "teacher", Paid: d("880"), ByTreatment: map[string]decimal.Decimal{"outside_performance_total": d("880")}},
			{StatementID: "ps_2", StaffID: "stf_2", StaffKind: "outside_instructor", InstitutionID: "inst_x", Paid: d("120"), ByTreatment: map[string]decimal.Decimal{"labour_fee": d("120")}},
		},
		Costs: []recon.Cost{{Kind: "materials", Amount: d("100")}},
	}
}

func TestConsistentTermHasNoDiscrepancy(t *testing.T) {
	r := recon.Reconcile(consistent())
	if !r.Balanced() {
		t.Fatalf("discrepancies in a consistent term: %+v", r.Discrepancies)
	}
	want := map[string]decimal.Decimal{
		"fees billed": d("1200"), "collected": d("1300"), "refunded": d("100"), "outstanding": d("0"),
		"income": d("2000"), "pay": d("1000"), "institutions": d("120"), "management": d("50"), "spending": d("1100"),
	}
	got := map[string]decimal.Decimal{
		"fees billed": r.Income.FeesBilled, "collected": r.Income.Collected, "refunded": r.Income.Refunded, "outstanding": r.Income.Outstanding,
		"income": r.Income.Total, "pay": r.Spending.Pay, "institutions": r.Spending.Institutions, "management": r.Spending.Management,
		"spending": r.Spending.Total,
	}
	for k, w := range want {
		if !got[k].Equal(w) {
			t.Errorf("%s = %s, want %s", k, got[k], w)
		}
	}
	if len(r.Income.Payers) != 1 || !r.Income.Payers[0].Billed.Equal(d("800")) || !r.Income.Payers[0].Received.Equal(d("800")) {
		t.Errorf("payers %+v", r.Income.Payers)
	}
}

func TestEachInjectedFaultIsListedAlone(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*recon.Input)
		want   []recon.Discrepancy
	}{
		{"an approved hour with no pay", func(in *recon.Input) {
			in.Hours = append(in.Hours, recon.Hour{RecordID: "rec_3", AssignmentID: "asg_3", StaffID: "stf_2", Expected: d("55.50")})
		}, []recon.Discrepancy{{Rule: recon.HourUnpaid, SchoolID: "sch_a", RecordID: "rec_3", StaffID: "stf_2", Amount: d("55.50")}}},
		{"a pay line without an hour", func(in *recon.Input) {
			in.Lines = append(in.Lines, recon.Line{StatementID: "ps_2", StaffID: "stf_2", Kind: "session", RecordID: "rec_9", AssignmentID: "asg_9", Amount: d("30"), First: true})
		}, []recon.Discrepancy{{Rule: recon.PayWithoutHour, SchoolID: "sch_a", RecordID: "rec_9", StaffID: "stf_2", StatementID: "ps_2", Amount: d("30")}}},
		{"an hour paid twice", func(in *recon.Input) {
			in.Lines = append(in.Lines, recon.Line{StatementID: "ps_3", StaffID: "stf_2", Kind: "session", RecordID: "rec_2", AssignmentID: "asg_2", Amount: d("120"), First: true})
			in.Hours[1].Expected = d("240") // so only the double first line is at fault
		}, []recon.Discrepancy{{Rule: recon.HourPaidTwice, SchoolID: "sch_a", RecordID: "rec_2", StaffID: "stf_2", StatementID: "ps_3", Amount: d("120")}}},
		{"a correction not yet paid", func(in *recon.Input) {
			in.Hours[0].Expected = d("790")
		}, []recon.Discrepancy{{Rule: recon.HourPayDiffers, SchoolID: "sch_a", RecordID: "rec_1", StaffID: "stf_1", StatementID: "ps_1", Amount: d("40")}}},
		{"labour above its share", func(in *recon.Input) {
			in.Limits = recon.Limits{LabourShare: d("0.45"), ManagementShare: d("0.10")}
		}, []recon.Discrepancy{{Rule: recon.LabourShare, SchoolID: "sch_a", Amount: d("100")}}},
		{"an unpaid fee", func(in *recon.Input) {
			in.Sums = append(in.Sums, recon.Sum{Kind: "charge", Account: "receivable:parent:stu_3", Amount: d("600")},
				recon.Sum{Kind: "charge", Account: "income:school", Amount: d("-600")})
		}, []recon.Discrepancy{{Rule: recon.FeeOutstanding, SchoolID: "sch_a", StudentID: "stu_3", Amount: d("600")}}},
		{"an unbalanced ledger", func(in *recon.Input) {
			in.Sums = append(in.Sums, recon.Sum{Kind: "payment", Account: "cash:wechat", Amount: d("0.01")})
		}, []recon.Discrepancy{{Rule: recon.LedgerUnbalanced, SchoolID: "sch_a", Amount: d("0.01")}}},
		{"spending above income", func(in *recon.Input) {
			in.Costs = append(in.Costs, recon.Cost{Kind: "utilities", Amount: d("950")})
		}, []recon.Discrepancy{{Rule: recon.SpendingOverIncome, SchoolID: "sch_a", Amount: d("50")}}},
		{"management above its share", func(in *recon.Input) {
			in.Limits = recon.Limits{LabourShare: d("0.60"), ManagementShare: d("0.02")}
		}, []recon.Discrepancy{{Rule: recon.ManagementShare, SchoolID: "sch_a", Amount: d("10")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := consistent()
			tt.inject(&in)
			got := recon.Reconcile(in).Discrepancies
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("discrepancies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdjustmentNetsOut(t *testing.T) {
	// A correction after payment: the first line 830, an adjustment of
	// -40 on the corrected record of the same assignment; the hour now pays
	// 790. Nothing to report.
	in := consistent()
	in.Hours[0] = recon.Hour{RecordID: "rec_1b", AssignmentID: "asg_1", StaffID: "stf_1", Expected: d("790")}
	in.Lines = append(in.Lines, recon.Line{StatementID: "ps_1r2", StaffID: "stf_1", Kind: "session", RecordID: "rec_1b", AssignmentID: "asg_1", Amount: d("-40")})
	in.Pay = append(in.Pay, recon.Pay{StatementID: "ps_1r2", StaffID: "stf_1", StaffKind: "teacher", Paid: d("-40"),
		ByTreatment: map[string]decimal.Decimal{"outside_performance_total": d("-40")}})
	if r := recon.Reconcile(in); !r.Balanced() {
		t.Errorf("adjusted hour reported: %+v", r.Discrepancies)
	}
}

func TestRollUpSumsSchools(t *testing.T) {
	a := recon.Reconcile(consistent())
	in := consistent()
	in.SchoolID = "sch_b"
	in.Hours = append(in.Hours, recon.Hour{RecordID: "rec_3", AssignmentID: "asg_3", StaffID: "stf_2", Expected: d("10")})
	b := recon.Reconcile(in)
	r := recon.RollUp([]recon.Report{a, b})
	if !r.Income.Total.Equal(d("4000")) || !r.Spending.Total.Equal(d("2200")) || len(r.Discrepancies) != 1 || r.Discrepancies[0].SchoolID != "sch_b" {
		t.Errorf("roll-up = income %s spending %s discrepancies %+v", r.Income.Total, r.Spending.Total, r.Discrepancies)
	}
	if len(r.Income.Payers) != 1 || !r.Income.Payers[0].Received.Equal(d("1600")) {
		t.Errorf("roll-up payers %+v", r.Income.Payers)
	}
}
