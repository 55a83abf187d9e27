package conformance_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/explain"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

// The explain-equals-what-runs tests: every operation of the examples is explained
// against the live database (in a transaction rolled back) and then served for real,
// and the statements explain printed must be exactly, in order, the statements the
// server's debug log shows for the same request.

func TestExplainRunsWhatServesSQLite(t *testing.T) {
	d := sqlite.New()
	for _, c := range []struct{ name, mapping, schema string }{
		{"quickstart", root("examples", "quickstart", "mapping.yaml"), root("examples", "quickstart", "schema.sql")},
		{"templated", root("testdata", "conformance", "templated.yaml"), root("examples", "quickstart", "schema.sql")},
		{"scoped", root("testdata", "conformance", "scoped", "mapping.yaml"), root("testdata", "conformance", "scoped", "schema.sqlite.sql")},
		{"entra", root("examples", "entra", "mapping.yaml"), root("testdata", "entra", "sqlite.sql")},
	} {
		t.Run(c.name, func(t *testing.T) {
			explainMatchesServe(t, d, filepath.Join(t.TempDir(), "explain.db"), c.mapping, c.schema, entraRole)
		})
	}
}

func TestExplainRunsWhatServesPostgres(t *testing.T) {
	d := postgres.New()
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	for _, c := range []struct{ name, mapping, schema string }{
		{"quickstart", root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.postgres.sql")},
		{"templated", root("testdata", "conformance", "templated.yaml"), root("testdata", "conformance", "schema.postgres.sql")},
		{"postgres-example", root("examples", "postgres", "mapping.yaml"), root("examples", "postgres", "schema.sql")},
		{"scoped", root("testdata", "conformance", "scoped", "mapping.yaml"), root("testdata", "conformance", "scoped", "schema.postgres.sql")},
		{"moodle", root("examples", "moodle", "mapping.yaml"), root("examples", "moodle", "schema.sql")},
		{"redmine", root("examples", "redmine", "mapping.yaml"), root("examples", "redmine", "schema.sql")},
		{"entra", root("examples", "entra", "mapping.yaml"), root("examples", "entra", "schema.sql")},
	} {
		t.Run(c.name, func(t *testing.T) {
			explainMatchesServe(t, d, conformance.PostgresSchema(t, d, base), c.mapping, c.schema, entraRole)
		})
	}
}

func TestExplainRunsWhatServesMySQL(t *testing.T) {
	d := conformance.MySQL()
	base := conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")
	// The employees' gender is ENUM('M','F'), which no sample value fits.
	gender := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(`"sample-gende"`), []byte(`"M"`)) }
	for _, c := range []struct {
		name, mapping, schema string
		fix                   func([]byte) []byte
	}{
		{"quickstart", root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.mysql.sql"), nil},
		{"templated", root("testdata", "conformance", "templated.yaml"), root("testdata", "conformance", "schema.mysql.sql"), nil},
		{"employees", root("examples", "mysql-employees", "mapping.yaml"), root("examples", "mysql-employees", "schema.sql"), gender},
		{"scoped", root("testdata", "conformance", "scoped", "mapping.yaml"), root("testdata", "conformance", "scoped", "schema.mysql.sql"), nil},
		{"wordpress", root("examples", "wordpress", "mapping.yaml"), root("examples", "wordpress", "schema.sql"), nil},
		{"entra", root("examples", "entra", "mapping.yaml"), root("testdata", "entra", "mysql.sql"), entraRole},
	} {
		t.Run(c.name, func(t *testing.T) {
			explainMatchesServe(t, d, conformance.MySQLDatabase(t, d, base), c.mapping, c.schema, c.fix)
		})
	}
}

// entraRole makes the sample role one examples/entra's schema holds (the others' sample
// bodies carry no roles).
func entraRole(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte(`"sample-id-1"`), []byte(`"Admin"`))
}

// served is a real handler over db whose engine's debug log is kept.
type served struct {
	h   http.Handler
	log *sqlLog
}

func serve(t *testing.T, m *mappings.Mapping, d dialects.Dialect, db *sql.DB) served {
	t.Helper()
	log := &sqlLog{}
	e, err := engine.New(m, d, db, engine.Options{Logger: slog.New(log), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return served{h: httpapi.New(e, slog.New(slog.NewTextHandler(io.Discard, nil))), log: log}
}

func (s served) do(t *testing.T, base string, r explain.Request) (int, []byte, []string) {
	t.Helper()
	s.log.mu.Lock()
	from := len(s.log.recs)
	s.log.mu.Unlock()
	req := httptest.NewRequest(r.Method, base+r.Path, bytes.NewReader(r.Body))
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	var sqls []string
	for _, rec := range s.log.recs[from:] {
		sqls = append(sqls, rec.sql)
	}
	return w.Code, w.Body.Bytes(), sqls
}

// explainMatchesServe explains and serves every mapped operation of mappingFile on dsn;
// fix, when set, adjusts the sample bodies to the schema.
func explainMatchesServe(t *testing.T, d dialects.Dialect, dsn, mappingFile, schemaFile string, fix func([]byte) []byte) {
	if fix == nil {
		fix = func(b []byte) []byte { return b }
	}
	tg := target(t, d, dsn, mappingFile, schemaFile, nil)
	m := *tg.Mapping
	m.Server.Auth = mappings.Auth{Type: "none"}
	db, base := tg.DB, m.Server.BasePath
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// A user and a group to name: created through a real handler.
	seed := serve(t, &m, d, db)
	var userID, groupID string
	if reqs, err := explain.Requests(&m, mappings.OpCreateUser, "", nil); err == nil {
		r := reqs[0]
		r.Body = fix(bytes.ReplaceAll(r.Body, []byte("sample.user@example.com"), []byte("seed.user@example.com")))
		code, body, _ := seed.do(t, base, r)
		if code != http.StatusCreated {
			t.Fatalf("seeding a user: %d %s", code, body)
		}
		userID = idOf(t, body)
	}
	var createdUser string // the user createUser adds below
	// createGroup first among the group operations, so that the others have a group to name.
	var ops []string
	for _, op := range explain.Mapped(&m) {
		if op == mappings.OpCreateGroup {
			ops = append([]string{op}, ops...)
		} else {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		id := ""
		switch op {
		case mappings.OpGetUser, mappings.OpUpdateUser, mappings.OpDeleteUser:
			id = userID
		case mappings.OpGetGroup, mappings.OpUpdateGroup, mappings.OpDeleteGroup:
			id = groupID
		}
		reqs, err := explain.Requests(&m, op, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range reqs {
			if reqs[i].Body != nil {
				reqs[i].Body = fix(reqs[i].Body)
			}
			switch op {
			case mappings.OpUpdateUser:
				// The seed user keeps its name: the sample name is createUser's by now.
				reqs[i].Body = bytes.ReplaceAll(reqs[i].Body, []byte("sample.user@example.com"), []byte("seed.user@example.com"))
			case mappings.OpCreateGroup:
				reqs[i].Body = groupBody(t, "", "Explained Group", userID)
			case mappings.OpUpdateGroup:
				// Renamed; the seed user kept, the created one added, one removed below.
				reqs[i].Body = groupBody(t, groupID, "Renamed Group", userID, createdUser)
			}
		}
		// Each operation on a fresh engine: the explained one and the served one both
		// start with no import walk remembered.
		res, err := explain.Run(ctx, explain.Config{Mapping: &m, Dialect: d, DB: db}, reqs)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		srv := serve(t, &m, d, db)
		for i, r := range reqs {
			code, body, got := srv.do(t, base, r)
			if code >= 300 {
				t.Errorf("%s %s: %d %s (every request here should succeed, so that its whole path is compared)", r.Method, r.Path, code, body)
			}
			var want []string
			for _, s := range res[i].Statements {
				want = append(want, s.SQL)
			}
			if code != res[i].Status {
				t.Errorf("%s %s: served %d, explained %d\nserved: %s\nexplained: %s", r.Method, r.Path, code, res[i].Status, body, res[i].Answer)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s %s: explain printed other statements than the server ran\n--- served\n%s\n--- explained\n%s",
					r.Method, r.Path, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(want) == 0 {
				t.Errorf("%s %s: no statements", r.Method, r.Path)
			}
			switch {
			case op == mappings.OpCreateUser && code == http.StatusCreated:
				createdUser = idOf(t, body)
			case op == mappings.OpCreateGroup && code == http.StatusCreated:
				groupID = idOf(t, body)
			}
		}
	}
	if groupID == "" && m.Groups != nil && m.Groups.Op(mappings.OpCreateGroup) != nil {
		t.Fatal("no group was created")
	}
}

func idOf(t *testing.T, body []byte) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	id, _ := doc["id"].(string)
	if id == "" {
		t.Fatalf("no id in %s", body)
	}
	return id
}

func groupBody(t *testing.T, id, name string, members ...string) []byte {
	t.Helper()
	doc := map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "displayName": name}
	if id != "" {
		doc["id"] = id
	}
	var ms []any
	for _, m := range members {
		if m != "" {
			ms = append(ms, map[string]any{"value": m})
		}
	}
	doc["members"] = ms
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
