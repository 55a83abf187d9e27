package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/engine"
)

// init writes a draft that validates, refuses to overwrite one, and keeps a DSN's
// password out of the file.
func TestInitCommand(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "app.db")
	db, err := sqlite.New().Open(dbFile, dialects.Pool{MaxOpen: 1})
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", "schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range engine.SplitStatements(string(script)) {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out := filepath.Join(dir, "mapping.yaml")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"init", "-driver", "sqlite", "-dsn", dbFile, "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("init: %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote "+out+" (users from users, groups from groups and group_members)") || !strings.Contains(stdout.String(), ": ok (app app, driver sqlite)") {
		t.Errorf("init's report: %s", stdout.String())
	}
	first, _ := os.ReadFile(out)
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"init", "-driver", "sqlite", "-dsn", dbFile, "-out", out}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "exists; -force overwrites it") {
		t.Errorf("a second init without -force: %d %s", code, stderr.String())
	}
	if again, _ := os.ReadFile(out); !bytes.Equal(again, first) {
		t.Error("the refused init changed the file")
	}
	if code := run([]string{"init", "-driver", "sqlite", "-dsn", dbFile, "-out", out, "-force"}, &stdout, &stderr); code != 0 {
		t.Errorf("init -force: %d %s", code, stderr.String())
	}
	for _, c := range []struct{ driver, dsn, want string }{
		{"mysql", "app:s3cret@tcp(db:3306)/app", "app@tcp(db:3306)/app"},
		{"postgres", "postgres://app:s3cret@db/app?sslmode=disable", "postgres://app@db/app?sslmode=disable"},
		{"postgres", "postgres://app@db/app", "postgres://app@db/app"},
	} {
		if got, _ := withoutPassword(c.driver, c.dsn); got != c.want {
			t.Errorf("withoutPassword(%s): %s, want %s", c.dsn, got, c.want)
		}
		if got := redactDSN("failed for "+c.dsn, c.driver, c.dsn); strings.Contains(got, "s3cret") {
			t.Errorf("redactDSN kept the password: %s", got)
		}
	}
	// A missing database file is said, not created.
	if code := run([]string{"init", "-driver", "sqlite", "-dsn", filepath.Join(dir, "none.db"), "-out", "-"}, &stdout, &stderr); code != 1 {
		t.Errorf("init on a missing file: %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("init created the database file it was asked to read")
	}
}
