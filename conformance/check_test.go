package conformance_test

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/scimsql/scimsql/dialects"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/explain"
	"github.com/scimsql/scimsql/mappings"
)

// TestCheckDatabase runs validate's database check on the PostgreSQL example: clean on
// its own schema, then each kind of drift a DBA can cause, all reported at once.
func TestCheckDatabase(t *testing.T) {
	d := postgres.New()
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	dsn := conformance.PostgresSchema(t, d, base)
	db := conformance.Open(t, d, dsn)
	script, err := os.ReadFile(root("examples", "postgres", "schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, db, engine.SplitStatements(string(script)))
	m, err := mappings.LoadFile(root("examples", "postgres", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	check := func(dsn string) []string { t.Helper(); return checkProblems(t, m, d, dsn) }
	if got := check(dsn); len(got) != 0 {
		t.Fatalf("the example's own schema has problems:\n%s", strings.Join(got, "\n"))
	}

	// A role that may only read: the write operations' privileges are missing.
	got := strings.Join(check(readOnlyRole(t, db, dsn)), "\n")
	for _, want := range []string{
		"lacks INSERT (for createUser), UPDATE (for updateUser) on accounts",
		"lacks DELETE (for updateGroup), INSERT (for createGroup) on team_members",
		"lacks DELETE (for deleteGroup), INSERT (for createGroup), UPDATE (for updateGroup) on teams",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("read-only role: want %q in\n%s", want, got)
		}
	}

	// Drift: a dropped column and a retyped one, each reported at its binding.
	conformance.Exec(t, db, []string{
		"ALTER TABLE accounts DROP COLUMN mobile",
		"ALTER TABLE accounts ALTER COLUMN employee_number TYPE TEXT",
	})
	got = strings.Join(check(dsn), "\n")
	for _, want := range []string{
		"mapping.yaml:", "phoneNumbers.mobile: column accounts.mobile:", `column "mobile" does not exist`,
		"employeeNumber: column accounts.employee_number is TEXT, which cannot hold an integer",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("drift: want %q in\n%s", want, got)
		}
	}
	// A table that is gone is reported where the mapping names it, with line and column.
	conformance.Exec(t, db, []string{"DROP TABLE team_members"})
	got = strings.Join(check(dsn), "\n")
	if !regexp.MustCompile(`mapping\.yaml:\d+:\d+: groups\.members\.(group|user): table team_members: `).MatchString(got) {
		t.Errorf("dropped table: want it at its file:line:col in\n%s", got)
	}
}

// checkProblems is what validate reports for mapping m on the database at dsn.
func checkProblems(t *testing.T, m *mappings.Mapping, d dialects.Dialect, dsn string) []string {
	t.Helper()
	cdb := conformance.Open(t, d, dsn)
	e, err := engine.New(m, d, cdb, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []string
	problems, err := explain.Check(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		out = append(out, p.String())
	}
	return out
}

// readOnlyRole makes a PostgreSQL role that may only read the tables of dsn's schema and
// returns the DSN that logs in as it.
func readOnlyRole(t *testing.T, db *sql.DB, dsn string) string {
	t.Helper()
	role := fmt.Sprintf("scimsql_ro_%d", time.Now().UnixNano()%1e9)
	var schema string
	if err := db.QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, db, []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
	})
	t.Cleanup(func() {
		_, _ = db.Exec("DROP OWNED BY " + role)
		_, _ = db.Exec("DROP ROLE " + role)
	})
	roDSN := strings.Replace(dsn, "postgres://postgres@", "postgres://"+role+"@", 1)
	if roDSN == dsn {
		t.Skip("the test DSN does not name the postgres user; cannot log in as another role")
	}
	return roDSN
}

// examples/entra validates clean on its schema, and a role that may only read is told
// which writes it lacks: deleteUser's deletes, and the rows of the writable roles table.
func TestCheckEntraPrivileges(t *testing.T) {
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	db := conformance.Open(t, d, dsn)
	script, err := os.ReadFile(root("examples", "entra", "schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, db, engine.SplitStatements(string(script)))
	m, err := mappings.LoadFile(root("examples", "entra", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if got := checkProblems(t, m, d, dsn); len(got) != 0 {
		t.Fatalf("the example's own schema has problems:\n%s", strings.Join(got, "\n"))
	}
	got := strings.Join(checkProblems(t, m, d, readOnlyRole(t, db, dsn)), "\n")
	for _, want := range []string{
		"lacks DELETE (for deleteUser), INSERT (for createUser), UPDATE (for updateUser) on directory_users",
		"lacks DELETE (for createUser), INSERT (for createUser) on directory_user_roles",
		"lacks DELETE (for deleteUser), INSERT (for createGroup) on directory_group_members",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("read-only role: want %q in\n%s", want, got)
		}
	}
}

// On MariaDB the check runs too, and the privilege query reads root's global grants.
func TestCheckDatabaseMySQL(t *testing.T) {
	d := conformance.MySQL()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	tg := target(t, d, dsn, root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.mysql.sql"), allCapabilities)
	e, err := engine.New(tg.Mapping, d, tg.DB, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	check := func() []engine.Problem {
		got, err := explain.Check(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := check(); len(got) != 0 {
		t.Fatalf("problems on the quickstart's own schema: %v", got)
	}
	conformance.Exec(t, tg.DB, []string{"ALTER TABLE users CHANGE mobile phone VARCHAR(64)"})
	got := fmt.Sprint(check())
	if !strings.Contains(got, "phoneNumbers.mobile: column users.mobile") {
		t.Fatalf("a renamed column was not reported: %s", got)
	}
}
