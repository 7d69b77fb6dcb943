package timetablefeed

import (
	"context"
	"sync"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/platform/authz"
	"github.com/kehou/kehou/services/platform/fault"
)

// MaxRemembered bounds each of the feed's memories (schools, terms).
const MaxRemembered = 100_000

// memory is what the feed remembers of timetable: only facts timetable
// never changes once they exist — the district a school belongs to, and a
// term's id, name and dates (timetable has no call that moves a school or
// edits or deletes a term) — so the parent's statement route asks
// timetable nothing after the first request for a school and term. What is
// not known is always asked (a miss is never remembered), so a term
// created a moment ago is found by the next request. Both memories are
// bounded (past MaxRemembered they start afresh). The zero value is ready.
type memory struct {
	once      sync.Once
	districts authz.Schools

	mu    sync.Mutex
	terms map[[2]string]facts.Term // (school, term) → term
}

// SchoolDistrict returns the district of a school (remembered).
func (f *Feed) SchoolDistrict(ctx context.Context, schoolID string) (string, error) {
	f.mem.once.Do(func() {
		f.mem.districts = authz.Cached(func(ctx context.Context, id string) (string, error) {
			sc, err := f.School(ctx, id)
			return sc.DistrictID, err
		}, MaxRemembered)
	})
	return f.mem.districts(ctx, schoolID)
}

// Term returns one term of a school. A term not yet remembered is looked
// up among the school's terms (one call), and all of them are remembered.
func (f *Feed) Term(ctx context.Context, schoolID, termID string) (facts.Term, error) {
	key := [2]string{schoolID, termID}
	f.mem.mu.Lock()
	t, ok := f.mem.terms[key]
	f.mem.mu.Unlock()
	if ok {
		return t, nil
	}
	terms, err := f.Terms(ctx, schoolID)
	if err != nil {
		return facts.Term{}, err
	}
	f.mem.mu.Lock()
	defer f.mem.mu.Unlock()
	if f.mem.terms == nil || len(f.mem.terms)+len(terms) > MaxRemembered {
		f.mem.terms = map[[2]string]facts.Term{}
	}
	for _, x := range terms {
		f.mem.terms[[2]string{schoolID, x.ID}] = x
		if x.ID == termID {
			t, ok = x, true
		}
	}
	if !ok {
		return facts.Term{}, fault.NotFound("term " + termID + " of school " + schoolID + " not found")
	}
	return t, nil
}
