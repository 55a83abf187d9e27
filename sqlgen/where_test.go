package sqlgen

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/mysql"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/dialects/sqlserver"
	"github.com/scimsql/scimsql/mappings"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenDialects are the dialects every golden covers, in file order.
var goldenDialects = []dialects.Dialect{sqlite.New(), postgres.New(), mysql.New(), sqlserver.New()}

func loadGoldenMapping(t *testing.T) *mappings.Mapping {
	t.Helper()
	m, err := mappings.LoadFile(filepath.Join("..", "testdata", "sql", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFilterGoldens compiles each filter in testdata/sql/filters on every dialect and
// compares the WHERE clause and its arguments (or the error) with the golden.
func TestFilterGoldens(t *testing.T) {
	m := loadGoldenMapping(t)
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "sql", "filters", "*.txt"))
	if len(files) == 0 {
		t.Fatal("no goldens")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := parseSections(string(raw))
			text := strings.TrimSpace(sections["filter"])
			var out strings.Builder
			fmt.Fprintf(&out, "-- filter\n%s\n", text)
			for _, d := range goldenDialects {
				e, err := New(m, d, Options{})
				if err != nil {
					t.Fatal(err)
				}
				b := NewBuilder(d)
				where, err := e.CompileFilter(b, e.Users, text)
				fmt.Fprintf(&out, "-- %s\n", d.Facts().Name)
				if err != nil {
					fmt.Fprintf(&out, "error: %v\n", err)
					continue
				}
				args, _ := json.Marshal(normalizeArgs(b.Args))
				fmt.Fprintf(&out, "WHERE %s\nargs: %s\n", where, args)
			}
			if *update {
				if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := out.String(); got != string(raw) {
				t.Errorf("golden mismatch (run go test ./engine -run TestFilterGoldens -update to accept)\n--- got\n%s--- want\n%s", got, raw)
			}
		})
	}
}

func normalizeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			out[i] = "time:" + t.Format(time.RFC3339Nano)
			continue
		}
		out[i] = a
	}
	return out
}

func parseSections(s string) map[string]string {
	out := map[string]string{}
	var cur string
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(line, "-- ") {
			cur = strings.TrimSpace(strings.TrimPrefix(line, "-- "))
			continue
		}
		out[cur] += line
	}
	return out
}

// A read expression that is a literal is answered without selecting it.
func TestLiteral(t *testing.T) {
	for _, c := range []struct {
		expr string
		want any
		ok   bool
	}{
		{"(1)", int64(1), true},
		{"( -3 )", int64(-3), true},
		{"('M')", "M", true},
		{"('')", "", true},
		{"('it''s')", nil, false}, // quoting: left to the database
		{"(1 + 1)", nil, false},
		{"(CONCAT(u.`a`, 'x'))", nil, false},
		{"(TRUE)", nil, false},
		{"(1.5)", nil, false},
		{"(u.\"active\")", nil, false},
	} {
		got, ok := literal(c.expr)
		if ok != c.ok || got != c.want {
			t.Errorf("literal(%q) = %#v, %v; want %#v, %v", c.expr, got, ok, c.want, c.ok)
		}
	}
}

// An operator an attribute's type cannot take is a 400 naming both, decided before any
// database sees it, so every database answers alike (PostgreSQL would refuse LIKE on a
// uuid with a 500, SQLite would compare the text).
func TestOperatorsTheTypeCannotTake(t *testing.T) {
	m, err := mappings.LoadFile(filepath.Join("..", "examples", "postgres", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	const urn = "urn:okta:acme_hr:1.0:user:custom:"
	for _, c := range []struct{ filter, names string }{
		{`id sw "6b"`, "id sw: ids are UUIDs"},
		{`id co "6b0c"`, "id co: ids are UUIDs"},
		{`id ew "00"`, "id ew: ids are UUIDs"},
		{`active gt true`, "active gt: booleans"},
		{`active co "t"`, "active co: booleans"},
		{urn + `isContractor lt false`, urn + "isContractor lt: booleans"},
		{urn + `employeeNumber co "10"`, urn + "employeeNumber co: numbers"},
		{urn + `hireDate sw "2019"`, urn + "hireDate sw: times"},
		{`meta.lastModified co "2024"`, "meta.lastModified co: times"},
	} {
		for _, d := range goldenDialects {
			e, err := New(m, d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.CompileFilter(NewBuilder(d), e.Users, c.filter)
			if !errors.Is(err, ErrInvalidFilter) || !strings.Contains(err.Error(), c.names) {
				t.Errorf("%s on %s: %v; want an invalid filter naming %q", c.filter, d.Facts().Name, err, c.names)
			}
		}
	}
	// What the types do take still compiles.
	e, _ := New(m, goldenDialects[0], Options{})
	for _, f := range []string{`id eq "6b0c4e1a-2f3d-4c5b-8a9e-0f1e2d3c4b5a"`, `id gt "6b0c4e1a-2f3d-4c5b-8a9e-0f1e2d3c4b5a"`, `active eq false`, urn + `employeeNumber ge 10`, `meta.lastModified gt "2024-01-01T00:00:00Z"`} {
		if _, err := e.CompileFilter(NewBuilder(e.d), e.Users, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// Comparisons that no index can serve are counted across the whole filter, per bound
// column, and a filter with more than server.limits.maxFilterScanTerms is refused.
func TestFilterScanBudget(t *testing.T) {
	m := loadGoldenMapping(t) // emails.work and emails.home: two columns
	for _, c := range []struct {
		filter string
		scans  int
	}{
		{`userName eq "a" or name.familyName eq "b" or meta.lastModified gt "2024-01-01T00:00:00Z"`, 0},
		{`userName sw "a"`, 1},
		{`userName ne "a"`, 1},
		{`emails co "x"`, 2},
		{`not (userName eq "a")`, 1},
		{`not (userName eq "a" or userName pr)`, 2},
		{`emails[type eq "work" and value ew ".org"]`, 2}, // type is known per column, not compared
		{`not (emails[type eq "work"])`, 0},
		{`userName co "a" and (name.givenName ew "b" or not (name.familyName eq "c"))`, 3},
	} {
		for _, limit := range []int{c.scans, c.scans - 1} {
			if limit < 0 {
				continue
			}
			mm := *m
			mm.Server.Limits.MaxFilterScanTerms = limit
			e, err := New(&mm, goldenDialects[0], Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.CompileFilter(NewBuilder(e.d), e.Users, c.filter)
			want := fmt.Sprintf("has %d comparisons that no index can serve", c.scans)
			switch {
			case limit == c.scans && err != nil:
				t.Errorf("%s within a limit of %d: %v", c.filter, limit, err)
			case limit < c.scans && (!errors.Is(err, ErrInvalidFilter) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "maxFilterScanTerms")):
				t.Errorf("%s over a limit of %d: %v; want %q naming the limit", c.filter, limit, err, want)
			}
		}
	}
}

// Entra asks whether a user is a member of a group with a filter on the group: members
// eq, members.value eq and members[value eq ...] are one indexed look-up of that
// membership row (current ones only); an id no user can have matches nothing.
func TestGroupMemberFilters(t *testing.T) {
	m := loadGoldenMapping(t)
	e, err := New(m, postgres.New(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ filter, want, args string }{
		{`id eq "7" and members eq "42"`, `(g."id" = $1 AND EXISTS (SELECT 1 FROM "members" m WHERE m."group_id" = g."id" AND m."user_id" = $2))`, `[7,42]`},
		{`members.value eq "42"`, `EXISTS (SELECT 1 FROM "members" m WHERE m."group_id" = g."id" AND m."user_id" = $1)`, `[42]`},
		{`members[value eq "42" or value eq "43"]`, `(EXISTS (SELECT 1 FROM "members" m WHERE m."group_id" = g."id" AND m."user_id" = $1) OR EXISTS (SELECT 1 FROM "members" m WHERE m."group_id" = g."id" AND m."user_id" = $2))`, `[42,43]`},
		{`members ne "42"`, `NOT EXISTS (SELECT 1 FROM "members" m WHERE m."group_id" = g."id" AND m."user_id" = $1)`, `[42]`},
		{`members eq "not-a-number"`, `TRUE = FALSE`, `[]`},
	} {
		b := NewBuilder(e.Dialect())
		got, err := e.CompileFilter(b, e.Groups, c.filter)
		if err != nil {
			t.Errorf("%s: %v", c.filter, err)
			continue
		}
		args, _ := json.Marshal(normalizeArgs(b.Args))
		if got != c.want || string(args) != c.args {
			t.Errorf("%s:\n got %s %s\nwant %s %s", c.filter, got, args, c.want, c.args)
		}
	}
	for _, f := range []string{`members co "4"`, `members[display eq "x"]`, `members eq true`} {
		if _, err := e.CompileFilter(NewBuilder(e.Dialect()), e.Groups, f); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("%s: %v, want an invalid filter", f, err)
		}
	}
}
