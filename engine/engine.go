package engine

import (
	"context"
	"database/sql"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/filter"
	"github.com/scimsql/scimsql/internal/logagg"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
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
	// RandomHex makes n random hex digits, for set columns of generate: hex (default:
	// crypto/rand).
	RandomHex func(n int) string
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
	gen       *sqlgen.Gen // every statement's text
	users     *sqlgen.UserPlan
	groups    *sqlgen.GroupPlan
	resources map[string]*sqlgen.ResourcePlan
	refs      []*sqlgen.RefPlan
	caps      []Capability
	walks     CursorStore // nil: no continuation
	logs      *logagg.Logger
	stmts     *stmtCache
	pool      querier            // db through logq
	lq        logq               // pool's logq
	dl        dialects.Deadliner // nil: the dialect cannot bound a connection (direct)
	scanners  *sync.Pool         // *userScanner, reused across requests
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
	if opts.RandomHex == nil {
		opts.RandomHex = randomHex
	}
	e := &Engine{m: m, d: d, f: d.Facts(), db: db, log: opts.Logger, logs: opts.Logs, opts: opts, walks: opts.Cursors}
	if !opts.Unprepared {
		e.stmts = newStmtCache(db, 512)
	}
	if e.walks == nil && !opts.NoCursors {
		e.walks = NewLocalCursors(4096)
	}
	e.lq = logq{q: db, log: e.log, stmts: e.stmts}
	e.pool = e.lq
	e.dl, _ = d.(dialects.Deadliner)
	e.probed = new(atomic.Int32)
	e.scanners = &sync.Pool{}
	gen, err := sqlgen.New(m, d, sqlgen.Options{FilterLimits: opts.FilterLimits, BcryptCost: opts.BcryptCost})
	if err != nil {
		return nil, err
	}
	e.gen, e.users, e.groups, e.resources, e.refs = gen, gen.Users, gen.Groups, gen.Resources, gen.Refs
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
	e.idle(ctx) // the probe takes a connection of its own
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
	ctx, cancel := context.WithTimeout(ctx, e.m.Database.QueryTimeout)
	ctx, done := e.withDirect(ctx)
	if done == nil {
		return ctx, cancel
	}
	return ctx, func() { done(); cancel() }
}

type opKey struct{}

func opOf(ctx context.Context) string {
	s, _ := ctx.Value(opKey{}).(string)
	return s
}

func (e *Engine) now() time.Time { return e.opts.Now().UTC() }

// Close releases the engine's prepared statements. The server calls it when a reload
// has replaced the engine and its last request is done; the pool may live on.
func (e *Engine) Close() { e.stmts.close() }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
