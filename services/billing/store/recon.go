package store

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/billing/domain/recon"
	"github.com/shopspring/decimal"
)

func pgDate(d civil.Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// LedgerSums sums a school's ledger entries effective in [from, to] by
// posting kind and account: the whole ledger side of a reconciliation in
// one grouped read.
func (s *Store) LedgerSums(ctx context.Context, districtID, schoolID string, from, to civil.Date) ([]recon.Sum, error) {
	rows, err := s.db.Query(ctx, `SELECT p.kind, e.account, SUM(e.amount)
		FROM billing.postings p
		JOIN billing.entries e ON e.district_id = p.district_id AND e.school_id = p.school_id AND e.posting_id = p.posting_id
		WHERE p.district_id = $1 AND p.school_id = $2 AND p.effective_date BETWEEN $3 AND $4
		GROUP BY p.kind, e.account ORDER BY p.kind, e.account`, districtID, schoolID, pgDate(from), pgDate(to))
	if err != nil {
		return nil, interpretError(err, "ledger sums")
	}
	var out []recon.Sum
	var sum recon.Sum
	_, err = pgx.ForEachRow(rows, []any{&sum.Kind, &sum.Account, &sum.Amount}, func() error {
		out = append(out, sum)
		return nil
	})
	if err != nil {
		return nil, interpretError(err, "ledger sums")
	}
	return out, nil
}

// ReconLines returns the pay lines of a school's months [from, to]
// (year*12+month-1), marking those on a person's first statement.
func (s *Store) ReconLines(ctx context.Context, districtID, schoolID string, from, to int) ([]recon.Line, error) {
	rows, err := s.db.Query(ctx, `SELECT st.statement_id, st.staff_id, l.kind, l.record_id, l.assignment_id, l.amount, st.kind = 'pay'
		FROM billing.pay_statements st
		JOIN billing.pay_lines l ON l.district_id = st.district_id AND l.school_id = st.school_id AND l.statement_id = st.statement_id
		WHERE st.district_id = $1 AND st.school_id = $2 AND st.year * 12 + st.month - 1 BETWEEN $3 AND $4
		ORDER BY st.staff_id, st.year, st.month, st.revision, l.line_no`, districtID, schoolID, from, to)
	if err != nil {
		return nil, interpretError(err, "pay lines")
	}
	var out []recon.Line
	var l recon.Line
	_, err = pgx.ForEachRow(rows, []any{&l.StatementID, &l.StaffID, &l.Kind, &l.RecordID, &l.AssignmentID, &l.Amount, &l.First}, func() error {
		out = append(out, l)
		return nil
	})
	if err != nil {
		return nil, interpretError(err, "pay lines")
	}
	return out, nil
}

// ReconPay returns the pay statements of a school's months [from, to]
// (year*12+month-1) with their paid amount by treatment tag.
func (s *Store) ReconPay(ctx context.Context, districtID, schoolID string, from, to int) ([]recon.Pay, error) {
	rows, err := s.db.Query(ctx, `SELECT statement_id, staff_id, staff_kind, institution_id, paid, by_treatment
		FROM billing.pay_statements
		WHERE district_id = $1 AND school_id = $2 AND year * 12 + month - 1 BETWEEN $3 AND $4
		ORDER BY staff_id, year, month, revision`, districtID, schoolID, from, to)
	if err != nil {
		return nil, interpretError(err, "pay statements")
	}
	var out []recon.Pay
	var p recon.Pay
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&p.StatementID, &p.StaffID, &p.StaffKind, &p.InstitutionID, &p.Paid, &raw}, func() error {
		var tags []pay.TagAmount
		if err := json.Unmarshal(raw, &tags); err != nil {
			return fmt.Errorf("decode pay statement totals: %w", err)
		}
		p.ByTreatment = make(map[string]decimal.Decimal, len(tags))
		for _, t := range tags {
			p.ByTreatment[string(t.Treatment)] = p.ByTreatment[string(t.Treatment)].Add(t.Amount)
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, interpretError(err, "pay statements")
	}
	return out, nil
}

// InstitutionStatements returns, per school, the pay statements (with
// lines) of an institution's instructors in a district's month.
func (s *Store) InstitutionStatements(ctx context.Context, districtID, institutionID string, year, month int) (map[string][]payrun.Statement, error) {
	rows, err := s.db.Query(ctx, `SELECT DISTINCT school_id FROM billing.pay_statements
		WHERE district_id = $1 AND institution_id = $2 AND staff_kind = 'outside_instructor' AND year = $3 AND month = $4`,
		districtID, institutionID, year, month)
	if err != nil {
		return nil, interpretError(err, "pay statements")
	}
	schools, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, interpretError(err, "pay statements")
	}
	out := make(map[string][]payrun.Statement, len(schools))
	for _, sch := range schools {
		sts, err := readPayStatements(ctx, s.db, `s.district_id = $1 AND s.school_id = $2 AND s.institution_id = $3
			AND s.staff_kind = 'outside_instructor' AND s.year = $4 AND s.month = $5`, districtID, sch, institutionID, year, month)
		if err != nil {
			return nil, err
		}
		out[sch] = sts
	}
	return out, nil
}
