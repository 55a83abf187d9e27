package conformance_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/draft"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/explain"
	"github.com/scimsql/scimsql/tester"
)

var updateDrafts = flag.Bool("update-drafts", false, "rewrite testdata/init's drafted mappings")

// scimsql init on the examples' own databases: the draft it writes (compared with the
// golden in testdata/init) validates, and, served, imports every user with the userName,
// e-mail and names the example's hand-written mapping answers, and every group with the
// same members; the agent's flows pass on it with the capabilities it declares.
type initCase struct {
	name, example string
	schema, seed  string   // files under examples/<example>, or a path from the root
	caps          []string // what the draft should declare
	userName      string   // -username, where the application makes logins init cannot see
	// noSuite skips the conformance suite, whose names do not fit the schema's columns
	// (employees' first_name is 14 characters); the flow check still runs.
	noSuite bool
}

func TestInitSQLite(t *testing.T) {
	for _, c := range []initCase{
		{"quickstart", "quickstart", "schema.sql", "seed.sql", allCapabilities, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			n := 0
			initCheck(t, sqlite.New(), c, func() string { n++; return filepath.Join(dir, fmt.Sprintf("db%d.db", n)) })
		})
	}
}

func TestInitPostgres(t *testing.T) {
	d := postgres.New()
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	for _, c := range []initCase{
		{"postgres", "postgres", "schema.sql", "seed.sql", allCapabilities, "", false},
		{"redmine", "redmine", "schema.sql", "seed.sql", allCapabilities, "", false},
		{"moodle", "moodle", "schema.sql", "seed.sql", allCapabilities, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			initCheck(t, d, c, func() string { return conformance.PostgresSchema(t, d, base) })
		})
	}
}

func TestInitMySQL(t *testing.T) {
	d := conformance.MySQL()
	base := conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")
	for _, c := range []initCase{
		{"wordpress", "wordpress", "schema.sql", "seed.sql", []string{"IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_PROFILE_UPDATES"}, "", false},
		// The employees' logins are made of their names, which only the admin knows: -username.
		// Departments have four-character ids only the application numbers: imported, not pushed.
		{"employees", "mysql-employees", "schema.sql", "seed.sql", []string{"IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"}, "{last_name}{first_name}@mysql-db.org", true},
		// A forum's shape (testdata/init/forum): binary collations, a unique normalised login
		// beside the login, Unix registration times, a required role reference, a built-in
		// anonymous account.
		{"forum", "../testdata/init/forum", "schema.sql", "seed.sql", []string{"GROUP_PUSH", "IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_PROFILE_UPDATES"}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			initCheck(t, d, c, func() string { return conformance.MySQLDatabase(t, d, base) })
		})
	}
}

func initCheck(t *testing.T, d dialects.Dialect, c initCase, fresh func() string) {
	ex := func(f string) string { return root("examples", c.example, f) }
	// The example's database, seeded, served by its own mapping: the answers to match.
	dsn := fresh()
	want := target(t, d, dsn, ex("mapping.yaml"), ex(c.schema), nil)
	seed, err := os.ReadFile(ex(c.seed))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, want.DB, engine.SplitStatements(string(seed)))
	dr, err := draft.Build(context.Background(), d, want.DB, draft.Options{Driver: d.Facts().Name, DSN: c.example + ".db", App: want.Mapping.App.Name, UserName: c.userName})
	if err != nil {
		t.Fatal(err)
	}
	text := dr.YAML()
	golden := root("testdata", "init", c.name+"."+d.Facts().Name+".yaml")
	if *updateDrafts {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if g, err := os.ReadFile(golden); err != nil || string(g) != text {
		t.Errorf("the draft differs from %s (go test ./conformance -run TestInit -update-drafts to accept):\n%s", golden, text)
	}
	file := filepath.Join(t.TempDir(), "mapping.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	got := target(t, d, dsn, file, "", nil)
	// It validates against the database, as init's own check does.
	e, err := engine.New(got.Mapping, d, got.DB, engine.Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := checkDB(e); err != nil || problems != "[]" {
		t.Errorf("validate on the draft: %s %v", problems, err)
	}
	var caps []string
	for _, cp := range e.Capabilities() {
		if cp.On {
			caps = append(caps, cp.Name)
		}
	}
	slices.Sort(caps)
	if !reflect.DeepEqual(caps, c.caps) {
		t.Errorf("the draft declares %v, want %v", caps, c.caps)
	}
	// The import: every user's userName, e-mail and names; every group's members.
	if w, g := importedUsers(t, want), importedUsers(t, got); !reflect.DeepEqual(w, g) {
		t.Errorf("users imported through the draft differ from the example's:\nexample: %v\ndraft:   %v", w, g)
	}
	if want.Mapping.Groups != nil {
		if w, g := importedGroups(t, want), importedGroups(t, got); !reflect.DeepEqual(w, g) {
			t.Errorf("groups imported through the draft differ from the example's:\nexample: %v\ndraft:   %v", w, g)
		}
	}
	// scimsql test's flow check on the seeded database, as an admin runs it after init:
	// every capability the draft declares works, on SCIM 1.1 and 2.0.
	t.Run("flow check", func(t *testing.T) {
		srv := httptest.NewServer(got.Handler)
		t.Cleanup(srv.Close)
		for _, base := range []string{srv.URL + "/", srv.URL + "/v2/"} {
			cl, err := tester.NewClient(tester.Config{BaseURL: base, Header: http.Header{"Authorization": {"Basic b2t0YTpva3Rh"}}})
			if err != nil {
				t.Fatal(err)
			}
			rep := cl.Check(context.Background(), tester.Options{})
			for _, name := range tester.AllCapabilities {
				ck := rep.Check(name)
				if declared := slices.Contains(c.caps, name); ck.Declared != declared || declared && ck.Status != tester.Working {
					t.Errorf("%s %s: %s (declared %v): %s", rep.Version, name, ck.Status, ck.Declared, ck.Summary)
				}
			}
			if rep.ExitCode() != 0 {
				t.Errorf("%s: the flow check exits %d", rep.Version, rep.ExitCode())
			}
		}
	})
	if c.noSuite {
		return
	}
	// The agent's flows on a fresh database served by the draft.
	t.Run("agent flows", func(t *testing.T) {
		conformance.Run(t, target(t, d, fresh(), file, ex(c.schema), c.caps))
	})
}

func checkDB(e *engine.Engine) (string, error) {
	problems, err := explain.Check(context.Background(), e)
	return fmt.Sprint(problems), err
}

// importedUsers is every user as "userName|work e-mail|given|family", by id.
func importedUsers(t *testing.T, tg conformance.Target) map[string]string {
	out := map[string]string{}
	page := mustCall(t, tg, 200, "GET", "/Users?startIndex=1&count=1000", nil)
	rs, _ := page["Resources"].([]any)
	for _, r := range rs {
		u := r.(map[string]any)
		name, _ := u["name"].(map[string]any)
		mail := ""
		if es, _ := u["emails"].([]any); len(es) > 0 {
			for _, e := range es {
				if em := e.(map[string]any); em["primary"] == true || mail == "" {
					mail = fmt.Sprint(em["value"])
				}
			}
		}
		out[fmt.Sprint(u["id"])] = fmt.Sprintf("%v|%s|%v|%v", u["userName"], mail, name["givenName"], name["familyName"])
	}
	if len(out) == 0 {
		t.Fatal("no users imported")
	}
	return out
}

// importedGroups is every group as "displayName: member ids", by id.
func importedGroups(t *testing.T, tg conformance.Target) map[string]string {
	out := map[string]string{}
	page := mustCall(t, tg, 200, "GET", "/Groups?startIndex=1&count=1000", nil)
	rs, _ := page["Resources"].([]any)
	for _, r := range rs {
		g := r.(map[string]any)
		id := fmt.Sprint(g["id"])
		full := mustCall(t, tg, 200, "GET", "/Groups/"+id, nil)
		var ms []string
		if list, _ := full["members"].([]any); list != nil {
			for _, m := range list {
				ms = append(ms, fmt.Sprint(m.(map[string]any)["value"]))
			}
		}
		slices.Sort(ms)
		out[id] = fmt.Sprintf("%v: %s", g["displayName"], strings.Join(ms, ","))
	}
	return out
}
