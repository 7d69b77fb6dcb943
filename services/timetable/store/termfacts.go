package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// termClosuresSQL is Closures over the term's own dates.
const termClosuresSQL = `SELECT closure_id, school_id, start_date, end_date, reason, note FROM timetable.closures
		WHERE district_id = $1 AND school_id IN ('', $2)
		AND start_date <= (SELECT end_date FROM timetable.terms WHERE district_id = $1 AND school_id = $2 AND term_id = $3)
		AND end_date >= (SELECT start_date FROM timetable.terms WHERE district_id = $1 AND school_id = $2 AND term_id = $3)
		ORDER BY start_date, closure_id`

// TermFacts reads everything a term's dated sessions derive from — the
// term, the closures touching it, its items, the school's classes, the
// term's clubs, its plan (none yet: an empty plan), cancellations and
// deliveries — in one round trip (a pgx batch of the same queries the
// single reads make), where reading them one by one costs eight. Days and
// PeriodMinutes are left to the caller, which derives them.
func (s *Store) TermFacts(ctx context.Context, sc school.Scope, termID string) (school.TermFacts, []calendar.Closure, error) {
	args := []any{sc.DistrictID, sc.SchoolID, termID}
	b := &pgx.Batch{}
	for _, q := range []string{`SELECT ` + termCols + ` FROM timetable.terms WHERE district_id = $1 AND school_id = $2 AND term_id = $3`,
		termClosuresSQL, itemsSQL, classesSQL, clubsSQL, planSQL, cancellationsSQL, deliveriesSQL} {
		if q == classesSQL {
			b.Queue(q, args[:2]...)
			continue
		}
		b.Queue(q, args...)
	}
	br := s.db.SendBatch(ctx, b)
	defer br.Close()
	var f school.TermFacts
	var err error
	if f.Term, err = scanTerm(br.QueryRow(), sc.SchoolID); err != nil {
		return f, nil, errIf(err, "term "+termID)
	}
	closures, err := collect(br, scanClosure, "closures")
	if err != nil {
		return f, nil, err
	}
	if f.Items, err = collect(br, collectItem, "service items"); err != nil {
		return f, nil, err
	}
	if f.Classes, err = collect(br, scanClass, "classes"); err != nil {
		return f, nil, err
	}
	if f.Clubs, err = collect(br, collectClub, "clubs"); err != nil {
		return f, nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return f, nil, interpretError(err, "plan of term "+termID)
	}
	if f.Plan, err = readPlan(rows, termID); err != nil {
		if !errors.Is(err, fault.ErrNotFound) {
			return f, nil, err
		}
	} else {
		f.PlanStored = true
	}
	if f.Cancels, err = collect(br, scanCancellation, "cancellations"); err != nil {
		return f, nil, err
	}
	if f.Deliveries, err = collect(br, scanDelivery, "deliveries"); err != nil {
		return f, nil, err
	}
	return f, closures, br.Close()
}

// collect reads the batch's next result with scan.
func collect[T any](br pgx.BatchResults, scan pgx.RowToFunc[T], what string) ([]T, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, interpretError(err, what)
	}
	out, err := pgx.CollectRows(rows, scan)
	return out, errIf(err, what)
}
