package engine

import (
	"errors"
	"reflect"
	"testing"

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
