package httpapi

import (
	"errors"
	"testing"

	"github.com/scimsql/scimsql/engine"
)

// Every engine error has its row: none falls through to "internal error".
func TestEveryEngineErrorIsClassified(t *testing.T) {
	for _, s := range engine.Sentinels() {
		found := false
		for _, c := range errorClasses {
			if errors.Is(s, c.err) {
				found = true
				if c.status == 0 || c.code11 == "" {
					t.Errorf("%v: status %d, code %q", s, c.status, c.code11)
				}
			}
		}
		if !found {
			t.Errorf("%v has no row in errorClasses", s)
		}
	}
}
