package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/mappings"
)

// quickstartEngine serves the quickstart mapping over a SQLite database of n users.
func quickstartEngine(t *testing.T, n int) *Engine {
	t.Helper()
	m, err := mappings.LoadFile("../examples/quickstart/mapping.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	d := sqlite.New()
	db := quickstartDB(t, d, dialects.Pool{MaxOpen: 1, MaxIdle: 1, MaxLifetime: time.Hour})
	if _, err := db.Exec(fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		INSERT INTO users (user_name, first_name, last_name, email, active, updated_at)
		SELECT 'user' || i || '@example.com', 'Given' || i, 'Family' || i, 'user' || i || '@example.com', 1, '2024-01-01 00:00:00.000000' FROM n`, n)); err != nil {
		t.Fatal(err)
	}
	e, err := New(m, d, db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// quickstartDB is a new SQLite database, opened through d, with the quickstart's schema.
func quickstartDB(t *testing.T, d dialects.Dialect, pool dialects.Pool) *sql.DB {
	t.Helper()
	db, err := d.Open(filepath.Join(t.TempDir(), "q.db"), pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	schema, err := os.ReadFile("../examples/quickstart/schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range SplitStatements(string(schema)) {
		if _, err := db.Exec(st); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// Only a full page can be followed by another: a short one (the agent's check-exists,
// the last page of an import) writes nothing to the cursor store, so that a burst of
// lookups costs the store nothing and cannot evict the position of an import beside them.
func TestShortPagesLeaveNoCursor(t *testing.T) {
	e := quickstartEngine(t, 250)
	ctx := context.Background()
	cached := func() int { return e.walks.(*LocalCursors).Len() }
	page, err := e.GetUsers(ctx, Query{StartIndex: 1, Count: 100, Paged: true})
	if err != nil || len(page.Users) != 100 || page.Total != 250 {
		t.Fatalf("first page: %v, %d users of %d", err, len(page.Users), page.Total)
	}
	if c := cached(); c != 1 {
		t.Fatalf("after a full first page: %d walks kept; want 1", c)
	}
	for i := range 50 {
		p, err := e.GetUsers(ctx, Query{Filter: fmt.Sprintf(`userName eq "user%d@example.com"`, i+1), StartIndex: 1, Count: 100, Paged: true})
		if err != nil || len(p.Users) != 1 || p.Total != 1 {
			t.Fatalf("check-exists %d: %v, %d users, total %d", i, err, len(p.Users), p.Total)
		}
	}
	if c := cached(); c != 1 {
		t.Errorf("after 50 check-exists: %d walks kept; want the import's alone", c)
	}
	// The walk goes on from its cursor and ends with a short page, which adds nothing.
	for _, start := range []int{101, 201} {
		p, err := e.GetUsers(ctx, Query{StartIndex: start, Count: 100, Paged: true})
		if err != nil || p.Total != 250 || p.Users[0].ID != fmt.Sprint(start) {
			t.Fatalf("page at %d: %v, total %d, first id %s", start, err, p.Total, p.Users[0].ID)
		}
	}
	if c := cached(); c != 1 {
		t.Errorf("after the walk: %d walks kept, want 1 (one position per walk)", c)
	}
}

// A short first page is the exact total: a walk's kept count learns it, so that a page
// asked for next is not answered with an older, smaller total.
func TestShortPageRefreshesAKeptCount(t *testing.T) {
	e := quickstartEngine(t, 15)
	ctx := context.Background()
	if p, err := e.GetUsers(ctx, Query{StartIndex: 1, Count: 10, Paged: true}); err != nil || p.Total != 15 {
		t.Fatalf("pages of 10: %v, total %d", err, p.Total)
	}
	if _, err := e.db.Exec(`INSERT INTO users (user_name, active, updated_at) VALUES ('late@example.com', 1, '2024-01-01 00:00:00.000000')`); err != nil {
		t.Fatal(err)
	}
	// The same walk (same filter) in pages of 100: one short page of 16.
	if p, err := e.GetUsers(ctx, Query{StartIndex: 1, Count: 100, Paged: true}); err != nil || p.Total != 16 || len(p.Users) != 16 {
		t.Fatalf("a page of 100: %v, %d users, total %d", err, len(p.Users), p.Total)
	}
	// Past the end: the kept count is the newer one.
	if p, err := e.GetUsers(ctx, Query{StartIndex: 17, Count: 100, Paged: true}); err != nil || p.Total != 16 || len(p.Users) != 0 {
		t.Errorf("past the end: %v, %d users, total %d; want 0 users of 16", err, len(p.Users), p.Total)
	}
}

// A position survives the store as the driver's own key type, so that it binds back
// as it came; anything else is no position.
func TestWalkStateEncoding(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	for _, last := range []any{int64(-42), int64(9_007_199_254_740_993), "d010", "with spaces and | bars", []byte{0, 1, 2, 255},
		[16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 2.5, time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)} {
		in := walkState{next: 201, last: last, total: 60020, countedAt: at}
		out, ok := decodeWalk(encodeWalk(in))
		same := reflect.DeepEqual(out.last, last)
		if tm, isTime := last.(time.Time); isTime {
			got, _ := out.last.(time.Time)
			same = got.Equal(tm)
		}
		if !ok || !same || out.next != in.next || out.total != in.total || !out.countedAt.Equal(in.countedAt) {
			t.Errorf("%T %v: decoded %#v (%T), %v", last, last, out, out.last, ok)
		}
	}
	for _, bad := range []string{"", "1", "2 201 5 0 i1", "1 x 5 0 i1", "1 1 5 0 i1", "1 201 5 0 ", "1 201 5 0 q1", "1 201 5 0 ixyz", "1 201 -1 0 i1", "1 201 5 0 u0102"} {
		if st, ok := decodeWalk([]byte(bad)); ok {
			t.Errorf("%q decoded as %+v", bad, st)
		}
	}
}

// A list without a count is a page of the largest size served, not every match.
func TestUnpagedListIsOnePage(t *testing.T) {
	e := quickstartEngine(t, 250)
	e.opts.MaxPageSize = 100
	ctx := context.Background()
	for _, q := range []Query{{}, {StartIndex: 101}, {Filter: `userName sw "user"`}} {
		p, err := e.GetUsers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		start := max(q.StartIndex, 1)
		if len(p.Users) != 100 || p.Total != 250 || p.StartIndex != start || p.Users[0].ID != fmt.Sprint(start) {
			t.Errorf("%+v: %d users from %s, total %d, startIndex %d; want 100 from %d of 250", q, len(p.Users), p.Users[0].ID, p.Total, p.StartIndex, start)
		}
	}
}

// A value stored must be findable by the filter the agent looks it up with: one too long
// for server.limits.maxFilterLength is refused at create and update, saying so, and one
// at the limit is found again.
func TestValuesStayFindable(t *testing.T) {
	e := quickstartEngine(t, 1)
	ctx := context.Background()
	room := e.opts.FilterLimits.MaxLength - len(`userName eq ""`)
	at := strings.Repeat("a", room-len("@x.io")) + "@x.io"
	u, err := e.CreateUser(ctx, &User{Values: map[string]any{"userName": at}})
	if err != nil {
		t.Fatalf("a userName at the limit: %v", err)
	}
	p, err := e.GetUsers(ctx, Query{Filter: `userName eq "` + at + `"`, StartIndex: 1, Count: 100, Paged: true})
	if err != nil || len(p.Users) != 1 || p.Users[0].ID != u.ID {
		t.Fatalf("looking it up: %v %+v", err, p)
	}
	over := "b" + at
	for name, write := range map[string]func() error{
		"create": func() error { _, err := e.CreateUser(ctx, &User{Values: map[string]any{"userName": over}}); return err },
		"update": func() error {
			_, err := e.UpdateUser(ctx, u.ID, &User{Values: map[string]any{"userName": over}})
			return err
		},
		"givenName": func() error {
			_, err := e.UpdateUser(ctx, u.ID, &User{Values: map[string]any{"name.givenName": strings.Repeat("g", 5<<20)}})
			return err
		},
		"escaped": func() error { // each quote takes two bytes in the filter
			_, err := e.CreateUser(ctx, &User{Values: map[string]any{"userName": strings.Repeat(`"`, room/2+1)}})
			return err
		},
	} {
		err := write()
		if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "maxFilterLength") {
			t.Errorf("%s: %v; want an invalid value naming maxFilterLength", name, err)
		}
	}
	g, err := e.GetUser(ctx, u.ID)
	if err != nil || g.Values["userName"] != at {
		t.Errorf("after the refused updates: %v %v", err, g)
	}
}
