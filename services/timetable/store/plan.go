package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/school"
	"github.com/shopspring/decimal"
)

// SavePlan replaces a term's plan whole, in one transaction.
func (s *Store) SavePlan(ctx context.Context, sc school.Scope, p school.Plan) error {
	unplaced, err := json.Marshal(p.Unplaced)
	if err != nil {
		return err
	}
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM timetable.plans WHERE district_id = $1 AND school_id = $2 AND term_id = $3`,
			sc.DistrictID, sc.SchoolID, p.TermID); err != nil {
			return interpretError(err, "plan")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO timetable.plans (district_id, school_id, term_id, seed, unplaced)
			VALUES ($1, $2, $3, $4, $5)`, sc.DistrictID, sc.SchoolID, p.TermID,
			decimal.RequireFromString(strconv.FormatUint(p.Seed, 10)), unplaced); err != nil {
			return interpretError(err, "plan")
		}
		rows := make([][]any, len(p.Placements))
		for i, pl := range p.Placements {
			rows[i] = []any{sc.DistrictID, sc.SchoolID, p.TermID, pl.ClubID, int32(pl.Weekday), int32(pl.Segment), pl.RoomID, pl.Locked}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"timetable", "plan_placements"},
			[]string{"district_id", "school_id", "term_id", "club_id", "weekday", "segment", "room_id", "locked"},
			pgx.CopyFromRows(rows))
		return errIf(err, "plan placements")
	})
}

// GetPlan reads a term's plan.
func (s *Store) GetPlan(ctx context.Context, sc school.Scope, termID string) (school.Plan, error) {
	rows, err := s.db.Query(ctx, planSQL, sc.DistrictID, sc.SchoolID, termID)
	if err != nil {
		return school.Plan{TermID: termID}, interpretError(err, "plan of term "+termID)
	}
	return readPlan(rows, termID)
}

// planSQL reads a plan in one round trip: the plan row joined with its
// placements (a plan without any: one row of NULLs).
const planSQL = `SELECT p.seed, p.unplaced, pp.club_id, pp.weekday, pp.segment, pp.room_id, pp.locked
		FROM timetable.plans p LEFT JOIN timetable.plan_placements pp
			ON pp.district_id = p.district_id AND pp.school_id = p.school_id AND pp.term_id = p.term_id
		WHERE p.district_id = $1 AND p.school_id = $2 AND p.term_id = $3
		ORDER BY pp.weekday, pp.segment, pp.room_id, pp.club_id`

// readPlan reads the rows of planSQL; no row is NotFound.
func readPlan(rows pgx.Rows, termID string) (school.Plan, error) {
	defer rows.Close()
	p := school.Plan{TermID: termID}
	found := false
	for rows.Next() {
		var seed decimal.Decimal
		var unplaced []byte
		var club, room *string
		var wd, seg *int32
		var locked *bool
		if err := rows.Scan(&seed, &unplaced, &club, &wd, &seg, &room, &locked); err != nil {
			return p, errIf(err, "plan of term "+termID)
		}
		if !found {
			found = true
			p.Seed = seed.BigInt().Uint64()
			if err := json.Unmarshal(unplaced, &p.Unplaced); err != nil {
				return p, err
			}
		}
		if club != nil {
			p.Placements = append(p.Placements, school.Placement{ClubID: *club, Weekday: calendar.Weekday(*wd), Segment: int(*seg), RoomID: *room, Locked: *locked})
		}
	}
	if err := rows.Err(); err != nil {
		return p, interpretError(err, "plan of term "+termID)
	}
	if !found {
		return p, interpretError(pgx.ErrNoRows, "plan of term "+termID)
	}
	return p, nil
}

// AddCancellation records a cancellation; nothing is deleted.
func (s *Store) AddCancellation(ctx context.Context, sc school.Scope, termID, id string, c calendar.Cancellation) error {
	_, err := s.db.Exec(ctx, `INSERT INTO timetable.cancellations (district_id, school_id, term_id, cancellation_id, date,
		class_id, club_id, segment, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		sc.DistrictID, sc.SchoolID, termID, id, c.Date.Time(), c.ClassID, c.ClubID, c.Segment, c.Reason)
	return errIf(err, "cancellation")
}

// Cancellations reads a term's cancellations in the order they were made.
func (s *Store) Cancellations(ctx context.Context, sc school.Scope, termID string) ([]calendar.Cancellation, error) {
	rows, err := s.db.Query(ctx, cancellationsSQL, sc.DistrictID, sc.SchoolID, termID)
	if err != nil {
		return nil, interpretError(err, "cancellations")
	}
	out, err := pgx.CollectRows(rows, scanCancellation)
	return out, errIf(err, "cancellations")
}

const cancellationsSQL = `SELECT date, class_id, club_id, segment, reason FROM timetable.cancellations
		WHERE district_id = $1 AND school_id = $2 AND term_id = $3 ORDER BY create_time, cancellation_id`

func scanCancellation(r pgx.CollectableRow) (calendar.Cancellation, error) {
	var c calendar.Cancellation
	var d time.Time
	err := r.Scan(&d, &c.ClassID, &c.ClubID, &c.Segment, &c.Reason)
	c.Date = civil.Of(d)
	return c, err
}

// RecordDelivery stores (or replaces) the delivered minutes of a session.
func (s *Store) RecordDelivery(ctx context.Context, sc school.Scope, termID string, d calendar.Delivery) error {
	_, err := s.db.Exec(ctx, `INSERT INTO timetable.deliveries (district_id, school_id, term_id, date, class_id, club_id, segment, minutes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (district_id, school_id, term_id, date, class_id, club_id, segment)
		DO UPDATE SET minutes = EXCLUDED.minutes, record_time = now()`,
		sc.DistrictID, sc.SchoolID, termID, d.Date.Time(), d.ClassID, d.ClubID, d.Segment, d.Minutes)
	return errIf(err, "delivery")
}

// Deliveries reads a term's recorded deliveries.
func (s *Store) Deliveries(ctx context.Context, sc school.Scope, termID string) ([]calendar.Delivery, error) {
	rows, err := s.db.Query(ctx, deliveriesSQL, sc.DistrictID, sc.SchoolID, termID)
	if err != nil {
		return nil, interpretError(err, "deliveries")
	}
	out, err := pgx.CollectRows(rows, scanDelivery)
	return out, errIf(err, "deliveries")
}

const deliveriesSQL = `SELECT date, class_id, club_id, segment, minutes FROM timetable.deliveries
		WHERE district_id = $1 AND school_id = $2 AND term_id = $3 ORDER BY date, class_id, club_id, segment`

func scanDelivery(r pgx.CollectableRow) (calendar.Delivery, error) {
	var d calendar.Delivery
	var t time.Time
	err := r.Scan(&t, &d.ClassID, &d.ClubID, &d.Segment, &d.Minutes)
	d.Date = civil.Of(t)
	return d, err
}

// RecordAttendance stores the marks of one session in one transaction.
func (s *Store) RecordAttendance(ctx context.Context, sc school.Scope, occurrenceID string, marks []school.Mark) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		for _, m := range marks {
			_, err := tx.Exec(ctx, `INSERT INTO timetable.attendance (district_id, school_id, occurrence_id, student_id, status)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (district_id, school_id, occurrence_id, student_id)
				DO UPDATE SET status = EXCLUDED.status, record_time = now()`,
				sc.DistrictID, sc.SchoolID, occurrenceID, m.StudentID, m.Status)
			if err != nil {
				return interpretError(err, "attendance of "+m.StudentID)
			}
		}
		return nil
	})
}

// Attendance reads the marks of one session by student.
func (s *Store) Attendance(ctx context.Context, sc school.Scope, occurrenceID string) ([]school.Mark, error) {
	rows, err := s.db.Query(ctx, `SELECT student_id, status FROM timetable.attendance
		WHERE district_id = $1 AND school_id = $2 AND occurrence_id = $3 ORDER BY student_id`,
		sc.DistrictID, sc.SchoolID, occurrenceID)
	if err != nil {
		return nil, interpretError(err, "attendance")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (school.Mark, error) {
		var m school.Mark
		return m, r.Scan(&m.StudentID, &m.Status)
	})
	return out, errIf(err, "attendance")
}
