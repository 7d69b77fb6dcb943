// Package payrun holds the stored records of billing's remuneration runs
// (劳务报酬): the run, each person's pay statements and the month's
// disbursement (发放), and the port a run writes through inside its
// transaction. They live in the domain, beside the fee run's runs.Run, so
// the store that keeps them never depends on the use cases.
package payrun

import (
	"context"
	"time"

	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/shopspring/decimal"
)

// Run is an issued remuneration run.
type Run struct {
	ID          string
	RequestID   string
	RequestHash string
	DistrictID  string
	SchoolID    string
	Year, Month int
	Mode        string
	InputsHash  string
	Statements  int
	Adjustments int
	Unchanged   int
	Earned      decimal.Decimal
	Paid        decimal.Decimal
	HeldBack    decimal.Decimal
	ByTreatment []pay.TagAmount
	LeftPending []string
	CreateTime  time.Time
	// Issued are the statements the run issued (filled by GetPayRun).
	Issued []Statement
}

// Statement is a stored pay statement: a person's first statement of a
// month (kind pay) or an adjustment whose amounts are differences.
type Statement struct {
	StatementID   string
	RunID         string
	StaffID       string
	StaffKind     string
	InstitutionID string
	Year, Month   int
	Revision      int
	Kind          string
	Corrects      string
	Earned        decimal.Decimal
	Paid          decimal.Decimal
	HeldBack      decimal.Decimal
	CapRuleID     string
	CapLimit      decimal.NullDecimal
	ByTreatment   []pay.TagAmount
	ContentHash   string
	Lines         []pay.IssuedLine
}

// State is a person's month so far: the latest statement and the sum
// of every statement.
type State struct {
	Current statement.Current
	Prior   pay.Prior
	// Kind and institution of the person on the latest statement.
	StaffKind, InstitutionID string
}

// Disbursement is the payment of a school's month (发放): what each person
// got now, posted Dr pay payable, Cr cash.
type Disbursement struct {
	ID         string
	RequestID  string
	DistrictID string
	SchoolID   string
	Year       int
	Month      int
	Channel    string
	Total      decimal.Decimal
	Payments   []StaffAmount
}

// StaffAmount is an amount owed to or paid to one person.
type StaffAmount struct {
	StaffID       string
	StaffKind     string
	InstitutionID string
	Amount        decimal.Decimal
}

// Writer writes one pay run inside its transaction.
type Writer interface {
	// LockMonth serialises runs and payments of one school and month.
	LockMonth(ctx context.Context, schoolID string, year, month int) error
	// MonthPaid reports whether a disbursement paid the month.
	MonthPaid(ctx context.Context, schoolID string, year, month int) (bool, error)
	// States returns every person's state of the month so far.
	States(ctx context.Context, schoolID string, year, month int) (map[string]State, error)
	// TermPaid sums what each person was paid in the months [from, to) (year*12+month-1 numbers).
	TermPaid(ctx context.Context, schoolID string, from, to int) (map[string]decimal.Decimal, error)
	// Write appends statements with their lines, and postings.
	Write(ctx context.Context, sts []Statement, postings []ledger.Posting) error
	// WriteInputs stores the run's inputs snapshot.
	WriteInputs(ctx context.Context, schoolID, runID, sha string, data []byte) error
}
