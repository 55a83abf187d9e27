package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/engine"
)

const activeLine = "    active: {column: active, true: 1, false: 0}\n"

// fixture is a quickstart copy in a temporary directory.
type fixture struct {
	dir, mapping string
	valid        string // the quickstart mapping
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"mapping.yaml", "schema.sql", "seed.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{dir: dir, mapping: filepath.Join(dir, "mapping.yaml")}
	b, _ := os.ReadFile(f.mapping)
	f.valid = string(b)
	if !strings.Contains(f.valid, activeLine) {
		t.Fatalf("the quickstart mapping no longer has %q", activeLine)
	}
	return f
}

// write replaces the mapping the way editors and config management do: a new file
// renamed over the old one.
func (f *fixture) write(t *testing.T, content string) {
	t.Helper()
	tmp := filepath.Join(f.dir, ".mapping.yaml.tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, f.mapping); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) start(t *testing.T) *Server {
	t.Helper()
	s, err := New(context.Background(), Options{
		MappingPath: f.mapping,
		Dialects:    map[string]func() dialects.Dialect{"sqlite": sqlite.New},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Version:     "test",
		Engine:      engine.Options{BcryptCost: 4},
		LookupEnv:   func(string) (string, bool) { return "", false },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func do(c *http.Client, method, url string, body any, hdr ...string) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.SetBasicAuth("okta", "okta")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, nil
}

func capabilities(t *testing.T, c *http.Client, base string) []string {
	t.Helper()
	code, body, err := do(c, "GET", base+"/ServiceProviderConfigs", nil)
	if err != nil || code != 200 {
		t.Fatalf("capabilities: %d %v", code, err)
	}
	var out []string
	for _, v := range body["urn:okta:schemas:scim:providerconfig:1.0"].(map[string]any)["userManagementCapabilities"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestReloadUnderLoad is the test that matters: valid → invalid → valid mappings while
// a load generator keeps calling every endpoint. No request may fail, and the
// capabilities answer must follow the mapping as soon as it is swapped in.
func TestReloadUnderLoad(t *testing.T) {
	f := newFixture(t)
	s := f.start(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c := srv.Client()

	var total, failed atomic.Int64
	var failures sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				user := fmt.Sprintf("load-%d-%d@example.com", w, i)
				steps := []struct {
					method, path string
					body         any
					want         int
				}{
					{"GET", "/ServiceProviderConfigs", nil, 200},
					{"GET", "/Users?startIndex=1&count=5", nil, 200},
					{"GET", "/Users?filter=userName%20eq%20%22okta%22&startIndex=1&count=100", nil, 200},
					{"GET", "/Users/101", nil, 200},
					{"POST", "/Users", map[string]any{"userName": user, "name": map[string]any{"givenName": "L", "familyName": "G"}}, 201},
					{"PUT", "/Users/101", map[string]any{"userName": "okta", "name": map[string]any{"givenName": "John", "familyName": "Smith"}}, 200},
					{"GET", "/Groups?startIndex=1&count=100", nil, 200},
					{"GET", "/Groups/1001", nil, 200},
				}
				for _, st := range steps {
					code, body, err := do(c, st.method, srv.URL+st.path, st.body)
					total.Add(1)
					if err != nil || code != st.want {
						failed.Add(1)
						failures.Store(fmt.Sprintf("%s %s", st.method, st.path), fmt.Sprintf("%d %v %v", code, err, body))
					}
				}
			}
		}(w)
	}

	pause := func() { time.Sleep(400 * time.Millisecond) }
	pause()
	if caps := capabilities(t, c, srv.URL); !has(caps, "PUSH_USER_DEACTIVATION") {
		t.Fatalf("the quickstart declares %v", caps)
	}
	// Invalid: kept serving the old mapping, the reason with file:line:col.
	f.write(t, f.valid+"\nbogus: true\n")
	st := s.Reload(context.Background(), "test")
	if st.OK || !strings.Contains(st.Error, "mapping.yaml:") || !strings.Contains(st.Error, "bogus: unknown key") {
		t.Fatalf("invalid mapping: %+v", st)
	}
	if caps := capabilities(t, c, srv.URL); !has(caps, "PUSH_USER_DEACTIVATION") {
		t.Fatalf("after a failed reload the capabilities changed: %v", caps)
	}
	pause()
	// Valid, without active: deactivation can no longer be stored, and Okta is told so.
	f.write(t, strings.Replace(f.valid, activeLine, "", 1))
	if st := s.Reload(context.Background(), "test"); !st.OK || !st.Changed {
		t.Fatalf("valid mapping without active: %+v", st)
	}
	caps := capabilities(t, c, srv.URL)
	if has(caps, "PUSH_USER_DEACTIVATION") || has(caps, "REACTIVATE_USERS") || has(caps, "PUSH_PENDING_USERS") || !has(caps, "PUSH_PROFILE_UPDATES") {
		t.Fatalf("capabilities after removing active: %v", caps)
	}
	pause()
	// And back.
	f.write(t, f.valid)
	if st := s.Reload(context.Background(), "test"); !st.OK {
		t.Fatalf("back to the quickstart: %+v", st)
	}
	if caps := capabilities(t, c, srv.URL); !has(caps, "PUSH_USER_DEACTIVATION") {
		t.Fatalf("capabilities after restoring active: %v", caps)
	}
	pause()
	// Another database: requests running on the old pool finish before it closes.
	f.write(t, strings.Replace(f.valid, "/quickstart.db", "/second.db", 1))
	if st := s.Reload(context.Background(), "test"); !st.OK {
		t.Fatalf("switching databases: %+v", st)
	}
	pause()
	close(stop)
	wg.Wait()

	if n := failed.Load(); n > 0 {
		failures.Range(func(k, v any) bool { t.Errorf("%s: %s", k, v); return true })
		t.Fatalf("%d of %d requests failed during the reloads", n, total.Load())
	}
	if total.Load() < 100 {
		t.Fatalf("only %d requests ran; the load generator did not load", total.Load())
	}
	t.Logf("%d requests, none failed, across 4 reloads", total.Load())
}

func TestUnchangedFilesDoNotReload(t *testing.T) {
	f := newFixture(t)
	s := f.start(t)
	before := s.Engine()
	st := s.Reload(context.Background(), "test")
	if !st.OK || st.Changed || s.Engine() != before {
		t.Fatalf("reload of unchanged files: %+v (engine replaced: %v)", st, s.Engine() != before)
	}
	// Touching the file without changing it is not a change either.
	f.write(t, f.valid)
	if st := s.Reload(context.Background(), "test"); st.Changed {
		t.Fatalf("same content, new file: %+v", st)
	}
}

func TestWatchReloadsOnRename(t *testing.T) {
	f := newFixture(t)
	s := f.start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Watch(ctx, 50*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // let the watcher start
	f.write(t, strings.Replace(f.valid, activeLine, "", 1))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st := s.Status(); st.Trigger == "file change" && st.OK && st.Changed {
			if s.Mapping().Users.Attr("active") != nil {
				t.Fatal("the reloaded mapping still binds active")
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no reload after the mapping was replaced: %+v", s.Status())
}

// A DSN change opens and pings the new database before the swap, and closes the old
// pool only after it is drained.
func TestReloadSwitchesDatabase(t *testing.T) {
	f := newFixture(t)
	s := f.start(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c := srv.Client()
	if code, _, _ := do(c, "POST", srv.URL+"/Users", map[string]any{"userName": "only-in-first@example.com"}); code != 201 {
		t.Fatalf("create: %d", code)
	}
	old := s.current().db
	f.write(t, strings.Replace(f.valid, "/quickstart.db", "/second.db", 1))
	if st := s.Reload(context.Background(), "test"); !st.OK {
		t.Fatalf("reload: %+v", st)
	}
	code, body, _ := do(c, "GET", srv.URL+"/Users?filter=userName%20eq%20%22only-in-first%40example.com%22", nil)
	if code != 200 || body["totalResults"].(float64) != 0 {
		t.Fatalf("the new database should not have the user: %d %v", code, body)
	}
	if code, _, _ := do(c, "GET", srv.URL+"/Users/101", nil); code != 200 {
		t.Fatalf("the new database was not initialised and seeded: %d", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for old.Ping() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the old pool was not closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A DSN that does not answer is refused before the swap.
	f.write(t, strings.Replace(f.valid, "driver: sqlite", "driver: nosuch", 1))
	if st := s.Reload(context.Background(), "test"); st.OK {
		t.Fatalf("an unknown driver was accepted: %+v", st)
	}
	if code, _, _ := do(c, "GET", srv.URL+"/Users/101", nil); code != 200 {
		t.Fatalf("after a refused reload: %d", code)
	}
}

func TestRestartNeededIsReported(t *testing.T) {
	f := newFixture(t)
	s := f.start(t)
	f.write(t, strings.Replace(f.valid, "listen: 127.0.0.1:8080", "listen: 127.0.0.1:9999", 1))
	st := s.Reload(context.Background(), "test")
	if !st.OK || len(st.RestartNeeded) != 1 || !strings.Contains(st.RestartNeeded[0], "127.0.0.1:9999") {
		t.Fatalf("listen change: %+v", st)
	}
}

func TestOperatorEndpoints(t *testing.T) {
	f := newFixture(t)
	adminBlock := "\n  admin:\n    auth: {type: header, header: X-Ops-Token, value: {env: OPS, default: ops-secret}}\n    reload: true\n"
	f.write(t, strings.Replace(f.valid, "    password: {env: SCIMSQL_PASSWORD, default: okta}\n", "    password: {env: SCIMSQL_PASSWORD, default: okta}\n"+adminBlock, 1))
	s := f.start(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c := srv.Client()

	if code, body, _ := do(c, "GET", srv.URL+"/-/healthy", nil); code != 200 || body["status"] != "ok" {
		t.Errorf("healthy: %d %v", code, body)
	}
	// Anyone may ask whether it is ready, and learns that alone; an operator with the
	// admin credentials learns what runs.
	code, body, _ := do(c, "GET", srv.URL+"/-/ready", nil)
	if code != 200 || body["ready"] != true || body["database"] != "ok" || body["reload"] != "ok" || len(body) != 3 {
		t.Errorf("ready without admin credentials: %d %v; want ready, database and reload alone", code, body)
	}
	code, body, _ = do(c, "GET", srv.URL+"/-/ready", nil, "X-Ops-Token", "ops-secret")
	if code != 200 || body["ready"] != true || body["app"] != "onprem_app" || body["mapping"] != f.mapping {
		t.Errorf("ready with admin credentials: %d %v", code, body)
	}
	// SCIM traffic, including a failed login, shows in the metrics; ids, paths and
	// query strings never become labels.
	do(c, "GET", srv.URL+"/Users?startIndex=1&count=10", nil)
	do(c, "GET", srv.URL+"/Users/secret.person@example.com", nil)
	do(c, "GET", srv.URL+"/no/such/secret.path?filter=secret.query", nil)
	req, _ := http.NewRequest("GET", srv.URL+"/Users", nil)
	req.SetBasicAuth("okta", "wrong")
	if res, err := c.Do(req); err == nil {
		res.Body.Close()
	}
	if code, _, _ := do(c, "GET", srv.URL+"/metrics", nil); code != 401 {
		t.Errorf("metrics without the admin token: %d", code)
	}
	req, _ = http.NewRequest("GET", srv.URL+"/metrics", nil)
	req.Header.Set("X-Ops-Token", "ops-secret")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := string(raw)
	for _, want := range []string{
		`scimsql_requests_total{code="200",operation="getUsers"} 1`,
		`scimsql_requests_total{code="401",operation="getUsers"} 1`,
		"scimsql_auth_failures_total 2", // the SCIM one and the metrics one
		"scimsql_config_last_reload_successful 1",
		`scimsql_capability{name="GROUP_PUSH"} 1`,
		"scimsql_db_connections_max 4",
		`scimsql_request_duration_seconds_bucket{operation="getUsers"`,
		`scimsql_build_info{version="test"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(text, "ops-secret") || strings.Contains(text, "okta\"") {
		t.Error("metrics contain a secret")
	}
	if strings.Contains(text, "secret.") {
		t.Error("metrics carry an id, a path or a query string in a label")
	}
	// The reload endpoint: POST only, admin auth, and it reports the outcome.
	if code, _, _ := do(c, "GET", srv.URL+"/-/reload", nil, "X-Ops-Token", "ops-secret"); code != 405 {
		t.Errorf("GET /-/reload: %d", code)
	}
	if code, _, _ := do(c, "POST", srv.URL+"/-/reload", nil); code != 401 {
		t.Errorf("POST /-/reload without the token: %d", code)
	}
	f.write(t, f.valid+"\nbogus: 1\n")
	code, body, _ = do(c, "POST", srv.URL+"/-/reload", nil, "X-Ops-Token", "ops-secret")
	if code != 400 || body["ok"] != false || !strings.Contains(fmt.Sprint(body["error"]), "bogus") {
		t.Errorf("POST /-/reload of a bad mapping: %d %v", code, body)
	}
	code, body, _ = do(c, "GET", srv.URL+"/-/ready", nil)
	if code != 200 || body["reload"] != "failed" || strings.Contains(fmt.Sprint(body), "bogus") || strings.Contains(fmt.Sprint(body), f.dir) {
		t.Errorf("ready after a failed reload, without admin credentials: %d %v; want reload failed, no path or error text", code, body)
	}
	code, body, _ = do(c, "GET", srv.URL+"/-/ready", nil, "X-Ops-Token", "ops-secret")
	if lr, _ := body["lastReload"].(map[string]any); code != 200 || lr["ok"] != false || !strings.Contains(fmt.Sprint(lr["error"]), "bogus") {
		t.Errorf("ready after a failed reload, with admin credentials: %d %v", code, body)
	}
	// The quickstart mapping has no admin block: the endpoint turns itself off.
	f.write(t, f.valid)
	if code, body, _ := do(c, "POST", srv.URL+"/-/reload", nil, "X-Ops-Token", "ops-secret"); code != 200 || body["ok"] != true {
		t.Errorf("POST /-/reload: %d %v", code, body)
	}
	if code, _, _ := do(c, "POST", srv.URL+"/-/reload", nil, "X-Ops-Token", "ops-secret"); code != 404 {
		t.Errorf("reload endpoint after it was turned off: %d", code)
	}
}

// recordingDialect is SQLite that remembers the pool settings it was opened with.
type recordingDialect struct {
	dialects.Dialect
	pools *[]dialects.Pool
}

func (d recordingDialect) Open(dsn string, p dialects.Pool) (*sql.DB, error) {
	*d.pools = append(*d.pools, p)
	return d.Dialect.Open(dsn, p)
}

// The database bounds every statement at the mapping's query timeout; a reload that
// changes the timeout opens a pool with the new bound.
func TestPoolBoundsStatementsAtTheQueryTimeout(t *testing.T) {
	f := newFixture(t)
	var pools []dialects.Pool
	s, err := New(context.Background(), Options{
		MappingPath: f.mapping,
		Dialects:    map[string]func() dialects.Dialect{"sqlite": func() dialects.Dialect { return recordingDialect{sqlite.New(), &pools} }},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		LookupEnv:   func(string) (string, bool) { return "", false },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if len(pools) != 1 || pools[0].StatementTimeout != s.Mapping().Database.QueryTimeout || pools[0].StatementTimeout == 0 {
		t.Fatalf("opened %+v; want one pool bounded at queryTimeout %s", pools, s.Mapping().Database.QueryTimeout)
	}
	f.write(t, strings.Replace(f.valid, "database:\n", "database:\n  queryTimeout: 7s\n", 1))
	if st := s.Reload(context.Background(), "test"); !st.OK {
		t.Fatalf("reload: %s", st.Error)
	}
	if len(pools) != 2 || pools[1].StatementTimeout != 7*time.Second {
		t.Errorf("after the timeout changed: pools %+v, want a second one bounded at 7s", pools)
	}
}

// Under reload load, every answer comes from one generation: /-/ready's details, the
// admin credentials that unlock them and the last reload's status belong together, and
// a SCIM answer's capabilities are those of one mapping.
func TestOneGenerationPerRequest(t *testing.T) {
	f := newFixture(t)
	version := func(app, token string, active bool) string {
		m := strings.Replace(f.valid, "  name: onprem_app\n", "  name: "+app+"\n", 1)
		m = strings.Replace(m, "    password: {env: SCIMSQL_PASSWORD, default: okta}\n",
			"    password: {env: SCIMSQL_PASSWORD, default: okta}\n\n  admin:\n    auth: {type: header, header: X-Ops-Token, value: {env: OPS, default: "+token+"}}\n", 1)
		if !active {
			m = strings.Replace(m, activeLine, "", 1)
		}
		return m
	}
	versions := []struct{ app, token, m string }{
		{"app_a", "token-a", version("app_a", "token-a", true)},
		{"app_b", "token-b", version("app_b", "token-b", false)},
	}
	f.write(t, versions[0].m)
	s := f.start(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c := srv.Client()

	stop := make(chan struct{})
	var reloads atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			f.write(t, versions[i%2].m)
			if st := s.Reload(context.Background(), "test"); !st.OK {
				t.Errorf("reload: %s", st.Error)
				return
			}
			reloads.Add(1)
		}
	}()
	var checked [2]atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			v := versions[w%2]
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, body, err := do(c, "GET", srv.URL+"/-/ready", nil, "X-Ops-Token", v.token)
				if err != nil || code != 200 {
					t.Errorf("ready: %d %v", code, err)
					return
				}
				if _, detailed := body["app"]; detailed {
					checked[w%2].Add(1)
					last, _ := body["lastReload"].(map[string]any)
					lt, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(last["loadedAt"]))
					if body["app"] != v.app || fmt.Sprint(body["loadedAt"]) != lt.UTC().Format(time.RFC3339) {
						t.Errorf("token %s unlocked app %v loaded at %v, with a last reload of the mapping loaded at %v",
							v.token, body["app"], body["loadedAt"], last["loadedAt"])
						return
					}
				}
				code, body, err = do(c, "GET", srv.URL+"/ServiceProviderConfigs", nil)
				if err != nil || code != 200 {
					t.Errorf("ServiceProviderConfigs: %d %v", code, err)
					return
				}
				caps := fmt.Sprint(body["urn:okta:schemas:scim:providerconfig:1.0"])
				if strings.Contains(caps, "PUSH_USER_DEACTIVATION") != strings.Contains(caps, "REACTIVATE_USERS") {
					t.Errorf("capabilities of two mappings in one answer: %s", caps)
					return
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if reloads.Load() < 10 || checked[0].Load() == 0 || checked[1].Load() == 0 {
		t.Fatalf("too little happened to tell: %d reloads, %d and %d detailed answers", reloads.Load(), checked[0].Load(), checked[1].Load())
	}
	t.Logf("%d reloads; %d and %d detailed answers checked", reloads.Load(), checked[0].Load(), checked[1].Load())
}
