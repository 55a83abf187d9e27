package sqlgen

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/scimsql/scimsql/dialects"
)

// textCache keeps the text of statements whose shape depends on which columns a
// request writes: a push of the same attributes, which is nearly every push, then costs
// no quoting and no assembly, only its arguments. The text depends on the key alone (the
// columns and the plan's identifiers, all from the mapping); the values are always
// bound. A client that writes ever new combinations of attributes stops adding entries
// at maxTexts; the statements are then built each time, as before.
type textCache struct {
	m sync.Map // key → string
	n atomic.Int32
}

const maxTexts = 256

// memoKey is a cache key: kind, then each part and column, separated by NUL (which
// no identifier of a loaded mapping holds).
func memoKey(kind byte, cols []string, parts ...string) string {
	n := 1
	for _, s := range parts {
		n += len(s) + 1
	}
	for _, c := range cols {
		n += len(c) + 1
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte(kind)
	for _, s := range parts {
		b.WriteByte(0)
		b.WriteString(s)
	}
	b.WriteByte(1) // parts end here: ("a", cols "b") is not ("a\x00b", no cols)
	for _, c := range cols {
		b.WriteByte(0)
		b.WriteString(c)
	}
	return b.String()
}

// get returns the statement for key with args, building it with build the first time.
// build must record, through Builder.Arg, exactly args in their order: the tests of
// every cached statement compare a cached answer with a freshly built one.
func (c *textCache) get(d dialects.Dialect, key string, args []any, build func(*Builder)) *Builder {
	if t, ok := c.m.Load(key); ok {
		return &Builder{d: d, f: d.Facts(), text: t.(string), Args: args}
	}
	b := NewBuilder(d)
	build(b)
	if c.n.Load() < maxTexts {
		if _, loaded := c.m.LoadOrStore(key, b.String()); !loaded {
			c.n.Add(1)
		}
	}
	return b
}
