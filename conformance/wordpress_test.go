package conformance_test

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/engine"
)

// examples/wordpress: WordPress's own tables on MariaDB, names in wp_usermeta, mapped with
// no SQL at all.
var wordpressCapabilities = []string{"IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_PROFILE_UPDATES"}

func wordpressTarget(t *testing.T, seed bool) conformance.Target {
	t.Helper()
	d := conformance.MySQL()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	tg := target(t, d, dsn, root("examples", "wordpress", "mapping.yaml"), root("examples", "wordpress", "schema.sql"), wordpressCapabilities)
	if seed {
		script, err := os.ReadFile(root("examples", "wordpress", "seed.sql"))
		if err != nil {
			t.Fatal(err)
		}
		conformance.Exec(t, tg.DB, engine.SplitStatements(string(script)))
	}
	return tg
}

// wpChecks is WordPress 6.8's wp_check_password for a $wp$ hash.
func wpChecks(stored, pw string) bool {
	m := hmac.New(sha512.New384, []byte("wp-sha384"))
	m.Write([]byte(pw))
	pre := base64.StdEncoding.EncodeToString(m.Sum(nil))
	return strings.HasPrefix(stored, "$wp$2") && bcrypt.CompareHashAndPassword([]byte(stored[3:]), []byte(pre)) == nil
}

func TestWordPressExample(t *testing.T) {
	t.Run("agent flows", func(t *testing.T) { conformance.Run(t, wordpressTarget(t, false)) })
	t.Run("what WordPress needs", func(t *testing.T) {
		tg := wordpressTarget(t, true)
		meta := func(id any) map[string]string {
			t.Helper()
			rows, err := tg.DB.Query(fmt.Sprintf("SELECT meta_key, meta_value FROM wp_usermeta WHERE user_id = %v", id))
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[string]string{}
			for rows.Next() {
				var k, v string
				if err := rows.Scan(&k, &v); err != nil {
					t.Fatal(err)
				}
				out[k] = v
			}
			return out
		}
		metaRows := func() (n int, maxID int64) {
			t.Helper()
			if err := tg.DB.QueryRow("SELECT COUNT(*), COALESCE(MAX(umeta_id), 0) FROM wp_usermeta").Scan(&n, &maxID); err != nil {
				t.Fatal(err)
			}
			return
		}
		pass := func(id any) string {
			t.Helper()
			var pw string
			if err := tg.DB.QueryRow(fmt.Sprintf("SELECT user_pass FROM wp_users WHERE ID = %v", id)).Scan(&pw); err != nil {
				t.Fatal(err)
			}
			return pw
		}
		// Names come from wp_usermeta.
		ada := mustCall(t, tg, 200, "GET", "/Users/2", nil)
		if n, _ := ada["name"].(map[string]any); n["givenName"] != "Ada" || n["familyName"] != "Lovelace" || ada["nickName"] != "ada" || ada["displayName"] != "Ada Lovelace" {
			t.Errorf("ada: %v", ada)
		}
		page := mustCall(t, tg, 200, "GET", "/Users?startIndex=1&count=10", nil)
		if fmt.Sprint(page["totalResults"]) != "3" || !strings.Contains(fmt.Sprint(page["Resources"]), "Turing") {
			t.Errorf("import: %v", page)
		}
		// A create writes the row and the meta WordPress needs: names, the role.
		body := map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "grace", "displayName": "Grace Hopper",
			"name":   map[string]any{"givenName": "Grace", "familyName": "Hopper"},
			"emails": []any{map[string]any{"value": "grace@blog.example", "type": "work", "primary": true}}, "password": "Cobol-1959"}
		u := mustCall(t, tg, 201, "POST", "/Users", body)
		got := meta(u["id"])
		if got["first_name"] != "Grace" || got["last_name"] != "Hopper" || got["wp_capabilities"] != `a:1:{s:10:"subscriber";b:1;}` || got["wp_user_level"] != "0" {
			t.Errorf("the new user's wp_usermeta: %v", got)
		}
		nicename := func(id any) string {
			t.Helper()
			var s string
			if err := tg.DB.QueryRow(fmt.Sprintf("SELECT user_nicename FROM wp_users WHERE ID = %v", id)).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		if s := nicename(u["id"]); s != "grace" {
			t.Errorf("the new user's user_nicename: %q, want grace (the login as a slug)", s)
		}
		if pw := pass(u["id"]); !wpChecks(pw, "Cobol-1959") {
			t.Errorf("the new user's user_pass %q is not one WordPress checks for the password", pw)
		}
		// The same profile pushed again writes no meta row.
		n, maxID := metaRows()
		stored := pass(u["id"])
		mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body)
		if n2, max2 := metaRows(); n2 != n || max2 != maxID || pass(u["id"]) != stored {
			t.Errorf("an unchanged push rewrote: %d/%d meta rows (max id %d/%d), password kept %v", n2, n, max2, maxID, pass(u["id"]) == stored)
		}
		// A changed name updates its row; the others stay.
		body["name"] = map[string]any{"givenName": "Grace", "familyName": "Murray Hopper"}
		mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body)
		if got := meta(u["id"]); got["last_name"] != "Murray Hopper" || got["first_name"] != "Grace" {
			t.Errorf("after a push of a new family name: %v", got)
		}
		if n2, max2 := metaRows(); n2 != n || max2 != maxID {
			t.Errorf("a changed value added rows: %d/%d (max id %d/%d)", n2, n, max2, maxID)
		}
		// A rename renames the slug; one longer than the column is cut to its 50 characters.
		body["userName"] = "Grace.Hopper@Navy.example"
		mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body)
		if s := nicename(u["id"]); s != "grace-hopper-navy-example" {
			t.Errorf("user_nicename after a rename: %q", s)
		}
		body["userName"] = strings.Repeat("Long Name ", 6)
		mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), body)
		if s := nicename(u["id"]); s != strings.TrimSuffix(strings.Repeat("long-name-", 5), "-") {
			t.Errorf("user_nicename of a long login: %q", s)
		}
		// The administrator's phpass hash still matches: a push with it keeps it.
		admin := mustCall(t, tg, 200, "GET", "/Users/1", nil)
		admin["password"] = "test12345"
		mustCall(t, tg, 200, "PUT", "/Users/1", admin)
		if pw := pass(1); pw != "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0" {
			t.Errorf("a push with the stored phpass password rewrote it: %q", pw)
		}
		admin["password"] = "New-Pass-1"
		mustCall(t, tg, 200, "PUT", "/Users/1", admin)
		if pw := pass(1); !wpChecks(pw, "New-Pass-1") {
			t.Errorf("a new password for the administrator: %q", pw)
		}
		// The agent's lookup by e-mail and by name.
		for f, want := range map[string]string{`email eq "ADA@blog.example"`: "ada", `name.familyName eq "turing"`: "alan"} {
			page := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(f), nil)
			if fmt.Sprint(page["totalResults"]) != "1" || !strings.Contains(fmt.Sprint(page["Resources"]), want) {
				t.Errorf("%s: %v", f, page)
			}
		}
	})
}
