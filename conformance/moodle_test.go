package conformance_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
)

// examples/moodle: Moodle's own tables on PostgreSQL, mapped with no SQL at all.
func moodleTarget(t *testing.T, seed bool) conformance.Target {
	t.Helper()
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	tg := target(t, d, dsn, root("examples", "moodle", "mapping.yaml"), root("examples", "moodle", "schema.sql"), allCapabilities)
	if seed {
		script, err := os.ReadFile(root("examples", "moodle", "seed.sql"))
		if err != nil {
			t.Fatal(err)
		}
		conformance.Exec(t, tg.DB, engine.SplitStatements(string(script)))
	}
	return tg
}

func TestMoodleExample(t *testing.T) {
	t.Run("agent flows", func(t *testing.T) { conformance.Run(t, moodleTarget(t, false)) })
	t.Run("what Moodle needs", func(t *testing.T) {
		tg := moodleTarget(t, true)
		// The guest, deleted accounts and other hosts' accounts are not Okta's.
		users := mustCall(t, tg, 200, "GET", "/Users?startIndex=1&count=100", nil)
		got := fmt.Sprint(users["Resources"])
		if fmt.Sprint(users["totalResults"]) != "3" || strings.Contains(got, "guest") || strings.Contains(got, "gone@") {
			t.Fatalf("users: %v", users)
		}
		for _, id := range []string{"1", "5"} {
			if code, out := call(t, tg, "GET", "/Users/"+id, nil); code != 404 {
				t.Errorf("GET /Users/%s (guest, deleted): %d %v", id, code, out)
			}
		}
		alan := mustCall(t, tg, 200, "GET", "/Users/4", nil)
		if alan["active"] != false {
			t.Errorf("a suspended learner reads as active: %v", alan)
		}
		// A create writes what Moodle's own account creation writes.
		before := time.Now().Unix()
		u := mustCall(t, tg, 201, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
			"userName": "grace.hopper", "name": map[string]any{"givenName": "Grace", "familyName": "Hopper"},
			"emails": []any{map[string]any{"value": "grace.hopper@school.example", "type": "work", "primary": true}},
			"active": true, "password": "Cobol-1959"})
		var auth, pw string
		var confirmed, deleted, suspended, host, created, modified int64
		if err := tg.DB.QueryRow(`SELECT auth, password, confirmed, deleted, suspended, mnethostid, timecreated, timemodified FROM mdl_user WHERE id = $1`, u["id"]).
			Scan(&auth, &pw, &confirmed, &deleted, &suspended, &host, &created, &modified); err != nil {
			t.Fatal(err)
		}
		if auth != "manual" || !strings.HasPrefix(pw, "$2a$") || confirmed != 1 || deleted != 0 || suspended != 0 || host != 1 || created < before || modified < before {
			t.Errorf("the created account: auth %q, password %.4s…, confirmed %d, deleted %d, suspended %d, mnethostid %d, timecreated %d, timemodified %d",
				auth, pw, confirmed, deleted, suspended, host, created, modified)
		}
		// A cohort, site-wide, as Moodle's cohort form makes one: in the system context,
		// whatever its id.
		conformance.Exec(t, tg.DB, []string{"UPDATE mdl_context SET id = 7 WHERE contextlevel = 10"})
		g := mustCall(t, tg, 201, "POST", "/Groups", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
			"displayName": "Year 2", "members": []any{map[string]any{"value": u["id"]}}})
		var contextid, format, gcreated int64
		if err := tg.DB.QueryRow(`SELECT contextid, descriptionformat, timecreated FROM mdl_cohort WHERE id = $1`, g["id"]).Scan(&contextid, &format, &gcreated); err != nil {
			t.Fatal(err)
		}
		if contextid != 7 || format != 1 || gcreated < before {
			t.Errorf("the created cohort: contextid %d, descriptionformat %d, timecreated %d", contextid, format, gcreated)
		}
		var added int64
		if err := tg.DB.QueryRow(`SELECT timeadded FROM mdl_cohort_members WHERE cohortid = $1 AND userid = $2`, g["id"], u["id"]).Scan(&added); err != nil || added < before {
			t.Errorf("the membership's timeadded: %d (%v), want the time it was added", added, err)
		}
		groups := mustCall(t, tg, 200, "GET", "/Groups?startIndex=1&count=100", nil)
		if fmt.Sprint(groups["totalResults"]) != "3" || !strings.Contains(fmt.Sprint(groups["Resources"]), "Year 1") {
			t.Errorf("cohorts: %v", groups)
		}
		// A DELETE on /v2 is Moodle's soft delete: the row stays, deleted = 1, out of scope.
		other := mustCall(t, tg, 201, "POST", "/Users", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
			"userName": "leaver", "name": map[string]any{"givenName": "Lea", "familyName": "Ver"}, "active": true})
		if code, out := call(t, tg, "DELETE", fmt.Sprintf("/v2/Users/%v", other["id"]), nil); code != 204 {
			t.Fatalf("DELETE /v2/Users: %d %v", code, out)
		}
		if err := tg.DB.QueryRow(`SELECT deleted FROM mdl_user WHERE id = $1`, other["id"]).Scan(&deleted); err != nil || deleted != 1 {
			t.Errorf("after DELETE: deleted %d (%v), want the row kept with deleted = 1", deleted, err)
		}
		if code, _ := call(t, tg, "GET", fmt.Sprintf("/Users/%v", other["id"]), nil); code != 404 {
			t.Errorf("a deleted account reads: %d", code)
		}
		// Deactivation sets Moodle's suspended flag.
		mustCall(t, tg, 200, "PUT", fmt.Sprintf("/Users/%v", u["id"]), map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"},
			"userName": "grace.hopper", "name": map[string]any{"givenName": "Grace", "familyName": "Hopper"}, "active": false})
		if err := tg.DB.QueryRow(`SELECT suspended FROM mdl_user WHERE id = $1`, u["id"]).Scan(&suspended); err != nil || suspended != 1 {
			t.Errorf("deactivated: suspended %d (%v)", suspended, err)
		}
	})
}
