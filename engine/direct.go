package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// direct runs an operation's statements outside a transaction on one connection of the
// pool that carries the operation's deadline, under a context that cannot end, where
// the dialect can bound a connection so (dialects.Deadliner).
//
// Why: database/sql starts a goroutine for every *sql.Rows whose context can end, to
// watch it, and the drivers start (pgx) or wake (go-sql-driver) another for every
// statement. On a two-core machine those wake-ups cost more CPU than the statement's own
// round trip (BenchmarkSideBySide, README "Performance"). A context that cannot end
// needs no watcher, and the connection's deadline bounds the statement as the context's
// end did: a database that stops answering fails the statement at the operation's
// deadline, and the server's own limit for one statement (statement_timeout,
// max_statement_time) ends it there, which the dialect checks before taking the
// deadline.
//
// What stays as it was: the connection is taken from the pool with the operation's
// context, so waiting for one is bounded by the operation's deadline; a transaction
// (inTx) gives the connection back first and runs under the context, so an operation
// never holds two connections; a connection whose deadline has passed may have stopped
// mid-answer and is discarded, never given back to the pool; and a connection the
// dialect will not bound runs its statements under the operation's context.
type direct struct {
	e        *Engine
	ctx      context.Context // the operation's
	deadline time.Time
	conn     *sql.Conn
	bounded  bool // conn carries deadline
	// rows are the results read on conn (the first few in place, the rest in more).
	// release closes any still open, as the end of a context closes them under
	// database/sql: the connection cannot go back before.
	rows  [4]*sql.Rows
	nrows int
	more  []*sql.Rows
}

// run is the context of statements on a bounded connection: one that never ends, so
// that neither database/sql nor the driver watches it. The drivers read no values from
// it (the operation's name for the debug log is taken from the caller's).
var run = context.Background()

type directKey struct{}

// directOf returns the operation's direct connection holder, if it has one.
func directOf(ctx context.Context) *direct {
	d, _ := ctx.Value(directKey{}).(*direct)
	return d
}

// withDirect gives the operation whose context is ctx (with its deadline) a direct
// holder, when the dialect can bound connections and the operation has none yet (an
// operation run inside another shares the outer one's). done gives its connection back.
func (e *Engine) withDirect(ctx context.Context) (_ context.Context, done func()) {
	if e.dl == nil {
		return ctx, nil
	}
	if d := directOf(ctx); d != nil && d.e == e {
		return ctx, nil
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return ctx, nil
	}
	d := &direct{e: e, deadline: deadline}
	d.ctx = context.WithValue(ctx, directKey{}, d)
	return d.ctx, d.release
}

// take returns the connection, taken from the pool on the first statement, and the
// context its statements run under.
func (d *direct) take() (context.Context, error) {
	if d.conn != nil {
		if d.bounded {
			return run, nil
		}
		return d.ctx, nil
	}
	c, err := d.e.db.Conn(d.ctx)
	if err != nil {
		return nil, err
	}
	d.conn = c
	d.bounded = c.Raw(func(dc any) error { return d.e.dl.SetConnDeadline(dc, d.deadline) }) == nil
	if !d.bounded {
		return d.ctx, nil
	}
	return run, nil
}

// release gives the connection back to the pool, without its deadline, or discards it
// when the deadline has passed: a statement cut off by it may have left an answer half
// read. The next statement takes a connection again.
func (d *direct) release() {
	c := d.conn
	if c == nil {
		return
	}
	d.conn = nil
	for _, r := range d.rows[:d.nrows] {
		r.Close()
	}
	for _, r := range d.more {
		r.Close()
	}
	d.nrows, d.more = 0, d.more[:0]
	if d.bounded {
		expired := !time.Now().Before(d.deadline)
		_ = c.Raw(func(dc any) error {
			if expired || d.e.dl.SetConnDeadline(dc, time.Time{}) != nil {
				return driver.ErrBadConn // database/sql closes it
			}
			return nil
		})
	}
	c.Close()
}

// timedOut says what a statement's error is when the deadline has passed: the database
// did not answer in time, whatever the driver made of its socket's timeout.
func (d *direct) timedOut(err error) error {
	if err != nil && d.bounded && !time.Now().Before(d.deadline) {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// QueryContext implements querier. A connection that cannot be had is the pool's to
// report: the statement runs through it, under the operation's context.
func (d *direct) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	run, err := d.take()
	if err != nil {
		return d.e.pool.QueryContext(ctx, query, args...)
	}
	d.e.lq.debug(ctx, query, args)
	rows, err := d.conn.QueryContext(run, query, args...)
	if err != nil {
		return nil, d.timedOut(err)
	}
	if d.nrows < len(d.rows) {
		d.rows[d.nrows] = rows
		d.nrows++
	} else {
		d.more = append(d.more, rows)
	}
	return rows, nil
}

// ExecContext implements querier.
func (d *direct) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	run, err := d.take()
	if err != nil {
		return d.e.pool.ExecContext(ctx, query, args...)
	}
	d.e.lq.debug(ctx, query, args)
	res, err := d.conn.ExecContext(run, query, args...)
	return res, d.timedOut(err)
}

// QueryRowContext implements querier.
func (d *direct) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	run, err := d.take()
	if err != nil {
		return d.e.pool.QueryRowContext(ctx, query, args...)
	}
	d.e.lq.debug(ctx, query, args)
	return d.conn.QueryRowContext(run, query, args...)
}

// idle gives the operation's direct connection back while it computes (a password
// hash): the pool's connections are for statements.
func (e *Engine) idle(ctx context.Context) {
	if d := directOf(ctx); d != nil {
		d.release()
	}
}
