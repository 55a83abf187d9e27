package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
)

const benchUsers = 110_000

// benchEngine builds the quickstart mapping over a database holding benchUsers users.
func benchEngine(b *testing.B, d dialects.Dialect, dsn, schema string) *engine.Engine {
	b.Helper()
	m, err := mappings.LoadFile("../examples/quickstart/mapping.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		b.Fatal(err)
	}
	m.Database.Driver = d.Facts().Name
	db := conformance.Open(b, d, dsn)
	script, err := os.ReadFile(schema)
	if err != nil {
		b.Fatal(err)
	}
	conformance.Exec(b, db, engine.SplitStatements(string(script)))
	fill(b, db, d)
	e, err := engine.New(m, d, db, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// fill inserts benchUsers users in the database's own set-generating SQL.
func fill(b *testing.B, db *sql.DB, d dialects.Dialect) {
	var q string
	switch d.Facts().Name {
	case "postgres":
		q = `INSERT INTO users (user_name, first_name, last_name, email, active, updated_at)
		     SELECT 'user' || i || '@example.com', 'Given' || i, 'Family' || i, 'user' || i || '@example.com', 1, now()
		     FROM generate_series(1, ` + fmt.Sprint(benchUsers) + `) AS i`
	default:
		q = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchUsers) + `)
		     INSERT INTO users (user_name, first_name, last_name, email, active, updated_at)
		     SELECT 'user' || i || '@example.com', 'Given' || i, 'Family' || i, 'user' || i || '@example.com', 1, '2024-01-01 00:00:00.000000' FROM n`
	}
	if _, err := db.Exec(q); err != nil {
		b.Fatal(err)
	}
	if d.Facts().Name == "postgres" {
		_, _ = db.Exec("ANALYZE users")
	}
}

type benchDB struct {
	name string
	open func(b *testing.B) *engine.Engine
}

func benchDBs() []benchDB {
	return []benchDB{
		{"sqlite", func(b *testing.B) *engine.Engine {
			return benchEngine(b, sqlite.New(), filepath.Join(b.TempDir(), "bench.db"), "../examples/quickstart/schema.sql")
		}},
		{"postgres", func(b *testing.B) *engine.Engine {
			d := postgres.New()
			dsn := os.Getenv("SCIMSQL_TEST_POSTGRES_DSN")
			if dsn == "" {
				b.Skip("SCIMSQL_TEST_POSTGRES_DSN is not set")
			}
			return benchEngine(b, d, conformance.PostgresSchema(b, d, dsn), "../testdata/conformance/schema.postgres.sql")
		}},
	}
}

// BenchmarkUsersPage compares the first page of an import with the page at startIndex
// 100001: reached by walking (keyset, as the agent does) and jumped to cold (OFFSET).
func BenchmarkUsersPage(b *testing.B) {
	for _, db := range benchDBs() {
		b.Run(db.name, func(b *testing.B) {
			e := db.open(b)
			ctx := context.Background()
			page := func(b *testing.B, start int) {
				p, err := e.GetUsers(ctx, engine.Query{StartIndex: start, Count: 100, Paged: true})
				if err != nil || len(p.Users) != 100 || p.Total != benchUsers {
					b.Fatalf("page %d: %v (%d users, total %d)", start, err, len(p.Users), p.Total)
				}
			}
			b.Run("first", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					page(b, 1)
				}
			})
			b.Run("100001-walked", func(b *testing.B) {
				page(b, 99901) // the previous page of the walk leaves the cursor
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					page(b, 100001)
				}
			})
			b.Run("100001-cold", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					page(b, 100001+i%7) // never the continuation of a served page
				}
			})
		})
	}
}

// BenchmarkImportWalk is the agent's full import over HTTP: GET /Users in pages of 100
// until the end, JSON included. One op is one whole walk of benchUsers users.
func BenchmarkImportWalk(b *testing.B) {
	for _, db := range benchDBs() {
		b.Run(db.name, func(b *testing.B) {
			e := db.open(b)
			srv := httptest.NewServer(httpapi.New(e, slog.New(slog.NewTextHandler(io.Discard, nil))))
			defer srv.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n := 0
				for start := 1; start <= benchUsers; start += 100 {
					req, _ := http.NewRequest("GET", fmt.Sprintf("%s/Users?startIndex=%d&count=100", srv.URL, start), nil)
					req.SetBasicAuth("okta", "okta")
					res, err := srv.Client().Do(req)
					if err != nil || res.StatusCode != 200 {
						b.Fatalf("page %d: %v %v", start, err, res.Status)
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					n++
				}
				b.ReportMetric(float64(n), "pages")
			}
		})
	}
}

// BenchmarkGroupPatchOneMember adds and removes one member of a group of 1,000 and of
// 100,000 members: a SCIM 2.0 PATCH touches that membership only, so the two cost the
// same; the PUT of the whole list (SCIM 1.1) is shown for contrast.
func BenchmarkGroupPatchOneMember(b *testing.B) {
	for _, db := range benchDBs() {
		b.Run(db.name, func(b *testing.B) {
			e := db.open(b) // benchUsers users, ids 1..benchUsers
			ctx := context.Background()
			for _, size := range []int{1000, 100_000} {
				g, err := e.CreateGroup(ctx, &engine.Group{DisplayName: fmt.Sprintf("bench %d", size)})
				if err != nil {
					b.Fatal(err)
				}
				fillMembers(b, e, g.ID, size)
				outsider := fmt.Sprint(size + 1) // a user who is not a member
				b.Run(fmt.Sprintf("patch/members=%d", size), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						p := engine.GroupPatch{Add: []string{outsider}}
						if i%2 == 1 {
							p = engine.GroupPatch{Remove: []string{outsider}}
						}
						if err := e.PatchGroup(ctx, g.ID, p); err != nil {
							b.Fatal(err)
						}
					}
				})
				if size == 100_000 {
					members := make([]engine.Member, size)
					for i := range members {
						members[i] = engine.Member{Value: fmt.Sprint(i + 1)}
					}
					b.Run(fmt.Sprintf("put-whole-list/members=%d", size), func(b *testing.B) {
						for i := 0; i < b.N; i++ {
							if i%2 == 0 {
								members[0].Value = outsider
							} else {
								members[0].Value = "1"
							}
							if _, err := e.UpdateGroup(ctx, g.ID, &engine.Group{DisplayName: g.DisplayName, Members: members, HasMembers: true}); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}

// fillMembers makes users 1..n members of group gid with one statement.
func fillMembers(b *testing.B, e *engine.Engine, gid string, n int) {
	var q string
	switch e.Dialect().Facts().Name {
	case "postgres":
		q = fmt.Sprintf("INSERT INTO group_members (group_id, user_id) SELECT %s, i FROM generate_series(1, %d) AS i", gid, n)
	default:
		q = fmt.Sprintf("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) INSERT INTO group_members (group_id, user_id) SELECT %s, i FROM s", n, gid)
	}
	if _, err := e.DB().Exec(q); err != nil {
		b.Fatal(err)
	}
}
