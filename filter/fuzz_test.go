package filter

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is a
// *SyntaxError pointing into the input, and that every accepted filter
// survives a Format/Parse round trip unchanged.
func FuzzParse(f *testing.F) {
	for _, tc := range goodCases {
		f.Add(tc.in)
	}
	for _, tc := range badCases {
		if len(tc.in) <= 256 {
			f.Add(tc.in)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			checkSyntaxError(t, s, err)
			if e != nil {
				t.Fatalf("Parse(%q) returned a tree and an error", s)
			}
			return
		}
		out := Format(e)
		// Format may be a little longer than its input ("not(" becomes
		// "not ("), so allow for that; it never nests deeper.
		again, err := ParseWithLimits(out, Limits{MaxLength: len(out) + 1})
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its Format %q fails: %v", s, out, err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("round trip of %q via %q:\n got %s\nwant %s", s, out, dump(again), dump(e))
		}
		if out2 := Format(again); out2 != out {
			t.Fatalf("Format is not stable: %q then %q", out, out2)
		}
		Walk(e, func(Expr) bool { return true })
	})
}

// FuzzParsePath is FuzzParse for PATCH paths.
func FuzzParsePath(f *testing.F) {
	for _, tc := range pathGoodCases {
		f.Add(tc.in)
	}
	for _, tc := range pathBadCases {
		if len(tc.in) <= 256 {
			f.Add(tc.in)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			checkSyntaxError(t, s, err)
			return
		}
		out := p.String()
		again, perr := parsePath(out, Limits{MaxLength: len(out) + 1, MaxDepth: DefaultLimits.MaxDepth})
		if perr != nil {
			t.Fatalf("ParsePath(%q) ok, but its String %q fails: %v", s, out, perr)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("round trip of %q via %q: got %+v, want %+v", s, out, again, p)
		}
	})
}

func checkSyntaxError(t *testing.T, s string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error for %q is a %T, want *SyntaxError: %v", s, err, err)
	}
	if se.Pos < 0 || se.Pos > len(s) {
		t.Fatalf("error for %q at position %d, outside the input: %v", s, se.Pos, err)
	}
	if se.Msg == "" {
		t.Fatalf("empty error message for %q", s)
	}
}
