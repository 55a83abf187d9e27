package conformance_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/mysql"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/explain"
)

// A userName column whose collation minds case: with fold: lower the agent's lookup and
// the uniqueness check still ignore case; without it, validate says so before the first
// duplicate account is made.
func collationTarget(t *testing.T, d dialects.Dialect, dsn string, edit func(string) string) conformance.Target {
	dir := root("testdata", "conformance", "collation")
	mapping := filepath.Join(dir, "mapping.yaml")
	if edit != nil {
		b, err := os.ReadFile(mapping)
		if err != nil {
			t.Fatal(err)
		}
		mapping = filepath.Join(t.TempDir(), "mapping.yaml")
		if err := os.WriteFile(mapping, []byte(edit(string(b))), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return target(t, d, dsn, mapping, filepath.Join(dir, "schema."+d.Facts().Name+".sql"),
		[]string{"IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"})
}

func TestCollationSQLite(t *testing.T) {
	collation(t, func(edit func(string) string) conformance.Target {
		return collationTarget(t, sqlite.New(), filepath.Join(t.TempDir(), "collation.db"), edit)
	}, false)
}

func TestCollationPostgres(t *testing.T) {
	d := postgres.New()
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	collation(t, func(edit func(string) string) conformance.Target {
		return collationTarget(t, d, conformance.PostgresSchema(t, d, base), edit)
	}, false)
}

func TestCollationMySQL(t *testing.T) {
	d := mysql.New()
	base := conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")
	collation(t, func(edit func(string) string) conformance.Target {
		return collationTarget(t, d, conformance.MySQLDatabase(t, d, base), edit)
	}, true)
}

// collation runs the checks; caseSensitiveDialect says the dialect relies on collations
// to ignore case (MySQL), so that only there does leaving fold out change anything.
func collation(t *testing.T, fresh func(edit func(string) string) conformance.Target, caseSensitiveDialect bool) {
	tg := fresh(nil)
	ids := func(tg conformance.Target, filter string) string {
		t.Helper()
		out := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(filter)+"&startIndex=1&count=10", nil)
		var got []string
		rs, _ := out["Resources"].([]any)
		for _, r := range rs {
			got = append(got, fmt.Sprint(r.(map[string]any)["id"]))
		}
		return strings.Join(got, ",")
	}
	for _, f := range []string{`userName eq "ada"`, `userName eq "ADA"`, `userName sw "Ad"`} {
		if got := ids(tg, f); got != "1" {
			t.Errorf("with fold: lower, %s: ids %q, want 1", f, got)
		}
	}
	// A second account for the same login in other case is a conflict, not a new row.
	code, body := call(t, tg, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "ADA"})
	if code != 409 {
		t.Errorf("POST userName ADA beside ada: %d %v, want 409", code, body)
	}
	// displayName is not folded: the dialect's own comparison decides.
	if got := ids(tg, `displayName eq "ada"`); caseSensitiveDialect && got != "" || !caseSensitiveDialect && got != "1" {
		t.Errorf(`displayName eq "ada" on a case-minding column without fold: %q`, got)
	}
	check := func(tg conformance.Target) string {
		e, err := engine.New(tg.Mapping, tg.Dialect, tg.DB, engine.Options{BcryptCost: 4})
		if err != nil {
			t.Fatal(err)
		}
		problems, err := explain.Check(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(problems)
	}
	got := check(tg)
	if caseSensitiveDialect {
		// nick (displayName) is the one left to the collation: validate names it.
		if !strings.Contains(got, "column accounts.nick compares case by case (collation utf8mb4_bin), but displayName ignores case") ||
			strings.Contains(got, "accounts.login") {
			t.Errorf("validate on the case-minding columns: %s", got)
		}
	} else if got != "[]" {
		t.Errorf("validate: %s", got)
	}
	// Without fold the lookup misses the account where the dialect relies on the collation.
	plain := fresh(func(m string) string { return strings.Replace(m, "{column: login, fold: lower}", "login", 1) })
	if got := ids(plain, `userName eq "ADA"`); caseSensitiveDialect && got != "" || !caseSensitiveDialect && got != "1" {
		t.Errorf(`userName eq "ADA" without fold: %q`, got)
	}
	if caseSensitiveDialect && !strings.Contains(check(plain), "column accounts.login compares case by case (collation utf8mb4_bin), but userName ignores case") {
		t.Errorf("validate without fold: %s", check(plain))
	}
}
