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
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

// The bench serves copies of the example's schema and mapping (a binary cannot embed
// files outside its package); they must not drift.
func TestCopiesMatchTheExample(t *testing.T) {
	for copyText, orig := range map[string]string{
		mysqlSchema:  "schema.sql",
		mysqlMapping: "mapping.yaml",
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "mysql-employees", orig))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != copyText {
			t.Errorf("engine/bench/employees.mysql.%s differs from examples/mysql-employees/%s: copy the example over it "+
				"(and make the same change to employees.postgres.*)", strings.TrimPrefix(filepath.Ext(orig), "."), orig)
		}
	}
}

func TestEmployeeNames(t *testing.T) {
	if f, l := employeeName(0); f+l != "GeorgiFacello" {
		t.Errorf("employee 0 is %s %s, want Georgi Facello (10001 in the public sample)", f, l)
	}
	seen := map[string]int{}
	for i := range 4 * nameBlock {
		f, l := employeeName(i)
		un := strings.ToLower(l + f)
		if j, ok := seen[un]; ok {
			t.Fatalf("employees %d and %d share the userName %s", j, i, un)
		}
		seen[un] = i
	}
	// The longest last name with the largest suffix a 100-million run gives still fits
	// last_name VARCHAR(16).
	longest := 0
	for _, l := range lastNames {
		longest = max(longest, len(l))
	}
	if _, l := employeeName(100_000_000 - 1); longest-len(lastNames[(100_000_000-1)%50])+len(l) > 16 {
		t.Errorf("last names outgrow VARCHAR(16) before 100 million employees")
	}
	total := 0
	for _, d := range departments {
		total += d.share
	}
	if total != 1000 {
		t.Errorf("department shares add up to %d thousandths", total)
	}
}

func TestPercentiles(t *testing.T) {
	var l Latencies
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	s := l.Summarize()
	if s.P50 != 50 || s.P99 != 99 || s.Max != 100 || s.Count != 100 || s.Mean != 50.5 {
		t.Errorf("summary of 1..100 ms: %+v", s)
	}
	if (Latencies{}).Summarize() != (Summary{}) {
		t.Error("an empty summary is not zero")
	}
	if got := (Latencies{3, 1, 2}).Median(); got != 2 {
		t.Errorf("median of 3 1 2: %v", got)
	}
}

func TestCompareIDs(t *testing.T) {
	for _, c := range []struct {
		expected, seen   []int
		dup, miss, unexp int
	}{
		{[]int{1, 2, 3}, []int{3, 1, 2}, 0, 0, 0},
		{[]int{1, 2, 3}, []int{1, 2, 2, 3}, 1, 0, 0},
		{[]int{1, 2, 3}, []int{1, 3}, 0, 1, 0},
		{[]int{1, 2, 3}, []int{1, 2, 3, 4}, 0, 0, 1},
		{[]int{1, 2, 3}, nil, 0, 3, 0},
		{[]int{2}, []int{1, 1, 3}, 1, 1, 2},
	} {
		d, m, u := compareIDs(c.expected, c.seen)
		if d != c.dup || m != c.miss || u != c.unexp {
			t.Errorf("compareIDs(%v, %v) = %d duplicate, %d missing, %d unexpected; want %d, %d, %d", c.expected, c.seen, d, m, u, c.dup, c.miss, c.unexp)
		}
	}
}

// The PostgreSQL mapping is the example's, on PostgreSQL: it passes the conformance
// suite the example passes on MariaDB (engine/conformance/employees_test.go).
func TestPostgresMappingConformance(t *testing.T) {
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	db := conformance.Open(t, d, dsn)
	conformance.Exec(t, db, engine.SplitStatements(postgresSchema))
	path := filepath.Join(t.TempDir(), "employees.postgres.yaml")
	if err := os.WriteFile(path, []byte(postgresMapping), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := mappings.LoadFile(path, mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := engine.New(m, d, db, engine.Options{Logger: quiet, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	user, pass := m.Server.Auth.Username, m.Server.Auth.Password.Reveal()
	h := httpapi.New(e, quiet)
	t.Run("concurrent createGroup", func(t *testing.T) { concurrentCreates(t, h, user, pass) })
	const urn = "urn:okta:onprem_mysql_app:1.0:user:custom"
	conformance.Run(t, conformance.Target{
		Handler:      h,
		Mapping:      m,
		DB:           db,
		Dialect:      d,
		Auth:         func(r *http.Request) { r.SetBasicAuth(user, pass) },
		Capabilities: []string{"GROUP_PUSH", "IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"},
		Sample: func(a *mappings.Attribute, n int) any {
			switch a.Path {
			case "name.givenName":
				return "Given" + strings.Repeat("x", n%3)
			case "name.familyName":
				return "Family" + strings.Repeat("y", n%5)
			case urn + ":gender":
				return []string{"M", "F"}[n%2]
			}
			return nil
		},
	})
}

// checkReport asserts what every run must give: each scenario, with throughput and no
// errors from scimsql and, when it ran, the hand-written connector, and imports that saw
// every id exactly once.
func checkReport(t *testing.T, rep *Report, size int, scenarios []string, baseline bool) {
	t.Helper()
	got := map[string]Result{}
	for _, r := range rep.Scenarios {
		got[r.Name] = r
	}
	for _, name := range scenarios {
		r, ok := got[name]
		if !ok {
			t.Errorf("%s: missing from the report", name)
			continue
		}
		if baseline != (r.Handwritten != nil) {
			t.Errorf("%s: hand-written figures %v, want them: %v", name, r.Handwritten != nil, baseline)
		}
		for _, sd := range r.sides() {
			m := sd.m
			switch {
			case m.Throughput <= 0 || m.Requests == 0:
				t.Errorf("%s, %s: %d requests, %.1f req/s", name, sd.name, m.Requests, m.Throughput)
			case m.Errors > 0:
				t.Errorf("%s, %s: %d errors: %v", name, sd.name, m.Errors, m.ErrorSamples)
			}
			if name == "mix" && len(m.Mix) == 0 {
				t.Errorf("mix, %s: no levels", sd.name)
			}
			if name != "import" {
				continue
			}
			if i := m.Import; i == nil {
				t.Errorf("import, %s: no figures", sd.name)
			} else if !i.ExactlyOnce || i.Expected != size || i.Users != size || i.Pages != (size+99)/100 {
				t.Errorf("import, %s: %+v, want %d users in %d pages, each exactly once", sd.name, *i, size, (size+99)/100)
			}
		}
		if baseline && r.Ratio() <= 0 {
			t.Errorf("%s: no ratio to the hand-written connector", name)
		}
	}
}

// TestRun runs every scenario briefly on a small database, with scimsql in this process.
func TestRun(t *testing.T) {
	for _, db := range []struct{ driver, env string }{
		{"mysql", "SCIMSQL_TEST_MYSQL_DSN"},
		{"postgres", "SCIMSQL_TEST_POSTGRES_DSN"},
	} {
		t.Run(db.driver, func(t *testing.T) {
			dsn := conformance.DSN(t, db.env)
			const size = 2000
			var progress bytes.Buffer
			rep, err := Run(context.Background(), Config{
				Driver: db.driver, DSN: dsn, Size: size, Concurrency: 4, Duration: 300 * time.Millisecond,
				MixConcurrency: []int{1, 4}, Progress: &progress, Baseline: true,
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, progress.String())
			}
			checkReport(t, rep, size, Scenarios, true)
			if rep.Setup.GroupPushMembers != size/2 || rep.Setup.Employees != size {
				t.Errorf("setup: %+v", rep.Setup)
			}
			var text bytes.Buffer
			rep.WriteText(&text)
			for _, name := range Scenarios {
				if !strings.Contains(text.String(), "\n"+name+" ") {
					t.Errorf("the text report has no line for %s:\n%s", name, text.String())
				}
			}
		})
	}
}

// concurrentCreates POSTs eight departments at once: each gets its own next number, as
// the MySQL mapping's FOR UPDATE gives there. Eight is the test pool's size: the creates
// waiting for the lock hold every connection, so the one holding it must get through
// without another (its statements must not wait for the pool to be prepared).
func concurrentCreates(t *testing.T, h http.Handler, user, pass string) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	const n = 8
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", srv.URL+"/Groups", strings.NewReader(fmt.Sprintf(`{"displayName":"Concurrent %d"}`, i)))
			req.SetBasicAuth(user, pass)
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			var g struct{ ID string }
			if err := json.NewDecoder(res.Body).Decode(&g); err != nil || res.StatusCode != 201 {
				t.Errorf("POST /Groups: %d %v", res.StatusCode, err)
				return
			}
			ids <- g.ID
		}()
	}
	wg.Wait()
	close(ids)
	var got []string
	for id := range ids {
		got = append(got, id)
	}
	sort.Strings(got)
	want := []string{"d001", "d002", "d003", "d004", "d005", "d006", "d007", "d008"}
	if !slices.Equal(got, want) {
		t.Errorf("ids of %d concurrent creates: %v, want %v", n, got, want)
	}
	for _, id := range got {
		req, _ := http.NewRequest("DELETE", srv.URL+"/Groups/"+id, nil)
		req.SetBasicAuth(user, pass)
		if res, err := srv.Client().Do(req); err != nil || res.StatusCode/100 != 2 {
			t.Errorf("DELETE /Groups/%s: %v", id, err)
		} else {
			res.Body.Close()
		}
	}
}

func TestWithMaxBody(t *testing.T) {
	for name, text := range map[string]string{"mysql": mysqlMapping, "postgres": postgresMapping} {
		out, err := withMaxBody([]byte(text), 4<<20)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name+".yaml")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := mappings.LoadFile(path, mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		if m.Server.MaxBody != 4<<20 {
			t.Errorf("%s: maxBodyBytes %d", name, m.Server.MaxBody)
		}
		if a := m.Users.Attr("emails.work"); a == nil || a.Format == nil {
			t.Errorf("%s: the *login alias was lost", name)
		}
	}
}

func TestSumBetween(t *testing.T) {
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	// Page time grows from 1 ms at page 0 to 11 ms at page 10, then stays.
	pts := []point{{0, ms(1)}, {10, ms(11)}}
	for _, c := range []struct {
		from, to int
		want     time.Duration
	}{
		{0, 1, ms(1)},
		{0, 11, ms(66)},      // 1 + 2 + ... + 11
		{5, 7, ms(6 + 7)},    // interpolated
		{10, 13, ms(3 * 11)}, // held after the last point
		{3, 3, 0},            // nothing to sum
	} {
		if got := sumBetween(pts, c.from, c.to); got != c.want {
			t.Errorf("sumBetween(%d, %d) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
	// Points at one page (a sample where a slice of the walk lies) do not divide by zero.
	if got := sumBetween([]point{{0, ms(1)}, {2, ms(3)}, {2, ms(5)}, {4, ms(5)}}, 0, 5); got != ms(1+2+3+5+5) {
		t.Errorf("with two points at one page: %v", got)
	}
}

// A walk that runs out of budget stops, samples pages across the rest of the table and
// says its figures are estimates; it never claims the ids were checked.
func TestWalkCutAtBudget(t *testing.T) {
	const users = 1000
	var served []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
		count, _ := strconv.Atoi(r.URL.Query().Get("count"))
		served = append(served, start)
		var res []string
		for i := start; i < start+count && i <= users; i++ {
			res = append(res, fmt.Sprintf(`{"id":"%d"}`, i))
		}
		fmt.Fprintf(w, `{"totalResults":%d,"startIndex":%d,"itemsPerPage":%d,"Resources":[%s]}`, users, start, len(res), strings.Join(res, ","))
	}))
	defer srv.Close()
	c := newClient(srv.URL, func(*http.Request) {}, 1, "")
	defer c.close()
	e := &env{}
	expected := make([]int, users)
	for i := range expected {
		expected[i] = i + 1
	}
	imp, _, errs, err := e.walk(context.Background(), []*client{c}, expected, memory{pid: os.Getpid()}, time.Nanosecond)
	if err != nil {
		t.Fatalf("%v %v", err, errs)
	}
	if !imp.Estimated || imp.WalkedPages != 1 || imp.Pages != 10 || imp.Users != users || imp.ExactlyOnce {
		t.Errorf("cut walk: %+v", *imp)
	}
	// The warm-up request and the one walked page, then three pages each at a quarter,
	// half and three quarters of the way and the last ten, all after the walked page.
	if len(served) < 2 || !slices.Equal(served[:2], []int{1, 1}) || imp.SampledPages != len(served)-2 {
		t.Fatalf("pages read: %v (%d sampled)", served, imp.SampledPages)
	}
	for _, want := range []int{301, 501, 801, 901} {
		if !slices.Contains(served[2:], want) {
			t.Errorf("page at %d not sampled: %v", want, served)
		}
	}
	if slices.Contains(served[2:], 1) {
		t.Errorf("the walked page was sampled again: %v", served)
	}
	if imp.Seconds <= 0 || imp.UsersPerSec <= 0 {
		t.Errorf("no estimate: %+v", *imp)
	}
	// Without a budget the same walk reads every page and checks the ids.
	served = nil
	imp, _, _, err = e.walk(context.Background(), []*client{c}, expected, memory{pid: os.Getpid()}, 0)
	if err != nil || imp.Estimated || !imp.ExactlyOnce || imp.Pages != 10 || len(served) != 11 {
		t.Errorf("full walk: %v %+v, %d requests", err, *imp, len(served))
	}
}

// A run that falls short of parity by less than its own rounds vary is even, not a miss;
// one behind in every round misses.
func TestVerdictEven(t *testing.T) {
	ds := &dataset{push: group{members: make([]member, GroupPushMembers)}}
	result := func(thr, p99 float64, rounds ...RoundRatio) *Result {
		return &Result{Name: "get", Measure: Measure{Throughput: thr, Latency: Summary{P99: p99}},
			Handwritten: &Measure{Throughput: 1000, Latency: Summary{P99: 2}}, Rounds: rounds}
	}
	for _, c := range []struct {
		r    *Result
		want string
	}{
		{result(1010, 1.9), "ok"},
		{result(980, 1.9, RoundRatio{0.95, 1}, RoundRatio{1.02, 1}, RoundRatio{0.97, 1}), "even"},
		{result(980, 2.1, RoundRatio{0.95, 0.9}, RoundRatio{1.02, 1.1}, RoundRatio{0.97, 1.05}), "even"},
		{result(980, 1.9, RoundRatio{0.95, 1}, RoundRatio{0.99, 1}, RoundRatio{0.97, 1}), "miss"},
		{result(980, 1.9, RoundRatio{0.95, 1}, RoundRatio{1.02, 1}), "miss"}, // two rounds are too few
		{result(1010, 2.5, RoundRatio{1.01, 1.2}, RoundRatio{1.02, 1.3}, RoundRatio{1.01, 1.25}), "miss"},
	} {
		c.r.verdict(100_000, ds)
		if c.r.Verdict != c.want {
			t.Errorf("%+v: verdict %s (%s), want %s", c.r.Rounds, c.r.Verdict, c.r.Why, c.want)
		}
	}
}

// -cursors rewrites server.cursors, as the store name or a redis URL; applied twice, the
// second wins.
func TestWithCursors(t *testing.T) {
	text := []byte(mysqlMapping)
	for _, c := range []struct{ store, want, url string }{
		{"none", "none", ""},
		{"redis://127.0.0.1:6379/3", "redis", "redis://127.0.0.1:6379/3"},
		{"local", "local", ""},
	} {
		out, err := withCursors(text, c.store)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "m.yaml")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := mappings.LoadFile(path, mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.store, err, out)
		}
		if got := m.Server.Cursors; got.Store != c.want || got.URL.Reveal() != c.url {
			t.Errorf("-cursors %s: %s %q", c.store, got.Store, got.URL.Reveal())
		}
		text = out
	}
}
