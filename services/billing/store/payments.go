package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/payment"
	"github.com/kehou/kehou/services/billing/domain/settle"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/shopspring/decimal"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// lockFamily serialises the money changes of one family in a school: a
// shared lock on the school (a settlement takes it exclusively) and an
// exclusive one on the family, both released at commit.
func lockFamily(ctx context.Context, tx pgx.Tx, sc payment.Tenant, studentID string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0)), pg_advisory_xact_lock(hashtextextended($2, 0))`,
		"billing/money/"+sc.DistrictID+"/"+sc.SchoolID, "billing/money/"+sc.DistrictID+"/"+sc.SchoolID+"/"+studentID)
	return interpretError(err, "family lock")
}

func lockSchool(ctx context.Context, tx pgx.Tx, sc payment.Tenant) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "billing/money/"+sc.DistrictID+"/"+sc.SchoolID)
	return interpretError(err, "school lock")
}

const paymentCols = `p.payment_id, p.statement_id, p.student_id, p.term_id, p.amount, p.channel, p.external_reference,
	p.paid_at, p.idempotency_key, p.fingerprint,
	coalesce((SELECT sum(r.amount) FROM billing.refunds r WHERE r.district_id = p.district_id AND r.school_id = p.school_id AND r.payment_id = p.payment_id), 0)`

func scanPayment(r pgx.Row) (payment.Payment, error) {
	var p payment.Payment
	err := r.Scan(&p.ID, &p.StatementID, &p.StudentID, &p.TermID, &p.Amount, &p.Channel, &p.ExternalReference,
		&p.PaidAt, &p.IdempotencyKey, &p.Fingerprint, &p.Refunded)
	return p, err
}

// found turns "no rows" into ok=false.
func found(err error) (bool, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func paymentByKey(ctx context.Context, q querier, sc payment.Tenant, key string) (payment.Payment, bool, error) {
	p, err := scanPayment(q.QueryRow(ctx, `SELECT `+paymentCols+` FROM billing.payments p
		WHERE p.district_id = $1 AND p.school_id = $2 AND p.idempotency_key = $3`, sc.DistrictID, sc.SchoolID, key))
	ok, err := found(err)
	return p, ok, interpretError(err, "payment")
}

// RecordPayment implements app.PaymentStore.
func (s *Store) RecordPayment(ctx context.Context, sc payment.Tenant, p payment.Payment, fn func(payment.StatementRef, payment.FamilyBalance, *payment.Payment) (ledger.Posting, error)) (payment.Payment, bool, error) {
	var out payment.Payment
	replayed := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if old, ok, err := paymentByKey(ctx, tx, sc, p.IdempotencyKey); err != nil || ok {
			out, replayed = old, ok
			return err
		}
		var st payment.StatementRef
		err := tx.QueryRow(ctx, `SELECT statement_id, student_id, term_id FROM billing.statements
			WHERE district_id = $1 AND school_id = $2 AND statement_id = $3`, sc.DistrictID, sc.SchoolID, p.StatementID).
			Scan(&st.StatementID, &st.StudentID, &st.TermID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.Invalid("statement_id", "no statement "+p.StatementID+" was issued in school "+sc.SchoolID)
		}
		if err != nil {
			return interpretError(err, "statement "+p.StatementID)
		}
		// The statement's family: fn refuses a payment for another student.
		if err := lockFamily(ctx, tx, sc, st.StudentID); err != nil {
			return err
		}
		// A request with the same key may have committed while this one
		// waited for the lock: it is a replay, whatever the balance says now.
		if old, ok, err := paymentByKey(ctx, tx, sc, p.IdempotencyKey); err != nil || ok {
			out, replayed = old, ok
			return err
		}
		fam, err := familyIn(ctx, tx, sc, st.TermID, st.StudentID)
		if err != nil {
			return err
		}
		post, err := fn(st, fam, &p)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO billing.payments (district_id, school_id, payment_id, statement_id, student_id, term_id,
			amount, channel, external_reference, paid_at, idempotency_key, fingerprint)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (district_id, school_id, idempotency_key) DO NOTHING`,
			sc.DistrictID, sc.SchoolID, p.ID, p.StatementID, p.StudentID, p.TermID, p.Amount, p.Channel,
			p.ExternalReference, p.PaidAt, p.IdempotencyKey, p.Fingerprint)
		if err != nil {
			return interpretError(err, "payment")
		}
		if tag.RowsAffected() == 0 { // a concurrent request with the key committed first
			old, _, err := paymentByKey(ctx, tx, sc, p.IdempotencyKey)
			out, replayed = old, true
			return err
		}
		p.Refunded = decimal.Zero
		out = p
		return InsertPostings(ctx, tx, []ledger.Posting{post})
	})
	return out, replayed, err
}

// ListPayments implements app.PaymentStore; after is a page key from
// PaymentPageKey.
func (s *Store) ListPayments(ctx context.Context, sc payment.Tenant, studentID, termID, after string, limit int) ([]payment.Payment, error) {
	afterAt, afterID := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ""
	if after != "" {
		var err error
		if afterAt, afterID, err = payment.SplitPaymentPageKey(after); err != nil {
			return nil, err
		}
	}
	rows, err := s.db.Query(ctx, `SELECT `+paymentCols+` FROM billing.payments p
		WHERE p.district_id = $1 AND p.school_id = $2 AND ($3 = '' OR p.student_id = $3) AND ($4 = '' OR p.term_id = $4)
		AND (p.paid_at, p.payment_id) < ($5, $6)
		ORDER BY p.paid_at DESC, p.payment_id DESC LIMIT $7`,
		sc.DistrictID, sc.SchoolID, studentID, termID, afterAt, afterIDOrMax(afterID, after), limit)
	if err != nil {
		return nil, interpretError(err, "payments")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (payment.Payment, error) { return scanPayment(r) })
	return out, interpretError(err, "payments")
}

func afterIDOrMax(id, after string) string {
	if after == "" {
		return "\U0010FFFF"
	}
	return id
}

const refundCols = `refund_id, coalesce(payment_id, ''), student_id, term_id, method, amount, credit_term_id, reason, refunded_on,
	coalesce(settlement_id, ''), idempotency_key, fingerprint`

func scanRefund(r pgx.Row) (payment.Refund, error) {
	var x payment.Refund
	err := r.Scan(&x.ID, &x.PaymentID, &x.StudentID, &x.TermID, &x.Method, &x.Amount, &x.CreditTermID, &x.Reason,
		&x.RefundedOn, &x.SettlementID, &x.IdempotencyKey, &x.Fingerprint)
	return x, err
}

func refundByKey(ctx context.Context, q querier, sc payment.Tenant, key string) (payment.Refund, bool, error) {
	r, err := scanRefund(q.QueryRow(ctx, `SELECT `+refundCols+` FROM billing.refunds
		WHERE district_id = $1 AND school_id = $2 AND idempotency_key = $3`, sc.DistrictID, sc.SchoolID, key))
	ok, err := found(err)
	return r, ok, interpretError(err, "refund")
}

func insertRefund(ctx context.Context, tx pgx.Tx, sc payment.Tenant, r payment.Refund) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO billing.refunds (district_id, school_id, refund_id, payment_id, student_id, term_id,
		method, amount, credit_term_id, reason, refunded_on, settlement_id, idempotency_key, fingerprint)
		VALUES ($1, $2, $3, nullif($4, ''), $5, $6, $7, $8, $9, $10, $11, nullif($12, ''), $13, $14)
		ON CONFLICT (district_id, school_id, idempotency_key) DO NOTHING`,
		sc.DistrictID, sc.SchoolID, r.ID, r.PaymentID, r.StudentID, r.TermID, r.Method, r.Amount, r.CreditTermID,
		r.Reason, r.RefundedOn, r.SettlementID, r.IdempotencyKey, r.Fingerprint)
	if err != nil {
		return false, interpretError(err, "refund")
	}
	return tag.RowsAffected() == 1, nil
}

// CreateRefund implements app.PaymentStore.
func (s *Store) CreateRefund(ctx context.Context, sc payment.Tenant, r payment.Refund, fn func(payment.Payment, decimal.Decimal, *payment.Refund) (ledger.Posting, error)) (payment.Refund, bool, error) {
	var out payment.Refund
	replayed := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if old, ok, err := refundByKey(ctx, tx, sc, r.IdempotencyKey); err != nil || ok {
			out, replayed = old, ok
			return err
		}
		var student string
		err := tx.QueryRow(ctx, `SELECT student_id FROM billing.payments WHERE district_id = $1 AND school_id = $2 AND payment_id = $3`,
			sc.DistrictID, sc.SchoolID, r.PaymentID).Scan(&student)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.Invalid("payment_id", "no payment "+r.PaymentID+" in school "+sc.SchoolID)
		}
		if err != nil {
			return interpretError(err, "payment "+r.PaymentID)
		}
		if err := lockFamily(ctx, tx, sc, student); err != nil {
			return err
		}
		// Read after the lock, so refunds committed meanwhile are counted.
		p, err := scanPayment(tx.QueryRow(ctx, `SELECT `+paymentCols+` FROM billing.payments p
			WHERE p.district_id = $1 AND p.school_id = $2 AND p.payment_id = $3`, sc.DistrictID, sc.SchoolID, r.PaymentID))
		if err != nil {
			return interpretError(err, "payment "+r.PaymentID)
		}
		post, err := fn(p, p.Amount.Sub(p.Refunded), &r)
		if err != nil {
			return err
		}
		ok, err := insertRefund(ctx, tx, sc, r)
		if err != nil {
			return err
		}
		if !ok {
			old, _, err := refundByKey(ctx, tx, sc, r.IdempotencyKey)
			out, replayed = old, true
			return err
		}
		out = r
		return InsertPostings(ctx, tx, []ledger.Posting{post})
	})
	return out, replayed, err
}

// creditAvailable is a family's credit across terms: refunds as credit
// minus credit applied.
func creditAvailable(ctx context.Context, q querier, sc payment.Tenant, studentID string) (decimal.Decimal, error) {
	var d decimal.Decimal
	err := q.QueryRow(ctx, `SELECT
		coalesce((SELECT sum(amount) FROM billing.refunds WHERE district_id = $1 AND school_id = $2 AND student_id = $3 AND method = 'credit'), 0)
		- coalesce((SELECT sum(amount) FROM billing.credit_applications WHERE district_id = $1 AND school_id = $2 AND student_id = $3), 0)`,
		sc.DistrictID, sc.SchoolID, studentID).Scan(&d)
	return d, interpretError(err, "credit of student "+studentID)
}

func familyIn(ctx context.Context, q querier, sc payment.Tenant, termID, studentID string) (payment.FamilyBalance, error) {
	fs, err := familyBalances(ctx, q, sc, payment.BalanceFilter{TermID: termID, StudentID: studentID})
	if err != nil || len(fs) == 0 {
		return payment.FamilyBalance{StudentID: studentID, TermID: termID, Figures: zeroFigures()}, err
	}
	return fs[0], nil
}

func zeroFigures() settle.Figures {
	z := decimal.Zero
	return settle.Figures{Charged: z, PayerShare: z, Paid: z, Refunded: z, Credited: z, CreditApplied: z, WrittenOff: z}
}

// ApplyCredit implements app.PaymentStore.
func (s *Store) ApplyCredit(ctx context.Context, sc payment.Tenant, a payment.CreditApplication, fn func(decimal.Decimal, payment.FamilyBalance) (ledger.Posting, error)) (payment.CreditApplication, bool, error) {
	var out payment.CreditApplication
	replayed := false
	byKey := func(q querier) (payment.CreditApplication, bool, error) {
		var x payment.CreditApplication
		err := q.QueryRow(ctx, `SELECT credit_application_id, student_id, term_id, amount, applied_on, idempotency_key, fingerprint
			FROM billing.credit_applications WHERE district_id = $1 AND school_id = $2 AND idempotency_key = $3`,
			sc.DistrictID, sc.SchoolID, a.IdempotencyKey).Scan(&x.ID, &x.StudentID, &x.TermID, &x.Amount, &x.AppliedOn, &x.IdempotencyKey, &x.Fingerprint)
		ok, err := found(err)
		return x, ok, interpretError(err, "credit application")
	}
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if old, ok, err := byKey(tx); err != nil || ok {
			out, replayed = old, ok
			return err
		}
		if err := lockFamily(ctx, tx, sc, a.StudentID); err != nil {
			return err
		}
		avail, err := creditAvailable(ctx, tx, sc, a.StudentID)
		if err != nil {
			return err
		}
		fam, err := familyIn(ctx, tx, sc, a.TermID, a.StudentID)
		if err != nil {
			return err
		}
		post, err := fn(avail, fam)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO billing.credit_applications (district_id, school_id, credit_application_id, student_id,
			term_id, amount, applied_on, idempotency_key, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (district_id, school_id, idempotency_key) DO NOTHING`,
			sc.DistrictID, sc.SchoolID, a.ID, a.StudentID, a.TermID, a.Amount, a.AppliedOn, a.IdempotencyKey, a.Fingerprint)
		if err != nil {
			return interpretError(err, "credit application")
		}
		if tag.RowsAffected() == 0 {
			old, _, err := byKey(tx)
			out, replayed = old, true
			return err
		}
		out = a
		return InsertPostings(ctx, tx, []ledger.Posting{post})
	})
	return out, replayed, err
}

// CreateWriteOff implements app.PaymentStore.
func (s *Store) CreateWriteOff(ctx context.Context, sc payment.Tenant, w payment.WriteOff, fn func(payment.FamilyBalance) (ledger.Posting, error)) (payment.WriteOff, bool, error) {
	var out payment.WriteOff
	replayed := false
	byKey := func(q querier) (payment.WriteOff, bool, error) {
		var x payment.WriteOff
		err := q.QueryRow(ctx, `SELECT write_off_id, student_id, term_id, amount, reason, written_on, idempotency_key, fingerprint
			FROM billing.write_offs WHERE district_id = $1 AND school_id = $2 AND idempotency_key = $3`,
			sc.DistrictID, sc.SchoolID, w.IdempotencyKey).Scan(&x.ID, &x.StudentID, &x.TermID, &x.Amount, &x.Reason, &x.WrittenOn, &x.IdempotencyKey, &x.Fingerprint)
		ok, err := found(err)
		return x, ok, interpretError(err, "write-off")
	}
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if old, ok, err := byKey(tx); err != nil || ok {
			out, replayed = old, ok
			return err
		}
		if err := lockFamily(ctx, tx, sc, w.StudentID); err != nil {
			return err
		}
		fam, err := familyIn(ctx, tx, sc, w.TermID, w.StudentID)
		if err != nil {
			return err
		}
		post, err := fn(fam)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO billing.write_offs (district_id, school_id, write_off_id, student_id, term_id, amount,
			reason, written_on, idempotency_key, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (district_id, school_id, idempotency_key) DO NOTHING`,
			sc.DistrictID, sc.SchoolID, w.ID, w.StudentID, w.TermID, w.Amount, w.Reason, w.WrittenOn, w.IdempotencyKey, w.Fingerprint)
		if err != nil {
			return interpretError(err, "write-off")
		}
		if tag.RowsAffected() == 0 {
			old, _, err := byKey(tx)
			out, replayed = old, true
			return err
		}
		out = w
		return InsertPostings(ctx, tx, []ledger.Posting{post})
	})
	return out, replayed, err
}

// SettleTerm implements app.PaymentStore. It locks the school's money
// exclusively, so no payment or refund changes a family while it settles.
func (s *Store) SettleTerm(ctx context.Context, sc payment.Tenant, head payment.Settlement, fn func([]payment.FamilyState) (payment.Settlement, []ledger.Posting, error)) (payment.Settlement, bool, error) {
	var out payment.Settlement
	replayed := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockSchool(ctx, tx, sc); err != nil {
			return err
		}
		if old, ok, err := loadSettlement(ctx, tx, sc, head.ID); err != nil || ok {
			out, replayed = old, ok
			return err
		}
		fams, err := familyBalances(ctx, tx, sc, payment.BalanceFilter{TermID: head.TermID})
		if err != nil {
			return err
		}
		refundable, err := refundablePayments(ctx, tx, sc, head.TermID)
		if err != nil {
			return err
		}
		states := make([]payment.FamilyState, len(fams))
		for i, f := range fams {
			states[i] = payment.FamilyState{FamilyBalance: f, Refundable: refundable[f.StudentID]}
		}
		set, posts, err := fn(states)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO billing.settlements (district_id, school_id, settlement_id, term_id, overpayment_policy,
			next_term_id, settled_on, fingerprint, total_due, total_refunded, total_credited)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			sc.DistrictID, sc.SchoolID, set.ID, set.TermID, string(set.Policy), set.NextTermID, set.SettledOn, set.Fingerprint,
			set.TotalDue, set.TotalRefunded, set.TotalCredited)
		if err != nil {
			return interpretError(err, "settlement "+set.ID)
		}
		rows := make([][]any, len(set.Lines))
		for i, l := range set.Lines {
			b := l.Before
			rows[i] = []any{sc.DistrictID, sc.SchoolID, set.ID, b.StudentID, b.Charged, b.PayerShare, b.Paid, b.Refunded, b.Credited,
				b.CreditApplied, b.WrittenOff, b.Balance(), string(l.Action), l.ActionAmount, l.BalanceAfter}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"billing", "settlement_lines"},
			[]string{"district_id", "school_id", "settlement_id", "student_id", "charged", "payer_share", "paid", "refunded", "credited",
				"credit_applied", "written_off", "balance", "action", "action_amount", "balance_after"}, pgx.CopyFromRows(rows)); err != nil {
			return interpretError(err, "settlement lines")
		}
		for _, r := range set.Refunds {
			if _, err := insertRefund(ctx, tx, sc, r); err != nil {
				return err
			}
		}
		out = set
		return InsertPostings(ctx, tx, posts)
	})
	return out, replayed, err
}

// refundablePayments returns, per student, the term's payments with money
// still refundable.
func refundablePayments(ctx context.Context, q querier, sc payment.Tenant, termID string) (map[string][]settle.Refundable, error) {
	rows, err := q.Query(ctx, `SELECT p.student_id, p.payment_id, p.channel, p.paid_at,
			p.amount - coalesce((SELECT sum(r.amount) FROM billing.refunds r WHERE r.district_id = p.district_id
				AND r.school_id = p.school_id AND r.payment_id = p.payment_id), 0)
		FROM billing.payments p WHERE p.district_id = $1 AND p.school_id = $2 AND p.term_id = $3`, sc.DistrictID, sc.SchoolID, termID)
	if err != nil {
		return nil, interpretError(err, "payments")
	}
	defer rows.Close()
	out := map[string][]settle.Refundable{}
	for rows.Next() {
		var student string
		var r settle.Refundable
		if err := rows.Scan(&student, &r.PaymentID, &r.Channel, &r.PaidAt, &r.Remaining); err != nil {
			return nil, interpretError(err, "payments")
		}
		if r.Remaining.IsPositive() {
			out[student] = append(out[student], r)
		}
	}
	return out, interpretError(rows.Err(), "payments")
}

func loadSettlement(ctx context.Context, q querier, sc payment.Tenant, id string) (payment.Settlement, bool, error) {
	var s payment.Settlement
	var policy string
	err := q.QueryRow(ctx, `SELECT settlement_id, term_id, overpayment_policy, next_term_id, settled_on, fingerprint,
		total_due, total_refunded, total_credited FROM billing.settlements WHERE district_id = $1 AND school_id = $2 AND settlement_id = $3`,
		sc.DistrictID, sc.SchoolID, id).Scan(&s.ID, &s.TermID, &policy, &s.NextTermID, &s.SettledOn, &s.Fingerprint,
		&s.TotalDue, &s.TotalRefunded, &s.TotalCredited)
	if ok, err := found(err); !ok {
		return s, false, interpretError(err, "settlement "+id)
	}
	s.Policy = settle.Policy(policy)
	rows, err := q.Query(ctx, `SELECT student_id, charged, payer_share, paid, refunded, credited, credit_applied, written_off,
		action, action_amount, balance_after FROM billing.settlement_lines
		WHERE district_id = $1 AND school_id = $2 AND settlement_id = $3 ORDER BY student_id`, sc.DistrictID, sc.SchoolID, id)
	if err != nil {
		return s, false, interpretError(err, "settlement lines")
	}
	s.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (payment.SettlementLine, error) {
		var l payment.SettlementLine
		var action string
		b := &l.Before
		err := r.Scan(&b.StudentID, &b.Charged, &b.PayerShare, &b.Paid, &b.Refunded, &b.Credited, &b.CreditApplied, &b.WrittenOff,
			&action, &l.ActionAmount, &l.BalanceAfter)
		b.TermID, l.Action = s.TermID, settle.Action(action)
		return l, err
	})
	if err != nil {
		return s, false, interpretError(err, "settlement lines")
	}
	rows, err = q.Query(ctx, `SELECT `+refundCols+` FROM billing.refunds
		WHERE district_id = $1 AND school_id = $2 AND settlement_id = $3 ORDER BY refund_id`, sc.DistrictID, sc.SchoolID, id)
	if err != nil {
		return s, false, interpretError(err, "settlement refunds")
	}
	s.Refunds, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (payment.Refund, error) { return scanRefund(r) })
	return s, true, interpretError(err, "settlement refunds")
}

// FamilyBalances implements app.PaymentStore.
func (s *Store) FamilyBalances(ctx context.Context, sc payment.Tenant, f payment.BalanceFilter) ([]payment.FamilyBalance, error) {
	return familyBalances(ctx, s.db, sc, f)
}

// familyBalances sums each family's statements, payments, refunds, credit
// and write-offs per term: one query, grouped by (term, student). A family
// whose credit a settlement carried to a next term is listed in that term
// from the settlement on, so the credit it will use shows before the term's
// first statement.
func familyBalances(ctx context.Context, q querier, sc payment.Tenant, f payment.BalanceFilter) ([]payment.FamilyBalance, error) {
	limit := any(nil)
	if f.Limit > 0 {
		limit = f.Limit
	}
	asOf := f.AsOf
	if asOf.IsZero() {
		asOf = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	const filter = `district_id = $1 AND school_id = $2 AND ($3 = '' OR term_id = $3) AND ($4 = '' OR student_id = $4)
		AND (term_id, student_id) > ($5, $6)`
	rows, err := q.Query(ctx, `WITH m (term_id, student_id, charged, payer_share, paid, refunded, credited, credit_applied, written_off, due) AS (
			SELECT term_id, student_id, parent_amount, total_amount - parent_amount, 0, 0, 0, 0, 0, period_end
			FROM billing.statements WHERE `+filter+`
			UNION ALL SELECT term_id, student_id, 0, 0, amount, 0, 0, 0, 0, NULL FROM billing.payments WHERE `+filter+`
			UNION ALL SELECT term_id, student_id, 0, 0, 0, CASE WHEN method = 'original' THEN amount ELSE 0 END,
				CASE WHEN method = 'credit' THEN amount ELSE 0 END, 0, 0, NULL FROM billing.refunds WHERE `+filter+`
			UNION ALL SELECT term_id, student_id, 0, 0, 0, 0, 0, amount, 0, NULL FROM billing.credit_applications WHERE `+filter+`
			UNION ALL SELECT term_id, student_id, 0, 0, 0, 0, 0, 0, amount, NULL FROM billing.write_offs WHERE `+filter+`
			-- Credit carried (结转) to a next term makes the family show in that term at once, with
			-- the credit available, before the term's first statement.
			UNION ALL SELECT s.next_term_id, r.student_id, 0, 0, 0, 0, 0, 0, 0, NULL
				FROM billing.refunds r JOIN billing.settlements s USING (district_id, school_id, settlement_id)
				WHERE r.district_id = $1 AND r.school_id = $2 AND r.method = 'credit' AND s.next_term_id <> ''
					AND ($3 = '' OR s.next_term_id = $3) AND ($4 = '' OR r.student_id = $4)
					AND (s.next_term_id, r.student_id) > ($5, $6)
		), g AS (
			SELECT term_id, student_id, sum(charged) AS charged, sum(payer_share) AS payer_share, sum(paid) AS paid,
				sum(refunded) AS refunded, sum(credited) AS credited, sum(credit_applied) AS credit_applied,
				sum(written_off) AS written_off, max(due) AS due
			FROM m GROUP BY term_id, student_id
		)
		SELECT g.term_id, g.student_id, g.charged, g.payer_share, g.paid, g.refunded, g.credited, g.credit_applied, g.written_off,
			g.due,
			coalesce((SELECT sum(amount) FROM billing.refunds r WHERE r.district_id = $1 AND r.school_id = $2
				AND r.student_id = g.student_id AND r.method = 'credit'), 0)
			- coalesce((SELECT sum(amount) FROM billing.credit_applications c WHERE c.district_id = $1 AND c.school_id = $2
				AND c.student_id = g.student_id), 0)
		FROM g
		WHERE NOT $7 OR (g.charged - g.paid + g.refunded + g.credited - g.credit_applied - g.written_off > 0
			AND coalesce($8::date, g.due) < $9::date)
		ORDER BY g.term_id, g.student_id
		LIMIT $10`,
		sc.DistrictID, sc.SchoolID, f.TermID, f.StudentID, f.AfterTerm, f.AfterStudent, f.Overdue, f.DueDate, asOf, limit)
	if err != nil {
		return nil, interpretError(err, "balances")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (payment.FamilyBalance, error) {
		var b payment.FamilyBalance
		var d *time.Time
		err := r.Scan(&b.TermID, &b.StudentID, &b.Charged, &b.PayerShare, &b.Paid, &b.Refunded, &b.Credited, &b.CreditApplied,
			&b.WrittenOff, &d, &b.CreditAvailable)
		if d != nil {
			b.DueDate = *d
		}
		return b, err
	})
	if err != nil {
		return nil, interpretError(err, "balances")
	}
	return out, nil
}
