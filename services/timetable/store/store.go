// Package store keeps timetable's facts in its own PostgreSQL schema.
// Every query names its tenant (district, and school where it applies).
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/timetable/domain/org"
)

// Store is the PostgreSQL implementation of app.Store.
type Store struct {
	db *pgxpool.Pool
}

// New returns a store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{db: pool} }

// interpretError is the one place that turns driver errors into domain
// errors for this schema.
func interpretError(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.NotFound(what + " not found")
	}
	err = pgdb.Classify(err)
	var ce *pgdb.ConstraintError
	if errors.As(err, &ce) {
		switch {
		case errors.Is(err, pgdb.ErrUniqueViolation):
			return fault.AlreadyExists(what + " already exists")
		case errors.Is(err, pgdb.ErrForeignKeyViolation):
			return fault.NotFound("a referenced record of " + what + " does not exist")
		case errors.Is(err, pgdb.ErrSerialization):
			return fmt.Errorf("%s: %w", what, fault.ErrConflict)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

const districtCols = `district_id, name, off_work_minute, min_minutes_per_day, service_days_per_week,
	period_minutes_primary, period_minutes_junior_middle, max_periods_per_day,
	evening_care_end_minute, evening_study_end_minute, outside_share_cap_percent,
	students_per_adult, create_time, update_time`

func scanDistrict(row pgx.Row) (org.District, error) {
	var d org.District
	var care, study *int
	err := row.Scan(districtDest(&d, &care, &study)...)
	endings(&d, care, study)
	return d, err
}

// districtDest is where a row of districtCols scans to.
func districtDest(d *org.District, care, study **int) []any {
	return []any{&d.ID, &d.Name, &d.Policy.OffWork, &d.Policy.MinMinutesPerDay, &d.Policy.ServiceDaysPerWeek,
		&d.Policy.PeriodMinutesPrimary, &d.Policy.PeriodMinutesJuniorMiddle, &d.Policy.MaxPeriodsPerDay,
		care, study, &d.Policy.OutsideShareCapPercent, &d.Policy.StudentsPerAdult, &d.CreateTime, &d.UpdateTime}
}

// endings sets the optional evening end times scanned as minutes.
func endings(d *org.District, care, study *int) {
	if care != nil {
		m := org.Minute(*care)
		d.Policy.EveningCareEnd = &m
	}
	if study != nil {
		m := org.Minute(*study)
		d.Policy.EveningStudyEnd = &m
	}
}

func minutePtr(m *org.Minute) *int {
	if m == nil {
		return nil
	}
	v := int(*m)
	return &v
}

// CreateDistrict inserts a district.
func (s *Store) CreateDistrict(ctx context.Context, d org.District) (org.District, error) {
	p := d.Policy
	row := s.db.QueryRow(ctx, `INSERT INTO timetable.districts (district_id, name, off_work_minute,
		min_minutes_per_day, service_days_per_week, period_minutes_primary, period_minutes_junior_middle,
		max_periods_per_day, evening_care_end_minute, evening_study_end_minute, outside_share_cap_percent,
		students_per_adult) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING `+districtCols,
		d.ID, d.Name, p.OffWork, p.MinMinutesPerDay, p.ServiceDaysPerWeek, p.PeriodMinutesPrimary,
		p.PeriodMinutesJuniorMiddle, p.MaxPeriodsPerDay, minutePtr(p.EveningCareEnd), minutePtr(p.EveningStudyEnd),
		p.OutsideShareCapPercent, p.StudentsPerAdult)
	out, err := scanDistrict(row)
	if err != nil {
		return org.District{}, interpretError(err, "district "+d.ID)
	}
	return out, nil
}

// GetDistrict reads one district.
func (s *Store) GetDistrict(ctx context.Context, id string) (org.District, error) {
	d, err := scanDistrict(s.db.QueryRow(ctx, `SELECT `+districtCols+` FROM timetable.districts WHERE district_id = $1`, id))
	if err != nil {
		return org.District{}, interpretError(err, "district "+id)
	}
	return d, nil
}

// ListDistricts reads a page of districts ordered by id.
func (s *Store) ListDistricts(ctx context.Context, after string, limit int) ([]org.District, error) {
	rows, err := s.db.Query(ctx, `SELECT `+districtCols+` FROM timetable.districts
		WHERE district_id > $1 ORDER BY district_id LIMIT $2`, after, limit)
	if err != nil {
		return nil, interpretError(err, "districts")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.District, error) { return scanDistrict(r) })
	if err != nil {
		return nil, interpretError(err, "districts")
	}
	return out, nil
}

// UpdateDistrict locks a district's row, applies fn and writes it back.
func (s *Store) UpdateDistrict(ctx context.Context, id string, fn func(*org.District) error) (org.District, error) {
	var out org.District
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		d, err := scanDistrict(tx.QueryRow(ctx, `SELECT `+districtCols+` FROM timetable.districts WHERE district_id = $1 FOR UPDATE`, id))
		if err != nil {
			return interpretError(err, "district "+id)
		}
		if err := fn(&d); err != nil {
			return err
		}
		p := d.Policy
		out, err = scanDistrict(tx.QueryRow(ctx, `UPDATE timetable.districts SET name = $2, off_work_minute = $3,
			min_minutes_per_day = $4, service_days_per_week = $5, period_minutes_primary = $6,
			period_minutes_junior_middle = $7, max_periods_per_day = $8, evening_care_end_minute = $9,
			evening_study_end_minute = $10, outside_share_cap_percent = $11, students_per_adult = $12,
			update_time = now() WHERE district_id = $1 RETURNING `+districtCols,
			id, d.Name, p.OffWork, p.MinMinutesPerDay, p.ServiceDaysPerWeek, p.PeriodMinutesPrimary,
			p.PeriodMinutesJuniorMiddle, p.MaxPeriodsPerDay, minutePtr(p.EveningCareEnd), minutePtr(p.EveningStudyEnd),
			p.OutsideShareCapPercent, p.StudentsPerAdult))
		if err != nil {
			return interpretError(err, "district "+id)
		}
		return nil
	})
	return out, err
}

const schoolCols = `district_id, school_id, name, stage, category, create_time, update_time`

func scanSchool(row pgx.Row) (org.School, error) {
	var s org.School
	err := row.Scan(schoolDest(&s)...)
	return s, err
}

// schoolDest is where a row of schoolCols scans to.
func schoolDest(s *org.School) []any {
	return []any{&s.DistrictID, &s.ID, &s.Name, &s.Stage, &s.Category, &s.CreateTime, &s.UpdateTime}
}

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// schoolAndDistrictSQL reads a school with its district in one query (a
// school-scoped call needs both: the scope and the district's policy).
var schoolAndDistrictSQL = `SELECT ` + prefixed("s", schoolCols) + `, ` + prefixed("d", districtCols) + `
	FROM timetable.school_directory sd
	JOIN timetable.schools s ON s.district_id = sd.district_id AND s.school_id = sd.school_id
	JOIN timetable.districts d ON d.district_id = sd.district_id
	WHERE sd.school_id = $1`

// SchoolAndDistrict reads a school and its district in one round trip.
func (s *Store) SchoolAndDistrict(ctx context.Context, schoolID string) (org.School, org.District, error) {
	var sc org.School
	var d org.District
	var care, study *int
	err := s.db.QueryRow(ctx, schoolAndDistrictSQL, schoolID).Scan(append(schoolDest(&sc), districtDest(&d, &care, &study)...)...)
	if err != nil {
		return org.School{}, org.District{}, interpretError(err, "school "+schoolID)
	}
	endings(&d, care, study)
	return sc, d, nil
}

// CreateSchool inserts a school and its directory row in one transaction.
func (s *Store) CreateSchool(ctx context.Context, sc org.School) (org.School, error) {
	var out org.School
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		out, err = scanSchool(tx.QueryRow(ctx, `INSERT INTO timetable.schools (district_id, school_id, name, stage, category)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+schoolCols, sc.DistrictID, sc.ID, sc.Name, sc.Stage, sc.Category))
		if err != nil {
			err = interpretError(err, "school "+sc.Name)
			if errors.Is(err, fault.ErrNotFound) {
				return fault.NotFound("district " + sc.DistrictID + " not found")
			}
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO timetable.school_directory (school_id, district_id) VALUES ($1, $2)`, sc.ID, sc.DistrictID)
		return interpretIfErr(err, "school directory")
	})
	return out, err
}

func interpretIfErr(err error, what string) error {
	if err == nil {
		return nil
	}
	return interpretError(err, what)
}

// GetSchool resolves the school's district from the directory, then reads
// the school scoped by both keys.
func (s *Store) GetSchool(ctx context.Context, schoolID string) (org.School, error) {
	sc, err := scanSchool(s.db.QueryRow(ctx, `SELECT `+schoolCols+` FROM timetable.schools
		WHERE district_id = (SELECT district_id FROM timetable.school_directory WHERE school_id = $1)
		AND school_id = $1`, schoolID))
	if err != nil {
		return org.School{}, interpretError(err, "school "+schoolID)
	}
	return sc, nil
}

// ListSchools reads a page of a district's schools ordered by id.
func (s *Store) ListSchools(ctx context.Context, districtID, after string, limit int) ([]org.School, error) {
	rows, err := s.db.Query(ctx, `SELECT `+schoolCols+` FROM timetable.schools
		WHERE district_id = $1 AND school_id > $2 ORDER BY school_id LIMIT $3`, districtID, after, limit)
	if err != nil {
		return nil, interpretError(err, "schools")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (org.School, error) { return scanSchool(r) })
	if err != nil {
		return nil, interpretError(err, "schools")
	}
	return out, nil
}

// UpdateSchool locks a school's row, applies fn and writes it back.
func (s *Store) UpdateSchool(ctx context.Context, districtID, schoolID string, fn func(*org.School) error) (org.School, error) {
	var out org.School
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		sc, err := scanSchool(tx.QueryRow(ctx, `SELECT `+schoolCols+` FROM timetable.schools
			WHERE district_id = $1 AND school_id = $2 FOR UPDATE`, districtID, schoolID))
		if err != nil {
			return interpretError(err, "school "+schoolID)
		}
		if err := fn(&sc); err != nil {
			return err
		}
		out, err = scanSchool(tx.QueryRow(ctx, `UPDATE timetable.schools SET name = $3, stage = $4, category = $5, update_time = now()
			WHERE district_id = $1 AND school_id = $2 RETURNING `+schoolCols, districtID, schoolID, sc.Name, sc.Stage, sc.Category))
		return interpretIfErr(err, "school "+sc.Name)
	})
	return out, err
}

// SchoolDistrict returns the district of a school from the directory; the
// authorization check of every call naming a school asks it.
func (s *Store) SchoolDistrict(ctx context.Context, schoolID string) (string, error) {
	var d string
	if err := s.db.QueryRow(ctx, `SELECT district_id FROM timetable.school_directory WHERE school_id = $1`, schoolID).Scan(&d); err != nil {
		return "", interpretError(err, "school "+schoolID)
	}
	return d, nil
}

// AuditEvents reads a page of timetable.audit_log.
func (s *Store) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, string, error) {
	return audit.List(ctx, s.db, "timetable", f)
}
