// Package cursorstore keeps list walks' positions where every scimsql replica can read
// them, so that an import stays exact and fast when a load balancer sends consecutive
// pages of it to different processes. It implements engine.CursorStore.
package cursorstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a cursor store in Redis (or Valkey, or any server that speaks its protocol):
// one key per walk, with a time to live.
type Redis struct {
	c      *redis.Client
	prefix string
	// down is when the server last failed, in Unix nanoseconds: for a short while after,
	// requests do not wait for it again (each page is read with OFFSET instead).
	down atomic.Int64
}

// pause is how long a failed server is left alone before it is tried again.
const pause = 2 * time.Second

// errPaused is what a request gets while the server is left alone after a failure.
var errPaused = errors.New("the Redis server failed a moment ago; not asking it again yet")

// NewRedis connects to the server at url (redis://[user:password@]host:6379/db, or
// rediss:// for TLS); keys begin with prefix. It does not dial until first used. Its
// errors never contain the URL, which may hold a password.
func NewRedis(url, prefix string, poolSize int) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("server.cursors.url: not a redis:// or rediss:// URL (it is not shown because it may contain a password)")
	}
	opts.DialTimeout = time.Second
	opts.ReadTimeout = 250 * time.Millisecond
	opts.WriteTimeout = 250 * time.Millisecond
	opts.MaxRetries = 0 // a page that cannot ask is read with OFFSET at once
	if poolSize > 0 {
		opts.PoolSize = poolSize
	}
	// The client would otherwise announce itself with CLIENT SETINFO on every new
	// connection, which older servers refuse.
	opts.DisableIdentity = true
	return &Redis{c: redis.NewClient(opts), prefix: prefix}, nil
}

// Name implements engine.CursorStore.
func (*Redis) Name() string { return "redis" }

func (r *Redis) paused() bool {
	t := r.down.Load()
	return t != 0 && time.Since(time.Unix(0, t)) < pause
}

func (r *Redis) failed(err error) error {
	if errors.Is(err, context.Canceled) {
		return err // the request went away; the server is not at fault
	}
	r.down.Store(time.Now().UnixNano())
	return fmt.Errorf("redis: %s", reason(err))
}

// Load implements engine.CursorStore.
func (r *Redis) Load(ctx context.Context, key string) ([]byte, error) {
	if r.paused() {
		return nil, errPaused
	}
	b, err := r.c.Get(ctx, r.prefix+key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case err != nil:
		return nil, r.failed(err)
	}
	r.down.Store(0)
	return b, nil
}

// Store implements engine.CursorStore.
func (r *Redis) Store(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if r.paused() {
		return errPaused
	}
	if err := r.c.Set(ctx, r.prefix+key, val, ttl).Err(); err != nil {
		return r.failed(err)
	}
	r.down.Store(0)
	return nil
}

// Ping checks that the server answers, for scimsql validate and /-/ready.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %s", reason(err))
	}
	return nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.c.Close() }

// reason is an error's text without addresses or credentials: what an operator needs to
// know is whether the server refused, timed out or asked for a password.
func reason(err error) string {
	s := strings.ToLower(err.Error())
	for _, r := range []string{"connection refused", "i/o timeout", "no such host", "connection reset", "broken pipe",
		"noauth", "wrongpass", "invalid password", "readonly", "loading", "oom", "context deadline exceeded", "tls"} {
		if strings.Contains(s, r) {
			return r
		}
	}
	var re redis.Error
	if errors.As(err, &re) {
		// A server reply names the problem, never our secret.
		return re.Error()
	}
	return "the server did not answer"
}
