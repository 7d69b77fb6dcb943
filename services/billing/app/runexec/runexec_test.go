package runexec_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kehou/kehou/services/billing/app/runexec"
)

// TestFlightRunsDuplicatesOnce starts the same key many times while the
// first call is blocked: fn runs once and everyone shares its answer.
func TestFlightRunsDuplicatesOnce(t *testing.T) {
	f := runexec.NewFlight[int](2)
	var calls atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	fn := func(context.Context) (int, error) {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	results := make([]int, 8)
	var shared atomic.Int32
	wg.Add(1)
	go func() {
		defer wg.Done()
		results[0], _, _ = f.Do(context.Background(), "k", fn)
	}()
	<-started
	for i := 1; i < len(results); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, s, err := f.Do(context.Background(), "k", fn)
			if err != nil {
				t.Error(err)
			}
			if s {
				shared.Add(1)
			}
			results[i] = v
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the duplicates reach the wait
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("fn ran %d times, want 1", n)
	}
	if n := shared.Load(); n != int32(len(results)-1) {
		t.Errorf("%d calls shared the answer, want %d", n, len(results)-1)
	}
	for i, v := range results {
		if v != 42 {
			t.Errorf("results[%d] = %d", i, v)
		}
	}
}

// TestFlightRetriesAfterAFailure: a duplicate of a failed call runs on its own.
func TestFlightRetriesAfterAFailure(t *testing.T) {
	f := runexec.NewFlight[int](1)
	release := make(chan struct{})
	started := make(chan struct{})
	done := make(chan error)
	go func() {
		_, _, err := f.Do(context.Background(), "k", func(context.Context) (int, error) {
			close(started)
			<-release
			return 0, errors.New("boom")
		})
		done <- err
	}()
	<-started
	var second int
	var secondErr error
	wait := make(chan struct{})
	go func() {
		second, _, secondErr = f.Do(context.Background(), "k", func(context.Context) (int, error) { return 7, nil })
		close(wait)
	}()
	time.Sleep(20 * time.Millisecond)
	close(release)
	if err := <-done; err == nil {
		t.Error("first call: want its error")
	}
	<-wait
	if secondErr != nil || second != 7 {
		t.Errorf("duplicate after a failure = %d, %v; want 7, nil", second, secondErr)
	}
}

// TestPipeReturnsTheWriteError: a background write's error comes back from the next Go or Wait.
func TestPipeReturnsTheWriteError(t *testing.T) {
	var spent time.Duration
	p := runexec.Pipe{Spent: &spent}
	boom := errors.New("boom")
	if err := p.Go(func() error { return boom }); err != nil {
		t.Fatal(err)
	}
	if err := p.Go(func() error { return nil }); !errors.Is(err, boom) {
		t.Errorf("second Go = %v, want the first write's error", err)
	}
	if err := p.Wait(); err != nil {
		t.Errorf("Wait after a failed Go = %v, want nil (nothing in flight)", err)
	}
	if err := p.Go(func() error { time.Sleep(time.Millisecond); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil || spent == 0 {
		t.Errorf("Wait = %v, spent %v", err, spent)
	}
}
