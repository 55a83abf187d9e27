package engine

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/mappings"
)

// The diff of a pushed member list against the stored one compares ids as the user key
// reads them, whatever form the request or the driver gives them in.
func TestWantedMembersDiff(t *testing.T) {
	for _, tc := range []struct {
		name, idType string
		members      []Member
		have         []any // as a driver returns them
		add, remove  []any
		answer       []Member
	}{
		{name: "one moved out, one in", idType: "integer",
			members: []Member{{Value: "1", Display: "a"}, {Value: "3", Display: "c"}},
			have:    []any{int64(1), int64(2)},
			add:     []any{int64(3)}, remove: []any{int64(2)},
			answer: []Member{{Value: "1", Display: "a"}, {Value: "3", Display: "c"}}},
		{name: "integer ids in any spelling, duplicates once", idType: "integer",
			members: []Member{{Value: "010"}, {Value: "10", Display: "dup"}, {Value: "+11"}},
			have:    []any{"10", []byte("11"), int64(12)},
			remove:  []any{int64(12)},
			answer:  []Member{{Value: "10"}, {Value: "11"}}},
		{name: "string ids from []byte", idType: "string",
			members: []Member{{Value: "d001"}, {Value: "d002"}},
			have:    []any{[]byte("d002"), []byte("d003")},
			add:     []any{"d001"}, remove: []any{[]byte("d003")},
			answer: []Member{{Value: "d001"}, {Value: "d002"}}},
		{name: "a string key that reads as a number is still a string", idType: "string",
			members: []Member{{Value: "7"}},
			have:    []any{int64(7)},
			answer:  []Member{{Value: "7"}}},
		{name: "uuid keys compare in canonical form", idType: "uuid",
			members: []Member{{Value: "0A6C1D3E-2B4F-4C5D-8E9F-0123456789AB"}},
			have:    []any{"0a6c1d3e-2b4f-4c5d-8e9f-0123456789ab"},
			answer:  []Member{{Value: "0a6c1d3e-2b4f-4c5d-8e9f-0123456789ab"}}},
		{name: "empty list removes everyone", idType: "integer",
			have:   []any{int64(1)},
			remove: []any{int64(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := membersEngine(t, tc.idType)
			w, err := e.wanted(tc.members)
			if err != nil {
				t.Fatal(err)
			}
			add, remove := w.diff(e, tc.have)
			if !reflect.DeepEqual(add, tc.add) || !reflect.DeepEqual(remove, tc.remove) {
				t.Errorf("add %#v remove %#v, want add %#v remove %#v", add, remove, tc.add, tc.remove)
			}
			if !reflect.DeepEqual(w.members, tc.answer) && !(len(w.members) == 0 && len(tc.answer) == 0) {
				t.Errorf("answer %#v, want %#v", w.members, tc.answer)
			}
		})
	}
}

func TestWantedMembersRefusesBadIDs(t *testing.T) {
	e := membersEngine(t, "integer")
	_, err := e.wanted([]Member{{Value: "1"}, {Value: "1; DROP TABLE users"}})
	if !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("got %v, want ErrInvalidValue", err)
	}
	if _, err := e.parseMembers([]Member{{Value: "x"}}); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("parseMembers: got %v, want ErrInvalidValue", err)
	}
}

func membersEngine(t *testing.T, idType string) *Engine {
	t.Helper()
	src := `
version: 1
app: {name: t}
database: {driver: sqlite, dsn: x.db}
server: {auth: {type: none}}
users:
  table: users
  id: {column: id, type: ` + idType + `}
  attributes: {userName: user_name}
  operations: auto
groups:
  table: groups
  id: id
  displayName: name
  members: {table: m, group: g, user: u}
  operations: auto
`
	m, err := mappings.Load([]byte(src), "t.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(m, sqlite.New(), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Under groups.members.unknown: skip a member that names no user, malformed for the key
// or well formed and absent, is left out of every group write (create, PUT, PATCH add and
// replace) while the others are written; the answer and the stored rows agree, and one
// warning per committed write names the group and the ids. Under reject, the default,
// the same writes are a 400 that writes nothing.
func TestUnknownMembers(t *testing.T) {
	for _, mode := range []string{"skip", "reject"} {
		t.Run(mode, func(t *testing.T) {
			text, err := os.ReadFile("../examples/quickstart/mapping.yaml")
			if err != nil {
				t.Fatal(err)
			}
			yaml := strings.Replace(string(text), "members: {table: group_members, group: group_id, user: user_id}",
				"members: {table: group_members, group: group_id, user: user_id, unknown: "+mode+"}", 1)
			m, err := mappings.Load([]byte(yaml), "mapping.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
			if err != nil {
				t.Fatal(err)
			}
			m.Database.Init = nil
			d := sqlite.New()
			db := quickstartDB(t, d, dialects.Pool{MaxOpen: 2, MaxIdle: 2})
			var logs bytes.Buffer
			e, err := New(m, d, db, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var users []string
			for _, n := range []string{"a", "b", "c"} {
				u, err := e.CreateUser(ctx, pushUser(n+"@example.com", n, n))
				if err != nil {
					t.Fatal(err)
				}
				users = append(users, u.ID)
			}
			stored := func(gid string) string {
				rows, err := db.Query("SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id", gid)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var v string
					if err := rows.Scan(&v); err != nil {
						t.Fatal(err)
					}
					out = append(out, v)
				}
				return strings.Join(out, ",")
			}
			ids := func(ms []Member) string {
				var out []string
				for _, m := range ms {
					out = append(out, m.Value)
				}
				slices.Sort(out)
				return strings.Join(out, ",")
			}
			with := func(vals ...string) []Member {
				out := make([]Member, len(vals))
				for i, v := range vals {
					out[i] = Member{Value: v}
				}
				return out
			}
			const malformed, absent = "string id 1", "987654321"

			g, err := e.CreateGroup(ctx, &Group{DisplayName: "Team", Members: with(users[0], malformed, absent), HasMembers: true})
			if mode == "reject" {
				if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), malformed) {
					t.Fatalf("create with members that name no user: %v, want a 400 naming %q", err, malformed)
				}
				var n int
				if err := db.QueryRow("SELECT COUNT(*) FROM groups").Scan(&n); err != nil || n != 0 {
					t.Fatalf("a refused create wrote %d groups (%v)", n, err)
				}
				g, err = e.CreateGroup(ctx, &Group{DisplayName: "Team", Members: with(users[0]), HasMembers: true})
				if err != nil {
					t.Fatal(err)
				}
				_, err = e.UpdateGroup(ctx, g.ID, &Group{DisplayName: "Team", Members: with(users[1], absent), HasMembers: true})
				if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), absent) {
					t.Fatalf("PUT with an absent user: %v, want a 400 naming %s", err, absent)
				}
				if err := e.PatchGroup(ctx, g.ID, GroupPatch{Add: []string{users[1], absent}}); !errors.Is(err, ErrInvalidValue) {
					t.Fatalf("PATCH add of an absent user: %v, want a 400", err)
				}
				if got := stored(g.ID); got != users[0] {
					t.Fatalf("refused writes changed the members: %s", got)
				}
				if strings.Contains(logs.String(), "left out") {
					t.Fatalf("reject logged members as left out: %s", logs.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ids(g.Members) != users[0] || stored(g.ID) != users[0] {
				t.Fatalf("create: answered %s, stored %s, want %s", ids(g.Members), stored(g.ID), users[0])
			}
			line := logs.String()
			for _, want := range []string{"group members left out", "op=createGroup", "group=" + g.ID, "count=2", malformed, absent} {
				if !strings.Contains(line, want) {
					t.Errorf("the create's warning lacks %q: %s", want, line)
				}
			}
			// PUT: one new member, one absent; the member that stays stays.
			logs.Reset()
			g, err = e.UpdateGroup(ctx, g.ID, &Group{DisplayName: "Team", Members: with(users[0], users[1], absent), HasMembers: true})
			if err != nil {
				t.Fatal(err)
			}
			want := users[0] + "," + users[1]
			if ids(g.Members) != want || stored(g.ID) != want {
				t.Fatalf("PUT: answered %s, stored %s, want %s", ids(g.Members), stored(g.ID), want)
			}
			if !strings.Contains(logs.String(), "op=updateGroup") || !strings.Contains(logs.String(), "count=1") {
				t.Errorf("the PUT's warning: %s", logs.String())
			}
			// PATCH add and replace.
			if err := e.PatchGroup(ctx, g.ID, GroupPatch{Add: []string{absent, users[2], malformed}}); err != nil {
				t.Fatal(err)
			}
			if got := stored(g.ID); got != strings.Join(users, ",") {
				t.Fatalf("PATCH add: stored %s", got)
			}
			if err := e.PatchGroup(ctx, g.ID, GroupPatch{ReplaceMembers: true, Members: []string{absent, users[2]}}); err != nil {
				t.Fatal(err)
			}
			if got := stored(g.ID); got != users[2] {
				t.Fatalf("PATCH replace: stored %s, want %s", got, users[2])
			}
			// A write that fails logs nothing left out: nothing was written.
			if _, err := e.CreateGroup(ctx, &Group{DisplayName: "team", Members: with(users[0], absent), HasMembers: true}); !errors.Is(err, ErrConflict) {
				t.Fatalf("a second Team: %v, want a conflict", err)
			}
			logs.Reset()
			if _, err := e.CreateGroup(ctx, &Group{DisplayName: "TEAM", Members: with(absent), HasMembers: true}); !errors.Is(err, ErrConflict) {
				t.Fatal(err)
			}
			if strings.Contains(logs.String(), "left out") {
				t.Fatalf("a refused write logged members as left out: %s", logs.String())
			}
		})
	}
}
