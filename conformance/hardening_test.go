package conformance_test

// Hardening: hostile input on every database (hardening_injection_test.go), concurrency
// and scale-out (hardening_concurrency_test.go), database faults
// (hardening_faults_test.go) and secrets (hardening_secrets_test.go). This file holds
// what they share: the databases, handlers built the way scimsql builds them, and a
// small HTTP client.

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/dialects/sqlserver"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

// hdb is one database the hardening tests run on.
type hdb struct {
	name string
	// fresh returns the dialect, a DSN for an empty database or schema of its own (dropped
	// when the test ends) and the quickstart schema script for it. It skips when the
	// server is not configured (and fails under CI=true, except SQL Server).
	fresh func(t *testing.T) (dialects.Dialect, string, string)
}

var hardeningDBs = []hdb{
	{"sqlite", func(t *testing.T) (dialects.Dialect, string, string) {
		return sqlite.New(), filepath.Join(t.TempDir(), "hardening.db"), root("examples", "quickstart", "schema.sql")
	}},
	{"postgres", func(t *testing.T) (dialects.Dialect, string, string) {
		d := postgres.New()
		return d, conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")), root("testdata", "conformance", "schema.postgres.sql")
	}},
	{"mysql", func(t *testing.T) (dialects.Dialect, string, string) {
		d := conformance.MySQL()
		return d, conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")), root("testdata", "conformance", "schema.mysql.sql")
	}},
	{"sqlserver", func(t *testing.T) (dialects.Dialect, string, string) {
		d := sqlserver.New()
		return d, conformance.SQLServerDatabase(t, d, sqlServerDSN(t)), root("testdata", "conformance", "schema.sqlserver.sql")
	}},
}

// onEveryDB runs fn once per database, as subtests named after it.
func onEveryDB(t *testing.T, fn func(t *testing.T, d dialects.Dialect, dsn, schema string)) {
	for _, db := range hardeningDBs {
		t.Run(db.name, func(t *testing.T) {
			d, dsn, schema := db.fresh(t)
			fn(t, d, dsn, schema)
		})
	}
}

// node is one scimsql: the quickstart mapping, its own engine and its own pool, as a
// separate process would have. Nothing is shared between two nodes but the database.
type node struct {
	t    testing.TB
	m    *mappings.Mapping
	db   *sql.DB
	srv  *httptest.Server
	base string
	user string
	pass string
}

// newNode builds a scimsql for the quickstart mapping on dsn. With schema set, it runs
// that script first (once per database: the second node of a pair passes "").
func newNode(t testing.TB, d dialects.Dialect, dsn, schema string) *node {
	t.Helper()
	return newNodeWith(t, d, dsn, schema, root("examples", "quickstart", "mapping.yaml"), engine.Options{})
}

// newNodeWith is newNode for another mapping, with engine options (a cursor store).
func newNodeWith(t testing.TB, d dialects.Dialect, dsn, schema, mapping string, opts engine.Options) *node {
	t.Helper()
	m, err := mappings.LoadFile(mapping, mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	m.Database.Driver = d.Facts().Name
	m.Database.Init = nil
	// Short, so that a lost wakeup or a pool deadlock fails the test in seconds.
	m.Database.QueryTimeout = 5 * time.Second
	db := conformance.Open(t, d, dsn)
	if schema != "" {
		script, err := os.ReadFile(schema)
		if err != nil {
			t.Fatal(err)
		}
		conformance.Exec(t, db, engine.SplitStatements(string(script)))
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() && os.Getenv("SCIMSQL_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.Logger != nil {
		log = opts.Logger
	}
	opts.Logger, opts.BcryptCost = log, bcrypt.MinCost
	e, err := engine.New(m, d, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(e, log))
	t.Cleanup(srv.Close)
	return &node{t: t, m: m, db: db, srv: srv, base: srv.URL, user: m.Server.Auth.Username, pass: m.Server.Auth.Password.Reveal()}
}

// hres is an HTTP answer.
type hres struct {
	status int
	body   map[string]any
	raw    []byte
	header http.Header
}

// do sends one request with the node's credentials; body is JSON-encoded unless it is a
// string. It never fails the test on the status (callers check it) and is safe to call
// from any goroutine: a transport failure is reported with Errorf, as status 0.
func (n *node) do(method, path string, body any) hres {
	n.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			n.t.Errorf("marshal: %v", err)
			return hres{}
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, n.base+path, rd)
	if err != nil {
		n.t.Errorf("request %s %s: %v", method, path, err)
		return hres{}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(n.user, n.pass)
	res, err := n.srv.Client().Do(req)
	if err != nil {
		n.t.Errorf("%s %s: %v", method, path, err)
		return hres{}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := hres{status: res.StatusCode, raw: raw, header: res.Header}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&r.body); err != nil {
			n.t.Errorf("%s %s: status %d, body is not a JSON object: %q", method, path, res.StatusCode, raw)
		}
	}
	return r
}

// must asserts the status.
func (n *node) must(status int, method, path string, body any) hres {
	n.t.Helper()
	r := n.do(method, path, body)
	if r.status != status {
		n.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.raw)
	}
	return r
}

// createUser creates a user and returns its id.
func (n *node) createUser(userName string) string {
	n.t.Helper()
	r := n.must(201, "POST", "/Users", map[string]any{"userName": userName, "name": map[string]any{"givenName": "G", "familyName": "F"}, "active": true})
	return hStr(r.body["id"])
}

func (n *node) createGroup(name string, members ...string) string {
	n.t.Helper()
	r := n.must(201, "POST", "/Groups", map[string]any{"displayName": name, "members": hMemberList(members)})
	return hStr(r.body["id"])
}

func hMemberList(ids []string) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, map[string]any{"value": id})
	}
	return out
}

func hStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func hObj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func hList(v any) []any {
	l, _ := v.([]any)
	return l
}

// hMembers returns the sorted member ids of a group document.
func hMembers(doc map[string]any) []string {
	var out []string
	for _, m := range hList(doc["members"]) {
		out = append(out, hStr(hObj(m)["value"]))
	}
	sort.Strings(out)
	return out
}

// placeholders rewrites the ? of a test's own SQL into d's placeholders.
func placeholders(d dialects.Dialect, s string) string {
	var b strings.Builder
	n := 0
	for _, c := range s {
		if c == '?' {
			n++
			b.WriteString(d.Placeholder(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// hCount runs SELECT COUNT(*) FROM table [WHERE ...] (with ? placeholders).
func hCount(t testing.TB, db *sql.DB, d dialects.Dialect, table, where string, args ...any) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + d.Quote(table)
	if where != "" {
		q += " WHERE " + placeholders(d, where)
	}
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// hChecksum hashes every column of the rows of table that where selects, in key order:
// any change to them, from any statement, changes it.
func hChecksum(t testing.TB, db *sql.DB, d dialects.Dialect, table, orderBy, where string, args ...any) string {
	t.Helper()
	q := "SELECT * FROM " + d.Quote(table)
	if where != "" {
		q += " WHERE " + where
	}
	q += " ORDER BY " + orderBy
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(h, "%s=%#v\x00", cols[i], v)
		}
		h.Write([]byte{'\n'})
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d rows %s", n, hex.EncodeToString(h.Sum(nil))[:16])
}

// hInList renders ids as a literal SQL list (they are integers the test created).
func hInList(ids []string) string {
	if len(ids) == 0 {
		return "(NULL)"
	}
	for _, id := range ids {
		for _, c := range id {
			if c < '0' || c > '9' {
				panic("not an integer id: " + id)
			}
		}
	}
	return "(" + strings.Join(ids, ",") + ")"
}
