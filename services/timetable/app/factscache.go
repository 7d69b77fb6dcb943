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

// maxKeptTerms bounds the terms whose facts are kept: a district's
// schools' current terms fit many times over (a term's facts are tens of
// kilobytes); past it an arbitrary kept term makes room.
const maxKeptTerms = 4096

// factsCache keeps the facts of the terms read lately, for the reads that
// derive everything from them (the weekly plan, the calendar, the dated
// sessions, the "5+2" report). A kept term is used only while the change
// feed says nothing of its school or district changed since it was read;
// without a feed nothing is kept.
type factsCache struct {
	feed *changes.Feed
	mu   sync.Mutex
	kept map[factsKey]keptFacts
}

type factsKey struct{ district, school, term string }

type keptFacts struct {
	mark  uint64
	facts termFacts
}

// get returns the kept facts of a term if they are still fresh.
func (c *factsCache) get(k factsKey) (termFacts, bool) {
	if c.feed == nil {
		return termFacts{}, false
	}
	c.mu.Lock()
	e, ok := c.kept[k]
	c.mu.Unlock()
	if !ok || !c.feed.Fresh(e.mark, changes.Scope(k.district, k.school), changes.Scope(k.district, "")) {
		return termFacts{}, false
	}
	return e.facts, true
}

// mark is the feed's clock before a read of the database.
func (c *factsCache) mark() (uint64, bool) {
	if c.feed == nil {
		return 0, false
	}
	return c.feed.Mark()
}

// put keeps facts read after mark.
func (c *factsCache) put(k factsKey, mark uint64, f termFacts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kept == nil {
		c.kept = map[factsKey]keptFacts{}
	}
	if _, ok := c.kept[k]; !ok && len(c.kept) >= maxKeptTerms {
		for old := range c.kept {
			delete(c.kept, old)
			break
		}
	}
	c.kept[k] = keptFacts{mark: mark, facts: f}
}

// readTerm is loadTerm for a read: from memory when the term's facts were
// read since the last change to its school or district. The facts are
// shared: callers must not change them (loadTerm gives a private copy to
// the use cases that do).
func (a *App) readTerm(ctx context.Context, schoolID, termID string) (termFacts, error) {
	district, err := a.schools(ctx, schoolID)
	if err != nil {
		return termFacts{}, err
	}
	k := factsKey{district, schoolID, termID}
	if f, ok := a.facts.get(k); ok {
		return f, nil
	}
	mark, keep := a.facts.mark()
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil || !keep {
		return f, err
	}
	f.derived = &derived{}
	a.facts.put(k, mark, f)
	return f, nil
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
