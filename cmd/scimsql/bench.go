package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scimsql/scimsql/internal/bench"
)

const benchUsage = `scimsql bench generates MySQL's employees sample at a chosen size in a database of its own,
serves it with the examples/mysql-employees mapping and measures the Okta agent's requests.

Usage:
  scimsql bench -driver mysql|postgres [-dsn DSN] [-size 100000] [-concurrency 8] [-duration 10s]
                [-scenarios import,get,check,check-id,post,put,grouppush,mix] [-mix-concurrency 1,2,4,8,16]
                [-baseline=true] [-rounds 4] [-baseline-import-budget 2m]
                [-server child|inprocess] [-mapping FILE] [-max-body BYTES] [-cpuprofile FILE] [-keep] [-json]
                [-replicas N] [-cursors local|none|redis://HOST:6379/0]

Every scenario runs against scimsql and, unless -baseline=false, against a hand-written
connector for the same schema (database/sql, prepared statements, encoding/json), on the
same data, pool, credentials and transport, alternating between the two in -rounds rounds.

-replicas 2 sends the import walk's pages to two scimsql processes in turn, on one database,
as a load balancer without session affinity would; -cursors chooses where they keep the
walk's position (a redis:// URL: the store they share).

-dsn defaults to $SCIMSQL_TEST_MYSQL_DSN or $SCIMSQL_TEST_POSTGRES_DSN. The bench creates
scimsql_bench_<n> there (a database on MySQL, a schema on PostgreSQL) and drops it at the end
unless -keep.

Flags:
`

// childEnv names the environment variable that hands the DSN to the child server, so
// that it does not show in the process list.
const childDSNEnv = "SCIMSQL_BENCH_DSN"

// childCommand builds the command that runs `scimsql bench serve`; tests replace it.
var childCommand = func(args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.Command(exe, args...), nil
}

func benchCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" {
		return benchServe(args[1:], stdout, stderr)
	}
	fs := newFlags("bench", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	driver := fs.String("driver", "", "database: mysql (MySQL or MariaDB) or postgres (required)")
	dsn := fs.String("dsn", "", "the server to create the bench database on (default $SCIMSQL_TEST_MYSQL_DSN or $SCIMSQL_TEST_POSTGRES_DSN)")
	size := fs.Int("size", 100_000, "employees to generate")
	conc := fs.Int("concurrency", 8, "concurrent clients for get, check, post and put")
	dur := fs.Duration("duration", 10*time.Second, "how long each scenario (and each level of the mix) runs, per server")
	baseline := fs.Bool("baseline", true, "measure the hand-written connector beside scimsql and judge the relative targets against it")
	rounds := fs.Int("rounds", 4, "alternating runs per server in each timed scenario (3 or more give a verdict of even where the two cannot be told apart)")
	budget := fs.Duration("baseline-import-budget", 2*time.Minute, "cut the hand-written connector's import walk after this long and estimate the rest")
	scenarios := fs.String("scenarios", strings.Join(bench.Scenarios, ","), "scenarios to run, in order")
	mixConc := fs.String("mix-concurrency", "1,2,4,8,16", "the mix's levels of concurrency")
	serverMode := fs.String("server", "child", "where scimsql runs: child (a process of its own: clean memory figures and profiles) or inprocess")
	mapping := fs.String("mapping", "", "serve this mapping instead of the built-in employees mapping for -driver")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of scimsql per scenario: FILE with the scenario's name before the extension")
	maxBody := fs.Int64("max-body", 0, "override the mapping's server.maxBodyBytes (the agent's PUT of a 25,800-member group is about 1.5 MB)")
	replicas := fs.Int("replicas", 1, "spread the import walk over this many scimsql processes, page by page in turn (a load balancer without session affinity)")
	cursors := fs.String("cursors", "", "override the mapping's server.cursors: local, none, or a redis:// URL (the store replicas share)")
	keep := fs.Bool("keep", false, "keep the bench database instead of dropping it")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "scimsql bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "scimsql bench: "+format+"\n", a...)
		return 2
	}
	if *driver != "mysql" && *driver != "postgres" {
		return bad("-driver must be mysql or postgres, not %q", *driver)
	}
	if *dsn == "" {
		v := map[string]string{"mysql": "SCIMSQL_TEST_MYSQL_DSN", "postgres": "SCIMSQL_TEST_POSTGRES_DSN"}[*driver]
		if *dsn = os.Getenv(v); *dsn == "" {
			return bad("-dsn is required (or set %s)", v)
		}
	}
	for _, sc := range splitList(*scenarios) {
		if !slices.Contains(bench.Scenarios, sc) {
			return bad("unknown scenario %q (scenarios: %s)", sc, strings.Join(bench.Scenarios, ","))
		}
	}
	levels, err := intList(*mixConc)
	if err != nil {
		return bad("-mix-concurrency: %v", err)
	}
	cfg := bench.Config{
		Driver: *driver, DSN: *dsn, Size: *size, Concurrency: *conc, Duration: *dur,
		Scenarios: splitList(*scenarios), MixConcurrency: levels, Keep: *keep,
		Mapping: *mapping, MaxBody: *maxBody, CPUProfile: *cpuprofile, Progress: stderr,
		Baseline: *baseline, Rounds: *rounds, BaselineImportBudget: *budget,
		Replicas: *replicas, Cursors: *cursors,
	}
	if *replicas < 1 {
		return bad("-replicas must be at least 1, not %d", *replicas)
	}
	if c := *cursors; c != "" && c != "local" && c != "none" && !strings.HasPrefix(c, "redis://") && !strings.HasPrefix(c, "rediss://") {
		return bad("-cursors must be local, none or a redis:// URL")
	}
	// The hand-written connector knows the employees schema only: with a mapping of
	// another app it has nothing to be compared on, unless asked for explicitly.
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "baseline" })
	if *mapping != "" && !explicit {
		cfg.Baseline = false
		fmt.Fprintln(stderr, "scimsql bench: -mapping: scimsql alone (the hand-written connector serves the employees schema; -baseline to run it anyway)")
	}
	if *rounds <= 0 {
		return bad("-rounds must be positive, not %d", *rounds)
	}
	switch *serverMode {
	case "child":
		cfg.Launcher = childLauncher(stderr)
	case "inprocess":
		cfg.Launcher = bench.InProcess
	default:
		return bad("-server must be child or inprocess, not %q", *serverMode)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, cfg)
	if rep != nil {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(rep)
		} else {
			rep.WriteText(stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "scimsql bench:", err)
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func intList(s string) ([]int, error) {
	var out []int
	for _, p := range splitList(s) {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// childLauncher starts each scenario's scimsql (or hand-written connector) as `scimsql
// bench serve`, a process of its own, so that its peak memory and CPU profile are the
// server's alone.
func childLauncher(stderr io.Writer) bench.Launcher {
	return func(ctx context.Context, spec bench.ServerSpec) (*bench.Server, error) {
		args := []string{"bench", "serve", "-mapping", spec.MappingPath}
		if spec.CPUProfile != "" {
			args = append(args, "-cpuprofile", spec.CPUProfile)
		}
		what := "scimsql"
		if spec.Handwritten {
			args = append(args, "-handwritten")
			what = "the hand-written connector"
		}
		cmd, err := childCommand(args...)
		if err != nil {
			return nil, err
		}
		cmd.Env = append(cmd.Environ(), childDSNEnv+"="+spec.DSN)
		cmd.Stderr = stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		exited := make(chan error, 1)
		lines := make(chan string, 1)
		go func() {
			r := bufio.NewReader(out)
			line, _ := r.ReadString('\n')
			lines <- strings.TrimSpace(line)
			_, _ = io.Copy(io.Discard, r)
			exited <- cmd.Wait()
		}()
		stop := func() error {
			stdin.Close() // the child stops when its stdin closes
			select {
			case err := <-exited:
				return err
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				return errors.New(what + " did not stop within a minute; killed")
			}
		}
		select {
		case line := <-lines:
			url, ok := strings.CutPrefix(line, "listening ")
			if !ok {
				_ = stop()
				return nil, fmt.Errorf("scimsql bench serve did not start (it said %q)", line)
			}
			return &bench.Server{URL: url, PID: cmd.Process.Pid, Scope: what + " in a child process (scimsql bench serve), measured alone", Stop: stop}, nil
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Kill()
			return nil, errors.New("scimsql bench serve did not start within two minutes")
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return nil, ctx.Err()
		}
	}
}

// benchServe is the child side: scimsql serving the mapping at a free port on 127.0.0.1
// (built like `scimsql serve`), or with -handwritten the hand-written connector on the
// mapping's database settings, with the DSN from the environment. It prints
// "listening URL" and runs until its stdin closes or it is interrupted.
func benchServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("bench serve", stderr)
	mapping := fs.String("mapping", "", "mapping file (required)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile here")
	hand := fs.Bool("handwritten", false, "serve the hand-written connector instead of scimsql")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if !*hand {
		setGC() // as scimsql serve runs; the hand-written connector keeps Go's defaults
	}
	sv, err := bench.Serve(ctx, bench.ServerSpec{MappingPath: *mapping, DSN: os.Getenv(childDSNEnv), CPUProfile: *cpuprofile, Handwritten: *hand}, dialectTable, log)
	if err != nil {
		fmt.Fprintln(stdout, "error:", oneLine(err.Error()))
		fmt.Fprintln(stderr, "scimsql bench serve:", err)
		return 1
	}
	fmt.Fprintln(stdout, "listening", sv.URL)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	<-ctx.Done()
	if err := sv.Stop(); err != nil {
		fmt.Fprintln(stderr, "scimsql bench serve:", err)
		return 1
	}
	return 0
}
