// Package statement is billing's issued-statement model: what a fee run
// stores for a student and period (a charge, or an adjustment whose amounts
// are differences), and the line arithmetic every reader of statements
// shares — summing revisions, the difference that becomes an adjustment,
// totals and the content hash that tells an unchanged bill. The store reads
// and writes these types; the use cases and the replay compute them; none of
// them needs SQL or proto to do so.
package statement

import (
	"time"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"
)

// Statement kinds.
const (
	// KindCharge is a first statement of a student and period.
	KindCharge = "charge"
	// KindAdjustment corrects the statements before it: its lines are the differences.
	KindAdjustment = "adjustment"
)

// Current is the latest statement of a student and period: what a new run
// compares its recomputation with.
type Current struct {
	StatementID string
	Revision    int
	ContentHash string
}

// Issued is a stored statement: a charge, or an adjustment whose amounts are
// differences (negative where it reduces).
type Issued struct {
	StatementID string
	RunID       string
	DistrictID  string
	SchoolID    string
	StudentID   string
	TermID      string
	PeriodKind  fee.PeriodKind
	From, To    civil.Date
	Kind        string
	Corrects    string
	Revision    int
	Schedule    fee.RuleRef
	Lines       []Line
	Totals      Totals
	ContentHash string
	IssuedAt    time.Time
	// ParentAmount and TotalAmount are the statement's own columns as read
	// back (what balances and claims sum). A run writes Totals.Parent and
	// Totals.Net there; they are kept apart so VerifyFeeRun can catch a
	// column changed behind the API while the totals document stayed.
	ParentAmount, TotalAmount decimal.Decimal
}

// Line is a stored statement line.
type Line struct {
	LineType    string
	RuleID      string
	DocumentNo  string
	Name        string
	ServiceKind string
	Unit        string
	Quantity    decimal.Decimal
	UnitRate    decimal.Decimal
	Gross       decimal.Decimal
	Adjustments []Adjustment
	Net         decimal.Decimal
	Subsidies   []Share
	Waivers     []Share
	Parent      decimal.Decimal
	ProviderID  string
	// Detail explains the quantity: the item's service days and how many of them the student
	// was enrolled, served, on leave, or lost to cancellations and short days; holiday units.
	Detail LineDetail
}

// LineDetail is the day count behind a line (of the latest computation, on an adjustment).
type LineDetail struct {
	DaysScheduled   int             `json:"days_scheduled"`
	DaysEnrolled    int             `json:"days_enrolled"`
	DaysCancelled   int             `json:"days_cancelled"`
	DaysShort       int             `json:"days_short"`
	DaysLeave       int             `json:"days_leave"`
	DaysServed      int             `json:"days_served"`
	HolidayQuantity decimal.Decimal `json:"holiday_quantity"`
	HolidayRate     decimal.Decimal `json:"holiday_rate"`
	Surcharge       decimal.Decimal `json:"surcharge"`
}

// Adjustment is a cap or proration adjustment of a line.
type Adjustment struct {
	Kind       string          `json:"kind"`
	Amount     decimal.Decimal `json:"amount"`
	RuleID     string          `json:"rule_id"`
	DocumentNo string          `json:"document_no"`
}

// Share is a payer's share of a line.
type Share struct {
	PayerID    string          `json:"payer_id"`
	Amount     decimal.Decimal `json:"amount"`
	RuleID     string          `json:"rule_id"`
	DocumentNo string          `json:"document_no"`
	Category   string          `json:"category,omitempty"`
}

// Totals sums a stored statement.
type Totals struct {
	Gross             decimal.Decimal            `json:"gross"`
	Net               decimal.Decimal            `json:"net"`
	Parent            decimal.Decimal            `json:"parent"`
	Subsidies         map[string]decimal.Decimal `json:"subsidies,omitempty"`
	Waivers           map[string]decimal.Decimal `json:"waivers,omitempty"`
	CollectedOnBehalf map[string]decimal.Decimal `json:"collected_on_behalf,omitempty"`
}

// Claims are what each payer is billed, summed from statements.
type Claims struct {
	Subsidies  map[string]decimal.Decimal
	Waivers    map[string]decimal.Decimal
	Parent     decimal.Decimal
	Statements int
}

// ClaimRow is one statement's claim on one payer: a subsidy, or a waiver
// the payer funds (a row of a payer's claim form).
type ClaimRow struct {
	PayerID     string
	Waiver      bool
	SchoolID    string
	StudentID   string
	StatementID string
	From, To    civil.Date
	Amount      decimal.Decimal
}

// Summary is an issued statement without its lines: a row of a school
// term's fee statements (收费明细).
type Summary struct {
	StatementID string
	StudentID   string
	Kind        string // charge or adjustment
	From, To    civil.Date
	DocumentNo  string
	Parent      decimal.Decimal
	Total       decimal.Decimal
}

// FromEngine converts an engine statement to its stored form (lines only
// carry what the engine computed; ids, kind and totals are set on issue).
func FromEngine(st fee.Statement) Issued {
	is := Issued{SchoolID: st.SchoolID, StudentID: st.StudentID, PeriodKind: st.Period.Kind, From: st.Period.From, To: st.Period.To,
		Schedule: st.Schedule, Lines: make([]Line, 0, len(st.Lines))}
	for _, l := range st.Lines {
		il := Line{LineType: string(l.Type), RuleID: l.Rule.RuleID, DocumentNo: l.Rule.DocumentNo, Name: l.Name,
			ServiceKind: string(l.Kind), Unit: string(l.Unit), Quantity: l.Quantity, UnitRate: l.UnitRate, Gross: l.Gross,
			Net: l.Net, Parent: l.Parent, ProviderID: l.ProviderID,
			Detail: LineDetail{DaysScheduled: l.Days.Scheduled, DaysEnrolled: l.Days.Enrolled, DaysCancelled: l.Days.Cancelled,
				DaysShort: l.Days.Short, DaysLeave: l.Days.Leave, DaysServed: l.Days.Served, HolidayQuantity: l.HolidayQuantity,
				HolidayRate: l.HolidayRate, Surcharge: l.Surcharge}}
		for _, a := range l.Adjustments {
			il.Adjustments = append(il.Adjustments, Adjustment{Kind: string(a.Kind), Amount: a.Amount, RuleID: a.Rule.RuleID, DocumentNo: a.Rule.DocumentNo})
		}
		for _, s := range l.Subsidies {
			il.Subsidies = append(il.Subsidies, Share{PayerID: s.PayerID, Amount: s.Amount, RuleID: s.Rule.RuleID, DocumentNo: s.Rule.DocumentNo})
		}
		for _, w := range l.Waivers {
			il.Waivers = append(il.Waivers, Share{PayerID: w.PayerID, Amount: w.Amount, RuleID: w.Rule.RuleID, DocumentNo: w.Rule.DocumentNo, Category: string(w.Category)})
		}
		is.Lines = append(is.Lines, il)
	}
	return is
}
