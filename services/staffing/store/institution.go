package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// SetDistrictPolicy stores the district's cap on schools per institution.
func (s *Store) SetDistrictPolicy(ctx context.Context, districtID string, maxSchools int) error {
	_, err := s.db.Exec(ctx, `INSERT INTO staffing.district_policy (district_id, max_schools_per_institution)
		VALUES ($1, $2) ON CONFLICT (district_id) DO UPDATE SET max_schools_per_institution = $2, update_time = now()`,
		districtID, maxSchools)
	if err != nil {
		return interpretError(err, "district policy "+districtID)
	}
	return nil
}

// CreateInstitution inserts an institution with its courses in one transaction.
func (s *Store) CreateInstitution(ctx context.Context, in staff.Institution) (staff.Institution, error) {
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO staffing.institutions (district_id, institution_id, name, licence_no,
			licence_valid_from, licence_valid_until, approved) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			in.DistrictID, in.ID, in.Name, in.LicenceNo, in.ValidFrom.Time(), in.ValidUntil.Time(), in.Approved)
		if err != nil {
			return interpretError(err, "institution with licence "+in.LicenceNo)
		}
		for _, c := range in.Courses {
			if _, err := tx.Exec(ctx, `INSERT INTO staffing.institution_courses (district_id, institution_id, course_id,
				name, activity_kind, price_per_period) VALUES ($1, $2, $3, $4, $5, $6)`,
				in.DistrictID, in.ID, c.ID, c.Name, c.ActivityKind, c.PricePerPeriod); err != nil {
				return interpretError(err, "course "+c.Name)
			}
		}
		return nil
	})
	if err != nil {
		return staff.Institution{}, err
	}
	return s.GetInstitution(ctx, in.DistrictID, in.ID)
}

func (s *Store) loadInstitutions(ctx context.Context, q querier, districtID string, ids []string) ([]staff.Institution, error) {
	rows, err := q.Query(ctx, institutionsSQL, districtID, ids)
	if err != nil {
		return nil, interpretError(err, "institutions")
	}
	out, err := pgx.CollectRows(rows, scanInstitution)
	if err != nil {
		return nil, interpretError(err, "institutions")
	}
	crow, err := q.Query(ctx, coursesSQL, districtID)
	if err != nil {
		return nil, interpretError(err, "courses")
	}
	if err := addCourses(out, crow); err != nil {
		return nil, err
	}
	srow, err := q.Query(ctx, institutionSchoolsSQL, districtID)
	if err != nil {
		return nil, interpretError(err, "institution schools")
	}
	return out, addSchools(out, srow)
}

// The three reads of a district's institutions (args: district, ids or nil).
const (
	institutionsSQL = `SELECT district_id, institution_id, name, licence_no, licence_valid_from, licence_valid_until, approved, create_time
		FROM staffing.institutions WHERE district_id = $1 AND ($2::text[] IS NULL OR institution_id = ANY($2)) ORDER BY institution_id`
	coursesSQL = `SELECT institution_id, course_id, name, activity_kind, price_per_period
		FROM staffing.institution_courses WHERE district_id = $1 ORDER BY institution_id, course_id`
	institutionSchoolsSQL = `SELECT institution_id, school_id FROM staffing.institution_schools
		WHERE district_id = $1 ORDER BY institution_id, school_id`
)

func scanInstitution(r pgx.CollectableRow) (staff.Institution, error) {
	var in staff.Institution
	var from, until time.Time
	err := r.Scan(&in.DistrictID, &in.ID, &in.Name, &in.LicenceNo, &from, &until, &in.Approved, &in.CreateTime)
	in.ValidFrom, in.ValidUntil = civil.Of(from), civil.Of(until)
	return in, err
}

// addCourses attaches the rows of coursesSQL to their institutions.
func addCourses(ins []staff.Institution, rows pgx.Rows) error {
	defer rows.Close()
	idx := indexInstitutions(ins)
	for rows.Next() {
		var id string
		var c staff.Course
		if err := rows.Scan(&id, &c.ID, &c.Name, &c.ActivityKind, &c.PricePerPeriod); err != nil {
			return interpretError(err, "courses")
		}
		if in := idx[id]; in != nil {
			in.Courses = append(in.Courses, c)
		}
	}
	return rows.Err()
}

// addSchools attaches the rows of institutionSchoolsSQL to their institutions.
func addSchools(ins []staff.Institution, rows pgx.Rows) error {
	defer rows.Close()
	idx := indexInstitutions(ins)
	for rows.Next() {
		var id, school string
		if err := rows.Scan(&id, &school); err != nil {
			return interpretError(err, "institution schools")
		}
		if in := idx[id]; in != nil {
			in.SchoolIDs = append(in.SchoolIDs, school)
		}
	}
	return rows.Err()
}

func indexInstitutions(ins []staff.Institution) map[string]*staff.Institution {
	idx := make(map[string]*staff.Institution, len(ins))
	for i := range ins {
		idx[ins[i].ID] = &ins[i]
	}
	return idx
}

// GetInstitution reads one institution with its courses and schools.
func (s *Store) GetInstitution(ctx context.Context, districtID, id string) (staff.Institution, error) {
	ins, err := s.loadInstitutions(ctx, s.db, districtID, []string{id})
	if err != nil {
		return staff.Institution{}, err
	}
	if len(ins) == 0 {
		return staff.Institution{}, fault.NotFound("institution " + id + " not found")
	}
	return ins[0], nil
}

// ListInstitutions reads a district's institutions; nil ids means all.
func (s *Store) ListInstitutions(ctx context.Context, districtID string, ids []string) ([]staff.Institution, error) {
	return s.loadInstitutions(ctx, s.db, districtID, ids)
}

// AddInstitutionSchool lets an institution serve a school. The institution
// row is locked so two concurrent additions cannot both pass the cap.
func (s *Store) AddInstitutionSchool(ctx context.Context, districtID, id, schoolID string) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM staffing.institutions WHERE district_id = $1 AND institution_id = $2 FOR UPDATE`,
			districtID, id).Scan(&one); err != nil {
			return interpretError(err, "institution "+id)
		}
		var capN, n int
		var served bool
		err := tx.QueryRow(ctx, `SELECT coalesce((SELECT max_schools_per_institution FROM staffing.district_policy WHERE district_id = $1), 0),
			(SELECT count(*) FROM staffing.institution_schools WHERE district_id = $1 AND institution_id = $2),
			EXISTS (SELECT 1 FROM staffing.institution_schools WHERE district_id = $1 AND institution_id = $2 AND school_id = $3)`,
			districtID, id, schoolID).Scan(&capN, &n, &served)
		if err != nil {
			return interpretError(err, "institution "+id)
		}
		if served {
			return nil
		}
		if capN > 0 && n >= capN {
			return fault.Precondition(fmt.Sprintf("institution_school_cap: institution %s already serves %d schools, the district cap is %d", id, n, capN))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO staffing.institution_schools (district_id, school_id, institution_id) VALUES ($1, $2, $3)`,
			districtID, schoolID, id); err != nil {
			return interpretError(err, "institution school")
		}
		return nil
	})
}

// UpdateInstitution locks an institution's row, applies fn to it and writes
// the result back in one transaction: the row, the courses (replaced; a
// course keeps its id) and the schools served (replaced). When fn adds
// schools, the district cap applies to the new total.
func (s *Store) UpdateInstitution(ctx context.Context, districtID, id string, fn func(*staff.Institution) error) (staff.Institution, error) {
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM staffing.institutions WHERE district_id = $1 AND institution_id = $2 FOR UPDATE`,
			districtID, id).Scan(&one); err != nil {
			return interpretError(err, "institution "+id)
		}
		cur, err := s.loadInstitutions(ctx, tx, districtID, []string{id})
		if err != nil {
			return err
		}
		in := cur[0]
		before := slices.Clone(in.SchoolIDs)
		if err := fn(&in); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE staffing.institutions SET name = $3, licence_no = $4, licence_valid_from = $5,
			licence_valid_until = $6, approved = $7 WHERE district_id = $1 AND institution_id = $2`,
			districtID, id, in.Name, in.LicenceNo, in.ValidFrom.Time(), in.ValidUntil.Time(), in.Approved); err != nil {
			return interpretError(err, "institution with licence "+in.LicenceNo)
		}
		keep := make([]string, 0, len(in.Courses))
		for _, c := range in.Courses {
			keep = append(keep, c.ID)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM staffing.institution_courses WHERE district_id = $1 AND institution_id = $2
			AND NOT (course_id = ANY($3))`, districtID, id, keep); err != nil {
			return interpretError(err, "courses")
		}
		for _, c := range in.Courses {
			if _, err := tx.Exec(ctx, `INSERT INTO staffing.institution_courses (district_id, institution_id, course_id,
				name, activity_kind, price_per_period) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (district_id, institution_id, course_id) DO UPDATE SET name = $4, activity_kind = $5, price_per_period = $6`,
				districtID, id, c.ID, c.Name, c.ActivityKind, c.PricePerPeriod); err != nil {
				return interpretError(err, "course "+c.Name)
			}
		}
		added := false
		for _, sc := range in.SchoolIDs {
			added = added || !slices.Contains(before, sc)
		}
		if added {
			var capN int
			if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT max_schools_per_institution FROM staffing.district_policy
				WHERE district_id = $1), 0)`, districtID).Scan(&capN); err != nil {
				return interpretError(err, "district policy")
			}
			if capN > 0 && len(in.SchoolIDs) > capN {
				return fault.Precondition(fmt.Sprintf("institution_school_cap: institution %s would serve %d schools, the district cap is %d",
					id, len(in.SchoolIDs), capN))
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM staffing.institution_schools WHERE district_id = $1 AND institution_id = $2
			AND NOT (school_id = ANY($3))`, districtID, id, nonNil(in.SchoolIDs)); err != nil {
			return interpretError(err, "institution schools")
		}
		for _, sc := range in.SchoolIDs {
			if _, err := tx.Exec(ctx, `INSERT INTO staffing.institution_schools (district_id, school_id, institution_id)
				VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, districtID, sc, id); err != nil {
				return interpretError(err, "institution school")
			}
		}
		return nil
	})
	if err != nil {
		return staff.Institution{}, err
	}
	return s.GetInstitution(ctx, districtID, id)
}
