package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/payment"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/shopspring/decimal"
)

const payerReceiptCols = `district_id, school_id, receipt_id, payer_id, amount, received_on, claim_references, voucher_number,
	memo, idempotency_key, fingerprint`

func scanPayerReceipt(r pgx.Row) (payment.PayerReceipt, error) {
	var x payment.PayerReceipt
	err := r.Scan(&x.DistrictID, &x.SchoolID, &x.ID, &x.PayerID, &x.Amount, &x.ReceivedOn, &x.ClaimReferences, &x.VoucherNumber,
		&x.Memo, &x.IdempotencyKey, &x.Fingerprint)
	return x, err
}

func payerReceiptByKey(ctx context.Context, q querier, sc payment.Tenant, key string) (payment.PayerReceipt, bool, error) {
	r, err := scanPayerReceipt(q.QueryRow(ctx, `SELECT `+payerReceiptCols+` FROM billing.payer_receipts
		WHERE district_id = $1 AND school_id = $2 AND idempotency_key = $3`, sc.DistrictID, sc.SchoolID, key))
	ok, err := found(err)
	return r, ok, interpretError(err, "payer receipt")
}

// payerOwes is what a payer owes a school now (every claim billed less
// every receipt, whatever their dates), and whether it was ever billed there.
func payerOwes(ctx context.Context, q querier, districtID, schoolID, payerID string) (decimal.Decimal, bool, error) {
	var owed decimal.Decimal
	var n int
	err := q.QueryRow(ctx, `SELECT coalesce(sum(amount), 0), count(*) FROM billing.entries
		WHERE district_id = $1 AND ($2 = '' OR school_id = $2) AND account = $3`,
		districtID, schoolID, ledger.PayerReceivable(payerID)).Scan(&owed, &n)
	return owed, n > 0, interpretError(err, "payer "+payerID)
}

// RecordPayerReceipt implements app.PaymentStore: under the payer's lock in
// the school (and the school's shared money lock, which a term settlement
// takes exclusively) it reads what the payer owes, lets fn check the
// receipt and build its posting, and writes both.
func (s *Store) RecordPayerReceipt(ctx context.Context, sc payment.Tenant, r payment.PayerReceipt, fn func(billed bool, owed decimal.Decimal) (ledger.Posting, error)) (payment.PayerReceipt, bool, error) {
	var out payment.PayerReceipt
	replayed := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if old, ok, err := payerReceiptByKey(ctx, tx, sc, r.IdempotencyKey); err != nil || ok {
			out, replayed = old, ok
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0)), pg_advisory_xact_lock(hashtextextended($2, 0))`,
			"billing/money/"+sc.DistrictID+"/"+sc.SchoolID, "billing/payer/"+sc.DistrictID+"/"+sc.SchoolID+"/"+r.PayerID); err != nil {
			return interpretError(err, "payer lock")
		}
		// A request with the same key may have committed while this one waited.
		if old, ok, err := payerReceiptByKey(ctx, tx, sc, r.IdempotencyKey); err != nil || ok {
			out, replayed = old, ok
			return err
		}
		owed, billed, err := payerOwes(ctx, tx, sc.DistrictID, sc.SchoolID, r.PayerID)
		if err != nil {
			return err
		}
		post, err := fn(billed, owed)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO billing.payer_receipts (district_id, school_id, receipt_id, payer_id, amount, received_on,
			claim_references, voucher_number, memo, idempotency_key, fingerprint)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (district_id, school_id, idempotency_key) DO NOTHING`,
			sc.DistrictID, sc.SchoolID, r.ID, r.PayerID, r.Amount, r.ReceivedOn, r.ClaimReferences, r.VoucherNumber, r.Memo,
			r.IdempotencyKey, r.Fingerprint)
		if err != nil {
			return interpretError(err, "payer receipt")
		}
		if tag.RowsAffected() == 0 {
			old, _, err := payerReceiptByKey(ctx, tx, sc, r.IdempotencyKey)
			out, replayed = old, true
			return err
		}
		r.DistrictID, r.SchoolID = sc.DistrictID, sc.SchoolID
		out = r
		return InsertPostings(ctx, tx, []ledger.Posting{post})
	})
	return out, replayed, err
}

// ListPayerReceipts implements app.PaymentStore: a payer's receipts in a
// district (one school when schoolID is set), newest first; after is a
// page key from payment.PayerReceiptPageKey.
func (s *Store) ListPayerReceipts(ctx context.Context, districtID, schoolID, payerID, after string, limit int) ([]payment.PayerReceipt, error) {
	on, school, id := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), "", ""
	if after != "" {
		var err error
		if on, school, id, err = payment.SplitPayerReceiptPageKey(after); err != nil {
			return nil, err
		}
	} else {
		school, id = "\U0010FFFF", "\U0010FFFF"
	}
	rows, err := s.db.Query(ctx, `SELECT `+payerReceiptCols+` FROM billing.payer_receipts
		WHERE district_id = $1 AND ($2 = '' OR school_id = $2) AND payer_id = $3
		AND (received_on, school_id, receipt_id) < ($4, $5, $6)
		ORDER BY received_on DESC, school_id DESC, receipt_id DESC LIMIT $7`,
		districtID, schoolID, payerID, on, school, id, limit)
	if err != nil {
		return nil, interpretError(err, "payer receipts")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (payment.PayerReceipt, error) { return scanPayerReceipt(r) })
	return out, interpretError(err, "payer receipts")
}

// PayerOwes implements app.PaymentStore.
func (s *Store) PayerOwes(ctx context.Context, districtID, schoolID, payerID string) (decimal.Decimal, error) {
	owed, _, err := payerOwes(ctx, s.db, districtID, schoolID, payerID)
	return owed, err
}
