package conformance_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

// examples/mysql-employees is Okta's example-mysql-server as a mapping over MySQL's
// "employees" sample: a computed, read-only userName and work e-mail, custom attributes
// with defaults, departments as groups with d-numbered ids, and memberships that end
// instead of being deleted. It has no active and no password column.

const empURN = "urn:okta:onprem_mysql_app:1.0:user:custom"

// employeesCapabilities are the five the Java example declared, and all this schema allows.
var employeesCapabilities = []string{"GROUP_PUSH", "IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"}

// sqlLog keeps the statements the engine logs at debug level ("sql" records: op, sql and
// the number of arguments, never their values).
type sqlLog struct {
	mu   sync.Mutex
	recs []sqlRecord
}

type sqlRecord struct {
	op, sql string
	args    int
}

func (l *sqlLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *sqlLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *sqlLog) WithGroup(string) slog.Handler            { return l }
func (l *sqlLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "sql" {
		return nil
	}
	var rec sqlRecord
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "op":
			rec.op = a.Value.String()
		case "sql":
			rec.sql = a.Value.String()
		case "args":
			rec.args = int(a.Value.Int64())
		}
		return true
	})
	l.mu.Lock()
	l.recs = append(l.recs, rec)
	l.mu.Unlock()
	return nil
}

// last returns the last statement logged for op.
// last is the latest statement of op that reads the users themselves (not the groups
// each user lists, which the same operation reads after them).
func (l *sqlLog) last(op string) (sqlRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.recs) - 1; i >= 0; i-- {
		if l.recs[i].op == op && strings.Contains(l.recs[i].sql, " FROM `employees` u") {
			return l.recs[i], true
		}
	}
	return sqlRecord{}, false
}

// employeesSample gives the suite values that fit the real columns: first_name is
// VARCHAR(14), last_name VARCHAR(16), gender ENUM('M','F').
func employeesSample(a *mappings.Attribute, n int) any {
	switch a.Path {
	case "name.givenName":
		return fmt.Sprintf("Given%d", n)
	case "name.familyName":
		return fmt.Sprintf("Family%d", n)
	case empURN + ":gender":
		return []string{"M", "F"}[n%2]
	}
	return nil
}

// employeesExample is a scimsql on examples/mysql-employees over a fresh MariaDB/MySQL
// database holding schema.sql and, with seed, seed.sql.
func employeesExample(t *testing.T, seed bool) (conformance.Target, *sqlLog) {
	t.Helper()
	d := conformance.MySQL()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	m, err := mappings.LoadFile(root("examples", "mysql-employees", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	db := conformance.Open(t, d, dsn)
	scripts := []string{"schema.sql"}
	if seed {
		scripts = append(scripts, "seed.sql")
	}
	for _, f := range scripts {
		b, err := os.ReadFile(root("examples", "mysql-employees", f))
		if err != nil {
			t.Fatal(err)
		}
		conformance.Exec(t, db, engine.SplitStatements(string(b)))
	}
	logs := &sqlLog{}
	var h slog.Handler = logs
	if testing.Verbose() && os.Getenv("SCIMSQL_TEST_LOG") != "" {
		h = teeHandler{logs, slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})}
	}
	log := slog.New(h)
	e, err := engine.New(m, d, db, engine.Options{Logger: log, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	user, pass := m.Server.Auth.Username, m.Server.Auth.Password.Reveal()
	return conformance.Target{
		Handler:      httpapi.New(e, slog.New(slog.NewTextHandler(io.Discard, nil))),
		Mapping:      m,
		DB:           db,
		Dialect:      d,
		Auth:         func(r *http.Request) { r.SetBasicAuth(user, pass) },
		Capabilities: employeesCapabilities,
		Sample:       employeesSample,
	}, logs
}

type teeHandler struct{ a, b slog.Handler }

func (h teeHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h teeHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h teeHandler) WithGroup(string) slog.Handler            { return h }
func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	_ = h.a.Handle(ctx, r.Clone())
	return h.b.Handle(ctx, r)
}

// TestEmployeesExample runs the whole suite on the example, on an empty schema: the suite
// makes its own employees and departments.
func TestEmployeesExample(t *testing.T) {
	tg, _ := employeesExample(t, false)
	conformance.Run(t, tg)
}

// empRow is one employees row as the application sees it.
type empRow struct {
	First, Last, Gender, Birth, Hire string
}

func readEmployee(t *testing.T, db *sql.DB, id string) empRow {
	t.Helper()
	var r empRow
	err := db.QueryRow(`SELECT first_name, last_name, gender, DATE_FORMAT(birth_date, '%Y-%m-%d'), DATE_FORMAT(hire_date, '%Y-%m-%d')
		FROM employees WHERE emp_no = ?`, id).Scan(&r.First, &r.Last, &r.Gender, &r.Birth, &r.Hire)
	if err != nil {
		t.Fatalf("reading employee %s: %v", id, err)
	}
	return r
}

// membership returns the dept_emp row of (emp, dept) as from_date/to_date, or "" when none.
func membership(t *testing.T, db *sql.DB, emp, dept string) string {
	t.Helper()
	var from, to string
	err := db.QueryRow(`SELECT DATE_FORMAT(from_date, '%Y-%m-%d'), DATE_FORMAT(to_date, '%Y-%m-%d')
		FROM dept_emp WHERE emp_no = ? AND dept_no = ?`, emp, dept).Scan(&from, &to)
	if err == sql.ErrNoRows {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return from + "/" + to
}

func today(t *testing.T, db *sql.DB) string {
	t.Helper()
	var d string
	if err := db.QueryRow(`SELECT DATE_FORMAT(CURDATE(), '%Y-%m-%d')`).Scan(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

func members(g map[string]any) []string {
	var out []string
	for _, m := range g["members"].([]any) {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	sort.Strings(out)
	return out
}

func memberList(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"value": id}
	}
	return out
}

func without(ids []string, drop string) []string {
	var out []string
	for _, id := range ids {
		if id != drop {
			out = append(out, id)
		}
	}
	return out
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// filterIDs runs the agent's lookup and returns the ids found, sorted and joined.
func filterIDs(t *testing.T, tg conformance.Target, filter string) string {
	t.Helper()
	body := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(filter)+"&startIndex=1&count=100", nil)
	var out []string
	for _, r := range body["Resources"].([]any) {
		out = append(out, r.(map[string]any)["id"].(string))
	}
	sort.Strings(out)
	if n := fmt.Sprint(body["totalResults"]); n != fmt.Sprint(len(out)) {
		t.Errorf("filter %s: totalResults %s for %d resources", filter, n, len(out))
	}
	return strings.Join(out, ",")
}

// TestEmployeesSeed loads seed.sql and checks, through the HTTP handler, what Okta's
// agent sees of the seeded employees and departments and what its pushes leave in the tables.
func TestEmployeesSeed(t *testing.T) {
	tg, logs := employeesExample(t, true)
	db := tg.DB

	t.Run("capabilities", func(t *testing.T) {
		body := mustCall(t, tg, 200, "GET", "/ServiceProviderConfigs", nil)
		got := jsonOf(body["urn:okta:schemas:scim:providerconfig:1.0"].(map[string]any)["userManagementCapabilities"])
		if want := jsonOf(employeesCapabilities); got != want {
			t.Errorf("capabilities %s, want exactly %s", got, want)
		}
	})

	t.Run("a seeded employee", func(t *testing.T) {
		u := mustCall(t, tg, 200, "GET", "/Users/10001", nil)
		want := map[string]string{
			"id":       `"10001"`,
			"userName": `"FacelloGeorgi@mysql-db.org"`,
			"name":     `{"familyName":"Facello","givenName":"Georgi"}`,
			"emails":   `[{"primary":true,"type":"work","value":"FacelloGeorgi@mysql-db.org"}]`,
			empURN:     `{"birth_date":"1952-02-01","gender":"M","hire_date":"1985-01-01"}`,
			"schemas":  `["urn:scim:schemas:core:1.0","` + empURN + `"]`,
		}
		for k, w := range want {
			if got := jsonOf(u[k]); got != w {
				t.Errorf("10001 %s = %s, want %s", k, got, w)
			}
		}
		for _, k := range []string{"password", "meta"} {
			if v, ok := u[k]; ok {
				t.Errorf("10001 carries %s = %s; the table has no such column", k, jsonOf(v))
			}
		}
		// No status column: everyone is active, as Okta's Java example answered.
		if u["active"] != true {
			t.Errorf("10001 active = %v, want the constant true", u["active"])
		}
		mustCall(t, tg, 404, "GET", "/Users/99999999", nil)
		mustCall(t, tg, 404, "GET", "/Users/FacelloGeorgi", nil)
	})

	t.Run("check exists by the computed userName", func(t *testing.T) {
		for filter, want := range map[string]string{
			`userName eq "FacelloGeorgi@mysql-db.org"`:                                      "10001",
			`userName eq "facellogeorgi@MYSQL-DB.ORG"`:                                      "10001",
			`userName eq "SimmelBezalel@mysql-db.org"`:                                      "10002",
			`userName eq "FacelloGeorgi@example.com"`:                                       "",
			`userName eq "Facello@mysql-db.org"`:                                            "",
			`userName eq "@mysql-db.org"`:                                                   "",
			`userName eq "G@mysql-db.org"`:                                                  "",
			`email eq "FacelloGeorgi@mysql-db.org" OR email eq "x@example.com"`:             "10001",
			`email eq "SimmelBezalel@mysql-db.org" or email eq "BamfordParto@mysql-db.org"`: "10002,10003",
			`emails[type eq "work" and value eq "KoblickChirstian@mysql-db.org"]`:           "10004",
			`name.familyName eq "Facello" and name.givenName eq "Georgi"`:                   "10001",
			`userName sw "FacelloGeorgi@"`:                                                  "10001",
			empURN + `:hire_date eq "1985-01-01"`:                                           "10001",
		} {
			if got := filterIDs(t, tg, filter); got != want {
				t.Errorf("filter %s: got [%s], want [%s]", filter, got, want)
			}
		}
	})

	t.Run("the lookup uses the name index", func(t *testing.T) {
		employeesIndexUse(t, tg, logs)
	})

	t.Run("departments and current members", func(t *testing.T) {
		body := mustCall(t, tg, 200, "GET", "/Groups?startIndex=1&count=100", nil)
		if n := fmt.Sprint(body["totalResults"]); n != "9" {
			t.Fatalf("%s departments, want 9", n)
		}
		names := map[string]string{"d001": "Marketing", "d002": "Finance", "d003": "Human Resources", "d004": "Production",
			"d005": "Development", "d006": "Quality Management", "d007": "Sales", "d008": "Research", "d009": "Customer Service"}
		total := 0
		for _, r := range body["Resources"].([]any) {
			g := r.(map[string]any)
			id := g["id"].(string)
			if g["displayName"] != names[id] {
				t.Errorf("group %s displayName %v, want %s", id, g["displayName"], names[id])
			}
			var current int
			if err := db.QueryRow(`SELECT COUNT(*) FROM dept_emp WHERE dept_no = ? AND to_date = '9999-01-01'`, id).Scan(&current); err != nil {
				t.Fatal(err)
			}
			ms := members(g)
			if len(ms) != current {
				t.Errorf("group %s: %d members, want the %d current ones", id, len(ms), current)
			}
			total += len(ms)
			// A member's display is its userName.
			for _, m := range g["members"].([]any) {
				if m.(map[string]any)["value"] == "10001" && m.(map[string]any)["display"] != "FacelloGeorgi@mysql-db.org" {
					t.Errorf("member 10001 display %v", m.(map[string]any)["display"])
				}
			}
		}
		if total != 3000-120 {
			t.Errorf("%d current memberships, want 2880 (3000 employees, 120 have left)", total)
		}
		// 10004 moved from Research (d008) to Production (d004); 10025 left Development.
		if got := membership(t, db, "10004", "d008"); !strings.HasSuffix(got, "/1994-11-30") {
			t.Fatalf("seed: 10004 in d008 = %q, want a past membership", got)
		}
		d004 := members(mustCall(t, tg, 200, "GET", "/Groups/d004", nil))
		d008 := members(mustCall(t, tg, 200, "GET", "/Groups/d008", nil))
		d005 := members(mustCall(t, tg, 200, "GET", "/Groups/d005", nil))
		if !contains(d004, "10004") || contains(d008, "10004") || contains(d005, "10025") || !contains(d005, "10001") {
			t.Errorf("current members: 10004 in d004 %v, in d008 %v; 10025 in d005 %v; 10001 in d005 %v",
				contains(d004, "10004"), contains(d008, "10004"), contains(d005, "10025"), contains(d005, "10001"))
		}
		mustCall(t, tg, 404, "GET", "/Groups/d999", nil)
	})

	t.Run("removing a member ends the membership", func(t *testing.T) {
		now := today(t, db)
		before := members(mustCall(t, tg, 200, "GET", "/Groups/d005", nil))
		// Okta PUTs the complete list: everyone but 10001.
		g := mustCall(t, tg, 200, "PUT", "/Groups/d005", map[string]any{"displayName": "Development", "members": memberList(without(before, "10001"))})
		if contains(members(g), "10001") || len(members(g)) != len(before)-1 {
			t.Fatalf("after dropping 10001: %d members, 10001 still there: %v", len(members(g)), contains(members(g), "10001"))
		}
		if got := membership(t, db, "10001", "d005"); got != "1985-01-01/"+now {
			t.Errorf("10001 in d005 = %q, want the row kept and ended today (1985-01-01/%s)", got, now)
		}
		// Back again: the row is current from today.
		g = mustCall(t, tg, 200, "PUT", "/Groups/d005", map[string]any{"displayName": "Development", "members": memberList(before)})
		if !contains(members(g), "10001") || len(members(g)) != len(before) {
			t.Errorf("after re-adding 10001: %d members", len(members(g)))
		}
		if got := membership(t, db, "10001", "d005"); got != now+"/9999-01-01" {
			t.Errorf("10001 in d005 = %q, want current from today", got)
		}
		// A past member rejoins: 10025 left Development, 10004 left Research.
		g = mustCall(t, tg, 200, "PUT", "/Groups/d005", map[string]any{"displayName": "Development", "members": memberList(append(before, "10025"))})
		if !contains(members(g), "10025") {
			t.Errorf("10025 did not rejoin d005")
		}
		if got := membership(t, db, "10025", "d005"); got != now+"/9999-01-01" {
			t.Errorf("10025 in d005 = %q, want the past row current again from today", got)
		}
		d008 := members(mustCall(t, tg, 200, "GET", "/Groups/d008", nil))
		mustCall(t, tg, 200, "PUT", "/Groups/d008", map[string]any{"displayName": "Research", "members": memberList(append(d008, "10004"))})
		if got := membership(t, db, "10004", "d008"); got != now+"/9999-01-01" {
			t.Errorf("10004 in d008 = %q", got)
		}
		var rows int
		if err := db.QueryRow(`SELECT COUNT(*) FROM dept_emp`).Scan(&rows); err != nil || rows != 3300 {
			t.Errorf("dept_emp has %d rows (%v), want the seed's 3300: nothing deleted, nothing duplicated", rows, err)
		}
	})

	t.Run("new departments are numbered d010, d011", func(t *testing.T) {
		now := today(t, db)
		g := mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"displayName": "Security", "members": memberList([]string{"10001", "10002"})})
		if g["id"] != "d010" || jsonOf(members(g)) != `["10001","10002"]` {
			t.Fatalf("new department: %s", jsonOf(g))
		}
		if got := membership(t, db, "10002", "d010"); got != now+"/9999-01-01" {
			t.Errorf("10002 in d010 = %q", got)
		}
		g2 := mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"displayName": "Legal", "members": []any{}})
		if g2["id"] != "d011" {
			t.Errorf("second new department id %v, want d011", g2["id"])
		}
		code, _ := call(t, tg, "POST", "/Groups", map[string]any{"displayName": "SECURITY"})
		if code != 409 {
			t.Errorf("duplicate department name: %d, want 409", code)
		}
		// Deleting a department deletes its history too; the employees stay.
		mustCall(t, tg, 204, "DELETE", "/Groups/d010", nil)
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM dept_emp WHERE dept_no = 'd010'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("dept_emp rows of the deleted department: %d (%v)", n, err)
		}
		mustCall(t, tg, 404, "GET", "/Groups/d010", nil)
		mustCall(t, tg, 200, "GET", "/Users/10002", nil)
		// MAX + 1: d012 after d011, even though d010 is free again.
		if g3 := mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"displayName": "Facilities"}); g3["id"] != "d012" {
			t.Errorf("department after d011: %v, want d012", g3["id"])
		}
		// Concurrent creates wait for each other's number (FOR UPDATE) and never share one.
		const parallel = 6
		ids := make([]string, parallel)
		var wg sync.WaitGroup
		for i := range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"displayName":"Parallel %d","members":[{"value":"10003"}]}`, i)
				req := httptest.NewRequest("POST", "/Groups", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				tg.Auth(req)
				rec := httptest.NewRecorder()
				tg.Handler.ServeHTTP(rec, req)
				var g map[string]any
				_ = json.Unmarshal(rec.Body.Bytes(), &g)
				if rec.Code != 201 {
					ids[i] = fmt.Sprintf("status %d: %s", rec.Code, rec.Body)
					return
				}
				ids[i], _ = g["id"].(string)
			}()
		}
		wg.Wait()
		sort.Strings(ids)
		if got := strings.Join(ids, ","); got != "d013,d014,d015,d016,d017,d018" {
			t.Errorf("concurrent creates: %s, want d013 .. d018", got)
		}
	})

	t.Run("defaults on create, empty strings", func(t *testing.T) {
		// No custom attributes at all: the Java example's defaults. The userName sent is
		// ignored; the answer carries the computed one.
		u := mustCall(t, tg, 201, "POST", "/Users", map[string]any{
			"schemas":  []any{"urn:scim:schemas:core:1.0"},
			"userName": "jane.doe@example.com",
			"name":     map[string]any{"givenName": "Jane", "familyName": "Doe"},
			"emails":   []any{map[string]any{"value": "jane.doe@example.com", "type": "primary", "primary": true}},
		})
		id := u["id"].(string)
		if id != "13001" {
			t.Errorf("new employee id %s, want 13001 (AUTO_INCREMENT after the seed)", id)
		}
		if u["userName"] != "DoeJane@mysql-db.org" || jsonOf(u["emails"]) != `[{"primary":true,"type":"work","value":"DoeJane@mysql-db.org"}]` {
			t.Errorf("computed userName/emails: %v %s", u["userName"], jsonOf(u["emails"]))
		}
		if got := readEmployee(t, db, id); got != (empRow{"Jane", "Doe", "M", "1972-05-12", "2012-10-01"}) {
			t.Errorf("employee without custom attributes: %+v, want the defaults M, 1972-05-12, 2012-10-01", got)
		}
		if got := filterIDs(t, tg, `userName eq "DoeJane@mysql-db.org"`); got != id {
			t.Errorf("the new employee by its userName: [%s]", got)
		}

		// Okta sends "" for attributes unset in its profile: the defaults again.
		u = mustCall(t, tg, 201, "POST", "/Users", map[string]any{
			"userName": "x", "name": map[string]any{"givenName": "Empty", "familyName": "Strings"},
			empURN: map[string]any{"birth_date": "", "gender": "", "hire_date": ""},
		})
		id2 := u["id"].(string)
		if got := readEmployee(t, db, id2); got != (empRow{"Empty", "Strings", "M", "1972-05-12", "2012-10-01"}) {
			t.Errorf("employee created with empty strings: %+v, want the defaults", got)
		}

		// A profile push with values changes them; one with "" keeps what the row holds,
		// since every column is NOT NULL; one without the extension keeps everything.
		push := func(custom map[string]any, given string) map[string]any {
			doc := map[string]any{"id": id2, "userName": "ignored", "name": map[string]any{"givenName": given, "familyName": "Strings"}}
			if custom != nil {
				doc[empURN] = custom
			}
			return mustCall(t, tg, 200, "PUT", "/Users/"+id2, doc)
		}
		push(map[string]any{"birth_date": "1980-02-29", "gender": "F", "hire_date": "2020-01-15"}, "Empty")
		want := empRow{"Empty", "Strings", "F", "1980-02-29", "2020-01-15"}
		if got := readEmployee(t, db, id2); got != want {
			t.Errorf("after a profile push: %+v, want %+v", got, want)
		}
		got := push(map[string]any{"birth_date": "", "gender": "", "hire_date": ""}, "Renamed")
		want.First = "Renamed"
		if row := readEmployee(t, db, id2); row != want {
			t.Errorf("after a push of empty strings: %+v, want %+v", row, want)
		}
		if got["userName"] != "StringsRenamed@mysql-db.org" {
			t.Errorf("userName after the rename: %v", got["userName"])
		}
		push(nil, "Renamed")
		if row := readEmployee(t, db, id2); row != want {
			t.Errorf("after a push without the extension: %+v, want %+v", row, want)
		}
		// A value the ENUM cannot hold is the admin's to fix: a 400 that says which column.
		code, body := call(t, tg, "PUT", "/Users/"+id2, map[string]any{"userName": "x", empURN: map[string]any{"gender": "X"}})
		if detail, _ := body["detail"].(string); code != 400 || !strings.Contains(detail, "gender") {
			t.Errorf("gender X: %d %s", code, jsonOf(body))
		}
	})
}

// employeesIndexUse proves that the agent's lookups by userName and e-mail reach the
// (last_name, first_name) index: it takes the SELECT the engine ran (from its debug log),
// rebuilds the arguments of the lookup scimsql derives from the mapping's format, and asks
// MariaDB/MySQL to EXPLAIN it.
func employeesIndexUse(t *testing.T, tg conformance.Target, logs *sqlLog) {
	cases := []struct {
		filter string
		values []string // the compared values, in filter order
	}{
		{`userName eq "FacelloGeorgi@mysql-db.org"`, []string{"FacelloGeorgi@mysql-db.org"}},
		{`email eq "SimmelBezalel@mysql-db.org" OR email eq "BamfordParto@mysql-db.org"`, []string{"SimmelBezalel@mysql-db.org", "BamfordParto@mysql-db.org"}},
	}
	for _, c := range cases {
		filterIDs(t, tg, c.filter)
		rec, ok := logs.last("getUsers")
		if !ok {
			t.Fatalf("no getUsers statement logged")
		}
		var args []any
		for _, v := range c.values {
			args = append(args, eqArgs(v)...)
		}
		if len(args) != rec.args {
			t.Fatalf("rebuilt %d arguments, the engine bound %d: %s", len(args), rec.args, rec.sql)
		}
		if !strings.Contains(rec.sql, "`last_name` IN (?") {
			t.Fatalf("the statement does not compare the columns: %s", rec.sql)
		}
		plan := explainQuery(t, tg.DB, rec.sql, args)
		// The lookup reads the employees with one of the candidate last names (in this
		// seed of 3,000, about 70 for each value), not the table.
		if rows, _ := strconv.Atoi(plan["rows"]); plan["key"] != "employees_name" || plan["type"] != "range" || rows > 100*len(c.values) {
			t.Errorf("filter %s: EXPLAIN type %s key %s rows %s, want the employees_name index\nSQL: %s",
				c.filter, plan["type"], plan["key"], plan["rows"], rec.sql)
		}
		t.Logf("filter %s: EXPLAIN type %s key %s rows %s", c.filter, plan["type"], plan["key"], plan["rows"])
	}
	// Without the inverse, the same comparison reads every row: what the derived lookup saves.
	plan := explainQuery(t, tg.DB, "SELECT u.emp_no FROM employees u WHERE CONCAT(u.last_name, u.first_name, '@mysql-db.org') = ?", []any{"FacelloGeorgi@mysql-db.org"})
	t.Logf("without eq: EXPLAIN type %s key %s rows %s", plan["type"], plan["key"], plan["rows"])
}

// eqArgs are the arguments the derived lookup and the exact comparison bind for v: the
// last names of every cut of the local part into (last_name, first_name), then v itself.
func eqArgs(v string) []any {
	var out []any
	const domain = "@mysql-db.org"
	if len(v) >= len(domain) && strings.EqualFold(v[len(v)-len(domain):], domain) {
		local := v[:len(v)-len(domain)]
		for i := 0; i <= len(local); i++ {
			out = append(out, local[:i])
		}
	}
	return append(out, v)
}

// explainQuery runs EXPLAIN on query and returns its row for table u.
func explainQuery(t *testing.T, db *sql.DB, query string, args []any) map[string]string {
	t.Helper()
	rows, err := db.Query("EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN: %v\n%s", err, query)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, c := range cols {
			row[strings.ToLower(c)] = vals[i].String
		}
		if row["table"] == "u" {
			return row
		}
	}
	t.Fatalf("EXPLAIN has no row for table u: %s", query)
	return nil
}
