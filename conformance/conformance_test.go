package conformance_test

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/dialects/sqlserver"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

var allCapabilities = []string{"GROUP_PUSH", "IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "OPP_SCIM_INCREMENTAL_IMPORTS",
	"PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_PENDING_USERS", "PUSH_PROFILE_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"}

func root(parts ...string) string {
	return filepath.Join(append([]string{".."}, parts...)...)
}

// target builds a scimsql for mappingFile on db, after running schemaFile.
func target(t *testing.T, d dialects.Dialect, dsn, mappingFile, schemaFile string, caps []string) conformance.Target {
	t.Helper()
	return targetFacts(t, d, dsn, mappingFile, schemaFile, caps, nil)
}

// targetFacts is target with the server behind a MySQL-family DSN taken to be server
// (engine.Options.Server): MySQL's facts on a MariaDB run every statement MySQL 8 would
// receive against a real server.
func targetFacts(t *testing.T, d dialects.Dialect, dsn, mappingFile, schemaFile string, caps []string, server *dialects.Facts) conformance.Target {
	t.Helper()
	m, err := mappings.LoadFile(mappingFile, mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("load %s: %v", mappingFile, err)
	}
	m.Database.Driver = d.Facts().Name
	m.Database.Init = nil
	db := conformance.Open(t, d, dsn)
	if schemaFile != "" { // "": the database is ready
		script, err := os.ReadFile(schemaFile)
		if err != nil {
			t.Fatal(err)
		}
		conformance.Exec(t, db, engine.SplitStatements(string(script)))
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() && os.Getenv("SCIMSQL_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e, err := engine.New(m, d, db, engine.Options{Logger: log, BcryptCost: bcrypt.MinCost, Server: server})
	if err != nil {
		t.Fatal(err)
	}
	user, pass := m.Server.Auth.Username, m.Server.Auth.Password.Reveal()
	return conformance.Target{
		Handler:      httpapi.New(e, log),
		Mapping:      m,
		DB:           db,
		Dialect:      d,
		Auth:         func(r *http.Request) { r.SetBasicAuth(user, pass) },
		Capabilities: caps,
	}
}

func TestQuickstartSQLite(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "conformance.db")
	conformance.Run(t, target(t, sqlite.New(), dsn, root("examples", "quickstart", "mapping.yaml"), root("examples", "quickstart", "schema.sql"), allCapabilities))
}

func TestQuickstartPostgres(t *testing.T) {
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	conformance.Run(t, target(t, d, dsn, root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.postgres.sql"), allCapabilities))
}

func TestTemplatedSQLite(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "templated.db")
	conformance.Run(t, target(t, sqlite.New(), dsn, root("testdata", "conformance", "templated.yaml"), root("examples", "quickstart", "schema.sql"), allCapabilities))
}

func TestTemplatedPostgres(t *testing.T) {
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	conformance.Run(t, target(t, d, dsn, root("testdata", "conformance", "templated.yaml"), root("testdata", "conformance", "schema.postgres.sql"), allCapabilities))
}

func TestQuickstartMySQL(t *testing.T) {
	d := conformance.MySQL()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	conformance.Run(t, target(t, d, dsn, root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.mysql.sql"), allCapabilities))
}

func TestTemplatedMySQL(t *testing.T) {
	d := conformance.MySQL()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	conformance.Run(t, target(t, d, dsn, root("testdata", "conformance", "templated.yaml"), root("testdata", "conformance", "schema.mysql.sql"), allCapabilities))
}

// SQL Server cannot run on the development machines; these run where
// SCIMSQL_TEST_SQLSERVER_DSN is set (see .github/workflows/sqlserver.yml).
func TestQuickstartSQLServer(t *testing.T) {
	d := sqlserver.New()
	dsn := conformance.SQLServerDatabase(t, d, sqlServerDSN(t))
	conformance.Run(t, target(t, d, dsn, root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.sqlserver.sql"), allCapabilities))
}

func TestTemplatedSQLServer(t *testing.T) {
	d := sqlserver.New()
	dsn := conformance.SQLServerDatabase(t, d, sqlServerDSN(t))
	conformance.Run(t, target(t, d, dsn, root("testdata", "conformance", "templated.yaml"), root("testdata", "conformance", "schema.sqlserver.sql"), allCapabilities))
}

// sqlServerDSN skips without SCIMSQL_TEST_SQLSERVER_DSN even under CI=true: no SQL Server
// runs on this project's CI machine; the SQL Server workflow sets it.
func sqlServerDSN(t *testing.T) string {
	dsn := os.Getenv("SCIMSQL_TEST_SQLSERVER_DSN")
	if dsn == "" {
		t.Skip("SCIMSQL_TEST_SQLSERVER_DSN is not set; SQL Server is covered here by the SQL goldens (testdata/sql/explain)")
	}
	return dsn
}

// go-sql-driver returns DATETIME as text without parseTime and as time.Time with it; the
// engine must read both the same.
func TestQuickstartMySQLParseTime(t *testing.T) {
	d := conformance.MySQL()
	base := conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	dsn := conformance.MySQLDatabase(t, d, base+sep+"parseTime=true")
	conformance.Run(t, target(t, d, dsn, root("examples", "quickstart", "mapping.yaml"), root("testdata", "conformance", "schema.mysql.sql"), allCapabilities))
}

func TestSQLServerExample(t *testing.T) {
	d := sqlserver.New()
	dsn := conformance.SQLServerDatabase(t, d, sqlServerDSN(t))
	conformance.Run(t, target(t, d, dsn, root("examples", "sqlserver", "mapping.yaml"), root("examples", "sqlserver", "schema.sql"), allCapabilities))
}
