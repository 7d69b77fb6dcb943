// Package store keeps staffing's records in its own PostgreSQL schema.
// Every query is scoped by district and school.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/platform/audit"
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
	var ce *pgdb.ConstraintError
	if errors.As(err, &ce) && ce.Constraint == "assignments_no_double_booking" {
		return fault.Precondition(what + ": no_overlap: the person already holds an overlapping session")
	}
	switch {
	case errors.Is(err, pgdb.ErrUniqueViolation):
		return fault.AlreadyExists(what + " already exists")
	case errors.Is(err, pgdb.ErrForeignKeyViolation):
		return fault.NotFound("a record referenced by " + what + " does not exist")
	case errors.Is(err, pgdb.ErrSerialization):
		return fmt.Errorf("%s: %w", what, fault.ErrConflict)
	case errors.Is(err, pgdb.ErrCheckViolation):
		return fault.Precondition(what + ": " + ce.Err.Error())
	}
	return fmt.Errorf("%s: %w", what, err)
}

const memberCols = `m.district_id, m.school_id, m.staff_id, m.name, m.kind, m.create_time, m.institution_id, m.subjects,
	m.classes_taught, m.class_teacher_of, m.qualifications, m.availability, m.max_periods_per_week, m.max_days_per_week,
	m.max_periods_per_day, m.preferences, m.id_card_number, m.staff_number,
	coalesce((SELECT array_agg(p.term_id ORDER BY p.term_id) FROM staffing.term_participation p
		WHERE p.district_id = m.district_id AND p.school_id = m.school_id AND p.staff_id = m.staff_id), '{}')`

type slotJSON struct {
	Weekday int    `json:"weekday"`
	Segment string `json:"segment,omitempty"`
	Start   int    `json:"start,omitempty"`
	End     int    `json:"end,omitempty"`
}

const membersSQL = `SELECT ` + memberCols + ` FROM staffing.staff m
		WHERE m.district_id = $1 AND m.school_id = $2 AND m.staff_id > $3 ORDER BY m.staff_id LIMIT $4`

func collectMember(r pgx.CollectableRow) (staff.Member, error) { return scanMember(r) }

func scanMember(row pgx.Row) (staff.Member, error) {
	var m staff.Member
	var kind string
	var avail, prefs []byte
	err := row.Scan(&m.DistrictID, &m.SchoolID, &m.ID, &m.Name, &kind, &m.CreateTime, &m.InstitutionID, &m.Subjects,
		&m.ClassesTaught, &m.ClassTeacherOf, &m.Qualifications, &avail, &m.Limits.MaxPeriodsPerWeek, &m.Limits.MaxDaysPerWeek,
		&m.Limits.MaxPeriodsPerDay, &prefs, &m.IDCardNumber, &m.Number, &m.OptedInTerms)
	if err != nil {
		return m, err
	}
	m.Kind = staff.Kind(kind)
	return m, decodeProfile(&m, avail, prefs)
}

func profileArgs(m staff.Member) ([]byte, []byte, error) {
	slots := make([]slotJSON, len(m.Availability))
	for i, s := range m.Availability {
		slots[i] = slotJSON(s)
	}
	avail, err := json.Marshal(slots)
	if err != nil {
		return nil, nil, err
	}
	prefs, err := json.Marshal(m.Preferences)
	return avail, prefs, err
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// CreateMember inserts a staff member with their profile.
func (s *Store) CreateMember(ctx context.Context, m staff.Member) (staff.Member, error) {
	avail, prefs, err := profileArgs(m)
	if err != nil {
		return staff.Member{}, err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO staffing.staff (district_id, school_id, staff_id, name, kind, institution_id, subjects,
		classes_taught, class_teacher_of, qualifications, availability, max_periods_per_week, max_days_per_week,
		max_periods_per_day, preferences, id_card_number, staff_number)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		m.DistrictID, m.SchoolID, m.ID, m.Name, m.Kind, m.InstitutionID, nonNil(m.Subjects), nonNil(m.ClassesTaught),
		m.ClassTeacherOf, nonNil(m.Qualifications), avail, m.Limits.MaxPeriodsPerWeek, m.Limits.MaxDaysPerWeek,
		m.Limits.MaxPeriodsPerDay, prefs, m.IDCardNumber, m.Number)
	if err != nil {
		return staff.Member{}, interpretError(err, "staff member "+m.Name)
	}
	return s.GetMember(ctx, m.DistrictID, m.SchoolID, m.ID)
}

// UpdateMember replaces a member's profile (name and kind stay as given).
func (s *Store) UpdateMember(ctx context.Context, m staff.Member) (staff.Member, error) {
	avail, prefs, err := profileArgs(m)
	if err != nil {
		return staff.Member{}, err
	}
	tag, err := s.db.Exec(ctx, `UPDATE staffing.staff SET name = $4, institution_id = $5, subjects = $6, classes_taught = $7,
		class_teacher_of = $8, qualifications = $9, availability = $10, max_periods_per_week = $11, max_days_per_week = $12,
		max_periods_per_day = $13, preferences = $14, id_card_number = $15, staff_number = $16, update_time = now()
		WHERE district_id = $1 AND school_id = $2 AND staff_id = $3`,
		m.DistrictID, m.SchoolID, m.ID, m.Name, m.InstitutionID, nonNil(m.Subjects), nonNil(m.ClassesTaught),
		m.ClassTeacherOf, nonNil(m.Qualifications), avail, m.Limits.MaxPeriodsPerWeek, m.Limits.MaxDaysPerWeek,
		m.Limits.MaxPeriodsPerDay, prefs, m.IDCardNumber, m.Number)
	if err != nil {
		return staff.Member{}, interpretError(err, "staff member "+m.ID)
	}
	if tag.RowsAffected() == 0 {
		return staff.Member{}, fault.NotFound("staff member " + m.ID + " not found")
	}
	return s.GetMember(ctx, m.DistrictID, m.SchoolID, m.ID)
}

// GetMember reads one member.
func (s *Store) GetMember(ctx context.Context, districtID, schoolID, staffID string) (staff.Member, error) {
	m, err := scanMember(s.db.QueryRow(ctx, `SELECT `+memberCols+` FROM staffing.staff m
		WHERE m.district_id = $1 AND m.school_id = $2 AND m.staff_id = $3`, districtID, schoolID, staffID))
	if err != nil {
		return staff.Member{}, interpretError(err, "staff member "+staffID)
	}
	return m, nil
}

// ListMembers reads a page of a school's staff ordered by id; limit 0
// reads them all.
func (s *Store) ListMembers(ctx context.Context, districtID, schoolID, after string, limit int) ([]staff.Member, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, err := s.db.Query(ctx, membersSQL, districtID, schoolID, after, limit)
	if err != nil {
		return nil, interpretError(err, "staff")
	}
	out, err := pgx.CollectRows(rows, collectMember)
	if err != nil {
		return nil, interpretError(err, "staff")
	}
	return out, nil
}

// SetParticipation records (or removes) a member's opt-in for a term.
func (s *Store) SetParticipation(ctx context.Context, districtID, schoolID, staffID, termID string, optedIn bool) error {
	var err error
	if optedIn {
		_, err = s.db.Exec(ctx, `INSERT INTO staffing.term_participation (district_id, school_id, term_id, staff_id)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, districtID, schoolID, termID, staffID)
	} else {
		_, err = s.db.Exec(ctx, `DELETE FROM staffing.term_participation
			WHERE district_id = $1 AND school_id = $2 AND term_id = $3 AND staff_id = $4`, districtID, schoolID, termID, staffID)
	}
	if err != nil {
		return interpretError(err, "participation of "+staffID)
	}
	return nil
}

// AuditEvents reads a page of staffing.audit_log.
func (s *Store) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, string, error) {
	return audit.List(ctx, s.db, "staffing", f)
}

// Identities returns the name and ID card number of the school's staff
// with the given ids (every one of the school when ids is empty), by id.
func (s *Store) Identities(ctx context.Context, districtID, schoolID string, ids []string) ([]staff.Member, error) {
	rows, err := s.db.Query(ctx, `SELECT staff_id, name, kind, institution_id, id_card_number FROM staffing.staff
		WHERE district_id = $1 AND school_id = $2 AND (cardinality($3::text[]) = 0 OR staff_id = ANY($3))
		ORDER BY staff_id`, districtID, schoolID, nonNil(ids))
	if err != nil {
		return nil, interpretError(err, "staff identities")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.Member, error) {
		m := staff.Member{DistrictID: districtID, SchoolID: schoolID}
		err := r.Scan(&m.ID, &m.Name, &m.Kind, &m.InstitutionID, &m.IDCardNumber)
		return m, err
	})
	if err != nil {
		return nil, interpretError(err, "staff identities")
	}
	return out, nil
}
