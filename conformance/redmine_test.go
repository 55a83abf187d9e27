package conformance_test

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
)

// examples/redmine: Redmine's own tables on PostgreSQL, users and groups in one table, mapped
// with no SQL at all.
func redmineTarget(t *testing.T, seed bool) conformance.Target {
	t.Helper()
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	tg := target(t, d, dsn, root("examples", "redmine", "mapping.yaml"), root("examples", "redmine", "schema.sql"), allCapabilities)
	if seed {
		script, err := os.ReadFile(root("examples", "redmine", "seed.sql"))
		if err != nil {
			t.Fatal(err)
		}
		conformance.Exec(t, tg.DB, engine.SplitStatements(string(script)))
	}
	return tg
}

// redmineChecks is Redmine's User#check_password?: SHA1(salt + SHA1(password)).
func redmineChecks(hashed, salt, pw string) bool {
	inner := sha1.Sum([]byte(pw))
	outer := sha1.Sum([]byte(salt + hex.EncodeToString(inner[:])))
	return hex.EncodeToString(outer[:]) == hashed
}

func TestRedmineExample(t *testing.T) {
	t.Run("agent flows", func(t *testing.T) { conformance.Run(t, redmineTarget(t, false)) })
	t.Run("what Redmine needs", func(t *testing.T) {
		tg := redmineTarget(t, true)
		// Users are the User rows, groups the Group rows: not the anonymous user, not the
		// built-in groups.
		users := mustCall(t, tg, 200, "GET", "/Users?startIndex=1&count=100", nil)
		if fmt.Sprint(users["totalResults"]) != "2" || strings.Contains(fmt.Sprint(users["Resources"]), "Anonymous") {
			t.Errorf("users: %v", users)
		}
		groups := mustCall(t, tg, 200, "GET", "/Groups?startIndex=1&count=100", nil)
		if fmt.Sprint(groups["totalResults"]) != "1" || !strings.Contains(fmt.Sprint(groups["Resources"]), "Developers") {
			t.Errorf("groups: %v", groups)
		}
		// A group's DELETE of a user's id deletes nothing.
		if code, out := call(t, tg, "DELETE", "/Groups/5", nil); code != 404 {
			t.Errorf("DELETE /Groups/5 (a user): %d %v", code, out)
		}
		mustCall(t, tg, 200, "GET", "/Users/5", nil)
		// A user cannot be a member of a group, nor a group a user.
		if code, _ := call(t, tg, "GET", "/Users/6", nil); code != 404 {
			t.Errorf("GET /Users/6 (a group): %d", code)
		}
		// The default address is the e-mail; found through email_addresses.
		page := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(`email eq "jsmith@tracker.example"`), nil)
		if fmt.Sprint(page["totalResults"]) != "1" {
			t.Errorf("email eq: %v", page)
		}
		// A create writes what Redmine needs, and a password Redmine's own check accepts.
		u := mustCall(t, tg, 201, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
			"userName": "grace", "name": map[string]any{"givenName": "Grace", "familyName": "Hopper"}, "active": true,
			"emails": []any{map[string]any{"value": "grace@tracker.example", "type": "work", "primary": true}}, "password": "Cobol-1959"})
		var typ, mail, hashed, salt, lang string
		var created, updated bool
		if err := tg.DB.QueryRow(`SELECT type, mail_notification, hashed_password, salt, language, created_on IS NOT NULL, updated_on IS NOT NULL FROM users WHERE id = $1`, u["id"]).
			Scan(&typ, &mail, &hashed, &salt, &lang, &created, &updated); err != nil {
			t.Fatal(err)
		}
		if typ != "User" || mail != "only_my_events" || lang != "en" || !created || !updated || len(salt) != 32 || !redmineChecks(hashed, salt, "Cobol-1959") {
			t.Errorf("the created row: type %q, mail_notification %q, language %q, times %v %v, salt %q, password checks %v", typ, mail, lang, created, updated, salt, redmineChecks(hashed, salt, "Cobol-1959"))
		}
		var address string
		var isDefault, notify bool
		if err := tg.DB.QueryRow(`SELECT address, is_default, notify FROM email_addresses WHERE user_id = $1`, u["id"]).Scan(&address, &isDefault, &notify); err != nil || address != "grace@tracker.example" || !isDefault || !notify {
			t.Errorf("the created e-mail: %q %v %v (%v)", address, isDefault, notify, err)
		}
		// The seeded admin's password checks as Redmine stored it; a push with it keeps it.
		admin := mustCall(t, tg, 200, "GET", "/Users/1", nil)
		admin["password"] = "admin"
		mustCall(t, tg, 200, "PUT", "/Users/1", admin)
		if err := tg.DB.QueryRow(`SELECT hashed_password, salt FROM users WHERE id = 1`).Scan(&hashed, &salt); err != nil || salt != "0123456789abcdef0123456789abcdef" {
			t.Errorf("a push with the stored password changed it: %q %q (%v)", hashed, salt, err)
		}
		// A group created by Okta is a Group row, with its member.
		g := mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "displayName": "Reviewers",
			"members": []any{map[string]any{"value": fmt.Sprint(u["id"])}}})
		if err := tg.DB.QueryRow(`SELECT type FROM users WHERE id = $1`, g["id"]).Scan(&typ); err != nil || typ != "Group" {
			t.Errorf("the created group's type: %q (%v)", typ, err)
		}
		// A group cannot be a member.
		if code, out := call(t, tg, "PUT", fmt.Sprintf("/Groups/%v", g["id"]), map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "displayName": "Reviewers",
			"members": []any{map[string]any{"value": "6"}}}); code/100 == 2 {
			t.Errorf("a group as a member: %d %v", code, out)
		}
	})
}
