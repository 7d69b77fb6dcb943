package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/platform/pgdb"
)

// CreateRateTable stores t as the next version of its id. The scope's
// advisory lock serialises concurrent creates, so the overlap check
// (pay.CheckOverlap) sees every committed version of the scope.
func (s *Store) CreateRateTable(ctx context.Context, t pay.RateTable) (pay.RateTable, error) {
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		t, err = createRateTable(ctx, tx, t)
		return err
	})
	if err != nil {
		return pay.RateTable{}, err
	}
	return t, nil
}

// MergeRateTables stores each of ts as CreateRateTable does, all in one
// transaction, like MergeSchedules.
func (s *Store) MergeRateTables(ctx context.Context, ts []pay.RateTable, commit func(errs []error) bool) ([]pay.RateTable, error) {
	out := make([]pay.RateTable, len(ts))
	errs := make([]error, len(ts))
	order := make([]int, len(ts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ts[order[a]].Scope.SchoolID < ts[order[b]].Scope.SchoolID })
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, i := range order {
			stored, err := createRateTable(ctx, tx, ts[i])
			if err != nil && !refusal(err) {
				return err
			}
			out[i], errs[i] = stored, err
		}
		if !commit(errs) {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// createRateTable is CreateRateTable on tx; an overlap is a fault.ErrInvalid
// error and leaves tx usable.
func createRateTable(ctx context.Context, tx pgx.Tx, t pay.RateTable) (pay.RateTable, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('billing.rate_tables:' || $1 || ':' || $2, 0))`,
		t.Scope.DistrictID, t.Scope.SchoolID); err != nil {
		return t, fmt.Errorf("lock rate table scope: %w", err)
	}
	existing, err := queryRateTables(ctx, tx, `SELECT body FROM billing.rate_tables WHERE district_id = $1 AND school_id = $2`,
		t.Scope.DistrictID, t.Scope.SchoolID)
	if err != nil {
		return t, err
	}
	next := 1
	for _, e := range existing {
		if e.ID == t.ID && e.Version >= next {
			next = e.Version + 1
		}
	}
	t.Version = next
	if err := pay.CheckOverlap(existing, t); err != nil {
		return t, err
	}
	body, err := json.Marshal(t)
	if err != nil {
		return t, fmt.Errorf("encode rate table: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO billing.rate_tables
		(district_id, school_id, rate_table_id, version, document_no, effective_from, effective_to, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.Scope.DistrictID, t.Scope.SchoolID, t.ID, t.Version, t.DocumentNo, dateArg(t.EffectiveFrom), dateArg(t.EffectiveTo), body)
	return t, interpretError(err, "rate table "+t.ID)
}

func queryRateTables(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, sql string, args ...any) ([]pay.RateTable, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query rate tables: %w", err)
	}
	defer rows.Close()
	var out []pay.RateTable
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var t pay.RateTable
		if err := json.Unmarshal(body, &t); err != nil {
			return nil, fmt.Errorf("decode rate table: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetRateTable returns a version of a rate table (0: the latest).
func (s *Store) GetRateTable(ctx context.Context, districtID, tableID string, version int) (pay.RateTable, error) {
	out, err := queryRateTables(ctx, s.db, `SELECT body FROM billing.rate_tables
		WHERE district_id = $1 AND rate_table_id = $2 AND ($3 = 0 OR version = $3)
		ORDER BY version DESC LIMIT 1`, districtID, tableID, version)
	if err != nil {
		return pay.RateTable{}, err
	}
	if len(out) == 0 {
		return pay.RateTable{}, interpretError(pgx.ErrNoRows, "rate table "+tableID)
	}
	return out[0], nil
}

// ListRateTables returns the rate-table versions of a district by scope, id
// and version; with schoolID, only the school's own and the district's.
func (s *Store) ListRateTables(ctx context.Context, districtID, schoolID string) ([]pay.RateTable, error) {
	return queryRateTables(ctx, s.db, `SELECT body FROM billing.rate_tables
		WHERE district_id = $1 AND ($2 = '' OR school_id = $2 OR school_id = '')
		ORDER BY school_id, rate_table_id, version`, districtID, schoolID)
}
