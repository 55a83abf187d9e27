package engine

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// The agent's check-exists on id, `id eq "<v>"` on the first page, is answered by the
// by-id SELECT built at load time: the same answer as the planned list, with no ORDER BY,
// LIMIT or count prepared for it. Anything else about the request (another page, count=0,
// a sort, a second condition) is planned as usual.
func TestCheckExistsOnIDUsesTheByIDRead(t *testing.T) {
	e := quickstartEngine(t, 20)
	ctx := context.Background()
	list := func(q Query) *UserPage {
		t.Helper()
		page, err := e.GetUsers(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		return page
	}
	ids := func(p *UserPage) []string {
		var out []string
		for _, u := range p.Users {
			out = append(out, u.ID)
		}
		return out
	}
	prepared := func() []string {
		e.stmts.mu.Lock()
		defer e.stmts.mu.Unlock()
		var out []string
		for q := range e.stmts.m {
			out = append(out, q)
		}
		return out
	}

	cases := []struct {
		q         Query
		wantIDs   []string
		wantTotal int
	}{
		{Query{Filter: `id eq "7"`, StartIndex: 1, Count: 100, Paged: true}, []string{"7"}, 1},
		{Query{Filter: `ID EQ 7`}, []string{"7"}, 1},
		{Query{Filter: `  id eq "7"  `, StartIndex: 0, Count: 5, Paged: true}, []string{"7"}, 1},
		{Query{Filter: `id eq "999"`, StartIndex: 1, Count: 100, Paged: true}, nil, 0},
		{Query{Filter: `id eq "not-a-number"`, StartIndex: 1, Count: 100, Paged: true}, nil, 0},
	}
	for _, c := range cases {
		got := list(c.q)
		if !reflect.DeepEqual(ids(got), c.wantIDs) || got.Total != c.wantTotal || got.StartIndex != 1 {
			t.Errorf("%q: ids %v total %d start %d, want %v total %d start 1", c.q.Filter, ids(got), got.Total, got.StartIndex, c.wantIDs, c.wantTotal)
		}
	}
	// Besides it, only the read of the user's groups (users list their groups).
	allowed := map[string]bool{e.users.ByID: true}
	for _, rp := range e.refs {
		allowed[e.gen.RefsOf(rp, []any{int64(7)}).String()] = true
	}
	for _, q := range prepared() {
		if !allowed[q] {
			t.Errorf("a lookup on id prepared %q, want only the by-id SELECT and the groups' read", q)
		}
	}

	// The same user as the planned list answers, attribute for attribute.
	fast := list(Query{Filter: `id eq "7"`, StartIndex: 1, Count: 100, Paged: true})
	planned := list(Query{Filter: `id eq "7" and id pr`, StartIndex: 1, Count: 100, Paged: true})
	if len(planned.Users) != 1 || !reflect.DeepEqual(fast.Users[0], planned.Users[0]) {
		t.Errorf("by-id answer %+v differs from the planned list's %+v", fast.Users, planned.Users)
	}
	var listed bool
	for _, q := range prepared() {
		listed = listed || strings.Contains(q, "ORDER BY")
	}
	if !listed {
		t.Error("the planned list prepared no ORDER BY statement: the test does not see which path ran")
	}

	// Planned as usual: the second page, count=0 and an invalid filter keep their answers.
	if p := list(Query{Filter: `id eq "7"`, StartIndex: 2, Count: 100, Paged: true}); len(p.Users) != 0 || p.Total != 1 || p.StartIndex != 2 {
		t.Errorf("startIndex=2: %d users, total %d, start %d; want 0, 1, 2", len(p.Users), p.Total, p.StartIndex)
	}
	if p := list(Query{Filter: `id eq "7"`, StartIndex: 1, Count: 0, Paged: true}); len(p.Users) != 0 || p.Total != 1 {
		t.Errorf("count=0: %d users, total %d; want 0, 1", len(p.Users), p.Total)
	}
	if _, err := e.GetUsers(ctx, Query{Filter: `id eq "7"`, SortBy: "nosuch"}); err == nil {
		t.Error("sortBy an unknown attribute: no error")
	}
	if _, err := e.GetUsers(ctx, Query{Filter: `id eq true`}); err == nil {
		t.Error(`id eq true: no error`)
	}
}
