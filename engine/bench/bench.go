package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/scimsql/scimsql/mappings"
)

// Config is one bench run.
type Config struct {
	Driver string // mysql (MySQL, MariaDB) or postgres
	// DSN reaches the server; the bench creates its own database (MySQL) or schema
	// (PostgreSQL) there and drops it at the end unless Keep.
	DSN            string
	Size           int           // employees to generate
	Concurrency    int           // clients, for get, check, post and put
	Duration       time.Duration // per scenario, and per level of the mix
	Scenarios      []string      // run in this order; nil runs them all
	MixConcurrency []int         // the mix's levels of concurrency
	Keep           bool
	// Mapping replaces the embedded employees mapping for the driver (a file).
	Mapping string
	// MaxBody, when positive, overrides the mapping's server.maxBodyBytes.
	MaxBody int64
	// Launcher starts scimsql for each scenario; nil starts it in this process.
	Launcher Launcher
	// CPUProfile, if set, profiles the server: one file per scenario, the scenario's name
	// inserted before the extension (cpu.pprof gives cpu.get.pprof, ...).
	CPUProfile string
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
}

// Defaults for the fields left zero.
var (
	DefaultMixConcurrency = []int{1, 2, 4, 8, 16}
)

func (c *Config) defaults() error {
	if c.Driver != "mysql" && c.Driver != "postgres" {
		return fmt.Errorf("driver %q: the bench runs on mysql (MySQL, MariaDB) or postgres", c.Driver)
	}
	if c.DSN == "" {
		return errors.New("a DSN is required")
	}
	if c.Size == 0 {
		c.Size = 100_000
	}
	if c.Size < 100 {
		return fmt.Errorf("size %d: at least 100 employees", c.Size)
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = Scenarios
	}
	for _, s := range c.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return fmt.Errorf("unknown scenario %q (scenarios: %s)", s, strings.Join(Scenarios, ", "))
		}
	}
	if len(c.MixConcurrency) == 0 {
		c.MixConcurrency = DefaultMixConcurrency
	}
	for _, n := range c.MixConcurrency {
		if n <= 0 {
			return fmt.Errorf("mix concurrency %d: must be positive", n)
		}
	}
	if c.Launcher == nil {
		c.Launcher = InProcess
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return nil
}

// Run generates the database, runs each scenario against a fresh scimsql and reports.
// The report is returned even when a scenario fails; the error says what went wrong.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, format+"\n", args...) }
	rep := &Report{Time: time.Now().UTC().Truncate(time.Second), Driver: cfg.Driver, Size: cfg.Size, Concurrency: cfg.Concurrency,
		Duration: cfg.Duration.String(), CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}

	// The mapping, written where the server can load it.
	dir, err := os.MkdirTemp("", "scimsql-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	mappingPath := cfg.Mapping
	if mappingPath == "" || cfg.MaxBody > 0 {
		text := []byte(mysqlMapping)
		if cfg.Driver == "postgres" {
			text = []byte(postgresMapping)
		}
		rep.Mapping = "built in: employees." + cfg.Driver + ".yaml (examples/mysql-employees" + map[string]string{"mysql": "", "postgres": ", for PostgreSQL"}[cfg.Driver] + ")"
		if cfg.Mapping != "" {
			if text, err = os.ReadFile(cfg.Mapping); err != nil {
				return nil, err
			}
			rep.Mapping = cfg.Mapping
		}
		if cfg.MaxBody > 0 {
			if text, err = withMaxBody(text, cfg.MaxBody); err != nil {
				return nil, fmt.Errorf("setting server.maxBodyBytes: %w", err)
			}
			rep.Mapping += fmt.Sprintf(", with server.maxBodyBytes %d", cfg.MaxBody)
		}
		// Next to the original, so that files it names by relative path are found.
		where := dir
		if cfg.Mapping != "" {
			where = filepath.Dir(cfg.Mapping)
		}
		f, err := os.CreateTemp(where, ".scimsql-bench-*.yaml")
		if err != nil {
			return nil, err
		}
		defer os.Remove(f.Name())
		_, err = f.Write(text)
		if e := f.Close(); err == nil {
			err = e
		}
		if err != nil {
			return nil, err
		}
		mappingPath = f.Name()
	} else {
		rep.Mapping = cfg.Mapping
	}
	m, err := mappings.LoadFile(mappingPath, mappings.Options{})
	if err != nil {
		return nil, err
	}
	if m.Database.Driver != cfg.Driver {
		return nil, fmt.Errorf("%s: database.driver is %s, not %s", mappingPath, m.Database.Driver, cfg.Driver)
	}
	var auth func(*http.Request)
	switch a := m.Server.Auth; a.Type {
	case "basic":
		if a.Password.Reveal() == "" {
			return nil, fmt.Errorf("%s: the bench needs the basic auth password itself, not a hash", mappingPath)
		}
		auth = basicAuth(a.Username, a.Password.Reveal())
	case "header":
		auth = headerAuth(a.Header, a.Value.Reveal())
	default:
		auth = func(*http.Request) {}
	}

	logf("creating the bench database on %s", cfg.Driver)
	db, err := createDatabase(ctx, cfg.Driver, cfg.DSN)
	if err != nil {
		return nil, err
	}
	rep.Database = db.version
	rep.Setup.Database = db.name
	rep.Setup.Kept = cfg.Keep
	defer func() {
		if cfg.Keep {
			logf("kept %s (-keep); drop it with: %s", db.name, map[string]string{"mysql": "DROP DATABASE " + db.name, "postgres": "DROP SCHEMA " + db.name + " CASCADE"}[cfg.Driver])
			db.close()
			return
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
		defer cancel()
		if err := db.drop(dctx); err != nil {
			logf("dropping %s: %v", db.name, err)
		}
	}()
	logf("generating %d employees in %s", cfg.Size, db.name)
	ds, err := db.generate(ctx, cfg.Size, logf)
	if err != nil {
		return rep, err
	}
	rep.Setup.Seconds = round1(ds.seconds)
	rep.Setup.Employees = cfg.Size
	rep.Setup.Memberships = ds.memberships
	rep.Setup.GroupPush = ds.push.id + " " + ds.push.name
	rep.Setup.GroupPushMembers = len(ds.push.members)
	rep.Setup.MixGroups = len(ds.pushed)
	rep.Setup.MixGroupMembers = len(ds.pushed[0].members)
	logf("generated in %.1f s: %d memberships; group push on %s (%d members)", ds.seconds, ds.memberships, rep.Setup.GroupPush, rep.Setup.GroupPushMembers)

	var failed []string
	rep.LoadAvg[0] = loadAvg()
	defer func() { rep.LoadAvg[1] = loadAvg() }()
	for _, name := range cfg.Scenarios {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		res, err := runScenario(ctx, cfg, name, mappingPath, db, ds, auth, m, rep, logf)
		if res != nil {
			res.verdict(cfg.Size, ds)
			rep.Scenarios = append(rep.Scenarios, *res)
		}
		if err != nil {
			logf("%s: %v", name, err)
			failed = append(failed, name+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		return rep, errors.New(strings.Join(failed, "; "))
	}
	return rep, nil
}

// runScenario starts a fresh scimsql, runs one scenario against it and stops it.
func runScenario(ctx context.Context, cfg Config, name, mappingPath string, db *database, ds *dataset, auth func(*http.Request), m *mappings.Mapping, rep *Report, logf func(string, ...any)) (res *Result, err error) {
	spec := ServerSpec{MappingPath: mappingPath, DSN: db.dsn}
	if cfg.CPUProfile != "" {
		ext := filepath.Ext(cfg.CPUProfile)
		spec.CPUProfile = strings.TrimSuffix(cfg.CPUProfile, ext) + "." + name + ext
		if ext == "" {
			spec.CPUProfile += ".pprof"
		}
	}
	srv, err := cfg.Launcher(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("start scimsql: %w", err)
	}
	rep.Server = srv.Scope
	defer func() {
		if e := srv.Stop(); e != nil && err == nil {
			err = fmt.Errorf("stop scimsql: %w", e)
		}
	}()
	maxConc := cfg.Concurrency
	for _, n := range cfg.MixConcurrency {
		maxConc = max(maxConc, n)
	}
	c := newClient(srv.URL+m.Server.BasePath, auth, maxConc, m.App.UserSchema)
	defer c.close()
	e := newEnv(c, ds, m.App.UserSchema, m.App.GroupSchema)
	res = &Result{Name: name, Description: descriptions[name], CPUProfile: spec.CPUProfile}
	warm := min(cfg.Duration/10, time.Second)
	timed := func(conc int, op opFunc, groupPush bool) {
		if groupPush {
			c.run(ctx, 1, 0, 2, op) // two PUTs: back where it started
		} else {
			c.run(ctx, conc, warm, 0, op)
		}
		logf("%s: %d client(s) for %s", name, conc, cfg.Duration)
		r := c.run(ctx, conc, cfg.Duration, 0, op)
		all, _, errs := r.summarize()
		res.Concurrency = conc
		res.Seconds = round3(r.elapsed.Seconds())
		res.Requests = all.Count + all.Errors
		res.Errors = all.Errors
		res.ErrorSamples = errs
		res.Throughput = all.Throughput
		res.Latency = all.Summary
	}
	switch name {
	case "get":
		timed(cfg.Concurrency, e.get, false)
	case "check":
		timed(cfg.Concurrency, e.check, false)
	case "post":
		timed(cfg.Concurrency, e.post, false)
	case "put":
		timed(cfg.Concurrency, e.put, false)
	case "grouppush":
		timed(1, e.grouppush, true)
	case "import":
		ids, err := db.ids(ctx)
		if err != nil {
			return nil, err
		}
		logf("import: walking %d users in pages of 100", len(ids))
		imp, pages, errs, err := e.walk(ctx, ids, memory{pid: srv.PID})
		if imp != nil {
			imp.RSSScope = srv.Scope
			res.Import = imp
			res.Concurrency = 1
			res.Seconds = imp.Seconds
			res.Requests = len(pages) + len(errs)
			res.Errors = len(errs)
			res.ErrorSamples = errs[:min(len(errs), 3)]
			res.Latency = pages.Summarize()
			if imp.Seconds > 0 {
				res.Throughput = round1(float64(len(pages)) / imp.Seconds)
			}
		}
		if err != nil {
			return res, err
		}
	case "mix":
		e.walks = make([]int, maxConc)
		for _, n := range cfg.MixConcurrency {
			for i := range e.walks {
				e.walks[i] = 1
			}
			c.run(ctx, n, warm, 0, e.mix)
			logf("mix: %d client(s) for %s", n, cfg.Duration)
			r := c.run(ctx, n, cfg.Duration, 0, e.mix)
			all, ops, errs := r.summarize()
			res.Mix = append(res.Mix, MixLevel{Concurrency: n, Seconds: round3(r.elapsed.Seconds()), Throughput: all.Throughput,
				Latency: all.Summary, Requests: all.Count + all.Errors, Errors: all.Errors, ErrorSamples: errs, Ops: ops})
			res.Requests += all.Count + all.Errors
			res.Errors += all.Errors
			if len(res.ErrorSamples) == 0 {
				res.ErrorSamples = errs
			}
		}
		// The headline figures are the level with the best throughput.
		for _, l := range res.Mix {
			if l.Throughput > res.Throughput {
				res.Concurrency, res.Throughput, res.Latency, res.Seconds = l.Concurrency, l.Throughput, l.Latency, l.Seconds
			}
		}
	}
	if res.Errors > 0 {
		return res, fmt.Errorf("%d of %d requests failed, e.g. %s", res.Errors, res.Requests, res.ErrorSamples[0])
	}
	return res, nil
}
