package store

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/shopspring/decimal"
)

// EachPersonMonth calls fn with each person's month of a school, in staff
// order (only staffID's when it is not empty). Rows come from the cursor
// one statement at a time and a person is handed on as soon as their last
// statement is read, so a month of any size is read in constant memory.
func (s *Store) EachPersonMonth(ctx context.Context, districtID, schoolID string, year, month int, staffID string, fn func(pay.PersonMonth) error) error {
	rows, err := s.db.Query(ctx, `SELECT staff_id, staff_kind, institution_id, earned, paid, held_back, by_treatment
		FROM billing.pay_statements
		WHERE district_id = $1 AND school_id = $2 AND year = $3 AND month = $4 AND ($5 = '' OR staff_id = $5)
		ORDER BY staff_id, revision`, districtID, schoolID, year, month, staffID)
	if err != nil {
		return interpretError(err, "pay statements")
	}
	defer rows.Close()
	var cur pay.PersonMonth
	var id, kind, inst string
	var earned, paid, held decimal.Decimal
	var raw []byte
	var tags []pay.TagAmount
	_, err = pgx.ForEachRow(rows, []any{&id, &kind, &inst, &earned, &paid, &held, &raw}, func() error {
		if id != cur.StaffID && cur.StaffID != "" {
			if err := fn(cur); err != nil {
				return err
			}
			cur = pay.PersonMonth{}
		}
		cur.StaffID = id
		tags = tags[:0]
		if err := json.Unmarshal(raw, &tags); err != nil {
			return fmt.Errorf("decode pay statement totals: %w", err)
		}
		cur.Add(kind, inst, earned, paid, held, tags)
		return nil
	})
	if err != nil {
		return interpretError(err, "pay statements")
	}
	if cur.StaffID != "" {
		return fn(cur)
	}
	return nil
}

// EachPayLine calls fn with every line of a school month's statements (only
// staffID's when it is not empty) in staff, revision and line order,
// straight from the cursor.
func (s *Store) EachPayLine(ctx context.Context, districtID, schoolID string, year, month int, staffID string, fn func(staffID string, revision int, l pay.IssuedLine) error) error {
	rows, err := s.db.Query(ctx, `SELECT st.staff_id, st.revision, l.statement_id, l.body
		FROM billing.pay_statements st
		JOIN billing.pay_lines l ON l.district_id = st.district_id AND l.school_id = st.school_id AND l.statement_id = st.statement_id
		WHERE st.district_id = $1 AND st.school_id = $2 AND st.year = $3 AND st.month = $4 AND ($5 = '' OR st.staff_id = $5)
		ORDER BY st.staff_id, st.revision, l.line_no`, districtID, schoolID, year, month, staffID)
	if err != nil {
		return interpretError(err, "pay lines")
	}
	defer rows.Close()
	var id, stmt string
	var rev int
	var body []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &rev, &stmt, &body}, func() error {
		var l pay.IssuedLine
		if err := json.Unmarshal(body, &l); err != nil {
			return fmt.Errorf("decode pay line: %w", err)
		}
		l.StatementID = stmt
		return fn(id, rev, l)
	})
	if err != nil {
		return interpretError(err, "pay lines")
	}
	return nil
}

// EachClaim calls fn with one row per statement, payer and kind (subsidy
// or waiver) of the statements whose periods lie in [from, to], in payer,
// kind, school, student and statement order, straight from the cursor.
func (s *Store) EachClaim(ctx context.Context, districtID, schoolID, payerID string, from, to civil.Date, fn func(statement.ClaimRow) error) error {
	rows, err := s.db.Query(ctx, `SELECT k.key, k.waiver, s.school_id, s.student_id, s.statement_id, s.period_start, s.period_end, k.value::numeric(14,2)
		FROM billing.statements s,
		LATERAL (SELECT key, value, false AS waiver FROM jsonb_each_text(coalesce(s.totals->'subsidies', '{}'))
			UNION ALL SELECT key, value, true FROM jsonb_each_text(coalesce(s.totals->'waivers', '{}'))) k
		WHERE s.district_id = $1 AND ($2 = '' OR s.school_id = $2) AND s.period_start >= $3 AND s.period_end <= $4
			AND ($5 = '' OR k.key = $5)
		ORDER BY k.key, k.waiver, s.school_id, s.student_id, s.statement_id`, districtID, schoolID, dateArg(from), dateArg(to), payerID)
	if err != nil {
		return interpretError(err, "claims")
	}
	defer rows.Close()
	var r statement.ClaimRow
	var start, end time.Time
	_, err = pgx.ForEachRow(rows, []any{&r.PayerID, &r.Waiver, &r.SchoolID, &r.StudentID, &r.StatementID, &start, &end, &r.Amount}, func() error {
		r.From = civil.Date{Year: start.Year(), Month: start.Month(), Day: start.Day()}
		r.To = civil.Date{Year: end.Year(), Month: end.Month(), Day: end.Day()}
		return fn(r)
	})
	if err != nil {
		return interpretError(err, "claims")
	}
	return nil
}

// EachFeeStatement hands on a school term's issued statements (no lines)
// in student and issue order, straight from the cursor.
func (s *Store) EachFeeStatement(ctx context.Context, districtID, schoolID, termID string, fn func(statement.Summary) error) error {
	rows, err := s.db.Query(ctx, `SELECT statement_id, student_id, kind, period_start, period_end, document_no, parent_amount, total_amount
		FROM billing.statements WHERE district_id = $1 AND school_id = $2 AND term_id = $3
		ORDER BY student_id, issued_at, statement_id`, districtID, schoolID, termID)
	if err != nil {
		return interpretError(err, "statements")
	}
	defer rows.Close()
	var r statement.Summary
	var start, end time.Time
	_, err = pgx.ForEachRow(rows, []any{&r.StatementID, &r.StudentID, &r.Kind, &start, &end, &r.DocumentNo, &r.Parent, &r.Total}, func() error {
		r.From, r.To = civil.Of(start), civil.Of(end)
		return fn(r)
	})
	if err != nil {
		return interpretError(err, "statements")
	}
	return nil
}
