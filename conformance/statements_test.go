package conformance_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
)

// Every statement is bounded by the database itself, and a request that ends stops its
// statement there: otherwise a costly filter goes on running (and growing) on the
// server long after scimsql answered 503, and ten of them take the database down.

func openBounded(t *testing.T, d dialects.Dialect, dsn string, timeout time.Duration) *sql.DB {
	t.Helper()
	db, err := d.Open(dsn, dialects.Pool{MaxOpen: 4, MaxIdle: 4, MaxLifetime: time.Minute, StatementTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// boundedSleep runs a statement that sleeps for far longer than the bound, without a
// client-side deadline, and checks that the server stopped it at the bound.
func boundedSleep(t *testing.T, d dialects.Dialect, db *sql.DB, sleep string) {
	t.Helper()
	start := time.Now()
	_, err := db.ExecContext(context.Background(), sleep)
	took := time.Since(start)
	if err == nil {
		t.Fatalf("%s: finished after %s, want the server to stop it", sleep, took)
	}
	if c := d.Classify(err); c != dialects.TimedOut {
		t.Errorf("%s: %v classified %d, want TimedOut (a 503)", sleep, err, c)
	}
	if took > 2*time.Second {
		t.Errorf("%s: stopped after %s; the bound is 500ms", sleep, took)
	}
}

func TestStatementTimeoutPostgres(t *testing.T) {
	d := postgres.New()
	dsn := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	db := openBounded(t, d, dsn, 500*time.Millisecond)
	var st string
	if err := db.QueryRow("SHOW statement_timeout").Scan(&st); err != nil || st != "500ms" {
		t.Errorf("statement_timeout is %q (%v), want 500ms", st, err)
	}
	boundedSleep(t, d, db, "SELECT pg_sleep(10)")
	// The connection is still good afterwards.
	if err := db.QueryRow("SELECT 1").Scan(new(int)); err != nil {
		t.Errorf("after the timeout: %v", err)
	}
}

// A request whose context ends (its query timeout, or the client gone) cancels its
// statement on the server: it leaves pg_stat_activity at once, not when it would have
// finished.
func TestCancelledRequestStopsItsStatementPostgres(t *testing.T) {
	d := postgres.New()
	dsn := conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN")
	db := openBounded(t, d, dsn, 0) // no server-side bound: the cancel alone must stop it
	admin := conformance.Open(t, d, dsn)
	marker := fmt.Sprintf("scimsql_cancel_%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := db.ExecContext(ctx, "SELECT pg_sleep(20) /* "+marker+" */")
	if err == nil {
		t.Fatal("the sleep was not cancelled")
	}
	ended := time.Now()
	running := func() int {
		var n int
		if err := admin.QueryRow("SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()", marker).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for running() > 0 {
		if time.Since(ended) > 3*time.Second {
			t.Fatalf("the statement still runs on the server %s after its request ended", time.Since(ended))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("left pg_stat_activity %s after its request timed out", time.Since(ended).Round(time.Millisecond))
	if err := db.QueryRow("SELECT 1").Scan(new(int)); err != nil {
		t.Errorf("after the cancel: %v", err)
	}
}

func TestStatementTimeoutMariaDB(t *testing.T) {
	d := conformance.MySQL()
	dsn := conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN")
	db := openBounded(t, d, dsn, 500*time.Millisecond)
	var v sql.NullFloat64
	err := db.QueryRow("SELECT @@max_statement_time").Scan(&v)
	var exec sql.NullInt64
	if err != nil {
		// MySQL: max_execution_time, in milliseconds.
		if err2 := db.QueryRow("SELECT @@max_execution_time").Scan(&exec); err2 != nil || exec.Int64 != 500 {
			t.Fatalf("neither max_statement_time (%v) nor max_execution_time (%v, %d) is set", err, err2, exec.Int64)
		}
	} else if v.Float64 != 0.5 {
		t.Errorf("max_statement_time is %v, want 0.5", v.Float64)
	}
	boundedSleep(t, d, db, "SELECT SLEEP(10)")
	if err := db.QueryRow("SELECT 1").Scan(new(int)); err != nil {
		t.Errorf("after the timeout: %v", err)
	}
	// A DSN that sets the limit itself is left alone.
	own := openBounded(t, d, dsn+sep(dsn)+"max_statement_time=7", 500*time.Millisecond)
	if err := own.QueryRow("SELECT @@max_statement_time").Scan(&v); err == nil && v.Float64 != 7 {
		t.Errorf("the DSN's max_statement_time=7 became %v", v.Float64)
	}
	if errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
}

func sep(dsn string) string {
	for _, c := range dsn {
		if c == '?' {
			return "&"
		}
	}
	return "?"
}
