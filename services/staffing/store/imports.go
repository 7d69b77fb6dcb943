package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// ImportJobs implements the app's Store: the jobs in staffing.import_jobs.
func (s *Store) ImportJobs() *importjob.Store { return importjob.NewStore(s.db, "staffing") }

// MergeMembers implements the app's Store: an import's new people (no id
// yet: a fresh one each) and changed ones (by id), in one transaction.
func (s *Store) MergeMembers(ctx context.Context, ms []staff.Member) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, m := range ms {
			avail, prefs, err := profileArgs(m)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO staffing.staff (district_id, school_id, staff_id, name, kind, institution_id, subjects,
				classes_taught, class_teacher_of, qualifications, availability, max_periods_per_week, max_days_per_week,
				max_periods_per_day, preferences, staff_number)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
				ON CONFLICT (district_id, school_id, staff_id) DO UPDATE
				SET name = excluded.name, institution_id = excluded.institution_id, subjects = excluded.subjects,
					qualifications = excluded.qualifications, availability = excluded.availability,
					staff_number = excluded.staff_number, update_time = now()`,
				m.DistrictID, m.SchoolID, m.ID, m.Name, m.Kind, m.InstitutionID, nonNil(m.Subjects), nonNil(m.ClassesTaught),
				m.ClassTeacherOf, nonNil(m.Qualifications), avail, m.Limits.MaxPeriodsPerWeek, m.Limits.MaxDaysPerWeek,
				m.Limits.MaxPeriodsPerDay, prefs, m.Number)
			if err != nil {
				return interpretError(err, "staff member "+m.Number)
			}
		}
		return nil
	})
}

// DistrictSchoolCap implements the app's Store.
func (s *Store) DistrictSchoolCap(ctx context.Context, districtID string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT coalesce((SELECT max_schools_per_institution FROM staffing.district_policy
		WHERE district_id = $1), 0)`, districtID).Scan(&n)
	if err != nil {
		return 0, interpretError(err, "district policy")
	}
	return n, nil
}

// MergeInstitutions implements the app's Store: each institution's row
// (new ones inserted, without courses) and the schools it serves
// (replaced), in one transaction.
func (s *Store) MergeInstitutions(ctx context.Context, districtID string, ins []staff.Institution) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, in := range ins {
			if _, err := tx.Exec(ctx, `INSERT INTO staffing.institutions (district_id, institution_id, name, licence_no,
				licence_valid_from, licence_valid_until, approved) VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (district_id, institution_id) DO UPDATE SET name = excluded.name, licence_no = excluded.licence_no,
					licence_valid_from = excluded.licence_valid_from, licence_valid_until = excluded.licence_valid_until,
					approved = excluded.approved`,
				districtID, in.ID, in.Name, in.LicenceNo, in.ValidFrom.Time(), in.ValidUntil.Time(), in.Approved); err != nil {
				return interpretError(err, "institution with licence "+in.LicenceNo)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM staffing.institution_schools WHERE district_id = $1 AND institution_id = $2
				AND NOT (school_id = ANY($3))`, districtID, in.ID, nonNil(in.SchoolIDs)); err != nil {
				return interpretError(err, "institution schools")
			}
			for _, sc := range in.SchoolIDs {
				if _, err := tx.Exec(ctx, `INSERT INTO staffing.institution_schools (district_id, school_id, institution_id)
					VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, districtID, sc, in.ID); err != nil {
					return interpretError(err, "institution school")
				}
			}
		}
		return nil
	})
}
