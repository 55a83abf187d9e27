package httpapi

import (
	"context"
	"sync"
	"time"
)

// budget bounds a quantity held by requests at once (the bytes of their bodies), so that
// concurrent large requests cannot take the process past its memory limit: a request
// that does not fit waits for others to give theirs back, for a while.
type budget struct {
	mu   sync.Mutex
	used int64
	// freed is closed, and replaced, whenever something is given back.
	freed chan struct{}
}

// acquire takes n of limit, waiting up to wait (or until ctx ends) for room. A request
// larger than the whole budget gets in alone, when nothing else is held: a body within
// its size limit is always served eventually.
func (b *budget) acquire(ctx context.Context, n, limit int64, wait time.Duration) bool {
	if n <= 0 {
		return true
	}
	var timer *time.Timer
	for {
		b.mu.Lock()
		if b.used == 0 || b.used+n <= limit {
			b.used += n
			b.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return true
		}
		if b.freed == nil {
			b.freed = make(chan struct{})
		}
		freed := b.freed
		b.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
		}
		select {
		case <-freed:
		case <-timer.C:
			return false
		case <-ctx.Done():
			timer.Stop()
			return false
		}
	}
}

// release gives n back.
func (b *budget) release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	if b.freed != nil {
		close(b.freed)
		b.freed = nil
	}
	b.mu.Unlock()
}
