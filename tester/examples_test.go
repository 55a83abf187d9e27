package tester_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/mysql"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/tester"
)

// The employees example (Okta's example-mysql-server as a mapping) on MariaDB/MySQL, seeded
// with 3,000 employees: the tester's methods with the employees data files, then the flow
// check, which must find exactly the five capabilities the Java example declared working
// and nothing broken.
func TestEmployeesExample(t *testing.T) {
	d := conformance.MySQL()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	db := conformance.Open(t, d, dsn)
	for _, f := range []string{"schema.sql", "seed.sql"} {
		b, err := os.ReadFile(root("examples", "mysql-employees", f))
		if err != nil {
			t.Fatal(err)
		}
		conformance.Exec(t, db, engine.SplitStatements(string(b)))
	}
	c := okta(t, serve(t, root("examples", "mysql-employees", "mapping.yaml"), dsn))
	runSteps(t, c, "employees", []step{
		{method: "getImplementedUserManagementCapabilities", ok: true, output: "Capabilities found - 5"},
		{method: "checkUserExists", args: map[string]string{"userIdFieldName": "userName", "userIdFieldValue": "LovelaceAda@mysql-db.org"}, expect: &no, ok: true},
		{method: "createNewUser", file: "createNewUser.json", ok: true, id: "13001", output: `"userName": "LovelaceAda@mysql-db.org"`},
		// No custom attributes sent: the Java example's defaults are stored.
		{method: "importUserProfile", args: map[string]string{"id": "13001"}, ok: true, output: `"birth_date": "1972-05-12"`},
		{method: "createNewUser", file: "createNewUserWithCustomExtension.json", ok: true, id: "13002", output: `"hire_date": "2021-09-01"`},
		{method: "checkUserExists", args: map[string]string{"userIdFieldName": "userName", "userIdFieldValue": "HopperGrace@mysql-db.org"}, ok: true, id: "13002"},
		{method: "checkUserExists", args: map[string]string{"userIdFieldName": "email", "userIdFieldValue": "FacelloGeorgi@mysql-db.org", "userIdFieldName2": "email", "userIdFieldValue2": "nobody@mysql-db.org"}, ok: true, id: "10001"},
		{method: "downloadUsers", ok: true, count: 3002, output: "3002 Users returned."},
		{method: "importUserProfile", args: map[string]string{"id": "10001"}, ok: true, output: `"userName": "FacelloGeorgi@mysql-db.org"`},
		// A profile push that changes the family name changes the computed userName.
		{method: "pushProfileUpdate", file: "pushProfileUpdate.json", ok: true, output: `"userName": "TaylorGeorgi@mysql-db.org"`},
		{method: "downloadGroups", ok: true, count: 9, output: "9 Groups returned."},
		{method: "getGroupById", args: map[string]string{"id": "d005"}, ok: true, output: "Development"},
		{method: "createGroup", file: "createGroup.json", ok: true, id: "d010", output: "Okta will use the ID d010"},
		{method: "createGroup", file: "createGroup.json", ok: false, output: "Duplicate group found"},
		{method: "updateGroup", file: "updateGroup.json", ok: true, output: "Platform Engineering Team"},
		{method: "getGroupById", args: map[string]string{"id": "d010"}, ok: true, output: "has 1 member(s)"},
		{method: "deleteGroup", args: map[string]string{"id": "d010"}, ok: true},
		// Not declared: as with Okta's tester the PUT succeeds (any non-error answer), with
		// a warning that the answer does not show the user inactive.
		{method: "deactivateUser", file: "deactivateUser.json", ok: true, output: "warning: the answer says active:true after deactivateUser"},
	})

	declared := map[string]bool{"GROUP_PUSH": true, "IMPORT_NEW_USERS": true, "IMPORT_PROFILE_UPDATES": true, "PUSH_NEW_USERS": true, "PUSH_PROFILE_UPDATES": true}
	for _, cl := range []*tester.Client{c, okta(t, c.BaseURL()+"v2/")} {
		rep := cl.Check(context.Background(), tester.Options{})
		report(t, rep)
		for _, name := range tester.AllCapabilities {
			c := rep.Check(name)
			want := tester.NotDeclared
			if declared[name] {
				want = tester.Working
			}
			if c.Status != want || c.Declared != declared[name] {
				t.Errorf("%s %s: %s (declared %v), want %s: %s", rep.Version, name, c.Status, c.Declared, want, c.Summary)
			}
		}
		if rep.ExitCode() != 0 {
			t.Fatalf("%s: exit %d", rep.Version, rep.ExitCode())
		}
		// No deactivation: the test users stay, and the report says which.
		if len(rep.Left) == 0 {
			t.Errorf("%s: the report does not say that the test users remain", rep.Version)
		}
	}

	// With -probe-undeclared the write flows run too: the example cannot store active or
	// a password, so they are not working, which is right, and not broken.
	rep := c.Check(context.Background(), tester.Options{ProbeUndeclared: true})
	report(t, rep)
	for _, name := range []string{"PUSH_USER_DEACTIVATION", "REACTIVATE_USERS", "PUSH_PENDING_USERS"} {
		if c := rep.Check(name); c.Status != tester.NotDeclared || !c.Probed {
			t.Errorf("%s probed: %s (%s)", name, c.Status, c.Summary)
		}
	}
	if rep.ExitCode() != 0 {
		t.Fatalf("probing undeclared capabilities broke the run")
	}
}

// The PostgreSQL example maps every operation: all ten capabilities work.
func TestPostgresExample(t *testing.T) {
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	db := conformance.Open(t, d, dsn)
	for _, f := range []string{"schema.sql", "seed.sql"} {
		b, err := os.ReadFile(root("examples", "postgres", f))
		if err != nil {
			t.Fatal(err)
		}
		conformance.Exec(t, db, engine.SplitStatements(string(b)))
	}
	base := serve(t, root("examples", "postgres", "mapping.yaml"), dsn)
	for _, url := range []string{base, base + "v2/"} {
		c := okta(t, url)
		if c.Version() == tester.V2 && !c.Capabilities(context.Background()).Found {
			t.Logf("no SCIM 2.0 under /v2/ yet")
			continue
		}
		rep := c.Check(context.Background(), tester.Options{})
		report(t, rep)
		for _, name := range tester.AllCapabilities {
			if c := rep.Check(name); c.Status != tester.Working {
				t.Errorf("%s %s: %s (%s)", rep.Version, name, c.Status, c.Summary)
			}
		}
		if rep.ExitCode() != 0 || len(rep.Left) != 0 {
			t.Errorf("%s: exit %d, left %v", rep.Version, rep.ExitCode(), rep.Left)
		}
	}
}

// mappingOn copies a SQLite mapping, for driver and without its init scripts, into a
// temporary directory.
func mappingOn(t *testing.T, mapping, driver string) string {
	t.Helper()
	b, err := os.ReadFile(mapping)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	skip := false
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "init:"):
			skip = !strings.Contains(trimmed, "{") // a block: drop its lines too
			continue
		case skip && (strings.HasPrefix(line, "    ") || trimmed == ""):
			continue
		}
		skip = false
		line = strings.Replace(line, "driver: sqlite", "driver: "+driver, 1)
		out = append(out, line)
	}
	p := filepath.Join(t.TempDir(), "mapping.yaml")
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The quickstart and the all-templates mapping on every database CI runs: the flow
// check finds all ten capabilities working, in SCIM 1.1 and 2.0.
func TestQuickstartEveryDatabase(t *testing.T) {
	type db struct {
		driver, schema string
		dialect        func() dialects.Dialect
		dsn            func(t *testing.T) string
	}
	dbs := []db{
		{"postgres", "schema.postgres.sql", postgres.New, func(t *testing.T) string {
			return conformance.PostgresSchema(t, postgres.New(), conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
		}},
		{"mysql", "schema.mysql.sql", mysql.New, func(t *testing.T) string {
			return conformance.MySQLDatabase(t, conformance.MySQL(), conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
		}},
	}
	for _, d := range dbs {
		for _, m := range []string{root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "templated.yaml")} {
			t.Run(d.driver+"/"+filepath.Base(m), func(t *testing.T) {
				dsn := d.dsn(t)
				conn := conformance.Open(t, d.dialect(), dsn)
				b, err := os.ReadFile(root("testdata", "conformance", d.schema))
				if err != nil {
					t.Fatal(err)
				}
				conformance.Exec(t, conn, engine.SplitStatements(string(b)))
				base := serve(t, mappingOn(t, m, d.driver), dsn)
				for _, url := range []string{base, base + "v2/"} {
					rep := okta(t, url).Check(context.Background(), tester.Options{})
					report(t, rep)
					for _, name := range tester.AllCapabilities {
						if c := rep.Check(name); c.Status != tester.Working {
							t.Errorf("%s %s: %s (%s)", rep.Version, name, c.Status, c.Summary)
						}
					}
				}
			})
		}
	}
}
