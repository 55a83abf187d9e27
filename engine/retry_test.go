package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/mappings"
)

// deadlocky classifies errDeadlock as retryable, as the real dialects do for 40P01,
// 1213 and 1205.
type deadlocky struct{ dialects.Dialect }

var errDeadlock = errors.New("deadlock detected")

func (d deadlocky) Classify(err error) dialects.Class {
	if errors.Is(err, errDeadlock) {
		return dialects.Retryable
	}
	return d.Dialect.Classify(err)
}

func TestTransactionsRetryDeadlocks(t *testing.T) {
	m, err := mappings.LoadFile("../examples/quickstart/mapping.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	d := deadlocky{sqlite.New()}
	db, err := d.Open(filepath.Join(t.TempDir(), "r.db"), dialects.Pool{MaxOpen: 1, MaxIdle: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	e, err := New(m, d, db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		failures  int
		wantCalls int
		wantErr   error
		wantRows  int
	}{
		{"succeeds first time", 0, 1, nil, 1},
		{"two deadlocks, then success", 2, 3, nil, 1},
		{"deadlocks every time: bounded, then a 503", 100, 4, ErrUnavailable, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := db.Exec("DELETE FROM t"); err != nil {
				t.Fatal(err)
			}
			calls := 0
			err := e.inTx(context.Background(), "test", func(tx querier) error {
				calls++
				// The write of a failed attempt must be rolled back, never doubled.
				if _, err := tx.ExecContext(context.Background(), "INSERT INTO t (n) VALUES (1)"); err != nil {
					return err
				}
				if calls <= c.failures {
					return errDeadlock
				}
				return nil
			})
			if calls != c.wantCalls || !errors.Is(err, c.wantErr) && (err != nil || c.wantErr != nil) {
				t.Fatalf("calls %d err %v; want calls %d err %v", calls, err, c.wantCalls, c.wantErr)
			}
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != c.wantRows {
				t.Fatalf("%d rows after the transaction (%v), want %d", n, err, c.wantRows)
			}
		})
	}
	// A conflict is not retried: it is the answer.
	calls := 0
	err = e.inTx(context.Background(), "test", func(tx querier) error { calls++; return ErrConflict })
	if calls != 1 || !errors.Is(err, ErrConflict) {
		t.Fatalf("conflict: %d calls, %v", calls, err)
	}
}
