package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/scimsql/scimsql/dialects"
)

// The runner: every statement goes through logq (the debug log and the prepared-
// statement cache) or, outside a transaction where the dialect bounds connections by
// deadlines, through the operation's direct connection (direct.go), every multi-row
// write through inTx (retried on deadlocks), and every driver error through dbErr.

// querier is what reads need: a pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// logq runs statements through the engine's prepared-statement cache and logs each one
// at debug (the SQL text and the number of arguments, never their values, which are
// personal data and passwords).
type logq struct {
	q     querier
	tx    *sql.Tx // set inside a transaction
	log   *slog.Logger
	stmts *stmtCache
}

// stmt returns the cached prepared statement for query, bound to the transaction when
// there is one, or nil to run the text directly.
func (l logq) stmt(ctx context.Context, query string) *sql.Stmt {
	st := l.stmts.get(ctx, query, l.tx != nil)
	if st != nil && l.tx != nil {
		return l.tx.StmtContext(ctx, st) // closed with the transaction
	}
	return st
}

// debug logs a statement's text and number of arguments (never their values) at debug.
func (l logq) debug(ctx context.Context, query string, args []any) {
	if l.log.Enabled(ctx, slog.LevelDebug) {
		l.log.DebugContext(ctx, "sql", "op", opOf(ctx), "sql", query, "args", len(args))
	}
}

func (l logq) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	l.debug(ctx, query, args)
	if st := l.stmt(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		l.stmts.failed(query, err)
		return rows, err
	}
	return l.q.QueryContext(ctx, query, args...)
}

func (l logq) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	l.debug(ctx, query, args)
	if st := l.stmt(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, args...)
		l.stmts.failed(query, err)
		return res, err
	}
	return l.q.ExecContext(ctx, query, args...)
}

func (l logq) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	l.debug(ctx, query, args)
	if st := l.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return l.q.QueryRowContext(ctx, query, args...)
}

// q is what an operation's statements outside a transaction run on: its direct
// connection where the dialect bounds one, otherwise the pool, logging and using
// prepared statements (made once: an interface value made per call would be an
// allocation per statement).
func (e *Engine) q(ctx context.Context) querier {
	if d := directOf(ctx); d != nil {
		return d
	}
	return e.pool
}

// inTx runs fn in a transaction, again (a bounded number of times) when the database
// reports a deadlock or serialization failure.
func (e *Engine) inTx(ctx context.Context, op string, fn func(tx querier) error) error {
	e.idle(ctx) // one connection at a time: the transaction's
	const attempts = 4
	var err error
	for i := 0; i < attempts; i++ {
		if err := e.backoff(ctx, op, i); err != nil {
			return err
		}
		var tx *sql.Tx
		tx, err = e.db.BeginTx(ctx, nil)
		if err != nil {
			if e.d.Classify(err) == dialects.Retryable {
				continue
			}
			return e.dbErr(op, err)
		}
		err = fn(logq{q: tx, tx: tx, log: e.log, stmts: e.stmts})
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
		if err == nil {
			return nil
		}
		if !isEngineErr(err) && e.d.Classify(err) == dialects.Retryable {
			continue
		}
		break
	}
	if isEngineErr(err) {
		return err
	}
	return e.dbErr(op, err)
}

// backoff waits before attempt i (from 0) of op: not at all before the first.
func (e *Engine) backoff(ctx context.Context, op string, i int) error {
	if i == 0 {
		return nil
	}
	e.log.DebugContext(ctx, "retrying", "op", op, "attempt", i+1)
	select {
	case <-ctx.Done():
		return e.dbErr(op, ctx.Err())
	case <-time.After(time.Duration(i*i*10) * time.Millisecond):
		return nil
	}
}

// retried runs one statement outside a transaction (fn), again (a bounded number of
// times) when the database reports a deadlock: the statement failed, so nothing of it
// was written.
func (e *Engine) retried(ctx context.Context, op string, fn func() error) error {
	const attempts = 4
	var err error
	for i := 0; i < attempts; i++ {
		if err := e.backoff(ctx, op, i); err != nil {
			return err
		}
		if err = fn(); err == nil || isEngineErr(err) || e.d.Classify(err) != dialects.Retryable {
			break
		}
	}
	return e.dbErr(op, err)
}

// dbErr turns a driver error into an engine error an admin can act on. It never
// includes the DSN; the driver's own message is kept only for statement errors, which
// name tables and columns, not credentials.
func (e *Engine) dbErr(op string, err error) error {
	if err == nil || isEngineErr(err) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || e.d.Classify(err) == dialects.TimedOut {
		return fmt.Errorf("%w: the database did not answer %s within %s; check its load and locks, or raise database.queryTimeout", ErrUnavailable, op, e.m.Database.QueryTimeout)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %s was cancelled by the client", ErrUnavailable, op)
	}
	switch e.d.Classify(err) {
	case dialects.Conflict:
		return fmt.Errorf("%w: %s: a row with the same unique value already exists", ErrConflict, op)
	case dialects.Unavailable:
		e.logs.Error(context.Background(), "database unreachable: "+shortReason(err), "database unreachable", "op", op, "err", err.Error())
		return fmt.Errorf("%w: cannot reach the %s database during %s (%s); check that it is running and reachable from this host", ErrUnavailable, e.f.Name, op, shortReason(err))
	case dialects.Retryable:
		return fmt.Errorf("%w: %s kept failing with a deadlock or serialization error; retry", ErrUnavailable, op)
	case dialects.Invalid:
		return fmt.Errorf("%w: the database refused a value in %s: %s", ErrInvalidValue, op, oneLine(err.Error()))
	}
	return fmt.Errorf("%w: the database rejected %s: %s; check the mapping against the schema (scimsql validate)", ErrDatabase, op, oneLine(err.Error()))
}

func shortReason(err error) string {
	s := strings.ToLower(err.Error())
	for _, r := range []struct{ in, say string }{
		{"connection refused", ""}, {"no such host", ""}, {"i/o timeout", ""}, {"connection reset", ""}, {"broken pipe", ""},
		{"unable to open database file", ""}, {"readonly database", ""}, {"authentication failed", ""}, {"access denied", ""},
		{"does not exist", "the database does not exist"}, {"unknown database", "the database does not exist"},
		{"too many connections", ""}, {"the database system is shutting down", ""}, {"the database system is starting up", ""},
	} {
		if strings.Contains(s, r.in) {
			if r.say != "" {
				return r.say
			}
			return r.in
		}
	}
	return "connection failed"
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
