package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/solver"
)

const demandCols = `demand_id, occurrence_id, day, segment, start_minute, end_minute, periods, period_minutes, role,
	activity_kind, institution_id, class_id, club_id, needed, students`

const weekSQL = `SELECT term_id, seed, uncovered FROM staffing.plans
		WHERE district_id = $1 AND school_id = $2 AND week_start = $3`

// scanWeek reads a row of weekSQL into w.
func scanWeek(r pgx.Row, w *demand.Week) error {
	var unc []byte
	var seed int64
	if err := r.Scan(&w.TermID, &seed, &unc); err != nil {
		return interpretError(err, "staffing plan of the week of "+w.WeekStart.String())
	}
	w.Seed = uint64(seed)
	if err := json.Unmarshal(unc, &w.Uncovered); err != nil {
		return fmt.Errorf("decode uncovered: %w", err)
	}
	return nil
}

const weekDemandsSQL = `SELECT ` + demandCols + ` FROM staffing.demands
		WHERE district_id = $1 AND school_id = $2 AND week_start = $3 ORDER BY day, start_minute, demand_id`

// demandRow is a scan target for demandCols reused by every row of a
// query: the pointers pgx scans into escape, so scanning into fresh locals
// costs an allocation per column and row. The named string types
// (segment, role, activity kind) are scanned as strings and converted:
// pgx scans a named type by reflection.
type demandRow struct {
	d                   demand.Demand
	day                 time.Time
	start, end          int
	segment, role, kind string
	dest                []any
}

func newDemandRow() *demandRow {
	r := &demandRow{}
	d := &r.d
	r.dest = []any{&d.ID, &d.OccurrenceID, &r.day, &r.segment, &r.start, &r.end, &d.Periods, &d.PeriodMinutes, &r.role,
		&r.kind, &d.InstitutionID, &d.ClassID, &d.ClubID, &d.Count, &d.Students}
	return r
}

// collect reads one row; it is a pgx.RowToFunc.
func (r *demandRow) collect(row pgx.CollectableRow) (demand.Demand, error) {
	r.d = demand.Demand{}
	err := row.Scan(r.dest...)
	r.d.Date, r.d.Start, r.d.End = civil.Of(r.day), solver.TimeOfDay(r.start), solver.TimeOfDay(r.end)
	r.d.Segment, r.d.Role, r.d.ActivityKind = solver.Segment(r.segment), solver.Role(r.role), solver.ActivityKind(r.kind)
	return r.d, err
}

// assignmentCols reads an assignment and whether it has hours. An
// assignment has hour records exactly when it has an original one
// (its corrects column empty): check-in creates the original, a correction is a new
// row beside it and no record is ever deleted. Asking for the original
// is one probe of hour_records_one_original; asking for any record
// scanned every hour record of the school, per assignment.
const assignmentCols = `a.assignment_id, a.demand_id, a.staff_id, a.locked, a.source,
	EXISTS (SELECT 1 FROM staffing.hour_records h WHERE h.district_id = a.district_id AND h.school_id = a.school_id
		AND h.assignment_id = a.assignment_id AND h.corrects = ''), a.status`

const weekAssignmentsSQL = `SELECT ` + assignmentCols + ` FROM staffing.assignments a
		WHERE a.district_id = $1 AND a.school_id = $2 AND a.week_start = $3 AND a.status = 'active'
		ORDER BY a.demand_id, a.staff_id`

// assignmentRow is demandRow's counterpart for assignmentCols.
type assignmentRow struct {
	a    demand.Assignment
	dest []any
}

func newAssignmentRow() *assignmentRow {
	r := &assignmentRow{}
	a := &r.a
	r.dest = []any{&a.ID, &a.DemandID, &a.StaffID, &a.Locked, &a.Source, &a.HasHours, &a.Status}
	return r
}

// collect reads one row; it is a pgx.RowToFunc.
func (r *assignmentRow) collect(row pgx.CollectableRow) (demand.Assignment, error) {
	r.a = demand.Assignment{}
	err := row.Scan(r.dest...)
	return r.a, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func weekAssignments(ctx context.Context, q querier, districtID, schoolID string, weekStart civil.Date) ([]demand.Assignment, error) {
	rows, err := q.Query(ctx, weekAssignmentsSQL, districtID, schoolID, weekStart.Time())
	if err != nil {
		return nil, interpretError(err, "assignments")
	}
	out, err := pgx.CollectRows(rows, newAssignmentRow().collect)
	if err != nil {
		return nil, interpretError(err, "assignments")
	}
	return out, nil
}

// LoadWeek reads a solved week: the plan, its demands and assignments.
func (s *Store) LoadWeek(ctx context.Context, districtID, schoolID string, weekStart civil.Date) (demand.Week, error) {
	w := demand.Week{DistrictID: districtID, SchoolID: schoolID, WeekStart: weekStart}
	if err := scanWeek(s.db.QueryRow(ctx, weekSQL, districtID, schoolID, weekStart.Time()), &w); err != nil {
		return w, err
	}
	rows, err := s.db.Query(ctx, weekDemandsSQL, districtID, schoolID, weekStart.Time())
	if err != nil {
		return w, interpretError(err, "demands")
	}
	w.Demands, err = pgx.CollectRows(rows, newDemandRow().collect)
	if err != nil {
		return w, interpretError(err, "demands")
	}
	w.Assignments, err = weekAssignments(ctx, s.db, districtID, schoolID, weekStart)
	return w, err
}

// PlanTerm returns the term of the plan a demand belongs to.
func (s *Store) PlanTerm(ctx context.Context, districtID, schoolID, demandID string) (string, error) {
	var term string
	err := s.db.QueryRow(ctx, `SELECT p.term_id FROM staffing.demands d JOIN staffing.plans p
		ON p.district_id = d.district_id AND p.school_id = d.school_id AND p.week_start = d.week_start
		WHERE d.district_id = $1 AND d.school_id = $2 AND d.demand_id = $3`, districtID, schoolID, demandID).Scan(&term)
	if err != nil {
		return "", interpretError(err, "demand "+demandID)
	}
	return term, nil
}

// ExistingAssignments reads a week's assignments, for a re-solve that must
// keep the locked ones; a week never solved has none.
func (s *Store) ExistingAssignments(ctx context.Context, districtID, schoolID string, weekStart civil.Date) ([]demand.Assignment, error) {
	return weekAssignments(ctx, s.db, districtID, schoolID, weekStart)
}

// Previous reads the assignments of the weeks in [from, to), the input of
// the solver's continuity goal.
func (s *Store) Previous(ctx context.Context, districtID, schoolID string, from, to civil.Date) ([]solver.PreviousAssignment, error) {
	rows, err := s.db.Query(ctx, `SELECT a.staff_id, d.role, d.class_id, d.club_id, d.day FROM staffing.assignments a
		JOIN staffing.demands d ON d.district_id = a.district_id AND d.school_id = a.school_id AND d.demand_id = a.demand_id
		WHERE a.district_id = $1 AND a.school_id = $2 AND a.week_start >= $3 AND a.week_start < $4 AND a.status = 'active'
		ORDER BY d.day, a.demand_id, a.staff_id`, districtID, schoolID, from.Time(), to.Time())
	if err != nil {
		return nil, interpretError(err, "previous assignments")
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (solver.PreviousAssignment, error) {
		var p solver.PreviousAssignment
		var day time.Time
		err := r.Scan(&p.StaffID, &p.Role, &p.ClassID, &p.ClubID, &day)
		p.Weekday = day.Weekday()
		return p, err
	})
}

// applyAssignments makes the week's assignments equal to want: rows whose
// id is not in want are deleted first (so the exclusion constraint sees
// the freed time), then new rows are inserted with their demand's time.
func applyAssignments(ctx context.Context, tx pgx.Tx, districtID, schoolID string, weekStart civil.Date, want []demand.Assignment) error {
	have, err := weekAssignments(ctx, tx, districtID, schoolID, weekStart)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, a := range want {
		keep[a.ID] = true
	}
	var drop []string
	exists := map[string]bool{}
	for _, a := range have {
		exists[a.ID] = true
		if !keep[a.ID] {
			drop = append(drop, a.ID)
		}
	}
	if len(drop) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM staffing.assignments WHERE district_id = $1 AND school_id = $2 AND assignment_id = ANY($3)`,
			districtID, schoolID, drop); err != nil {
			return interpretError(err, "assignments")
		}
	}
	for _, a := range want {
		if exists[a.ID] {
			continue
		}
		tag, err := tx.Exec(ctx, `INSERT INTO staffing.assignments (district_id, school_id, assignment_id, demand_id, staff_id,
			week_start, starts_at, ends_at, locked, source)
			SELECT d.district_id, d.school_id, $3, d.demand_id, $5, d.week_start,
				d.day + d.start_minute * interval '1 minute', d.day + d.end_minute * interval '1 minute', $6, $7
			FROM staffing.demands d WHERE d.district_id = $1 AND d.school_id = $2 AND d.demand_id = $4`,
			districtID, schoolID, a.ID, a.DemandID, a.StaffID, a.Locked, a.Source)
		if err != nil {
			return interpretError(err, fmt.Sprintf("assignment of %s to %s", a.StaffID, a.DemandID))
		}
		if tag.RowsAffected() == 0 {
			return fault.NotFound("demand " + a.DemandID + " not found")
		}
	}
	return nil
}

// SaveWeek stores a solved week in one transaction: the plan row, the
// demands (upserted by their stable ids), the assignments (w.Assignments
// is the whole wanted set; existing rows keep their ids) and drops demands
// that no longer exist and hold nobody.
func (s *Store) SaveWeek(ctx context.Context, w demand.Week) error {
	unc, err := json.Marshal(w.Uncovered)
	if err != nil {
		return err
	}
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO staffing.plans (district_id, school_id, week_start, term_id, seed, uncovered)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (district_id, school_id, week_start)
			DO UPDATE SET term_id = $4, seed = $5, uncovered = $6, solve_time = now()`,
			w.DistrictID, w.SchoolID, w.WeekStart.Time(), w.TermID, int64(w.Seed), unc); err != nil {
			return interpretError(err, "plan")
		}
		ids := make([]string, 0, len(w.Demands))
		b := &pgx.Batch{}
		for _, d := range w.Demands {
			ids = append(ids, d.ID)
			b.Queue(`INSERT INTO staffing.demands (district_id, school_id, demand_id, week_start, occurrence_id, day, segment,
				start_minute, end_minute, periods, period_minutes, role, activity_kind, institution_id, class_id, club_id, needed, students)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
				ON CONFLICT (district_id, school_id, demand_id) DO UPDATE SET week_start = $4, occurrence_id = $5, day = $6,
				segment = $7, start_minute = $8, end_minute = $9, periods = $10, period_minutes = $11, role = $12,
				activity_kind = $13, institution_id = $14, class_id = $15, club_id = $16, needed = $17, students = $18`,
				w.DistrictID, w.SchoolID, d.ID, w.WeekStart.Time(), d.OccurrenceID, d.Date.Time(), d.Segment,
				int(d.Start), int(d.End), d.Periods, d.PeriodMinutes, d.Role, d.ActivityKind, d.InstitutionID,
				d.ClassID, d.ClubID, d.Count, d.Students)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return interpretError(err, "demands")
		}
		if err := applyAssignments(ctx, tx, w.DistrictID, w.SchoolID, w.WeekStart, w.Assignments); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM staffing.demands d WHERE d.district_id = $1 AND d.school_id = $2 AND d.week_start = $3
			AND NOT (d.demand_id = ANY($4)) AND NOT EXISTS (SELECT 1 FROM staffing.assignments a
				WHERE a.district_id = d.district_id AND a.school_id = d.school_id AND a.demand_id = d.demand_id)`,
			w.DistrictID, w.SchoolID, w.WeekStart.Time(), ids)
		if err != nil {
			return interpretError(err, "stale demands")
		}
		return nil
	})
}

// SaveAbsence stores an absence and the re-planned weeks it touches in one
// transaction.
func (s *Store) SaveAbsence(ctx context.Context, districtID, schoolID string, ab demand.Absence, weeks []demand.Substitution) error {
	return pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO staffing.absences (district_id, school_id, absence_id, staff_id, from_day, to_day, reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, districtID, schoolID, ab.ID, ab.StaffID, ab.From.Time(), ab.To.Time(), ab.Reason); err != nil {
			return interpretError(err, "absence of "+ab.StaffID)
		}
		for _, w := range weeks {
			if err := applyAssignments(ctx, tx, districtID, schoolID, w.WeekStart, w.Assignments); err != nil {
				return err
			}
			unc, err := json.Marshal(w.Uncovered)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE staffing.plans SET uncovered = $4 WHERE district_id = $1 AND school_id = $2 AND week_start = $3`,
				districtID, schoolID, w.WeekStart.Time(), unc); err != nil {
				return interpretError(err, "plan")
			}
		}
		return nil
	})
}

// Absences reads the absences overlapping [from, to].
func (s *Store) Absences(ctx context.Context, districtID, schoolID string, from, to civil.Date) ([]demand.Absence, error) {
	rows, err := s.db.Query(ctx, absencesSQL, districtID, schoolID, from.Time(), to.Time())
	if err != nil {
		return nil, interpretError(err, "absences")
	}
	return pgx.CollectRows(rows, scanAbsence)
}

const absencesSQL = `SELECT absence_id, staff_id, from_day, to_day, reason FROM staffing.absences
		WHERE district_id = $1 AND school_id = $2 AND from_day <= $4 AND to_day >= $3 ORDER BY from_day, absence_id`

func scanAbsence(r pgx.CollectableRow) (demand.Absence, error) {
	var a demand.Absence
	var f, t time.Time
	err := r.Scan(&a.ID, &a.StaffID, &f, &t, &a.Reason)
	a.From, a.To = civil.Of(f), civil.Of(t)
	return a, err
}

// AssignByHand adds a locked manual assignment in one transaction. The
// person's row is locked first (SELECT ... FOR UPDATE), so two
// administrators assigning the same person at once are serialised: the
// second sees the first's booking and decide refuses the overlap; the
// exclusion constraint is the last line of defence.
func (s *Store) AssignByHand(ctx context.Context, districtID, schoolID, demandID, staffID, newID string, decide demand.ManualDecision) (demand.Assignment, string, error) {
	var out demand.Assignment
	var replaced string
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM staffing.staff WHERE district_id = $1 AND school_id = $2 AND staff_id = $3 FOR UPDATE`,
			districtID, schoolID, staffID).Scan(&one); err != nil {
			return interpretError(err, "staff member "+staffID)
		}
		var weekStart time.Time
		d, err := scanDemandWeek(tx.QueryRow(ctx, `SELECT `+demandCols+`, week_start FROM staffing.demands
			WHERE district_id = $1 AND school_id = $2 AND demand_id = $3 FOR UPDATE`, districtID, schoolID, demandID), &weekStart)
		if err != nil {
			return interpretError(err, "demand "+demandID)
		}
		rows, err := tx.Query(ctx, `SELECT `+assignmentCols+` FROM staffing.assignments a
			WHERE a.district_id = $1 AND a.school_id = $2 AND a.demand_id = $3 AND a.status = 'active' ORDER BY a.staff_id`,
			districtID, schoolID, demandID)
		if err != nil {
			return interpretError(err, "holders")
		}
		holders, err := pgx.CollectRows(rows, newAssignmentRow().collect)
		if err != nil {
			return interpretError(err, "holders")
		}
		brows, err := tx.Query(ctx, `SELECT a.demand_id, a.staff_id, d.day, d.start_minute, d.end_minute, d.periods
			FROM staffing.assignments a JOIN staffing.demands d
				ON d.district_id = a.district_id AND d.school_id = a.school_id AND d.demand_id = a.demand_id
			WHERE a.district_id = $1 AND a.school_id = $2 AND a.staff_id = $3 AND a.week_start = $4 AND a.status = 'active'`,
			districtID, schoolID, staffID, weekStart)
		if err != nil {
			return interpretError(err, "bookings")
		}
		bookings, err := pgx.CollectRows(brows, func(r pgx.CollectableRow) (solver.Booking, error) {
			var b solver.Booking
			var day time.Time
			var st, en int
			err := r.Scan(&b.DemandID, &b.StaffID, &day, &st, &en, &b.Periods)
			b.Date, b.Start, b.End = civil.Of(day), solver.TimeOfDay(st), solver.TimeOfDay(en)
			return b, err
		})
		if err != nil {
			return interpretError(err, "bookings")
		}
		rep, err := decide(d, holders, bookings)
		if err != nil {
			return err
		}
		if rep != "" {
			i := slices.IndexFunc(holders, func(a demand.Assignment) bool { return a.StaffID == rep })
			if _, err := tx.Exec(ctx, `DELETE FROM staffing.assignments WHERE district_id = $1 AND school_id = $2 AND assignment_id = $3`,
				districtID, schoolID, holders[i].ID); err != nil {
				return interpretError(err, "replaced assignment")
			}
			replaced = rep
		}
		out = demand.Assignment{ID: newID, DemandID: demandID, StaffID: staffID, Locked: true, Source: demand.SourceManual}
		_, err = tx.Exec(ctx, `INSERT INTO staffing.assignments (district_id, school_id, assignment_id, demand_id, staff_id,
			week_start, starts_at, ends_at, locked, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, 'manual')`,
			districtID, schoolID, newID, demandID, staffID, weekStart,
			d.Date.Time().Add(time.Duration(d.Start)*time.Minute),
			d.Date.Time().Add(time.Duration(d.End)*time.Minute))
		if err != nil {
			return interpretError(err, "assignment of "+staffID)
		}
		return nil
	})
	return out, replaced, err
}

func scanDemandWeek(r pgx.Row, weekStart *time.Time) (demand.Demand, error) {
	var d demand.Demand
	var day time.Time
	var start, end int
	err := r.Scan(&d.ID, &d.OccurrenceID, &day, &d.Segment, &start, &end, &d.Periods, &d.PeriodMinutes, &d.Role,
		&d.ActivityKind, &d.InstitutionID, &d.ClassID, &d.ClubID, &d.Count, &d.Students, weekStart)
	d.Date, d.Start, d.End = civil.Of(day), solver.TimeOfDay(start), solver.TimeOfDay(end)
	return d, err
}

// StaffAssignments reads a person's assignments on days in [from, to].
func (s *Store) StaffAssignments(ctx context.Context, districtID, schoolID, staffID string, from, to civil.Date) ([]demand.Entry, error) {
	rows, err := s.db.Query(ctx, `SELECT `+assignmentCols+`, d.demand_id, d.occurrence_id, d.day, d.segment, d.start_minute,
		d.end_minute, d.periods, d.period_minutes, d.role, d.activity_kind, d.institution_id, d.class_id, d.club_id, d.needed, d.students
		FROM staffing.assignments a JOIN staffing.demands d
			ON d.district_id = a.district_id AND d.school_id = a.school_id AND d.demand_id = a.demand_id
		WHERE a.district_id = $1 AND a.school_id = $2 AND a.staff_id = $3 AND d.day BETWEEN $4 AND $5 AND a.status = 'active'
		ORDER BY d.day, d.start_minute, d.demand_id`, districtID, schoolID, staffID, from.Time(), to.Time())
	if err != nil {
		return nil, interpretError(err, "timetable")
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (demand.Entry, error) {
		var e demand.Entry
		var day time.Time
		var st, en int
		d := &e.Demand
		err := r.Scan(&e.Assignment.ID, &e.Assignment.DemandID, &e.Assignment.StaffID, &e.Assignment.Locked, &e.Assignment.Source,
			&e.Assignment.HasHours, &e.Assignment.Status, &d.ID, &d.OccurrenceID, &day, &d.Segment, &st, &en, &d.Periods, &d.PeriodMinutes, &d.Role,
			&d.ActivityKind, &d.InstitutionID, &d.ClassID, &d.ClubID, &d.Count, &d.Students)
		d.Date, d.Start, d.End = civil.Of(day), solver.TimeOfDay(st), solver.TimeOfDay(en)
		return e, err
	})
}

// Assignment reads one assignment with its demand.
func (s *Store) Assignment(ctx context.Context, districtID, schoolID, assignmentID string) (demand.Entry, error) {
	var e demand.Entry
	var day time.Time
	var st, en int
	d := &e.Demand
	err := s.db.QueryRow(ctx, `SELECT `+assignmentCols+`, d.demand_id, d.occurrence_id, d.day, d.segment, d.start_minute,
		d.end_minute, d.periods, d.period_minutes, d.role, d.activity_kind, d.institution_id, d.class_id, d.club_id, d.needed, d.students
		FROM staffing.assignments a JOIN staffing.demands d
			ON d.district_id = a.district_id AND d.school_id = a.school_id AND d.demand_id = a.demand_id
		WHERE a.district_id = $1 AND a.school_id = $2 AND a.assignment_id = $3`, districtID, schoolID, assignmentID).
		Scan(&e.Assignment.ID, &e.Assignment.DemandID, &e.Assignment.StaffID, &e.Assignment.Locked, &e.Assignment.Source,
			&e.Assignment.HasHours, &e.Assignment.Status, &d.ID, &d.OccurrenceID, &day, &d.Segment, &st, &en, &d.Periods, &d.PeriodMinutes, &d.Role,
			&d.ActivityKind, &d.InstitutionID, &d.ClassID, &d.ClubID, &d.Count, &d.Students)
	if err != nil {
		return e, interpretError(err, "assignment "+assignmentID)
	}
	d.Date, d.Start, d.End = civil.Of(day), solver.TimeOfDay(st), solver.TimeOfDay(en)
	return e, nil
}

// Unassign marks an active assignment removed (the row stays for the audit
// trail) in one transaction, under the same row lock a check-in takes, so
// an un-assignment and a check-in never both win. It refuses an assignment
// with an hour record: that session was delivered (or is under way).
func (s *Store) Unassign(ctx context.Context, districtID, schoolID, assignmentID, reason string) (demand.Entry, error) {
	var out demand.Entry
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var status string
		var hasHours bool
		var day time.Time
		var seg string
		var start int
		err := tx.QueryRow(ctx, `SELECT a.status, EXISTS (SELECT 1 FROM staffing.hour_records h WHERE h.district_id = a.district_id
				AND h.school_id = a.school_id AND h.assignment_id = a.assignment_id), d.day, d.segment, d.start_minute
			FROM staffing.assignments a JOIN staffing.demands d
				ON d.district_id = a.district_id AND d.school_id = a.school_id AND d.demand_id = a.demand_id
			WHERE a.district_id = $1 AND a.school_id = $2 AND a.assignment_id = $3 FOR UPDATE OF a`,
			districtID, schoolID, assignmentID).Scan(&status, &hasHours, &day, &seg, &start)
		if err != nil {
			return interpretError(err, "assignment "+assignmentID)
		}
		switch {
		case status != demand.StatusActive:
			return fault.Precondition("assignment_removed: assignment " + assignmentID + " is already removed")
		case hasHours:
			return fault.Precondition(fmt.Sprintf("hours_recorded: hours were already recorded for assignment %s on %s %s %s; "+
				"correct the hour record instead of un-assigning", assignmentID, civil.Of(day), seg, solver.TimeOfDay(start)))
		}
		if _, err := tx.Exec(ctx, `UPDATE staffing.assignments SET status = 'removed', remove_time = now(), remove_reason = $4
			WHERE district_id = $1 AND school_id = $2 AND assignment_id = $3`, districtID, schoolID, assignmentID, reason); err != nil {
			return interpretError(err, "assignment "+assignmentID)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	return s.Assignment(ctx, districtID, schoolID, assignmentID)
}
