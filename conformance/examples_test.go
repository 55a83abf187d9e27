package conformance_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
	"golang.org/x/crypto/bcrypt"
)

// The PostgreSQL example (examples/postgres) has a schema of its own shape: a UUID key made
// by scimsql, a CHAR(1) status, and custom attributes of every type. It must pass the
// whole suite with every capability on, and store what it is sent the way the schema says.

const pgExampleURN = "urn:okta:acme_hr:1.0:user:custom"

// postgresExample is a scimsql on examples/postgres, its schema loaded in a fresh
// PostgreSQL schema (search_path points there, so the example's plain table names land in it).
func postgresExample(t *testing.T) conformance.Target {
	t.Helper()
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	return target(t, d, dsn, root("examples", "postgres", "mapping.yaml"), root("examples", "postgres", "schema.sql"), allCapabilities)
}

func TestPostgresExample(t *testing.T) {
	conformance.Run(t, postgresExample(t))
}

// call sends one request through the handler, as the agent would, and decodes the answer.
func call(t *testing.T, tg conformance.Target, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, tg.Mapping.Server.BasePath+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	tg.Auth(req)
	rec := httptest.NewRecorder()
	tg.Handler.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		dec := json.NewDecoder(rec.Body)
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %v", method, path, err)
		}
	}
	return rec.Code, out
}

func mustCall(t *testing.T, tg conformance.Target, want int, method, path string, body any) map[string]any {
	t.Helper()
	code, out := call(t, tg, method, path, body)
	if code != want {
		b, _ := json.Marshal(out)
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, b)
	}
	return out
}

// accountRow is one row of accounts, read with SQL as the legacy app would.
type accountRow struct {
	Login, Status                           string
	WorkEmail, HomeEmail, Mobile            sql.NullString
	PasswordHash                            sql.NullString
	ModifiedAt                              time.Time
	Department                              sql.NullString
	IsContractor                            sql.NullBool
	EmployeeNumber                          sql.NullInt64
	HourlyRate                              sql.NullString // NUMERIC as text, exactly as stored
	PerformanceScore                        sql.NullFloat64
	HireDate                                sql.NullString // DATE as text
	LastReviewAt                            sql.NullTime
	Skills, Locations                       sql.NullString
	StatusType, RateType, ScoreType, IDType string
}

func readAccount(t *testing.T, db *sql.DB, id string) accountRow {
	t.Helper()
	var r accountRow
	err := db.QueryRow(`SELECT login, status, work_email, home_email, mobile, password_hash, modified_at,
		department, is_contractor, employee_number, hourly_rate::text, performance_score, hire_date::text,
		last_review_at, skills, locations,
		pg_typeof(status)::text, pg_typeof(hourly_rate)::text, pg_typeof(performance_score)::text, pg_typeof(account_id)::text
		FROM accounts WHERE account_id = $1`, id).Scan(
		&r.Login, &r.Status, &r.WorkEmail, &r.HomeEmail, &r.Mobile, &r.PasswordHash, &r.ModifiedAt,
		&r.Department, &r.IsContractor, &r.EmployeeNumber, &r.HourlyRate, &r.PerformanceScore, &r.HireDate,
		&r.LastReviewAt, &r.Skills, &r.Locations,
		&r.StatusType, &r.RateType, &r.ScoreType, &r.IDType)
	if err != nil {
		t.Fatalf("reading account %s: %v", id, err)
	}
	return r
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// jsonOf renders v for comparison: numbers as their JSON text, lists joined.
func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPostgresExampleStorage checks what a create and the lifecycle PUTs leave in the
// accounts table: the status letter, a bcrypt hash, modified_at, and typed custom columns.
func TestPostgresExampleStorage(t *testing.T) {
	tg := postgresExample(t)
	start := time.Now().Add(-2 * time.Second)
	password := "S3cret-Pass!"
	custom := map[string]any{
		"departmentName":   "Research",
		"isContractor":     true,
		"employeeNumber":   2042,
		"hourlyRate":       99.95,
		"performanceScore": 4.125,
		"hireDate":         "2024-04-15",
		"lastReviewAt":     "2024-05-01T12:34:56Z",
		"skills":           []any{"go", "sql"},
		"locations":        []any{"Berlin", "Remote"},
	}
	// A user as the agent pushes it: e-mail types primary/secondary (not the mapping's
	// work/home), the current password, and a read-only groups list.
	doc := map[string]any{
		"schemas":  []any{"urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0", pgExampleURN},
		"userName": "Erin.Evans@example.com",
		"name":     map[string]any{"givenName": "Erin", "familyName": "Evans"},
		"emails": []any{
			map[string]any{"value": "erin.evans@example.com", "type": "primary", "primary": true},
			map[string]any{"value": "erin@home.example.net", "type": "secondary", "primary": false},
		},
		"phoneNumbers": []any{map[string]any{"value": "+1 555 0199", "type": "mobile"}},
		"active":       true,
		"password":     password,
		"groups":       []any{},
		pgExampleURN:   custom,
	}
	created := mustCall(t, tg, 201, "POST", "/Users", doc)
	id, _ := created["id"].(string)
	if !uuidRE.MatchString(id) {
		t.Fatalf("id %q is not a UUID made by scimsql", id)
	}
	if _, ok := created["password"]; ok {
		t.Fatalf("the password is returned: %s", jsonOf(created))
	}
	// The response carries every custom attribute back with its JSON type.
	gotCustom, _ := created[pgExampleURN].(map[string]any)
	for k, want := range custom {
		if jsonOf(gotCustom[k]) != jsonOf(want) {
			t.Errorf("%s: sent %s, answered %s", k, jsonOf(want), jsonOf(gotCustom[k]))
		}
	}

	r := readAccount(t, tg.DB, id)
	if r.IDType != "uuid" {
		t.Errorf("account_id is %s, want uuid", r.IDType)
	}
	if r.Login != "Erin.Evans@example.com" {
		t.Errorf("login = %q", r.Login)
	}
	if r.StatusType != "character" || r.Status != "A" {
		t.Errorf("status = %q (%s), want 'A' in CHAR(1)", r.Status, r.StatusType)
	}
	if r.WorkEmail.String != "erin.evans@example.com" || r.HomeEmail.String != "erin@home.example.net" || r.Mobile.String != "+1 555 0199" {
		t.Errorf("work_email %q home_email %q mobile %q: the primary e-mail belongs in work_email", r.WorkEmail.String, r.HomeEmail.String, r.Mobile.String)
	}
	if !r.PasswordHash.Valid || !strings.HasPrefix(r.PasswordHash.String, "$2") || strings.Contains(r.PasswordHash.String, password) {
		t.Errorf("password_hash = %q, want a bcrypt hash", r.PasswordHash.String)
	} else if err := bcrypt.CompareHashAndPassword([]byte(r.PasswordHash.String), []byte(password)); err != nil {
		t.Errorf("password_hash does not verify the password: %v", err)
	}
	if r.ModifiedAt.Before(start) || r.ModifiedAt.After(time.Now().Add(2*time.Second)) {
		t.Errorf("modified_at = %v, want the time of the create", r.ModifiedAt)
	}
	if r.Department.String != "Research" {
		t.Errorf("department = %q", r.Department.String)
	}
	if !r.IsContractor.Valid || !r.IsContractor.Bool {
		t.Errorf("is_contractor = %v, want TRUE", r.IsContractor)
	}
	if r.EmployeeNumber.Int64 != 2042 {
		t.Errorf("employee_number = %v", r.EmployeeNumber)
	}
	if r.RateType != "numeric" || r.HourlyRate.String != "99.95" {
		t.Errorf("hourly_rate = %q (%s), want 99.95 in NUMERIC", r.HourlyRate.String, r.RateType)
	}
	if r.ScoreType != "double precision" || r.PerformanceScore.Float64 != 4.125 {
		t.Errorf("performance_score = %v (%s), want 4.125", r.PerformanceScore.Float64, r.ScoreType)
	}
	if r.HireDate.String != "2024-04-15" {
		t.Errorf("hire_date = %q", r.HireDate.String)
	}
	if !r.LastReviewAt.Valid || !r.LastReviewAt.Time.Equal(time.Date(2024, 5, 1, 12, 34, 56, 0, time.UTC)) {
		t.Errorf("last_review_at = %v", r.LastReviewAt)
	}
	if r.Skills.String != `["go","sql"]` {
		t.Errorf("skills = %q, want a JSON array", r.Skills.String)
	}
	if r.Locations.String != "Berlin,Remote" {
		t.Errorf("locations = %q, want comma-separated", r.Locations.String)
	}

	// Deactivate: the whole user again with active false. status becomes 'I', the
	// password (sent again, unchanged) keeps its hash, and modified_at moves on.
	time.Sleep(10 * time.Millisecond)
	doc["id"] = id
	doc["active"] = false
	got := mustCall(t, tg, 200, "PUT", "/Users/"+url.PathEscape(id), doc)
	if got["active"] != false {
		t.Errorf("PUT active=false answered active=%v", got["active"])
	}
	r2 := readAccount(t, tg.DB, id)
	if r2.Status != "I" {
		t.Errorf("after deactivation status = %q, want 'I'", r2.Status)
	}
	if r2.PasswordHash.String != r.PasswordHash.String {
		t.Errorf("a PUT with the same password rewrote password_hash")
	}
	if !r2.ModifiedAt.After(r.ModifiedAt) {
		t.Errorf("modified_at did not move on: %v then %v", r.ModifiedAt, r2.ModifiedAt)
	}
	// Reactivate, and change the password and two custom values.
	doc["active"] = true
	doc["password"] = "An0ther-Pass!"
	custom["hourlyRate"] = 101.5
	custom["skills"] = []any{"go", "sql", "okta"}
	mustCall(t, tg, 200, "PUT", "/Users/"+url.PathEscape(id), doc)
	r3 := readAccount(t, tg.DB, id)
	if r3.Status != "A" {
		t.Errorf("after reactivation status = %q, want 'A'", r3.Status)
	}
	if bcrypt.CompareHashAndPassword([]byte(r3.PasswordHash.String), []byte("An0ther-Pass!")) != nil {
		t.Errorf("the new password was not stored")
	}
	if r3.HourlyRate.String != "101.50" || r3.Skills.String != `["go","sql","okta"]` {
		t.Errorf("hourly_rate %q skills %q after the profile push", r3.HourlyRate.String, r3.Skills.String)
	}

	// A pending user (created inactive) is stored with 'I'; without the attribute
	// isContractor takes the mapping's default, false.
	pending := map[string]any{"userName": "pending.person@example.com", "active": false,
		pgExampleURN: map[string]any{"departmentName": "Research"}}
	p := mustCall(t, tg, 201, "POST", "/Users", pending)
	rp := readAccount(t, tg.DB, p["id"].(string))
	if rp.Status != "I" {
		t.Errorf("pending user status = %q, want 'I'", rp.Status)
	}
	if !rp.IsContractor.Valid || rp.IsContractor.Bool {
		t.Errorf("pending user is_contractor = %v, want the default FALSE", rp.IsContractor)
	}
	if rp.PasswordHash.Valid {
		t.Errorf("a user created without a password has password_hash %q", rp.PasswordHash.String)
	}
}

// Seeded ids (seed.sql).
const (
	aliceID = "6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0001"
	bobID   = "6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0002"
	carolID = "6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0003"
	daveID  = "6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0004"
)

// TestPostgresExampleSeed loads seed.sql and checks that the demo accounts and teams are
// served with the values the legacy columns hold.
func TestPostgresExampleSeed(t *testing.T) {
	tg := postgresExample(t)
	seed, err := os.ReadFile(root("examples", "postgres", "seed.sql"))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, tg.DB, engine.SplitStatements(string(seed)))

	alice := mustCall(t, tg, 200, "GET", "/Users/"+aliceID, nil)
	want := map[string]string{
		"id":           `"` + aliceID + `"`,
		"userName":     `"alice.anders"`,
		"name":         `{"familyName":"Anders","givenName":"Alice"}`,
		"emails":       `[{"primary":true,"type":"work","value":"alice.anders@example.com"},{"primary":false,"type":"home","value":"alice@home.example.net"}]`,
		"phoneNumbers": `[{"primary":true,"type":"mobile","value":"+1 555 0101"}]`,
		"active":       `true`,
		"meta":         `{"lastModified":"2024-01-01T00:00:00Z"}`,
		pgExampleURN: `{"departmentName":"Engineering","employeeNumber":1001,"hireDate":"2019-03-18","hourlyRate":87.5,` +
			`"isContractor":false,"lastReviewAt":"2024-02-01T09:30:00Z","locations":["Berlin","Remote"],` +
			`"performanceScore":4.25,"skills":["go","postgresql","kubernetes"]}`,
	}
	for k, w := range want {
		if got := jsonOf(alice[k]); got != w {
			t.Errorf("alice %s = %s, want %s", k, got, w)
		}
	}
	if _, ok := alice["password"]; ok {
		t.Errorf("the password is returned")
	}
	var hash string
	if err := tg.DB.QueryRow(`SELECT password_hash FROM accounts WHERE account_id = $1`, aliceID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte("Welcome-2024!")) != nil {
		t.Errorf("the seeded hash does not verify the demo password from seed.sql's comment")
	}

	// Dave's status is 'I'; Carol has NULLs and an empty JSON array.
	if dave := mustCall(t, tg, 200, "GET", "/Users/"+daveID, nil); dave["active"] != false {
		t.Errorf("dave (status 'I') active = %v", dave["active"])
	}
	carol := mustCall(t, tg, 200, "GET", "/Users/"+carolID, nil)
	cc, _ := carol[pgExampleURN].(map[string]any)
	for _, k := range []string{"hourlyRate", "performanceScore", "locations"} {
		if v, ok := cc[k]; ok {
			t.Errorf("carol %s = %s, want absent (NULL)", k, jsonOf(v))
		}
	}
	if carol["active"] != true || jsonOf(cc["skills"]) != `[]` {
		t.Errorf("carol: active %v skills %s", carol["active"], jsonOf(cc["skills"]))
	}
	bob := mustCall(t, tg, 200, "GET", "/Users/"+bobID, nil)
	if bc, _ := bob[pgExampleURN].(map[string]any); jsonOf(bc["hourlyRate"]) != "120" || jsonOf(bc["isContractor"]) != "true" || jsonOf(bc["locations"]) != `["London"]` {
		t.Errorf("bob: %s", jsonOf(bc))
	}

	// The lookups the agent makes, on the seeded values.
	ids := func(filter string) string {
		t.Helper()
		body := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(filter)+"&startIndex=1&count=100", nil)
		var out []string
		for _, r := range body["Resources"].([]any) {
			out = append(out, r.(map[string]any)["id"].(string))
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	for filter, want := range map[string]string{
		`userName eq "ALICE.ANDERS"`:                             aliceID,
		`email eq "bob.brown@example.com"`:                       bobID,
		`active eq false`:                                        daveID,
		`meta.lastModified gt "2024-01-02T12:00:00Z"`:            carolID + "," + daveID,
		pgExampleURN + `:departmentName eq "Engineering"`:        aliceID + "," + carolID,
		pgExampleURN + `:isContractor eq true`:                   bobID + "," + daveID,
		pgExampleURN + `:hourlyRate gt 80`:                       aliceID + "," + bobID,
		pgExampleURN + `:performanceScore le 3.5`:                bobID + "," + daveID,
		pgExampleURN + `:hireDate lt "2020-01-01"`:               aliceID + "," + daveID,
		pgExampleURN + `:lastReviewAt ge "2024-02-01T09:30:00Z"`: aliceID + "," + carolID,
		pgExampleURN + `:employeeNumber eq 1003`:                 carolID,
		`id eq "not-a-uuid"`:                                     "",
	} {
		if got := ids(filter); got != want {
			t.Errorf("filter %s: got %s, want %s", filter, got, want)
		}
	}

	// Teams: numbered 1001.. by the identity column, members from team_members.
	eng := mustCall(t, tg, 200, "GET", "/Groups/1001", nil)
	var members []string
	for _, m := range eng["members"].([]any) {
		members = append(members, m.(map[string]any)["value"].(string))
	}
	sort.Strings(members)
	if eng["displayName"] != "Engineering" || strings.Join(members, ",") != aliceID+","+carolID {
		t.Errorf("team 1001: %s", jsonOf(eng))
	}
	if d := jsonOf(eng["urn:okta:custom:group:1.0"]); d != `{"description":"Everyone who builds the product"}` {
		t.Errorf("team 1001 description: %s", d)
	}
	groups := mustCall(t, tg, 200, "GET", "/Groups?startIndex=1&count=100", nil)
	if n := fmt.Sprint(groups["totalResults"]); n != "3" {
		t.Errorf("%s teams, want 3", n)
	}
	// A new team continues the identity after the seeded ones.
	g := mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"displayName": "Support", "members": []any{map[string]any{"value": daveID}}})
	if g["id"] != "1004" {
		t.Errorf("new team id %v, want 1004", g["id"])
	}
	// Deleting a team removes its memberships (ON DELETE CASCADE) but not the accounts.
	mustCall(t, tg, 204, "DELETE", "/Groups/1001", nil)
	var n int
	if err := tg.DB.QueryRow(`SELECT COUNT(*) FROM team_members WHERE team_id = 1001`).Scan(&n); err != nil || n != 0 {
		t.Errorf("memberships of the deleted team: %d (%v)", n, err)
	}
	mustCall(t, tg, 200, "GET", "/Users/"+aliceID, nil)
}

// TestPostgresExampleRefusesBadValues: values the database cannot hold are a 400 that
// names the problem, never a 500 that blames the mapping, and nothing is written.
func TestPostgresExampleRefusesBadValues(t *testing.T) {
	tg := postgresExample(t)
	urn := "urn:okta:acme_hr:1.0:user:custom"
	cases := []struct {
		name   string
		custom map[string]any
		want   string
	}{
		{"separator inside a value", map[string]any{"locations": []any{"Berlin, Mitte", "Remote"}}, "locations"},
		{"integer out of the column's range", map[string]any{"employeeNumber": 3000000000}, "employeeNumber"},
		{"number too large for NUMERIC(10,2)", map[string]any{"hourlyRate": 1e12}, "numeric field overflow"},
		{"not a date", map[string]any{"hireDate": "someday"}, "hireDate"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			user := fmt.Sprintf("bad%d@example.com", i)
			body := map[string]any{"userName": user, "name": map[string]any{"givenName": "B", "familyName": "V"}, urn: c.custom}
			code, res := call(t, tg, "POST", "/Users", body)
			if code != 400 {
				t.Fatalf("POST: %d %v, want 400", code, res)
			}
			if detail, _ := res["detail"].(string); !strings.Contains(detail, c.want) {
				t.Errorf("detail %q does not mention %q", detail, c.want)
			}
			var n int
			if err := tg.DB.QueryRow("SELECT COUNT(*) FROM accounts WHERE login = $1", user).Scan(&n); err != nil || n != 0 {
				t.Errorf("a refused create left %d rows (%v)", n, err)
			}
		})
	}
}

// TestPostgresExampleGovernance: roles and entitlements for Okta Identity Governance, as
// read-only resource types and on each account, under SCIM 2.0.
func TestPostgresExampleGovernance(t *testing.T) {
	tg := postgresExample(t)
	seed, err := os.ReadFile(root("examples", "postgres", "seed.sql"))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, tg.DB, engine.SplitStatements(string(seed)))

	rts := mustCall(t, tg, 200, "GET", "/v2/ResourceTypes", nil)
	var names []string
	for _, r := range rts["Resources"].([]any) {
		names = append(names, r.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "User,Group,Role,Entitlement" {
		t.Fatalf("resource types: %v", names)
	}
	roles := mustCall(t, tg, 200, "GET", "/v2/Roles?startIndex=1&count=2", nil)
	if jsonOf(roles["totalResults"]) != "3" || len(roles["Resources"].([]any)) != 2 || jsonOf(roles["itemsPerPage"]) != "2" {
		t.Fatalf("/v2/Roles page 1: %s", jsonOf(roles))
	}
	next := mustCall(t, tg, 200, "GET", "/v2/Roles?startIndex=3&count=2", nil)
	if r := next["Resources"].([]any); len(r) != 1 || r[0].(map[string]any)["displayName"] != "Auditor" {
		t.Fatalf("/v2/Roles page 2: %s", jsonOf(next))
	}
	one := mustCall(t, tg, 200, "GET", "/v2/Roles/1", nil)
	if one["displayName"] != "Payroll Admin" || one["description"] != "Runs payroll" || one["schemas"].([]any)[0] != "urn:ietf:params:scim:schemas:core:2.0:Role" {
		t.Fatalf("/v2/Roles/1: %s", jsonOf(one))
	}
	found := mustCall(t, tg, 200, "GET", "/v2/Entitlements?filter="+url.QueryEscape(`displayName sw "change"`), nil)
	if r := found["Resources"].([]any); len(r) != 1 || r[0].(map[string]any)["id"] != "payroll.write" || r[0].(map[string]any)["type"] != "permission" {
		t.Fatalf("entitlement filter: %s", jsonOf(found))
	}
	mustCall(t, tg, 404, "GET", "/v2/Roles/99", nil)
	mustCall(t, tg, 404, "GET", "/v2/Roles/abc", nil)
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		mustCall(t, tg, 405, m, "/v2/Roles", map[string]any{"displayName": "x"})
	}
	alice := mustCall(t, tg, 200, "GET", "/v2/Users/6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0001", nil)
	if got := jsonOf(alice["roles"]); got != `[{"display":"Payroll Admin","value":"1"},{"display":"HR Viewer","value":"2"}]` {
		t.Errorf("alice's roles: %s", got)
	}
	if got := jsonOf(alice["entitlements"]); got != `[{"display":"Read payroll","value":"payroll.read"},{"display":"Change payroll","value":"payroll.write"}]` {
		t.Errorf("alice's entitlements: %s", got)
	}
	// In a list too, one query per page and kind, and an account without any has [].
	list := mustCall(t, tg, 200, "GET", "/v2/Users?startIndex=1&count=100", nil)
	counts := map[string]int{}
	for _, u := range list["Resources"].([]any) {
		m := u.(map[string]any)
		counts[m["userName"].(string)] = len(m["roles"].([]any))
	}
	if counts["alice.anders"] != 2 || counts["bob.brown"] != 1 {
		t.Errorf("roles per user in a list: %v", counts)
	}
	schemas := jsonOf(mustCall(t, tg, 200, "GET", "/v2/Schemas", nil))
	for _, want := range []string{`"id":"urn:ietf:params:scim:schemas:core:2.0:Role"`, `"id":"urn:okta:scim:schemas:core:1.0:Entitlement"`, `"name":"roles"`} {
		if !strings.Contains(schemas, want) {
			t.Errorf("/v2/Schemas lacks %s", want)
		}
	}
}
