package changes_test

import (
	"context"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/changes"
	"github.com/kehou/kehou/services/platform/pgtest"
)

// TestFreshUntilANoticeNamesTheScope: what was read after a mark stays fresh
// until a notice names its scope; Sync returns only once the feed has seen
// every notice committed before it; "*" makes everything read before it
// stale but not what is read after; a feed not listening keeps nothing
// fresh and Sync does not wait on it.
func TestFreshUntilANoticeNamesTheScope(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	f := changes.New(pool, "kehou_test_changes", nil)
	if _, ok := f.Mark(); ok {
		t.Fatal("a feed that never listened says it is live")
	}
	f.Sync(ctx) // not listening: returns at once
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.Run(rctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for _, ok := f.Mark(); !ok; _, ok = f.Mark() {
		if time.Now().After(deadline) {
			t.Fatal("the feed did not listen within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	notify := func(payload string) {
		t.Helper()
		if _, err := pool.Exec(ctx, `SELECT pg_notify('kehou_test_changes', $1)`, payload); err != nil {
			t.Fatal(err)
		}
	}
	m1, _ := f.Mark()
	if !f.Fresh(m1, "350481/sch_a", "350481/") {
		t.Fatal("nothing was notified: not fresh")
	}
	notify("350481/sch_a")
	f.Sync(ctx)
	if f.Fresh(m1, "350481/sch_a") {
		t.Error("a notice for sch_a was synced: still fresh")
	}
	if !f.Fresh(m1, "350481/sch_b", "350481/") {
		t.Error("a notice for sch_a made sch_b stale")
	}
	m2, _ := f.Mark()
	if !f.Fresh(m2, "350481/sch_a") {
		t.Error("read after the notice: not fresh")
	}
	notify("*")
	f.Sync(ctx)
	if f.Fresh(m2, "350481/sch_b") {
		t.Error("after '*': what was read before is fresh")
	}
	m3, _ := f.Mark()
	if !f.Fresh(m3, "350481/sch_b") {
		t.Error("after '*': what is read afterwards is not fresh")
	}
	stop()
	<-done
	if f.Fresh(m3, "350481/sch_b") {
		t.Error("the feed stopped listening: still fresh")
	}
	start := time.Now()
	f.Sync(ctx)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Sync on a feed not listening waited %v", d)
	}
}
