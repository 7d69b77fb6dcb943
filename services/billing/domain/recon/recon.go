// Package recon is the reconciliation (对账) of a school's term or month:
// what came in (parent fees billed, collected, refunded, written off and
// outstanding; subsidies and waivers billed and received per payer) against
// what went out (remuneration by treatment tag, of it what is owed to
// outside institutions and the management allowance, and the other cost
// items of the cost sheet), and the checks a finance office makes before it
// signs: every approved hour paid exactly once, no pay without an approved
// hour, spending within income (以收定支), the configured shares respected
// (labour, management), nothing owed by a family left open, and the ledger
// balanced. Claims on government payers are reported (billed, received from
// the payer receipts finance records, outstanding) but not checked: a payer
// pays on its own calendar, often after the period. Each failed check is a
// Discrepancy naming what it concerns, the amount and the rule.
//
// It is a pure function over what the store reads (the period's ledger
// entries summed by posting kind and account for the family and payer side,
// the pay statements and lines of the period's months, the approved hours), so the same input
// gives the same report, and a district's roll-up is the sum of its schools'.
package recon

import (
	"cmp"
	"slices"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Rule names a check.
type Rule string

// The checks. Amounts are in yuan, positive, and say how far off it is.
const (
	// HourUnpaid: an approved, locked hour with no pay line; the amount is
	// what the rate table pays for it.
	HourUnpaid Rule = "hour_unpaid"
	// HourPayDiffers: an approved hour paid, but not what the rate table
	// pays for it now (a correction not yet run); the amount is the gap.
	HourPayDiffers Rule = "hour_pay_differs"
	// HourPaidTwice: an hour on the first statements more than once.
	HourPaidTwice Rule = "hour_paid_twice"
	// PayWithoutHour: a session line whose hour is not an approved hour of
	// the period; the amount is what it pays.
	PayWithoutHour Rule = "pay_without_hour"
	// FeeOutstanding: a family still owes (应收未收); the amount is the balance.
	FeeOutstanding Rule = "fee_outstanding"
	// SpendingOverIncome: spending above income (以收定支); the excess.
	SpendingOverIncome Rule = "spending_within_income"
	// LabourShare: remuneration above its share of income; the excess.
	LabourShare Rule = "labour_share"
	// ManagementShare: the management allowance above its share; the excess.
	ManagementShare Rule = "management_share"
	// LedgerUnbalanced: the period's entries do not sum to zero.
	LedgerUnbalanced Rule = "ledger_balanced"
)

// Limits are the configured shares of income.
type Limits struct {
	// LabourShare is the most remuneration may be of income (default 60%).
	LabourShare decimal.Decimal
	// ManagementShare is the most the management allowance may be (10%).
	ManagementShare decimal.Decimal
}

// DefaultLimits are the shares most regions publish: labour at most 60% of
// income, management at most 10%.
func DefaultLimits() Limits {
	return Limits{LabourShare: decimal.RequireFromString("0.60"), ManagementShare: decimal.RequireFromString("0.10")}
}

// Sum is the ledger entries of one posting kind and account summed over the
// period (positive debit, negative credit).
type Sum struct {
	Kind    string
	Account string
	Amount  decimal.Decimal
}

// Hour is an approved, locked delivered hour of the period, with what the
// rate table pays for it (before caps, as on a pay line).
type Hour struct {
	RecordID     string
	AssignmentID string
	StaffID      string
	Expected     decimal.Decimal
}

// Line is an issued pay line. First says it is on a person's first
// statement of the month (not an adjustment's difference).
type Line struct {
	StatementID  string
	StaffID      string
	Kind         string // session, class_teacher or management
	RecordID     string
	AssignmentID string
	Amount       decimal.Decimal
	First        bool
}

// Pay is an issued pay statement's paid amount (after caps; a difference
// on an adjustment), split by treatment tag.
type Pay struct {
	StatementID   string
	StaffID       string
	StaffKind     string
	InstitutionID string
	Paid          decimal.Decimal
	ByTreatment   map[string]decimal.Decimal
}

// Cost is an item of the cost sheet counted as spending (materials,
// utilities, insurance ...).
type Cost struct {
	Kind   string
	Amount decimal.Decimal
}

// Input is one school's period.
type Input struct {
	SchoolID string
	Sums     []Sum
	Hours    []Hour
	Lines    []Line
	Pay      []Pay
	Costs    []Cost
	Limits   Limits
}

// Payer is a government payer's subsidies and waivers (补助/减免).
type Payer struct {
	PayerID  string
	Billed   decimal.Decimal
	Received decimal.Decimal
	// Outstanding is billed less received in the period (negative when the
	// payer settled claims of an earlier period).
	Outstanding decimal.Decimal
}

// Income is what came in.
type Income struct {
	FeesBilled  decimal.Decimal
	Collected   decimal.Decimal
	Refunded    decimal.Decimal
	WrittenOff  decimal.Decimal
	Outstanding decimal.Decimal
	Payers      []Payer
	// Total is the income spending is held against: fees collected less
	// refunds, plus what payers paid.
	Total decimal.Decimal
}

// Spending is what went out.
type Spending struct {
	// ByTreatment is remuneration accrued per treatment tag.
	ByTreatment map[string]decimal.Decimal
	Pay         decimal.Decimal
	// Institutions is the part of Pay owed to outside institutions (机构结算).
	Institutions decimal.Decimal
	// InstitutionsPaid is what the period's payments paid of what is owed
	// to outside institutions (劳务费 through PayMonth or a settlement
	// payment, debits of payable:institution:*), by payment date.
	InstitutionsPaid decimal.Decimal
	// Management is the part of Pay that is the management allowance.
	Management decimal.Decimal
	Costs      []Cost
	Total      decimal.Decimal
}

// Discrepancy is one failed check.
type Discrepancy struct {
	Rule        Rule
	SchoolID    string
	RecordID    string
	StaffID     string
	StatementID string
	StudentID   string
	PayerID     string
	Amount      decimal.Decimal
}

// Report is a reconciliation.
type Report struct {
	Income        Income
	Spending      Spending
	Discrepancies []Discrepancy
}

// Balanced reports whether nothing was found.
func (r Report) Balanced() bool { return len(r.Discrepancies) == 0 }

// Reconcile checks one school's period. Shares are rounded once, to the
// fen, half up (limit × income), before the excess is taken.
func Reconcile(in Input) Report {
	var r Report
	r.Spending.ByTreatment = map[string]decimal.Decimal{}
	add := func(d Discrepancy) {
		d.SchoolID = in.SchoolID
		r.Discrepancies = append(r.Discrepancies, d)
	}
	students := map[string]decimal.Decimal{}
	payers := map[string]*Payer{}
	payer := func(id string) *Payer {
		if payers[id] == nil {
			payers[id] = &Payer{PayerID: id}
		}
		return payers[id]
	}
	ledgerSum := decimal.Zero
	for _, s := range in.Sums {
		ledgerSum = ledgerSum.Add(s.Amount)
		billing := s.Kind == "charge" || s.Kind == "adjustment"
		switch {
		case strings.HasPrefix(s.Account, "receivable:parent:"):
			id := strings.TrimPrefix(s.Account, "receivable:parent:")
			students[id] = students[id].Add(s.Amount)
			switch {
			case billing:
				r.Income.FeesBilled = r.Income.FeesBilled.Add(s.Amount)
			case s.Kind == "payment":
				r.Income.Collected = r.Income.Collected.Sub(s.Amount)
			case s.Kind == "refund":
				r.Income.Refunded = r.Income.Refunded.Add(s.Amount)
			case s.Kind == "write_off":
				r.Income.WrittenOff = r.Income.WrittenOff.Sub(s.Amount)
			}
		case strings.HasPrefix(s.Account, "payable:institution:") && s.Kind == "pay_payment":
			r.Spending.InstitutionsPaid = r.Spending.InstitutionsPaid.Add(s.Amount)
		case strings.HasPrefix(s.Account, "receivable:payer:"):
			p := payer(strings.TrimPrefix(s.Account, "receivable:payer:"))
			switch {
			case billing:
				p.Billed = p.Billed.Add(s.Amount)
			case s.Kind == "payer_receipt":
				p.Received = p.Received.Sub(s.Amount)
			}
		}
	}
	if !ledgerSum.IsZero() {
		add(Discrepancy{Rule: LedgerUnbalanced, Amount: ledgerSum.Abs()})
	}

	for _, id := range sortedKeys(students) {
		bal := students[id]
		r.Income.Outstanding = r.Income.Outstanding.Add(bal)
		if bal.IsPositive() {
			add(Discrepancy{Rule: FeeOutstanding, StudentID: id, Amount: bal})
		}
	}
	ids := make([]string, 0, len(payers))
	for id := range payers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	received := decimal.Zero
	for _, id := range ids {
		p := *payers[id]
		p.Outstanding = p.Billed.Sub(p.Received)
		r.Income.Payers = append(r.Income.Payers, p)
		received = received.Add(p.Received)
	}
	r.Income.Total = r.Income.Collected.Sub(r.Income.Refunded).Add(received)

	// Pay is counted by the months of its statements, not by when the run
	// posted its accrual.
	for _, p := range in.Pay {
		r.Spending.Pay = r.Spending.Pay.Add(p.Paid)
		if p.StaffKind == "outside_instructor" && p.InstitutionID != "" {
			r.Spending.Institutions = r.Spending.Institutions.Add(p.Paid)
		}
		for t, v := range p.ByTreatment {
			r.Spending.ByTreatment[t] = r.Spending.ByTreatment[t].Add(v)
		}
	}
	checkHours(in, add)
	for _, l := range in.Lines {
		if l.Kind == "management" {
			r.Spending.Management = r.Spending.Management.Add(l.Amount)
		}
	}
	r.Spending.Total = r.Spending.Pay
	for _, c := range in.Costs {
		r.Spending.Costs = append(r.Spending.Costs, c)
		r.Spending.Total = r.Spending.Total.Add(c.Amount)
	}

	if excess := r.Spending.Total.Sub(r.Income.Total); excess.IsPositive() {
		add(Discrepancy{Rule: SpendingOverIncome, Amount: excess})
	}
	limits := in.Limits
	if limits.LabourShare.IsZero() && limits.ManagementShare.IsZero() {
		limits = DefaultLimits()
	}
	if excess := r.Spending.Pay.Sub(share(limits.LabourShare, r.Income.Total)); excess.IsPositive() {
		add(Discrepancy{Rule: LabourShare, Amount: excess})
	}
	if excess := r.Spending.Management.Sub(share(limits.ManagementShare, r.Income.Total)); excess.IsPositive() {
		add(Discrepancy{Rule: ManagementShare, Amount: excess})
	}
	slices.SortStableFunc(r.Discrepancies, func(a, b Discrepancy) int {
		return cmp.Or(strings.Compare(string(a.Rule), string(b.Rule)), strings.Compare(a.RecordID, b.RecordID),
			strings.Compare(a.StudentID, b.StudentID), strings.Compare(a.StatementID, b.StatementID))
	})
	return r
}

// share is limit × income rounded to the fen, half up.
func share(limit, income decimal.Decimal) decimal.Decimal {
	return limit.Mul(income).Round(2)
}

// checkHours matches session lines to approved hours by assignment (the
// feed has each assignment once, corrections included, so an assignment
// is one hour to pay once).
func checkHours(in Input, add func(Discrepancy)) {
	type paid struct {
		net    decimal.Decimal
		firsts []Line
		last   Line
	}
	byAsg := map[string]*paid{}
	for _, l := range in.Lines {
		if l.Kind != "session" {
			continue
		}
		p := byAsg[l.AssignmentID]
		if p == nil {
			p = &paid{}
			byAsg[l.AssignmentID] = p
		}
		p.net = p.net.Add(l.Amount)
		p.last = l
		if l.First {
			p.firsts = append(p.firsts, l)
		}
	}
	approved := map[string]bool{}
	for _, h := range in.Hours {
		approved[h.AssignmentID] = true
		p := byAsg[h.AssignmentID]
		switch {
		case p == nil:
			add(Discrepancy{Rule: HourUnpaid, RecordID: h.RecordID, StaffID: h.StaffID, Amount: h.Expected})
		case len(p.firsts) > 1:
			add(Discrepancy{Rule: HourPaidTwice, RecordID: h.RecordID, StaffID: h.StaffID, StatementID: p.firsts[1].StatementID, Amount: p.firsts[1].Amount})
		case !p.net.Equal(h.Expected):
			add(Discrepancy{Rule: HourPayDiffers, RecordID: h.RecordID, StaffID: h.StaffID, StatementID: p.last.StatementID, Amount: h.Expected.Sub(p.net).Abs()})
		}
	}
	asgs := make([]string, 0, len(byAsg))
	for a := range byAsg {
		asgs = append(asgs, a)
	}
	slices.Sort(asgs)
	for _, a := range asgs {
		p := byAsg[a]
		if approved[a] || p.net.IsZero() {
			continue
		}
		add(Discrepancy{Rule: PayWithoutHour, RecordID: p.last.RecordID, StaffID: p.last.StaffID, StatementID: p.last.StatementID, Amount: p.net.Abs()})
	}
}

func sortedKeys(m map[string]decimal.Decimal) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// RollUp is a district's reconciliation: the schools' reports summed, every
// discrepancy kept with its school.
func RollUp(reports []Report) Report {
	var out Report
	out.Spending.ByTreatment = map[string]decimal.Decimal{}
	payers := map[string]*Payer{}
	costs := map[string]decimal.Decimal{}
	for _, r := range reports {
		i, s := &out.Income, &out.Spending
		i.FeesBilled, i.Collected, i.Refunded = i.FeesBilled.Add(r.Income.FeesBilled), i.Collected.Add(r.Income.Collected), i.Refunded.Add(r.Income.Refunded)
		i.WrittenOff, i.Outstanding, i.Total = i.WrittenOff.Add(r.Income.WrittenOff), i.Outstanding.Add(r.Income.Outstanding), i.Total.Add(r.Income.Total)
		for _, p := range r.Income.Payers {
			if payers[p.PayerID] == nil {
				payers[p.PayerID] = &Payer{PayerID: p.PayerID}
			}
			payers[p.PayerID].Billed = payers[p.PayerID].Billed.Add(p.Billed)
			payers[p.PayerID].Received = payers[p.PayerID].Received.Add(p.Received)
			payers[p.PayerID].Outstanding = payers[p.PayerID].Outstanding.Add(p.Outstanding)
		}
		for t, v := range r.Spending.ByTreatment {
			s.ByTreatment[t] = s.ByTreatment[t].Add(v)
		}
		s.InstitutionsPaid = s.InstitutionsPaid.Add(r.Spending.InstitutionsPaid)
		s.Pay, s.Institutions, s.Management, s.Total = s.Pay.Add(r.Spending.Pay), s.Institutions.Add(r.Spending.Institutions),
			s.Management.Add(r.Spending.Management), s.Total.Add(r.Spending.Total)
		for _, c := range r.Spending.Costs {
			costs[c.Kind] = costs[c.Kind].Add(c.Amount)
		}
		out.Discrepancies = append(out.Discrepancies, r.Discrepancies...)
	}
	for _, id := range sortedPayers(payers) {
		out.Income.Payers = append(out.Income.Payers, *payers[id])
	}
	for _, k := range sortedKeys(costs) {
		out.Spending.Costs = append(out.Spending.Costs, Cost{Kind: k, Amount: costs[k]})
	}
	return out
}

func sortedPayers(m map[string]*Payer) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Where a reconciliation's limits came from.
const (
	SourceDefault  = "default"  // nothing stored: DefaultLimits
	SourceDistrict = "district" // the district's stored version
	SourceSchool   = "school"   // the school's override
	SourceRequest  = "request"  // the request overrode at least one ("what if")
)

// Setting is one stored version of the share limits of a district, or of
// one of its schools (SchoolID set) overriding the district's.
type Setting struct {
	DistrictID    string
	SchoolID      string
	Version       int
	Limits        Limits
	EffectiveFrom civil.Date
	DocumentNo    string
	Note          string
	RequestID     string
	Fingerprint   string
}

// Source names where a setting's limits come from.
func (s Setting) Source() string {
	switch {
	case s.Version == 0:
		return SourceDefault
	case s.SchoolID != "":
		return SourceSchool
	}
	return SourceDistrict
}

// CheckLimits rejects a limit outside [0, 1] or finer than four places
// (0.6, 0.60 and 0.6000 are all allowed), naming the field.
func CheckLimits(l Limits, labourField, managementField string) error {
	var c fault.Collector
	for _, f := range []struct {
		field string
		v     decimal.Decimal
	}{{labourField, l.LabourShare}, {managementField, l.ManagementShare}} {
		c.Check(!f.v.IsNegative() && !f.v.GreaterThan(decimal.NewFromInt(1)), f.field, "must be a fraction from 0 to 1, like 0.60")
		c.Check(f.v.Equal(f.v.Round(4)), f.field, "has more than four decimal places")
	}
	return c.Err()
}
