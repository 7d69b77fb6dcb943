package app

import (
	"sync"
	"time"
)

// The password-spray guard (documented in docs/policies.md): one address
// that fails to sign in to SprayAccounts different logins (known or not)
// within SprayWindow, or fails SprayFailures times in all, is refused
// every sign-in for SprayBlock, even with a right password. It lives in
// memory: each identity replica guards itself, and a restart forgets; the
// per-account lock (in the database) still holds across replicas.
const (
	SprayAccounts = 10
	SprayFailures = 50
	SprayWindow   = 10 * time.Minute
	SprayBlock    = 15 * time.Minute
	// sprayAddresses bounds the memory: beyond it the oldest-touched
	// addresses are forgotten first.
	sprayAddresses = 100_000
)

type sprayGuard struct {
	mu    sync.Mutex
	addrs map[string]*addrFailures
}

type addrFailures struct {
	times   []time.Time
	logins  map[string]time.Time
	blocked time.Time
	touched time.Time
}

func newSprayGuard() *sprayGuard { return &sprayGuard{addrs: map[string]*addrFailures{}} }

func (g *sprayGuard) blocked(addr string, now time.Time) bool {
	if addr == "" {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	f, ok := g.addrs[addr]
	return ok && now.Before(f.blocked)
}

func (g *sprayGuard) fail(addr, login string, now time.Time) {
	if addr == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	f, ok := g.addrs[addr]
	if !ok {
		if len(g.addrs) >= sprayAddresses {
			g.evict()
		}
		f = &addrFailures{logins: map[string]time.Time{}}
		g.addrs[addr] = f
	}
	f.touched = now
	cut := now.Add(-SprayWindow)
	kept := f.times[:0]
	for _, t := range f.times {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	f.times = append(kept, now)
	for l, t := range f.logins {
		if !t.After(cut) {
			delete(f.logins, l)
		}
	}
	f.logins[login] = now
	if len(f.logins) >= SprayAccounts || len(f.times) >= SprayFailures {
		f.blocked = now.Add(SprayBlock)
	}
}

// evict forgets the address touched longest ago (called with mu held).
func (g *sprayGuard) evict() {
	var oldest string
	var t time.Time
	for a, f := range g.addrs {
		if oldest == "" || f.touched.Before(t) {
			oldest, t = a, f.touched
		}
	}
	delete(g.addrs, oldest)
}
