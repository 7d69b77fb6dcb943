package changes

import "sync"

// Cache keeps values read from the database for as long as a feed says
// nothing of their scopes changed since they were read. It is bounded:
// past max entries an arbitrary one makes room. A nil Cache, or one
// without a feed, keeps nothing.
type Cache[K comparable, V any] struct {
	feed *Feed
	max  int
	mu   sync.Mutex
	kept map[K]kept[V]
}

type kept[V any] struct {
	mark   uint64
	scopes []string
	v      V
}

// NewCache returns a cache of at most max values under feed (nil: keep
// nothing).
func NewCache[K comparable, V any](feed *Feed, max int) *Cache[K, V] {
	return &Cache[K, V]{feed: feed, max: max, kept: map[K]kept[V]{}}
}

// Read returns k's kept value if it is fresh, else read's, which it keeps
// (under scopes, the scopes whose changes make it stale) when read
// succeeds and the feed is listening. Kept values are shared: callers
// must not change them.
func (c *Cache[K, V]) Read(k K, scopes []string, read func() (V, error)) (V, error) {
	if c == nil || c.feed == nil {
		return read()
	}
	c.mu.Lock()
	e, ok := c.kept[k]
	c.mu.Unlock()
	if ok && c.feed.Fresh(e.mark, e.scopes...) {
		return e.v, nil
	}
	mark, live := c.feed.Mark()
	v, err := read()
	if err != nil || !live {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.kept[k]; !ok && len(c.kept) >= c.max {
		for old := range c.kept {
			delete(c.kept, old)
			break
		}
	}
	c.kept[k] = kept[V]{mark: mark, scopes: scopes, v: v}
	return v, nil
}
