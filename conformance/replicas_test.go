package conformance_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
)

// Replicas: two scimsql processes on one database behind a load balancer that sends the
// agent's import pages to them in turn. Whatever each keeps in memory, a walk must return
// every row that exists throughout it exactly once, with one totalResults, after inserts
// and deletes made before it; with a store the replicas share (Redis), also with inserts
// and deletes made during it, and continuing from the last id instead of OFFSET.

// offsets counts the statements that skipped rows with OFFSET since the last call: all of
// them, and those that did so from the first row (not after a key); it forgets what was
// logged.
func (l *sqlLog) offsets() (all, fromStart int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.recs {
		if offsetRe.MatchString(r.sql) {
			all++
			if !keysetRe.MatchString(r.sql) {
				fromStart++
			}
		}
	}
	l.recs = nil
	return all, fromStart
}

// keysetRe is a list statement's continuation after a key: u."id" > $3.
var keysetRe = regexp.MustCompile(`u\.\S+ > (\?|\$\d+|@p\d+)`)

// offsetsOf is the number of statements of the logs that skipped rows with OFFSET.
func offsetsOf(logs ...*sqlLog) int {
	n := 0
	for _, l := range logs {
		all, _ := l.offsets()
		n += all
	}
	return n
}

// OFFSET followed by a number other than 0 (SQL Server writes OFFSET 0 ROWS on every page).
var offsetRe = regexp.MustCompile(`OFFSET [1-9]`)

// replica is a node whose statements are recorded.
func replica(t *testing.T, d dialects.Dialect, dsn, schema, mapping string, store engine.CursorStore) (*node, *sqlLog) {
	t.Helper()
	l := &sqlLog{}
	log := slog.New(l)
	return newNodeWith(t, d, dsn, schema, mapping, engine.Options{Logger: log, Cursors: store}), l
}

// walkPage is one page of an import walk.
type walkPage struct {
	ids   []string
	total int
}

// importWalk reads /Users in pages of 100 as the agent does, page i from nodes[i %
// len(nodes)], calling before(i) first when it is set, until a page comes back short.
func importWalk(t *testing.T, nodes []*node, before func(page int)) []walkPage {
	t.Helper()
	var pages []walkPage
	for i := 0; ; i++ {
		if before != nil {
			before(i)
		}
		n := nodes[i%len(nodes)]
		r := n.must(200, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", 1+100*i), nil)
		var p walkPage
		p.total = hInt(r.body["totalResults"])
		res, _ := r.body["Resources"].([]any)
		for _, x := range res {
			p.ids = append(p.ids, hStr(x.(map[string]any)["id"]))
		}
		if got := hInt(r.body["itemsPerPage"]); got != len(p.ids) {
			t.Fatalf("page %d: itemsPerPage %d for %d resources", i, got, len(p.ids))
		}
		pages = append(pages, p)
		if len(p.ids) < 100 || i > 1000 {
			return pages
		}
	}
}

// checkWalk asserts that every id of always came back exactly once, and nothing outside
// may (nil: nothing outside always); it returns the number of ids read.
func checkWalk(t *testing.T, what string, pages []walkPage, always, may map[string]bool) int {
	t.Helper()
	seen := map[string]int{}
	n := 0
	for _, p := range pages {
		for _, id := range p.ids {
			seen[id]++
			n++
		}
	}
	var dup, missing, unknown []string
	for id, c := range seen {
		if c > 1 {
			dup = append(dup, id)
		}
		if !always[id] && !may[id] {
			unknown = append(unknown, id)
		}
	}
	for id := range always {
		if seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	if len(dup)+len(missing)+len(unknown) > 0 {
		t.Errorf("%s: %d ids read for %d rows: %d duplicates (%.5v), %d missing (%.5v), %d never stored (%.5v)",
			what, n, len(always), len(dup), dup, len(missing), missing, len(unknown), unknown)
	}
	return n
}

// sameTotals asserts that every page of a walk over an unchanging table says want.
func sameTotals(t *testing.T, what string, pages []walkPage, want int) {
	t.Helper()
	for i, p := range pages {
		if p.total != want {
			t.Errorf("%s: page %d says totalResults %d, want %d (the rows there are)", what, i, p.total, want)
		}
	}
}

// userIDs is every user id in the database, as the SCIM id.
func userIDs(t *testing.T, db *sql.DB, table, idCol string) map[string]bool {
	t.Helper()
	rows, err := db.Query("SELECT " + idCol + " FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		out[fmt.Sprint(v)] = true
	}
	return out
}

// replicaSchema describes the users table of a mapping, for seeding and checking.
type replicaSchema struct {
	mapping, schema string
	table, idCol    string
	// row returns the columns and values of seeded user i.
	row func(i int) ([]string, []any)
}

func quickstartUsers(schema string) replicaSchema {
	return replicaSchema{mapping: root("examples", "quickstart", "mapping.yaml"), schema: schema, table: "users", idCol: "id",
		row: func(i int) ([]string, []any) {
			return []string{"user_name", "first_name", "last_name", "active"}, []any{fmt.Sprintf("seed%05d@example.com", i), "Seed", fmt.Sprint(i), 1}
		}}
}

var pgExampleUsers = replicaSchema{mapping: root("examples", "postgres", "mapping.yaml"), schema: root("examples", "postgres", "schema.sql"),
	table: "accounts", idCol: "account_id",
	row: func(i int) ([]string, []any) {
		return []string{"account_id", "login", "first_name"}, []any{uuid.NewString(), fmt.Sprintf("seed%05d@example.com", i), "Seed"}
	}}

// seed inserts n users through db, a few hundred to a statement.
func seed(t *testing.T, db *sql.DB, d dialects.Dialect, rs replicaSchema, from, n int) {
	t.Helper()
	for start := from; start < from+n; start += 200 {
		var sb strings.Builder
		var args []any
		for i := start; i < min(start+200, from+n); i++ {
			cols, vals := rs.row(i)
			if sb.Len() == 0 {
				sb.WriteString("INSERT INTO " + rs.table + " (" + strings.Join(cols, ", ") + ") VALUES ")
			} else {
				sb.WriteString(", ")
			}
			sb.WriteString("(")
			for j, v := range vals {
				if j > 0 {
					sb.WriteString(", ")
				}
				args = append(args, v)
				sb.WriteString(d.Placeholder(len(args)))
			}
			sb.WriteString(")")
		}
		if _, err := db.Exec(sb.String(), args...); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
}

// deleteEvery deletes every k-th of ids (in the order given) and returns what it deleted.
func deleteEvery(t *testing.T, db *sql.DB, d dialects.Dialect, rs replicaSchema, ids []string, k, offset int) []string {
	t.Helper()
	var gone []string
	for i := offset; i < len(ids); i += k {
		if _, err := db.Exec("DELETE FROM "+rs.table+" WHERE "+rs.idCol+" = "+d.Placeholder(1), ids[i]); err != nil {
			t.Fatal(err)
		}
		gone = append(gone, ids[i])
	}
	return gone
}

func flat(pages []walkPage) []string {
	var out []string
	for _, p := range pages {
		out = append(out, p.ids...)
	}
	return out
}

func minus(set map[string]bool, gone []string) map[string]bool {
	out := make(map[string]bool, len(set))
	for k := range set {
		out[k] = true
	}
	for _, g := range gone {
		delete(out, g)
	}
	return out
}

func union(a, b map[string]bool) map[string]bool {
	out := minus(a, nil)
	for k := range b {
		out[k] = true
	}
	return out
}

// replicaWalks runs the walks on one database: two replicas with their own (local)
// positions, then two sharing a store, then one alone.
func replicaWalks(t *testing.T, d dialects.Dialect, dsn string, rs replicaSchema, shared func(t *testing.T) engine.CursorStore) {
	const seeded = 1234
	a, _ := replica(t, d, dsn, rs.schema, rs.mapping, nil)
	seed(t, a.db, d, rs, 0, seeded)
	next := seeded

	t.Run("local positions, changes before the walk", func(t *testing.T) {
		b, lb := replica(t, d, dsn, "", rs.mapping, nil)
		c, lc := replica(t, d, dsn, "", rs.mapping, nil)
		// The first walk starts on b: b keeps the positions after its pages (101, 301,
		// ...) and c after its own (201, 401, ...).
		first := importWalk(t, []*node{b, c}, nil)
		ids := userIDs(t, a.db, rs.table, rs.idCol)
		checkWalk(t, "first walk", first, ids, nil)
		sameTotals(t, "first walk", first, len(ids))
		// New hires and leavers before the next walk shift every row after them; that
		// walk starts on c, which holds positions for exactly the pages b serves now.
		gone := deleteEvery(t, a.db, d, rs, flat(first), 37, 5)
		seed(t, a.db, d, rs, next, 20)
		next += 20
		ids = userIDs(t, a.db, rs.table, rs.idCol)
		offsetsOf(lb, lc)
		second := importWalk(t, []*node{c, b}, nil)
		if n := checkWalk(t, "after "+fmt.Sprint(len(gone))+" deletes and 20 inserts", second, ids, nil); n != len(ids) {
			t.Errorf("read %d ids of %d", n, len(ids))
		}
		sameTotals(t, "after the changes", second, len(ids))
		// Each process continues after its own last page, skipping the other's: only the
		// second page (b's first, with b's position far behind, from the last walk) is
		// read with OFFSET from the first row.
		_, fb := lb.offsets()
		_, fc := lc.offsets()
		if fb+fc != 1 {
			t.Errorf("%d pages read with OFFSET from the first row, want 1", fb+fc)
		}
	})

	t.Run("local positions, changes during the walk away from it", func(t *testing.T) {
		b, _ := replica(t, d, dsn, "", rs.mapping, nil)
		c, _ := replica(t, d, dsn, "", rs.mapping, nil)
		before := userIDs(t, a.db, rs.table, rs.idCol)
		order := flat(importWalk(t, []*node{b, c}, nil))
		// Rows already read, and rows well ahead of the two pages each process spans,
		// change while the walk goes on: every row that exists throughout comes once.
		var gone []string
		pages := importWalk(t, []*node{c, b}, func(page int) {
			if page == 5 {
				gone = append(gone, deleteEvery(t, a.db, d, rs, order[:300], 17, 4)...)
				gone = append(gone, deleteEvery(t, a.db, d, rs, order[800:1100], 13, 5)...)
			}
		})
		checkWalk(t, "local positions, changes away from the walk", pages, minus(before, gone), before)
	})

	t.Run("shared positions, changes during the walk", func(t *testing.T) {
		store := shared(t)
		b, lb := replica(t, d, dsn, "", rs.mapping, store)
		c, lc := replica(t, d, dsn, "", rs.mapping, store)
		before := userIDs(t, a.db, rs.table, rs.idCol)
		warm := importWalk(t, []*node{b, c}, nil)
		checkWalk(t, "first walk", warm, before, nil)
		sameTotals(t, "first walk", warm, len(before))
		if n := offsetsOf(lb, lc); n != 0 {
			t.Errorf("a shared store: %d pages read with OFFSET, want every page after the first from the last id", n)
		}
		// During the next walk, rows behind and ahead of it are deleted and new ones
		// inserted; every row that exists throughout comes back exactly once.
		var gone []string
		order := flat(warm)
		pages := importWalk(t, []*node{c, b}, func(page int) {
			if page == 4 {
				gone = append(gone, deleteEvery(t, a.db, d, rs, order[:300], 29, 3)...)    // already read
				gone = append(gone, deleteEvery(t, a.db, d, rs, order[500:900], 31, 7)...) // still ahead
				seed(t, a.db, d, rs, next, 20)
				next += 20
			}
		})
		after := userIDs(t, a.db, rs.table, rs.idCol)
		checkWalk(t, "changes during the walk", pages, minus(before, gone), union(before, after))
		if n := offsetsOf(lb, lc); n != 0 {
			t.Errorf("a shared store: %d pages read with OFFSET during the walk", n)
		}
	})

	t.Run("one replica, changes during the walk", func(t *testing.T) {
		b, lb := replica(t, d, dsn, "", rs.mapping, nil)
		before := userIDs(t, a.db, rs.table, rs.idCol)
		order := flat(importWalk(t, []*node{b}, nil))
		offsetsOf(lb)
		var gone []string
		pages := importWalk(t, []*node{b}, func(page int) {
			if page == 3 {
				gone = append(gone, deleteEvery(t, a.db, d, rs, order[:200], 23, 1)...)
				gone = append(gone, deleteEvery(t, a.db, d, rs, order[600:1000], 19, 2)...)
				seed(t, a.db, d, rs, next, 20)
				next += 20
			}
		})
		checkWalk(t, "one replica", pages, minus(before, gone), union(before, userIDs(t, a.db, rs.table, rs.idCol)))
		if n := offsetsOf(lb); n != 0 {
			t.Errorf("one replica: %d pages read with OFFSET, want none", n)
		}
	})
}

// sharedStore is the store replicas share: Redis where SCIMSQL_TEST_REDIS_URL names one
// (CI always), which is what a deployment of replicas runs.
func sharedStore(t *testing.T) engine.CursorStore { return conformance.Redis(t) }

func TestReplicaImportWalks(t *testing.T) {
	onEveryDB(t, func(t *testing.T, d dialects.Dialect, dsn, schema string) {
		replicaWalks(t, d, dsn, quickstartUsers(schema), sharedStore)
	})
}

// The PostgreSQL example's keys are random UUIDs: rows created before a walk land
// anywhere in its order, which is what broke imports behind two replicas.
func TestReplicaImportWalksPostgresExample(t *testing.T) {
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	replicaWalks(t, d, dsn, pgExampleUsers, sharedStore)
}

// The same walks with an in-process store standing in for Redis, so that they run
// everywhere, on SQLite.
func TestReplicaImportWalksSharedInProcess(t *testing.T) {
	d, dsn, schema := hardeningDBs[0].fresh(t)
	replicaWalks(t, d, dsn, quickstartUsers(schema), func(*testing.T) engine.CursorStore { return engine.NewLocalCursors(100) })
}

// hInt reads a JSON integer; -1 for anything else (a count sent as a string included).
func hInt(v any) int {
	n, ok := v.(json.Number)
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		return -1
	}
	return i
}
