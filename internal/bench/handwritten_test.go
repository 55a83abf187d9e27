package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/server"
)

// fixture is a generated employees database served, in this process, by scimsql and by
// the hand-written connector.
type fixture struct {
	db   *database
	ds   *dataset
	e    *env
	scim http.Handler
	// scimLogged is scimsql with the access log on, as users run it.
	scimLogged http.Handler
	hand       http.Handler
	auth       string
	urn        string
	gurn       string
	driver     string
}

var benchDrivers = []struct{ driver, env string }{
	{"mysql", "SCIMSQL_TEST_MYSQL_DSN"},
	{"postgres", "SCIMSQL_TEST_POSTGRES_DSN"},
}

func newFixture(tb testing.TB, driver, dsnEnv string, size int) *fixture {
	tb.Helper()
	return newFixtureDSN(tb, driver, dsnEnv, size, nil)
}

// newFixtureDSN is newFixture with scimsql's DSN passed through wrap first (nil: as is).
func newFixtureDSN(tb testing.TB, driver, dsnEnv string, size int, wrap func(string) string) *fixture {
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
	scimDSN := db.dsn
	if wrap != nil {
		scimDSN = wrap(db.dsn)
	}
	s, err := server.New(ctx, server.Options{MappingPath: path, DSN: scimDSN, Dialects: Dialects, Logger: quiet, Version: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	// As users run it: the access log on, a JSON line per request (to nowhere here).
	logged := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	sl, err := server.New(ctx, server.Options{MappingPath: path, DSN: scimDSN, Dialects: Dialects, Logger: logged, Version: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sl.Close() })
	hw, err := openHandwritten(ctx, ServerSpec{MappingPath: path, DSN: db.dsn, Handwritten: true}, Dialects)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { hw.close() })
	m := s.Mapping()
	return &fixture{db: db, ds: ds, e: newEnv(ds, m.App.UserSchema, m.App.GroupSchema), scim: s.Handler(), scimLogged: sl.Handler(), hand: hw.Handler(),
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
				}{{"scimsql", f.scim}, {"scimsql-log", f.scimLogged}, {"handwritten", f.hand}} {
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

// The statements each of the agent's requests costs on MariaDB: they are the round
// trips the figures in the README rest on. They are counted on scimsql's own
// connections (see countStatements), so tests of other packages running against the
// same server meanwhile do not count.
func TestRoundTripsMariaDB(t *testing.T) {
	var sent atomic.Int64
	f := newFixtureDSN(t, "mysql", "SCIMSQL_TEST_MYSQL_DSN", 2000, func(dsn string) string { return countStatements(t, dsn, &sent) })
	p := f.ds.sample[3]
	g := f.e.groups[1]
	questions := func() int { return int(sent.Load()) }
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
		// UPDATE, then the read-back: MariaDB's UPDATE returns no rows, and one row
		// written by one statement needs no transaction.
		{"PUT /Users/{id}", func(i int) int {
			code, _ := f.do(f.scim, "PUT", "/Users/"+strconv.Itoa(p.id), f.e.userBody(p.id, p.first, p.last, []string{"M", "F"}[i%2], p.birth, p.hire))
			return code
		}, 2},
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
		if got := float64(questions()-before) / n; got != c.want {
			t.Errorf("%s: %.2f statements a request, want %.0f", c.name, got, c.want)
		}
	}
}

// countStatements returns dsn (a go-sql-driver DSN) pointed at a proxy on 127.0.0.1 that
// counts, in sent, the statements the client sends through it: COM_QUERY and
// COM_STMT_EXECUTE, what the server's Questions counter counts, but for these
// connections only. A proxy, not a network registered with the driver, so that scimsql
// dials its connections as it does in production (and bounds them by deadlines).
func countStatements(t *testing.T, dsn string, sent *atomic.Int64) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	network, addr := cfg.Net, cfg.Addr
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer client.Close()
				server, err := net.Dial(network, addr)
				if err != nil {
					return
				}
				defer server.Close()
				go func() { io.Copy(client, server); client.Close() }()
				io.Copy(&countingConn{Conn: server, sent: sent}, client)
			}()
		}
	}()
	cfg.Net, cfg.Addr = "tcp", ln.Addr().String()
	return cfg.FormatDSN()
}

// countingConn follows the MySQL packets the client writes (a 3-byte length and a
// sequence number, then the payload) and counts those that start a command with a
// statement: sequence 0, command byte 0x03 or 0x17.
type countingConn struct {
	net.Conn
	sent   *atomic.Int64
	header []byte // the packet header read so far
	left   int    // payload bytes of the current packet still to come
	first  bool   // the next payload byte is the first of a command packet
}

func (c *countingConn) Write(b []byte) (int, error) {
	for rest := b; len(rest) > 0; {
		if c.left > 0 {
			if c.first {
				if cmd := rest[0]; cmd == 0x03 || cmd == 0x17 {
					c.sent.Add(1)
				}
				c.first = false
			}
			n := min(c.left, len(rest))
			c.left -= n
			rest = rest[n:]
			continue
		}
		n := min(4-len(c.header), len(rest))
		c.header = append(c.header, rest[:n]...)
		rest = rest[n:]
		if len(c.header) == 4 {
			c.left = int(c.header[0]) | int(c.header[1])<<8 | int(c.header[2])<<16
			c.first = c.header[3] == 0 && c.left > 0
			c.header = c.header[:0]
		}
	}
	return c.Conn.Write(b)
}

// Concurrent profile pushes to one user each answer the user as their own request wrote
// it. On MariaDB a push is a lone UPDATE and a read that finds the row only while it
// holds what was written; a push whose read found another's write is redone in a
// transaction (logged: how often that happened here). On PostgreSQL it is one UPDATE
// ... RETURNING. The row ends as one of the pushes wrote it.
func TestConcurrentPushesAnswerTheirOwnWrite(t *testing.T) {
	for _, bd := range benchDrivers {
		t.Run(bd.driver, func(t *testing.T) {
			var sent atomic.Int64
			wrap := func(dsn string) string { return dsn }
			if bd.driver == "mysql" {
				wrap = func(dsn string) string { return countStatements(t, dsn, &sent) }
			}
			f := newFixtureDSN(t, bd.driver, bd.env, 500, wrap)
			p := f.ds.sample[1]
			const writers, each = 16, 20
			birth := func(w, i int) string {
				return time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w*each+i).Format("2006-01-02")
			}
			before := sent.Load()
			var wrong atomic.Int64
			parallelDo(writers, func(w int) {
				for i := range each {
					want := birth(w, i)
					code, body := f.do(f.scim, "PUT", "/Users/"+strconv.Itoa(p.id), f.e.userBody(p.id, p.first, p.last, p.gender, want, p.hire))
					if code != 200 {
						t.Errorf("PUT: %d %s", code, body)
						return
					}
					var doc map[string]any
					if err := json.Unmarshal(body, &doc); err != nil {
						t.Error(err)
						return
					}
					ext, _ := doc[f.urn].(map[string]any)
					if got, _ := ext["birth_date"].(string); !strings.HasPrefix(got, want) {
						if wrong.Add(1) <= 3 {
							t.Errorf("a push of birth_date %s answered %q", want, got)
						}
					}
				}
			})
			if n := wrong.Load(); n > 0 {
				t.Errorf("%d of %d answers carry another push's write", n, writers*each)
			}
			code, body := f.do(f.scim, "GET", "/Users/"+strconv.Itoa(p.id), nil)
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); code != 200 || err != nil {
				t.Fatalf("GET: %d %s", code, body)
			}
			ext, _ := doc[f.urn].(map[string]any)
			stored, _ := ext["birth_date"].(string)
			if len(stored) < 10 || stored[:10] < birth(0, 0) || stored[:10] > birth(writers-1, each-1) {
				t.Errorf("stored birth_date %q is none of the pushes'", stored)
			}
			if bd.driver == "mysql" {
				n := float64(sent.Load()-before) / (writers * each)
				// 2 a push on the lone path; 2 + 4 for one redone.
				t.Logf("%d pushes, %.2f statements a push: %.0f%% redone in a transaction", writers*each, n, (n-2)/4*100)
			}
		})
	}
}

// parallelDo runs fn(0..n-1) at once and waits.
func parallelDo(n int, fn func(int)) {
	done := make(chan struct{})
	for w := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			fn(w)
		}()
	}
	for range n {
		<-done
	}
}

// BenchmarkSideBySide is BenchmarkHandlers for the figures the performance target is
// judged on, measured so that the machine's drift cancels: each b.N step sends a chunk
// of the same request to scimsql (access log on, as users run it), to scimsql without
// the log and to the hand-written connector, in an order that rotates every step, and
// charges each side the process CPU its own chunk used. A noisy neighbour, a GC cycle or
// a slower minute then falls on all three alike. Reported: each side's CPU µs per
// request and the ratios hand/scimsql (≥ 1 means scimsql costs no more).
func BenchmarkSideBySide(b *testing.B) {
	const chunk = 50
	for _, d := range benchDrivers {
		b.Run(d.driver, func(b *testing.B) {
			f := newFixture(b, d.driver, d.env, 20_000)
			p := f.ds.sample[len(f.ds.sample)/2]
			reqs := []struct {
				name, method, path string
				body               func(i int) []byte
			}{
				{"get", "GET", "/Users/" + strconv.Itoa(p.id), nil},
				{"check-id", "GET", "/Users?filter=" + url.QueryEscape(`id eq "`+strconv.Itoa(p.id)+`"`) + "&startIndex=1&count=100", nil},
				{"put", "PUT", "/Users/" + strconv.Itoa(p.id), func(i int) []byte {
					return f.e.userBody(p.id, p.first, p.last, []string{"M", "F"}[i%2], p.birth, p.hire)
				}},
			}
			sides := []http.Handler{f.scimLogged, f.scim, f.hand}
			for _, r := range reqs {
				b.Run(r.name, func(b *testing.B) {
					var cpu [3]time.Duration
					step, i := 0, 0
					for b.Loop() {
						for k := range sides {
							s := (k + step) % len(sides)
							start := cpuTime()
							for range chunk {
								var body []byte
								if r.body != nil {
									body = r.body(i)
								}
								i++
								if code, out := f.do(sides[s], r.method, r.path, body); code != 200 {
									b.Fatalf("%s %s: %d %s", r.method, r.path, code, out)
								}
							}
							cpu[s] += cpuTime() - start
						}
						step++
					}
					per := func(d time.Duration) float64 {
						return float64(d) / float64(time.Microsecond) / float64(b.N*chunk)
					}
					b.ReportMetric(per(cpu[0]), "scimsql-log-cpu-us/op")
					b.ReportMetric(per(cpu[1]), "scimsql-cpu-us/op")
					b.ReportMetric(per(cpu[2]), "hand-cpu-us/op")
					b.ReportMetric(float64(cpu[2])/float64(cpu[0]), "hand/scimsql-log")
					b.ReportMetric(float64(cpu[2])/float64(cpu[1]), "hand/scimsql")
				})
			}
		})
	}
}
