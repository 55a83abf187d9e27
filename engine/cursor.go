package engine

import (
	"container/list"
	"sync"
	"time"
)

// cursorCache remembers, for a list walk in id order, the last id served before a given
// startIndex. When the agent asks for the next page (startIndex 101, 201, ...) the engine
// continues with WHERE id > last instead of skipping rows with OFFSET, so page 1,000 costs
// what page 1 does. A miss (another process served the previous page, the entry
// expired, or the client jumped) falls back to OFFSET, which is correct, only slower.
//
// The guarantee, as for any keyset walk: every row that exists for the whole walk is
// returned exactly once; rows inserted or deleted during the walk may or may not be seen,
// and never shift other rows between pages as OFFSET would.
type cursorCache struct {
	mu     sync.Mutex
	max    int
	ttl    time.Duration
	ll     *list.List
	items  map[cursorKey]*list.Element
	totals map[string]totalEntry
}

type cursorKey struct {
	walk       string // resource and filter text
	startIndex int
}

type cursorEntry struct {
	key     cursorKey
	last    any
	expires time.Time
}

func newCursorCache(max int, ttl time.Duration) *cursorCache {
	return &cursorCache{max: max, ttl: ttl, ll: list.New(), items: map[cursorKey]*list.Element{}}
}

func (c *cursorCache) get(walk string, startIndex int) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[cursorKey{walk, startIndex}]
	if !ok {
		return nil, false
	}
	ent := el.Value.(*cursorEntry)
	if time.Now().After(ent.expires) {
		c.ll.Remove(el)
		delete(c.items, ent.key)
		return nil, false
	}
	return ent.last, true
}

func (c *cursorCache) put(walk string, startIndex int, last any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cursorKey{walk, startIndex}
	if el, ok := c.items[k]; ok {
		ent := el.Value.(*cursorEntry)
		ent.last, ent.expires = last, time.Now().Add(c.ttl)
		c.ll.MoveToFront(el)
		return
	}
	c.items[k] = c.ll.PushFront(&cursorEntry{key: k, last: last, expires: time.Now().Add(c.ttl)})
	for c.ll.Len() > c.max {
		el := c.ll.Back()
		c.ll.Remove(el)
		delete(c.items, el.Value.(*cursorEntry).key)
	}
}

type totalEntry struct {
	n  int
	at time.Time
}

// putTotal and getTotal remember a walk's count for a short while.
func (c *cursorCache) putTotal(walk string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.totals == nil || len(c.totals) > c.max {
		c.totals = map[string]totalEntry{}
	}
	c.totals[walk] = totalEntry{n: n, at: time.Now()}
}

// refreshTotal replaces a walk's kept count with n, if it has one.
func (c *cursorCache) refreshTotal(walk string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.totals[walk]; ok {
		c.totals[walk] = totalEntry{n: n, at: time.Now()}
	}
}

func (c *cursorCache) getTotal(walk string, ttl time.Duration) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.totals[walk]
	if !ok || time.Since(t.at) > ttl {
		return 0, false
	}
	return t.n, true
}
