// Package runexec is the process side of billing's runs, shared by every
// kind of run (fee runs, and pay runs next): Flight, which gives duplicate
// requests in one process the first one's answer and bounds the runs in
// flight, and Pipe, which overlaps a run's writes with its computing. The
// run's rules (request hashing, inputs snapshots, revisions) are pure and
// live in domain/run.
package runexec

import (
	"context"
	"sync"
	"time"
)

// Flight runs one call per key at a time: a duplicate of a call in flight
// waits in memory for it (no database connection held while waiting) and
// shares its answer. It also bounds how many calls run at once, so runs
// never exhaust the connection pool. The unique request key in the store
// keeps duplicates across processes to one run; Flight only spares the
// database the contention within one process.
type Flight[T any] struct {
	mu       sync.Mutex
	inflight map[string]*call[T]
	slots    chan struct{}
}

type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// NewFlight returns a Flight that runs at most limit calls at once.
func NewFlight[T any](limit int) *Flight[T] {
	return &Flight[T]{inflight: map[string]*call[T]{}, slots: make(chan struct{}, max(limit, 1))}
}

// Do runs fn under key, unless a call of the same key is in flight: then it
// waits for that call and returns its value with shared = true. When the
// call it waited for failed (for example, it was cancelled), it runs fn
// itself. fn holds one of the limited slots while it runs.
func (f *Flight[T]) Do(ctx context.Context, key string, fn func(context.Context) (T, error)) (val T, shared bool, err error) {
	f.mu.Lock()
	if c, ok := f.inflight[key]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return val, false, ctx.Err()
		}
		if c.err != nil {
			val, err = f.run(ctx, fn) // the first failed (e.g. cancelled): try on our own
			return val, false, err
		}
		return c.val, true, nil
	}
	c := &call[T]{done: make(chan struct{})}
	f.inflight[key] = c
	f.mu.Unlock()
	c.val, c.err = f.run(ctx, fn)
	f.mu.Lock()
	delete(f.inflight, key)
	f.mu.Unlock()
	close(c.done)
	return c.val, false, c.err
}

func (f *Flight[T]) run(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	select {
	case f.slots <- struct{}{}:
		defer func() { <-f.slots }()
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	return fn(ctx)
}

// Pipe runs one write at a time in the background, so a run computes its
// next batch while the previous one is written. A transaction is used by
// one goroutine at a time: Go first waits for the write in flight, and a
// caller that needs the transaction itself calls Wait first.
type Pipe struct {
	pending chan error
	// Spent, when set, accumulates the time the writes took.
	Spent *time.Duration
}

// Wait waits for the write in flight, if any, and returns its error.
func (p *Pipe) Wait() error {
	if p.pending == nil {
		return nil
	}
	err := <-p.pending
	p.pending = nil
	return err
}

// Go waits for the previous write, then starts write in the background;
// its error comes back from the next Go or Wait.
func (p *Pipe) Go(write func() error) error {
	if err := p.Wait(); err != nil {
		return err
	}
	p.pending = make(chan error, 1)
	go func() {
		t0 := time.Now()
		err := write()
		if p.Spent != nil {
			*p.Spent += time.Since(t0)
		}
		p.pending <- err
	}()
	return nil
}
