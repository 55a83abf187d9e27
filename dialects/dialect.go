// Package dialects describes the SQL databases scimsql runs on: the facts that differ
// between them (placeholders, quoting, paging, key return, error classes) and how to open
// a connection pool. It assembles no statements; the engine does, from these facts.
//
// A dialect must, to be complete:
//
//  1. Name itself with the driver name a mapping uses (database.driver).
//  2. Give the placeholder for the n-th bound argument (1-based) and never rewrite SQL text.
//  3. Quote any identifier matching [A-Za-z_][A-Za-z0-9_$]* so it is safe and case-preserving.
//  4. Say how paging is written and how a generated key comes back after an INSERT.
//  5. Classify driver errors into conflicts, retryable failures and unreachable databases.
//  6. Open a *sql.DB with the pool limits it is given, without logging the DSN, whose
//     statements the server itself stops after Pool.StatementTimeout and which, when a
//     request's context ends, stops the statement on the server, not only waiting for it.
//  7. Pass the engine conformance suite against a real server.
//
// A dialect whose connections can take a deadline of their own (Deadliner) spares each
// statement outside a transaction the goroutines that watch a request's context; it must
// then refuse the deadline for a connection the server does not bound (item 6), and pass
// TestConnDeadline.
package dialects

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Paging is how a dialect limits a result.
type Paging int

const (
	// LimitOffset writes LIMIT n OFFSET m.
	LimitOffset Paging = iota
	// OffsetFetch writes OFFSET m ROWS FETCH NEXT n ROWS ONLY, which requires an ORDER BY.
	OffsetFetch
)

// KeyReturn is how a database-generated key is read back after an INSERT.
type KeyReturn int

const (
	// Returning appends RETURNING col to the INSERT.
	Returning KeyReturn = iota
	// OutputInserted puts OUTPUT INSERTED.col between the column list and VALUES.
	OutputInserted
	// LastInsertID uses sql.Result.LastInsertId.
	LastInsertID
	// OutputInto captures OUTPUT INSERTED.col into a table variable and selects it, which,
	// unlike a bare OUTPUT clause, works on tables that have triggers.
	OutputInto
)

// Class is what an error means to the engine.
type Class int

const (
	// Other is an error the engine reports as a database failure.
	Other Class = iota
	// Conflict is a unique-constraint violation: a SCIM 409.
	Conflict
	// Retryable is a deadlock or serialization failure: run the transaction again.
	Retryable
	// Unavailable means the database could not be reached: a SCIM 503.
	Unavailable
	// Invalid means the database refused a value (too long, out of range, not null,
	// malformed): a SCIM 400, since it came from the request.
	Invalid
	// TimedOut means the database stopped a statement that ran past its time limit
	// (Pool.StatementTimeout) or was cancelled: a SCIM 503, like a client-side timeout.
	TimedOut
)

// Facts are the things the engine needs to know to write SQL for a database.
type Facts struct {
	Name      string
	Paging    Paging
	KeyReturn KeyReturn
	// CaseFold wraps an expression so that comparisons ignore case, e.g. LOWER(x).
	CaseFold func(expr string) string
	// Concat joins text expressions into one, NULL when any of them is NULL; ToText
	// reads a number as text for it.
	Concat func(exprs []string) string
	ToText func(expr string) string
	// LikeEscape is the clause appended after a LIKE pattern that uses '!' as the escape
	// character, and LikeSpecial the characters that must be escaped in a pattern.
	LikeEscape  string
	LikeSpecial string
	// TimeFormat is non-empty when the database has no timestamp type and times are
	// stored as text in this (sortable, UTC) layout.
	TimeFormat string
	// DateFormat likewise for dates.
	DateFormat string
	// TrueLiteral and FalseLiteral are boolean constants usable in a WHERE clause.
	TrueLiteral, FalseLiteral string
	// ForUpdate is the suffix that locks a selected row for the rest of a transaction, "" if the
	// database locks differently (SQLite locks the whole database on write).
	ForUpdate string
	// LockHint follows the table name for the same purpose where the database uses table
	// hints instead (SQL Server: WITH (UPDLOCK, ROWLOCK)).
	LockHint string
	// KeyTypes maps a mapping id type (integer, string) to the SQL type of a variable
	// holding a key, for dialects that need one (OutputInto).
	KeyTypes map[string]string
	// MaxParams is the largest number of bound arguments in one statement.
	MaxParams int
	// InsertReturns and UpdateReturns say INSERT and UPDATE can end in RETURNING with any
	// expressions over the written row (unqualified column names): the stored row comes
	// back with the statement that writes it, without a second query.
	InsertReturns, UpdateReturns bool
	// SameValue, when set, compares a column with a bound value as the database would
	// after writing that value to it, NULL equal to NULL (MySQL: col <=> ?). It lets a
	// dialect without UpdateReturns write a row with a lone UPDATE and tell, in the read
	// that follows, whether the row still holds what was written.
	SameValue func(col, arg string) string
	// KeyOutput, for KeyReturn OutputInto, returns the text that goes before an INSERT,
	// the OUTPUT clause inside it and the statement after it that returns the new key of
	// type keyType from column idCol (quoted).
	KeyOutput func(idCol, keyType string) (before, output, after string)
	// Savepoint returns the statements that open, roll back to and release a savepoint
	// (release "" where the database has none): scimsql explain runs an operation's own
	// transactions as savepoints inside the one it rolls back.
	Savepoint func(name string) (save, rollback, release string)
}

// PipeConcat is SQL's a || b (PostgreSQL, SQLite).
func PipeConcat(exprs []string) string { return "(" + strings.Join(exprs, " || ") + ")" }

// StandardSavepoint is SQL's SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT
// (PostgreSQL, MySQL, MariaDB, SQLite).
func StandardSavepoint(name string) (save, rollback, release string) {
	return "SAVEPOINT " + name, "ROLLBACK TO SAVEPOINT " + name, "RELEASE SAVEPOINT " + name
}

// ArgLocator is a dialect whose driver says which argument of a statement it could not
// encode (pgx: "failed to encode args[5]"), so a refused value can be named.
type ArgLocator interface {
	// FailedArg returns the 0-based index of the argument err is about.
	FailedArg(err error) (int, bool)
}

// FileDatabase is a dialect whose database is a file the DSN names (SQLite): opening a
// database that does not exist creates it.
type FileDatabase interface {
	// Exists says whether the DSN's database file exists.
	Exists(dsn string) bool
}

// Prober is a dialect whose facts depend on the server behind the driver (MySQL and
// MariaDB share one): Probe asks the server and returns the facts for it.
type Prober interface {
	Probe(ctx context.Context, db *sql.DB) (*Facts, error)
}

// KeyType returns the SQL type for a key of mapping type t.
func (f *Facts) KeyType(t string) string {
	if k, ok := f.KeyTypes[t]; ok {
		return k
	}
	return f.KeyTypes["string"]
}

// Pool holds connection pool limits, and what every connection of the pool is bounded by.
type Pool struct {
	MaxOpen     int
	MaxIdle     int
	MaxLifetime time.Duration
	// StatementTimeout, when positive, is set on every connection as the server's own
	// limit for one statement (PostgreSQL statement_timeout, MariaDB max_statement_time,
	// MySQL max_execution_time for reads), unless the DSN sets it: a statement outlives
	// neither its request nor a client that is gone. SQL Server bounds statements
	// through cancellation, which its driver sends when the request's context ends.
	StatementTimeout time.Duration
}

// Dialect is one database.
type Dialect interface {
	Facts() *Facts
	// Placeholder returns the text of the n-th (1-based) argument placeholder.
	Placeholder(n int) string
	// Quote quotes an identifier; qualified names (schema.table) are quoted per part.
	Quote(ident string) string
	// Classify says what a driver error means.
	Classify(err error) Class
	// Open opens a pool. It must not log or return the DSN in errors.
	Open(dsn string, pool Pool) (*sql.DB, error)
}

// Deadliner is a dialect whose connections can be bounded by a deadline of their own: a
// deadline on the network connection under the driver. The engine then runs an
// operation's statements outside a transaction on one connection that carries the
// operation's deadline, with a context that cannot end, instead of having database/sql
// and the driver watch the request's context: each starts or wakes a goroutine per
// statement to watch one, which on a small machine costs more CPU than the statement's
// own round trip. The connection is still taken from the pool with the request's
// context, so waiting for one stays bounded, and a statement the deadline cuts off is
// ended on the server by its own limit (Pool.StatementTimeout), which is why a dialect
// must refuse the deadline for a connection the server does not bound.
type Deadliner interface {
	// SetConnDeadline bounds every read and write of driverConn (what sql.Conn.Raw
	// passes) by t; the zero time removes the bound. It returns ErrNoDeadline for a
	// connection that is not the dialect's own or whose statements the server does not
	// bound, which then runs its statements under the request's context as before.
	SetConnDeadline(driverConn any, t time.Time) error
}

// Positive says whether a session setting from a DSN ("5000", "30s", "0.5", "'7'", "0ms")
// is a number above zero, whatever its unit: whether the server bounds statements.
func Positive(v string) bool {
	v = strings.Trim(v, "'\"")
	n := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if n < 0 {
		n = len(v)
	}
	f, err := strconv.ParseFloat(v[:n], 64)
	return err == nil && f > 0
}

// ErrNoDeadline is what Deadliner.SetConnDeadline returns for a connection it cannot bound.
var ErrNoDeadline = errors.New("this connection cannot be bounded by a deadline")

// Configure applies pool limits to db.
func Configure(db *sql.DB, p Pool) {
	db.SetMaxOpenConns(p.MaxOpen)
	db.SetMaxIdleConns(p.MaxIdle)
	db.SetConnMaxLifetime(p.MaxLifetime)
	db.SetConnMaxIdleTime(5 * time.Minute)
}

// ErrBadDSN is returned by Open for a DSN the driver cannot parse. Its message never
// contains the DSN, which may hold a password.
var ErrBadDSN = errors.New("the database DSN could not be parsed (check its format; it is not shown because it may contain a password)")

// ColumnInspector is a dialect that can list a table's columns an INSERT must give: NOT
// NULL, with no default, not generated (identity, serial, AUTO_INCREMENT), for scimsql
// validate.
type ColumnInspector interface {
	RequiredColumns(ctx context.Context, db *sql.DB, table string) ([]string, error)
}

// CollationInspector is a dialect whose text columns each have a collation, which may
// compare case by case even where the dialect's CaseFold relies on it not to (MySQL's
// _bin and _cs, SQL Server's _CS and _BIN), for scimsql validate.
type CollationInspector interface {
	// CaseSensitiveColumns returns table's text columns whose collation minds case: the
	// column name, lower-cased, to the collation's name.
	CaseSensitiveColumns(ctx context.Context, db *sql.DB, table string) (map[string]string, error)
}

// CollectPairs runs query (two text columns per row) and returns the first, lower-cased,
// to the second.
func CollectPairs(ctx context.Context, db *sql.DB, query string, args ...any) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[strings.ToLower(k)] = v
	}
	return out, rows.Err()
}

// CollectColumns runs query (one text column per row) and returns the names.
func CollectColumns(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Table privileges, as PrivilegeChecker reports them.
const (
	PrivSelect = "SELECT"
	PrivInsert = "INSERT"
	PrivUpdate = "UPDATE"
	PrivDelete = "DELETE"
)

// PrivilegeChecker is implemented by dialects that can say which table privileges the
// connection's user holds, for scimsql validate.
type PrivilegeChecker interface {
	// Privileges returns the privileges (SELECT, INSERT, UPDATE, DELETE) held on table.
	Privileges(ctx context.Context, db *sql.DB, table string) (map[string]bool, error)
}

// CollectPrivileges runs a query whose rows are (privilege, granted) pairs.
func CollectPrivileges(ctx context.Context, db *sql.DB, query string, args ...any) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var priv string
		var ok bool
		if err := rows.Scan(&priv, &ok); err != nil {
			return nil, err
		}
		out[strings.ToUpper(priv)] = out[strings.ToUpper(priv)] || ok
	}
	return out, rows.Err()
}
