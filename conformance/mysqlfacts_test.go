package conformance_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/mysql"
	"github.com/scimsql/scimsql/explain"
	"github.com/scimsql/scimsql/mappings"
)

// The MySQL 8 path on MariaDB: the suites run again with MySQL's facts forced (no INSERT
// ... RETURNING: new keys from LastInsertId on the same connection, creates read back
// by id), so every statement MySQL 8 would receive is executed against a real server.
// What MariaDB cannot stand in for (collation names, max_execution_time,
// caching_sha2_password, ONLY_FULL_GROUP_BY) runs in .github/workflows/test.yml on
// MySQL 8.0 and 8.4.

var mysql8 = mysql.New().Facts() // the dialect's own facts are MySQL 8's

func TestQuickstartMySQLFacts(t *testing.T) {
	d := mysql.New()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	conformance.Run(t, targetFacts(t, d, dsn, root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.mysql.sql"), allCapabilities, mysql8))
}

func TestTemplatedMySQLFacts(t *testing.T) {
	d := mysql.New()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	conformance.Run(t, targetFacts(t, d, dsn, root("testdata", "conformance", "templated.yaml"), root("testdata", "conformance", "schema.mysql.sql"), allCapabilities, mysql8))
}

func TestScopesMySQLFacts(t *testing.T) {
	d := mysql.New()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	conformance.Run(t, targetFacts(t, d, dsn, root("testdata", "conformance", "scoped", "mapping.yaml"),
		root("testdata", "conformance", "scoped", "schema.mysql.sql"), scopedCapabilities, mysql8))
}

// Which facts each run used, by what it ran: on MariaDB's facts a create is one INSERT
// ... RETURNING; on MySQL's, an INSERT and a read by the key LastInsertId gave.
func TestMySQLFactsChangeTheStatements(t *testing.T) {
	d := mysql.New()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	tg := target(t, d, dsn, root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.mysql.sql"), nil)
	create := func(server *dialects.Facts) []string {
		t.Helper()
		reqs, err := explain.Requests(tg.Mapping, mappings.OpCreateUser, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := explain.Run(context.Background(), explain.Config{Mapping: tg.Mapping, Dialect: d, DB: tg.DB, Server: server}, reqs)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Status != 201 {
			t.Fatalf("createUser: %d %s", res[0].Status, res[0].Answer)
		}
		var sqls []string
		for _, s := range res[0].Statements {
			sqls = append(sqls, s.SQL)
		}
		return sqls
	}
	maria, my := create(nil), create(mysql8)
	t.Logf("MariaDB's facts: %d statements; MySQL 8's: %d", len(maria), len(my))
	if last := maria[len(maria)-1]; !strings.HasPrefix(last, "INSERT INTO") || !strings.Contains(last, " RETURNING ") {
		t.Errorf("on MariaDB's facts the create ends with %q, want INSERT ... RETURNING", last)
	}
	insert, read := my[len(my)-2], my[len(my)-1]
	if !strings.HasPrefix(insert, "INSERT INTO") || strings.Contains(insert, "RETURNING") || !strings.HasPrefix(read, "SELECT ") {
		t.Errorf("on MySQL's facts the create ends with %q then %q, want an INSERT without RETURNING and a read", insert, read)
	}
}

// Which facts this run's MySQL-family tests use: the server's own (MariaDB's INSERT ...
// RETURNING on MariaDB), or, with SCIMSQL_TEST_MYSQL_FACTS=mysql as .ci/run's second run
// sets it, MySQL 8's on whatever server answers.
func TestMySQLFactsOfThisRun(t *testing.T) {
	d := conformance.MySQL()
	db := conformance.Open(t, d, conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")))
	var version string
	if err := db.QueryRow("SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	got, err := d.(dialects.Prober).Probe(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	own, err := mysql.New().(dialects.Prober).Probe(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	forced := os.Getenv(conformance.MySQLFactsEnv) == "mysql"
	t.Logf("server %s; this run uses %s facts (INSERT ... RETURNING: %v)", version, map[bool]string{true: "MySQL 8's", false: "the server's own"}[forced], got.InsertReturns)
	switch {
	case forced && got.InsertReturns:
		t.Errorf("%s=mysql, yet the dialect takes the server for one with INSERT ... RETURNING", conformance.MySQLFactsEnv)
	case !forced && got.InsertReturns != own.InsertReturns:
		t.Errorf("the tests' dialect says RETURNING %v, the server's own probe %v", got.InsertReturns, own.InsertReturns)
	}
}
