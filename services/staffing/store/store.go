// Package store keeps staffing's records in its own PostgreSQL schema.
// Every query is scoped by district and school.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// Store is the PostgreSQL implementation of app.Store.
type Store struct {
	db *pgxpool.Pool
}

// New returns a store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{db: pool} }

// interpretError turns driver errors into domain errors for this schema.
func interpretError(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.NotFound(what + " not found")
	}
	err = pgdb.Classify(err)
	switch {
	case errors.Is(err, pgdb.ErrUniqueViolation):
		return fault.AlreadyExists(what + " already exists")
	case errors.Is(err, pgdb.ErrSerialization):
		return fmt.Errorf("%s: %w", what, fault.ErrConflict)
	}
	return fmt.Errorf("%s: %w", what, err)
}

const memberCols = `district_id, school_id, staff_id, name, kind, create_time`

func scanMember(row pgx.Row) (staff.Member, error) {
	var m staff.Member
	err := row.Scan(&m.DistrictID, &m.SchoolID, &m.ID, &m.Name, &m.Kind, &m.CreateTime)
	return m, err
}

// CreateMember inserts a staff member.
func (s *Store) CreateMember(ctx context.Context, m staff.Member) (staff.Member, error) {
	out, err := scanMember(s.db.QueryRow(ctx, `INSERT INTO staffing.staff (district_id, school_id, staff_id, name, kind)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+memberCols, m.DistrictID, m.SchoolID, m.ID, m.Name, m.Kind))
	if err != nil {
		return staff.Member{}, interpretError(err, "staff member "+m.Name)
	}
	return out, nil
}

// ListMembers reads a page of a school's staff ordered by id.
func (s *Store) ListMembers(ctx context.Context, districtID, schoolID, after string, limit int) ([]staff.Member, error) {
	rows, err := s.db.Query(ctx, `SELECT `+memberCols+` FROM staffing.staff
		WHERE district_id = $1 AND school_id = $2 AND staff_id > $3 ORDER BY staff_id LIMIT $4`,
		districtID, schoolID, after, limit)
	if err != nil {
		return nil, interpretError(err, "staff")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.Member, error) { return scanMember(r) })
	if err != nil {
		return nil, interpretError(err, "staff")
	}
	return out, nil
}
