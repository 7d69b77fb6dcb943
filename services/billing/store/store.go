// Package store keeps billing's records (ledger, and later fee schedules,
// runs and statements) in its own PostgreSQL schema. Every query is scoped
// by district and school.
package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/platform/audit"
)

// Store is the PostgreSQL implementation of app.Store.
type Store struct {
	db *pgxpool.Pool
}

// New returns a store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{db: pool} }

// Receivable accounts are debited when charging and credited when cash
// arrives; their debit side is "charged", their credit side "received".
const receivablePrefix = "receivable:"

// SchoolTotals sums the receivable entries of a school's ledger.
func (s *Store) SchoolTotals(ctx context.Context, districtID, schoolID string) (ledger.Totals, error) {
	var t ledger.Totals
	err := s.db.QueryRow(ctx, `SELECT
			coalesce(sum(amount) FILTER (WHERE amount > 0), 0),
			coalesce(-sum(amount) FILTER (WHERE amount < 0), 0)
		FROM billing.entries
		WHERE district_id = $1 AND school_id = $2 AND starts_with(account, $3)`,
		districtID, schoolID, receivablePrefix).Scan(&t.Charged, &t.Received)
	if err != nil {
		return ledger.Totals{}, fmt.Errorf("school totals %s: %w", schoolID, err)
	}
	return t, nil
}

// AuditEvents reads a page of billing.audit_log.
func (s *Store) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, string, error) {
	return audit.List(ctx, s.db, "billing", f)
}
