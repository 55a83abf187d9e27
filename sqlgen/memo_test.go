package sqlgen

import (
	"fmt"
	"reflect"
	"testing"
)

// A statement served from the text cache is the statement built afresh: the same text
// and the same arguments in the same order, for every dialect, for column sets seen
// before and not, and the cache stops growing at maxTexts.
func TestCachedStatementsAreBuiltOnes(t *testing.T) {
	m := loadGoldenMapping(t)
	sets := [][]string{{"first_name"}, {"first_name", "last_name"}, {"last_name", "first_name"}, {"a"}, {"first_name"}}
	for _, d := range goldenDialects {
		g, err := New(m, d, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fresh := func() *Gen { f, _ := New(m, d, Options{}); return f }
		p := g.Users
		for round := range 2 { // the second round is served from the cache
			for _, cols := range sets {
				vals := make([]any, len(cols))
				for i := range vals {
					vals[i] = cols[i] + "-value"
				}
				pairs := []struct {
					name        string
					cached, new *Builder
				}{
					{"Update", g.Update(p.Table, p.IDCol, p.ScopeBare, cols, vals, 7), fresh().Update(p.Table, p.IDCol, p.ScopeBare, cols, vals, 7)},
					{"UpdateRow", g.UpdateRow(p.Table, p.IDCol, p.ScopeBare, cols, vals, 7, "x"), fresh().UpdateRow(p.Table, p.IDCol, p.ScopeBare, cols, vals, 7, "x")},
				}
				if g.f.SameValue != nil { // the read after a lone UPDATE: dialects without UPDATE ... RETURNING
					pairs = append(pairs, struct {
						name        string
						cached, new *Builder
					}{"ByIDHolding", g.ByIDHolding(cols, vals, 7), fresh().ByIDHolding(cols, vals, 7)})
				}
				for _, pr := range pairs {
					if pr.cached.String() != pr.new.String() || !reflect.DeepEqual(pr.cached.Args, pr.new.Args) {
						t.Errorf("%s round %d %s %v:\ncached %s %v\nfresh  %s %v", fmt.Sprintf("%T", d), round, pr.name, cols,
							pr.cached.String(), pr.cached.Args, pr.new.String(), pr.new.Args)
					}
				}
				// Appending to a cached statement appends to its text.
				b := g.Update(p.Table, p.IDCol, p.ScopeBare, cols, vals, 7)
				want := b.String() + " -- more"
				if b.W(" -- more"); b.String() != want {
					t.Errorf("append to cached: %q, want %q", b.String(), want)
				}
			}
		}
		for i := range maxTexts + 10 {
			g.Update("t", "id", "", []string{"c" + string(rune('a'+i%26)) + string(rune('a'+i/26))}, []any{1}, 1)
		}
		if n := g.texts.n.Load(); n > maxTexts {
			t.Errorf("%s: %d statements cached, at most %d", fmt.Sprintf("%T", d), n, maxTexts)
		}
	}
}
