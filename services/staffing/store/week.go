package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// GridFacts reads what a school's staffing grid is made of — the solved
// week (plan, demands, assignments), the school's staff, the district's
// institutions and the absences of the week — in one round trip (a pgx
// batch of six queries), where reading them one by one costs eight.
//
// The week's stored reasons (uncovered) are not read: they are the last
// solve's, and the grid explains the plan as it is now (app.grid), so
// Week.Uncovered is nil. The staff and institutions carry only what the
// grid's solver problem reads (app.problemOf), so the grid neither reads
// nor decodes the rest:
// a member has no name, ID card or staff number, and OptedInTerms holds
// the plan's term when the person opted in for it and nothing else; an
// institution has its licence, approval and the activity kinds of its
// courses (Courses with ActivityKind only), and SchoolIDs holds this
// school when the institution serves it and nothing else.
func (s *Store) GridFacts(ctx context.Context, districtID, schoolID string, weekStart civil.Date) (demand.Week, []staff.Member, []staff.Institution, []demand.Absence, error) {
	w := demand.Week{DistrictID: districtID, SchoolID: schoolID, WeekStart: weekStart}
	week, end := weekStart.Time(), weekStart.AddDays(6).Time()
	b := &pgx.Batch{}
	b.Queue(gridWeekSQL, districtID, schoolID, week)
	b.Queue(weekDemandsSQL, districtID, schoolID, week)
	b.Queue(weekAssignmentsSQL, districtID, schoolID, week)
	b.Queue(gridMembersSQL, districtID, schoolID, week)
	b.Queue(gridInstitutionsSQL, districtID, schoolID)
	b.Queue(absencesSQL, districtID, schoolID, week, end)
	br := s.db.SendBatch(ctx, b)
	defer br.Close()
	fail := func(err error) (demand.Week, []staff.Member, []staff.Institution, []demand.Absence, error) {
		return w, nil, nil, nil, err
	}
	var seed int64
	if err := br.QueryRow().Scan(&w.TermID, &seed); err != nil {
		return fail(interpretError(err, "staffing plan of the week of "+weekStart.String()))
	}
	w.Seed = uint64(seed)
	var err error
	if w.Demands, err = collect(br, newDemandRow().collect, "demands"); err != nil {
		return fail(err)
	}
	if w.Assignments, err = collect(br, newAssignmentRow().collect, "assignments"); err != nil {
		return fail(err)
	}
	ms, err := collect(br, func(r pgx.CollectableRow) (staff.Member, error) {
		return scanGridMember(r, districtID, schoolID, w.TermID)
	}, "staff")
	if err != nil {
		return fail(err)
	}
	ins, err := collect(br, func(r pgx.CollectableRow) (staff.Institution, error) {
		return scanGridInstitution(r, districtID, schoolID)
	}, "institutions")
	if err != nil {
		return fail(err)
	}
	abs, err := collect(br, scanAbsence, "absences")
	if err != nil {
		return fail(err)
	}
	return w, ms, ins, abs, br.Close()
}

// gridWeekSQL is weekSQL without the stored reasons.
const gridWeekSQL = `SELECT term_id, seed FROM staffing.plans WHERE district_id = $1 AND school_id = $2 AND week_start = $3`

// gridMembersSQL reads the school's staff with the columns the solver
// uses, and whether each opted in for the term of the week's plan ($3).
const gridMembersSQL = `SELECT m.staff_id, m.kind, m.institution_id, m.subjects, m.classes_taught, m.class_teacher_of,
	m.qualifications, m.availability, m.max_periods_per_week, m.max_days_per_week, m.max_periods_per_day, m.preferences,
	EXISTS (SELECT 1 FROM staffing.term_participation p JOIN staffing.plans w
		ON w.district_id = p.district_id AND w.school_id = p.school_id AND w.term_id = p.term_id
		WHERE p.district_id = m.district_id AND p.school_id = m.school_id AND p.staff_id = m.staff_id AND w.week_start = $3)
	FROM staffing.staff m WHERE m.district_id = $1 AND m.school_id = $2 ORDER BY m.staff_id`

func scanGridMember(r pgx.Row, districtID, schoolID, termID string) (staff.Member, error) {
	m := staff.Member{DistrictID: districtID, SchoolID: schoolID}
	var kind string
	var avail, prefs []byte
	var optedIn bool
	err := r.Scan(&m.ID, &kind, &m.InstitutionID, &m.Subjects, &m.ClassesTaught, &m.ClassTeacherOf, &m.Qualifications,
		&avail, &m.Limits.MaxPeriodsPerWeek, &m.Limits.MaxDaysPerWeek, &m.Limits.MaxPeriodsPerDay, &prefs, &optedIn)
	if err != nil {
		return m, err
	}
	m.Kind = staff.Kind(kind)
	if optedIn {
		m.OptedInTerms = []string{termID}
	}
	return m, decodeProfile(&m, avail, prefs)
}

// decodeProfile decodes a member's availability and preferences columns;
// the empty defaults ('[]', '{}'), most people's, decode to nothing.
func decodeProfile(m *staff.Member, avail, prefs []byte) error {
	if string(avail) != "[]" {
		var slots []slotJSON
		if err := json.Unmarshal(avail, &slots); err != nil {
			return fmt.Errorf("decode availability: %w", err)
		}
		for _, s := range slots {
			m.Availability = append(m.Availability, staff.Slot(s))
		}
	}
	if string(prefs) != "{}" {
		if err := json.Unmarshal(prefs, &m.Preferences); err != nil {
			return fmt.Errorf("decode preferences: %w", err)
		}
	}
	return nil
}

// gridInstitutionsSQL reads the district's institutions with what the
// solver checks: licence, approval, the activity kinds of the courses (in
// course order, as staff.Institution.ToSolver reads them) and whether the
// institution serves school $2.
const gridInstitutionsSQL = `SELECT i.institution_id, i.licence_no, i.licence_valid_from, i.licence_valid_until, i.approved,
	ARRAY(SELECT c.activity_kind FROM staffing.institution_courses c
		WHERE c.district_id = i.district_id AND c.institution_id = i.institution_id ORDER BY c.course_id),
	EXISTS (SELECT 1 FROM staffing.institution_schools s
		WHERE s.district_id = i.district_id AND s.institution_id = i.institution_id AND s.school_id = $2)
	FROM staffing.institutions i WHERE i.district_id = $1 ORDER BY i.institution_id`

func scanGridInstitution(r pgx.Row, districtID, schoolID string) (staff.Institution, error) {
	in := staff.Institution{DistrictID: districtID}
	var from, until time.Time
	var kinds []string
	var serves bool
	if err := r.Scan(&in.ID, &in.LicenceNo, &from, &until, &in.Approved, &kinds, &serves); err != nil {
		return in, err
	}
	in.ValidFrom, in.ValidUntil = civil.Of(from), civil.Of(until)
	for _, k := range kinds {
		in.Courses = append(in.Courses, staff.Course{ActivityKind: k})
	}
	if serves {
		in.SchoolIDs = []string{schoolID}
	}
	return in, nil
}

// collect reads the batch's next result with scan.
func collect[T any](br pgx.BatchResults, scan pgx.RowToFunc[T], what string) ([]T, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, interpretError(err, what)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, interpretError(err, what)
	}
	return out, nil
}
