package dialects

import "testing"

func TestPositive(t *testing.T) {
	for v, want := range map[string]bool{
		"5000": true, "30s": true, "0.5": true, "'7'": true, `"250ms"`: true,
		"0": false, "0ms": false, "0.0": false, "": false, "off": false, "'0'": false,
	} {
		if got := Positive(v); got != want {
			t.Errorf("Positive(%q) = %v, want %v", v, got, want)
		}
	}
}
