package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommands(t *testing.T) {
	quick := filepath.Join("..", "..", "examples", "quickstart", "mapping.yaml")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\napp: {name: x}\ndatabase: {driver: oracle, dsn: x}\nserver: {auth: {type: none}}\nusers:\n  table: users\n  id: id\n  attributes: {userName: user_name, favoriteColor: color}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The quickstart with its positions in a Redis that does not answer: a warning, not
	// a failure (imports still work, with OFFSET).
	quickText, err := os.ReadFile(quick)
	if err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(t.TempDir(), "shared.yaml")
	if err := os.WriteFile(shared, []byte(strings.Replace(string(quickText), "server:\n", "server:\n  cursors: {store: redis, url: \"redis://:pw@127.0.0.1:1/0\"}\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args     []string
		code     int
		out, err []string
	}{
		{[]string{}, 2, nil, []string{"Usage"}},
		{[]string{"validate", "-mapping", shared}, 0, []string{"on  GROUP_PUSH"}, []string{"warning: cursor store: redis: connection refused"}},
		{[]string{"version"}, 0, []string{"scimsql dev"}, nil},
		// The usage names every command and the flags a first run needs.
		{nil, 2, nil, []string{"scimsql cert", "-self-signed HOSTS", "-plain-http", "-watch=false", "validate -mapping FILE [-dsn DSN] [-db auto|require|off]", "explain  -mapping FILE [-op NAME [-id ID] [-body FILE]] [-dsn DSN]"}},
		{[]string{"frobnicate"}, 2, nil, []string{`unknown command "frobnicate"`}},
		{[]string{"serve", "-no-such-flag"}, 2, nil, []string{"flag provided but not defined: -no-such-flag"}},
		{[]string{"validate"}, 1, nil, []string{"-mapping FILE is required"}},
		{[]string{"validate", "-mapping", "/no/such/file.yaml"}, 1, nil, []string{"no such file"}},
		{[]string{"validate", "-mapping", quick}, 0,
			[]string{"ok (app onprem_app, driver sqlite)", "createUser   auto", "on  GROUP_PUSH", "on  OPP_SCIM_INCREMENTAL_IMPORTS", "on  PUSH_PASSWORD_UPDATES"}, nil},
		{[]string{"validate", "-mapping", "../../testdata/validate/template_missing_key.yaml", "-db", "off"}, 1, nil,
			[]string{`template_missing_key.yaml: getUser (GET /Users/42): database error: the mapping's template at`, `template_missing_key.yaml:14:20 cannot run: map has no entry for key "usr"`}},
		{[]string{"explain", "-mapping", quick, "-op", "updateGroup"}, 0,
			[]string{"## updateGroup: replace a group", "PUT /Groups/42 → 200", "-- in one transaction:", `DELETE FROM "group_members" WHERE "group_id" = ? AND "user_id" IN (?)`, "-- args: [42, 103]"}, nil},
		{[]string{"explain", "-mapping", quick, "-db", "off", "-op", "updateGroup", "-id", "7"}, 0,
			[]string{"PUT /Groups/7 → 200", `SELECT "id", "name" FROM "groups" WHERE "id" = ?`, "-- args: [7]"}, nil},
		{[]string{"explain", "-mapping", quick}, 0,
			[]string{"## getUsers: find a user by userName", "## deleteGroup: delete a group", `"<bcrypt hash>"`, "on  GROUP_PUSH"}, nil},
		{[]string{"explain", "-mapping", quick, "-op", "nope"}, 1, nil, []string{`operation "nope" is not one of getUsers`}},
		{[]string{"explain", "-mapping", quick, "-id", "7"}, 2, nil, []string{"-id and -body need -op"}},
		// Every problem at once, each with file:line:col.
		{[]string{"validate", "-mapping", bad}, 1, nil, []string{
			"bad.yaml:3:20: database.driver: unknown driver \"oracle\"",
			"bad.yaml:8:37: users.attributes.favoriteColor: unknown SCIM user attribute",
		}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errs := runCmd(c.args...)
			if code != c.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errs)
			}
			for _, want := range c.out {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range c.err {
				if !strings.Contains(errs, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errs)
				}
			}
		})
	}
}

// The one table of dialects: each name builds the dialect of that name.
func TestDialectTable(t *testing.T) {
	for name, mk := range dialectTable {
		if got := mk().Facts().Name; got != name {
			t.Errorf("dialectTable[%q] builds %q", name, got)
		}
	}
}

// TestQuickstartServe runs the README's quickstart command: it creates and seeds its
// database, answers the agent with Basic auth, and stops cleanly on SIGTERM.
func TestQuickstartServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("SCIMSQL_PASSWORD", "")
	dsn := filepath.Join(t.TempDir(), "qs.db")
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run([]string{"serve", "-mapping", filepath.Join("..", "..", "examples", "quickstart", "mapping.yaml"), "-listen", addr, "-dsn", dsn}, os.Stdout, &syncWriter{b: &stderr})
	}()
	get := func(path, user, pass string) (*http.Response, map[string]any, error) {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.SetBasicAuth(user, pass)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		return res, body, nil
	}
	var res *http.Response
	var body map[string]any
	for i := 0; i < 100; i++ {
		if res, body, err = get("/Users/102", "okta", "okta"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("quickstart never answered: %v", err)
	}
	if res.StatusCode != 200 || body["userName"] != "admin" || body["active"] != false {
		t.Fatalf("GET /Users/102: %d %v", res.StatusCode, body)
	}
	if g := fmt.Sprint(body["name"]); !strings.Contains(g, "Barbara") {
		t.Errorf("seeded name: %v", g)
	}
	if res, _, _ := get("/Users/102", "okta", "wrong"); res.StatusCode != 401 {
		t.Errorf("wrong password: %d", res.StatusCode)
	}
	if res, body, _ := get("/Groups/1001", "okta", "okta"); res.StatusCode != 200 || body["displayName"] != "firstGroup" {
		t.Errorf("GET /Groups/1001: %d %v", res.StatusCode, body)
	}
	// scimsql health, as the image's HEALTHCHECK runs it: alive, and ready.
	for _, args := range [][]string{{"health", "-url", "http://" + addr}, {"health", "-url", "http://" + addr + "/", "-ready"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 || !strings.Contains(out.String(), "ok") && !strings.Contains(out.String(), `"ready":true`) {
			t.Errorf("%v: exit %d, %s %s", args, code, out.String(), errb.String())
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	logs := stderr.String()
	for _, want := range []string{"initialised the database", `default demo password \"okta\"`, "capabilities=GROUP_PUSH"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// scimsql health fails (1) when nothing answers or the answer is not 200, and says why.
func TestHealthFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"ready":false,"database":"unreachable"}`)
	}))
	defer notReady.Close()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"health", "-url", "http://" + closed, "-timeout", "1s"}, 1, "connect"},
		{[]string{"health", "-url", notReady.URL, "-ready"}, 1, `answered 503: {"ready":false,"database":"unreachable"}`},
		{[]string{"health", "-url", "127.0.0.1:8080"}, 2, "want http://HOST:PORT"},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q lacks %q", c.args, code, c.code, errb.String(), c.want)
		}
	}
}

type syncWriter struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestServeReloadsOnSIGHUP: scimsql serve picks up an edited mapping on SIGHUP, with the
// file watcher off, and /-/ready reports it.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"mapping.yaml", "schema.sql", "seed.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("SCIMSQL_PASSWORD", "")
	done := make(chan int, 1)
	stderr := &syncWriter{b: &bytes.Buffer{}}
	go func() {
		done <- run([]string{"serve", "-mapping", filepath.Join(dir, "mapping.yaml"), "-listen", addr, "-watch=false"}, io.Discard, stderr)
	}()
	caps := func() string {
		req, _ := http.NewRequest("GET", "http://"+addr+"/ServiceProviderConfigs", nil)
		req.SetBasicAuth("okta", "okta")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return ""
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	for i := 0; i < 100 && caps() == ""; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(caps(), "PUSH_USER_DEACTIVATION") {
		t.Fatalf("quickstart capabilities: %s", caps())
	}
	b, _ := os.ReadFile(filepath.Join(dir, "mapping.yaml"))
	edited := strings.Replace(string(b), "    active: {column: active, true: 1, false: 0}\n", "", 1)
	if err := os.WriteFile(filepath.Join(dir, "mapping.yaml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(caps(), "PUSH_USER_DEACTIVATION") {
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload: %s\n%s", caps(), stderr.b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.Get("http://" + addr + "/-/ready")
	if err != nil {
		t.Fatal(err)
	}
	var ready map[string]any
	_ = json.NewDecoder(res.Body).Decode(&ready)
	res.Body.Close()
	if ready["ready"] != true || ready["reload"] != "ok" {
		t.Errorf("/-/ready: %v", ready)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestSoftLimit(t *testing.T) {
	for _, c := range []struct{ limit, want int64 }{
		{0, 256 << 20},
		{8 << 30, 256 << 20},
		{128 << 20, 96 << 20},
		{300 << 20, 225 << 20},
	} {
		if got := softLimit(c.limit); got != c.want {
			t.Errorf("softLimit(%d MiB) = %d MiB, want %d MiB", c.limit>>20, got>>20, c.want>>20)
		}
	}
}

// validate skips the database check only when the server does not answer; one that
// answers and refuses (a database that does not exist) fails the run.
func TestValidateRefusedIsAnError(t *testing.T) {
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	missing := *u
	missing.Path = "/scimsql_no_such_database_v"
	unreachable := *u
	unreachable.Host = "127.0.0.1:1"
	for _, c := range []struct {
		dsn  string
		code int
		want string
	}{
		{missing.String(), 1, "database check failed: the postgres server answered and refused the connection"},
		{unreachable.String(), 0, "database check skipped: cannot reach the database"},
	} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"validate", "-mapping", "../../examples/postgres/mapping.yaml", "-dsn", c.dsn}, &stdout, &stderr)
		if code != c.code || !strings.Contains(stdout.String()+stderr.String(), c.want) {
			t.Errorf("validate -dsn %s: exit %d, want %d and %q\n%s%s", c.dsn, code, c.code, c.want, stdout.String(), stderr.String())
		}
	}
}
