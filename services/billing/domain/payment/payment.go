// Package payment is billing's money records of a family: payments,
// refunds (退费), carried credit (结转), write-offs (核销), term-end
// settlements (一期一结) and the balances they leave. The store keeps them
// and the use cases check and post them; both speak these types.
package payment

import (
	"strings"
	"time"

	"github.com/kehou/kehou/services/billing/domain/settle"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// China has one time zone and no daylight saving: a payment's ledger date
// is its calendar date in China Standard Time.
var cstZone = time.FixedZone("CST", 8*3600)

// DateInChina returns t's calendar date in China Standard Time, at midnight UTC.
func DateInChina(t time.Time) time.Time {
	y, m, d := t.In(cstZone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Tenant is the district and school a money record belongs to.
type Tenant struct {
	DistrictID string
	SchoolID   string
}

// Channels a payment can come through.
var Channels = []string{"wechat", "alipay", "bank", "cash", "other"}

// Payment is money a family paid against a statement.
type Payment struct {
	ID                string
	StatementID       string
	StudentID         string
	TermID            string
	Amount            decimal.Decimal
	Channel           string
	ExternalReference string
	PaidAt            time.Time
	IdempotencyKey    string
	// Fingerprint is a hash of the request's content, to tell a replay of
	// an idempotency key from its reuse for something else.
	Fingerprint string
	// Refunded is what was refunded of it so far (read side only).
	Refunded decimal.Decimal
	// Prepayment accepts an amount above what the family owes in the term,
	// up to the configured maximum above it (write side only).
	Prepayment bool
}

// StatementRef is what payments read of an issued statement (owned by
// the fee runs, table billing.statements).
type StatementRef struct {
	StatementID string
	StudentID   string
	TermID      string
}

// Refund methods.
const (
	RefundOriginal = "original"
	RefundCredit   = "credit"
)

// Refund is money given back (退费): through the payment's channel, or kept
// as credit (结转) for a later term.
type Refund struct {
	ID             string
	PaymentID      string // empty for a settlement credit no payment can take
	StudentID      string
	TermID         string
	Method         string
	Amount         decimal.Decimal
	CreditTermID   string
	Reason         string
	RefundedOn     time.Time
	SettlementID   string
	IdempotencyKey string
	Fingerprint    string
}

// CreditApplication is carried credit used against a term's balance.
type CreditApplication struct {
	ID             string
	StudentID      string
	TermID         string
	Amount         decimal.Decimal
	AppliedOn      time.Time
	IdempotencyKey string
	Fingerprint    string
}

// WriteOff is a receivable given up (核销), with its reason.
type WriteOff struct {
	ID             string
	StudentID      string
	TermID         string
	Amount         decimal.Decimal
	Reason         string
	WrittenOn      time.Time
	IdempotencyKey string
	Fingerprint    string
}

// FamilyBalance is one student's figures in one term.
type FamilyBalance struct {
	StudentID string
	TermID    string
	settle.Figures
	// DueDate is the latest period end of the term's statements (the
	// statements carry no due date of their own).
	DueDate time.Time
	// CreditAvailable is the family's credit across terms now.
	CreditAvailable decimal.Decimal
}

// FamilyState is what a settlement sees of one family.
type FamilyState struct {
	FamilyBalance
	Refundable []settle.Refundable
}

// SettlementLine is one family in a settlement.
type SettlementLine struct {
	Before       FamilyBalance
	Action       settle.Action
	ActionAmount decimal.Decimal
	BalanceAfter decimal.Decimal
}

// Settlement is a term-end settlement (一期一结).
type Settlement struct {
	ID            string
	TermID        string
	Policy        settle.Policy
	NextTermID    string
	SettledOn     time.Time
	Fingerprint   string
	TotalDue      decimal.Decimal
	TotalRefunded decimal.Decimal
	TotalCredited decimal.Decimal
	Lines         []SettlementLine
	Refunds       []Refund
}

// BalanceFilter selects families for balance and overdue lists.
type BalanceFilter struct {
	TermID, StudentID string
	// AfterTerm and AfterStudent start a page after that key.
	AfterTerm, AfterStudent string
	Limit                   int // 0: no limit
	// Overdue keeps only positive balances whose due date (DueDate when
	// set, else the statements') is before AsOf.
	Overdue bool
	DueDate *time.Time
	AsOf    time.Time
}

// PaymentPageKey is the page key after payment p in newest-first order.
func PaymentPageKey(p Payment) string {
	return p.PaidAt.UTC().Format(time.RFC3339Nano) + "|" + p.ID
}

// SplitPaymentPageKey reads a PaymentPageKey back.
func SplitPaymentPageKey(k string) (time.Time, string, error) {
	if i := strings.IndexByte(k, '|'); i > 0 {
		if t, err := time.Parse(time.RFC3339Nano, k[:i]); err == nil {
			return t, k[i+1:], nil
		}
	}
	return time.Time{}, "", fault.Invalid("page_token", "not a token from a previous response")
}

// PayerReceipt is money a government payer transferred against its subsidy
// and waiver claims on one school (财政补助到账). Claims are not records of
// their own (they are the payer's shares of the statements of a period), so
// a receipt settles what the payer owes the school in the ledger and keeps
// the claims' references and the voucher as the payer and the school name
// them.
type PayerReceipt struct {
	ID              string
	DistrictID      string
	SchoolID        string
	PayerID         string
	Amount          decimal.Decimal
	ReceivedOn      time.Time
	ClaimReferences []string
	VoucherNumber   string
	Memo            string
	IdempotencyKey  string
	Fingerprint     string
}

// PayerReceiptPageKey is the page key after receipt r in newest-first order.
func PayerReceiptPageKey(r PayerReceipt) string {
	return r.ReceivedOn.Format(time.DateOnly) + "|" + r.SchoolID + "|" + r.ID
}

// SplitPayerReceiptPageKey reads a PayerReceiptPageKey back.
func SplitPayerReceiptPageKey(k string) (time.Time, string, string, error) {
	parts := strings.SplitN(k, "|", 3)
	if len(parts) == 3 {
		if t, err := time.Parse(time.DateOnly, parts[0]); err == nil {
			return t, parts[1], parts[2], nil
		}
	}
	return time.Time{}, "", "", fault.Invalid("page_token", "not a token from a previous response")
}
