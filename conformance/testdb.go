package conformance

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/scimsql/scimsql/dialects/mysql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/internal/cursorstore"
)

// DSN returns the DSN in the environment variable name. Unset, the test is skipped with
// a message naming the variable, except under CI=true, where every database must run.
func DSN(t testing.TB, name string) string {
	t.Helper()
	dsn := os.Getenv(name)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI runs every database and skips none", name)
		}
		t.Skipf("%s is not set; set it to run these tests against a real server", name)
	}
	return dsn
}

// MySQLFactsEnv names the variable that makes every MySQL-family test run with MySQL 8's
// facts on whatever server answers: SCIMSQL_TEST_MYSQL_FACTS=mysql. .ci/run runs the
// suites a second time so, and MariaDB receives every statement MySQL 8 would.
const MySQLFactsEnv = "SCIMSQL_TEST_MYSQL_FACTS"

// MySQL is the MySQL-family dialect the tests use: the probing one (MariaDB's facts on
// MariaDB), or with MySQLFactsEnv=mysql the one that takes any server for MySQL 8.
func MySQL() dialects.Dialect {
	if os.Getenv(MySQLFactsEnv) == "mysql" {
		return mysql.AsMySQL8()
	}
	return mysql.New()
}

// Open opens dsn with d and fails the test (never skips) when the server does not answer.
func Open(t testing.TB, d dialects.Dialect, dsn string) *sql.DB {
	t.Helper()
	// Bounded on the server as scimsql serve bounds it (database.queryTimeout), so that
	// the engine bounds its connections by deadlines (dialects.Deadliner) here too.
	db, err := d.Open(dsn, dialects.Pool{MaxOpen: 8, MaxIdle: 8, MaxLifetime: time.Minute, StatementTimeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("open %s: %v", d.Facts().Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("%s does not answer: %v", d.Facts().Name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresSchema creates a fresh schema for one test and returns a DSN whose search_path
// points at it; the schema is dropped when the test ends.
func PostgresSchema(t testing.TB, d dialects.Dialect, dsn string) string {
	t.Helper()
	admin := Open(t, d, dsn)
	name := fmt.Sprintf("scimsql_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", name, err)
		}
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parse DSN: %v", err)
		}
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + name
}

// Exec runs a script of statements.
func Exec(t testing.TB, db *sql.DB, statements []string) {
	t.Helper()
	for _, s := range statements {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\nin: %s", err, s)
		}
	}
}

// MySQLDatabase creates a fresh database for one test on the server of dsn (a
// go-sql-driver DSN) and returns a DSN for it; the database is dropped when the test ends.
func MySQLDatabase(t testing.TB, d dialects.Dialect, dsn string) string {
	t.Helper()
	admin := Open(t, d, dsn)
	name := fmt.Sprintf("scimsql_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		t.Fatalf("a MySQL DSN names its database after a slash: user@tcp(host:3306)/db")
	}
	rest := dsn[slash+1:]
	params := ""
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		params = rest[q:]
	}
	return dsn[:slash+1] + name + params
}

// SQLServerDatabase creates a fresh database for one test on the server of dsn (a
// sqlserver:// URL) and returns a DSN for it; the database is dropped when the test ends.
func SQLServerDatabase(t testing.TB, d dialects.Dialect, dsn string) string {
	t.Helper()
	admin := Open(t, d, dsn)
	name := fmt.Sprintf("scimsql_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		// Pools may still hold connections to it; make them go first.
		_, _ = admin.Exec("ALTER DATABASE " + name + " SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "sqlserver" {
		t.Fatalf("SCIMSQL_TEST_SQLSERVER_DSN must be a sqlserver:// URL")
	}
	q := u.Query()
	q.Set("database", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// Redis returns a cursor store on the Redis server in SCIMSQL_TEST_REDIS_URL, its keys
// under a prefix of this test's own. Unset, the test is skipped, except under CI=true.
func Redis(t testing.TB) *cursorstore.Redis {
	t.Helper()
	url := DSN(t, "SCIMSQL_TEST_REDIS_URL")
	prefix := fmt.Sprintf("scimsql_test:%d:%d:", os.Getpid(), time.Now().UnixNano())
	r, err := cursorstore.NewRedis(url, prefix, 8)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("Redis does not answer: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
