package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/hours"
)

const recordCols = `record_id, assignment_id, staff_id, school_id, scheduled_start, scheduled_end, check_in, check_out,
	duty, status, corrects, reason, create_time, approved_by, approve_time, lock_time`

func scanRecord(r pgx.Row) (hours.Record, error) {
	var h hours.Record
	var in, out, appr, lock *time.Time
	err := r.Scan(&h.ID, &h.AssignmentID, &h.StaffID, &h.SchoolID, &h.ScheduledStart, &h.ScheduledEnd, &in, &out,
		&h.Duty, &h.Status, &h.Corrects, &h.Reason, &h.CreatedAt, &h.ApprovedBy, &appr, &lock)
	for _, p := range []struct {
		src *time.Time
		dst *time.Time
	}{{in, &h.CheckIn}, {out, &h.CheckOut}, {appr, &h.ApprovedAt}, {lock, &h.LockedAt}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return h, err
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func insertRecord(ctx context.Context, tx pgx.Tx, districtID string, h hours.Record) error {
	d := h.Date()
	_, err := tx.Exec(ctx, `INSERT INTO staffing.hour_records (district_id, school_id, record_id, assignment_id, staff_id, day,
		scheduled_start, scheduled_end, check_in, check_out, duty, status, corrects, reason, approved_by, approve_time,
		lock_time, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		districtID, h.SchoolID, h.ID, h.AssignmentID, h.StaffID, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC),
		h.ScheduledStart, h.ScheduledEnd, nullTime(h.CheckIn), nullTime(h.CheckOut), h.Duty, h.Status, h.Corrects, h.Reason,
		h.ApprovedBy, nullTime(h.ApprovedAt), nullTime(h.LockedAt), h.CreatedAt)
	if err != nil {
		return interpretError(err, "hour record of assignment "+h.AssignmentID)
	}
	return nil
}

// OpenRecord returns the original record of an assignment, creating it
// with fresh() when none exists, and applies change to it, all under a row
// lock in one transaction.
func (s *Store) OpenRecord(ctx context.Context, districtID, schoolID, assignmentID string, fresh func() (hours.Record, error),
	change func(hours.Record) (hours.Record, error)) (hours.Record, error) {
	var out hours.Record
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Lock the assignment so two check-ins cannot both create a record.
		// A removed assignment holds nobody: the same lock serialises a
		// check-in with an un-assignment, so exactly one of them wins.
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM staffing.assignments WHERE district_id = $1 AND school_id = $2 AND assignment_id = $3 FOR UPDATE`,
			districtID, schoolID, assignmentID).Scan(&status); err != nil {
			return interpretError(err, "assignment "+assignmentID)
		}
		if status != demand.StatusActive {
			return fault.Precondition("assignment_removed: assignment " + assignmentID + " was un-assigned; nobody checks in for it")
		}
		h, err := scanRecord(tx.QueryRow(ctx, `SELECT `+recordCols+` FROM staffing.hour_records
			WHERE district_id = $1 AND school_id = $2 AND assignment_id = $3 AND corrects = '' FOR UPDATE`, districtID, schoolID, assignmentID))
		isNew := false
		if errors.Is(err, pgx.ErrNoRows) {
			if h, err = fresh(); err != nil {
				return err
			}
			isNew = true
		} else if err != nil {
			return interpretError(err, "hour record")
		}
		if out, err = change(h); err != nil {
			return err
		}
		if isNew {
			return insertRecord(ctx, tx, districtID, out)
		}
		return updateRecord(ctx, tx, districtID, out)
	})
	return out, err
}

func updateRecord(ctx context.Context, tx pgx.Tx, districtID string, h hours.Record) error {
	_, err := tx.Exec(ctx, `UPDATE staffing.hour_records SET check_in = $4, check_out = $5, duty = $6, status = $7,
		approved_by = $8, approve_time = $9, lock_time = $10 WHERE district_id = $1 AND school_id = $2 AND record_id = $3`,
		districtID, h.SchoolID, h.ID, nullTime(h.CheckIn), nullTime(h.CheckOut), h.Duty, h.Status, h.ApprovedBy,
		nullTime(h.ApprovedAt), nullTime(h.LockedAt))
	if err != nil {
		return interpretError(err, "hour record "+h.ID)
	}
	return nil
}

// UpdateRecord applies change to a record under a row lock; when change
// returns a record with a different id, that record is inserted as a new
// row (a correction) and the original stays as it was.
func (s *Store) UpdateRecord(ctx context.Context, districtID, schoolID, recordID string, change func(hours.Record) (hours.Record, error)) (hours.Record, error) {
	var out hours.Record
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		h, err := scanRecord(tx.QueryRow(ctx, `SELECT `+recordCols+` FROM staffing.hour_records
			WHERE district_id = $1 AND school_id = $2 AND record_id = $3 FOR UPDATE`, districtID, schoolID, recordID))
		if err != nil {
			return interpretError(err, "hour record "+recordID)
		}
		if out, err = change(h); err != nil {
			return err
		}
		if out.ID != h.ID {
			return insertRecord(ctx, tx, districtID, out)
		}
		return updateRecord(ctx, tx, districtID, out)
	})
	return out, err
}

// RecordsOfAssignments reads every record (originals and corrections) of
// the given assignments.
func (s *Store) RecordsOfAssignments(ctx context.Context, districtID, schoolID string, ids []string) ([]hours.Record, error) {
	rows, err := s.db.Query(ctx, `SELECT `+recordCols+` FROM staffing.hour_records
		WHERE district_id = $1 AND school_id = $2 AND assignment_id = ANY($3) ORDER BY create_time, record_id`, districtID, schoolID, ids)
	if err != nil {
		return nil, interpretError(err, "hour records")
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (hours.Record, error) { return scanRecord(r) })
}

// MonthRecords reads the records of a school's sessions on days in
// [from, to) and the facts of their assignments.
func (s *Store) MonthRecords(ctx context.Context, districtID, schoolID string, from, to civil.Date) ([]hours.Record, map[string]demand.FeedRow, error) {
	rows, err := s.db.Query(ctx, `SELECT `+recordCols+` FROM staffing.hour_records
		WHERE district_id = $1 AND school_id = $2 AND day >= $3 AND day < $4 ORDER BY day, assignment_id, create_time, record_id`,
		districtID, schoolID, from.Time(), to.Time())
	if err != nil {
		return nil, nil, interpretError(err, "hour records")
	}
	recs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hours.Record, error) { return scanRecord(r) })
	if err != nil {
		return nil, nil, interpretError(err, "hour records")
	}
	frows, err := s.db.Query(ctx, `SELECT a.assignment_id, a.staff_id, m.kind, m.institution_id, d.day, d.role, d.period_minutes,
		d.students, d.class_id, d.club_id, d.start_minute, d.end_minute
		FROM staffing.assignments a
		JOIN staffing.demands d ON d.district_id = a.district_id AND d.school_id = a.school_id AND d.demand_id = a.demand_id
		JOIN staffing.staff m ON m.district_id = a.district_id AND m.school_id = a.school_id AND m.staff_id = a.staff_id
		WHERE a.district_id = $1 AND a.school_id = $2 AND d.day >= $3 AND d.day < $4`, districtID, schoolID, from.Time(), to.Time())
	if err != nil {
		return nil, nil, interpretError(err, "assignments")
	}
	facts := map[string]demand.FeedRow{}
	defer frows.Close()
	for frows.Next() {
		var f demand.FeedRow
		var day time.Time
		if err := frows.Scan(&f.AssignmentID, &f.StaffID, &f.StaffKind, &f.InstitutionID, &day, &f.Role, &f.PeriodMinutes,
			&f.Students, &f.ClassID, &f.ClubID, &f.StartMinute, &f.EndMinute); err != nil {
			return nil, nil, interpretError(err, "assignments")
		}
		f.Day = civil.Of(day)
		facts[f.AssignmentID] = f
	}
	return recs, facts, frows.Err()
}
