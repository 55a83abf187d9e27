package explain

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/mysql"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/dialects/sqlserver"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenMappings are the mappings whose every operation has SQL goldens on every dialect.
var goldenMappings = map[string]string{
	"quickstart": "../examples/quickstart/mapping.yaml",
	"postgres":   "../examples/postgres/mapping.yaml",
	"sqlserver":  "../examples/sqlserver/mapping.yaml",
	"employees":  "../examples/mysql-employees/mapping.yaml",
	"templated":  "../testdata/conformance/templated.yaml",
	"golden":     "../testdata/sql/mapping.yaml",
	"scoped":     "../testdata/conformance/scoped/mapping.yaml",
	"moodle":     "../examples/moodle/mapping.yaml",
	"wordpress":  "../examples/wordpress/mapping.yaml",
	"redmine":    "../examples/redmine/mapping.yaml",
	"states":     "../testdata/conformance/states/mapping.yaml",
	"entra":      "../examples/entra/mapping.yaml",
}

// target is one database the goldens pin: a dialect and, for MySQL's, which server.
type target struct {
	name   string
	d      dialects.Dialect
	server *dialects.Facts
}

var targets = []target{
	{"sqlite", sqlite.New(), nil},
	{"postgres", postgres.New(), nil},
	{"mysql", mysql.New(), nil}, // MySQL 8: no RETURNING
	{"mariadb", mysql.New(), mysql.MariaDBFacts()},
	{"sqlserver", sqlserver.New(), nil},
}

func loadMapping(t testing.TB, file string) *mappings.Mapping {
	t.Helper()
	m, err := mappings.LoadFile(file, mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

// explainAll runs every sample request of every mapped operation on the sample database.
func explainAll(t testing.TB, m *mappings.Mapping, tg target) []Result {
	t.Helper()
	var all []Result
	for _, op := range Mapped(m) {
		reqs, err := Requests(m, op, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), Config{Mapping: m, Dialect: tg.d, Server: tg.server}, reqs)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		all = append(all, res...)
	}
	return all
}

// TestGoldens runs every sample request of every example mapping against the sample
// database of every dialect and compares the statements with testdata/sql/explain. The
// requests go through the real handler and engine, so the goldens pin what each
// database really receives; this is how SQL Server, which cannot run here, is checked
// statement by statement.
func TestGoldens(t *testing.T) {
	for name, file := range goldenMappings {
		m := loadMapping(t, file)
		for _, tg := range targets {
			t.Run(name+"/"+tg.name, func(t *testing.T) {
				res := explainAll(t, m, tg)
				var out strings.Builder
				Format(&out, res)
				for _, r := range res {
					if r.Status >= 400 {
						t.Errorf("%s %s: %d %s", r.Method, r.Path, r.Status, r.Answer)
					}
				}
				golden := filepath.Join("..", "testdata", "sql", "explain", name+"."+tg.name+".txt")
				if *update {
					if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./explain -run TestGoldens -update)", err)
				}
				if out.String() != string(want) {
					t.Errorf("%s differs from the golden (run go test ./explain -run TestGoldens -update to accept)\n--- got\n%s", golden, out.String())
				}
			})
		}
	}
}

// Against a live database, explain names a user and a group that are there, runs the
// request for real and writes nothing: the transaction is rolled back.
func TestLiveNamesRowsAndWritesNothing(t *testing.T) {
	m := loadMapping(t, "../examples/quickstart/mapping.yaml")
	d := sqlite.New()
	db, err := d.Open(filepath.Join(t.TempDir(), "live.db"), dialects.Pool{MaxOpen: 2, MaxIdle: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range []string{"schema.sql", "seed.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range engine.SplitStatements(string(b)) {
			if _, err := db.Exec(st); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
	}
	ctx := context.Background()
	cfg := Config{Mapping: m, Dialect: d, DB: db}
	var first int
	if err := db.QueryRow("SELECT MIN(id) FROM users").Scan(&first); err != nil {
		t.Fatal(err)
	}
	if got := FirstID(ctx, cfg, mappings.OpUpdateUser); got != fmt.Sprint(first) {
		t.Fatalf("FirstID(updateUser) = %q, want %d", got, first)
	}
	gid := FirstID(ctx, cfg, mappings.OpDeleteGroup)
	if gid == "" {
		t.Fatal("no group named")
	}
	var groups, members int
	count := func() (int, int) {
		var g, m int
		db.QueryRow("SELECT COUNT(*) FROM groups").Scan(&g)
		db.QueryRow("SELECT COUNT(*) FROM group_members").Scan(&m)
		return g, m
	}
	groups, members = count()
	reqs, err := Requests(m, mappings.OpDeleteGroup, gid, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, cfg, reqs)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != 204 || len(res[0].Statements) < 2 {
		t.Fatalf("DELETE /Groups/%s: %d, %d statements", gid, res[0].Status, len(res[0].Statements))
	}
	if g, mm := count(); g != groups || mm != members {
		t.Fatalf("explain wrote: %d groups and %d memberships, before %d and %d", g, mm, groups, members)
	}
}
