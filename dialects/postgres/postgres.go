// Package postgres is the PostgreSQL dialect, through pgx/v5's database/sql adapter.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/scimsql/scimsql/dialects"
)

// Postgres is the dialect.
type Postgres struct{}

var _ dialects.Dialect = (*Postgres)(nil)

// New returns the dialect.
func New() dialects.Dialect { return &Postgres{} }

var facts = dialects.Facts{
	Savepoint: dialects.StandardSavepoint,
	Name:      "postgres",
	Paging:    dialects.LimitOffset,
	KeyReturn: dialects.Returning,
	// LOWER(col) = LOWER($1) uses an expression index on LOWER(col); the examples create one.
	CaseFold:     func(x string) string { return "LOWER(" + x + ")" },
	Concat:       dialects.PipeConcat,
	ToText:       func(x string) string { return "CAST(" + x + " AS text)" },
	LikeEscape:   " ESCAPE '!'",
	LikeSpecial:  "!%_",
	TrueLiteral:  "TRUE",
	FalseLiteral: "FALSE",
	ForUpdate:    " FOR UPDATE",
	// The wire protocol counts parameters in an int16.
	MaxParams: 65535,
	// INSERT and UPDATE ... RETURNING: the read-back of a create or a profile push
	// travels with the write.
	InsertReturns: true, UpdateReturns: true,
}

var _ dialects.ArgLocator = (*Postgres)(nil)

var argIndex = regexp.MustCompile(`args\[(\d+)\]`)

// FailedArg implements dialects.ArgLocator: pgx names the argument it could not encode
// ("failed to encode args[5]: ...").
func (*Postgres) FailedArg(err error) (int, bool) {
	m := argIndex.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	i, err := strconv.Atoi(m[1])
	return i, err == nil
}

// Facts implements dialects.Dialect.
func (*Postgres) Facts() *dialects.Facts { return &facts }

// Placeholder implements dialects.Dialect.
func (*Postgres) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// Quote implements dialects.Dialect.
func (*Postgres) Quote(ident string) string { return dialects.QuoteParts(ident, '"', '"') }

// Classify implements dialects.Dialect.
func (*Postgres) Classify(err error) dialects.Class {
	// A connection that could not be made (refused, a wrong password, a database that
	// does not exist) is unavailability, whatever the server said: its message names the
	// user and the database, which no answer repeats.
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return dialects.Unavailable
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return dialects.Conflict
		case pe.Code == "40001" || pe.Code == "40P01":
			return dialects.Retryable
		// Class 08 is connection exceptions; 57P01-57P03 are shutdowns and start-ups.
		case strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P"):
			return dialects.Unavailable
		// Class 22 is data exceptions (too long, out of range, bad format); 23502 and 23514
		// are NOT NULL and CHECK violations; 54000 is a value too large for an index entry
		// (a userName of 3 kB under its LOWER() index): the request's value was refused.
		case strings.HasPrefix(pe.Code, "22") || pe.Code == "23502" || pe.Code == "23514" || pe.Code == "54000":
			return dialects.Invalid
		// 57014 query_canceled: statement_timeout, or the cancel request sent when a
		// request's context ended.
		case pe.Code == "57014":
			return dialects.TimedOut
		}
		return dialects.Other
	}
	// pgx refuses to encode a Go value into the parameter's type before it reaches the
	// server (an integer too large for int4, text into a uuid).
	if s := err.Error(); strings.Contains(s, "failed to encode args") || strings.Contains(s, "unable to encode") {
		return dialects.Invalid
	}
	if dialects.IsNetwork(err) {
		return dialects.Unavailable
	}
	return dialects.Other
}

// Open implements dialects.Dialect.
func (*Postgres) Open(dsn string, pool dialects.Pool) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, dialects.ErrBadDSN
	}
	if t := pool.StatementTimeout; t > 0 {
		// Sent as a run-time parameter in the startup message: no statement of its own.
		if _, set := cfg.RuntimeParams["statement_timeout"]; !set {
			cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(t.Milliseconds(), 10)
		}
	}
	// When a request's context ends (its timeout, or the client went away), pgx gives the
	// connection up at once and, closing it, sends the server a cancel request: the
	// statement leaves pg_stat_activity within milliseconds (TestCancelledRequest...).
	// Waiting for the cancel's confirmation instead would keep the connection, at the
	// price of answering up to that wait after the query timeout.
	// A connection the server bounds says so for SetConnDeadline, which must not copy
	// the connection's configuration on every call to find out.
	if dialects.Positive(cfg.RuntimeParams["statement_timeout"]) {
		after := cfg.AfterConnect
		cfg.AfterConnect = func(ctx context.Context, pc *pgconn.PgConn) error {
			pc.CustomData()[boundedKey] = true
			if after != nil {
				return after(ctx, pc)
			}
			return nil
		}
	}
	db := stdlib.OpenDB(*cfg)
	dialects.Configure(db, pool)
	return db, nil
}

var _ dialects.PrivilegeChecker = (*Postgres)(nil)

// Privileges implements dialects.PrivilegeChecker.
func (*Postgres) Privileges(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	return dialects.CollectPrivileges(ctx, db, `SELECT p, has_table_privilege(current_user, $1, p)
		FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p`, table)
}

var _ dialects.ColumnInspector = (*Postgres)(nil)

// RequiredColumns implements dialects.ColumnInspector.
func (*Postgres) RequiredColumns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	return dialects.CollectColumns(ctx, db, `SELECT a.attname FROM pg_attribute a
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
		AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''
		ORDER BY a.attnum`, table)
}

var _ dialects.Deadliner = (*Postgres)(nil)

// SetConnDeadline implements dialects.Deadliner: a deadline on the connection's socket,
// for connections the server bounds (statement_timeout, ours or the DSN's, above zero).
// pgx sets deadlines of its own only to give a cancelled context's statement up, which a
// statement run under a context that cannot end never has.
func (*Postgres) SetConnDeadline(driverConn any, t time.Time) error {
	c, ok := driverConn.(*stdlib.Conn)
	if !ok {
		return dialects.ErrNoDeadline
	}
	pc := c.Conn().PgConn()
	if pc.CustomData()[boundedKey] != true {
		return dialects.ErrNoDeadline
	}
	return pc.Conn().SetDeadline(t)
}

// boundedKey marks, in a connection's CustomData, that its statements are bounded by the
// server (statement_timeout above zero).
const boundedKey = "scimsql.statementTimeout"
