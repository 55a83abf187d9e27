package conformance_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

// A connection the server bounds takes a deadline of its own (dialects.Deadliner), which
// the engine runs an operation's statements under instead of a context it must watch: a
// statement that outlives it fails at the deadline, as a timeout, under a context that
// never ends; a pool the server does not bound refuses it.

type deadlineDB struct {
	name string
	d    func() dialects.Dialect
	env  string
	// sleep is a statement that sleeps for its argument in seconds.
	sleep string
	// unbounded are DSN suffixes whose pools must refuse a deadline although the pool
	// asks for a statement timeout.
	unbounded []string
}

var deadlineDBs = []deadlineDB{
	{"postgres", postgres.New, "SCIMSQL_TEST_POSTGRES_DSN", "SELECT pg_sleep($1)", []string{"statement_timeout=0"}},
	{"mysql", conformance.MySQL, "SCIMSQL_TEST_MYSQL_DSN", "SELECT SLEEP(?)", []string{"max_statement_time=0", "readTimeout=5s"}},
}

func setDeadline(d dialects.Dialect, c *sql.Conn, t time.Time) error {
	return c.Raw(func(dc any) error { return d.(dialects.Deadliner).SetConnDeadline(dc, t) })
}

func TestConnDeadline(t *testing.T) {
	for _, x := range deadlineDBs {
		t.Run(x.name, func(t *testing.T) {
			d := x.d()
			dsn := conformance.DSN(t, x.env)
			db := openBounded(t, d, dsn, 10*time.Second)
			ctx := context.Background()
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := setDeadline(d, c, time.Now().Add(300*time.Millisecond)); err != nil {
				t.Fatalf("a connection the server bounds refused a deadline: %v", err)
			}
			start := time.Now()
			_, err = c.ExecContext(ctx, x.sleep, 5)
			took := time.Since(start)
			if err == nil {
				t.Fatalf("a 5 s sleep under a 300 ms deadline finished after %s", took)
			}
			if took > 2*time.Second {
				t.Errorf("the deadline cut the sleep off after %s, want about 300ms", took)
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("the error does not say the deadline passed: %v", err)
			}
			// The engine discards a connection whose deadline passed; the pool goes on.
			_ = c.Raw(func(any) error { return driver.ErrBadConn })
			c.Close()
			var one int
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("after the deadline: %v", err)
			}

			// A deadline removed is gone: the connection answers after it would have passed.
			c, err = db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := setDeadline(d, c, time.Now().Add(100*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			if err := setDeadline(d, c, time.Time{}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(150 * time.Millisecond)
			if _, err := c.ExecContext(ctx, x.sleep, 0.2); err != nil {
				t.Errorf("after the deadline was removed: %v", err)
			}

			// No server-side bound, no deadline: the statement would outlive it there.
			if err := setDeadline(d, mustConn(t, openBounded(t, d, dsn, 0)), time.Now().Add(time.Second)); !errors.Is(err, dialects.ErrNoDeadline) {
				t.Errorf("a pool without a statement timeout took a deadline: %v", err)
			}
			for _, suffix := range x.unbounded {
				if err := setDeadline(d, mustConn(t, openBounded(t, d, dsn+sep(dsn)+suffix, 10*time.Second)), time.Now().Add(time.Second)); !errors.Is(err, dialects.ErrNoDeadline) {
					t.Errorf("%s: took a deadline: %v", suffix, err)
				}
			}
		})
	}
}

func mustConn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// On MariaDB and MySQL a statement with arguments runs prepared, and a connection the
// engine holds (an operation's, a transaction's) prepares each once: database/sql would
// otherwise prepare, execute and close it every time.
func TestPreparedOncePerConnectionMariaDB(t *testing.T) {
	d := conformance.MySQL()
	db := openBounded(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"), 10*time.Second)
	c := mustConn(t, db)
	ctx := context.Background()
	prepared := func() int {
		var name, v string
		if err := c.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(v)
		return n
	}
	before := prepared()
	for i := range 5 {
		var got int
		if err := c.QueryRowContext(ctx, "SELECT ? + 1", i).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("SELECT %d + 1: %d %v", i, got, err)
		}
	}
	if n := prepared() - before; n != 1 {
		t.Errorf("5 runs of one statement prepared it %d times, want once", n)
	}
	// A statement the schema no longer fits is prepared again once the schema is back.
	if _, err := c.ExecContext(ctx, "CREATE TEMPORARY TABLE scimsql_prep (v INT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, "INSERT INTO scimsql_prep (v) VALUES (?)", 1); err != nil {
		t.Fatal(err)
	}
	c.ExecContext(ctx, "DROP TEMPORARY TABLE scimsql_prep")
	if _, err := c.ExecContext(ctx, "INSERT INTO scimsql_prep (v) VALUES (?)", 2); err == nil {
		t.Fatal("an insert into a dropped table succeeded")
	}
	if _, err := c.ExecContext(ctx, "CREATE TEMPORARY TABLE scimsql_prep (v INT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, "INSERT INTO scimsql_prep (v) VALUES (?)", 3); err != nil {
		t.Errorf("once the table is back: %v", err)
	}
}

// With a pool of one connection, every operation still completes: an operation holds at
// most one connection (its statements', given back before a transaction, a password
// hash or a probe takes one), and a connection given back carries no deadline of the
// operation that held it, which the next user (a transaction, long after) would hit.
func TestOneConnectionPool(t *testing.T) {
	for _, x := range deadlineDBs {
		t.Run(x.name, func(t *testing.T) {
			var h hdb
			for _, c := range hardeningDBs {
				if c.name == x.name {
					h = c
				}
			}
			d, dsn, schema := h.fresh(t)
			conformance.Exec(t, conformance.Open(t, d, dsn), engine.SplitStatements(readFile(t, schema)))
			m, err := mappings.LoadFile(root("examples", "quickstart", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
			if err != nil {
				t.Fatal(err)
			}
			m.Database.Driver, m.Database.Init = d.Facts().Name, nil
			m.Database.QueryTimeout = 400 * time.Millisecond
			db, err := d.Open(dsn, dialects.Pool{MaxOpen: 1, MaxIdle: 1, MaxLifetime: time.Minute, StatementTimeout: m.Database.QueryTimeout})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			e, err := engine.New(m, d, db, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BcryptCost: bcrypt.MinCost})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(httpapi.New(e, slog.New(slog.NewTextHandler(io.Discard, nil))))
			t.Cleanup(srv.Close)
			n := &node{t: t, m: m, db: db, srv: srv, base: srv.URL, user: m.Server.Auth.Username, pass: m.Server.Auth.Password.Reveal()}
			want := func(r hres, status int, what string) hres {
				t.Helper()
				if r.status != status {
					t.Fatalf("%s: %d %s, want %d", what, r.status, r.raw, status)
				}
				return r
			}
			u := want(n.do("POST", "/Users", map[string]any{"userName": "one.conn@example.com", "password": "Pw-1234!", "name": map[string]any{"givenName": "One", "familyName": "Conn"}}), 201, "create with a password")
			id := hStr(u.body["id"])
			want(n.do("GET", "/Users/"+id, nil), 200, "get")
			time.Sleep(2 * m.Database.QueryTimeout) // the get's deadline is long past
			want(n.do("POST", "/Groups", map[string]any{"displayName": "One Conn", "members": []any{map[string]any{"value": id}}}), 201, "a group with a member (a transaction)")
			want(n.do("PUT", "/Users/"+id, map[string]any{"userName": "one.conn@example.com", "password": "Pw-5678!", "name": map[string]any{"givenName": "One", "familyName": "Connection"}}), 200, "a push with a new password")
			r := want(n.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "one.conn@example.com"`)+"&startIndex=1&count=100", nil), 200, "check-exists")
			if hStr(r.body["totalResults"]) != "1" {
				t.Errorf("check-exists: %s", r.raw)
			}
			if st := db.Stats(); st.OpenConnections > 1 {
				t.Errorf("%d connections open, the pool allows 1", st.OpenConnections)
			}
		})
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
