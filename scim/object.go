package scim

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Object is a JSON object that keeps its keys in insertion order, so responses read the
// way SCIM documents are usually written (schemas, id, userName, ...).
//
// It writes its own JSON for the shapes the engine produces (strings, numbers, booleans,
// nested Objects and lists of them) rather than through encoding/json, which would
// validate and compact the output of every nested MarshalJSON again: for a page of 100
// users or a group of 25,000 members that was most of the response time.
type Object struct {
	kvs []kv
}

// kv is one member of an Object.
type kv struct {
	key string
	val any
}

// newObject returns an object with room for n keys. A small object (a meta, a name, an
// e-mail) comes with its keys in the same allocation: an answer builds several.
func newObject(n int) *Object {
	if n <= 4 {
		a := new(struct {
			o   Object
			kvs [4]kv
		})
		a.o.kvs = a.kvs[:0]
		return &a.o
	}
	return &Object{kvs: make([]kv, 0, n)}
}

// add appends key, which the caller knows the object does not have yet.
func (o *Object) add(key string, v any) *Object {
	o.kvs = append(o.kvs, kv{key, v})
	return o
}

// Set appends or replaces key.
func (o *Object) Set(key string, v any) *Object {
	for i := range o.kvs {
		if o.kvs[i].key == key {
			o.kvs[i].val = v
			return o
		}
	}
	return o.add(key, v)
}

// Get returns the value of key.
func (o *Object) Get(key string) (any, bool) {
	for _, m := range o.kvs {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// MarshalJSON implements json.Marshaler.
func (o *Object) MarshalJSON() ([]byte, error) { return o.AppendJSON(make([]byte, 0, 256)) }

// AppendJSON appends the object's JSON to b.
func (o *Object) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, m := range o.kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m.key)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, m.val); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case *Object:
		return x.AppendJSON(b)
	case memberList:
		return x.AppendJSON(b)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']'), nil
	}
	// Anything else (float64, maps of discovery documents, json.Number) the standard way.
	vb, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, vb...), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping what JSON requires and what
// encoding/json escapes for safety in HTML (<, >, &) and JavaScript (U+2028, U+2029);
// invalid UTF-8 becomes U+FFFD, as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped appends the inside of s as a JSON string, escaped as appendString says.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
