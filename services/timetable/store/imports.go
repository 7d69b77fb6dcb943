package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// studentSource adapts a feed to pgx's COPY: rows are pulled from the
// file as COPY sends them, so a roster is never held whole.
type studentSource struct {
	feed school.StudentFeed
	vals []any
	err  error
}

func (s *studentSource) Next() bool {
	if !s.feed.Next() {
		return false
	}
	row, st := s.feed.Student()
	g, err := json.Marshal(st.Guardians)
	if err != nil {
		s.err = err
		return false
	}
	s.vals = []any{int32(row), st.Number, st.ClassID, st.Name, g, string(st.Hardship), st.Verified, birthDate(st.BirthDate)}
	return true
}

func (s *studentSource) Values() ([]any, error) { return s.vals, nil }
func (s *studentSource) Err() error             { return s.err }

// importCompare lists the columns an import writes, as "old IS DISTINCT
// FROM new" over the student and the incoming row.
const importDiffers = `(s.class_id, s.name, s.guardians, s.hardship_category, s.hardship_verified, s.birth_date)
	IS DISTINCT FROM (i.class_id, i.name, i.guardians, i.hardship, i.verified, i.birth_date)`

// MergeStudents implements the app's ImportStore: COPY into a temporary table,
// find duplicates and differences with SQL, then (when apply says so)
// update the changed students and insert the new ones, all in one
// transaction; otherwise roll back, leaving nothing.
func (s *Store) MergeStudents(ctx context.Context, sc school.Scope, feed school.StudentFeed, apply func([]school.Duplicate) bool) (school.StudentMerge, error) {
	var m school.StudentMerge
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return m, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit a no-op
	if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE import_students (
		line integer NOT NULL, student_number text NOT NULL, class_id text NOT NULL, name text NOT NULL,
		guardians jsonb NOT NULL, hardship text NOT NULL, verified boolean NOT NULL, birth_date date
	) ON COMMIT DROP`); err != nil {
		return m, interpretError(err, "import")
	}
	src := &studentSource{feed: feed}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_students"},
		[]string{"line", "student_number", "class_id", "name", "guardians", "hardship", "verified", "birth_date"}, src); err != nil {
		return m, interpretError(err, "import")
	}
	if src.err != nil {
		return m, src.err
	}
	if _, err := tx.Exec(ctx, `CREATE INDEX ON import_students (student_number); ANALYZE import_students`); err != nil {
		return m, interpretError(err, "import")
	}
	rows, err := tx.Query(ctx, `SELECT line, student_number, first FROM (
			SELECT line, student_number, min(line) OVER (PARTITION BY student_number) AS first FROM import_students) d
		WHERE line <> first ORDER BY line`)
	if err != nil {
		return m, interpretError(err, "import")
	}
	dups, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Duplicate, error) {
		var d school.Duplicate
		var line, first int32
		err := r.Scan(&line, &d.Number, &first)
		d.Row, d.FirstRow = int(line), int(first)
		return d, err
	})
	if err != nil {
		return m, interpretError(err, "import")
	}
	// Only the first row of a 学籍号 counts; later ones are reported above.
	var total int
	if err := tx.QueryRow(ctx, `SELECT count(DISTINCT student_number) FROM import_students`).Scan(&total); err != nil {
		return m, interpretError(err, "import")
	}
	rows, err = tx.Query(ctx, `SELECT i.line, s.student_id IS NULL, `+prefixed("s", studentCols)+`, i.student_number, i.class_id, i.name,
			i.guardians, i.hardship, i.verified, i.birth_date
		FROM (SELECT DISTINCT ON (student_number) * FROM import_students ORDER BY student_number, line) i
		LEFT JOIN timetable.students s ON s.district_id = $1 AND s.school_id = $2 AND s.student_number = i.student_number
		WHERE s.student_id IS NULL OR `+importDiffers+`
		ORDER BY i.line`, sc.DistrictID, sc.SchoolID)
	if err != nil {
		return m, interpretError(err, "import")
	}
	for rows.Next() {
		var line int32
		var isNew bool
		var old, nw school.Student
		var oldG, newG []byte
		var oldBirth, newBirth *time.Time
		var oldID, oldClass, oldName, oldHardship, oldNumber *string
		var oldVerified *bool
		if err := rows.Scan(&line, &isNew, &oldID, &oldClass, &oldName, &oldG, &oldHardship, &oldVerified, &oldNumber, &oldBirth,
			&nw.Number, &nw.ClassID, &nw.Name, &newG, &nw.Hardship, &nw.Verified, &newBirth); err != nil {
			rows.Close()
			return m, interpretError(err, "import")
		}
		if isNew {
			m.New++
			continue
		}
		m.Changed++
		if len(m.Changes) >= school.MaxReportLines {
			continue
		}
		old = school.Student{ID: *oldID, ClassID: *oldClass, Name: *oldName, Hardship: school.Hardship(*oldHardship),
			Verified: *oldVerified, Number: *oldNumber}
		if oldBirth != nil {
			old.BirthDate = civil.Of(*oldBirth)
		}
		if newBirth != nil {
			nw.BirthDate = civil.Of(*newBirth)
		}
		_ = json.Unmarshal(oldG, &old.Guardians)
		_ = json.Unmarshal(newG, &nw.Guardians)
		m.Changes = append(m.Changes, school.StudentChange{Row: int(line), Old: old, New: nw})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return m, interpretError(err, "import")
	}
	m.Unchanged = total - m.New - m.Changed
	if !apply(dups) {
		return m, nil // rolled back by the deferred Rollback: nothing written
	}
	if _, err := tx.Exec(ctx, `UPDATE timetable.students s SET class_id = i.class_id, name = i.name, guardians = i.guardians,
			hardship_category = i.hardship, hardship_verified = i.verified, birth_date = i.birth_date
		FROM import_students i
		WHERE s.district_id = $1 AND s.school_id = $2 AND s.student_number = i.student_number AND `+importDiffers,
		sc.DistrictID, sc.SchoolID); err != nil {
		return m, interpretError(err, "import")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO timetable.students (district_id, school_id, student_id, student_number, class_id, name,
			guardians, hardship_category, hardship_verified, birth_date)
		SELECT $1, $2, 'stu_' || substr(md5(gen_random_uuid()::text), 1, 12), i.student_number, i.class_id, i.name,
			i.guardians, i.hardship, i.verified, i.birth_date
		FROM import_students i
		WHERE NOT EXISTS (SELECT 1 FROM timetable.students s
			WHERE s.district_id = $1 AND s.school_id = $2 AND s.student_number = i.student_number)`,
		sc.DistrictID, sc.SchoolID); err != nil {
		return m, interpretError(err, "import")
	}
	if err := tx.Commit(ctx); err != nil {
		return m, fmt.Errorf("commit: %w", interpretError(err, "import"))
	}
	return m, nil
}

// MergeClasses implements the app's ImportStore.
func (s *Store) MergeClasses(ctx context.Context, sc school.Scope, classes []school.Class) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, c := range classes {
			_, err := tx.Exec(ctx, `INSERT INTO timetable.classes (district_id, school_id, class_id, grade, name, size, home_room_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (district_id, school_id, class_id) DO UPDATE
				SET grade = excluded.grade, name = excluded.name, size = excluded.size, home_room_id = excluded.home_room_id`,
				sc.DistrictID, sc.SchoolID, c.ID, c.Grade, c.Name, c.Size, c.HomeRoomID)
			if err != nil {
				return interpretError(err, "class "+c.Name)
			}
		}
		return nil
	})
}

// MergeRooms implements the app's ImportStore.
func (s *Store) MergeRooms(ctx context.Context, sc school.Scope, rooms []school.Room) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, r := range rooms {
			_, err := tx.Exec(ctx, `INSERT INTO timetable.rooms (district_id, school_id, room_id, name, kind, capacity)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (district_id, school_id, room_id) DO UPDATE
				SET name = excluded.name, kind = excluded.kind, capacity = excluded.capacity`,
				sc.DistrictID, sc.SchoolID, r.ID, r.Name, r.Kind, r.Capacity)
			if err != nil {
				return interpretError(err, "room "+r.Name)
			}
		}
		return nil
	})
}

// MergeClubs implements the app's ImportStore.
func (s *Store) MergeClubs(ctx context.Context, sc school.Scope, clubs []school.Club) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, c := range clubs {
			grades := make([]int32, len(c.Grades))
			for i, g := range c.Grades {
				grades[i] = int32(g)
			}
			_, err := tx.Exec(ctx, `INSERT INTO timetable.clubs (district_id, school_id, term_id, club_id, name, activity_kind,
					provider_kind, institution_id, capacity, grades, room_kind, meetings_per_week)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (district_id, school_id, club_id) DO UPDATE
				SET name = excluded.name, activity_kind = excluded.activity_kind, provider_kind = excluded.provider_kind,
					institution_id = excluded.institution_id, capacity = excluded.capacity, grades = excluded.grades,
					room_kind = excluded.room_kind, meetings_per_week = excluded.meetings_per_week`,
				sc.DistrictID, sc.SchoolID, c.TermID, c.ID, c.Name, c.Activity, c.Provider, c.InstitutionID, c.Capacity,
				grades, c.RoomKind, c.MeetingsPerWeek)
			if err != nil {
				return interpretError(err, "club "+c.Name)
			}
		}
		return nil
	})
}

// EachStudent implements the app's ImportStore, one row at a time.
func (s *Store) EachStudent(ctx context.Context, sc school.Scope, fn func(school.Student) error) error {
	rows, err := s.db.Query(ctx, `SELECT `+studentCols+` FROM timetable.students
		WHERE district_id = $1 AND school_id = $2 ORDER BY student_number, student_id`, sc.DistrictID, sc.SchoolID)
	if err != nil {
		return interpretError(err, "students")
	}
	defer rows.Close()
	for rows.Next() {
		st, err := scanStudent(rows)
		if err != nil {
			return interpretError(err, "students")
		}
		if err := fn(st); err != nil {
			return err
		}
	}
	return errIf(rows.Err(), "students")
}

// ImportJobs implements the app's ImportStore: the jobs in timetable.import_jobs.
func (s *Store) ImportJobs() *importjob.Store { return importjob.NewStore(s.db, "timetable") }
