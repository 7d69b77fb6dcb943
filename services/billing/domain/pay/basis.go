// Package pay holds billing's pure rules for teacher remuneration (劳务报酬).
// For now it sums approved delivered hours into a per-person basis; versioned
// rate tables and pay runs (see the roadmap) multiply this basis later.
package pay

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Record is one approved delivered-hours record from staffing.
type Record struct {
	RecordID        string
	AssignmentID    string
	StaffID         string
	StaffKind       string
	InstitutionID   string
	Date            time.Time
	Role            string
	Duty            string
	CreditedMinutes int
	Periods         decimal.Decimal
}

// StaffBasis is one person's approved hours of a month.
type StaffBasis struct {
	StaffID         string
	StaffKind       string
	InstitutionID   string
	Periods         decimal.Decimal
	CreditedMinutes int
	Records         []Record
}

// Basis is a school's approved hours of a month, per person, in staff-id order.
type Basis struct {
	Staff        []StaffBasis
	TotalPeriods decimal.Decimal
	Records      int
}

// Summarise groups approved records per person. An assignment may appear only
// once (every hour is paid once); a repeated assignment is refused rather than
// silently paid twice. The result does not depend on the order of records.
func Summarise(records []Record) (Basis, error) {
	seen := make(map[string]string, len(records))
	by := map[string]*StaffBasis{}
	total := decimal.Zero
	for _, r := range records {
		if prev, ok := seen[r.AssignmentID]; ok {
			return Basis{}, fault.Precondition(fmt.Sprintf("assignment %s is reported twice (records %s and %s): an hour is paid once", r.AssignmentID, prev, r.RecordID))
		}
		seen[r.AssignmentID] = r.RecordID
		if r.Periods.IsNegative() || r.CreditedMinutes < 0 {
			return Basis{}, fault.Precondition(fmt.Sprintf("record %s has negative hours", r.RecordID))
		}
		sb := by[r.StaffID]
		if sb == nil {
			sb = &StaffBasis{StaffID: r.StaffID, StaffKind: r.StaffKind, InstitutionID: r.InstitutionID}
			by[r.StaffID] = sb
		}
		sb.Periods = sb.Periods.Add(r.Periods)
		sb.CreditedMinutes += r.CreditedMinutes
		sb.Records = append(sb.Records, r)
		total = total.Add(r.Periods)
	}
	out := Basis{TotalPeriods: total, Records: len(records)}
	for _, sb := range by {
		slices.SortFunc(sb.Records, func(a, b Record) int {
			return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.AssignmentID, b.AssignmentID))
		})
		out.Staff = append(out.Staff, *sb)
	}
	slices.SortFunc(out.Staff, func(a, b StaffBasis) int { return cmp.Compare(a.StaffID, b.StaffID) })
	return out, nil
}
