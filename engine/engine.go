package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/filter"
	"github.com/scimsql/scimsql/internal/logagg"
	"github.com/scimsql/scimsql/mappings"
)

// Options tune an Engine. Zero values take the defaults.
type Options struct {
	Logger *slog.Logger
	// MaxPageSize caps count; larger requests get a shorter page, as RFC 7644 allows.
	MaxPageSize int
	// BcryptCost is the cost for password hashes (default 10).
	BcryptCost int
	// FilterLimits bound filter length and nesting.
	FilterLimits filter.Limits
	// Now returns the current time (tests fix it).
	Now func() time.Time
	// Cursors keeps list walks' positions. Nil keeps them in this engine's memory
	// (LocalCursors); a store every replica shares (Redis) keeps imports exact and fast
	// behind a load balancer. NoCursors reads every page after the first with OFFSET.
	Cursors CursorStore
	// NoCursors turns continuation off (server.cursors.store: none).
	NoCursors bool
	// Logs folds repeated warnings and errors (a database or store outage) into one
	// line per interval; nil makes one for this engine.
	Logs *logagg.Logger
	// NewUUID makes the ids the engine generates (default: random version 4 UUIDs).
	NewUUID func() string
	// Unprepared runs every statement as text, without the prepared-statement cache.
	Unprepared bool
	// Server, when set, is what the server behind a Prober dialect is known to be, so it
	// is not asked (scimsql explain with no database).
	Server *dialects.Facts
}

// Engine serves the SCIMService operations of one mapping on one database. It is
// immutable after New: a reload builds a new Engine and swaps it in.
type Engine struct {
	m         *mappings.Mapping
	d         dialects.Dialect
	f         *dialects.Facts
	db        *sql.DB
	users     *userPlan
	groups    *groupPlan
	resources map[string]*resourcePlan
	refs      []*refPlan
	caps      []Capability
	walks     CursorStore // nil: no continuation
	logs      *logagg.Logger
	stmts     *stmtCache
	tmplPools *sync.Map  // *mappings.Template → *sync.Pool of *tmplRun
	pool      querier    // db through logq
	scanners  *sync.Pool // *userScanner, reused across requests
	// probed is what the dialect's Prober said of the server: 0 not asked yet, 1 an
	// INSERT returns rows, 2 it does not.
	probed *atomic.Int32
	log    *slog.Logger
	opts   Options
	// afterLoneUpdate, set only by this package's tests on their own engine, runs between
	// updateOne's UPDATE and its read: where another request's write can land.
	afterLoneUpdate func()
}

// New compiles the mapping's plans for dialect d over db.
func New(m *mappings.Mapping, d dialects.Dialect, db *sql.DB, opts Options) (*Engine, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = m.Server.Limits.MaxPageSize
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = mappings.DefaultLimits.MaxPageSize
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = 10
	}
	if opts.FilterLimits.MaxLength == 0 {
		opts.FilterLimits = filter.Limits{MaxLength: m.Server.Limits.MaxFilterLength, MaxDepth: m.Server.Limits.MaxFilterDepth}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logs == nil {
		opts.Logs = logagg.New(opts.Logger, 10*time.Second)
	}
	if opts.NewUUID == nil {
		opts.NewUUID = uuid.NewString
	}
	e := &Engine{m: m, d: d, f: d.Facts(), db: db, log: opts.Logger, logs: opts.Logs, opts: opts, walks: opts.Cursors, tmplPools: &sync.Map{}}
	if !opts.Unprepared {
		e.stmts = newStmtCache(db, 512)
	}
	if e.walks == nil && !opts.NoCursors {
		e.walks = NewLocalCursors(4096)
	}
	e.pool = logq{q: db, log: e.log, stmts: e.stmts}
	e.probed = new(atomic.Int32)
	e.scanners = &sync.Pool{}
	var err error
	if m.Users != nil {
		if e.users, err = buildUserPlan(d, m.Users); err != nil {
			return nil, err
		}
		p := e.users
		p.byID = e.sqlByID(p.selectList, p.source, p.idRead, nil).String()
	}
	if m.Groups != nil {
		if e.groups, err = buildGroupPlan(d, m.Groups); err != nil {
			return nil, err
		}
	}
	e.resources = map[string]*resourcePlan{}
	for _, r := range m.Resources {
		e.resources[r.Name] = buildResourcePlan(d, r)
	}
	if m.Users != nil {
		for _, rp := range []*refPlan{buildRefPlan(d, m, "roles", m.Users.Roles), buildRefPlan(d, m, "entitlements", m.Users.Entitlements)} {
			if rp != nil {
				e.refs = append(e.refs, rp)
			}
		}
	}
	e.caps = Capabilities(m)
	return e, nil
}

// insertReturns says whether an INSERT can return the row it wrote: a fact of the
// dialect, or, where the server decides (MariaDB or MySQL), what it said when first
// asked. A server that cannot be asked now is asked again next time.
func (e *Engine) insertReturns(ctx context.Context) bool {
	if e.f.InsertReturns {
		return true
	}
	pr, ok := e.d.(dialects.Prober)
	if !ok {
		return false
	}
	if e.opts.Server != nil {
		return e.opts.Server.InsertReturns
	}
	switch e.probed.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	f, err := pr.Probe(ctx, e.db)
	if err != nil {
		return false
	}
	if f.InsertReturns {
		e.probed.Store(1)
		return true
	}
	e.probed.Store(2)
	return false
}

// MaxPageSize is the largest page served (filter.maxResults in the discovery documents).
func (e *Engine) MaxPageSize() int { return e.opts.MaxPageSize }

// Mapping returns the mapping the engine was built from.
func (e *Engine) Mapping() *mappings.Mapping { return e.m }

// DB returns the engine's pool.
func (e *Engine) DB() *sql.DB { return e.db }

// Dialect returns the engine's dialect.
func (e *Engine) Dialect() dialects.Dialect { return e.d }

// Capabilities returns the derived capabilities, on and off, with reasons.
func (e *Engine) Capabilities() []Capability { return e.caps }

// Ping checks that the database answers.
func (e *Engine) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, min(5*time.Second, e.m.Database.QueryTimeout))
	defer cancel()
	if err := e.db.PingContext(ctx); err != nil {
		return e.dbErr("ping", err)
	}
	return nil
}

// ctx bounds an operation by the mapping's query timeout and names it for the logs.
func (e *Engine) ctx(ctx context.Context, op string) (context.Context, context.CancelFunc) {
	if e.log.Enabled(ctx, slog.LevelDebug) {
		ctx = context.WithValue(ctx, opKey{}, op) // for the debug lines of its statements
	}
	return context.WithTimeout(ctx, e.m.Database.QueryTimeout)
}

type opKey struct{}

func opOf(ctx context.Context) string {
	s, _ := ctx.Value(opKey{}).(string)
	return s
}

func (e *Engine) now() time.Time { return e.opts.Now().UTC() }

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

// q is the pool, logging and using prepared statements (made once: an interface value
// made per call would be an allocation per statement).
func (e *Engine) q() querier { return e.pool }

// Close releases the engine's prepared statements. The server calls it when a reload
// has replaced the engine and its last request is done; the pool may live on.
func (e *Engine) Close() { e.stmts.close() }

// inTx runs fn in a transaction, again (a bounded number of times) when the database
// reports a deadlock or serialization failure.
func (e *Engine) inTx(ctx context.Context, op string, fn func(tx querier) error) error {
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
	if errors.Is(err, context.DeadlineExceeded) || e.d.Classify(err) == dialects.TimedOut {
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func shortReason(err error) string {
	s := err.Error()
	for _, r := range []string{"connection refused", "no such host", "i/o timeout", "connection reset", "broken pipe", "unable to open database file", "readonly database", "authentication failed", "access denied", "too many connections", "the database system is shutting down", "the database system is starting up"} {
		if strings.Contains(strings.ToLower(s), r) {
			return r
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
