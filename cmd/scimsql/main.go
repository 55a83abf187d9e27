// Command scimsql serves Okta's on-premises provisioning (SCIM 1.1) from an existing SQL
// database, as described by a mapping file.
//
//	scimsql serve    -mapping FILE [-listen ADDR] [-dsn DSN]
//	scimsql validate -mapping FILE
//	scimsql explain  -mapping FILE [-op NAME]
//	scimsql version
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/all"
	"github.com/scimsql/scimsql/engine"
	explainpkg "github.com/scimsql/scimsql/explain"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/internal/cursorstore"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/server"
)

// version is stamped at build time with -ldflags "-X main.version=..."; without it, the
// module version go install records (scimsql@v1.2.3), or the commit go build records.
var version = "dev"

func init() {
	if version != "dev" {
		return
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		version = v
		return
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if len(rev) >= 12 {
		version = "dev-" + rev[:12]
		if modified == "true" {
			version += "-dirty"
		}
	}
}

// dialectTable is the set of databases this binary supports (dialects/all).
var dialectTable = all.Table

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `scimsql serves Okta's on-premises provisioning (SCIM) from an existing SQL database.

Usage:
  scimsql serve    -mapping FILE [-listen ADDR] [-dsn DSN] [-log-format text|json] [-log-level info|debug]
                   [-watch=false] [-plain-http] [-self-signed HOSTS [-tls-dir DIR]]
  scimsql init     -driver sqlite|postgres|mysql -dsn DSN [-out FILE] [-force] [-users T] [-groups T] [-members T]
                   [-username COLUMN|FORMAT] [-app NAME]
  scimsql validate -mapping FILE [-dsn DSN] [-db auto|require|off]
  scimsql explain  -mapping FILE [-op NAME [-id ID] [-body FILE]] [-dsn DSN] [-db auto|live|off]
  scimsql cert     -hosts NAMES,IPS [-out DIR] [-days N] [-force]
  scimsql test     -url BASE [-method NAME [-file F] [-arg k=v]...] [-header k=v]... [-json]
  scimsql bench    -driver mysql|postgres [-dsn DSN] [-size N] [-scenarios LIST] [-json]  (scimsql bench -h)
  scimsql health   [-url BASE] [-ready] [-insecure] [-timeout D]   (a HEALTHCHECK without curl)
  scimsql version

Each command says more with -h (scimsql serve -h).
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "init":
		return initCmd(args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "explain":
		return explain(args[1:], stdout, stderr)
	case "cert":
		return certCmd(args[1:], stdout, stderr)
	case "test":
		return testCmd(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case "health":
		return healthCmd(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "scimsql", version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "scimsql: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("scimsql "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// load reads the mapping and applies command-line overrides.
func load(path, listen, dsn string) (*mappings.Mapping, error) {
	if path == "" {
		return nil, errors.New("-mapping FILE is required")
	}
	m, err := mappings.LoadFile(path, mappings.Options{Listen: listen, DSN: dsn, Drivers: all.Names()})
	if err != nil {
		return nil, err
	}
	if _, ok := dialectTable[m.Database.Driver]; !ok {
		return nil, fmt.Errorf("%s: database.driver %q is not built into this binary (built in: %s)", path, m.Database.Driver, strings.Join(driverNames(), ", "))
	}
	return m, nil
}

func driverNames() []string {
	var out []string
	for k := range dialectTable {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(httpapi.LogHandler(slog.NewTextHandler(w, opts))), nil
	case "json":
		return slog.New(httpapi.LogHandler(slog.NewJSONHandler(w, opts))), nil
	}
	return nil, fmt.Errorf("-log-format must be text or json, not %q", format)
}

// GC targets for the server, unless GOGC or GOMEMLIMIT say otherwise. scimsql's live
// heap is a few megabytes, so Go's default (collect when the heap doubles, and at least
// every 4 MB) collects dozens of times a second under the agent's traffic: a tenth of
// the CPU of a small request. With 400 it collects a quarter as often; the soft limit
// makes it collect harder again before a large group push takes the heap anywhere near
// it, and stays below three quarters of a container's memory limit.
const (
	gcPercent   = 400
	gcSoftLimit = 256 << 20
)

func setGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softLimit(cgroupMemoryLimit()))
	}
}

// softLimit is the GC's soft memory limit for a process whose container may use at most
// limit bytes (0: no limit known).
func softLimit(limit int64) int64 {
	if limit > 0 && limit/4*3 < gcSoftLimit {
		return limit / 4 * 3
	}
	return gcSoftLimit
}

// cgroupMemoryLimit is the memory limit of this process's cgroup (v2, then v1), or 0.
func cgroupMemoryLimit() int64 {
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 { // "max", or v1's "no limit"
			return 0
		}
		return n
	}
	return 0
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", stderr)
	mapping := fs.String("mapping", "", "mapping file (required)")
	listen := fs.String("listen", "", "listen address, overriding server.listen")
	dsn := fs.String("dsn", "", "database DSN, overriding database.dsn")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	watch := fs.Bool("watch", true, "reload when the mapping or a file it names changes (SIGHUP always reloads)")
	plainHTTP := fs.Bool("plain-http", false, "serve plain HTTP without server.tls (the agent then needs allowHttp=true)")
	selfSigned := fs.String("self-signed", "", "serve HTTPS with a self-signed certificate for these comma-separated host names and IPs (made once, kept in -tls-dir)")
	tlsDir := fs.String("tls-dir", "", "the folder -self-signed keeps its certificate and key in (default: .scimsql-tls beside the mapping)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "scimsql serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "scimsql serve:", err)
		return 2
	}
	if *mapping == "" {
		fmt.Fprintln(stderr, "scimsql serve: -mapping FILE is required")
		return 1
	}
	// Refuse a setup without TLS before anything runs (the init scripts included).
	if pre, err := load(*mapping, *listen, *dsn); err == nil && pre.Server.TLS == nil && *selfSigned == "" && !pre.Server.PlainHTTP && !*plainHTTP {
		fmt.Fprintln(stderr, "scimsql serve: no TLS: configure server.tls (cert and key files), or use -self-signed HOSTS, "+
			"or choose plain HTTP explicitly with plainHTTP: true in server or -plain-http (the agent then needs allowHttp=true)")
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	setGC()

	s, err := server.New(ctx, server.Options{
		MappingPath: *mapping, Listen: *listen, DSN: *dsn,
		Dialects: dialectTable, Logger: log, Version: version,
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer s.Close()
	m := s.Mapping()
	if err := s.Engine().Ping(ctx); err != nil {
		log.Error("database check failed", "err", err.Error())
	}
	lim := m.Server.Limits
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	certFile, keyFile := "", ""
	switch {
	case m.Server.TLS != nil:
		certFile, keyFile = m.Server.TLS.Cert, m.Server.TLS.Key
	case *selfSigned != "":
		dir := *tlsDir
		if dir == "" {
			dir = filepath.Join(m.Dir, ".scimsql-tls")
		}
		path, made, err := server.WriteSelfSigned(dir, splitHosts(*selfSigned), 825)
		if err != nil {
			fmt.Fprintln(stderr, "scimsql serve: -self-signed:", err, "(choose a folder this user may write with -tls-dir)")
			return 1
		}
		certFile, keyFile = path, filepath.Join(dir, "key.pem")
		if made && *logFormat == "json" {
			// Every line of a JSON log is JSON: the instructions go in the record.
			log.Warn("made a self-signed certificate; the agent must trust it", "cert", path, "trust", server.KeytoolHelp(path))
		} else if made {
			log.Warn("made a self-signed certificate; the agent must trust it", "cert", path)
			fmt.Fprint(stderr, server.KeytoolHelp(path))
		}
	case m.Server.PlainHTTP || *plainHTTP:
		log.Warn("serving plain HTTP, as chosen: the Okta Provisioning Agent needs allowHttp=true in agent.config; credentials and user data cross the network unencrypted")
	default:
		fmt.Fprintln(stderr, "scimsql serve: no TLS: configure server.tls (cert and key files), or use -self-signed HOSTS, "+
			"or choose plain HTTP explicitly with plainHTTP: true in server or -plain-http (the agent then needs allowHttp=true)")
		return 1
	}
	var certs *server.CertLoader
	if certFile != "" {
		if certs, err = server.NewCertLoader(certFile, keyFile, log); err != nil {
			fmt.Fprintln(stderr, "scimsql serve:", err)
			return 1
		}
		srv.TLSConfig = server.TLSConfig(certs)
	}
	ln, err := net.Listen("tcp", m.Server.Listen)
	if err != nil {
		fmt.Fprintln(stderr, "scimsql serve:", err)
		return 1
	}
	scheme := "http"
	if certs != nil {
		scheme = "https"
	}
	a := m.Server.Auth
	switch {
	case a.Type == "none":
		log.Warn("authentication is off (server.auth.type: none): anyone who can reach this port can provision users")
	case a.Defaulted && a.Type == "basic":
		log.Warn(fmt.Sprintf("using the mapping's default demo password %q for user %q; set %s to change it", a.Password.Reveal(), a.Username, orWord(a.SecretEnv, "the environment variable")))
	case a.Defaulted:
		log.Warn(fmt.Sprintf("using the mapping's default demo header value; set %s to change it", orWord(a.SecretEnv, "the environment variable")))
	}
	log.Info("scimsql serving", "version", version, "app", m.App.Name, "driver", m.Database.Driver,
		"url", fmt.Sprintf("%s://%s%s/", scheme, ln.Addr().String(), m.Server.BasePath),
		"capabilities", strings.Join(engine.Enabled(s.Engine().Capabilities()), ","))

	// SIGHUP reloads, like a file change.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				s.Reload(ctx, "SIGHUP")
			}
		}
	}()
	if *watch {
		go func() {
			if err := s.Watch(ctx, 300*time.Millisecond); err != nil {
				log.Warn("not watching the mapping's files; reload with SIGHUP", "err", err.Error())
			}
		}()
	}
	errc := make(chan error, 1)
	go func() {
		if certs != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "scimsql serve:", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "within", lim.ShutdownTimeout.String())
	sctx, scancel := context.WithTimeout(context.Background(), lim.ShutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err.Error())
		return 1
	}
	return 0
}

func validate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	mapping := fs.String("mapping", "", "mapping file (required)")
	dsn := fs.String("dsn", "", "database DSN, overriding database.dsn")
	dbMode := fs.String("db", "auto", "check the mapping against the database: auto (when reachable), require, or off")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dbMode != "auto" && *dbMode != "require" && *dbMode != "off" {
		fmt.Fprintf(stderr, "scimsql validate: -db must be auto, require or off, not %q\n", *dbMode)
		return 2
	}
	m, err := load(*mapping, "", *dsn)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	d := dialectTable[m.Database.Driver]()
	e, err := engine.New(m, d, nil, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *mapping, err)
		return 1
	}
	// Every operation runs once against the sample database: a template that cannot run
	// is found here, with its position, not by the first request Okta sends.
	faults, err := explainpkg.Faults(context.Background(), explainpkg.Config{Mapping: m, Dialect: d})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *mapping, err)
		return 1
	}
	if len(faults) > 0 {
		for _, f := range faults {
			fmt.Fprintf(stderr, "%s: %s\n", *mapping, f)
		}
		fmt.Fprintf(stderr, "%s: %d operation(s) cannot run\n", *mapping, len(faults))
		return 1
	}
	if code := checkDatabase(m, d, *dbMode, stdout, stderr); code != 0 {
		return code
	}
	fmt.Fprintf(stdout, "%s: ok (app %s, driver %s)\n", *mapping, m.App.Name, m.Database.Driver)
	if *dbMode != "off" {
		checkCursorStore(m, stdout, stderr)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "operations:")
	for _, res := range []struct {
		name string
		ops  []string
		get  func(string) *mappings.Operation
	}{
		{"users", append(append([]string(nil), mappings.UserOps...), mappings.OpDeleteUser), m.Users.Op},
		{"groups", mappings.GroupOps, m.Groups.Op},
	} {
		for _, op := range res.ops {
			how := "not mapped"
			if o := res.get(op); o != nil && o.Auto {
				how = "auto"
			} else if o != nil {
				how = fmt.Sprintf("templated SQL (%d statement(s))", len(o.Statements))
			}
			fmt.Fprintf(stdout, "  %-12s %s\n", op, how)
		}
	}
	fmt.Fprintln(stdout, "\ncapabilities:")
	printCapabilities(stdout, e.Capabilities())
	return 0
}

// printCapabilities lists every capability, on or off, with the reason.
func printCapabilities(w io.Writer, caps []engine.Capability) {
	for _, c := range caps {
		mark := "off"
		if c.On {
			mark = "on "
		}
		fmt.Fprintf(w, "  %s %-29s %s\n", mark, c.Name, c.Reason)
	}
}

// explain runs the sample request of each mapped operation (or one request: -op, -id,
// -body) through the real handler and engine, and prints every statement it ran with its
// arguments. Against the mapping's database (or -dsn) the statements run in one
// transaction that is rolled back: what is printed is what that request runs against the
// current state, and nothing stays written. -db off, or a mapping whose database is not
// there, answers from a sample database instead, contacting nothing.
func explain(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("explain", stderr)
	mapping := fs.String("mapping", "", "mapping file (required)")
	only := fs.String("op", "", "only this operation (getUsers, createUser, updateGroup, ...)")
	id := fs.String("id", "", "the id of the user or group the request names (with -op)")
	bodyFile := fs.String("body", "", "a JSON file sent as the request body (with -op createUser, updateUser, createGroup, updateGroup)")
	dsn := fs.String("dsn", "", "database DSN, overriding the mapping's")
	dbMode := fs.String("db", "auto", "auto: the mapping's database when it answers, else the sample database; live: the database, or fail; off: the sample database")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*id != "" || *bodyFile != "") && *only == "" {
		fmt.Fprintln(stderr, "scimsql explain: -id and -body need -op")
		return 2
	}
	m, err := load(*mapping, "", *dsn)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var body []byte
	if *bodyFile != "" {
		if body, err = os.ReadFile(*bodyFile); err != nil {
			fmt.Fprintf(stderr, "scimsql explain: %v\n", err)
			return 1
		}
	}
	d := dialectTable[m.Database.Driver]()
	cfg := explainpkg.Config{Mapping: m, Dialect: d}
	switch *dbMode {
	case "off":
	case "auto", "live":
		db, why := openForExplain(m, d)
		if db == nil && *dbMode == "live" {
			fmt.Fprintf(stderr, "scimsql explain: %s\n", why)
			return 1
		}
		if db == nil {
			fmt.Fprintf(stdout, "-- the database is not used (%s): a sample database answers (-db off)\n\n", why)
		} else {
			defer db.Close()
			cfg.DB = db
			fmt.Fprintf(stdout, "-- against the %s database, in one transaction rolled back at the end: nothing is written\n\n", m.Database.Driver)
		}
	default:
		fmt.Fprintf(stderr, "scimsql explain: -db %q: want auto, live or off\n", *dbMode)
		return 2
	}
	ops := explainpkg.Mapped(m)
	if *only != "" {
		ops = nil
		for _, op := range explainpkg.Ops {
			if strings.EqualFold(op, *only) {
				ops = []string{op}
			}
		}
		if ops == nil {
			fmt.Fprintf(stderr, "scimsql explain: operation %q is not one of %s\n", *only, strings.Join(explainpkg.Ops, ", "))
			return 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var reqs []explainpkg.Request
	for _, op := range ops {
		opID := *id
		if opID == "" && cfg.DB != nil {
			// Against the database, name a user or group that is there.
			opID = explainpkg.FirstID(ctx, cfg, op)
		}
		rs, err := explainpkg.Requests(m, op, opID, body)
		if err != nil {
			fmt.Fprintf(stderr, "scimsql explain: %v\n", err)
			return 1
		}
		reqs = append(reqs, rs...)
	}
	res, err := explainpkg.Run(ctx, cfg, reqs)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *mapping, err)
		return 1
	}
	explainpkg.Format(stdout, res)
	if *only == "" {
		e, err := engine.New(m, d, nil, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err == nil {
			fmt.Fprintln(stdout, "## capabilities")
			printCapabilities(stdout, e.Capabilities())
		}
	}
	return 0
}

// openForExplain opens the mapping's database when it exists and answers, or says why not.
func openForExplain(m *mappings.Mapping, d dialects.Dialect) (*sql.DB, string) {
	if fd, ok := d.(dialects.FileDatabase); ok && !fd.Exists(m.Database.DSN.Reveal()) {
		return nil, "the SQLite database does not exist yet"
	}
	db, err := d.Open(m.Database.DSN.Reveal(), dialects.Pool{MaxOpen: 2, MaxIdle: 1, MaxLifetime: time.Minute, StatementTimeout: m.Database.QueryTimeout})
	if err != nil {
		return nil, err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "cannot reach the database: " + oneLine(err.Error())
	}
	return db, ""
}

// checkDatabase runs the database part of validate: the mapping against the real
// schema, statements and privileges. auto skips it, saying why, when the database cannot
// be reached (or, for SQLite, does not exist yet: opening it would create it).
func checkDatabase(m *mappings.Mapping, d dialects.Dialect, mode string, stdout, stderr io.Writer) int {
	if mode == "off" {
		return 0
	}
	skip := func(why string) int {
		if mode == "require" {
			fmt.Fprintf(stderr, "database check failed: %s\n", why)
			return 1
		}
		fmt.Fprintf(stdout, "database check skipped: %s (-db require makes this an error)\n", why)
		return 0
	}
	if fd, ok := d.(dialects.FileDatabase); ok && !fd.Exists(m.Database.DSN.Reveal()) {
		return skip("the SQLite database does not exist yet; serve creates it")
	}
	// Only a server that does not answer is a reason to skip: one that answers and
	// refuses (a wrong password, a database that does not exist, a DSN of another driver)
	// is a setup that cannot work, whatever -db says.
	fail := func(why string) int {
		fmt.Fprintf(stderr, "database check failed: %s\n", why)
		return 1
	}
	db, err := d.Open(m.Database.DSN.Reveal(), dialects.Pool{MaxOpen: 2, MaxIdle: 1, MaxLifetime: time.Minute})
	if err != nil {
		return fail(fmt.Sprintf("%v (database.driver is %s)", err, m.Database.Driver))
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
	err = db.PingContext(pctx)
	pcancel()
	switch {
	case err != nil && (dialects.IsNetwork(err) || errors.Is(err, context.DeadlineExceeded)):
		return skip("cannot reach the database: " + oneLine(err.Error()))
	case err != nil:
		return fail(fmt.Sprintf("the %s server answered and refused the connection: %s; check the DSN's user, password and database name, and that it is a %s DSN",
			m.Database.Driver, oneLine(err.Error()), m.Database.Driver))
	}
	e, err := engine.New(m, d, db, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	problems, err := explainpkg.Check(ctx, e)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", m.File, err)
		return 1
	}
	if len(problems) == 0 {
		fmt.Fprintln(stdout, "database check: ok (tables, columns and types; every statement prepares; privileges)")
		return 0
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p.String())
	}
	fmt.Fprintf(stderr, "database check: %d problem(s)\n", len(problems))
	return 1
}

// checkCursorStore says whether the Redis that replicas share their import positions in
// answers. One that does not is no error: imports still work, reading pages with OFFSET.
func checkCursorStore(m *mappings.Mapping, stdout, stderr io.Writer) {
	c := m.Server.Cursors
	if c.Store != "redis" {
		return
	}
	r, err := cursorstore.NewRedis(c.URL.Reveal(), c.Prefix, 1)
	if err == nil {
		defer r.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = r.Ping(ctx)
		cancel()
	}
	if err != nil {
		fmt.Fprintf(stderr, "warning: cursor store: %v: until it answers, imports over several replicas read every page after the first with OFFSET (slower, and exact only for rows that do not change during the walk)\n", err)
		return
	}
	fmt.Fprintln(stdout, "cursor store: redis answers")
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

func splitHosts(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// certCmd makes a self-signed certificate for the names and addresses the agent uses to
// reach scimsql, and prints how to make the agent trust it.
func certCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("cert", stderr)
	hosts := fs.String("hosts", "", "comma-separated host names and IP addresses (required)")
	out := fs.String("out", ".", "directory for cert.pem and key.pem")
	days := fs.Int("days", 825, "validity in days")
	force := fs.Bool("force", false, "replace an existing cert.pem and key.pem")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *hosts == "" || *days < 1 {
		fmt.Fprintln(stderr, "scimsql cert: -hosts is required (e.g. -hosts scim.corp.example,10.0.0.5) and -days must be positive")
		return 2
	}
	certPEM, keyPEM, err := server.SelfSigned(splitHosts(*hosts), *days)
	if err != nil {
		fmt.Fprintln(stderr, "scimsql cert:", err)
		return 1
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "scimsql cert:", err)
		return 1
	}
	certPath, keyPath := filepath.Join(*out, "cert.pem"), filepath.Join(*out, "key.pem")
	if !*force {
		for _, p := range []string{certPath, keyPath} {
			if _, err := os.Stat(p); err == nil {
				fmt.Fprintf(stderr, "scimsql cert: %s exists: a new pair replaces the certificate the agent trusts. Run again with -force, then re-import it "+
					"(delete the old one from the agent's truststore first: keytool -delete -alias scimsql ...)\n", p)
				return 1
			}
		}
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		fmt.Fprintln(stderr, "scimsql cert:", err)
		return 1
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		fmt.Fprintln(stderr, "scimsql cert:", err)
		return 1
	}
	abs, _ := filepath.Abs(certPath)
	fmt.Fprintf(stdout, "wrote %s and %s (valid %d days for %s)\n\n", certPath, keyPath, *days, *hosts)
	fmt.Fprintf(stdout, "In the mapping:\n\n  server:\n    tls: {cert: %s, key: %s}\n\n", certPath, keyPath)
	fmt.Fprint(stdout, server.KeytoolHelp(abs))
	return 0
}
