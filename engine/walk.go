package engine

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A walk is a client reading a list page after page (the agent's import: startIndex 1,
// 101, 201, ... with count 100). Where a walk got to is kept in a CursorStore, so that the
// next page continues after the last key served (WHERE id > last) instead of skipping
// rows with OFFSET, and page 10,000 costs what page 1 does.
//
// A walk keeps one position: the startIndex of the page after the last one recorded, the
// key of that page's last row, and the walk's count. Every full page in id order
// overwrites it. A page continues from it when it starts exactly there (the walk's last
// page, wherever it was served, ended right before it), or up to maxSkip pages after
// it: then after that key, skipping the rows of the pages in between (served by other
// replicas that keep positions each to itself). Anything else (a page before the
// position, or far after it, a client that jumped, a position expired or a store that
// did not answer) is read with OFFSET from the first row. So:
//
//   - with one process, or with replicas that share a store (Redis), every page continues
//     exactly where the walk's last page ended, and every row that exists for the whole
//     walk is returned exactly once, whatever is inserted or deleted before or during it;
//   - with replicas that keep positions each to itself and take pages in turn, a page
//     continues after the last key this process served of the walk, skipping the rows
//     the others served since: exact whatever changed before the walk, or anywhere but
//     among those few pages' rows while they were being read; a row inserted or deleted
//     there can shift others by one;
//   - no position is ever taken from another list, and a position is overwritten by the
//     walk's every page, so one from an earlier walk of the same list is used only by a
//     process that served none of this walk's pages before that point (a failover onto a
//     process that last served the same list at the same position).

// maxSkip is how many pages after a walk's position a page may start and still continue
// from it: enough for the pages of a few replicas taking turns.
const maxSkip = 8

// CursorStore keeps walk positions. Load returns nil when it holds nothing for key.
// Errors are never fatal to a request: the page is read with OFFSET instead.
type CursorStore interface {
	Load(ctx context.Context, key string) ([]byte, error)
	Store(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Name says what the store is, for logs and /-/ready: local, redis.
	Name() string
}

// walkTTL is how long a position is kept after its page was served.
const walkTTL = 15 * time.Minute

// totalTTL is how old a walk's count may be before a page counts again.
const totalTTL = 10 * time.Second

// walkState is where a walk got to.
type walkState struct {
	next      int // the startIndex of the page that continues from last
	last      any // the key of the last row served before next
	total     int // the walk's count
	countedAt time.Time
}

// walkKey names a walk in the store: the resource, its row source and key (a mapping that
// reads users from elsewhere walks another list) and the filter. Hashed, because the
// filter text holds user names, and a store may be shared.
func walkKey(l *listing) string {
	h := sha256.New()
	for _, s := range []string{l.kind, l.source, l.idRead, l.filter} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// storeTimeout bounds a store's answer: a store that is slow or gone costs a page an
// OFFSET, never the agent's call.
const storeTimeout = 250 * time.Millisecond

// loadWalk reads the walk's position; nil when there is none or the store cannot say.
func (e *Engine) loadWalk(ctx context.Context, l *listing) *walkState {
	if e.walks == nil {
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	b, err := e.walks.Load(sctx, l.key)
	if err != nil {
		e.storeFailed(ctx, err)
		return nil
	}
	st, ok := decodeWalk(b)
	if !ok {
		return nil
	}
	return &st
}

// saveWalk records where the walk got to.
func (e *Engine) saveWalk(ctx context.Context, l *listing, st walkState) {
	if e.walks == nil {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := e.walks.Store(sctx, l.key, encodeWalk(st), walkTTL); err != nil {
		e.storeFailed(ctx, err)
	}
}

func (e *Engine) storeFailed(ctx context.Context, err error) {
	e.logs.Warn(ctx, "cursor store "+e.walks.Name(), "the cursor store did not answer; pages are read with OFFSET until it does",
		"store", e.walks.Name(), "err", err.Error())
}

// encodeWalk writes a position as text: version, next, total, count time, and the key
// with a letter for its type, so that it binds back as the driver gave it.
func encodeWalk(st walkState) []byte {
	var key string
	switch v := st.last.(type) {
	case int64:
		key = "i" + strconv.FormatInt(v, 10)
	case int:
		key = "i" + strconv.Itoa(v)
	case int32:
		key = "i" + strconv.FormatInt(int64(v), 10)
	case float64:
		key = "f" + strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		key = "s" + v
	case []byte:
		key = "b" + base64.RawStdEncoding.EncodeToString(v)
	case [16]byte:
		key = "u" + hex.EncodeToString(v[:])
	case time.Time:
		key = "t" + v.Format(time.RFC3339Nano)
	default:
		key = "s" + fmt.Sprint(v)
	}
	return []byte("1 " + strconv.Itoa(st.next) + " " + strconv.Itoa(st.total) + " " + strconv.FormatInt(st.countedAt.UnixMilli(), 10) + " " + key)
}

// decodeWalk reads what encodeWalk wrote; false for anything else.
func decodeWalk(b []byte) (walkState, bool) {
	var st walkState
	parts := strings.SplitN(string(b), " ", 5)
	if len(parts) != 5 || parts[0] != "1" || parts[4] == "" {
		return st, false
	}
	next, err1 := strconv.Atoi(parts[1])
	total, err2 := strconv.Atoi(parts[2])
	at, err3 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || next < 2 || total < 0 {
		return st, false
	}
	st.next, st.total, st.countedAt = next, total, time.UnixMilli(at)
	tag, v := parts[4][0], parts[4][1:]
	switch tag {
	case 'i':
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return st, false
		}
		st.last = n
	case 'f':
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) {
			return st, false
		}
		st.last = f
	case 's':
		st.last = v
	case 'b':
		raw, err := base64.RawStdEncoding.DecodeString(v)
		if err != nil {
			return st, false
		}
		st.last = raw
	case 'u':
		raw, err := hex.DecodeString(v)
		if err != nil || len(raw) != 16 {
			return st, false
		}
		st.last = [16]byte(raw)
	case 't':
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return st, false
		}
		st.last = t
	default:
		return st, false
	}
	return st, true
}

// LocalCursors is a CursorStore in this process's memory: the default, right for one
// process, or replicas behind sticky sessions.
type LocalCursors struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[string]*list.Element
}

type localEntry struct {
	key     string
	val     []byte
	expires time.Time
}

// NewLocalCursors keeps up to max positions, dropping the least recently used.
func NewLocalCursors(max int) *LocalCursors {
	return &LocalCursors{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

var _ CursorStore = (*LocalCursors)(nil)

// Name implements CursorStore.
func (*LocalCursors) Name() string { return "local" }

// Load implements CursorStore.
func (c *LocalCursors) Load(_ context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, nil
	}
	ent := el.Value.(*localEntry)
	if time.Now().After(ent.expires) {
		c.ll.Remove(el)
		delete(c.items, key)
		return nil, nil
	}
	return ent.val, nil
}

// Store implements CursorStore.
func (c *LocalCursors) Store(_ context.Context, key string, val []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		ent := el.Value.(*localEntry)
		ent.val, ent.expires = val, time.Now().Add(ttl)
		c.ll.MoveToFront(el)
		return nil
	}
	c.items[key] = c.ll.PushFront(&localEntry{key: key, val: val, expires: time.Now().Add(ttl)})
	for c.ll.Len() > c.max {
		el := c.ll.Back()
		c.ll.Remove(el)
		delete(c.items, el.Value.(*localEntry).key)
	}
	return nil
}

// Len is the number of positions kept (tests).
func (c *LocalCursors) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
