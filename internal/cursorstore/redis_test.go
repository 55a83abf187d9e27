package cursorstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A Redis that is gone costs a page one failed dial, then nothing for a while: the pages
// are read with OFFSET meanwhile. The errors name the cause, never the URL's password.
func TestRedisDownIsLeftAlone(t *testing.T) {
	r, err := NewRedis("redis://:s3cret-pw@127.0.0.1:1/0", "t:", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	_, err = r.Load(ctx, "k")
	if err == nil || !strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("first load: %v", err)
	}
	start := time.Now()
	for range 100 {
		if _, err := r.Load(ctx, "k"); !errors.Is(err, errPaused) {
			t.Fatalf("while paused: %v", err)
		}
		if err := r.Store(ctx, "k", []byte("v"), time.Minute); !errors.Is(err, errPaused) {
			t.Fatalf("store while paused: %v", err)
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("200 calls while paused took %s: they should not dial", d)
	}
	if _, err := NewRedis("http://x", "", 1); err == nil || strings.Contains(err.Error(), "http://x") {
		t.Errorf("a bad URL: %v", err)
	}
}
