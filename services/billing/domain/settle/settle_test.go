package settle

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestBalance(t *testing.T) {
	f := Figures{Charged: d("240.00"), Paid: d("300.00"), Refunded: d("20.00"), Credited: d("10.00"), CreditApplied: d("5.00"), WrittenOff: d("1.50")}
	// 240 − 300 + 20 + 10 − 5 − 1.5
	if got, want := f.Balance(), d("-36.50"); !got.Equal(want) {
		t.Fatalf("balance = %s, want %s", got, want)
	}
	sum := f.Add(f)
	if !sum.Balance().Equal(d("-73.00")) {
		t.Fatalf("sum balance = %s", sum.Balance())
	}
}

func TestPlanFamily(t *testing.T) {
	t1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	t2 := t1.AddDate(0, 1, 0)
	pays := []Refundable{
		{PaymentID: "p1", Channel: "wechat", PaidAt: t1, Remaining: d("100.00")},
		{PaymentID: "p2", Channel: "cash", PaidAt: t2, Remaining: d("30.00")},
	}
	tests := []struct {
		name    string
		give    Figures
		policy  Policy
		want    Action
		amount  string
		refunds []Part
		credit  string
		after   string
	}{
		{"owes", Figures{Charged: d("240"), Paid: d("200")}, PolicyRefund, ActionDue, "0", nil, "0", "40"},
		{"even", Figures{Charged: d("130"), Paid: d("130")}, PolicyRefund, ActionNone, "0", nil, "0", "0"},
		{"refund newest first", Figures{Charged: d("80"), Paid: d("130")}, PolicyRefund, ActionRefund, "50",
			[]Part{{"p2", "cash", d("30")}, {"p1", "wechat", d("20")}}, "0", "0"},
		{"credit", Figures{Charged: d("80"), Paid: d("130")}, PolicyCredit, ActionCredit, "50", nil, "50", "0"},
		{"refund beyond payments stays credit", Figures{Charged: d("0"), Paid: d("130"), CreditApplied: d("20")}, PolicyRefund, ActionRefund, "150",
			[]Part{{"p2", "cash", d("30")}, {"p1", "wechat", d("100")}}, "20", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanFamily(tt.give, tt.policy, pays)
			if got.Action != tt.want || !got.Amount.Equal(d(tt.amount)) || !got.Credit.Equal(d(tt.credit)) || !got.BalanceAfter.Equal(d(tt.after)) {
				t.Fatalf("plan = %+v, want %s amount %s credit %s after %s", got, tt.want, tt.amount, tt.credit, tt.after)
			}
			if len(got.Refunds) != len(tt.refunds) {
				t.Fatalf("refunds = %+v, want %+v", got.Refunds, tt.refunds)
			}
			for i, r := range tt.refunds {
				g := got.Refunds[i]
				if g.PaymentID != r.PaymentID || g.Channel != r.Channel || !g.Amount.Equal(r.Amount) {
					t.Fatalf("refund %d = %+v, want %+v", i, g, r)
				}
			}
		})
	}
}

// TestPlanFamilyProperties: parts sum to the amount, no refund exceeds its
// payment, the balance after is never negative, and the order of the
// payments does not matter.
func TestPlanFamilyProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fen := func(max int) decimal.Decimal { return decimal.New(int64(r.IntN(max)), -2) }
	for i := 0; i < 20000; i++ {
		var pays []Refundable
		for j := 0; j < r.IntN(4); j++ {
			pays = append(pays, Refundable{PaymentID: string(rune('a' + j)), Channel: "bank",
				PaidAt: time.Unix(int64(r.IntN(3)), 0), Remaining: fen(20000)})
		}
		f := Figures{Charged: fen(30000), Paid: fen(30000), Refunded: fen(1000), CreditApplied: fen(1000)}
		policy := PolicyRefund
		if r.IntN(2) == 0 {
			policy = PolicyCredit
		}
		p := PlanFamily(f, policy, pays)
		sum := p.Credit
		for _, part := range p.Refunds {
			sum = sum.Add(part.Amount)
			for _, q := range pays {
				if q.PaymentID == part.PaymentID && part.Amount.GreaterThan(q.Remaining) {
					t.Fatalf("case %d: refund %s exceeds payment %s", i, part.Amount, q.Remaining)
				}
			}
			if !part.Amount.IsPositive() {
				t.Fatalf("case %d: non-positive part %s", i, part.Amount)
			}
		}
		if !sum.Equal(p.Amount) {
			t.Fatalf("case %d: parts %s != amount %s", i, sum, p.Amount)
		}
		if p.BalanceAfter.IsNegative() || !f.Balance().Add(p.Amount).Equal(p.BalanceAfter) {
			t.Fatalf("case %d: balance %s + %s != after %s", i, f.Balance(), p.Amount, p.BalanceAfter)
		}
		rev := append([]Refundable(nil), pays...)
		r.Shuffle(len(rev), func(a, b int) { rev[a], rev[b] = rev[b], rev[a] })
		q := PlanFamily(f, policy, rev)
		if len(q.Refunds) != len(p.Refunds) || !q.Credit.Equal(p.Credit) {
			t.Fatalf("case %d: order changed the plan", i)
		}
		for k := range q.Refunds {
			if q.Refunds[k].PaymentID != p.Refunds[k].PaymentID || !q.Refunds[k].Amount.Equal(p.Refunds[k].Amount) {
				t.Fatalf("case %d: order changed refund %d", i, k)
			}
		}
	}
}

func TestChecks(t *testing.T) {
	var ve *fault.ValidationError
	tests := []struct {
		name string
		err  error
		bad  bool
	}{
		{"refund within", CheckRefund(d("10"), d("10")), false},
		{"refund larger than paid", CheckRefund(d("10.01"), d("10")), true},
		{"refund zero", CheckRefund(d("0"), d("10")), true},
		{"refund third decimal", CheckRefund(d("1.005"), d("10")), true},
		{"write-off within", CheckWriteOff(d("5"), d("5")), false},
		{"write-off more than owed", CheckWriteOff(d("5.01"), d("5")), true},
		{"write-off when overpaid", CheckWriteOff(d("1"), d("-3")), true},
		{"credit within", CheckCreditApply(d("5"), d("6"), d("5")), false},
		{"credit beyond available", CheckCreditApply(d("7"), d("6"), d("10")), true},
		{"credit beyond owed", CheckCreditApply(d("6"), d("6"), d("5")), true},
		{"payer receipt within", CheckPayerReceipt(d("120.00"), d("120.00")), false},
		{"payer receipt beyond claims", CheckPayerReceipt(d("120.01"), d("120.00")), true},
		{"payer receipt when nothing owed", CheckPayerReceipt(d("1"), d("-5")), true},
		{"payer receipt negative", CheckPayerReceipt(d("-1"), d("100")), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.bad {
				if tt.err != nil {
					t.Fatalf("unexpected error %v", tt.err)
				}
				return
			}
			if !errors.As(tt.err, &ve) || ve.Violations[0].Field != "amount" {
				t.Fatalf("error %v, want a violation naming amount", tt.err)
			}
		})
	}
}
