package ledger

import "github.com/shopspring/decimal"

// Totals are sums of a school's receivable entries: what was charged (their
// debit side) and what was received against them (their credit side).
type Totals struct {
	Charged  decimal.Decimal
	Received decimal.Decimal
}

// AccountBalance is one ledger account's sums at a date.
type AccountBalance struct {
	Account string
	Debits  decimal.Decimal // positive
	Credits decimal.Decimal // positive
}

// Balance is debits minus credits.
func (a AccountBalance) Balance() decimal.Decimal { return a.Debits.Sub(a.Credits) }

// TrialBalance is the sum of a school's ledger at a date.
type TrialBalance struct {
	Debits, Credits decimal.Decimal
	Classes         []AccountBalance
	Postings        int64
	// Unbalanced counts postings whose entries do not sum to zero (always
	// zero unless someone bypassed InsertPostings).
	Unbalanced int64
}
