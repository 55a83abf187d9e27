// Package server runs scimsql: it holds the current generation (mapping, engine,
// database pool), reloads it as a transaction (build and check everything, swap, then
// retire the old one), watches the mapping's files, and serves the operator endpoints
// (/-/healthy, /-/ready, /-/reload, /metrics) beside the SCIM handler.
package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/internal/cursorstore"
	"github.com/scimsql/scimsql/internal/logagg"
	"github.com/scimsql/scimsql/mappings"
)

// Options configure a Server.
type Options struct {
	MappingPath string
	// Listen and DSN override the mapping's on every load, as -listen and -dsn do.
	Listen, DSN string
	// Dialects is the table of databases this binary supports.
	Dialects map[string]func() dialects.Dialect
	Logger   *slog.Logger
	Version  string
	Engine   engine.Options
	// LookupEnv resolves environment variables in the mapping (tests fix it).
	LookupEnv func(string) (string, bool)
	// DrainTimeout bounds how long a replaced pool waits for its last requests.
	DrainTimeout time.Duration
}

// Status describes the last reload.
type Status struct {
	At      time.Time `json:"at"`
	Trigger string    `json:"trigger"`
	OK      bool      `json:"ok"`
	// Changed is false when the files were the same as the running mapping's.
	Changed bool   `json:"changed"`
	Error   string `json:"error,omitempty"`
	// RestartNeeded lists settings that changed but only take effect after a restart.
	RestartNeeded []string `json:"restartNeeded,omitempty"`
	// LoadedAt is when the running mapping was loaded.
	LoadedAt time.Time `json:"loadedAt"`
}

// generation is one loaded mapping with everything built from it.
type generation struct {
	m   *mappings.Mapping
	d   dialects.Dialect
	db  *sql.DB
	eng *engine.Engine
	dsn string
	at  time.Time
	// redis is the generation's shared cursor store, when the mapping names one; nil
	// otherwise (the server's local store, or none).
	redis    *cursorstore.Redis
	redisKey string // its URL and prefix: a reload that keeps them keeps the client
}

// snapshot is everything one request sees, published in one atomic store: the
// generation, the SCIM handler's state for it, the operator endpoints' authenticator and
// the last reload's status. /-/ready, the admin endpoints and SCIM answers of one
// request therefore always come from the same generation.
type snapshot struct {
	gen    *generation
	scim   *httpapi.State
	admin  func(*http.Request) bool
	status Status
}

// Server is a running scimsql.
type Server struct {
	opts    Options
	log     *slog.Logger
	scim    *httpapi.Handler
	metrics *metrics
	first   *mappings.Mapping // the settings the listener was started with

	mu   sync.Mutex // one reload at a time
	snap atomic.Pointer[snapshot]
	// local keeps list positions for mappings with server.cursors local: one store for
	// the process, so that a reload in the middle of an import does not lose its place.
	local *engine.LocalCursors
	// logs folds repeated warnings and errors of every generation.
	logs *logagg.Logger
	wg   sync.WaitGroup // pools being drained
	// lastPing is the readiness check's last ping, shared by the probes that waited for it.
	pingMu   sync.Mutex
	lastPing atomic.Pointer[pinged]
}

// New loads the mapping, opens its database and builds the first generation. Unlike a
// reload, a failure here is returned: there is nothing to keep serving.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DrainTimeout == 0 {
		opts.DrainTimeout = time.Minute
	}
	s := &Server{opts: opts, log: opts.Logger, local: engine.NewLocalCursors(4096), logs: logagg.New(opts.Logger, 10*time.Second)}
	g, err := s.build(ctx, nil)
	if err != nil {
		return nil, err
	}
	s.first = g.m
	s.scim = httpapi.NewHandler(s.log)
	s.metrics = newMetrics(s, opts.Version)
	s.scim.SetObserver(s.metrics)
	s.snap.Store(&snapshot{gen: g, scim: s.scim.NewState(g.eng, nil), admin: httpapi.Authenticator(g.m.Server.Admin.Auth),
		status: s.recordSuccess("start", g, nil)})
	return s, nil
}

// acquire returns the current snapshot with the request counted on its SCIM state. The
// second load makes sure a reload that published meanwhile is seen: a request is
// either counted on the snapshot it uses or moves on to the new one.
func (s *Server) acquire() *snapshot {
	for {
		sn := s.snap.Load()
		sn.scim.Acquire()
		if s.snap.Load() == sn {
			return sn
		}
		sn.scim.Release()
	}
}

// loadOptions are the mapping loader's options: the flags' overrides go in there, and
// the loaded mapping is never changed afterwards.
func (s *Server) loadOptions() mappings.Options {
	names := make([]string, 0, len(s.opts.Dialects))
	for k := range s.opts.Dialects {
		names = append(names, k)
	}
	sort.Strings(names)
	return mappings.Options{LookupEnv: s.opts.LookupEnv, Listen: s.opts.Listen, DSN: s.opts.DSN, Drivers: names}
}

func (s *Server) current() *generation { return s.snap.Load().gen }

// Mapping returns the running mapping.
func (s *Server) Mapping() *mappings.Mapping { return s.current().m }

// Engine returns the running engine.
func (s *Server) Engine() *engine.Engine { return s.current().eng }

// Status returns the last reload's outcome.
func (s *Server) Status() Status { return s.snap.Load().status }

// build loads the mapping and builds a generation. It reuses prev's pool when the driver
// and DSN are unchanged, and otherwise opens and pings a new one.
func (s *Server) build(ctx context.Context, prev *generation) (*generation, error) {
	m, err := mappings.LoadFile(s.opts.MappingPath, s.loadOptions())
	if err != nil {
		return nil, err
	}
	mk, ok := s.opts.Dialects[m.Database.Driver]
	if !ok {
		return nil, fmt.Errorf("%s: database.driver %q is not built into this binary", s.opts.MappingPath, m.Database.Driver)
	}
	g := &generation{m: m, d: mk(), dsn: m.Database.DSN.Reveal(), at: time.Now()}
	// Every statement is bounded by the database too, at the query timeout: a request that
	// gave up must not leave its statement running there.
	pool := dialects.Pool{MaxOpen: m.Database.MaxOpen, MaxIdle: m.Database.MaxIdle, MaxLifetime: m.Database.MaxLifetime,
		StatementTimeout: m.Database.QueryTimeout}
	if prev != nil && prev.m.Database.Driver == m.Database.Driver && prev.dsn == g.dsn && prev.m.Database.QueryTimeout == m.Database.QueryTimeout {
		g.db = prev.db
		dialects.Configure(g.db, pool) // pool limits may have changed
	} else {
		if g.db, err = g.d.Open(g.dsn, pool); err != nil {
			return nil, err
		}
		if prev != nil {
			// A new database must answer before it replaces a working one.
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := g.db.PingContext(pctx)
			cancel()
			if err != nil {
				g.db.Close()
				return nil, fmt.Errorf("the new database does not answer (%s); keeping the running mapping", shortErr(err))
			}
		}
		ictx, cancel := context.WithTimeout(ctx, time.Minute)
		ran, err := engine.InitDatabase(ictx, m, g.d, g.db)
		cancel()
		switch {
		case err != nil && errors.Is(err, engine.ErrUnavailable) && prev == nil:
			s.log.Error("database unreachable at start; serving 503 until it answers", "err", err.Error())
		case err != nil:
			g.db.Close()
			return nil, err
		case ran:
			s.log.Info("initialised the database from the mapping's init scripts", "table", m.Database.Init.IfMissing)
		}
	}
	eopts := s.opts.Engine
	eopts.Logger, eopts.Logs = s.log, s.logs
	if err := s.cursors(ctx, g, prev, &eopts); err != nil {
		if prev == nil || g.db != prev.db {
			g.db.Close()
		}
		return nil, err
	}
	if g.eng, err = engine.New(m, g.d, g.db, eopts); err != nil {
		if prev == nil || g.db != prev.db {
			g.db.Close()
		}
		if g.redis != nil && (prev == nil || g.redis != prev.redis) {
			g.redis.Close()
		}
		return nil, err
	}
	return g, nil
}

// cursors chooses the generation's cursor store: the process's local one, none, or a
// Redis client, kept from prev when its URL and prefix are the same. A Redis server that
// does not answer is no reason to refuse a mapping: pages are read with OFFSET until it
// does, and the warning says so.
func (s *Server) cursors(ctx context.Context, g, prev *generation, eopts *engine.Options) error {
	c := g.m.Server.Cursors
	switch c.Store {
	case "none":
		eopts.NoCursors = true
		return nil
	case "redis":
	default:
		if eopts.Cursors == nil {
			eopts.Cursors = s.local
		}
		return nil
	}
	prefix := c.Prefix
	if prefix == "" {
		prefix = "scimsql:" + g.m.App.Name + ":"
	}
	g.redisKey = c.URL.Reveal() + "\x00" + prefix
	if prev != nil && prev.redis != nil && prev.redisKey == g.redisKey {
		g.redis = prev.redis
	} else {
		r, err := cursorstore.NewRedis(c.URL.Reveal(), prefix, g.m.Database.MaxOpen)
		if err != nil {
			return fmt.Errorf("%s: %w", g.m.File, err)
		}
		g.redis = r
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = r.Ping(pctx)
		cancel()
		if err != nil {
			s.log.Warn("the cursor store does not answer; imports read pages with OFFSET until it does", "store", "redis", "err", err.Error())
		}
	}
	eopts.Cursors = g.redis
	return nil
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s)-i < 80 {
		return s[i+2:]
	}
	return s
}

// Reload rebuilds everything from the mapping's files and swaps it in. On any failure
// the running generation keeps serving; the reason is logged with its file:line:col and
// reported by Status, /-/ready and the metrics. Unchanged files do nothing.
func (s *Server) Reload(ctx context.Context, trigger string) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.snap.Load()
	if mappings.Unchanged(prev.gen.m, s.loadOptions()) {
		st := prev.status
		st.At, st.Trigger, st.Changed, st.OK, st.Error = time.Now(), trigger, false, true, ""
		s.publish(prev.gen, prev.scim, prev.admin, st)
		s.metrics.reloads.WithLabelValues("unchanged").Inc()
		s.log.Info("mapping unchanged; not reloading", "trigger", trigger, "mapping", prev.gen.m.File)
		return st
	}
	g, err := s.build(ctx, prev.gen)
	if err != nil {
		st := prev.status
		st.At, st.Trigger, st.OK, st.Changed, st.Error = time.Now(), trigger, false, true, err.Error()
		s.publish(prev.gen, prev.scim, prev.admin, st)
		s.metrics.reloads.WithLabelValues("failure").Inc()
		s.metrics.reloadOK.Set(0)
		s.log.Error("reload failed; still serving the previous mapping", "trigger", trigger, "err", err.Error())
		return st
	}
	restart := s.restartNeeded(g.m)
	admin := prev.admin
	if g.m.Server.Admin.Auth != prev.gen.m.Server.Admin.Auth {
		admin = httpapi.Authenticator(g.m.Server.Admin.Auth)
	}
	st := s.recordSuccess(trigger, g, restart)
	s.publish(g, s.scim.NewState(g.eng, prev.scim), admin, st)
	s.retire(prev.gen, prev.scim.Drained, g.db != prev.gen.db)
	for _, r := range restart {
		s.log.Warn("restart needed", "reason", r)
	}
	s.log.Info("mapping reloaded", "trigger", trigger, "capabilities", strings.Join(engine.Enabled(g.eng.Capabilities()), ","))
	return st
}

// publish makes one snapshot current: the only store a reload makes (under s.mu).
func (s *Server) publish(g *generation, st *httpapi.State, admin func(*http.Request) bool, status Status) {
	s.snap.Store(&snapshot{gen: g, scim: st, admin: admin, status: status})
}

// retire releases a replaced generation once no request runs on it any more: its
// prepared statements, and its pool when the new generation has another.
func (s *Server) retire(prev *generation, drained func(context.Context) error, closePool bool) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.DrainTimeout)
		defer cancel()
		if err := drained(ctx); err != nil {
			s.log.Warn("retiring the previous mapping with requests still running", "err", err.Error())
		}
		prev.eng.Close()
		if closePool {
			prev.db.Close()
		}
		if prev.redis != nil && prev.redis != s.current().redis {
			prev.redis.Close()
		}
	}()
}

// restartNeeded lists settings that the running listener cannot take without a restart.
func (s *Server) restartNeeded(m *mappings.Mapping) []string {
	var out []string
	if m.Server.Listen != s.first.Server.Listen {
		out = append(out, fmt.Sprintf("server.listen changed from %s to %s: restart scimsql to listen there", s.first.Server.Listen, m.Server.Listen))
	}
	if m.Server.Limits != s.first.Server.Limits {
		out = append(out, "server.limits changed: the page size and filter limits apply now, the HTTP timeouts and header size after a restart")
	}
	if m.Server.PlainHTTP != s.first.Server.PlainHTTP {
		out = append(out, "server.plainHTTP changed: restart scimsql to change how it listens")
	}
	oldTLS, newTLS := s.first.Server.TLS, m.Server.TLS
	if (oldTLS == nil) != (newTLS == nil) || oldTLS != nil && *oldTLS != *newTLS {
		out = append(out, "server.tls changed: restart scimsql to serve with the new certificate settings")
	}
	return out
}

// recordSuccess sets the metrics of a generation that has loaded and returns its status.
func (s *Server) recordSuccess(trigger string, g *generation, restart []string) Status {
	now := time.Now()
	st := Status{At: now, Trigger: trigger, OK: true, Changed: true, RestartNeeded: restart, LoadedAt: g.at}
	if s.metrics != nil {
		s.metrics.reloads.WithLabelValues("success").Inc()
		s.metrics.reloadOK.Set(1)
		s.metrics.reloadOKTime.Set(float64(now.Unix()))
		s.metrics.capabilities.Reset()
		for _, c := range g.eng.Capabilities() {
			v := 0.0
			if c.On {
				v = 1
			}
			s.metrics.capabilities.WithLabelValues(c.Name).Set(v)
		}
	}
	return st
}

// Close waits for replaced pools to drain and closes the running one.
func (s *Server) Close() error {
	s.wg.Wait()
	g := s.current()
	if g.redis != nil {
		g.redis.Close()
	}
	return g.db.Close()
}

// Handler serves SCIM and the operator endpoints.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sn := s.acquire()
		defer sn.scim.Release()
		switch r.URL.Path {
		case "/-/healthy":
			writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
		case "/-/ready":
			s.ready(w, r, sn)
		case "/-/reload":
			s.reloadEndpoint(w, r, sn)
		case "/metrics":
			s.metricsEndpoint(w, r, sn)
		default:
			s.scim.ServeState(sn.scim, w, r)
		}
	})
}

// ready answers whether scimsql can serve: a mapping is loaded and its database
// answers. Anyone may ask (orchestrators' probes carry no credentials), so the answer
// says only that, with a class of cause: ready, database (ok, unreachable, timeout,
// error) and reload (ok, failed). The mapping's path, the errors' text, the app and its
// capabilities are for operators: they are added when server.admin.auth is configured
// and the request passes it.
func (s *Server) ready(w http.ResponseWriter, r *http.Request, sn *snapshot) {
	g, st := sn.gen, sn.status
	err := s.ping(r.Context(), g)
	body := map[string]any{"ready": err == nil, "database": causeClass(err), "reload": "ok"}
	if !st.OK {
		body["reload"] = "failed"
	}
	if a := g.m.Server.Admin.Auth; a.Type != "none" && sn.admin(r) {
		body["mapping"] = g.m.File
		body["app"] = g.m.App.Name
		body["driver"] = g.m.Database.Driver
		body["loadedAt"] = g.at.UTC().Format(time.RFC3339)
		body["lastReload"] = st
		body["capabilities"] = engine.Enabled(g.eng.Capabilities())
		body["cursors"] = g.m.Server.Cursors.Store
		if err != nil {
			body["databaseError"] = err.Error()
		}
	}
	code := http.StatusOK
	if err != nil {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}

type pinged struct {
	gen *generation
	at  time.Time // when the ping finished
	err error
}

// ping pings g's database, one ping at a time: probes that arrive while one runs take
// its answer (it finished after they came) instead of asking the database again, so a
// flood of probes costs the database one ping at a time, and no answer is older than
// the request.
func (s *Server) ping(ctx context.Context, g *generation) error {
	arrived := time.Now()
	s.pingMu.Lock()
	defer s.pingMu.Unlock()
	if p := s.lastPing.Load(); p != nil && p.gen == g && p.at.After(arrived) {
		return p.err
	}
	err := g.eng.Ping(ctx)
	s.lastPing.Store(&pinged{gen: g, at: time.Now(), err: err})
	return err
}

// causeClass names what kind of failure err is, without its text.
func causeClass(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, engine.ErrUnavailable) && strings.Contains(err.Error(), "did not answer"):
		return "timeout"
	case errors.Is(err, engine.ErrUnavailable):
		return "unreachable"
	}
	return "error"
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request, sn *snapshot) bool {
	a := sn.gen.m.Server.Admin.Auth
	if !sn.admin(r) {
		s.metrics.AuthFailed()
		if a.Type == "basic" {
			w.Header().Set("WWW-Authenticate", `Basic realm="scimsql admin"`)
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "authentication failed (server.admin.auth)"})
		return false
	}
	return true
}

func (s *Server) reloadEndpoint(w http.ResponseWriter, r *http.Request, sn *snapshot) {
	if !sn.gen.m.Server.Admin.Reload {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "the reload endpoint is off (server.admin.reload)"})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use POST /-/reload"})
		return
	}
	if !s.admin(w, r, sn) {
		return
	}
	st := s.Reload(r.Context(), "api")
	code := http.StatusOK
	if !st.OK {
		code = http.StatusBadRequest
	}
	writeJSON(w, code, st)
}

func (s *Server) metricsEndpoint(w http.ResponseWriter, r *http.Request, sn *snapshot) {
	if !sn.gen.m.Server.Admin.Metrics {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "metrics are off (server.admin.metrics)"})
		return
	}
	if !s.admin(w, r, sn) {
		return
	}
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
