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
	// Cursors, when set, overrides the mapping's server.cursors: local, none, or a
	// redis:// URL (the store replicas share).
	Cursors string
	// Replicas is the number of scimsql processes the import walk is spread over, page
	// by page in turn, as a load balancer without session affinity would (0 means 1).
	Replicas int
	// Baseline runs the hand-written connector (package handwritten) beside scimsql in
	// every scenario, on the same data, and judges the relative targets against it.
	Baseline bool
	// Rounds splits each timed scenario into this many alternating runs per server (0
	// means 4), so that other load on the machine falls on both, and the spread of the
	// rounds says how far apart two equal servers may measure.
	Rounds int
	// BaselineImportBudget bounds the hand-written connector's import walk (0 means 2
	// minutes): its pages cost more the deeper they are, so at a million users the walk
	// is cut there and the rest estimated from pages sampled across the table.
	BaselineImportBudget time.Duration
	// Launcher starts the servers for each scenario; nil starts them in this process.
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
	if c.Rounds <= 0 {
		c.Rounds = 4
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.BaselineImportBudget <= 0 {
		c.BaselineImportBudget = 2 * time.Minute
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
	if mappingPath == "" || cfg.MaxBody > 0 || cfg.Cursors != "" {
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
		if cfg.Cursors != "" {
			if text, err = withCursors(text, cfg.Cursors); err != nil {
				return nil, fmt.Errorf("setting server.cursors: %w", err)
			}
			store := cfg.Cursors
			if strings.Contains(store, "://") {
				store = "redis"
			}
			rep.Mapping += ", with server.cursors " + store
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

// side is one of the servers a scenario measures: scimsql, or the hand-written connector.
type side struct {
	spec ServerSpec
	srv  *Server
	c    *client
	// after runs once each of this side's timed runs ends (the hand-written connector's
	// MAX+1 ids move PostgreSQL's identity sequence along with it).
	after func(context.Context) error
}

// runScenario starts a fresh scimsql (and, with Baseline, a fresh hand-written
// connector), runs one scenario against them and stops them. Timed scenarios alternate
// between the two in Rounds rounds, so that whatever else the machine does falls on both.
func runScenario(ctx context.Context, cfg Config, name, mappingPath string, db *database, ds *dataset, auth func(*http.Request), m *mappings.Mapping, rep *Report, logf func(string, ...any)) (res *Result, err error) {
	specs := []ServerSpec{{MappingPath: mappingPath, DSN: db.dsn}}
	if cfg.Baseline {
		specs = append(specs, ServerSpec{MappingPath: mappingPath, DSN: db.dsn, Handwritten: true})
	}
	maxConc := cfg.Concurrency
	for _, n := range cfg.MixConcurrency {
		maxConc = max(maxConc, n)
	}
	var sides []*side
	defer func() {
		for _, s := range sides {
			s.c.close()
			if e := s.srv.Stop(); e != nil && err == nil {
				err = fmt.Errorf("stop %s: %w", s.spec.name(), e)
			}
		}
	}()
	for _, spec := range specs {
		if cfg.CPUProfile != "" {
			spec.CPUProfile = profilePath(cfg.CPUProfile, name, spec.Handwritten)
		}
		srv, err := cfg.Launcher(ctx, spec)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", spec.name(), err)
		}
		base := srv.URL + m.Server.BasePath
		s := &side{spec: spec, srv: srv, after: func(context.Context) error { return nil }}
		if spec.Handwritten {
			base = srv.URL // it serves SCIM 1.1 at its root
			rep.Handwritten = srv.Scope
			s.after = db.resyncIDs
		} else {
			rep.Server = srv.Scope
		}
		s.c = newClient(base, auth, maxConc, m.App.UserSchema)
		sides = append(sides, s)
	}
	e := newEnv(ds, m.App.UserSchema, m.App.GroupSchema)
	res = &Result{Name: name, Description: descriptions[name], Measure: Measure{CPUProfile: sides[0].spec.CPUProfile}}
	if len(sides) > 1 {
		res.Handwritten = &Measure{CPUProfile: sides[1].spec.CPUProfile}
	}
	// measures are where each side's figures go: the Result itself for scimsql.
	measures := []*Measure{&res.Measure}
	if res.Handwritten != nil {
		measures = append(measures, res.Handwritten)
	}
	rounds := max(1, cfg.Rounds)
	warm := min(cfg.Duration/10, time.Second)
	// alternate runs op on every side for Duration in all, alternating in rounds, and
	// returns each side's rounds with the CPU time its server, and the database server,
	// spent on them.
	alternate := func(what string, conc int, op opFunc) (runs [][]*loadResult, cpu, dbCPU []time.Duration, err error) {
		runs = make([][]*loadResult, len(sides))
		cpu, dbCPU = make([]time.Duration, len(sides)), make([]time.Duration, len(sides))
		for r := range rounds {
			for i, s := range sides {
				logf("%s: %s, %d client(s) for %s (round %d of %d)", what, s.spec.name(), conc, cfg.Duration/time.Duration(rounds), r+1, rounds)
				proc := memory{pid: s.srv.PID}
				before := proc.cpu()
				dbBefore, _ := dbServerCPU(cfg.Driver)
				runs[i] = append(runs[i], s.c.run(ctx, conc, cfg.Duration/time.Duration(rounds), 0, op))
				cpu[i] += proc.cpu() - before
				if dbAfter, ok := dbServerCPU(cfg.Driver); ok {
					dbCPU[i] += dbAfter - dbBefore
				}
				if err := s.after(ctx); err != nil {
					return nil, nil, nil, err
				}
			}
		}
		return runs, cpu, dbCPU, nil
	}
	// timed runs op on every side for Duration in all, alternating in rounds.
	timed := func(conc int, op opFunc, groupPush bool) error {
		for _, s := range sides {
			if groupPush {
				s.c.run(ctx, 1, 0, 2, op) // two PUTs: back where it started
			} else {
				s.c.run(ctx, conc, warm, 0, op)
			}
			if err := s.after(ctx); err != nil {
				return err
			}
		}
		runs, cpu, dbCPU, err := alternate(name, conc, op)
		if err != nil {
			return err
		}
		for i, ms := range measures {
			lr := merge(runs[i])
			all, _, errs := lr.summarize()
			ms.CPUPerRequest = perRequest(cpu[i], all.Count+all.Errors)
			ms.DBCPUPerRequest = perRequest(dbCPU[i], all.Count+all.Errors)
			ms.Concurrency = conc
			ms.Seconds = round3(lr.elapsed.Seconds())
			ms.Requests = all.Count + all.Errors
			ms.Errors = all.Errors
			ms.ErrorSamples = errs
			ms.Throughput = all.Throughput
			ms.Latency = all.Summary
		}
		if len(sides) == 2 {
			for r := range rounds {
				a, _, _ := runs[0][r].summarize()
				b, _, _ := runs[1][r].summarize()
				if b.Throughput > 0 && b.P99 > 0 {
					res.Rounds = append(res.Rounds, RoundRatio{Throughput: round3(a.Throughput / b.Throughput), P99: round3(a.P99 / b.P99)})
				}
			}
		}
		return nil
	}
	switch name {
	case "get":
		err = timed(cfg.Concurrency, e.get, false)
	case "check":
		err = timed(cfg.Concurrency, e.check, false)
	case "check-id":
		err = timed(cfg.Concurrency, e.checkID, false)
	case "post":
		err = timed(cfg.Concurrency, e.post, false)
	case "put":
		err = timed(cfg.Concurrency, e.put, false)
	case "grouppush":
		err = timed(1, e.grouppush, true)
	case "import":
		ids, err := db.ids(ctx)
		if err != nil {
			return nil, err
		}
		// More replicas of scimsql, on the same database, for the walk to alternate over.
		var replicas []*client
		for r := 1; r < cfg.Replicas; r++ {
			srv, err := cfg.Launcher(ctx, specs[0])
			if err != nil {
				return nil, fmt.Errorf("start replica %d: %w", r+1, err)
			}
			c := newClient(srv.URL+m.Server.BasePath, auth, 1, m.App.UserSchema)
			defer func() {
				c.close()
				srv.Stop()
			}()
			replicas = append(replicas, c)
		}
		res.Replicas = cfg.Replicas
		for i, s := range sides {
			budget := time.Duration(0)
			if s.spec.Handwritten {
				budget = cfg.BaselineImportBudget
			}
			logf("import: %s walks %d users in pages of 100", s.spec.name(), len(ids))
			before := memory{pid: s.srv.PID}.cpu()
			clients := []*client{s.c}
			if !s.spec.Handwritten && len(replicas) > 0 {
				// The same walk by one process first, for the ratio, in the same run.
				logf("import: scimsql alone first, for comparison")
				one, _, errs, err := e.walk(ctx, clients, ids, memory{pid: s.srv.PID}, 0)
				if err != nil {
					return res, fmt.Errorf("one process: %w", err)
				}
				if len(errs) > 0 {
					return res, fmt.Errorf("one process: %s", errs[0])
				}
				res.OneProcess = one
				clients = append(clients, replicas...)
				logf("import: pages go to %d scimsql processes in turn", len(clients))
			}
			imp, pages, errs, err := e.walk(ctx, clients, ids, memory{pid: s.srv.PID}, budget)
			measures[i].CPUPerRequest = perRequest(memory{pid: s.srv.PID}.cpu()-before, len(pages)+len(errs))
			if imp != nil {
				imp.RSSScope = s.srv.Scope
				ms := measures[i]
				ms.Import = imp
				ms.Concurrency = 1
				ms.Seconds = imp.Seconds
				ms.Requests = len(pages) + len(errs)
				ms.Errors = len(errs)
				ms.ErrorSamples = errs[:min(len(errs), 3)]
				ms.Latency = pages.Summarize()
				if imp.Seconds > 0 {
					ms.Throughput = round1(float64(imp.Pages) / imp.Seconds)
				}
			}
			if err != nil {
				return res, fmt.Errorf("%s: %w", s.spec.name(), err)
			}
		}
	case "mix":
		for _, n := range cfg.MixConcurrency {
			for _, s := range sides {
				s.c.walks = make([]int, maxConc)
				for i := range s.c.walks {
					s.c.walks[i] = 1
				}
				s.c.run(ctx, n, warm, 0, e.mix)
				if err := s.after(ctx); err != nil {
					return res, err
				}
			}
			levels, cpu, _, err := alternate("mix", n, e.mix)
			if err != nil {
				return res, err
			}
			for i, ms := range measures {
				lr := merge(levels[i])
				all, ops, errs := lr.summarize()
				ms.Mix = append(ms.Mix, MixLevel{Concurrency: n, Seconds: round3(lr.elapsed.Seconds()), Throughput: all.Throughput,
					Latency: all.Summary, Requests: all.Count + all.Errors, Errors: all.Errors, ErrorSamples: errs, Ops: ops,
					CPUPerRequest: perRequest(cpu[i], all.Count+all.Errors)})
				ms.Requests += all.Count + all.Errors
				ms.Errors += all.Errors
				if len(ms.ErrorSamples) == 0 {
					ms.ErrorSamples = errs
				}
			}
		}
		// The headline figures are the level with the best throughput.
		for _, ms := range measures {
			for _, l := range ms.Mix {
				if l.Throughput > ms.Throughput {
					ms.Concurrency, ms.Throughput, ms.Latency, ms.Seconds, ms.CPUPerRequest = l.Concurrency, l.Throughput, l.Latency, l.Seconds, l.CPUPerRequest
				}
			}
		}
	}
	if err != nil {
		return res, err
	}
	for i, ms := range measures {
		if ms.Errors > 0 {
			return res, fmt.Errorf("%s: %d of %d requests failed, e.g. %s", sides[i].spec.name(), ms.Errors, ms.Requests, ms.ErrorSamples[0])
		}
	}
	return res, nil
}

// perRequest is d per request, in microseconds; 0 for no requests.
func perRequest(d time.Duration, n int) float64 {
	if n <= 0 {
		return 0
	}
	return round1(float64(d.Microseconds()) / float64(n))
}

// profilePath inserts the scenario's name (and "handwritten" for the hand-written
// connector) before the extension: cpu.pprof gives cpu.get.pprof, cpu.get.handwritten.pprof.
func profilePath(path, scenario string, handwritten bool) string {
	ext := filepath.Ext(path)
	if ext == "" {
		ext = ".pprof"
	}
	name := scenario
	if handwritten {
		name += ".handwritten"
	}
	return strings.TrimSuffix(path, filepath.Ext(path)) + "." + name + ext
}
