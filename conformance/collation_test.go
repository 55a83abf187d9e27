package conformance_test

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
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
	fresh := func(edit func(string) string) conformance.Target {
		return collationTarget(t, sqlite.New(), filepath.Join(t.TempDir(), "collation.db"), edit)
	}
	collation(t, fresh, false)
	storedPasswords(t, fresh)
}

func TestCollationPostgres(t *testing.T) {
	d := postgres.New()
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	fresh := func(edit func(string) string) conformance.Target {
		return collationTarget(t, d, conformance.PostgresSchema(t, d, base), edit)
	}
	collation(t, fresh, false)
	storedPasswords(t, fresh)
}

func TestCollationMySQL(t *testing.T) {
	d := conformance.MySQL()
	base := conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")
	fresh := func(edit func(string) string) conformance.Target {
		return collationTarget(t, d, conformance.MySQLDatabase(t, d, base), edit)
	}
	collation(t, fresh, true)
	storedPasswords(t, fresh)
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
	// The set column follows the login: written on create, rewritten when it changes, left
	// alone by a push that does not carry it.
	g := mustCall(t, tg, 201, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "Grace.Hopper"})
	key := func() string {
		t.Helper()
		var s sql.NullString
		if err := tg.DB.QueryRow(fmt.Sprintf("SELECT login_key FROM accounts WHERE id = %v", g["id"])).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s.String
	}
	if k := key(); k != "grace.hopper" {
		t.Errorf("login_key after the create: %q", k)
	}
	mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", g["id"]), map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "GHopper"})
	if k := key(); k != "ghopper" {
		t.Errorf("login_key after a rename: %q", k)
	}
	mustCall(t, tg, 200, "PATCH", fmt.Sprintf("/v2/Users/%v", g["id"]), map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "Amazing Grace"}}})
	if k := key(); k != "ghopper" {
		t.Errorf("login_key after a push without userName: %q", k)
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

// The password schemes of other applications, stored in a real database: each is what
// the application's own check accepts, computed here from the stored parameters, and a
// push that carries the same password leaves the stored hash alone.
func storedPasswords(t *testing.T, fresh func(edit func(string) string) conformance.Target) {
	for _, c := range []struct {
		name, binding string
		check         func(stored, salt, pw string) bool
	}{
		{"pbkdf2 with a salt column", "{column: pw, hash: {pbkdf2: sha256, iterations: 1000, keyLength: 32, salt: pw_salt, saltLength: 32}}",
			func(stored, salt, pw string) bool {
				k, err := pbkdf2.Key(sha256.New, pw, []byte(salt), 1000, 32)
				return err == nil && len(salt) == 32 && stored == hex.EncodeToString(k)
			}},
		{"django", "{column: pw, hash: django}", func(stored, _, pw string) bool {
			parts := strings.Split(stored, "$")
			if len(parts) != 4 || parts[0] != "pbkdf2_sha256" || parts[1] != "1000000" {
				return false
			}
			k, err := pbkdf2.Key(sha256.New, pw, []byte(parts[2]), 1000000, 32)
			return err == nil && parts[3] == base64.StdEncoding.EncodeToString(k)
		}},
		{"sha512-crypt", "{column: pw, hash: sha512-crypt}", func(stored, _, pw string) bool {
			return strings.HasPrefix(stored, "$6$") && len(stored) > 90 && !strings.Contains(stored, pw)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := fresh(func(m string) string {
				return strings.Replace(m, "    displayName: nick\n", "    displayName: nick\n    password: "+c.binding+"\n", 1)
			})
			stored := func(id any) (pw, salt string) {
				t.Helper()
				var p, s sql.NullString
				if err := tg.DB.QueryRow(fmt.Sprintf("SELECT pw, pw_salt FROM accounts WHERE id = %v", id)).Scan(&p, &s); err != nil {
					t.Fatal(err)
				}
				return p.String, s.String
			}
			body := map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "grace", "password": "Cobol-1959"}
			u := mustCall(t, tg, 201, "POST", "/Users", body)
			pw, salt := stored(u["id"])
			if !c.check(pw, salt, "Cobol-1959") {
				t.Fatalf("stored %q (salt %q) is not the scheme's hash of the password", pw, salt)
			}
			mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body)
			if pw2, salt2 := stored(u["id"]); pw2 != pw || salt2 != salt {
				t.Errorf("a push with the same password rewrote it: %q/%q, was %q/%q", pw2, salt2, pw, salt)
			}
			body["password"] = "Fortran-1957"
			mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body)
			if pw3, salt3 := stored(u["id"]); pw3 == pw || !c.check(pw3, salt3, "Fortran-1957") {
				t.Errorf("a new password: stored %q (salt %q)", pw3, salt3)
			}
		})
	}
}
