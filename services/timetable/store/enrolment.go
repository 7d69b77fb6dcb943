package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/timetable/domain/school"
	"github.com/shopspring/decimal"
)

const enrolmentCols = `e.enrolment_id, e.term_id, e.student_id, s.class_id, e.item_id, e.start_date, e.end_date, e.status`

func scanEnrolment(r pgx.Row) (school.Enrolment, error) {
	var e school.Enrolment
	var start time.Time
	var end *time.Time
	if err := r.Scan(&e.ID, &e.TermID, &e.StudentID, &e.ClassID, &e.ItemID, &start, &end, &e.Status); err != nil {
		return e, err
	}
	e.Start = civil.Of(start)
	if end != nil {
		d := civil.Of(*end)
		e.End = &d
	}
	return e, nil
}

func datePtr(d *civil.Date) *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time()
	return &t
}

// CreateEnrolment inserts a sign-up; a second live one for the same
// student and item is a duplicate.
func (s *Store) CreateEnrolment(ctx context.Context, sc school.Scope, e school.Enrolment) error {
	_, err := s.db.Exec(ctx, `INSERT INTO timetable.enrolments (district_id, school_id, enrolment_id, term_id, student_id,
		item_id, start_date, end_date, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		sc.DistrictID, sc.SchoolID, e.ID, e.TermID, e.StudentID, e.ItemID, e.Start.Time(), datePtr(e.End), e.Status)
	return errIf(err, "enrolment of student "+e.StudentID+" in item "+e.ItemID)
}

// CreateEnrolments inserts es in one transaction, batched in one round trip.
func (s *Store) CreateEnrolments(ctx context.Context, sc school.Scope, es []school.Enrolment) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, e := range es {
			b.Queue(`INSERT INTO timetable.enrolments (district_id, school_id, enrolment_id, term_id, student_id,
				item_id, start_date, end_date, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				sc.DistrictID, sc.SchoolID, e.ID, e.TermID, e.StudentID, e.ItemID, e.Start.Time(), datePtr(e.End), e.Status)
		}
		res := tx.SendBatch(ctx, b)
		for _, e := range es {
			if _, err := res.Exec(); err != nil {
				_ = res.Close()
				return errIf(err, "enrolment of student "+e.StudentID+" in item "+e.ItemID)
			}
		}
		return res.Close()
	})
}

// UpdateEnrolment locks an enrolment, applies fn and writes it back.
func (s *Store) UpdateEnrolment(ctx context.Context, sc school.Scope, id string, fn func(*school.Enrolment) error) (school.Enrolment, error) {
	var out school.Enrolment
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		e, err := scanEnrolment(tx.QueryRow(ctx, `SELECT `+enrolmentCols+` FROM timetable.enrolments e
			JOIN timetable.students s USING (district_id, school_id, student_id)
			WHERE e.district_id = $1 AND e.school_id = $2 AND e.enrolment_id = $3 FOR UPDATE OF e`,
			sc.DistrictID, sc.SchoolID, id))
		if err != nil {
			return interpretError(err, "enrolment "+id)
		}
		if err := fn(&e); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE timetable.enrolments SET end_date = $4, status = $5, update_time = now()
			WHERE district_id = $1 AND school_id = $2 AND enrolment_id = $3`,
			sc.DistrictID, sc.SchoolID, id, datePtr(e.End), e.Status)
		out = e
		return errIf(err, "enrolment "+id)
	})
	return out, err
}

// ListEnrolments reads a term's enrolments, of one student when set.
func (s *Store) ListEnrolments(ctx context.Context, sc school.Scope, termID, studentID string) ([]school.Enrolment, error) {
	rows, err := s.db.Query(ctx, `SELECT `+enrolmentCols+` FROM timetable.enrolments e
		JOIN timetable.students s USING (district_id, school_id, student_id)
		WHERE e.district_id = $1 AND e.school_id = $2 AND e.term_id = $3 AND ($4 = '' OR e.student_id = $4)
		ORDER BY e.student_id, e.item_id, e.start_date`, sc.DistrictID, sc.SchoolID, termID, studentID)
	if err != nil {
		return nil, interpretError(err, "enrolments")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Enrolment, error) { return scanEnrolment(r) })
	return out, errIf(err, "enrolments")
}

// CreateLeave inserts a leave.
func (s *Store) CreateLeave(ctx context.Context, sc school.Scope, l school.Leave) error {
	_, err := s.db.Exec(ctx, `INSERT INTO timetable.leaves (district_id, school_id, leave_id, student_id, start_date, end_date, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, sc.DistrictID, sc.SchoolID, l.ID, l.StudentID, l.Start.Time(), l.End.Time(), l.Reason)
	return errIf(err, "leave")
}

// Leaves reads the leaves of a school that overlap a date range.
func (s *Store) Leaves(ctx context.Context, sc school.Scope, from, to civil.Date) ([]school.Leave, error) {
	rows, err := s.db.Query(ctx, `SELECT leave_id, student_id, start_date, end_date, reason FROM timetable.leaves
		WHERE district_id = $1 AND school_id = $2 AND start_date <= $4 AND end_date >= $3
		ORDER BY student_id, start_date`, sc.DistrictID, sc.SchoolID, from.Time(), to.Time())
	if err != nil {
		return nil, interpretError(err, "leaves")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Leave, error) {
		var l school.Leave
		var a, b time.Time
		err := r.Scan(&l.ID, &l.StudentID, &a, &b, &l.Reason)
		l.Start, l.End = civil.Of(a), civil.Of(b)
		return l, err
	})
	return out, errIf(err, "leaves")
}

// SaveChoices replaces a student's ranked club choices for a term.
func (s *Store) SaveChoices(ctx context.Context, sc school.Scope, termID string, choices map[string][]string) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for student, clubIDs := range choices {
			b.Queue(`DELETE FROM timetable.club_choices WHERE district_id = $1 AND school_id = $2
				AND term_id = $3 AND student_id = $4`, sc.DistrictID, sc.SchoolID, termID, student)
			for i, c := range clubIDs {
				b.Queue(`INSERT INTO timetable.club_choices (district_id, school_id, term_id, student_id, rank, club_id)
					VALUES ($1, $2, $3, $4, $5, $6)`, sc.DistrictID, sc.SchoolID, termID, student, i+1, c)
			}
		}
		res := tx.SendBatch(ctx, b)
		for range b.Len() {
			if _, err := res.Exec(); err != nil {
				_ = res.Close()
				return interpretError(err, "club choices")
			}
		}
		return res.Close()
	})
}

// Choices reads every student's ranked choices of a term, best first.
func (s *Store) Choices(ctx context.Context, sc school.Scope, termID string) (map[string][]string, error) {
	rows, err := s.db.Query(ctx, `SELECT student_id, club_id FROM timetable.club_choices
		WHERE district_id = $1 AND school_id = $2 AND term_id = $3 ORDER BY student_id, rank`, sc.DistrictID, sc.SchoolID, termID)
	if err != nil {
		return nil, interpretError(err, "club choices")
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var st, cl string
		if err := rows.Scan(&st, &cl); err != nil {
			return nil, err
		}
		out[st] = append(out[st], cl)
	}
	return out, errIf(rows.Err(), "club choices")
}

// Members reads a term's club seats (of one club when clubID is set).
func (s *Store) Members(ctx context.Context, sc school.Scope, termID, clubID string) ([]school.Seat, error) {
	rows, err := s.db.Query(ctx, `SELECT student_id, club_id, rank FROM timetable.club_members
		WHERE district_id = $1 AND school_id = $2 AND term_id = $3 AND ($4 = '' OR club_id = $4) ORDER BY club_id, student_id`,
		sc.DistrictID, sc.SchoolID, termID, clubID)
	if err != nil {
		return nil, interpretError(err, "club members")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Seat, error) {
		var m school.Seat
		return m, r.Scan(&m.StudentID, &m.ClubID, &m.Rank)
	})
	return out, errIf(err, "club members")
}

// SaveAllocation replaces a term's club seats and priority order whole.
func (s *Store) SaveAllocation(ctx context.Context, sc school.Scope, termID string, seed uint64, priority []string, seats []school.Seat) error {
	pr, err := json.Marshal(priority)
	if err != nil {
		return err
	}
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM timetable.club_members WHERE district_id = $1 AND school_id = $2 AND term_id = $3`,
			`DELETE FROM timetable.club_allocations WHERE district_id = $1 AND school_id = $2 AND term_id = $3`,
		} {
			if _, err := tx.Exec(ctx, q, sc.DistrictID, sc.SchoolID, termID); err != nil {
				return interpretError(err, "allocation")
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO timetable.club_allocations (district_id, school_id, term_id, seed, priority)
			VALUES ($1, $2, $3, $4, $5)`, sc.DistrictID, sc.SchoolID, termID,
			decimal.RequireFromString(strconv.FormatUint(seed, 10)), pr); err != nil {
			return interpretError(err, "allocation")
		}
		rows := make([][]any, len(seats))
		for i, m := range seats {
			rows[i] = []any{sc.DistrictID, sc.SchoolID, termID, m.StudentID, m.ClubID, int32(m.Rank)}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"timetable", "club_members"},
			[]string{"district_id", "school_id", "term_id", "student_id", "club_id", "rank"}, pgx.CopyFromRows(rows))
		return errIf(err, "club members")
	})
}

// Priority reads the priority order of a term's last allocation (nil when
// there was none).
func (s *Store) Priority(ctx context.Context, sc school.Scope, termID string) ([]string, error) {
	var pr []byte
	err := s.db.QueryRow(ctx, `SELECT priority FROM timetable.club_allocations WHERE district_id = $1 AND school_id = $2
		AND term_id = $3`, sc.DistrictID, sc.SchoolID, termID).Scan(&pr)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, interpretError(err, "allocation")
	}
	var out []string
	return out, json.Unmarshal(pr, &out)
}

// ErrClubFull is returned by JoinClub when every seat is taken.
var ErrClubFull = fault.Precondition("club is full")

// JoinClub gives a student a seat when one is free. The club's row is
// locked for the check and the insert, so concurrent joins into the last
// seat serialise and exactly one wins.
func (s *Store) JoinClub(ctx context.Context, sc school.Scope, termID, clubID, studentID string, rank int) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var capacity int
		err := tx.QueryRow(ctx, `SELECT capacity FROM timetable.clubs WHERE district_id = $1 AND school_id = $2
			AND club_id = $3 AND term_id = $4 FOR UPDATE`, sc.DistrictID, sc.SchoolID, clubID, termID).Scan(&capacity)
		if err != nil {
			return interpretError(err, "club "+clubID)
		}
		var taken int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM timetable.club_members WHERE district_id = $1 AND school_id = $2
			AND club_id = $3`, sc.DistrictID, sc.SchoolID, clubID).Scan(&taken); err != nil {
			return interpretError(err, "club "+clubID)
		}
		if taken >= capacity {
			return ErrClubFull
		}
		_, err = tx.Exec(ctx, `INSERT INTO timetable.club_members (district_id, school_id, term_id, student_id, club_id, rank)
			VALUES ($1, $2, $3, $4, $5, $6)`, sc.DistrictID, sc.SchoolID, termID, studentID, clubID, rank)
		if errors.Is(pgdb.Classify(err), pgdb.ErrUniqueViolation) {
			return fault.AlreadyExists("student " + studentID + " already holds a club seat this term")
		}
		return errIf(err, "club seat")
	})
}

// ApplyMoves moves seats in one transaction: the removed student loses
// their seat and their ranked choices (they left the club round), and each
// move puts its student into ClubID (or nowhere when empty).
func (s *Store) ApplyMoves(ctx context.Context, sc school.Scope, termID string, moves []school.Seat, removed string) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM timetable.club_choices WHERE district_id = $1 AND school_id = $2
			AND term_id = $3 AND student_id = $4`, sc.DistrictID, sc.SchoolID, termID, removed); err != nil {
			return interpretError(err, "club choices")
		}
		del := func(student string) error {
			_, err := tx.Exec(ctx, `DELETE FROM timetable.club_members WHERE district_id = $1 AND school_id = $2
				AND term_id = $3 AND student_id = $4`, sc.DistrictID, sc.SchoolID, termID, student)
			return errIf(err, "club seat")
		}
		if err := del(removed); err != nil {
			return err
		}
		for _, m := range moves {
			if err := del(m.StudentID); err != nil {
				return err
			}
			if m.ClubID == "" {
				continue
			}
			// Lock the club as JoinClub does, so a direct join racing the
			// chain cannot overfill the seat being handed on.
			var capacity, taken int
			if err := tx.QueryRow(ctx, `SELECT capacity FROM timetable.clubs WHERE district_id = $1 AND school_id = $2
				AND club_id = $3 FOR UPDATE`, sc.DistrictID, sc.SchoolID, m.ClubID).Scan(&capacity); err != nil {
				return interpretError(err, "club "+m.ClubID)
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM timetable.club_members WHERE district_id = $1 AND school_id = $2
				AND club_id = $3`, sc.DistrictID, sc.SchoolID, m.ClubID).Scan(&taken); err != nil {
				return interpretError(err, "club "+m.ClubID)
			}
			if taken >= capacity {
				return fmt.Errorf("seat in club %s was taken meanwhile: %w", m.ClubID, fault.ErrConflict)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO timetable.club_members (district_id, school_id, term_id, student_id, club_id, rank)
				VALUES ($1, $2, $3, $4, $5, $6)`, sc.DistrictID, sc.SchoolID, termID, m.StudentID, m.ClubID, m.Rank); err != nil {
				return interpretError(err, "club seat")
			}
		}
		return nil
	})
}
