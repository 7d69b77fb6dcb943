package ledger

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestFamilyEntries: every builder makes a balanced posting that moves the
// family's receivable the agreed way.
func TestFamilyEntries(t *testing.T) {
	amt := decimal.RequireFromString("12.34")
	tests := []struct {
		name       string
		give       []Entry
		receivable string // signed change of ParentReceivable
		other      string // the other account
	}{
		{"payment", PaymentEntries("s1", "wechat", amt), "-12.34", Cash("wechat")},
		{"refund", RefundEntries("s1", "bank", amt), "12.34", Cash("bank")},
		{"credit transfer", CreditTransferEntries("s1", amt), "12.34", ParentCredit("s1")},
		{"credit apply", CreditApplyEntries("s1", amt), "-12.34", ParentCredit("s1")},
		{"write-off", WriteOffEntries("s1", amt), "-12.34", WriteOffExpense},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Posting{DistrictID: "d", SchoolID: "s", PostingID: "p", Kind: KindPayment, EffectiveDate: time.Now(), Entries: tt.give}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, e := range tt.give {
				got[e.Account] = e.Amount.StringFixed(2)
			}
			if got[ParentReceivable("s1")] != tt.receivable || got[tt.other] == "" || len(got) != 2 {
				t.Fatalf("entries %v", got)
			}
		})
	}
	if Class("receivable:parent:s1") != "receivable" || Class("plain") != "plain" {
		t.Fatal("Class")
	}
}
