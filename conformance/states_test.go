package conformance_test

import (
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
)

// active with several stored values per state (phpBB's user_type: 0 and 3 active, 1
// inactive, 2 a bot): reads, filters and writes agree.
func TestActiveStatesSQLite(t *testing.T) {
	activeStates(t, sqlite.New(), filepath.Join(t.TempDir(), "forum.db"))
}

func TestActiveStatesPostgres(t *testing.T) {
	d := postgres.New()
	activeStates(t, d, conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")))
}

func TestActiveStatesMySQL(t *testing.T) {
	d := conformance.MySQL()
	activeStates(t, d, conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")))
}

func activeStates(t *testing.T, d dialects.Dialect, dsn string) {
	tg := target(t, d, dsn, root("testdata", "conformance", "states", "mapping.yaml"),
		root("testdata", "conformance", "states", "schema."+d.Facts().Name+".sql"), nil)
	names := func(filter string) string {
		t.Helper()
		page := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(filter)+"&startIndex=1&count=100", nil)
		var out []string
		for _, r := range page["Resources"].([]any) {
			out = append(out, r.(map[string]any)["userName"].(string))
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	if got := names("active eq true"); got != "founder,member" {
		t.Errorf("active eq true: %s, want founder,member", got)
	}
	if got := names("active eq false"); got != "crawler,dormant" {
		t.Errorf("active eq false: %s, want crawler,dormant", got)
	}
	if got := names("active ne true"); got != "crawler,dormant" {
		t.Errorf("active ne true: %s", got)
	}
	for id, want := range map[string]bool{"1": true, "2": true, "3": false, "4": false} {
		if u := mustCall(t, tg, 200, "GET", "/Users/"+id, nil); u["active"] != want {
			t.Errorf("user %s: active %v, want %v", id, u["active"], want)
		}
	}
	// Writes store the first value of each state.
	put := func(active bool) int64 {
		t.Helper()
		mustCall(t, tg, 200, "PUT", "/Users/1", map[string]any{"schemas": []string{"urn:scim:schemas:core:1.0"}, "userName": "founder", "active": active})
		var v int64
		if err := tg.DB.QueryRow("SELECT user_type FROM phpbb_users WHERE user_id = 1").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := put(false); v != 1 {
		t.Errorf("deactivated: user_type %d, want 1", v)
	}
	if v := put(true); v != 0 {
		t.Errorf("reactivated: user_type %d, want 0 (the first true value)", v)
	}
}
