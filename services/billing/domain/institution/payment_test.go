package institution_test

import (
	"errors"
	"testing"

	"github.com/kehou/kehou/services/billing/domain/institution"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/platform/fault"
)

func TestCheckPayment(t *testing.T) {
	var ve *fault.ValidationError
	if err := institution.CheckPayment(d("320.00"), d("320.00")); err != nil {
		t.Fatalf("the due amount: %v", err)
	}
	for _, amount := range []string{"320.01", "319.99"} {
		if err := institution.CheckPayment(d(amount), d("320.00")); !errors.As(err, &ve) || ve.Violations[0].Field != "amount" {
			t.Errorf("amount %s of 320.00 due: %v, want a violation naming amount", amount, err)
		}
	}
	if err := institution.CheckPayment(d("1.00"), d("0")); !errors.Is(err, fault.ErrFailedPrecondition) {
		t.Errorf("paying a paid month: %v, want a failed precondition", err)
	}
}

func TestSettleLessWhatWasPaid(t *testing.T) {
	got := institution.Settle("inst_x", 2026, 9, []institution.SchoolMonth{{SchoolID: "sch_a",
		Statements: []payrun.Statement{{StatementID: "ps_1", StaffID: "stf_1", Revision: 1, Earned: d("120"), Paid: d("120")}},
		Billed:     d("200"), PaidOut: d("50"), LabourPaid: d("120")}})
	if !got.Total.Due.Equal(d("150")) || !got.Total.LabourPaid.Equal(d("120")) {
		t.Fatalf("due %s labour paid %s, want 120 − 120 + 200 − 50 = 150 and 120", got.Total.Due, got.Total.LabourPaid)
	}
}
