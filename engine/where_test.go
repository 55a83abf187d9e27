package engine

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/mappings"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenDialects are the dialects every golden covers, in file order.
var goldenDialects = allDialects

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
				e, err := New(m, d, nil, Options{})
				if err != nil {
					t.Fatal(err)
				}
				b := newSQL(d)
				where, err := e.compileFilter(b, e.users, text)
				fmt.Fprintf(&out, "-- %s\n", d.Facts().Name)
				if err != nil {
					fmt.Fprintf(&out, "error: %v\n", err)
					continue
				}
				args, _ := json.Marshal(normalizeArgs(b.args))
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
