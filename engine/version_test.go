package engine

import (
	"errors"
	"testing"
	"time"
)

// Versions are weak tags from the modification time, compared weakly, "*" for any; a
// resource without one matches only "*", and a write's If-Match that names another
// version is ErrPrecondition.
func TestVersionsAndPreconditions(t *testing.T) {
	at := time.Date(2026, 12, 7, 13, 0, 0, 123456000, time.UTC)
	v := Version(at)
	if v == "" || v != Version(at.In(time.FixedZone("x", 3600))) || v == Version(at.Add(time.Microsecond)) || Version(time.Time{}) != "" {
		t.Fatalf("Version: %q", v)
	}
	strong := v[2:]
	for _, c := range []struct {
		tags    []string
		version string
		want    bool
	}{
		{[]string{v}, v, true},
		{[]string{strong}, v, true}, // W/ ignored
		{[]string{`W/"1"`, " " + v + " "}, v, true},
		{[]string{"*"}, v, true},
		{[]string{"*"}, "", true},
		{[]string{`W/"1"`}, v, false},
		{[]string{v}, "", false},
		{nil, v, false},
	} {
		if got := Matches(c.tags, c.version); got != c.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", c.tags, c.version, got, c.want)
		}
	}
	if err := holds(nil, v, "user", "1"); err != nil {
		t.Errorf("no If-Match: %v", err)
	}
	if err := holds([]string{`W/"1"`}, v, "user", "1"); !errors.Is(err, ErrPrecondition) {
		t.Errorf("a stale If-Match: %v", err)
	}
	if err := holds([]string{v}, "", "user", "1"); !errors.Is(err, ErrPrecondition) {
		t.Errorf("an If-Match on a resource without versions: %v", err)
	}
}
