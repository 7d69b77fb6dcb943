package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/shopspring/decimal"
)

// dateArg converts a fee date to a SQL date argument (nil for the zero date).
func dateArg(d civil.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.Time()
}

// feeDate converts a scanned date.
func feeDate(t *time.Time) civil.Date {
	if t == nil {
		return civil.Date{}
	}
	return civil.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// CreateSchedule stores s as the next version of its id. The scope's
// advisory lock serialises concurrent creates, so the overlap check
// (fee.CheckOverlap) sees every committed version of the scope; the
// district's ceiling lock (shared here, exclusive in CreateCeiling) makes the
// ceiling check (fee.CheckCeilings, for a school of schoolCategory) see every
// committed ceiling.
func (s *Store) CreateSchedule(ctx context.Context, sc fee.Schedule, schoolCategory string) (fee.Schedule, error) {
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		sc, err = createSchedule(ctx, tx, sc, schoolCategory)
		return err
	})
	if err != nil {
		return fee.Schedule{}, err
	}
	return sc, nil
}

// MergeSchedules stores each of ss as CreateSchedule does, all in one
// transaction (in scope order, so two merges take the scope locks in the
// same order): a schedule the checks refuse is reported in errs and the
// rest go on, so one dry run names every refusal. It commits only when
// commit(errs) says so.
func (s *Store) MergeSchedules(ctx context.Context, ss []fee.Schedule, categories []string, commit func(errs []error) bool) ([]fee.Schedule, error) {
	out := make([]fee.Schedule, len(ss))
	errs := make([]error, len(ss))
	order := make([]int, len(ss))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ss[order[a]].Scope.SchoolID < ss[order[b]].Scope.SchoolID })
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, i := range order {
			stored, err := createSchedule(ctx, tx, ss[i], categories[i])
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

// refusal tells a check's refusal (an overlap, a ceiling: a field
// violation) from a failure.
func refusal(err error) bool {
	var ve *fault.ValidationError
	return errors.As(err, &ve)
}

// errRollback ends a merge's transaction without writing: a dry run, or a
// file with refused rows.
var errRollback = errors.New("rolled back")

// createSchedule is CreateSchedule on tx. A refusal (overlap, ceiling) is
// a fault.ErrInvalid error and leaves tx usable.
func createSchedule(ctx context.Context, tx pgx.Tx, sc fee.Schedule, schoolCategory string) (fee.Schedule, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('billing.schedules:' || $1 || ':' || $2, 0))`,
		sc.Scope.DistrictID, sc.Scope.SchoolID); err != nil {
		return sc, fmt.Errorf("lock schedule scope: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(hashtextextended('billing.price_ceilings:' || $1, 0))`,
		sc.Scope.DistrictID); err != nil {
		return sc, fmt.Errorf("lock ceilings: %w", err)
	}
	ceilings, err := listCeilings(ctx, tx, sc.Scope.DistrictID)
	if err != nil {
		return sc, err
	}
	if err := fee.CheckCeilings(sc, schoolCategory, ceilings); err != nil {
		return sc, err
	}
	existing, err := querySchedules(ctx, tx, `SELECT body FROM billing.schedules WHERE district_id = $1 AND school_id = $2`,
		sc.Scope.DistrictID, sc.Scope.SchoolID)
	if err != nil {
		return sc, err
	}
	next := 1
	for _, e := range existing {
		if e.ID == sc.ID && e.Version >= next {
			next = e.Version + 1
		}
	}
	sc.Version = next
	if err := fee.CheckOverlap(existing, sc); err != nil {
		return sc, err
	}
	body, err := json.Marshal(sc)
	if err != nil {
		return sc, fmt.Errorf("encode schedule: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO billing.schedules
		(district_id, school_id, schedule_id, version, document_no, effective_from, effective_to, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		sc.Scope.DistrictID, sc.Scope.SchoolID, sc.ID, sc.Version, sc.DocumentNo, dateArg(sc.EffectiveFrom), dateArg(sc.EffectiveTo), body)
	return sc, interpretError(err, "fee schedule "+sc.ID)
}

func querySchedules(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, sql string, args ...any) ([]fee.Schedule, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query schedules: %w", err)
	}
	defer rows.Close()
	var out []fee.Schedule
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var sc fee.Schedule
		if err := json.Unmarshal(body, &sc); err != nil {
			return nil, fmt.Errorf("decode schedule: %w", err)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// GetSchedule returns a version of a schedule (0: the latest).
func (s *Store) GetSchedule(ctx context.Context, districtID, scheduleID string, version int) (fee.Schedule, error) {
	out, err := querySchedules(ctx, s.db, `SELECT body FROM billing.schedules
		WHERE district_id = $1 AND schedule_id = $2 AND ($3 = 0 OR version = $3)
		ORDER BY version DESC LIMIT 1`, districtID, scheduleID, version)
	if err != nil {
		return fee.Schedule{}, err
	}
	if len(out) == 0 {
		return fee.Schedule{}, interpretError(pgx.ErrNoRows, "fee schedule "+scheduleID)
	}
	return out[0], nil
}

// ListSchedules returns schedule versions of a district by scope, id and version.
func (s *Store) ListSchedules(ctx context.Context, districtID, schoolID string, forSchool bool) ([]fee.Schedule, error) {
	return querySchedules(ctx, s.db, `SELECT body FROM billing.schedules
		WHERE district_id = $1 AND ($2 = '' OR school_id = $2 OR ($3 AND school_id = ''))
		ORDER BY school_id, schedule_id, version`, districtID, schoolID, forSchool)
}

// CreateCeiling stores a district's price ceiling; an existing id is AlreadyExists.
func (s *Store) CreateCeiling(ctx context.Context, c fee.PriceCeiling) (fee.PriceCeiling, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return fee.PriceCeiling{}, fmt.Errorf("encode ceiling: %w", err)
	}
	err = pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('billing.price_ceilings:' || $1, 0))`, c.DistrictID); err != nil {
			return fmt.Errorf("lock ceilings: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO billing.price_ceilings
			(district_id, ceiling_id, document_no, school_category, effective_from, effective_to, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			c.DistrictID, c.ID, c.DocumentNo, c.SchoolCategory, dateArg(c.EffectiveFrom), dateArg(c.EffectiveTo), body)
		return interpretError(err, "price ceiling "+c.ID)
	})
	if err != nil {
		return fee.PriceCeiling{}, err
	}
	return c, nil
}

// ListCeilings returns a district's price ceilings by id.
func (s *Store) ListCeilings(ctx context.Context, districtID string) ([]fee.PriceCeiling, error) {
	return listCeilings(ctx, s.db, districtID)
}

func listCeilings(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, districtID string) ([]fee.PriceCeiling, error) {
	rows, err := q.Query(ctx, `SELECT body FROM billing.price_ceilings WHERE district_id = $1 ORDER BY ceiling_id`, districtID)
	if err != nil {
		return nil, fmt.Errorf("query ceilings: %w", err)
	}
	defer rows.Close()
	var out []fee.PriceCeiling
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var c fee.PriceCeiling
		if err := json.Unmarshal(body, &c); err != nil {
			return nil, fmt.Errorf("decode ceiling: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PutCostSheet stores or replaces a school's cost sheet for a term.
func (s *Store) PutCostSheet(ctx context.Context, districtID string, c fee.CostSheet, perPeriod decimal.Decimal) error {
	body, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode cost sheet: %w", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO billing.cost_sheets (district_id, school_id, term_id, body, cost_per_student_period)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (district_id, school_id, term_id) DO UPDATE
		SET body = excluded.body, cost_per_student_period = excluded.cost_per_student_period, update_time = now()`,
		districtID, c.SchoolID, c.TermID, body, perPeriod)
	return interpretError(err, "cost sheet")
}

// CostSheet returns a school's cost sheet for a term, or nil.
func (s *Store) CostSheet(ctx context.Context, districtID, schoolID, termID string) (*fee.CostSheet, error) {
	var body []byte
	err := s.db.QueryRow(ctx, `SELECT body FROM billing.cost_sheets WHERE district_id = $1 AND school_id = $2 AND term_id = $3`,
		districtID, schoolID, termID).Scan(&body)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cost sheet: %w", err)
	}
	var c fee.CostSheet
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("decode cost sheet: %w", err)
	}
	return &c, nil
}
