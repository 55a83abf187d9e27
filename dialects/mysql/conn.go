package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/scimsql/scimsql/dialects"
)

// connector opens the pool's connections: go-sql-driver's, each with the server's own
// limit for one statement set (when the pool has one and the DSN sets none) and wrapped
// in conn, which knows its network connection and prepares the statements run on it.
type connector struct {
	driver.Connector
	timeout time.Duration // the server's limit to set; 0: none (the DSN sets its own, or the pool has none)
	// bounded says the server bounds every connection's statements: the DSN's own limit,
	// or timeout once the server took it.
	bounded bool
	// kind is what the server took: 0 not known yet, 1 max_statement_time,
	// 2 max_execution_time, 3 neither (a server older than both).
	kind atomic.Int32
}

// netKey carries, through the driver's Connect, where dial records the network
// connection it made.
type netKey struct{}

// dial is go-sql-driver's own dial for tcp and unix (a net.Dialer, whose default
// keep-alive the driver turns on), recording the connection for conn.
func dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err == nil {
		if at, ok := ctx.Value(netKey{}).(*net.Conn); ok {
			*at = c
		}
	}
	return c, err
}

// Connect implements driver.Connector.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	var nc net.Conn
	dc, err := c.Connector.Connect(context.WithValue(ctx, netKey{}, &nc))
	if err != nil {
		return nil, err
	}
	bounded, err := c.bound(ctx, dc)
	if err != nil {
		dc.Close()
		return nil, err
	}
	return newConn(dc, nc, bounded), nil
}

// bound sets the server's own limit for one statement on a new connection. MariaDB and
// MySQL name it differently, and a DSN parameter the server does not know fails the
// connection, so the first connection asks in turn (MariaDB's max_statement_time, in
// seconds, for every statement; then MySQL 5.7.8+'s max_execution_time, in
// milliseconds, which bounds SELECTs only) and the rest use what worked. It says whether
// the server now bounds the connection's statements.
func (c *connector) bound(ctx context.Context, dc driver.Conn) (bool, error) {
	if c.timeout <= 0 {
		return c.bounded, nil
	}
	ex, ok := dc.(driver.ExecerContext)
	if !ok {
		return false, nil
	}
	sets := []string{
		"SET SESSION max_statement_time = " + strconv.FormatFloat(c.timeout.Seconds(), 'f', 3, 64),
		"SET SESSION max_execution_time = " + strconv.FormatInt(c.timeout.Milliseconds(), 10),
	}
	for k := max(c.kind.Load(), 1); k <= 2; k++ {
		_, err := ex.ExecContext(ctx, sets[k-1], nil)
		if err == nil {
			c.kind.Store(k)
			return true, nil
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != errUnknownVariable {
			return false, err
		}
	}
	c.kind.Store(3)
	return false, nil
}

// maxStmts bounds the statements one connection keeps prepared. The engine's are few and
// stable (built from the plans; only IN lists vary in length); past the bound a
// statement is prepared, run and closed by database/sql, as without the cache.
const maxStmts = 64

// conn is a go-sql-driver connection that prepares each statement with arguments once
// and keeps it: go-sql-driver runs a statement with arguments only as a prepared one, so
// database/sql would otherwise prepare, execute and close it, three commands, every time
// the engine runs it on a connection it holds (sql.Conn, a transaction) rather than
// through a *sql.Stmt. It also knows its network connection, for a deadline.
type conn struct {
	driver.Conn // *mysqlConn: Prepare, Close, Begin
	tx          driver.ConnBeginTx
	prep        driver.ConnPrepareContext
	exec        driver.ExecerContext
	query       driver.QueryerContext
	nc          net.Conn // nil: dialled through a network registered with the driver
	bounded     bool
	deadline    time.Time // set by SetConnDeadline
	// stmts are this connection's prepared statements. A connection is used by one
	// goroutine at a time (database/sql's guarantee), so no lock.
	stmts map[string]driver.Stmt
}

func newConn(dc driver.Conn, nc net.Conn, bounded bool) *conn {
	c := &conn{Conn: dc, nc: nc, bounded: bounded, stmts: map[string]driver.Stmt{}}
	c.tx, _ = dc.(driver.ConnBeginTx)
	c.prep, _ = dc.(driver.ConnPrepareContext)
	c.exec, _ = dc.(driver.ExecerContext)
	c.query, _ = dc.(driver.QueryerContext)
	return c
}

// stmt returns query prepared on this connection, or nil when the cache is full.
func (c *conn) stmt(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	if len(c.stmts) >= maxStmts {
		return nil, nil
	}
	st, err := c.prep.PrepareContext(ctx, query)
	if err != nil {
		return nil, c.timedOut(err)
	}
	c.stmts[query] = st
	return st, nil
}

// failed drops a statement that no longer fits the schema (a table or column gone, a
// statement the server lost): it is prepared again next time, so a changed schema is
// picked up. A refused value or a duplicate key leaves it prepared.
func (c *conn) failed(query string, err error) {
	var me *mysql.MySQLError
	if errors.As(err, &me) && (me.Number == 1146 || me.Number == 1054 || me.Number == 1243 || me.Number == 1615) {
		if st, ok := c.stmts[query]; ok {
			delete(c.stmts, query)
			st.Close()
		}
	}
}

// QueryContext implements driver.QueryerContext.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 || c.prep == nil {
		rows, err := c.query.QueryContext(ctx, query, args)
		return rows, c.timedOut(err)
	}
	st, err := c.stmt(ctx, query)
	if st == nil || err != nil {
		if err == nil {
			err = driver.ErrSkip
		}
		return nil, err
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
	c.failed(query, err)
	return rows, c.timedOut(err)
}

// ExecContext implements driver.ExecerContext.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 || c.prep == nil {
		res, err := c.exec.ExecContext(ctx, query, args)
		return res, c.timedOut(err)
	}
	st, err := c.stmt(ctx, query)
	if st == nil || err != nil {
		if err == nil {
			err = driver.ErrSkip
		}
		return nil, err
	}
	res, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
	c.failed(query, err)
	return res, c.timedOut(err)
}

// timedOut tells a statement cut off by the connection's deadline from a connection that
// broke: the driver reports both as an invalid connection.
func (c *conn) timedOut(err error) error {
	if err != nil && !c.deadline.IsZero() && !time.Now().Before(c.deadline) {
		return fmt.Errorf("%w: %v", os.ErrDeadlineExceeded, err)
	}
	return err
}

// PrepareContext implements driver.ConnPrepareContext: database/sql's own statements
// (*sql.Stmt) are the caller's to close, so they are not the cache's.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.prep.PrepareContext(ctx, query)
	return st, c.timedOut(err)
}

// BeginTx implements driver.ConnBeginTx.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.tx.BeginTx(ctx, opts)
}

// Ping implements driver.Pinger.
func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// ResetSession implements driver.SessionResetter.
func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// CheckNamedValue implements driver.NamedValueChecker: the driver's own conversions.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// Close implements driver.Conn. The prepared statements end with the session.
func (c *conn) Close() error {
	c.stmts = nil
	return c.Conn.Close()
}

var _ dialects.Deadliner = (*MySQL)(nil)

// SetConnDeadline implements dialects.Deadliner: a deadline on the connection's socket,
// for connections the server bounds (max_statement_time, max_execution_time) and whose
// socket scimsql dialled. The driver sets no deadline of its own unless the DSN asks for
// readTimeout or writeTimeout, in which case the pool's connections are not bounded here.
func (*MySQL) SetConnDeadline(driverConn any, t time.Time) error {
	c, ok := driverConn.(*conn)
	if !ok || c.nc == nil || !c.bounded {
		return dialects.ErrNoDeadline
	}
	c.deadline = t
	return c.nc.SetDeadline(t)
}
