package engine

import "testing"

func TestTransform(t *testing.T) {
	for _, c := range []struct {
		how  string
		in   any
		want any
	}{
		{"lower", "Ada.Lovelace@Example.COM", "ada.lovelace@example.com"},
		{"trim", "  ada  ", "ada"},
		{"slug", "Grace.Hopper@Navy.example", "grace-hopper-navy-example"},
		{"slug", "  --Ünïcode  name__", "unicode-name"},
		{"slug", "Zoë Ça-va", "zoe-ca-va"},
		{"slug", "日本 user", "user"},
		{"slug", "!!!", ""},
		{"slug", 42, 42}, // not text: as it is
		{"", "As Is", "As Is"},
	} {
		if got := transform(c.how, c.in); got != c.want {
			t.Errorf("%s(%v) = %v, want %v", c.how, c.in, got, c.want)
		}
	}
}
