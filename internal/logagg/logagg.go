// Package logagg keeps repeated log lines from filling a disk: the first event of a kind
// is logged at once, and the events of the same kind that follow within an interval are
// logged as one line when it ends, with their number. A password-guessing client or a
// database outage then costs a few lines per interval, not a few per request.
package logagg

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// maxKeys bounds the kinds followed at once; past it, new kinds share one entry, so that a
// client varying what it sends cannot grow the map.
const maxKeys = 10000

// Logger aggregates log lines by key.
type Logger struct {
	log   *slog.Logger
	every time.Duration
	mu    sync.Mutex
	keys  map[string]*entry
}

type entry struct {
	level slog.Level
	msg   string
	attrs []any // of the newest event
	n     int   // events since the last line
}

// New returns a Logger writing to log that folds each kind's events into one line per
// interval every.
func New(log *slog.Logger, every time.Duration) *Logger {
	return &Logger{log: log, every: every, keys: map[string]*entry{}}
}

// Warn logs at warning level; see Log.
func (l *Logger) Warn(ctx context.Context, key, msg string, attrs ...any) {
	l.Log(ctx, slog.LevelWarn, key, msg, attrs...)
}

// Error logs at error level; see Log.
func (l *Logger) Error(ctx context.Context, key, msg string, attrs ...any) {
	l.Log(ctx, slog.LevelError, key, msg, attrs...)
}

// Log logs msg with attrs at once when it is the first event of key in this interval;
// otherwise it is counted, and one line with the newest event's attributes and the
// count ("repeated") follows when the interval ends.
func (l *Logger) Log(ctx context.Context, level slog.Level, key, msg string, attrs ...any) {
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.mu.Lock()
	if _, ok := l.keys[key]; !ok && len(l.keys) >= maxKeys {
		key = "\x00overflow"
	}
	if e, ok := l.keys[key]; ok {
		e.n++
		e.level, e.msg, e.attrs = level, msg, attrs
		l.mu.Unlock()
		return
	}
	l.keys[key] = &entry{level: level, msg: msg}
	l.mu.Unlock()
	l.log.Log(ctx, level, msg, attrs...)
	time.AfterFunc(l.every, func() { l.flush(key) })
}

// flush ends key's interval: the events counted in it become one line, and a new interval
// begins; a kind with no events in its interval is forgotten.
func (l *Logger) flush(key string) {
	l.mu.Lock()
	e := l.keys[key]
	if e == nil || e.n == 0 {
		delete(l.keys, key)
		l.mu.Unlock()
		return
	}
	level, msg, n := e.level, e.msg, e.n
	attrs := append(append(make([]any, 0, len(e.attrs)+4), e.attrs...), "repeated", n, "interval", l.every.String())
	e.n = 0
	l.mu.Unlock()
	l.log.Log(context.Background(), level, msg, attrs...)
	time.AfterFunc(l.every, func() { l.flush(key) })
}
