package logagg

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type buf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buf) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *buf) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.TrimSpace(b.b.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// The first event of a kind is a line at once; the rest of its interval is one line
// with their number when it ends; a kind that went quiet is forgotten.
func TestAggregates(t *testing.T) {
	out := &buf{}
	l := New(slog.New(slog.NewTextHandler(out, nil)), 50*time.Millisecond)
	ctx := context.Background()
	for i := range 100 {
		l.Warn(ctx, "a", "authentication failed", "remote", "192.0.2.1", "i", i)
	}
	l.Error(ctx, "b", "database unreachable", "err", "connection refused")
	if got := out.lines(); len(got) != 2 || !strings.Contains(got[0], "i=0") || !strings.Contains(got[1], "database unreachable") {
		t.Fatalf("at once: %q", got)
	}
	time.Sleep(120 * time.Millisecond)
	got := out.lines()
	if len(got) != 3 || !strings.Contains(got[2], "repeated=99") || !strings.Contains(got[2], "i=99") || !strings.Contains(got[2], "level=WARN") {
		t.Fatalf("after the interval: %q", got)
	}
	time.Sleep(120 * time.Millisecond) // a quiet interval: forgotten
	l.Warn(ctx, "a", "authentication failed", "i", 100)
	if got := out.lines(); len(got) != 4 || !strings.Contains(got[3], "i=100") || strings.Contains(got[3], "repeated") {
		t.Fatalf("a new burst starts with a line of its own: %q", got)
	}
	l.mu.Lock()
	n := len(l.keys)
	l.mu.Unlock()
	if n != 1 {
		t.Errorf("%d kinds followed, want 1 (b went quiet)", n)
	}
}
