package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

func errIf(err error, what string) error {
	if err == nil {
		return nil
	}
	return interpretError(err, what)
}

// CreateRoom inserts a room.
func (s *Store) CreateRoom(ctx context.Context, sc school.Scope, r school.Room) error {
	_, err := s.db.Exec(ctx, `INSERT INTO timetable.rooms (district_id, school_id, room_id, name, kind, capacity)
		VALUES ($1, $2, $3, $4, $5, $6)`, sc.DistrictID, sc.SchoolID, r.ID, r.Name, r.Kind, r.Capacity)
	return errIf(err, "room "+r.Name)
}

// ListRooms reads a school's rooms by name.
func (s *Store) ListRooms(ctx context.Context, sc school.Scope) ([]school.Room, error) {
	rows, err := s.db.Query(ctx, `SELECT room_id, name, kind, capacity FROM timetable.rooms
		WHERE district_id = $1 AND school_id = $2 ORDER BY name`, sc.DistrictID, sc.SchoolID)
	if err != nil {
		return nil, interpretError(err, "rooms")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Room, error) {
		var x school.Room
		return x, r.Scan(&x.ID, &x.Name, &x.Kind, &x.Capacity)
	})
	return out, errIf(err, "rooms")
}

// CreateClass inserts a class.
func (s *Store) CreateClass(ctx context.Context, sc school.Scope, c school.Class) error {
	_, err := s.db.Exec(ctx, `INSERT INTO timetable.classes (district_id, school_id, class_id, grade, name, size, home_room_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, sc.DistrictID, sc.SchoolID, c.ID, c.Grade, c.Name, c.Size, c.HomeRoomID)
	return errIf(err, "class "+c.Name)
}

// ListClasses reads a school's classes by grade and name.
func (s *Store) ListClasses(ctx context.Context, sc school.Scope) ([]school.Class, error) {
	rows, err := s.db.Query(ctx, classesSQL, sc.DistrictID, sc.SchoolID)
	if err != nil {
		return nil, interpretError(err, "classes")
	}
	out, err := pgx.CollectRows(rows, scanClass)
	return out, errIf(err, "classes")
}

const classesSQL = `SELECT class_id, grade, name, size, home_room_id FROM timetable.classes
		WHERE district_id = $1 AND school_id = $2 ORDER BY grade, name`

func scanClass(r pgx.CollectableRow) (school.Class, error) {
	var x school.Class
	return x, r.Scan(&x.ID, &x.Grade, &x.Name, &x.Size, &x.HomeRoomID)
}

// CreateStudent inserts a student; a class of another school is reported
// as not found, since the class is looked up in this school only.
func (s *Store) CreateStudent(ctx context.Context, sc school.Scope, st school.Student) error {
	g, err := json.Marshal(st.Guardians)
	if err != nil {
		return fmt.Errorf("encode guardians: %w", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO timetable.students (district_id, school_id, student_id, class_id, name,
		guardians, hardship_category, hardship_verified, student_number, birth_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		sc.DistrictID, sc.SchoolID, st.ID, st.ClassID, st.Name, g, st.Hardship, st.Verified, st.Number, birthDate(st.BirthDate))
	if err != nil && errors.Is(pgdb.Classify(err), pgdb.ErrForeignKeyViolation) {
		return fault.Invalid("student.class_id", "class "+st.ClassID+" is not a class of this school")
	}
	return errIf(err, "student "+st.Name)
}

// CreateStudents inserts sts in one transaction, batched in one round trip.
func (s *Store) CreateStudents(ctx context.Context, sc school.Scope, sts []school.Student) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, st := range sts {
			g, err := json.Marshal(st.Guardians)
			if err != nil {
				return fmt.Errorf("encode guardians: %w", err)
			}
			b.Queue(`INSERT INTO timetable.students (district_id, school_id, student_id, class_id, name,
				guardians, hardship_category, hardship_verified, student_number, birth_date)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				sc.DistrictID, sc.SchoolID, st.ID, st.ClassID, st.Name, g, st.Hardship, st.Verified, st.Number, birthDate(st.BirthDate))
		}
		res := tx.SendBatch(ctx, b)
		for _, st := range sts {
			if _, err := res.Exec(); err != nil {
				_ = res.Close()
				return errIf(err, "student "+st.Name)
			}
		}
		return res.Close()
	})
}

const studentCols = `student_id, class_id, name, guardians, hardship_category, hardship_verified, student_number, birth_date`

func scanStudent(r pgx.Row) (school.Student, error) {
	var x school.Student
	var g []byte
	var birth *time.Time
	if err := r.Scan(&x.ID, &x.ClassID, &x.Name, &g, &x.Hardship, &x.Verified, &x.Number, &birth); err != nil {
		return x, err
	}
	if birth != nil {
		x.BirthDate = civil.Of(*birth)
	}
	return x, json.Unmarshal(g, &x.Guardians)
}

// birthDate is a student's birth date for a date column: NULL when not recorded.
func birthDate(d civil.Date) *time.Time {
	if d.IsZero() {
		return nil
	}
	t := d.Time()
	return &t
}

// GetStudent reads one student of the school.
func (s *Store) GetStudent(ctx context.Context, sc school.Scope, id string) (school.Student, error) {
	st, err := scanStudent(s.db.QueryRow(ctx, `SELECT `+studentCols+` FROM timetable.students
		WHERE district_id = $1 AND school_id = $2 AND student_id = $3`, sc.DistrictID, sc.SchoolID, id))
	return st, errIf(err, "student "+id)
}

// StudentsByID reads the named students of the school in one query (feeds
// and allocation read thousands at once); ids not found are simply absent.
func (s *Store) StudentsByID(ctx context.Context, sc school.Scope, ids []string) (map[string]school.Student, error) {
	rows, err := s.db.Query(ctx, `SELECT `+studentCols+` FROM timetable.students
		WHERE district_id = $1 AND school_id = $2 AND student_id = ANY($3)`, sc.DistrictID, sc.SchoolID, ids)
	if err != nil {
		return nil, interpretError(err, "students")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Student, error) { return scanStudent(r) })
	if err != nil {
		return nil, errIf(err, "students")
	}
	out := make(map[string]school.Student, len(list))
	for _, st := range list {
		out[st.ID] = st
	}
	return out, nil
}

// ListStudents reads a page of a school's students (of one class when
// classID is set) ordered by id.
func (s *Store) ListStudents(ctx context.Context, sc school.Scope, classID, after string, limit int) ([]school.Student, error) {
	rows, err := s.db.Query(ctx, `SELECT `+studentCols+` FROM timetable.students
		WHERE district_id = $1 AND school_id = $2 AND ($3 = '' OR class_id = $3) AND student_id > $4
		ORDER BY student_id LIMIT $5`, sc.DistrictID, sc.SchoolID, classID, after, limit)
	if err != nil {
		return nil, interpretError(err, "students")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Student, error) { return scanStudent(r) })
	return out, errIf(err, "students")
}

// CreateTerm inserts a term with its holidays and swaps.
func (s *Store) CreateTerm(ctx context.Context, sc school.Scope, t school.Term) error {
	h, err := json.Marshal(t.Holidays)
	if err != nil {
		return err
	}
	sw, err := json.Marshal(t.Swaps)
	if err != nil {
		return err
	}
	wd := make([]int32, len(t.Calendar.Weekdays))
	for i, w := range t.Calendar.Weekdays {
		wd[i] = int32(w)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO timetable.terms (district_id, school_id, term_id, name, start_date, end_date,
		weekdays, holidays, swaps) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		sc.DistrictID, sc.SchoolID, t.ID, t.Calendar.Name, t.Calendar.Start.Time(), t.Calendar.End.Time(), wd, h, sw)
	return errIf(err, "term "+t.Calendar.Name)
}

const termCols = `term_id, name, start_date, end_date, weekdays, holidays, swaps`

func scanTerm(r pgx.Row, schoolID string) (school.Term, error) {
	var t school.Term
	var start, end time.Time
	var wd []int32
	var h, sw []byte
	if err := r.Scan(&t.ID, &t.Calendar.Name, &start, &end, &wd, &h, &sw); err != nil {
		return t, err
	}
	t.Calendar.SchoolID = schoolID
	t.Calendar.Start, t.Calendar.End = civil.Of(start), civil.Of(end)
	for _, w := range wd {
		t.Calendar.Weekdays = append(t.Calendar.Weekdays, calendar.Weekday(w))
	}
	if err := json.Unmarshal(h, &t.Holidays); err != nil {
		return t, err
	}
	return t, json.Unmarshal(sw, &t.Swaps)
}

// GetTerm reads one term of the school.
func (s *Store) GetTerm(ctx context.Context, sc school.Scope, id string) (school.Term, error) {
	t, err := scanTerm(s.db.QueryRow(ctx, `SELECT `+termCols+` FROM timetable.terms
		WHERE district_id = $1 AND school_id = $2 AND term_id = $3`, sc.DistrictID, sc.SchoolID, id), sc.SchoolID)
	return t, errIf(err, "term "+id)
}

// ListTerms reads a school's terms by start date.
func (s *Store) ListTerms(ctx context.Context, sc school.Scope) ([]school.Term, error) {
	rows, err := s.db.Query(ctx, `SELECT `+termCols+` FROM timetable.terms
		WHERE district_id = $1 AND school_id = $2 ORDER BY start_date`, sc.DistrictID, sc.SchoolID)
	if err != nil {
		return nil, interpretError(err, "terms")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Term, error) { return scanTerm(r, sc.SchoolID) })
	return out, errIf(err, "terms")
}

// CreateClosure inserts a closure; SchoolID "" closes the whole district.
func (s *Store) CreateClosure(ctx context.Context, districtID string, c calendar.Closure) error {
	_, err := s.db.Exec(ctx, `INSERT INTO timetable.closures (district_id, school_id, closure_id, start_date, end_date, reason, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, districtID, c.SchoolID, c.ID, c.Start.Time(), c.End.Time(), c.Reason.String(), c.Note)
	return errIf(err, "closure")
}

// Closures reads the closures that touch a school in a date range: its
// own and its district's.
func (s *Store) Closures(ctx context.Context, sc school.Scope, from, to civil.Date) ([]calendar.Closure, error) {
	rows, err := s.db.Query(ctx, `SELECT closure_id, school_id, start_date, end_date, reason, note FROM timetable.closures
		WHERE district_id = $1 AND school_id IN ('', $2) AND start_date <= $4 AND end_date >= $3
		ORDER BY start_date, closure_id`, sc.DistrictID, sc.SchoolID, from.Time(), to.Time())
	if err != nil {
		return nil, interpretError(err, "closures")
	}
	out, err := pgx.CollectRows(rows, scanClosure)
	return out, errIf(err, "closures")
}

func scanClosure(r pgx.CollectableRow) (calendar.Closure, error) {
	var c calendar.Closure
	var start, end time.Time
	var reason string
	if err := r.Scan(&c.ID, &c.SchoolID, &start, &end, &reason, &c.Note); err != nil {
		return c, err
	}
	c.Start, c.End = civil.Of(start), civil.Of(end)
	c.Scope = calendar.ScopeDistrict
	if c.SchoolID != "" {
		c.Scope = calendar.ScopeSchool
	}
	c.Reason = closureReason(reason)
	return c, nil
}

func closureReason(s string) calendar.ClosureReason {
	for r := calendar.ClosureReason(0); r < 10; r++ {
		if r.String() == s {
			return r
		}
	}
	return 0
}

// CreateItem inserts a service item.
func (s *Store) CreateItem(ctx context.Context, sc school.Scope, it school.Item) error {
	w, err := json.Marshal(it.Windows)
	if err != nil {
		return err
	}
	grades := make([]int32, len(it.Grades))
	for i, g := range it.Grades {
		grades[i] = int32(g)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO timetable.service_items (district_id, school_id, term_id, item_id, kind, name, segment, windows, grades)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, sc.DistrictID, sc.SchoolID, it.TermID, it.ID, it.Kind, it.Name, it.Segment, w, grades)
	return errIf(err, "service item "+it.Name)
}

const itemCols = `item_id, term_id, kind, name, segment, windows, grades`

const itemsSQL = `SELECT ` + itemCols + ` FROM timetable.service_items
		WHERE district_id = $1 AND school_id = $2 AND term_id = $3 ORDER BY segment, item_id`

func collectItem(r pgx.CollectableRow) (school.Item, error) { return scanItem(r) }

func scanItem(r pgx.Row) (school.Item, error) {
	var it school.Item
	var w []byte
	var grades []int32
	if err := r.Scan(&it.ID, &it.TermID, &it.Kind, &it.Name, &it.Segment, &w, &grades); err != nil {
		return it, err
	}
	for _, g := range grades {
		it.Grades = append(it.Grades, int(g))
	}
	return it, json.Unmarshal(w, &it.Windows)
}

// GetItem reads one service item of the school.
func (s *Store) GetItem(ctx context.Context, sc school.Scope, id string) (school.Item, error) {
	it, err := scanItem(s.db.QueryRow(ctx, `SELECT `+itemCols+` FROM timetable.service_items
		WHERE district_id = $1 AND school_id = $2 AND item_id = $3`, sc.DistrictID, sc.SchoolID, id))
	return it, errIf(err, "service item "+id)
}

// ListItems reads a term's service items by segment.
func (s *Store) ListItems(ctx context.Context, sc school.Scope, termID string) ([]school.Item, error) {
	rows, err := s.db.Query(ctx, itemsSQL, sc.DistrictID, sc.SchoolID, termID)
	if err != nil {
		return nil, interpretError(err, "service items")
	}
	out, err := pgx.CollectRows(rows, collectItem)
	return out, errIf(err, "service items")
}

// CreateClub inserts a club.
func (s *Store) CreateClub(ctx context.Context, sc school.Scope, c school.Club) error {
	grades := make([]int32, len(c.Grades))
	for i, g := range c.Grades {
		grades[i] = int32(g)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO timetable.clubs (district_id, school_id, term_id, club_id, name, activity_kind,
		provider_kind, institution_id, capacity, grades, room_kind, meetings_per_week)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		sc.DistrictID, sc.SchoolID, c.TermID, c.ID, c.Name, c.Activity, c.Provider, c.InstitutionID, c.Capacity,
		grades, c.RoomKind, c.MeetingsPerWeek)
	return errIf(err, "club "+c.Name)
}

const clubCols = `c.club_id, c.term_id, c.name, c.activity_kind, c.provider_kind, c.institution_id, c.capacity, c.grades,
	c.room_kind, c.meetings_per_week,
	(SELECT count(*) FROM timetable.club_members m WHERE m.district_id = c.district_id AND m.school_id = c.school_id AND m.club_id = c.club_id)`

const clubsSQL = `SELECT ` + clubCols + ` FROM timetable.clubs c
		WHERE c.district_id = $1 AND c.school_id = $2 AND c.term_id = $3 ORDER BY c.name`

func collectClub(r pgx.CollectableRow) (school.Club, error) { return scanClub(r) }

func scanClub(r pgx.Row) (school.Club, error) {
	var c school.Club
	var grades []int32
	if err := r.Scan(&c.ID, &c.TermID, &c.Name, &c.Activity, &c.Provider, &c.InstitutionID, &c.Capacity, &grades,
		&c.RoomKind, &c.MeetingsPerWeek, &c.Members); err != nil {
		return c, err
	}
	for _, g := range grades {
		c.Grades = append(c.Grades, int(g))
	}
	return c, nil
}

// ListClubs reads a term's clubs with their seats taken.
func (s *Store) ListClubs(ctx context.Context, sc school.Scope, termID string) ([]school.Club, error) {
	rows, err := s.db.Query(ctx, clubsSQL, sc.DistrictID, sc.SchoolID, termID)
	if err != nil {
		return nil, interpretError(err, "clubs")
	}
	out, err := pgx.CollectRows(rows, collectClub)
	return out, errIf(err, "clubs")
}

// GetClub reads one club.
func (s *Store) GetClub(ctx context.Context, sc school.Scope, id string) (school.Club, error) {
	c, err := scanClub(s.db.QueryRow(ctx, `SELECT `+clubCols+` FROM timetable.clubs c
		WHERE c.district_id = $1 AND c.school_id = $2 AND c.club_id = $3`, sc.DistrictID, sc.SchoolID, id))
	return c, errIf(err, "club "+id)
}
