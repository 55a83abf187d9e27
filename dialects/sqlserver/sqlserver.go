// Package sqlserver is the Microsoft SQL Server dialect, through go-mssqldb with the
// "sqlserver" driver and its native @pN parameters (the legacy "mssql" name rewrites ?
// placeholders in SQL text, which new code must not rely on).
package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/scimsql/scimsql/dialects"
)

// SQLServer is the dialect.
type SQLServer struct{}

var _ dialects.Dialect = (*SQLServer)(nil)

// New returns the dialect.
func New() dialects.Dialect { return &SQLServer{} }

var facts = dialects.Facts{
	// OUTPUT ... INTO a table variable works on tables with triggers, where a plain OUTPUT
	// clause is refused (SQL Server error 334).
	KeyOutput: func(idCol, keyType string) (string, string, string) {
		return "SET NOCOUNT ON; DECLARE @scimsql_ids TABLE (id " + keyType + "); ",
			" OUTPUT INSERTED." + idCol + " INTO @scimsql_ids",
			"; SELECT id FROM @scimsql_ids"
	},
	// SQL Server names savepoints with SAVE TRANSACTION and has no release.
	Savepoint: func(name string) (string, string, string) {
		return "SAVE TRANSACTION " + name, "ROLLBACK TRANSACTION " + name, ""
	},
	Name: "sqlserver",
	// OFFSET ... FETCH needs an ORDER BY; the engine always orders by the id column.
	Paging: dialects.OffsetFetch,
	// A plain OUTPUT clause fails on tables with triggers (error 334); OUTPUT ... INTO a
	// table variable works on every table.
	KeyReturn: dialects.OutputInto,
	KeyTypes:  map[string]string{"integer": "BIGINT", "string": "NVARCHAR(450)", "uuid": "UNIQUEIDENTIFIER"},
	// Default collations (SQL_Latin1_General_CP1_CI_AS and friends) ignore case, as SCIM
	// wants for userName, and keep index seeks; a _CS_ column compares exactly.
	CaseFold: func(x string) string { return x },
	// + (CONCAT would read NULL as ''), with CONCAT_NULL_YIELDS_NULL on, as it always is.
	Concat:     func(xs []string) string { return "(" + strings.Join(xs, " + ") + ")" },
	ToText:     func(x string) string { return "CAST(" + x + " AS NVARCHAR(40))" },
	LikeEscape: " ESCAPE '!'",
	// [ starts a character class in T-SQL LIKE patterns, so it is escaped too.
	LikeSpecial: "!%_[",
	// T-SQL has no boolean literals in WHERE.
	TrueLiteral:  "1",
	FalseLiteral: "0",
	// Row locks are table hints, not a FOR UPDATE suffix.
	LockHint: " WITH (UPDLOCK, ROWLOCK)",
	// 2,100 parameters per request; keep headroom for sp_executesql's own.
	MaxParams: 2000,
}

// Facts implements dialects.Dialect.
func (*SQLServer) Facts() *dialects.Facts { return &facts }

// Placeholder implements dialects.Dialect.
func (*SQLServer) Placeholder(n int) string { return "@p" + strconv.Itoa(n) }

// Quote implements dialects.Dialect.
func (*SQLServer) Quote(ident string) string { return dialects.QuoteParts(ident, '[', ']') }

// Error numbers, from sys.messages.
const (
	errUniqueConstraint = 2627 // Violation of PRIMARY KEY or UNIQUE constraint
	errUniqueIndex      = 2601 // Cannot insert duplicate key row (unique index)
	errDeadlock         = 1205 // chosen as deadlock victim
	errLockTimeout      = 1222 // lock request time out period exceeded
	errSnapshotConflict = 3960 // snapshot isolation update conflict
	errTruncation       = 8152 // String or binary data would be truncated
	errTruncation2019   = 2628 // the same, naming the column (SQL Server 2019+)
	errNullInsert       = 515  // Cannot insert the value NULL
	errConstraint       = 547  // CHECK (or FOREIGN KEY) constraint conflict
	errConversion       = 245  // Conversion failed
	errConversion2      = 8114 // Error converting data type
	errOverflow         = 8115 // Arithmetic overflow
	errDateConversion   = 241  // Conversion failed when converting date and/or time
	errLogin            = 18456
	errDBUnavailable    = 4060 // Cannot open database requested by the login
)

// Classify implements dialects.Dialect.
func (*SQLServer) Classify(err error) dialects.Class {
	var me mssql.Error
	if errors.As(err, &me) {
		switch me.Number {
		case errUniqueConstraint, errUniqueIndex:
			return dialects.Conflict
		case errDeadlock, errLockTimeout, errSnapshotConflict:
			return dialects.Retryable
		case errTruncation, errTruncation2019, errNullInsert, errConstraint, errConversion, errConversion2, errOverflow, errDateConversion:
			return dialects.Invalid
		case errLogin, errDBUnavailable:
			return dialects.Unavailable
		}
		return dialects.Other
	}
	if dialects.IsNetwork(err) {
		return dialects.Unavailable
	}
	return dialects.Other
}

// Open implements dialects.Dialect.
func (*SQLServer) Open(dsn string, pool dialects.Pool) (*sql.DB, error) {
	c, err := mssql.NewConnector(dsn)
	if err != nil {
		return nil, dialects.ErrBadDSN
	}
	db := sql.OpenDB(c)
	dialects.Configure(db, pool)
	return db, nil
}

var _ dialects.PrivilegeChecker = (*SQLServer)(nil)

// Privileges implements dialects.PrivilegeChecker with HAS_PERMS_BY_NAME, which counts
// grants through roles and schemas too.
func (*SQLServer) Privileges(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	return dialects.CollectPrivileges(ctx, db, `SELECT p, CAST(COALESCE(HAS_PERMS_BY_NAME(@p1, 'OBJECT', p), 0) AS BIT)
		FROM (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE')) AS v(p)`, table)
}

var _ dialects.ColumnInspector = (*SQLServer)(nil)

var _ dialects.CollationInspector = (*SQLServer)(nil)

// CaseSensitiveColumns implements dialects.CollationInspector: a collation that says _CS
// or is binary (_BIN, _BIN2).
func (*SQLServer) CaseSensitiveColumns(ctx context.Context, db *sql.DB, table string) (map[string]string, error) {
	return dialects.CollectPairs(ctx, db, `SELECT c.name, c.collation_name FROM sys.columns c
		WHERE c.object_id = OBJECT_ID(@p1)
		AND (c.collation_name LIKE '%[_]CS[_]%' OR c.collation_name LIKE '%[_]CS' OR c.collation_name LIKE '%[_]BIN%')`, table)
}

// RequiredColumns implements dialects.ColumnInspector.
func (*SQLServer) RequiredColumns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	return dialects.CollectColumns(ctx, db, `SELECT c.name FROM sys.columns c
		WHERE c.object_id = OBJECT_ID(@p1) AND c.is_nullable = 0 AND c.default_object_id = 0
		AND c.is_identity = 0 AND c.is_computed = 0 AND TYPE_NAME(c.user_type_id) NOT IN ('timestamp', 'rowversion')
		ORDER BY c.column_id`, table)
}
