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
