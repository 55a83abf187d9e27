package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/internal/bench"
)

func TestBenchFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "-driver must be mysql or postgres"},
		{[]string{"bench", "-driver", "sqlite"}, "-driver must be mysql or postgres"},
		{[]string{"bench", "-driver", "mysql", "-dsn", "x", "-scenarios", "get,nope"}, `unknown scenario "nope"`},
		{[]string{"bench", "-driver", "mysql", "-dsn", "x", "-mix-concurrency", "1,0"}, "-mix-concurrency"},
		{[]string{"bench", "-driver", "mysql", "-dsn", "x", "-server", "elsewhere"}, "-server must be child or inprocess"},
		{[]string{"bench", "-driver", "mysql", "extra"}, `unexpected argument "extra"`},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
	t.Run("no DSN", func(t *testing.T) {
		t.Setenv("SCIMSQL_TEST_POSTGRES_DSN", "")
		var out, errb bytes.Buffer
		if code := run([]string{"bench", "-driver", "postgres"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "SCIMSQL_TEST_POSTGRES_DSN") {
			t.Errorf("exit %d, stderr %q", code, errb.String())
		}
	})
}

// TestBenchServeHelper is the child scimsql of TestBench: the test binary run again with
// the arguments after "--".
func TestBenchServeHelper(t *testing.T) {
	if os.Getenv("SCIMSQL_BENCH_HELPER") != "1" {
		t.Skip("the child process of TestBench")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(args, os.Stdout, os.Stderr))
}

// TestBench runs `scimsql bench` briefly on a small database of each server whose DSN is
// set, with the server in a child process as by default.
func TestBench(t *testing.T) {
	prev := childCommand
	t.Cleanup(func() { childCommand = prev })
	childCommand = func(args ...string) (*exec.Cmd, error) {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestBenchServeHelper$", "--"}, args...)...)
		cmd.Env = append(os.Environ(), "SCIMSQL_BENCH_HELPER=1")
		return cmd, nil
	}
	for _, db := range []struct{ driver, env string }{
		{"mysql", "SCIMSQL_TEST_MYSQL_DSN"},
		{"postgres", "SCIMSQL_TEST_POSTGRES_DSN"},
	} {
		t.Run(db.driver, func(t *testing.T) {
			dsn := conformance.DSN(t, db.env)
			const size = 2000
			var out, errb bytes.Buffer
			code := run([]string{"bench", "-driver", db.driver, "-dsn", dsn, "-size", "2000", "-concurrency", "4",
				"-duration", "300ms", "-mix-concurrency", "1,4", "-json"}, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
			}
			var rep bench.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("the report is not JSON: %v\n%s", err, out.String())
			}
			if !strings.Contains(rep.Server, "child process") || !strings.Contains(rep.Handwritten, "hand-written connector in a child process") {
				t.Errorf("scimsql ran in %q, the hand-written connector in %q: want a child process each", rep.Server, rep.Handwritten)
			}
			got := map[string]bench.Result{}
			for _, r := range rep.Scenarios {
				got[r.Name] = r
			}
			for _, name := range bench.Scenarios {
				r, ok := got[name]
				switch {
				case !ok:
					t.Errorf("%s: missing from the report", name)
				case r.Throughput <= 0 || r.Requests == 0:
					t.Errorf("%s: %d requests, %.1f req/s", name, r.Requests, r.Throughput)
				case r.Errors > 0:
					t.Errorf("%s: %d errors: %v", name, r.Errors, r.ErrorSamples)
				case r.Handwritten == nil || r.Handwritten.Requests == 0 || r.Handwritten.Errors > 0:
					t.Errorf("%s: the hand-written connector's figures: %+v", name, r.Handwritten)
				}
			}
			i := got["import"].Import
			if i == nil || !i.ExactlyOnce || i.Users != size || i.Expected != size {
				t.Errorf("import: %+v, want %d users, each exactly once", i, size)
			} else if i.PeakRSS <= 0 {
				t.Errorf("import: no peak RSS for the child process")
			}
		})
	}
}
