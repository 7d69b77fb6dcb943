// Package ledger is billing's double-entry vocabulary: accounts, entries and
// balanced postings. Every charge, subsidy claim, waiver, payment, refund,
// write-off and provider payable is a Posting whose entries sum to zero;
// postings are append-only, so a correction is a new posting and a balance at
// any date is the sum of the entries effective by then.
//
// Sign convention: a positive amount is a debit, a negative one a credit.
// Receivable accounts (parents and government payers owe) and cash carry
// debit balances; income and provider payables carry credit balances.
package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Account names are "<class>:<party kind>:<id>" (or "<class>:<name>"). The
// prefix decides how an account is read; the store sums by prefix.
const (
	// ReceivablePrefix starts every account somebody owes the school.
	ReceivablePrefix = "receivable:"
	// SchoolIncome is the school's own after-school service income (服务性收费).
	SchoolIncome = "income:school"
	// WriteOffExpense absorbs receivables the school gives up on (核销).
	WriteOffExpense = "expense:write_off"
)

// ParentReceivable is what a student's family owes (家长应缴).
func ParentReceivable(studentID string) string { return "receivable:parent:" + studentID }

// PayerReceivable is what a government payer owes: subsidy and waiver claims (财政补助/减免).
func PayerReceivable(payerID string) string { return "receivable:payer:" + payerID }

// ProviderPayable is what the school owes a provider for items it collected
// on the provider's behalf (代收代付): outside institutions, meals.
func ProviderPayable(providerID string) string { return "payable:provider:" + providerID }

// PayPayable is remuneration the school owes a person (应付劳务报酬).
func PayPayable(staffID string) string { return "payable:pay:" + staffID }

// InstitutionPayable is what the school owes an outside institution for its
// instructors' labour fees (应付机构劳务费).
func InstitutionPayable(institutionID string) string { return "payable:institution:" + institutionID }

// RemunerationExpense is remuneration spent under one treatment tag
// (不纳入绩效工资总量, 单列增量, 劳务费).
func RemunerationExpense(treatment string) string { return "expense:remuneration:" + treatment }

// Cash is money received or paid out through a channel (wechat, alipay, bank, cash ...).
func Cash(channel string) string { return "cash:" + channel }

// ParentCredit is a family's prepaid credit carried to a later term (结转).
func ParentCredit(studentID string) string { return "credit:parent:" + studentID }

// Kind says what a posting records.
type Kind string

// The kinds of posting.
const (
	KindCharge         Kind = "charge"          // a statement issued by a fee run
	KindAdjustment     Kind = "adjustment"      // a later run's correction of an issued statement
	KindPayment        Kind = "payment"         // money received from a family
	KindRefund         Kind = "refund"          // money paid back to a family
	KindCreditTransfer Kind = "credit_transfer" // an overpayment moved to next term's credit
	KindWriteOff       Kind = "write_off"       // a receivable given up
	KindPayerReceipt   Kind = "payer_receipt"   // a government payer settled its claim
	KindProviderPayout Kind = "provider_payout" // collected-on-behalf money passed to the provider
	KindPayAccrual     Kind = "pay_accrual"     // a pay run's remuneration accrued (expense by tag, payable per person)
	KindPayPayment     Kind = "pay_payment"     // a month's remuneration paid out
)

// Entry is one line of a posting: an account and a signed amount in yuan
// with at most two places (positive debit, negative credit).
type Entry struct {
	Account string
	Amount  decimal.Decimal
}

// Posting is one balanced, append-only ledger transaction of a school.
type Posting struct {
	DistrictID string
	SchoolID   string
	PostingID  string
	Kind       Kind
	// Reference names what the posting records (a statement, payment or
	// refund id), so every fen can be traced back to its source.
	Reference     string
	Memo          string
	EffectiveDate time.Time
	Entries       []Entry
}

// Validate checks that p is complete and balanced: at least two entries,
// every amount non-zero with at most two places, and a zero sum.
func (p Posting) Validate() error {
	var c fault.Collector
	c.Check(p.DistrictID != "", "district_id", "is required")
	c.Check(p.SchoolID != "", "school_id", "is required")
	c.Check(p.PostingID != "", "posting_id", "is required")
	c.Check(p.Kind != "", "kind", "is required")
	c.Check(!p.EffectiveDate.IsZero(), "effective_date", "is required")
	c.Check(len(p.Entries) >= 2, "entries", "a posting needs at least two entries")
	sum := decimal.Zero
	for i, e := range p.Entries {
		f := fmt.Sprintf("entries[%d]", i)
		c.Check(strings.Count(e.Account, ":") >= 1, f+".account", "must be <class>:<name>")
		c.Check(!e.Amount.IsZero(), f+".amount", "must not be zero")
		c.Check(e.Amount.Equal(e.Amount.Round(2)), f+".amount", "must have at most two decimal places")
		sum = sum.Add(e.Amount)
	}
	if !sum.IsZero() {
		c.Add("entries", "debits and credits differ by "+sum.StringFixed(2))
	}
	return c.Err()
}

// Builder collects the entries of one posting, merging amounts per account
// and dropping zero lines, so callers can add shares as they compute them.
type Builder struct {
	order []string
	sums  map[string]decimal.Decimal
}

// Add adds amount (positive debit, negative credit) to account.
func (b *Builder) Add(account string, amount decimal.Decimal) {
	if b.sums == nil {
		b.sums = map[string]decimal.Decimal{}
	}
	if _, ok := b.sums[account]; !ok {
		b.order = append(b.order, account)
	}
	b.sums[account] = b.sums[account].Add(amount)
}

// Entries returns the merged non-zero entries in first-added order.
func (b *Builder) Entries() []Entry {
	out := make([]Entry, 0, len(b.order))
	for _, a := range b.order {
		if v := b.sums[a]; !v.IsZero() {
			out = append(out, Entry{Account: a, Amount: v})
		}
	}
	return out
}
