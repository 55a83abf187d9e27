package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scimsql/scimsql/engine/conformance"
	"github.com/scimsql/scimsql/engine/server"
)

// fixture is a generated employees database served, in this process, by scimsql and by
// the hand-written connector.
type fixture struct {
	db     *database
	ds     *dataset
	e      *env
	scim   http.Handler
	hand   http.Handler
	auth   string
	urn    string
	gurn   string
	driver string
}

var benchDrivers = []struct{ driver, env string }{
	{"mysql", "SCIMSQL_TEST_MYSQL_DSN"},
	{"postgres", "SCIMSQL_TEST_POSTGRES_DSN"},
}

func newFixture(tb testing.TB, driver, dsnEnv string, size int) *fixture {
	tb.Helper()
	ctx := context.Background()
	dsn := conformance.DSN(tb, dsnEnv)
	db, err := createDatabase(ctx, driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.drop(context.Background()); err != nil {
			tb.Logf("drop %s: %v", db.name, err)
		}
	})
	ds, err := db.generate(ctx, size, func(string, ...any) {})
	if err != nil {
		tb.Fatal(err)
	}
	text := mysqlMapping
	if driver == "postgres" {
		text = postgresMapping
	}
	path := filepath.Join(tb.TempDir(), "employees.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	// As `scimsql bench serve` runs it: warnings only, no access log.
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := server.New(ctx, server.Options{MappingPath: path, DSN: db.dsn, Dialects: Dialects, Logger: quiet, Version: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	hw, err := openHandwritten(ctx, ServerSpec{MappingPath: path, DSN: db.dsn, Handwritten: true}, Dialects)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { hw.close() })
	m := s.Mapping()
	return &fixture{db: db, ds: ds, e: newEnv(ds, m.App.UserSchema, m.App.GroupSchema), scim: s.Handler(), hand: hw.Handler(),
		auth: "Basic " + basic(m.Server.Auth.Username, m.Server.Auth.Password.Reveal()), urn: m.App.UserSchema, gurn: m.App.GroupSchema, driver: driver}
}

func basic(user, pass string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// do sends one request to h and returns the status and body.
func (f *fixture) do(h http.Handler, method, path string, body []byte) (int, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", f.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// same sends the request to both servers and fails unless both answer want and, for a
// success, the same JSON document. The documents are returned decoded.
func (f *fixture) same(t *testing.T, method, path string, body []byte, want int) (scim, hand map[string]any) {
	t.Helper()
	var docs [2]map[string]any
	for i, h := range []http.Handler{f.scim, f.hand} {
		code, b := f.do(h, method, path, body)
		if code != want {
			t.Fatalf("%s %s: %s answered %d, want %d: %s", method, path, []string{"scimsql", "hand-written"}[i], code, want, b)
		}
		if err := json.Unmarshal(b, &docs[i]); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	// Error bodies say the same in other words: their status is what must agree.
	if want < 300 && !reflect.DeepEqual(docs[0], docs[1]) {
		a, _ := json.Marshal(docs[0])
		b, _ := json.Marshal(docs[1])
		t.Errorf("%s %s: the answers differ\nscimsql:      %s\nhand-written: %s", method, path, a, b)
	}
	return docs[0], docs[1]
}

// The comparison is fair only if the hand-written connector does the work scimsql does:
// for every request the bench sends, both answer the same document from the same rows,
// and a write by either is what the other reads back.
func TestHandwrittenAnswersLikeScimsql(t *testing.T) {
	for _, d := range benchDrivers {
		t.Run(d.driver, func(t *testing.T) {
			f := newFixture(t, d.driver, d.env, 2000)
			p := f.ds.sample[7]
			t.Run("get", func(t *testing.T) {
				f.same(t, "GET", "/Users/"+strconv.Itoa(p.id), nil, 200)
				f.same(t, "GET", "/Users/99999999", nil, 404)
			})
			t.Run("check-exists", func(t *testing.T) {
				for _, un := range []string{p.userName(), strings.ToLower(p.userName()), "nobody@mysql-db.org", "x"} {
					doc, _ := f.same(t, "GET", checkPath(un), nil, 200)
					want := 1.0
					if !strings.EqualFold(un, p.userName()) {
						want = 0
					}
					if doc["totalResults"] != want {
						t.Errorf("%s: totalResults %v, want %v", un, doc["totalResults"], want)
					}
				}
				f.same(t, "GET", "/Users?filter="+url.QueryEscape(`id eq "`+strconv.Itoa(p.id)+`"`)+"&startIndex=1&count=100", nil, 200)
			})
			t.Run("pages", func(t *testing.T) {
				for _, start := range []int{1, 101, 1901, 1999, 2001} {
					f.same(t, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", start), nil, 200)
				}
			})
			t.Run("put", func(t *testing.T) {
				body := f.e.userBody(p.id, p.first, p.last, "F", p.birth, p.hire)
				scim, _ := f.same(t, "PUT", "/Users/"+strconv.Itoa(p.id), body, 200)
				if c := scim[f.urn].(map[string]any); c["gender"] != "F" {
					t.Errorf("PUT: gender %v", c["gender"])
				}
				// A PUT of the hand-written connector is what scimsql reads, and the other way.
				for i, h := range []http.Handler{f.hand, f.scim} {
					g := []string{"M", "F"}[i]
					if code, b := f.do(h, "PUT", "/Users/"+strconv.Itoa(p.id), f.e.userBody(p.id, p.first, p.last, g, p.birth, p.hire)); code != 200 {
						t.Fatalf("PUT: %d %s", code, b)
					}
					doc, _ := f.same(t, "GET", "/Users/"+strconv.Itoa(p.id), nil, 200)
					if c := doc[f.urn].(map[string]any); c["gender"] != g {
						t.Errorf("after a PUT of gender %s: %v", g, c["gender"])
					}
				}
				f.same(t, "PUT", "/Users/99999999", body, 404)
			})
			t.Run("post", func(t *testing.T) {
				var ids []string
				for i, h := range []http.Handler{f.scim, f.hand} {
					code, b := f.do(h, "POST", "/Users", f.e.userBody(0, "Bench", fmt.Sprintf("Post%d", i), "F", "", "2025-03-01"))
					if code != 201 {
						t.Fatalf("POST: %d %s", code, b)
					}
					var doc map[string]any
					if err := json.Unmarshal(b, &doc); err != nil {
						t.Fatal(err)
					}
					id, _ := doc["id"].(string)
					if doc["userName"] != fmt.Sprintf("Post%dBench@mysql-db.org", i) {
						t.Errorf("POST: %s", b)
					}
					got, _ := f.same(t, "GET", "/Users/"+id, nil, 200)
					delete(doc, "id")
					delete(got, "id")
					if !reflect.DeepEqual(doc, got) {
						t.Errorf("POST answered %v, the stored user is %v", doc, got)
					}
					ids = append(ids, id)
					if err := f.db.resyncIDs(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				if ids[0] == ids[1] {
					t.Errorf("both creates got id %s", ids[0])
				}
			})
			t.Run("group push", func(t *testing.T) {
				g := f.e.groups[1]
				moved := slices.Clone(g.g.members)
				moved[0] = g.g.outsider
				before, _ := f.same(t, "GET", "/Groups/"+g.g.id, nil, 200)
				for i, h := range []http.Handler{f.scim, f.hand} {
					body := groupBody(g.g, moved, f.gurn)
					if i == 1 {
						body = groupBody(g.g, g.g.members, f.gurn)
					}
					code, b := f.do(h, "PUT", "/Groups/"+g.g.id, body)
					if code != 200 {
						t.Fatalf("PUT /Groups: %d %s", code, b)
					}
					var answer map[string]any
					if err := json.Unmarshal(b, &answer); err != nil {
						t.Fatal(err)
					}
					stored, _ := f.same(t, "GET", "/Groups/"+g.g.id, nil, 200)
					if !reflect.DeepEqual(memberSet(answer), memberSet(stored)) {
						t.Errorf("%s: the PUT answered other members than are stored", []string{"scimsql", "hand-written"}[i])
					}
					want := g.g.members
					if i == 0 {
						want = moved
					}
					got := memberSet(stored)
					if len(got) != len(want) || !got[strconv.Itoa(want[0].id)+" "+want[0].display] {
						t.Errorf("after the PUT: %d members, want %d with %d %s", len(got), len(want), want[0].id, want[0].display)
					}
				}
				after, _ := f.same(t, "GET", "/Groups/"+g.g.id, nil, 200)
				if !reflect.DeepEqual(memberSet(before), memberSet(after)) {
					t.Error("moving a member out and back did not restore the group")
				}
				f.same(t, "PUT", "/Groups/nope", groupBody(g.g, g.g.members, f.gurn), 404)
			})
		})
	}
}

// cpuTime is the CPU time this process has used, in user and system mode.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memberSet is a group document's members, as "id display".
func memberSet(doc map[string]any) map[string]bool {
	out := map[string]bool{}
	ms, _ := doc["members"].([]any)
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		v, _ := mm["value"].(string)
		d, _ := mm["display"].(string)
		out[v+" "+d] = true
	}
	return out
}

// BenchmarkHandlers measures the servers' own work per request, without the network and
// the load generator: the bench's requests sent straight to each handler, one at a time,
// against a generated database. ns/op includes the database's answer; cpu-us/op (the
// process's CPU time, garbage collection included), B/op and allocs/op are the server's
// alone, and cpu-us/op is what decides throughput when the server shares the machine's
// cores with the database.
func BenchmarkHandlers(b *testing.B) {
	for _, d := range benchDrivers {
		b.Run(d.driver, func(b *testing.B) {
			f := newFixture(b, d.driver, d.env, 20_000)
			p := f.ds.sample[len(f.ds.sample)/2]
			g := f.e.groups[1]
			reqs := []struct {
				name, method, path string
				body               func(i int) []byte
				want               int
			}{
				{"get", "GET", "/Users/" + strconv.Itoa(p.id), nil, 200},
				{"check", "GET", checkPath(p.userName()), nil, 200},
				{"check-id", "GET", "/Users?filter=" + url.QueryEscape(`id eq "`+strconv.Itoa(p.id)+`"`) + "&startIndex=1&count=100", nil, 200},
				{"page", "GET", "/Users?startIndex=1&count=100", nil, 200},
				{"put", "PUT", "/Users/" + strconv.Itoa(p.id), func(i int) []byte {
					return f.e.userBody(p.id, p.first, p.last, []string{"M", "F"}[i%2], p.birth, p.hire)
				}, 200},
				{"groupput-200", "PUT", "/Groups/" + g.g.id, func(i int) []byte { return g.bodies[i%2] }, 200},
			}
			for _, r := range reqs {
				for _, side := range []struct {
					name string
					h    http.Handler
				}{{"scimsql", f.scim}, {"handwritten", f.hand}} {
					b.Run(r.name+"/"+side.name, func(b *testing.B) {
						b.ReportAllocs()
						i := 0
						cpu := cpuTime()
						for b.Loop() {
							var body []byte
							if r.body != nil {
								body = r.body(i)
							}
							i++
							if code, out := f.do(side.h, r.method, r.path, body); code != r.want {
								b.Fatalf("%s %s: %d %s", r.method, r.path, code, out)
							}
						}
						b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-us/op")
					})
				}
			}
		})
	}
}

// The statements each of the agent's requests costs on MariaDB, counted by the server
// (its Questions counter, which a test's other sessions do not touch while it runs):
// they are the round trips the figures in the README rest on.
func TestRoundTripsMariaDB(t *testing.T) {
	f := newFixture(t, "mysql", "SCIMSQL_TEST_MYSQL_DSN", 2000)
	p := f.ds.sample[3]
	g := f.e.groups[1]
	questions := func() int {
		// A session of its own: SHOW SESSION STATUS would count this one only.
		var name string
		var n int
		if err := f.db.admin.QueryRow("SHOW GLOBAL STATUS LIKE 'Questions'").Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		name string
		do   func(i int) int
		want float64
	}{
		{"GET /Users/{id}", func(int) int { code, _ := f.do(f.scim, "GET", "/Users/"+strconv.Itoa(p.id), nil); return code }, 1},
		{"check-exists", func(int) int { code, _ := f.do(f.scim, "GET", checkPath(p.userName()), nil); return code }, 1},
		// INSERT ... RETURNING: no transaction, no read-back.
		{"POST /Users", func(i int) int {
			code, _ := f.do(f.scim, "POST", "/Users", f.e.userBody(0, "Trip", "Round"+strconv.Itoa(i), "F", "", "2025-03-01"))
			return code
		}, 1},
		// BEGIN, UPDATE, the read-back, COMMIT: MariaDB's UPDATE returns no rows.
		{"PUT /Users/{id}", func(i int) int {
			code, _ := f.do(f.scim, "PUT", "/Users/"+strconv.Itoa(p.id), f.e.userBody(p.id, p.first, p.last, []string{"M", "F"}[i%2], p.birth, p.hire))
			return code
		}, 4},
		// BEGIN, lock (with the stored name: unchanged, so no check that it is free),
		// stored members, are the new members users?, the template's three statements
		// (name, removes, adds), the department's row for the answer, COMMIT.
		{"PUT /Groups/{id}", func(i int) int { code, _ := f.do(f.scim, "PUT", "/Groups/"+g.g.id, g.bodies[i%2]); return code }, 9},
	} {
		for i := range 3 { // warm: statements prepared, the server probed
			c.do(i)
		}
		const n = 20
		before := questions()
		for i := range n {
			if code := c.do(i + 3); code/100 != 2 {
				t.Fatalf("%s: %d", c.name, code)
			}
		}
		// The counter counts its own SHOW, once.
		if got := float64(questions()-before-1) / n; got != c.want {
			t.Errorf("%s: %.2f statements a request, want %.0f", c.name, got, c.want)
		}
	}
}
