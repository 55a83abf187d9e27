package conformance_test

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/explain"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
)

// Users and groups in one table (Redmine's shape), kept apart by their scopes. The seed
// has an anonymous user (type AnonymousUser), a built-in group (GroupNonMember), user 3
// (jsmith) and group 4 (Developers, with jsmith).
var scopedCapabilities = []string{"GROUP_PUSH", "IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "OPP_SCIM_INCREMENTAL_IMPORTS", "PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES",
	"PUSH_PENDING_USERS", "PUSH_PROFILE_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"}

func scopedTarget(t *testing.T, d dialects.Dialect, dsn string) conformance.Target {
	return scopedTargetWith(t, d, dsn, nil)
}

// scopedTargetWith serves the scoped mapping, changed by edit when it is given.
func scopedTargetWith(t *testing.T, d dialects.Dialect, dsn string, edit func(string) string) conformance.Target {
	mapping := root("testdata", "conformance", "scoped", "mapping.yaml")
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
	return target(t, d, dsn, mapping, root("testdata", "conformance", "scoped", "schema."+d.Facts().Name+".sql"), scopedCapabilities)
}

func TestScopesSQLite(t *testing.T) {
	d := sqlite.New()
	scopes(t, func(edit func(string) string) conformance.Target {
		return scopedTargetWith(t, d, filepath.Join(t.TempDir(), "scoped.db"), edit)
	})
}

func TestScopesPostgres(t *testing.T) {
	d := postgres.New()
	base := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	scopes(t, func(edit func(string) string) conformance.Target {
		return scopedTargetWith(t, d, conformance.PostgresSchema(t, d, base), edit)
	})
}

func TestScopesMySQL(t *testing.T) {
	d := conformance.MySQL()
	base := conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")
	scopes(t, func(edit func(string) string) conformance.Target {
		return scopedTargetWith(t, d, conformance.MySQLDatabase(t, d, base), edit)
	})
}

func scopes(t *testing.T, fresh func(edit func(string) string) conformance.Target) {
	t.Run("agent flows", func(t *testing.T) { conformance.Run(t, fresh(nil)) })
	t.Run("each resource its own rows", func(t *testing.T) { scopeRows(t, fresh(nil)) })
	t.Run("columns no attribute carries", func(t *testing.T) { setColumns(t, fresh(nil)) })
	t.Run("e-mails in a table of their own", func(t *testing.T) { relatedEmails(t, fresh(nil)) })
	t.Run("a password scheme the application invented", func(t *testing.T) { composedPassword(t, fresh(nil)) })
	t.Run("no value in a NOT NULL column", func(t *testing.T) { emptyAs(t, fresh(nil)) })
	t.Run("validate names the NOT NULL columns a create leaves out", func(t *testing.T) {
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
		if got := check(fresh(nil)); got != "[]" {
			t.Errorf("problems on a mapping that writes every required column: %s", got)
		}
		got := check(fresh(func(m string) string { return strings.Replace(m, "    mail_notification: only_my_events\n", "", 1) }))
		if !strings.Contains(got, "users.table: column users.mail_notification is NOT NULL without a default, and a create does not write it") ||
			strings.Contains(got, "timecreated") || strings.Contains(got, "groups.table") {
			t.Errorf("want users.mail_notification named, and only it: %s", got)
		}
	})
	t.Run("a create its reads cannot see is rolled back", func(t *testing.T) {
		// Locked users (status 3) are out of scope: a user created inactive is written as
		// one, so the create cannot be read back.
		tg := fresh(func(m string) string {
			return strings.Replace(m, `where: '{{col "login"}} <> '''''`, `where: '{{col "status"}} <> 3'`, 1)
		})
		code, out := call(t, tg, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
			"userName": "ghost", "name": map[string]any{"givenName": "G", "familyName": "Host"}, "active": false})
		if code != 500 || !strings.Contains(fmt.Sprint(out), "cannot read it back") {
			t.Errorf("create out of its own scope: %d %v, want 500 saying it cannot be read back", code, out)
		}
		if n := countRows(t, tg.DB, "login = 'ghost'"); n != 0 {
			t.Errorf("the unreadable create stayed written (%d rows)", n)
		}
		// The same user created active is read back.
		mustCall(t, tg, 201, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
			"userName": "ghost", "name": map[string]any{"givenName": "G", "familyName": "Host"}, "active": true})
	})
	t.Run("DELETE on /v2 when deleteUser is mapped", func(t *testing.T) {
		tg := fresh(func(m string) string {
			return strings.Replace(m, "  operations: auto\n", "  operations:\n    getUsers: auto\n    getUser: auto\n    createUser: auto\n    updateUser: auto\n    deleteUser: auto\n", 1)
		})
		// Not on 1.1, whose SDK has no deleteUser.
		if code, _ := call(t, tg, "DELETE", "/Users/3", nil); code == 204 {
			t.Errorf("DELETE /Users/3 on SCIM 1.1 deleted")
		}
		// A group's id is no user's: 404, and the group stays.
		if code, out := call(t, tg, "DELETE", "/v2/Users/4", nil); code != 404 {
			t.Errorf("DELETE /v2/Users/<a group's id>: %d %v", code, out)
		}
		if code, out := call(t, tg, "DELETE", "/v2/Users/3", nil); code != 204 {
			t.Fatalf("DELETE /v2/Users/3: %d %v", code, out)
		}
		if n := countRows(t, tg.DB, "id = 3"); n != 0 {
			t.Errorf("the user's row is still there")
		}
		var m int
		if err := tg.DB.QueryRow("SELECT COUNT(*) FROM groups_users WHERE user_id = 3").Scan(&m); err != nil || m != 0 {
			t.Errorf("its memberships: %d (%v)", m, err)
		}
		if n := countRows(t, tg.DB, "id = 4 AND type = 'Group'"); n != 1 {
			t.Errorf("the group went with its member")
		}
		if code, _ := call(t, tg, "GET", "/v2/Users/3", nil); code != 404 {
			t.Errorf("GET after DELETE: %d", code)
		}
		if code, _ := call(t, tg, "DELETE", "/v2/Users/3", nil); code != 404 {
			t.Errorf("a second DELETE: %d, want 404", code)
		}
	})
	t.Run("DELETE on /v2 when deleteUser is not mapped", func(t *testing.T) {
		tg := fresh(nil)
		if code, out := call(t, tg, "DELETE", "/v2/Users/3", nil); code != 405 {
			t.Errorf("DELETE /v2/Users/3 unmapped: %d %v, want 405", code, out)
		}
		if n := countRows(t, tg.DB, "id = 3"); n != 1 {
			t.Errorf("an unmapped DELETE deleted")
		}
	})
}

func countRows(t *testing.T, db *sql.DB, where string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM users WHERE " + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func scopeRows(t *testing.T, tg conformance.Target) {
	// Lists and counts hold only the resource's rows.
	users := mustCall(t, tg, 200, "GET", "/Users?startIndex=1&count=100", nil)
	if fmt.Sprint(users["totalResults"]) != "1" || !strings.Contains(fmt.Sprint(users["Resources"]), "jsmith") {
		t.Fatalf("users: %v", users)
	}
	groups := mustCall(t, tg, 200, "GET", "/Groups?startIndex=1&count=100", nil)
	if fmt.Sprint(groups["totalResults"]) != "1" || !strings.Contains(fmt.Sprint(groups["Resources"]), "Developers") {
		t.Fatalf("groups: %v", groups)
	}
	// A row of the other resource, or of neither, is a 404 for every operation.
	for _, c := range []struct{ method, path string }{
		{"GET", "/Groups/3"}, {"DELETE", "/Groups/3"}, {"PATCH", "/Groups/3"}, {"PUT", "/Groups/3"},
		{"GET", "/Users/4"}, {"PUT", "/Users/4"}, {"GET", "/Users/1"}, {"PUT", "/Users/1"}, {"DELETE", "/Groups/2"},
	} {
		var body any
		switch {
		case c.method == "PATCH":
			body = map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"displayName": "Taken"}}}}
		case c.method == "PUT" && strings.HasPrefix(c.path, "/Groups"):
			body = map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "displayName": "Taken", "members": []any{}}
		case c.method == "PUT":
			body = map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "taken", "name": map[string]any{"givenName": "T", "familyName": "T"}, "active": true}
		}
		path := c.path
		if c.method == "PATCH" {
			path = "/v2" + path
		}
		if code, out := call(t, tg, c.method, path, body); code != http.StatusNotFound {
			t.Errorf("%s %s: %d %v, want 404", c.method, path, code, out)
		}
	}
	if n := countRows(t, tg.DB, "id = 3 AND login = 'jsmith' AND type = 'User'"); n != 1 {
		t.Fatalf("user 3 was changed or deleted through /Groups")
	}
	if n := countRows(t, tg.DB, "lastname = 'Taken'"); n != 0 {
		t.Fatalf("a write out of scope reached the table")
	}
	// A group is no user: not a member either.
	if code, out := call(t, tg, "PUT", "/Groups/4", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"displayName": "Developers", "members": []any{map[string]any{"value": "3"}, map[string]any{"value": "4"}}}); code != 400 {
		t.Errorf("a group as a member: %d %v, want 400", code, out)
	}
	// Creates write what makes the row theirs.
	u := mustCall(t, tg, 201, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"userName": "newbie", "name": map[string]any{"givenName": "New", "familyName": "Bie"}, "active": true})
	g := mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"displayName": "Reporters", "members": []any{map[string]any{"value": u["id"]}}})
	if n := countRows(t, tg.DB, fmt.Sprintf("id = %v AND type = 'User'", u["id"])); n != 1 {
		t.Errorf("the created user's row is not a User")
	}
	if n := countRows(t, tg.DB, fmt.Sprintf("id = %v AND type = 'Group'", g["id"])); n != 1 {
		t.Errorf("the created group's row is not a Group")
	}
	// A name another resource's row holds is no conflict: uniqueness is per resource.
	mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "displayName": "Smith", "members": []any{}})
}

// The set columns: what a create writes that Okta does not send (a NOT NULL column
// without a default, the creation time as a timestamp and as Unix seconds), and what
// every update writes (updated_on).
func setColumns(t *testing.T, tg conformance.Target) {
	before := time.Now().Unix()
	u := mustCall(t, tg, 201, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"userName": "setter", "name": map[string]any{"givenName": "Set", "familyName": "Ter"}, "active": true})
	g := mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "displayName": "Setters", "members": []any{}})
	after := time.Now().Unix()
	row := func(id any) (mail string, created sql.NullString, updated sql.NullString, unix int64) {
		t.Helper()
		err := tg.DB.QueryRow(fmt.Sprintf("SELECT mail_notification, CAST(created_on AS CHAR(30)), CAST(updated_on AS CHAR(30)), timecreated FROM users WHERE id = %v", id)).
			Scan(&mail, &created, &updated, &unix)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	var modified int64
	if err := tg.DB.QueryRow(fmt.Sprintf("SELECT timemodified FROM users WHERE id = %v", u["id"])).Scan(&modified); err != nil || modified < before || modified > after {
		t.Errorf("lastModified (format unix) holds %d (%v), want Unix seconds in %d..%d", modified, err, before, after)
	}
	if meta, _ := u["meta"].(map[string]any); meta == nil || !strings.HasPrefix(fmt.Sprint(meta["lastModified"]), time.Unix(before, 0).UTC().Format("2006-01-02")) {
		t.Errorf("meta.lastModified of the created user: %v", u["meta"])
	}
	// meta.created, from users.created, stamped by the create: on 1.1 and 2.0, and filterable.
	if meta, _ := u["meta"].(map[string]any); meta == nil || !strings.HasPrefix(fmt.Sprint(meta["created"]), time.Unix(before, 0).UTC().Format("2006-01-02")) {
		t.Errorf("meta.created of the created user (1.1): %v", u["meta"])
	}
	u2 := mustCall(t, tg, 200, "GET", fmt.Sprintf("/v2/Users/%v", u["id"]), nil)
	if meta, _ := u2["meta"].(map[string]any); meta == nil || meta["created"] == nil {
		t.Errorf("meta.created of the created user (2.0): %v", u2["meta"])
	}
	since := time.Unix(before-60, 0).UTC().Format(time.RFC3339)
	page := mustCall(t, tg, 200, "GET", "/v2/Users?filter="+url.QueryEscape(`meta.created gt "`+since+`"`), nil)
	if !strings.Contains(fmt.Sprint(page["Resources"]), "setter") || strings.Contains(fmt.Sprint(page["Resources"]), "jsmith") {
		t.Errorf("meta.created gt %s: %v", since, page["Resources"])
	}
	mail, created, updated, unix := row(u["id"])
	if mail != "only_my_events" || !created.Valid || !updated.Valid || unix < before || unix > after {
		t.Errorf("the created user's set columns: %q %v %v %d (want only_my_events, times, %d..%d)", mail, created, updated, unix, before, after)
	}
	if gmail, gcreated, gupdated, gunix := row(g["id"]); gmail != "" || !gcreated.Valid || gupdated.Valid || gunix < before || gunix > after {
		t.Errorf("the created group's set columns: %q %v %v %d", gmail, gcreated, gupdated, gunix)
	}
	// An update writes updated_on, and leaves what a create set.
	if _, err := tg.DB.Exec(fmt.Sprintf("UPDATE users SET updated_on = NULL, mail_notification = 'none' WHERE id = %v", u["id"])); err != nil {
		t.Fatal(err)
	}
	mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"userName": "setter", "name": map[string]any{"givenName": "Set", "familyName": "Again"}, "active": true})
	mail, created2, updated, unix2 := row(u["id"])
	if mail != "none" || created2 != created || unix2 != unix || !updated.Valid {
		t.Errorf("after a push: %q %v %v %d, want none, the creation times kept, updated_on written", mail, created2, updated, unix2)
	}
}

// Redmine's scheme, as the mapping composes it: what is stored is SHA1(salt + SHA1(pw))
// with a new salt per password, which Redmine's own check accepts; a push that carries
// the same password writes nothing.
func composedPassword(t *testing.T, tg conformance.Target) {
	body := func(pw string) map[string]any {
		return map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "hasher",
			"name": map[string]any{"givenName": "Has", "familyName": "Her"}, "active": true, "password": pw}
	}
	u := mustCall(t, tg, 201, "POST", "/Users", body("Secret-1"))
	stored := func() (hash, salt string) {
		t.Helper()
		if err := tg.DB.QueryRow(fmt.Sprintf("SELECT hashed_password, salt FROM users WHERE id = %v", u["id"])).Scan(&hash, &salt); err != nil {
			t.Fatal(err)
		}
		return
	}
	redmine := func(pw, salt string) string {
		inner := sha1.Sum([]byte(pw))
		outer := sha1.Sum([]byte(salt + hex.EncodeToString(inner[:])))
		return hex.EncodeToString(outer[:])
	}
	h1, s1 := stored()
	if len(s1) != 32 || h1 != redmine("Secret-1", s1) {
		t.Fatalf("stored %q with salt %q; Redmine would check %q", h1, s1, redmine("Secret-1", s1))
	}
	mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body("Secret-1"))
	if h, s := stored(); h != h1 || s != s1 {
		t.Errorf("a push with the same password rewrote it: %q %q", h, s)
	}
	mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body("Secret-2"))
	if h, s := stored(); s == s1 || h != redmine("Secret-2", s) {
		t.Errorf("a new password: stored %q with salt %q (old salt %q)", h, s, s1)
	}
	if got := mustCall(t, tg, 200, "GET", fmt.Sprintf("/Users/%v", u["id"]), nil); got["password"] != nil {
		t.Errorf("the password is answered: %v", got["password"])
	}
}

// With users.from, the users are the rows it selects: a row of the table outside it is
// no user, so no member either.
func TestMembersAreUsersOfFrom(t *testing.T) {
	b, err := os.ReadFile(root("examples", "quickstart", "mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := strings.Replace(string(b), "users:\n  table: users\n", "users:\n  table: users\n  from: \"SELECT * FROM users WHERE id <> 102\"\n", 1)
	path := filepath.Join(t.TempDir(), "mapping.yaml")
	if err := os.WriteFile(path, []byte(m), 0o600); err != nil {
		t.Fatal(err)
	}
	tg := target(t, sqlite.New(), filepath.Join(t.TempDir(), "from.db"), path, root("examples", "quickstart", "schema.sql"), nil)
	seed, err := os.ReadFile(root("examples", "quickstart", "seed.sql"))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Exec(t, tg.DB, engine.SplitStatements(string(seed)))
	if code, out := call(t, tg, "GET", "/Users/102", nil); code != 404 {
		t.Fatalf("GET /Users/102 outside users.from: %d %v", code, out)
	}
	code, out := call(t, tg, "PUT", "/Groups/1001", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"displayName": "firstGroup", "members": []any{map[string]any{"value": "101"}, map[string]any{"value": "102"}}})
	if code != 400 || !strings.Contains(fmt.Sprint(out), "102") {
		t.Errorf("a member outside users.from: %d %v, want 400 naming 102", code, out)
	}
}

// Redmine's e-mails, in email_addresses: the default address is the work e-mail, read in
// the page's one statement, found by email eq through the table, written in the user's
// transaction with the columns the table needs, and written only when it changed.
func relatedEmails(t *testing.T, tg conformance.Target) {
	type mailRow struct {
		id                int64
		address           string
		isDefault, notify bool
		updated           string
	}
	rows := func(user any) []mailRow {
		t.Helper()
		r, err := tg.DB.Query(fmt.Sprintf("SELECT id, address, is_default, notify, CAST(updated_on AS CHAR(30)) FROM email_addresses WHERE user_id = %v ORDER BY id", user))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []mailRow
		for r.Next() {
			var m mailRow
			if err := r.Scan(&m.id, &m.address, &m.isDefault, &m.notify, &m.updated); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	work := func(doc map[string]any) string {
		es, _ := doc["emails"].([]any)
		for _, e := range es {
			if m, _ := e.(map[string]any); m["type"] == "work" {
				return fmt.Sprint(m["value"])
			}
		}
		return ""
	}
	// The seed's jsmith has a default and another address: the default is read.
	if got := work(mustCall(t, tg, 200, "GET", "/Users/3", nil)); got != "jsmith@somenet.foo" {
		t.Errorf("jsmith's work e-mail: %q, want the default address jsmith@somenet.foo", got)
	}
	for _, f := range []string{`email eq "JSMITH@somenet.foo"`, `emails[type eq "work" and value eq "jsmith@somenet.foo"]`} {
		page := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(f), nil)
		if fmt.Sprint(page["totalResults"]) != "1" || !strings.Contains(fmt.Sprint(page["Resources"]), "jsmith") {
			t.Errorf("%s: %v", f, page)
		}
	}
	// Not the other address: it is not the default.
	if page := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(`email eq "john.smith@other.foo"`), nil); fmt.Sprint(page["totalResults"]) != "0" {
		t.Errorf("email eq a non-default address: %v", page)
	}
	body := func(mail string) map[string]any {
		return map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "mailer", "active": true,
			"name":   map[string]any{"givenName": "Mai", "familyName": "Ler"},
			"emails": []any{map[string]any{"value": mail, "type": "work", "primary": true}}}
	}
	u := mustCall(t, tg, 201, "POST", "/Users", body("mailer@example.com"))
	if work(u) != "mailer@example.com" {
		t.Errorf("the created user's answer: %v", u["emails"])
	}
	got := rows(u["id"])
	if len(got) != 1 || got[0].address != "mailer@example.com" || !got[0].isDefault || !got[0].notify || got[0].updated == "" {
		t.Fatalf("email_addresses after the create: %+v, want one default row with notify and times set", got)
	}
	// A push with the same address writes nothing (updated_on is set on every write).
	if _, err := tg.DB.Exec(fmt.Sprintf("UPDATE email_addresses SET updated_on = '2001-01-01 00:00:00' WHERE user_id = %v", u["id"])); err != nil {
		t.Fatal(err)
	}
	mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body("mailer@example.com"))
	if again := rows(u["id"]); len(again) != 1 || !strings.HasPrefix(again[0].updated, "2001-01-01") {
		t.Errorf("after a push of the same address: %+v, want the row untouched", again)
	}
	// A new address updates the same row.
	put := mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body("renamed@example.com"))
	if changed := rows(u["id"]); len(changed) != 1 || changed[0].id != got[0].id || changed[0].address != "renamed@example.com" || strings.HasPrefix(changed[0].updated, "2001-01-01") {
		t.Errorf("after a push of a new address: %+v", changed)
	}
	if work(put) != "renamed@example.com" {
		t.Errorf("the push's answer: %v", put["emails"])
	}
	// A PATCH that removes it deletes the row, and the user's lastModified moves.
	if _, err := tg.DB.Exec(fmt.Sprintf("UPDATE users SET timemodified = 1 WHERE id = %v", u["id"])); err != nil {
		t.Fatal(err)
	}
	mustCall(t, tg, 200, "PATCH", fmt.Sprintf("/v2/Users/%v", u["id"]), map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "remove", "path": `emails[type eq "work"]`}}})
	if gone := rows(u["id"]); len(gone) != 0 {
		t.Errorf("after removing the e-mail: %+v, want no row", gone)
	}
	var modified int64
	if err := tg.DB.QueryRow(fmt.Sprintf("SELECT timemodified FROM users WHERE id = %v", u["id"])).Scan(&modified); err != nil || modified <= 1 {
		t.Errorf("lastModified after only the e-mail changed: %d (%v)", modified, err)
	}
	// A create whose e-mail the table refuses writes nothing at all.
	var before int
	if err := tg.DB.QueryRow("SELECT COUNT(*) FROM users").Scan(&before); err != nil {
		t.Fatal(err)
	}
	if tg.Dialect.Facts().Name != "sqlite" { // SQLite does not enforce VARCHAR lengths
		long := strings.Repeat("x", 300) + "@example.com"
		b := body(long)
		b["userName"] = "toolong"
		status, doc := call(t, tg, "POST", "/Users", b)
		if status != 400 || !strings.Contains(fmt.Sprint(doc), "emails.work") {
			t.Errorf("a create with an e-mail too long for email_addresses.address: %d %v", status, doc)
		}
		var after int
		if err := tg.DB.QueryRow("SELECT COUNT(*) FROM users").Scan(&after); err != nil || after != before {
			t.Errorf("users after the refused create: %d, want %d (%v)", after, before, err)
		}
	}
}

// Redmine's names are NOT NULL DEFAULT ”: a SCIM 2.0 PUT that leaves the given name out,
// a PATCH that removes it and Okta's "" all store ” (emptyAs), which reads as no value.
func emptyAs(t *testing.T, tg conformance.Target) {
	u := mustCall(t, tg, 201, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"userName": "nameless", "name": map[string]any{"givenName": "No", "familyName": "Name"}, "active": true})
	id := fmt.Sprint(u["id"])
	first := func() string {
		t.Helper()
		var s sql.NullString
		if err := tg.DB.QueryRow("SELECT firstname FROM users WHERE id = " + id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if !s.Valid {
			return "NULL"
		}
		return s.String
	}
	given := func(doc map[string]any) any {
		n, _ := doc["name"].(map[string]any)
		return n["givenName"]
	}
	// SCIM 2.0 PUT replaces: the given name it leaves out is no value.
	out := mustCall(t, tg, 200, "PUT", "/v2/Users/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "nameless", "name": map[string]any{"familyName": "Name"}, "active": true})
	if first() != "" || given(out) != nil {
		t.Errorf("after a 2.0 PUT without givenName: column %q, answered %v; want '' stored and no givenName", first(), given(out))
	}
	mustCall(t, tg, 200, "PUT", "/Users/"+id, map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"userName": "nameless", "name": map[string]any{"givenName": "Back", "familyName": "Name"}, "active": true})
	if first() != "Back" {
		t.Fatalf("a 1.1 PUT with a given name: %q", first())
	}
	// A PATCH that removes it.
	out = mustCall(t, tg, 200, "PATCH", "/v2/Users/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "remove", "path": "name.givenName"}}})
	if first() != "" || given(out) != nil {
		t.Errorf("after a PATCH remove: column %q, answered %v", first(), given(out))
	}
	// Okta's "" for an attribute unset in its profile.
	out = mustCall(t, tg, 200, "PUT", "/Users/"+id, map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
		"userName": "nameless", "name": map[string]any{"givenName": "", "familyName": "Name"}, "active": true})
	if first() != "" || given(out) != nil {
		t.Errorf("after a 1.1 PUT of \"\": column %q, answered %v", first(), given(out))
	}
}
