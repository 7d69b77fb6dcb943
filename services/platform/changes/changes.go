// Package changes tells a process which of its service's data changed,
// so that it may keep reads in memory and still answer the next request
// with what was committed before it.
//
// Triggers on the service's tables notify a PostgreSQL channel after every
// committed change, naming the scope it touched ("district/school", or
// "district/" for the whole district, "*" for everything). A Feed listens
// on one dedicated connection and counts the notices. A cache takes a Mark
// before it reads the database and may keep what it read only while Fresh
// says no notice for its scopes has arrived since.
//
// Two promises follow:
//   - in the process that made a change, the next read sees it: the
//     service calls Sync when a call that may change data returns
//     (rpcserver.Options.AfterChange), and Sync waits until the feed has
//     caught up with everything committed before it;
//   - in every other process, a change is seen as soon as its notice is
//     delivered (PostgreSQL sends it at commit; milliseconds).
//
// While the feed is not listening (at start, after its connection broke)
// nothing is fresh, so caches read through to the database; when it
// listens again, everything kept before is stale.
package changes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// syncPrefix marks Sync's own notices, which name no scope.
const syncPrefix = "sync:"

// maxScopes bounds the scopes remembered as changed; past it the feed
// forgets them and counts everything as changed instead.
const maxScopes = 100_000

// Feed follows one notification channel.
type Feed struct {
	channel string
	pool    *pgxpool.Pool
	log     *slog.Logger
	// SyncTimeout bounds how long Sync waits for its notice; on timeout the
	// feed restarts its connection and nothing is fresh until it listens.
	SyncTimeout time.Duration

	mu      sync.Mutex
	seq     uint64            // notices seen (and restarts), the clock of Mark
	since   uint64            // nothing marked before since is fresh
	live    bool              // listening now
	changed map[string]uint64 // scope → seq of its last notice
	syncs   map[string]chan struct{}
	restart context.CancelFunc // ends the current connection (a Sync timed out)
}

// New returns a feed of channel over pool's database; Run makes it listen.
func New(pool *pgxpool.Pool, channel string, log *slog.Logger) *Feed {
	if log == nil {
		log = slog.Default()
	}
	return &Feed{channel: channel, pool: pool, log: log, SyncTimeout: 5 * time.Second,
		changed: map[string]uint64{}, syncs: map[string]chan struct{}{}}
}

// Mark is the feed's clock before a read of the database: what the read
// returns is fresh for Fresh(mark, ...) until a notice for its scopes
// arrives. ok is false while the feed is not listening: keep nothing.
func (f *Feed) Mark() (mark uint64, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq, f.live
}

// Fresh reports whether no notice for any of scopes, and no restart, came
// after mark.
func (f *Feed) Fresh(mark uint64, scopes ...string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.live || mark < f.since {
		return false
	}
	for _, s := range scopes {
		if f.changed[s] > mark {
			return false
		}
	}
	return true
}

// Scope is the name a trigger gives a school's changes; an empty school
// names the district's own.
func Scope(districtID, schoolID string) string { return districtID + "/" + schoolID }

// Sync returns once the feed has seen every notice committed before the
// call. It sends a notice of its own and waits for it: PostgreSQL delivers
// a channel's notices in commit order. When the feed is not listening
// there is nothing to wait for (nothing is fresh); when the notice does
// not come back in time, the feed restarts and nothing is fresh until it
// listens again.
func (f *Feed) Sync(ctx context.Context) {
	f.mu.Lock()
	if !f.live {
		f.mu.Unlock()
		return
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	nonce := hex.EncodeToString(b[:])
	done := make(chan struct{})
	f.syncs[nonce] = done
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.syncs, nonce)
		f.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.SyncTimeout)
	defer cancel()
	// Not durable: the notice only orders the queue; synchronous_commit off
	// spares it a WAL flush.
	_, err := f.pool.Exec(ctx, `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`, f.channel, syncPrefix+nonce)
	if err == nil {
		select {
		case <-done:
			return
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	f.log.Warn("change feed did not catch up; restarting it", "channel", f.channel, "err", err)
	f.mu.Lock()
	f.down()
	if f.restart != nil {
		f.restart()
	}
	f.mu.Unlock()
}

// down stops freshness: called with mu held.
func (f *Feed) down() {
	f.live = false
	f.seq++
	f.since = f.seq + 1
}

// Run listens until ctx ends, reconnecting after a failure with a backoff
// of up to five seconds.
func (f *Feed) Run(ctx context.Context) {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		listened, err := f.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if listened {
			backoff = 50 * time.Millisecond
		}
		f.log.Warn("change feed lost its connection", "channel", f.channel, "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listen holds one connection listening until it fails; listened says
// whether it got as far as listening.
func (f *Feed) listen(ctx context.Context) (listened bool, err error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f.mu.Lock()
	f.restart = cancel
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.down()
		f.restart = nil
		for nonce, done := range f.syncs { // their notice will not come: nothing is fresh anyway
			close(done)
			delete(f.syncs, nonce)
		}
		f.mu.Unlock()
	}()
	conn, err := pgx.ConnectConfig(cctx, f.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(cctx, "LISTEN "+pgx.Identifier{f.channel}.Sanitize()); err != nil {
		return false, err
	}
	f.mu.Lock()
	f.seq++
	f.since, f.live = f.seq, true
	f.mu.Unlock()
	for {
		n, err := conn.WaitForNotification(cctx)
		if err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() == nil {
				err = errors.New("restarted after a sync timed out")
			}
			return true, err
		}
		f.note(n)
	}
}

// note counts one notice.
func (f *Feed) note(n *pgconn.Notification) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if nonce, ok := strings.CutPrefix(n.Payload, syncPrefix); ok {
		if done, ok := f.syncs[nonce]; ok {
			close(done)
			delete(f.syncs, nonce)
		}
		return
	}
	f.seq++
	if n.Payload == "*" || len(f.changed) >= maxScopes {
		clear(f.changed) // everything marked before this notice is stale
		f.since = f.seq
		return
	}
	f.changed[n.Payload] = f.seq
}
