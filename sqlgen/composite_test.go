package sqlgen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/mappings"
)

func TestCompositeCuts(t *testing.T) {
	for _, c := range []struct {
		format, value string
		fold          bool
		want          string // the cuts, or "too many"
	}{
		{"{a}@x", "bob@x", false, "[[bob]]"},
		{"{a}@x", "bob@X", false, "[]"},
		{"{a}@x", "bob@X", true, "[[bob]]"},
		{"{a}@x", "@x", false, "[[]]"},
		{"{a}.{b}@x", "jo.ann.lee@x", false, "[[jo ann.lee] [jo.ann lee]]"},
		{"{a}{b}", "abc", false, "[[ abc] [a bc] [ab c] [abc ]]"},
		{"<{a}>", "<b>", false, "[[b]]"},
		{"<{a}>", "<b", false, "[]"},
		{"{a|integer}-{b}", "42-x", false, "[[42 x]]"},
		{"{a|integer}-{b}", "042-x", false, "[]"},
		{"{a|integer}-{b}", "-4-x", false, "[[-4 x]]"},
		{"{a|integer}-{b}", "+4-x", false, "[]"},
		{"{a|integer}-{b}", "-0-x", false, "[]"},
		{"{a|integer}-{b}", "0-x", false, "[[0 x]]"},
		{"{a|integer}{b|integer}", "123", false, "[[1 23] [12 3]]"},
		{"{a|lower}@x", "Bob@x", false, "[]"},
		{"{a|lower}@x", "Bob@x", true, "[[Bob]]"},
		{"{a|trim}/{b}", " a/b", false, "[]"},
		{"{a}{b}{c}", strings.Repeat("a", 20), false, "too many"},
		// A separator that never matches must not make the search explode.
		{"{a}.{b}.{c}.{d}", strings.Repeat("a", 5000), false, "[]"},
		{"{a}{b}{c}{d}", strings.Repeat("a", 5000), false, "too many"},
	} {
		f, err := mappings.ParseComposite(c.format)
		if err != nil {
			t.Fatal(err)
		}
		cuts, ok := CompositeCuts(f, c.value, c.fold)
		got := "too many"
		if ok {
			got = fmt.Sprint(cuts)
			if cuts == nil {
				got = "[]"
			}
		}
		if got != c.want {
			t.Errorf("%s on %.40q (fold %v): %s, want %s", c.format, c.value, c.fold, got, c.want)
		}
		// Every cut rebuilds the value.
		for _, cut := range cuts {
			var sb strings.Builder
			k := 0
			for _, p := range f.Parts {
				if p.Column == "" {
					sb.WriteString(p.Literal)
				} else {
					sb.WriteString(cut[k])
					k++
				}
			}
			if !strings.EqualFold(sb.String(), c.value) {
				t.Errorf("%s: the cut %q makes %q, not %q", c.format, cut, sb.String(), c.value)
			}
		}
	}
}
