package sqlgen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sqlWords are the words of SQL statement text, in the upper case scimsql writes them.
var sqlWords = regexp.MustCompile(`\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|FROM|WHERE|JOIN|ORDER BY|GROUP BY|RETURNING|VALUES|FETCH NEXT|FOR UPDATE)\b`)

// notHere are the places allowed to hold SQL text besides this package: each dialect's
// own probes and privilege queries, and the benchmark's data generator and hand-written
// connector, which are measured against scimsql and must not share its code.
var notHere = []string{"sqlgen/", "dialects/", "internal/bench/"}

// TestSQLIsWrittenOnlyHere fails when a string literal that reads like SQL appears in a
// non-test Go file anywhere else in the module: every statement the server runs is
// built here, so that quoting, binding and the dialects' differences live in one place.
func TestSQLIsWrittenOnlyHere(t *testing.T) {
	root := ".."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		for _, p := range notHere {
			if strings.HasPrefix(rel, p) {
				return nil
			}
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if w := sqlWords.FindString(s); w != "" {
				t.Errorf("%s: %q holds SQL (%s); build it in package sqlgen", fset.Position(lit.Pos()), s, w)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The words find what this package writes (and prose that names OFFSET or LIMIT passes).
	for _, q := range []string{"SELECT COUNT(*) FROM ", " WHERE ", "INSERT INTO ", " RETURNING ", "DELETE FROM ", "UPDATE "} {
		if !sqlWords.MatchString(q) {
			t.Errorf("%q is not recognised as SQL", q)
		}
	}
	if checked < 50 {
		t.Fatalf("only %d files checked: has the walk lost the module?", checked)
	}
}

// This package writes SQL and runs none: it never imports database/sql.
func TestRunsNothing(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, "database/sql") {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
