package conformance_test

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
)

// Attributes made of columns and fixed text (format:), on a real database: the value
// read, and the lookup derived from the format finding exactly the rows whose value
// equals the one asked for, with case ignored unless the attribute is caseExact.
func compositeTarget(t *testing.T, d dialects.Dialect, dsn string) conformance.Target {
	dir := root("testdata", "conformance", "composite")
	return target(t, d, dsn, filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "schema."+d.Facts().Name+".sql"),
		[]string{"IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES"})
}

func TestCompositeSQLite(t *testing.T) {
	composite(t, compositeTarget(t, sqlite.New(), filepath.Join(t.TempDir(), "composite.db")))
}

func TestCompositePostgres(t *testing.T) {
	d := postgres.New()
	composite(t, compositeTarget(t, d, conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))))
}

func TestCompositeMySQL(t *testing.T) {
	d := conformance.MySQL()
	composite(t, compositeTarget(t, d, conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))))
}

func composite(t *testing.T, tg conformance.Target) {
	const login = "urn:okta:composite:1.0:user:custom:login"
	u := mustCall(t, tg, 200, "GET", "/Users/1", nil)
	if u["userName"] != "FacelloGeorgi@corp.example" || u["displayName"] != "Paris #42" {
		t.Errorf("user 1 reads userName %v, displayName %v; want FacelloGeorgi@corp.example, Paris #42", u["userName"], u["displayName"])
	}
	if got := fmt.Sprint(u["emails"]); !strings.Contains(got, "georgi.facello@corp.example") {
		t.Errorf("user 1's e-mails: %s", got)
	}
	if got := fmt.Sprint(u["urn:okta:composite:1.0:user:custom"]); !strings.Contains(got, "login:paris-42") {
		t.Errorf("user 1's login: %s", got)
	}
	for _, c := range []struct {
		filter string
		want   []string
	}{
		// Two employees whose columns cut differently make the same userName: both match.
		{`userName eq "FacelloGeorgi@corp.example"`, []string{"1", "2"}},
		{`userName eq "facellogeorgi@CORP.EXAMPLE"`, []string{"1", "2"}},
		{`userName eq "O'BrienSean@corp.example"`, []string{"3"}},
		{`userName eq "SmithJohn@other.example"`, nil},
		{`userName eq "SmithJohn"`, nil},
		{`userName eq "@corp.example"`, nil},
		{`userName eq "Smith John@corp.example"`, nil},
		{`emails eq "john.smith@corp.example"`, []string{"4"}},
		{`emails eq "JOHN.Smith@corp.example"`, []string{"4"}},
		{`emails eq "johnsmith@corp.example"`, nil},
		{`displayName eq "paris #42"`, []string{"1"}},
		{`displayName eq "NYC #7"`, []string{"4"}},
		{`displayName eq "NYC #07"`, nil},
		// caseExact: the format lower-cases the site, so only the lower-case value is anyone's.
		{login + ` eq "paris-42"`, []string{"1"}},
		{login + ` eq "Paris-42"`, nil},
		{login + ` eq "lyon-7"`, []string{"2"}},
		// More cuts than are worth an inverse: compared with the read expression alone.
		{`userName eq "` + strings.Repeat("a", 500) + `@corp.example"`, nil},
		{`userName sw "Fac"`, []string{"1", "2"}},
	} {
		out := mustCall(t, tg, 200, "GET", "/Users?filter="+url.QueryEscape(c.filter)+"&startIndex=1&count=100", nil)
		var ids []string
		rs, _ := out["Resources"].([]any)
		for _, r := range rs {
			ids = append(ids, fmt.Sprint(r.(map[string]any)["id"]))
		}
		slices.Sort(ids)
		if !slices.Equal(ids, c.want) {
			t.Errorf("%s: ids %v, want %v", c.filter, ids, c.want)
		}
	}
}
