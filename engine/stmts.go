package engine

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// stmtCache holds the prepared statements of one engine generation, keyed by SQL text.
// The engine's statements are few and stable (built from the plans; only IN lists vary
// in length), so after warm-up every statement is one round trip instead of
// prepare/execute/close. database/sql prepares a statement again on each connection it
// meets, lazily. When the cache is full, further statements run unprepared; a statement
// that fails for a reason other than the request is dropped, so a schema change is
// picked up by preparing it again.
type stmtCache struct {
	db  *sql.DB
	max int

	// ready holds the prepared statements for lock-free reads (every statement of every
	// request looks here); mu guards m, pending and closed, which change rarely.
	ready   sync.Map // string → *sql.Stmt
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
}

func newStmtCache(db *sql.DB, max int) *stmtCache {
	return &stmtCache{db: db, max: max, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement for query, or nil to run it unprepared. Inside a
// transaction (inTx) a miss never waits: preparing takes a connection from the pool, and
// the transaction already holds one, so a small pool would wait for itself. The
// statement is prepared in the background instead, for the next time.
func (c *stmtCache) get(ctx context.Context, query string, inTx bool) *sql.Stmt {
	if c == nil || c.db == nil {
		return nil
	}
	if st, ok := c.ready.Load(query); ok {
		return st.(*sql.Stmt)
	}
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m)+len(c.pending) >= c.max || c.closed
	if !ok && !full && inTx {
		if !c.pending[query] {
			c.pending[query] = true
			go c.prepare(context.Background(), query)
		}
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	if ok || full {
		return st
	}
	return c.prepare(ctx, query)
}

func (c *stmtCache) prepare(ctx context.Context, query string) *sql.Stmt {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := c.db.PrepareContext(ctx, query)
	c.mu.Lock()
	delete(c.pending, query)
	c.mu.Unlock()
	if err != nil {
		return nil // run it unprepared; its error, if any, is reported then
	}
	c.mu.Lock()
	if prev, ok := c.m[query]; ok || c.closed {
		c.mu.Unlock()
		// Another request prepared it first. Never close under c.mu: database/sql's Close
		// waits for each connection the statement was prepared on, and one may be running
		// a statement that waits on a row lock held by a transaction that needs c.mu for
		// its next statement. Nor in this request: it would wait out that statement.
		go st.Close()
		return prev
	}
	c.m[query] = st
	c.ready.Store(query, st)
	c.mu.Unlock()
	return st
}

// failed drops a statement whose execution failed for a reason that may be the
// statement's own (a changed schema), not the request's or the network's.
func (c *stmtCache) failed(query string, err error) {
	if c == nil || err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrNoRows) {
		return
	}
	c.mu.Lock()
	st := c.m[query]
	delete(c.m, query)
	c.ready.Delete(query)
	c.mu.Unlock()
	if st != nil {
		go st.Close() // not in this request: see prepare
	}
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	m := c.m
	for q := range m {
		c.ready.Delete(q)
	}
	c.m = map[string]*sql.Stmt{}
	c.closed = true
	c.mu.Unlock()
	// Outside c.mu, for the reason prepare gives.
	for _, st := range m {
		st.Close()
	}
}
