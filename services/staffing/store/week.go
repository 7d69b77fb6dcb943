package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// GridFacts reads what a school's staffing grid is made of — the solved
// week (plan, demands, assignments), the school's staff, the district's
// institutions with their courses and schools, and the absences of the
// week — in one round trip (a pgx batch of the same queries LoadWeek,
// ListMembers, ListInstitutions and Absences make), where reading them one
// by one costs eight.
func (s *Store) GridFacts(ctx context.Context, districtID, schoolID string, weekStart civil.Date) (demand.Week, []staff.Member, []staff.Institution, []demand.Absence, error) {
	w := demand.Week{DistrictID: districtID, SchoolID: schoolID, WeekStart: weekStart}
	week, end := weekStart.Time(), weekStart.AddDays(6).Time()
	b := &pgx.Batch{}
	b.Queue(weekSQL, districtID, schoolID, week)
	b.Queue(weekDemandsSQL, districtID, schoolID, week)
	b.Queue(weekAssignmentsSQL, districtID, schoolID, week)
	b.Queue(membersSQL, districtID, schoolID, "", 1<<30)
	b.Queue(institutionsSQL, districtID, []string(nil))
	b.Queue(coursesSQL, districtID)
	b.Queue(institutionSchoolsSQL, districtID)
	b.Queue(absencesSQL, districtID, schoolID, week, end)
	br := s.db.SendBatch(ctx, b)
	defer br.Close()
	fail := func(err error) (demand.Week, []staff.Member, []staff.Institution, []demand.Absence, error) {
		return w, nil, nil, nil, err
	}
	if err := scanWeek(br.QueryRow(), &w); err != nil {
		return fail(err)
	}
	var err error
	if w.Demands, err = collect(br, collectDemand, "demands"); err != nil {
		return fail(err)
	}
	if w.Assignments, err = collect(br, collectAssignment, "assignments"); err != nil {
		return fail(err)
	}
	ms, err := collect(br, collectMember, "staff")
	if err != nil {
		return fail(err)
	}
	ins, err := collect(br, scanInstitution, "institutions")
	if err != nil {
		return fail(err)
	}
	for _, add := range []func([]staff.Institution, pgx.Rows) error{addCourses, addSchools} {
		rows, err := br.Query()
		if err != nil {
			return fail(interpretError(err, "institutions"))
		}
		if err := add(ins, rows); err != nil {
			return fail(err)
		}
	}
	abs, err := collect(br, scanAbsence, "absences")
	if err != nil {
		return fail(err)
	}
	return w, ms, ins, abs, br.Close()
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
