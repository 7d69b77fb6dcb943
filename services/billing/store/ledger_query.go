package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/payment"
	"github.com/shopspring/decimal"
)

// AccountBalances implements app.PaymentStore: each account's debits and
// credits over the postings effective on or before asOf, so a balance at
// any past date is reconstructed from the append-only ledger.
func (s *Store) AccountBalances(ctx context.Context, sc payment.Tenant, asOf time.Time, prefix, after string, limit int) ([]ledger.AccountBalance, error) {
	lim := any(nil)
	if limit > 0 {
		lim = limit
	}
	rows, err := s.db.Query(ctx, `SELECT e.account,
			coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0),
			coalesce(-sum(e.amount) FILTER (WHERE e.amount < 0), 0)
		FROM billing.entries e
		JOIN billing.postings p USING (district_id, school_id, posting_id)
		WHERE e.district_id = $1 AND e.school_id = $2 AND p.effective_date <= $3
			AND starts_with(e.account, $4) AND e.account > $5
		GROUP BY e.account ORDER BY e.account LIMIT $6`, sc.DistrictID, sc.SchoolID, asOf, prefix, after, lim)
	if err != nil {
		return nil, interpretError(err, "ledger balances")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ledger.AccountBalance, error) {
		var a ledger.AccountBalance
		err := r.Scan(&a.Account, &a.Debits, &a.Credits)
		return a, err
	})
	return out, interpretError(err, "ledger balances")
}

// TrialBalance implements app.PaymentStore: debits and credits by account
// class at asOf, the number of postings and of unbalanced ones.
func (s *Store) TrialBalance(ctx context.Context, sc payment.Tenant, asOf time.Time) (ledger.TrialBalance, error) {
	tb := ledger.TrialBalance{Debits: decimal.Zero, Credits: decimal.Zero}
	rows, err := s.db.Query(ctx, `SELECT split_part(e.account, ':', 1),
			coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0),
			coalesce(-sum(e.amount) FILTER (WHERE e.amount < 0), 0)
		FROM billing.entries e
		JOIN billing.postings p USING (district_id, school_id, posting_id)
		WHERE e.district_id = $1 AND e.school_id = $2 AND p.effective_date <= $3
		GROUP BY 1 ORDER BY 1`, sc.DistrictID, sc.SchoolID, asOf)
	if err != nil {
		return tb, interpretError(err, "trial balance")
	}
	tb.Classes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ledger.AccountBalance, error) {
		var a ledger.AccountBalance
		err := r.Scan(&a.Account, &a.Debits, &a.Credits)
		return a, err
	})
	if err != nil {
		return tb, interpretError(err, "trial balance")
	}
	for _, c := range tb.Classes {
		tb.Debits, tb.Credits = tb.Debits.Add(c.Debits), tb.Credits.Add(c.Credits)
	}
	err = s.db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE s <> 0) FROM (
			SELECT coalesce(sum(e.amount), 0) AS s FROM billing.postings p
			LEFT JOIN billing.entries e USING (district_id, school_id, posting_id)
			WHERE p.district_id = $1 AND p.school_id = $2 AND p.effective_date <= $3
			GROUP BY p.posting_id) x`, sc.DistrictID, sc.SchoolID, asOf).Scan(&tb.Postings, &tb.Unbalanced)
	return tb, interpretError(err, "trial balance")
}

// Querier is what CheckLedger reads through: a pool, a connection or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// CheckLedger verifies the whole ledger of a database: every posting's
// entries sum to zero and, so, all debits equal all credits. Tests of
// both billing helpers call it (through ledgertest.AssertBalanced) after
// each test; it returns an error describing the first imbalance.
func CheckLedger(ctx context.Context, db Querier) error {
	var debits, credits decimal.Decimal
	var unbalanced int64
	var first string
	err := db.QueryRow(ctx, `SELECT
			coalesce((SELECT sum(amount) FROM billing.entries WHERE amount > 0), 0),
			coalesce((SELECT -sum(amount) FROM billing.entries WHERE amount < 0), 0),
			(SELECT count(*) FROM (SELECT 1 FROM billing.postings p LEFT JOIN billing.entries e USING (district_id, school_id, posting_id)
				GROUP BY p.district_id, p.school_id, p.posting_id HAVING coalesce(sum(e.amount), 0) <> 0) x),
			coalesce((SELECT min(p.school_id || '/' || p.posting_id) FROM billing.postings p WHERE NOT EXISTS (
				SELECT 1 FROM billing.entries e WHERE (e.district_id, e.school_id, e.posting_id) = (p.district_id, p.school_id, p.posting_id)
				HAVING sum(e.amount) = 0)), '')`).Scan(&debits, &credits, &unbalanced, &first)
	if err != nil {
		return fmt.Errorf("check ledger: %w", err)
	}
	if unbalanced > 0 || !debits.Equal(credits) {
		return fmt.Errorf("ledger out of balance: debits %s, credits %s, %d unbalanced postings (first %s)",
			debits.StringFixed(2), credits.StringFixed(2), unbalanced, first)
	}
	return nil
}
