package tester

import (
	"fmt"
	"strings"
	"testing"
)

// A body too large to decode for its excerpt still shows no password.
func TestLargeBodyExcerptRedactsPasswords(t *testing.T) {
	big := `{"userName":"a","password":"hunter2-secret","pad":"` + strings.Repeat("x", 100<<10) + `"}`
	got := cut(redactJSON([]byte(big)), 4000)
	if strings.Contains(got, "hunter2-secret") || !strings.Contains(got, `"password":"********"`) {
		t.Fatalf("excerpt: %.200s", got)
	}
	if !strings.Contains(got, fmt.Sprintf("(%d bytes in all)", len(big)-len("hunter2-secret")+len("********"))) {
		t.Fatalf("excerpt lost the size: %s", got[len(got)-100:])
	}
}
