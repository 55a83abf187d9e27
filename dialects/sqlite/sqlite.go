// Package sqlite is the embedded SQLite dialect, through the pure-Go modernc.org/sqlite
// driver, so scimsql builds with CGO_ENABLED=0 and the quickstart needs nothing installed.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite is the dialect.
type SQLite struct{}

var _ dialects.Dialect = (*SQLite)(nil)

// New returns the dialect.
func New() dialects.Dialect { return &SQLite{} }

var facts = dialects.Facts{
	Savepoint: dialects.StandardSavepoint,
	Name:      "sqlite",
	// RETURNING exists since SQLite 3.35; the bundled library is newer.
	Paging:    dialects.LimitOffset,
	KeyReturn: dialects.Returning,
	// LOWER() folds ASCII only in SQLite; that matches SQLite's own NOCASE collation.
	CaseFold:    func(x string) string { return "LOWER(" + x + ")" },
	Concat:      dialects.PipeConcat,
	ToText:      func(x string) string { return "CAST(" + x + " AS TEXT)" },
	LikeEscape:  " ESCAPE '!'",
	LikeSpecial: "!%_",
	// SQLite has no time type: store UTC text that sorts in time order and that SQLite's
	// own date functions and CURRENT_TIMESTAMP ("YYYY-MM-DD HH:MM:SS") agree with.
	TimeFormat:   "2006-01-02 15:04:05.000000",
	DateFormat:   "2006-01-02",
	TrueLiteral:  "1",
	FalseLiteral: "0",
	// A write transaction takes the database lock at BEGIN (_txlock=immediate), so rows
	// need no lock of their own.
	ForUpdate: "",
	MaxParams: 32766,
	// RETURNING since SQLite 3.35 (the embedded one is newer); column names in it must
	// not be qualified.
	InsertReturns: true, UpdateReturns: true,
}

var _ dialects.FileDatabase = (*SQLite)(nil)

// Exists implements dialects.FileDatabase: the file a DSN names ("app.db",
// "file:app.db?_pragma=..."); an in-memory database always exists.
func (*SQLite) Exists(dsn string) bool {
	path := strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "file:")
	if path == "" || path == ":memory:" || strings.Contains(dsn, "mode=memory") {
		return true
	}
	_, err := os.Stat(path)
	return err == nil
}

// Facts implements dialects.Dialect.
func (*SQLite) Facts() *dialects.Facts { return &facts }

// Placeholder implements dialects.Dialect.
func (*SQLite) Placeholder(int) string { return "?" }

// Quote implements dialects.Dialect.
func (*SQLite) Quote(ident string) string { return dialects.QuoteParts(ident, '"', '"') }

// Classify implements dialects.Dialect.
func (*SQLite) Classify(err error) dialects.Class {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return dialects.Conflict
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT:
			return dialects.Retryable
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR:
			return dialects.Unavailable
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH:
			return dialects.Invalid
		}
	}
	return dialects.Other
}

// Open implements dialects.Dialect. It adds the pragmas a server needs unless the DSN sets
// them: a busy timeout so concurrent writers wait instead of failing, WAL so readers do not
// block writers, foreign keys on, and immediate write transactions so two writers never
// deadlock upgrading a read lock.
func (*SQLite) Open(dsn string, pool dialects.Pool) (*sql.DB, error) {
	if !strings.Contains(dsn, "?") {
		dsn += "?"
	} else {
		dsn += "&"
	}
	var add []string
	if !strings.Contains(dsn, "busy_timeout") {
		add = append(add, "_pragma=busy_timeout(10000)")
	}
	if !strings.Contains(dsn, "journal_mode") {
		add = append(add, "_pragma=journal_mode(WAL)")
	}
	if !strings.Contains(dsn, "foreign_keys") {
		add = append(add, "_pragma=foreign_keys(1)")
	}
	if !strings.Contains(dsn, "_txlock") {
		add = append(add, "_txlock=immediate")
	}
	dsn = strings.TrimRight(dsn+strings.Join(add, "&"), "?&")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, dialects.ErrBadDSN
	}
	dialects.Configure(db, pool)
	return db, nil
}

var _ dialects.ColumnInspector = (*SQLite)(nil)

// RequiredColumns implements dialects.ColumnInspector. An INTEGER PRIMARY KEY is the
// rowid: SQLite fills it.
func (*SQLite) RequiredColumns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	return dialects.CollectColumns(ctx, db, `SELECT name FROM pragma_table_info(?)
		WHERE "notnull" = 1 AND dflt_value IS NULL AND NOT (pk = 1 AND UPPER(type) = 'INTEGER')
		ORDER BY cid`, table)
}
