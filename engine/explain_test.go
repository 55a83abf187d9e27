package engine

import (
	"encoding/json"
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
	"github.com/scimsql/scimsql/mappings"
)

var allDialects = []dialects.Dialect{sqlite.New(), postgres.New(), mysql.New(), sqlserver.New()}

// explainMappings are the mappings whose every operation has SQL goldens on every dialect.
var explainMappings = map[string]string{
	"quickstart": "../examples/quickstart/mapping.yaml",
	"postgres":   "../examples/postgres/mapping.yaml",
	"sqlserver":  "../examples/sqlserver/mapping.yaml",
	"employees":  "../examples/mysql-employees/mapping.yaml",
	"templated":  "../testdata/conformance/templated.yaml",
	"golden":     "../testdata/sql/mapping.yaml",
}

// TestExplainGoldens renders every operation of every example mapping on every dialect
// and compares the SQL and arguments with testdata/sql/explain. This is how SQL Server,
// which cannot run here, is checked statement by statement.
func TestExplainGoldens(t *testing.T) {
	for name, file := range explainMappings {
		if _, err := os.Stat(file); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := mappings.LoadFile(file, mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, d := range allDialects {
			t.Run(name+"/"+d.Facts().Name, func(t *testing.T) {
				e, err := New(m, d, nil, Options{BcryptCost: 4})
				if err != nil {
					t.Fatal(err)
				}
				plans, err := e.ForExplain().Explain()
				if err != nil {
					t.Fatal(err)
				}
				var out strings.Builder
				for _, p := range plans {
					fmt.Fprintf(&out, "# %s (%s)\n", p.Op, p.How)
					for _, s := range p.Statements {
						var args strings.Builder
						enc := json.NewEncoder(&args)
						enc.SetEscapeHTML(false)
						_ = enc.Encode(s.Args)
						fmt.Fprintf(&out, "-- %s\n%s\nargs: %s", s.Purpose, s.SQL, args.String())
					}
					out.WriteString("\n")
				}
				// Template sources name their file; keep the goldens independent of where the
				// repository is checked out.
				repo, _ := filepath.Abs("..")
				text := strings.ReplaceAll(out.String(), repo+string(filepath.Separator), "")
				out.Reset()
				out.WriteString(text)
				golden := filepath.Join("..", "testdata", "sql", "explain", name+"."+d.Facts().Name+".txt")
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./engine -run TestExplainGoldens -update)", err)
				}
				if out.String() != string(want) {
					t.Errorf("%s differs from the golden (run go test ./engine -run TestExplainGoldens -update to accept)\n--- got\n%s", golden, out.String())
				}
			})
		}
	}
}
