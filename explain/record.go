package explain

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// Statement is one statement an operation ran, with its arguments as it bound them.
type Statement struct {
	SQL  string
	Args []any
	// Tx is the transaction the statement ran in: 0 outside any, then 1, 2, ... in the
	// order the operation began them (a retried transaction is a new one).
	Tx int
}

// Answerer answers the statements of an explained request where no database does: the
// result columns and rows of a query, or the outcome of a write.
type Answerer interface {
	Answer(query string, args []any) Answer
}

// Answer is a sample database's reply to one statement.
type Answer struct {
	Columns      []string
	Rows         [][]any
	RowsAffected int64
	LastInsertID int64
}

// recorder is a database/sql driver.Connector whose connections record every statement
// before it runs. Offline, an Answerer replies; live, every statement runs for real in one
// transaction on one connection of the real database, which Close rolls back, so an
// operation reads the current state and writes nothing that stays. The engine's own
// transactions become savepoints inside it.
type recorder struct {
	mu    sync.Mutex
	stmts []Statement
	txs   int // transactions begun
	open  int // the transaction a statement runs in now, 0 for none

	answer Answerer // offline
	live   *sql.Tx  // live
	conn   *sql.Conn
	sp     func(name string) (save, rollback, release string)
}

func (r *recorder) Connect(context.Context) (driver.Conn, error) { return &recConn{r: r}, nil }
func (r *recorder) Driver() driver.Driver                        { return recDriver{} }

type recDriver struct{}

func (recDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("explain: the recording driver is opened through its connector")
}

// Statements returns what ran, in order.
func (r *recorder) Statements() []Statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Statement(nil), r.stmts...)
}

// close rolls the live transaction back: nothing an explained request wrote stays.
func (r *recorder) close() error {
	if r.live == nil {
		return nil
	}
	err := r.live.Rollback()
	r.conn.Close()
	return err
}

func (r *recorder) record(query string, args []driver.NamedValue) []any {
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	r.mu.Lock()
	r.stmts = append(r.stmts, Statement{SQL: query, Args: vals, Tx: r.open})
	r.mu.Unlock()
	return vals
}

type recConn struct{ r *recorder }

var (
	_ driver.QueryerContext     = (*recConn)(nil)
	_ driver.ExecerContext      = (*recConn)(nil)
	_ driver.ConnBeginTx        = (*recConn)(nil)
	_ driver.NamedValueChecker  = (*recConn)(nil)
	_ driver.ConnPrepareContext = (*recConn)(nil)
)

// CheckNamedValue passes every argument through as the engine gave it: live, the real
// driver converts it; offline, it is only recorded.
func (c *recConn) CheckNamedValue(*driver.NamedValue) error { return nil }

func (c *recConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *recConn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return &recStmt{c: c, query: query}, nil
}

func (c *recConn) Close() error { return nil }

func (c *recConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *recConn) BeginTx(ctx context.Context, _ driver.TxOptions) (driver.Tx, error) {
	r := c.r
	r.mu.Lock()
	if r.open != 0 {
		r.mu.Unlock()
		return nil, errors.New("explain: a transaction inside a transaction")
	}
	r.txs++
	r.open = r.txs
	name := "scimsql_explain_" + strconv.Itoa(r.txs)
	r.mu.Unlock()
	t := &recTx{c: c, name: name}
	if r.live != nil {
		save, _, _ := r.sp(name)
		if _, err := r.live.ExecContext(ctx, save); err != nil {
			r.mu.Lock()
			r.open = 0
			r.mu.Unlock()
			return nil, err
		}
	}
	return t, nil
}

type recTx struct {
	c    *recConn
	name string
}

func (t *recTx) end(rollback bool) error {
	r := t.c.r
	r.mu.Lock()
	r.open = 0
	r.mu.Unlock()
	if r.live == nil {
		return nil
	}
	_, rb, rel := r.sp(t.name)
	q := rel
	if rollback {
		q = rb
	}
	if q == "" {
		return nil
	}
	_, err := r.live.Exec(q)
	return err
}

func (t *recTx) Commit() error   { return t.end(false) }
func (t *recTx) Rollback() error { return t.end(true) }

func (c *recConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	r := c.r
	vals := r.record(query, args)
	if r.live == nil {
		a := r.answer.Answer(query, vals)
		return &answerRows{a: a}, nil
	}
	rows, err := r.live.QueryContext(ctx, query, vals...)
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	return &liveRows{rows: rows, cols: cols}, nil
}

func (c *recConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	r := c.r
	vals := r.record(query, args)
	if r.live == nil {
		a := r.answer.Answer(query, vals)
		return answerResult{a}, nil
	}
	return r.live.ExecContext(ctx, query, vals...)
}

type recStmt struct {
	c     *recConn
	query string
}

func (s *recStmt) Close() error  { return nil }
func (s *recStmt) NumInput() int { return -1 }
func (s *recStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.c.ExecContext(context.Background(), s.query, named(args))
}
func (s *recStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.c.QueryContext(context.Background(), s.query, named(args))
}
func (s *recStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}
func (s *recStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

type answerResult struct{ a Answer }

func (r answerResult) LastInsertId() (int64, error) { return r.a.LastInsertID, nil }
func (r answerResult) RowsAffected() (int64, error) { return r.a.RowsAffected, nil }

// answerRows are a sample answer's rows.
type answerRows struct {
	a Answer
	i int
}

func (r *answerRows) Columns() []string { return r.a.Columns }
func (r *answerRows) Close() error      { return nil }
func (r *answerRows) Next(dest []driver.Value) error {
	if r.i >= len(r.a.Rows) {
		return io.EOF
	}
	row := r.a.Rows[r.i]
	r.i++
	if len(row) != len(dest) {
		return fmt.Errorf("explain: a sample row of %d values for %d columns", len(row), len(dest))
	}
	for i, v := range row {
		dest[i] = v
	}
	return nil
}

// liveRows pass a real result through.
type liveRows struct {
	rows *sql.Rows
	cols []string
	vals []any
	ptrs []any
}

func (r *liveRows) Columns() []string { return r.cols }
func (r *liveRows) Close() error      { return r.rows.Close() }
func (r *liveRows) Next(dest []driver.Value) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	if r.vals == nil {
		r.vals = make([]any, len(r.cols))
		r.ptrs = make([]any, len(r.cols))
		for i := range r.vals {
			r.ptrs[i] = &r.vals[i]
		}
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		return err
	}
	for i, v := range r.vals {
		dest[i] = v
	}
	return nil
}
