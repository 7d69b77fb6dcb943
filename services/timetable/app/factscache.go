package app

import (
	"context"
	"sync"

	"github.com/kehou/kehou/services/platform/changes"
)

// ChangesChannel is the channel timetable's triggers notify after a
// committed change to a term's facts (migration 0007_change_notices).
const ChangesChannel = "kehou_timetable_changes"

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
	a.facts.put(k, mark, f)
	return f, nil
}
