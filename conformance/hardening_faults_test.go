package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/server"
)

const faultQueryTimeout = 2 * time.Second

// proxiedDB is a fresh database on a real server, reached through a dbProxy with a
// DSN that carries a password.
type proxiedDB struct {
	driver   string
	dsn      string // through the proxy, with the password
	proxy    *dbProxy
	password string
	user     string
}

// proxiedPostgres makes a schema, a login role with a password, and a DSN for that role
// through a proxy. The test servers trust local connections, so the password is not
// checked; it is there to be kept secret.
func proxiedPostgres(t *testing.T, password string) proxiedDB {
	d := postgres.New()
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	fresh := conformance.PostgresSchema(t, d, base)
	db := conformance.Open(t, d, fresh)
	script, err := os.ReadFile(root("testdata", "conformance", "schema.postgres.sql"))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, db, engine.SplitStatements(string(script)))
	u, err := url.Parse(fresh)
	if err != nil || u.Host == "" {
		t.Fatalf("SCIMSQL_TEST_POSTGRES_DSN must be a postgres:// URL for the fault tests")
	}
	role := fmt.Sprintf("scimsql_h%d", time.Now().UnixNano()%1e9)
	schema := u.Query().Get("search_path")
	conformance.Exec(t, db, []string{
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", role, password),
		fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", schema, role),
		fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s", schema, role),
		fmt.Sprintf("GRANT USAGE ON ALL SEQUENCES IN SCHEMA %s TO %s", schema, role),
	})
	t.Cleanup(func() {
		// After the schema (and its grants) is gone; runs before PostgresSchema's cleanup,
		// so drop what the role owns first.
		_, _ = db.Exec(fmt.Sprintf("REVOKE ALL ON ALL TABLES IN SCHEMA %s FROM %s", schema, role))
		_, _ = db.Exec(fmt.Sprintf("REVOKE ALL ON ALL SEQUENCES IN SCHEMA %s FROM %s", schema, role))
		_, _ = db.Exec(fmt.Sprintf("REVOKE ALL ON SCHEMA %s FROM %s", schema, role))
		if _, err := db.Exec("DROP ROLE " + role); err != nil {
			t.Logf("drop role %s: %v", role, err)
		}
	})
	p := newDBProxy(t, u.Host)
	u.Host = p.addr
	u.User = url.UserPassword(role, password)
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return proxiedDB{driver: "postgres", dsn: u.String(), proxy: p, password: password, user: role}
}

// proxiedMySQL makes a database, a user with a password, and a DSN for it through a proxy.
func proxiedMySQL(t *testing.T, password string) proxiedDB {
	d := conformance.MySQL()
	base := conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")
	fresh := conformance.MySQLDatabase(t, d, base)
	db := conformance.Open(t, d, fresh)
	script, err := os.ReadFile(root("testdata", "conformance", "schema.mysql.sql"))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, db, engine.SplitStatements(string(script)))
	cfg, err := gomysql.ParseDSN(fresh)
	if err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("scimsql_h%d", time.Now().UnixNano()%1e9)
	conformance.Exec(t, db, []string{
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password),
		fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON `%s`.* TO '%s'@'%%'", cfg.DBName, user),
	})
	t.Cleanup(func() {
		if _, err := db.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)); err != nil {
			t.Logf("drop user %s: %v", user, err)
		}
	})
	p := newDBProxy(t, cfg.Addr)
	cfg.Addr, cfg.User, cfg.Passwd, cfg.Timeout = p.addr, user, password, 2*time.Second
	return proxiedDB{driver: "mysql", dsn: cfg.FormatDSN(), proxy: p, password: password, user: user}
}

// faultMapping is the quickstart's users and groups on a server database, with the DSN
// and every secret from the environment.
func faultMapping(driver, extraServer string) string {
	return `version: 1
app: {name: onprem_app}
database:
  driver: ` + driver + `
  dsn: "${APP_DSN}"
  maxOpenConns: 4
  queryTimeout: ` + faultQueryTimeout.String() + `
server:
  plainHTTP: true
  auth:
    type: basic
    username: okta
    password: {env: SCIMSQL_PASSWORD}
` + extraServer + `users:
  table: users
  id: {column: id, type: integer}
  lastModified: updated_at
  attributes:
    userName: user_name
    name.givenName: first_name
    name.familyName: last_name
    emails.primary: {column: email, primary: true}
    active: {column: active, true: 1, false: 0}
    password: {column: password_hash, hash: bcrypt}
  custom:
    departmentName: department
  operations: auto
groups:
  table: groups
  id: {column: id, type: integer}
  displayName: name
  description: description
  members: {table: group_members, group: group_id, user: user_id}
  operations: auto
`
}

// syncBuffer collects logs from every goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// faultCall is one timed request to a running server.
type faultCall struct {
	status  int
	body    map[string]any
	raw     []byte
	header  http.Header
	elapsed time.Duration
}

func doCall(c *http.Client, method, url string, body any, auth func(*http.Request)) faultCall {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if auth != nil {
		auth(req)
	}
	t0 := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return faultCall{status: -1, raw: []byte(err.Error()), elapsed: time.Since(t0)}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := faultCall{status: res.StatusCode, raw: raw, header: res.Header, elapsed: time.Since(t0)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// TestHardeningDatabaseFaults takes the database away under a running scimsql (built by
// engine/server, as `scimsql serve` builds it) in the two ways it goes away in practice,
// and gives it back:
//
//   - cut: the server is down or the route refused (connections closed, new ones refused):
//     every SCIM request answers 503 at once, saying the database cannot be reached;
//   - black hole: packets go nowhere (connections hang): 503 no later than the query
//     timeout, saying the database did not answer;
//
// and /-/ready turns false; the error bodies are SCIM errors without DSN, password or
// stack trace; when the database is back, requests succeed again with no restart.
func TestHardeningDatabaseFaults(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(*testing.T, string) proxiedDB
	}{{"postgres", proxiedPostgres}, {"mysql", proxiedMySQL}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			const dsnPassword = "S3cret-dsn-pw"
			pdb := c.setup(t, dsnPassword)
			dir := t.TempDir()
			mapping := filepath.Join(dir, "mapping.yaml")
			if err := os.WriteFile(mapping, []byte(faultMapping(pdb.driver, "")), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"APP_DSN": pdb.dsn, "SCIMSQL_PASSWORD": "B4sic-secret"}
			logs := &syncBuffer{}
			s, err := server.New(context.Background(), server.Options{
				MappingPath: mapping,
				Dialects:    map[string]func() dialects.Dialect{"postgres": postgres.New, "mysql": conformance.MySQL},
				Logger:      slog.New(httpapi.LogHandler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
				Version:     "test",
				Engine:      engine.Options{BcryptCost: 4},
				LookupEnv:   func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			srv := httptest.NewServer(s.Handler())
			t.Cleanup(srv.Close)
			hc := srv.Client()
			auth := func(r *http.Request) { r.SetBasicAuth("okta", "B4sic-secret") }
			get := func(path string) faultCall { return doCall(hc, "GET", srv.URL+path, nil, auth) }

			// Working.
			created := doCall(hc, "POST", srv.URL+"/Users", map[string]any{"userName": "fault@example.com", "password": "Us3r-pw"}, auth)
			if created.status != 201 {
				t.Fatalf("create: %d %s", created.status, created.raw)
			}
			uid := fmt.Sprint(created.body["id"])
			gid := fmt.Sprint(doCall(hc, "POST", srv.URL+"/Groups", map[string]any{"displayName": "Faults", "members": []any{map[string]any{"value": uid}}}, auth).body["id"])
			if r := get("/-/ready"); r.status != 200 || r.body["ready"] != true {
				t.Fatalf("ready before the fault: %d %s", r.status, r.raw)
			}
			requests := []struct {
				method, path string
				body         any
			}{
				{"GET", "/Users?filter=" + url.QueryEscape(`userName eq "fault@example.com"`) + "&startIndex=1&count=100", nil},
				{"GET", "/Users/" + uid, nil},
				{"POST", "/Users", map[string]any{"userName": "during-fault@example.com", "password": "Us3r-pw"}},
				{"PUT", "/Users/" + uid, map[string]any{"userName": "fault@example.com", "active": false, "password": "Us3r-pw"}},
				{"GET", "/v2/Users?count=5", nil},
				{"PATCH", "/v2/Groups/" + gid, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{map[string]any{"op": "remove", "path": "members"}}}},
				{"GET", "/Groups?startIndex=1&count=10", nil},
			}
			// fault sends every request at once and checks each answer.
			fault := func(kind, wantDetail string, bound time.Duration) time.Duration {
				var wg sync.WaitGroup
				var mu sync.Mutex
				var worst time.Duration
				for _, rq := range requests {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r := doCall(hc, rq.method, srv.URL+rq.path, rq.body, auth)
						mu.Lock()
						worst = max(worst, r.elapsed)
						mu.Unlock()
						what := fmt.Sprintf("%s: %s %s", kind, rq.method, rq.path)
						if r.status != 503 {
							t.Errorf("%s: status %d, want 503: %s", what, r.status, r.raw)
							return
						}
						if r.elapsed > bound {
							t.Errorf("%s: answered after %v, more than %v", what, r.elapsed, bound)
						}
						checkUnavailable(t, what, r, wantDetail, pdb)
					}()
				}
				wg.Wait()
				return worst
			}
			ready := func(want bool) faultCall {
				r := get("/-/ready")
				if (r.status == 200) != want || r.body["ready"] != want {
					t.Errorf("/-/ready: %d %s, want ready=%v", r.status, r.raw, want)
				}
				if !want {
					if msg := fmt.Sprint(r.body["database"]); msg == "" || strings.Contains(msg, pdb.password) || strings.Contains(msg, pdb.dsn) {
						t.Errorf("/-/ready database message: %q", msg)
					}
				}
				return r
			}
			waitRecovery := func(kind string) time.Duration {
				t0 := time.Now()
				for {
					r := get("/Users/" + uid)
					if r.status == 200 {
						break
					}
					if time.Since(t0) > 10*time.Second {
						t.Fatalf("%s: still %d 10 s after the database came back: %s", kind, r.status, r.raw)
					}
					time.Sleep(50 * time.Millisecond)
				}
				took := time.Since(t0)
				for _, rq := range requests[:2] {
					if r := doCall(hc, rq.method, srv.URL+rq.path, rq.body, auth); r.status != 200 {
						t.Errorf("%s: after recovery %s %s: %d %s", kind, rq.method, rq.path, r.status, r.raw)
					}
				}
				ready(true)
				return took
			}

			// Cut.
			pdb.proxy.cut()
			cutWorst := fault("cut", "cannot reach the "+pdb.driver+" database", faultQueryTimeout+time.Second)
			cutReady := ready(false).elapsed
			pdb.proxy.restore()
			cutRecover := waitRecovery("cut")

			// Black hole.
			pdb.proxy.blackhole(true)
			var holeReady faultCall
			var rw sync.WaitGroup
			rw.Add(1)
			go func() { defer rw.Done(); holeReady = get("/-/ready") }()
			holeWorst := fault("black hole", "did not answer", faultQueryTimeout+time.Second)
			rw.Wait()
			if holeReady.status != 503 || holeReady.body["ready"] != false || holeReady.elapsed > 6*time.Second {
				t.Errorf("/-/ready in the black hole: %d after %v: %s", holeReady.status, holeReady.elapsed, holeReady.raw)
			}
			pdb.proxy.blackhole(false)
			holeRecover := waitRecovery("black hole")

			t.Logf("%s (queryTimeout %v): cut: slowest 503 %v, /-/ready 503 in %v, serving again %v after restore; black hole: slowest 503 %v, /-/ready 503 in %v, serving again %v after restore",
				pdb.driver, faultQueryTimeout, cutWorst.Round(time.Millisecond), cutReady.Round(time.Millisecond), cutRecover.Round(time.Millisecond),
				holeWorst.Round(time.Millisecond), holeReady.elapsed.Round(time.Millisecond), holeRecover.Round(time.Millisecond))
			if out := logs.String(); strings.Contains(out, pdb.password) || strings.Contains(out, "B4sic-secret") || strings.Contains(out, "Us3r-pw") {
				t.Errorf("the logs contain a secret:\n%s", out)
			}
		})
	}
}

// checkUnavailable asserts a 503 SCIM error that tells the admin what is wrong and
// nothing secret.
func checkUnavailable(t *testing.T, what string, r faultCall, wantDetail string, pdb proxiedDB) {
	t.Helper()
	detail, _ := r.body["detail"].(string)
	if _, v2 := r.body["schemas"]; v2 {
		if r.body["status"] != "503" {
			t.Errorf("%s: SCIM 2.0 error without status 503: %s", what, r.raw)
		}
	} else {
		errs, _ := r.body["errors"].([]any)
		if len(errs) != 1 || fmt.Sprint(errs[0].(map[string]any)["statusCode"]) != "503" || errs[0].(map[string]any)["internalCode"] != "E0000010" {
			t.Errorf("%s: not a SCIM 1.1 503 error: %s", what, r.raw)
		}
	}
	if !strings.Contains(detail, wantDetail) {
		t.Errorf("%s: detail %q does not say %q", what, detail, wantDetail)
	}
	raw := string(r.raw)
	for _, bad := range []string{pdb.password, pdb.dsn, pdb.user, pdb.proxy.addr, "goroutine ", ".go:", "panic"} {
		if strings.Contains(raw, bad) {
			t.Errorf("%s: the body contains %q: %s", what, bad, raw)
		}
	}
}

// A DSN naming a database that does not exist: the answer is a 503 that says so, and
// names neither the user nor the database the driver's message carries.
func TestMissingDatabaseNamesNothing(t *testing.T) {
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/scimsql_no_such_database_x"
	d := postgres.New()
	m, err := mappings.LoadFile(root("examples", "quickstart", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false },
		DSN: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	db, err := d.Open(u.String(), dialects.Pool{MaxOpen: 2, MaxIdle: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e, err := engine.New(m, d, db, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.GetUser(context.Background(), "1")
	if !errors.Is(err, engine.ErrUnavailable) || !strings.Contains(err.Error(), "the database does not exist") {
		t.Fatalf("got %v, want unavailable: the database does not exist", err)
	}
	for _, leak := range []string{"user=", "scimsql_no_such_database_x", u.User.Username() + "@"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("the answer carries %q: %v", leak, err)
		}
	}
}
