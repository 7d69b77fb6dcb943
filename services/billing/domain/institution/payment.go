package institution

import (
	"time"

	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Payment is the payment of an institution's month (机构结算付款): every
// school's part of what the settlement says is due and not yet paid, in
// one transaction. Each school pays from its own ledger: its instructors'
// labour (a pay disbursement, so a later PayMonth of the school does not
// pay it again) and the fees it collected on the institution's behalf
// (a provider payout).
type Payment struct {
	ID            string
	RequestID     string
	DistrictID    string
	InstitutionID string
	Year, Month   int
	Channel       string
	PaidOn        time.Time
	// Amount is what the finance office says it pays: it must be what is due.
	Amount      decimal.Decimal
	Fingerprint string
	Schools     []SchoolPayment
}

// SchoolPayment is one school's part of a payment.
type SchoolPayment struct {
	SchoolID string
	// DisbursementID is the pay disbursement of the labour part ("" when none was due).
	DisbursementID string
	// Labour is the instructors' labour fees paid, per instructor in Staff.
	Labour decimal.Decimal
	Staff  []payrun.StaffAmount
	// Collected is the fees collected on the institution's behalf passed on.
	Collected decimal.Decimal
}

// Paid is what a school has paid of an institution's month: the labour
// (pay disbursements) and the fees collected on its behalf passed on.
type Paid struct {
	Labour, Collected decimal.Decimal
}

// Total is what the payment pays over its schools.
func (p Payment) Total() decimal.Decimal {
	t := decimal.Zero
	for _, s := range p.Schools {
		t = t.Add(s.Labour).Add(s.Collected)
	}
	return t
}

// CheckPayment refuses a payment when nothing is due (the month was paid
// already) and an amount other than what is due: more would pay beyond
// the settlement, less would leave part of it open with nothing to say
// which part, so a finance office pays the settlement as it stands.
func CheckPayment(amount, due decimal.Decimal) error {
	if !due.IsPositive() {
		return fault.Precondition("nothing is due on this settlement: it was paid already")
	}
	switch {
	case amount.GreaterThan(due):
		return fault.Invalid("amount", "is more than the "+due.StringFixed(2)+" due on the settlement")
	case amount.LessThan(due):
		return fault.Invalid("amount", "must be the "+due.StringFixed(2)+" due on the settlement (a settlement is paid whole)")
	}
	return nil
}
