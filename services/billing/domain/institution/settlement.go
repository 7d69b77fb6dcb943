// Package institution is the settlement of an outside institution's month
// (机构结算): the sessions its instructors delivered in the district's
// schools at the rates the approved rate table pays (the pay lines, with
// what each school's caps let through), and the fees the schools collected
// on its behalf (代收代付), less what was already passed on — a statement
// the institution can be paid by, per school because each school pays from
// its own ledger. Pure: it sums what the store read.
package institution

import (
	"slices"
	"strings"

	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/shopspring/decimal"
)

// SchoolMonth is what one school holds for the institution in the month:
// its instructors' pay statements (first and adjustments) and the ledger
// movements of the school's payable to the institution as a provider.
type SchoolMonth struct {
	SchoolID   string
	Statements []payrun.Statement
	// Billed is what the school's fee statements billed families on the
	// institution's behalf (credits to payable:provider:<id>, by charges
	// and adjustments); PaidOut what provider payouts passed on.
	Billed  decimal.Decimal
	PaidOut decimal.Decimal
	// LabourPaid is what pay disbursements (a PayMonth of the school, or a
	// payment of the settlement) paid of the instructors' labour.
	LabourPaid decimal.Decimal
}

// Line is one delivered session (or a difference line of an adjustment).
type Line struct {
	SchoolID    string
	StaffID     string
	StatementID string
	Revision    int
	pay.IssuedLine
}

// SchoolTotal is one school's part of the settlement.
type SchoolTotal struct {
	SchoolID string
	// Earned by the sessions; HeldBack by caps; Labour = Earned − HeldBack,
	// the 劳务费 the school owes (payable:institution:<id>).
	Earned, HeldBack, Labour decimal.Decimal
	// LabourPaid is what was paid of Labour.
	LabourPaid decimal.Decimal
	// CollectedOnBehalf is what the school billed on the institution's
	// behalf, PaidOut what it passed on; Due = Labour − LabourPaid +
	// CollectedOnBehalf − PaidOut.
	CollectedOnBehalf, PaidOut, Due decimal.Decimal
}

// Settlement is an institution's month.
type Settlement struct {
	InstitutionID string
	Year, Month   int
	Lines         []Line
	Schools       []SchoolTotal
	Total         SchoolTotal
}

// Settle sums an institution's month over the schools, in school order;
// lines in school, person, revision and line order. Every amount is whole
// fen already, so the totals are exact sums with no rounding.
func Settle(institutionID string, year, month int, schools []SchoolMonth) Settlement {
	s := Settlement{InstitutionID: institutionID, Year: year, Month: month}
	schools = slices.Clone(schools)
	slices.SortFunc(schools, func(a, b SchoolMonth) int { return strings.Compare(a.SchoolID, b.SchoolID) })
	for _, sm := range schools {
		t := SchoolTotal{SchoolID: sm.SchoolID, CollectedOnBehalf: sm.Billed, PaidOut: sm.PaidOut, LabourPaid: sm.LabourPaid}
		sts := slices.Clone(sm.Statements)
		slices.SortFunc(sts, func(a, b payrun.Statement) int {
			if c := strings.Compare(a.StaffID, b.StaffID); c != 0 {
				return c
			}
			return a.Revision - b.Revision
		})
		for _, st := range sts {
			t.Earned, t.HeldBack, t.Labour = t.Earned.Add(st.Earned), t.HeldBack.Add(st.HeldBack), t.Labour.Add(st.Paid)
			for _, l := range st.Lines {
				s.Lines = append(s.Lines, Line{SchoolID: sm.SchoolID, StaffID: st.StaffID, StatementID: st.StatementID, Revision: st.Revision, IssuedLine: l})
			}
		}
		t.Due = t.Labour.Sub(t.LabourPaid).Add(t.CollectedOnBehalf).Sub(t.PaidOut)
		if t.Earned.IsZero() && t.CollectedOnBehalf.IsZero() && t.PaidOut.IsZero() && len(sts) == 0 {
			continue
		}
		s.Schools = append(s.Schools, t)
		s.Total.Earned, s.Total.HeldBack, s.Total.Labour = s.Total.Earned.Add(t.Earned), s.Total.HeldBack.Add(t.HeldBack), s.Total.Labour.Add(t.Labour)
		s.Total.LabourPaid = s.Total.LabourPaid.Add(t.LabourPaid)
		s.Total.CollectedOnBehalf, s.Total.PaidOut, s.Total.Due = s.Total.CollectedOnBehalf.Add(t.CollectedOnBehalf), s.Total.PaidOut.Add(t.PaidOut), s.Total.Due.Add(t.Due)
	}
	return s
}
