package app

import (
	"context"
	"sync"

	"github.com/kehou/kehou/services/platform/changes"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/compliance"
)

// ChangesChannel is the channel timetable's triggers notify after a
// committed change to a term's facts (migration 0007_change_notices).
const ChangesChannel = "kehou_timetable_changes"

// maxKeptReports bounds the "5+2" reports derived from one kept term (the
// whole term and a week each).
const maxKeptReports = 64

// maxKeptTerms bounds the terms whose facts are kept (App.facts): a
// city's schools' current terms fit three times over. A kept term of a
// 1,000-student school with its dated sessions is up to ~0.16 MB (the
// 300-school fee run's peak heap grew by 48 MB once they were kept), so
// the bound is ~170 MB.
const maxKeptTerms = 1024

// factsKey names a kept term.
type factsKey struct{ district, school, term string }

// readTerm is loadTerm for a read: from memory (App.facts) when the
// term's facts were read since the last change to its school or district.
// The facts are shared: callers must not change them (loadTerm gives a
// private copy to the use cases that do).
func (a *App) readTerm(ctx context.Context, schoolID, termID string) (termFacts, error) {
	district, err := a.schools(ctx, schoolID)
	if err != nil {
		return termFacts{}, err
	}
	scopes := []string{changes.Scope(district, schoolID), changes.Scope(district, "")}
	return a.facts.Read(factsKey{district, schoolID, termID}, scopes, func() (termFacts, error) {
		f, err := a.loadTerm(ctx, schoolID, termID)
		f.derived = &derived{}
		return f, err
	})
}

// derived holds what is computed from a kept term's facts alone, so that
// it is computed once per kept term rather than once per request. It is
// forgotten with the facts.
type derived struct {
	once sync.Once
	occ  []calendar.Occurrence
	err  error

	mu      sync.Mutex
	reports map[civil.Date]reportResult // by week (zero: the whole term)
}

type reportResult struct {
	rep compliance.Report
	err error
}

// occurrences is f.Occurrences(nil, nil), computed once for a kept term;
// the slice is shared: callers must not change it.
func (f termFacts) occurrences() ([]calendar.Occurrence, error) {
	if f.derived == nil {
		return f.Occurrences(nil, nil)
	}
	f.derived.once.Do(func() { f.derived.occ, f.derived.err = f.Occurrences(nil, nil) })
	return f.derived.occ, f.derived.err
}

// report returns compute's report for weekOf, computed once for a kept
// term; the report is shared: callers must not change it.
func (f termFacts) report(weekOf civil.Date, compute func() (compliance.Report, error)) (compliance.Report, error) {
	d := f.derived
	if d == nil {
		return compute()
	}
	d.mu.Lock()
	r, ok := d.reports[weekOf]
	d.mu.Unlock()
	if ok {
		return r.rep, r.err
	}
	rep, err := compute()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.reports == nil || len(d.reports) >= maxKeptReports {
		d.reports = map[civil.Date]reportResult{}
	}
	d.reports[weekOf] = reportResult{rep, err}
	return rep, err
}
