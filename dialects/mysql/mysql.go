// Package mysql is the MySQL and MariaDB dialect, through go-sql-driver/mysql. It is
// tested against MariaDB and written for MySQL 8 too: the one thing MariaDB has and
// MySQL lacks, INSERT ... RETURNING, is used only after Probe has seen a MariaDB.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/scimsql/scimsql/dialects"
)

// MySQL is the dialect.
type MySQL struct {
	// asMySQL takes every server for MySQL 8 whatever its version says, so that MariaDB
	// receives the statements MySQL 8 would (the test suites' MySQL-facts run).
	asMySQL bool
}

var _ dialects.Dialect = (*MySQL)(nil)

// New returns the dialect.
func New() dialects.Dialect { return &MySQL{} }

// AsMySQL8 is the dialect with MySQL 8's facts on any server: no INSERT ... RETURNING,
// new keys from LastInsertId, creates read back by id. On MariaDB it runs exactly the
// statements MySQL 8 would receive; nothing but the tests should want it.
func AsMySQL8() dialects.Dialect { return &MySQL{asMySQL: true} }

var facts = dialects.Facts{
	Savepoint: dialects.StandardSavepoint,
	Name:      "mysql",
	Paging:    dialects.LimitOffset,
	// MySQL has no RETURNING; the key of an AUTO_INCREMENT column comes back in the OK
	// packet, on the same connection, so it is right under concurrency.
	KeyReturn: dialects.LastInsertID,
	// Comparisons follow the column's collation. The default (utf8mb4_*_ci) collations
	// ignore case, as SCIM wants for userName, and let the index serve the lookup; wrapping
	// the column in LOWER() would prevent that. A _bin or _cs column compares exactly.
	CaseFold: func(x string) string { return x },
	// CONCAT is NULL when an argument is (|| is OR unless PIPES_AS_CONCAT).
	Concat: func(xs []string) string { return "CONCAT(" + strings.Join(xs, ", ") + ")" },
	// CONCAT reads a number as text itself, with the weakest collation derivation; a
	// CAST(x AS CHAR) would bring its own collation and clash with the columns'.
	ToText:      func(x string) string { return x },
	LikeEscape:  " ESCAPE '!'",
	LikeSpecial: "!%_",
	// TRUE and FALSE exist but are 1 and 0; the numbers read the same everywhere.
	TrueLiteral:  "1",
	FalseLiteral: "0",
	ForUpdate:    " FOR UPDATE",
	// The protocol counts statement parameters in 16 bits.
	MaxParams: 65535,
	SameValue: func(col, arg string) string { return col + " <=> " + arg },
}

// Facts implements dialects.Dialect.
func (*MySQL) Facts() *dialects.Facts { return &facts }

var _ dialects.Prober = (*MySQL)(nil)

// mariaDBFacts are MariaDB 10.5 and later: INSERT ... RETURNING (UPDATE has none).
var mariaDBFacts = func() dialects.Facts {
	f := facts
	f.InsertReturns = true
	return f
}()

// MariaDBFacts are the facts Probe returns for MariaDB 10.5 and later.
func MariaDBFacts() *dialects.Facts {
	f := mariaDBFacts
	return &f
}

// Probe implements dialects.Prober: MySQL and MariaDB speak one protocol, and only the
// server's version tells whether an INSERT can return the row it wrote.
func (m *MySQL) Probe(ctx context.Context, db *sql.DB) (*dialects.Facts, error) {
	if m.asMySQL {
		return &facts, nil
	}
	var v string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return nil, err
	}
	if mariaDBReturns(v) {
		return &mariaDBFacts, nil
	}
	return &facts, nil
}

// mariaDBReturns says whether a VERSION() string is MariaDB 10.5 or later
// ("10.11.19-MariaDB-0+deb12u1", "11.4.2-MariaDB"); MySQL's ("8.0.36") never is.
func mariaDBReturns(version string) bool {
	if !strings.Contains(strings.ToLower(version), "mariadb") {
		return false
	}
	major, rest, _ := strings.Cut(version, ".")
	minor, _, _ := strings.Cut(rest, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	return err1 == nil && err2 == nil && (ma > 10 || ma == 10 && mi >= 5)
}

// Placeholder implements dialects.Dialect.
func (*MySQL) Placeholder(int) string { return "?" }

// Quote implements dialects.Dialect.
func (*MySQL) Quote(ident string) string { return dialects.QuoteParts(ident, '`', '`') }

// Error numbers, from the server's errmsg list.
const (
	errDupEntry         = 1062 // ER_DUP_ENTRY
	errDupEntryKey      = 1586 // ER_DUP_ENTRY_WITH_KEY_NAME
	errLockWait         = 1205 // ER_LOCK_WAIT_TIMEOUT
	errDeadlock         = 1213 // ER_LOCK_DEADLOCK
	errTooManyConns     = 1040 // ER_CON_COUNT_ERROR
	errServerShutdown   = 1053 // ER_SERVER_SHUTDOWN
	errAccessDenied     = 1045 // ER_ACCESS_DENIED_ERROR
	errUnknownDB        = 1049 // ER_BAD_DB_ERROR
	errAccessDeniedNoPW = 1698 // ER_ACCESS_DENIED_NO_PASSWORD_ERROR (MariaDB unix_socket)
	errBadNull          = 1048 // ER_BAD_NULL_ERROR
	errDataTooLong      = 1406 // ER_DATA_TOO_LONG
	errOutOfRange       = 1264 // ER_WARN_DATA_OUT_OF_RANGE
	errTruncatedValue   = 1292 // ER_TRUNCATED_WRONG_VALUE (bad date)
	errIncorrectValue   = 1366 // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
	errNoDefault        = 1364 // ER_NO_DEFAULT_FOR_FIELD
	errCheckConstraint  = 4025 // MariaDB ER_CONSTRAINT_FAILED (3819 on MySQL)
	errCheckMySQL       = 3819
	errDataTruncated    = 1265 // WARN_DATA_TRUNCATED (ENUM values in strict mode)
	errUnknownVariable  = 1193 // ER_UNKNOWN_SYSTEM_VARIABLE
	errInterrupted      = 1317 // ER_QUERY_INTERRUPTED (KILL QUERY)
	errStatementTime    = 1969 // MariaDB ER_STATEMENT_TIMEOUT (max_statement_time)
	errExecutionTime    = 3024 // MySQL ER_QUERY_TIMEOUT (max_execution_time)
)

// Classify implements dialects.Dialect.
func (*MySQL) Classify(err error) dialects.Class {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case errDupEntry, errDupEntryKey:
			return dialects.Conflict
		case errDeadlock, errLockWait:
			return dialects.Retryable
		case errTooManyConns, errServerShutdown, errAccessDenied, errAccessDeniedNoPW, errUnknownDB:
			return dialects.Unavailable
		case errInterrupted, errStatementTime, errExecutionTime:
			return dialects.TimedOut
		case errBadNull, errDataTooLong, errOutOfRange, errTruncatedValue, errIncorrectValue,
			errNoDefault, errCheckConstraint, errCheckMySQL, errDataTruncated:
			return dialects.Invalid
		}
		return dialects.Other
	}
	if errors.Is(err, mysql.ErrInvalidConn) || dialects.IsNetwork(err) {
		return dialects.Unavailable
	}
	return dialects.Other
}

// Open implements dialects.Dialect. Times travel in UTC whatever the DSN says about
// parseTime: with it the driver returns time.Time, without it the engine parses the text.
func (*MySQL) Open(dsn string, pool dialects.Pool) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, dialects.ErrBadDSN
	}
	if cfg.Loc == nil {
		cfg.Loc = time.UTC
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// Store UTC timestamps as given, whatever the server's time zone.
	if _, ok := cfg.Params["time_zone"]; !ok {
		cfg.Params["time_zone"] = "'+00:00'"
	}
	// Strict mode makes a value that does not fit an error instead of a silent truncation.
	if _, ok := cfg.Params["sql_mode"]; !ok {
		cfg.Params["sql_mode"] = "'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'"
	}
	if cfg.Collation == "" {
		cfg.Collation = "utf8mb4_unicode_ci"
	}
	// scimsql dials tcp and unix itself, as the driver would, to know each connection's
	// socket (SetConnDeadline). A DSN with readTimeout or writeTimeout has the driver set
	// deadlines of its own, which a deadline of ours would not survive.
	switch cfg.Net {
	case "tcp", "tcp4", "tcp6", "unix":
		if cfg.DialFunc == nil && cfg.ReadTimeout == 0 && cfg.WriteTimeout == 0 {
			cfg.DialFunc = dial
		}
	}
	inner, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, dialects.ErrBadDSN
	}
	c := &connector{Connector: inner}
	vs, ms := cfg.Params["max_statement_time"]
	ve, me := cfg.Params["max_execution_time"]
	switch t := pool.StatementTimeout; {
	case ms || me:
		c.bounded = dialects.Positive(vs) || dialects.Positive(ve) // the DSN's own limit; 0 is none
	case t > 0:
		c.timeout = t
	}
	db := sql.OpenDB(c)
	dialects.Configure(db, pool)
	return db, nil
}

var _ dialects.PrivilegeChecker = (*MySQL)(nil)

// Privileges implements dialects.PrivilegeChecker from information_schema: global,
// database and table grants of the current user. Grants through roles are not seen.
func (*MySQL) Privileges(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	schema, name := "", table
	if i := strings.IndexByte(table, '.'); i >= 0 {
		schema, name = table[:i], table[i+1:]
	}
	const grantee = `CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')`
	return dialects.CollectPrivileges(ctx, db, `
		SELECT PRIVILEGE_TYPE, 1 FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = `+grantee+`
		UNION SELECT PRIVILEGE_TYPE, 1 FROM information_schema.SCHEMA_PRIVILEGES
			WHERE GRANTEE = `+grantee+` AND TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE())
		UNION SELECT PRIVILEGE_TYPE, 1 FROM information_schema.TABLE_PRIVILEGES
			WHERE GRANTEE = `+grantee+` AND TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_NAME = ?`,
		schema, schema, name)
}

var _ dialects.ColumnInspector = (*MySQL)(nil)

var _ dialects.CollationInspector = (*MySQL)(nil)

// CaseSensitiveColumns implements dialects.CollationInspector: a _bin collation, or one
// that says _cs (MySQL 8's utf8mb4_0900_as_cs).
func (*MySQL) CaseSensitiveColumns(ctx context.Context, db *sql.DB, table string) (map[string]string, error) {
	schema, name := "", table
	if i := strings.IndexByte(table, '.'); i >= 0 {
		schema, name = table[:i], table[i+1:]
	}
	return dialects.CollectPairs(ctx, db, `SELECT COLUMN_NAME, COLLATION_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_NAME = ?
		AND (COLLATION_NAME LIKE '%\_bin' OR COLLATION_NAME LIKE '%\_cs')`, schema, name)
}

// RequiredColumns implements dialects.ColumnInspector. MariaDB reports a column without
// a default as COLUMN_DEFAULT NULL (MySQL too); a nullable one has IS_NULLABLE YES.
func (*MySQL) RequiredColumns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	schema, name := "", table
	if i := strings.IndexByte(table, '.'); i >= 0 {
		schema, name = table[:i], table[i+1:]
	}
	return dialects.CollectColumns(ctx, db, `SELECT COLUMN_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_NAME = ?
		AND IS_NULLABLE = 'NO' AND COLUMN_DEFAULT IS NULL AND EXTRA NOT LIKE '%auto_increment%'
		AND EXTRA NOT LIKE '%GENERATED%'
		ORDER BY ORDINAL_POSITION`, schema, name)
}
