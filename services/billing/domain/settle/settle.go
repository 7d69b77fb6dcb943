// Package settle holds the pure rules of a family's money in a term:
// its balance, the limits on refunds (退费), credit (结转) and write-offs
// (核销), and the term-end settlement (一期一结) plan that refunds or carries
// an overpayment. It knows nothing of SQL or transport.
//
// A family's balance in a term is
//
//	charged − paid + refunded + credited − credit_applied − written_off
//
// which is exactly what the term's postings leave in ParentReceivable: a
// positive balance is owed, a negative one was paid in advance. Nothing
// carries from one term to the next except explicit credit.
package settle

import (
	"sort"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Figures are one family's (or a sum of families') money in one term.
type Figures struct {
	// Charged is the statements' parent shares, adjustments included.
	Charged decimal.Decimal
	// PayerShare is what the statements bill government payers (subsidies,
	// waivers): shown beside the family's figures, never owed by it.
	PayerShare decimal.Decimal
	// Paid is what the family paid.
	Paid decimal.Decimal
	// Refunded went back through the original channels.
	Refunded decimal.Decimal
	// Credited became credit for a later term.
	Credited decimal.Decimal
	// CreditApplied is earlier credit used in this term.
	CreditApplied decimal.Decimal
	// WrittenOff was given up by the school.
	WrittenOff decimal.Decimal
}

// Balance is what the family still owes (negative: overpaid).
func (f Figures) Balance() decimal.Decimal {
	return f.Charged.Sub(f.Paid).Add(f.Refunded).Add(f.Credited).Sub(f.CreditApplied).Sub(f.WrittenOff)
}

// Add returns the field-wise sum, for school totals.
func (f Figures) Add(g Figures) Figures {
	return Figures{
		Charged:       f.Charged.Add(g.Charged),
		PayerShare:    f.PayerShare.Add(g.PayerShare),
		Paid:          f.Paid.Add(g.Paid),
		Refunded:      f.Refunded.Add(g.Refunded),
		Credited:      f.Credited.Add(g.Credited),
		CreditApplied: f.CreditApplied.Add(g.CreditApplied),
		WrittenOff:    f.WrittenOff.Add(g.WrittenOff),
	}
}

// CheckAmount rejects an amount that is not positive or not whole fen.
func CheckAmount(field string, amount decimal.Decimal) error {
	if !amount.IsPositive() {
		return fault.Invalid(field, "must be more than zero")
	}
	if !amount.Equal(amount.Round(2)) {
		return fault.Invalid(field, "must have at most two decimal places")
	}
	return nil
}

// CheckRefund rejects a refund larger than what its payment still has
// unrefunded (paid minus earlier refunds and credits).
func CheckRefund(amount, refundable decimal.Decimal) error {
	if err := CheckAmount("amount", amount); err != nil {
		return err
	}
	if amount.GreaterThan(refundable) {
		return fault.Invalid("amount", "refund of "+amount.StringFixed(2)+" is larger than the "+
			refundable.StringFixed(2)+" paid and not yet refunded on this payment")
	}
	return nil
}

// CheckWriteOff rejects a write-off of more than the family owes.
func CheckWriteOff(amount, balance decimal.Decimal) error {
	if err := CheckAmount("amount", amount); err != nil {
		return err
	}
	if amount.GreaterThan(balance) {
		return fault.Invalid("amount", "write-off of "+amount.StringFixed(2)+" is more than the "+
			maxZero(balance).StringFixed(2)+" owed in the term")
	}
	return nil
}

// CheckPayerReceipt rejects a government payer's receipt of more than the
// payer still owes the school (billed claims less earlier receipts): money
// beyond the claims is not a subsidy, so it is refused rather than kept as
// an overpayment the school would have to return.
func CheckPayerReceipt(amount, outstanding decimal.Decimal) error {
	if err := CheckAmount("amount", amount); err != nil {
		return err
	}
	if amount.GreaterThan(outstanding) {
		return fault.Invalid("amount", "receipt of "+amount.StringFixed(2)+" is more than the "+
			maxZero(outstanding).StringFixed(2)+" the payer still owes on its claims")
	}
	return nil
}

// CheckCreditApply rejects using more credit than the family holds or
// more than it owes in the term.
func CheckCreditApply(amount, available, balance decimal.Decimal) error {
	if err := CheckAmount("amount", amount); err != nil {
		return err
	}
	if amount.GreaterThan(available) {
		return fault.Invalid("amount", "only "+maxZero(available).StringFixed(2)+" of credit is available")
	}
	if amount.GreaterThan(balance) {
		return fault.Invalid("amount", "only "+maxZero(balance).StringFixed(2)+" is owed in the term")
	}
	return nil
}

func maxZero(d decimal.Decimal) decimal.Decimal {
	if d.IsNegative() {
		return decimal.Zero
	}
	return d
}

// Policy is the school's choice for overpayments at settlement.
type Policy string

// The overpayment policies.
const (
	PolicyRefund Policy = "refund" // back to the original channels
	PolicyCredit Policy = "credit" // carried as credit to the next term (结转)
)

// Action says what a settlement did for one family.
type Action string

// The settlement actions.
const (
	ActionDue    Action = "due"    // a positive balance, listed and left owed
	ActionRefund Action = "refund" // an overpayment paid back (the rest, if any, credited)
	ActionCredit Action = "credit" // an overpayment carried as credit
	ActionNone   Action = "none"   // settled to the fen
)

// Refundable is a payment with money still refundable.
type Refundable struct {
	PaymentID string
	Channel   string
	PaidAt    time.Time
	Remaining decimal.Decimal
}

// Part is one refund a plan makes: through a payment's channel, or (with
// PaymentID empty) as credit.
type Part struct {
	PaymentID string
	Channel   string
	Amount    decimal.Decimal
}

// Plan is what settlement does for one family.
type Plan struct {
	Action Action
	// Amount is the total refunded or credited (zero for due and none).
	Amount decimal.Decimal
	// Refunds go back through payments, newest payment first.
	Refunds []Part
	// Credit is carried to the next term.
	Credit       decimal.Decimal
	BalanceAfter decimal.Decimal
}

// PlanFamily decides a family's settlement. A positive balance stays due
// (no receivable is carried into another term). An overpayment under
// PolicyRefund goes back through the payments, newest first (ties by
// payment id), each at most its remaining amount; what no payment can take
// back (it came from credit) stays credit. Under PolicyCredit all of it
// becomes credit. The plan always leaves the balance at zero or positive,
// and its parts sum to Amount.
func PlanFamily(f Figures, policy Policy, payments []Refundable) Plan {
	bal := f.Balance()
	switch {
	case bal.IsPositive():
		return Plan{Action: ActionDue, BalanceAfter: bal}
	case bal.IsZero():
		return Plan{Action: ActionNone, BalanceAfter: bal}
	}
	over := bal.Neg()
	plan := Plan{Action: ActionCredit, Amount: over, BalanceAfter: decimal.Zero}
	if policy == PolicyCredit {
		plan.Credit = over
		return plan
	}
	plan.Action = ActionRefund
	ps := append([]Refundable(nil), payments...)
	sort.Slice(ps, func(i, j int) bool {
		if !ps[i].PaidAt.Equal(ps[j].PaidAt) {
			return ps[i].PaidAt.After(ps[j].PaidAt)
		}
		return ps[i].PaymentID > ps[j].PaymentID
	})
	left := over
	for _, p := range ps {
		if !left.IsPositive() {
			break
		}
		if !p.Remaining.IsPositive() {
			continue
		}
		amt := decimal.Min(left, p.Remaining)
		plan.Refunds = append(plan.Refunds, Part{PaymentID: p.PaymentID, Channel: p.Channel, Amount: amt})
		left = left.Sub(amt)
	}
	plan.Credit = left
	return plan
}

// CheckPayment rejects a payment above what the family owes in the term
// (balance) unless it is marked as a prepayment, and a prepayment more
// than maxPrepayment above what is owed: a typo of a few zeros, or a
// payment meant for another family, must not turn into credit silently.
func CheckPayment(amount, balance decimal.Decimal, prepayment bool, maxPrepayment decimal.Decimal) error {
	if err := CheckAmount("amount", amount); err != nil {
		return err
	}
	owed := maxZero(balance)
	excess := amount.Sub(owed)
	switch {
	case !excess.IsPositive():
		return nil
	case !prepayment:
		return fault.Invalid("amount", "payment of "+amount.StringFixed(2)+" is more than the "+owed.StringFixed(2)+
			" owed in the term; mark it as a prepayment to keep the rest as credit (at most "+maxPrepayment.StringFixed(2)+" above what is owed)")
	case excess.GreaterThan(maxPrepayment):
		return fault.Invalid("amount", "prepayment of "+amount.StringFixed(2)+" is "+excess.StringFixed(2)+" above the "+owed.StringFixed(2)+
			" owed in the term, more than the maximum of "+maxPrepayment.StringFixed(2))
	}
	return nil
}
