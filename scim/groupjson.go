package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/scimsql/scimsql/engine"
)

// ErrSyntax is a request body that is not one JSON object.
var ErrSyntax = errors.New("the request body is not a valid JSON object")

// DecodeGroupJSON reads a group body in one pass. Okta PUTs a group with its complete
// member list, and a department of 25,800 members is a 1.5 MB body: decoding it into
// generic maps, or twice, costs more than the whole database work of the push. The
// members are read token by token into typed structs; every other attribute, small, is
// decoded as DecodeGroup expects, with the same rules and the same errors.
//
// A syntax error, or a body that is not exactly one JSON object, wraps ErrSyntax; a
// document that is JSON but not a valid group wraps engine.ErrInvalidValue.
func (c *Codec) DecodeGroupJSON(data []byte) (*engine.Group, error) {
	// A bytes.Buffer is parsed in place; any other reader would be copied.
	dec := jsontext.NewDecoder(bytes.NewBuffer(data),
		// As encoding/json: the last of duplicate names wins, and invalid UTF-8 in a
		// string becomes U+FFFD (unquote) instead of failing the request.
		jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	syntax := func(err error) error { return fmt.Errorf("%w: %v", ErrSyntax, err) }
	switch k := dec.PeekKind(); k {
	case jsontext.KindBeginObject:
	case jsontext.KindInvalid:
		_, err := dec.ReadToken()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, syntax(err)
	default:
		return nil, fmt.Errorf("%w: it is %s", ErrSyntax, kindName(k))
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, syntax(err)
	}
	rest := map[string]any{}
	var members []engine.Member
	var membersInvalid error // what is wrong with members, reported after the rest
	hasMembers, exact := false, false
	for dec.PeekKind() != jsontext.KindEndObject {
		k, err := dec.ReadValue()
		if err != nil {
			return nil, syntax(err)
		}
		name := unquote(k)
		if strings.EqualFold(name, "members") {
			// As lookupFold: "members" itself wins over another spelling.
			isExact := name == "members"
			list, invalid, err := decodeMembers(dec)
			if err != nil {
				return nil, syntax(err)
			}
			if isExact || !exact {
				members, membersInvalid, hasMembers, exact = list, invalid, true, isExact
			}
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return nil, syntax(err)
		}
		x, err := decodeAny(v)
		if err != nil {
			return nil, syntax(err)
		}
		rest[name] = x
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, syntax(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, fmt.Errorf("%w: unexpected data after the JSON object", ErrSyntax)
	}
	g, err := c.DecodeGroup(rest)
	if err != nil {
		return nil, err
	}
	if membersInvalid != nil {
		return nil, membersInvalid
	}
	if hasMembers {
		g.HasMembers, g.Members = true, members
	}
	return g, nil
}

// decodeMembers reads the value of members: null, or an array of objects with a value
// (a string or a number: the user's id) and an optional display. err is a syntax error;
// invalid says why well-formed JSON is not a member list. The value is always read to
// its end, so that a syntax error later in the body is reported as one.
func decodeMembers(dec *jsontext.Decoder) (out []engine.Member, invalid, err error) {
	switch dec.PeekKind() {
	case jsontext.KindNull:
		_, err := dec.ReadToken()
		return nil, nil, err
	case jsontext.KindBeginArray:
	case jsontext.KindInvalid:
		_, err := dec.ReadToken()
		return nil, nil, err
	default:
		return nil, badBody("members: expected an array"), dec.SkipValue()
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, nil, err
	}
	// The ids and display names are written one after another into one buffer and
	// sliced out of it: one allocation for the whole list instead of two per member.
	// (A strings.Builder never changes what it has written, so the slices stay valid.)
	rest := dec.UnreadBuffer() // with a bytes.Buffer underneath, the rest of the body
	var texts strings.Builder
	texts.Grow(len(rest)) // the texts are shorter than the body they come from
	// There are no more members than objects left; sized once, the list is not copied
	// and cleared again at every doubling. The guess is capped, since a body can hold
	// braces in its strings: past 65,536 members the list grows as it must.
	out = make([]engine.Member, 0, min(bytes.Count(rest, []byte{'{'}), 1<<16))
	var value, display jsontext.Value
	for i := 0; dec.PeekKind() != jsontext.KindEndArray; i++ {
		if dec.PeekKind() != jsontext.KindBeginObject {
			if err := dec.SkipValue(); err != nil {
				return nil, nil, err
			}
			if invalid == nil {
				invalid = badBody("members[%d]: expected an object with value", i)
			}
			continue
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, nil, err
		}
		value, display = value[:0], display[:0]
		valueExact, displayExact := false, false
		for dec.PeekKind() != jsontext.KindEndObject {
			k, err := dec.ReadValue()
			if err != nil {
				return nil, nil, err
			}
			isValue, isDisplay, exact := memberKey(k)
			v, err := dec.ReadValue()
			if err != nil {
				return nil, nil, err
			}
			// v is the decoder's buffer until the next read: keep a copy.
			switch {
			case isValue && (exact || !valueExact):
				value, valueExact = append(value[:0], v...), exact
			case isDisplay && (exact || !displayExact):
				display, displayExact = append(display[:0], v...), exact
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, nil, err
		}
		v0 := texts.Len()
		switch value.Kind() {
		case jsontext.KindString:
			unquoteTo(&texts, value)
		case jsontext.KindNumber:
			texts.Write(value)
		}
		v1 := texts.Len()
		if v1 == v0 {
			if invalid == nil {
				invalid = badBody("members[%d].value: expected a user id", i)
			}
			continue
		}
		if display.Kind() == jsontext.KindString {
			unquoteTo(&texts, display)
		}
		all := texts.String()
		out = append(out, engine.Member{Value: all[v0:v1], Display: all[v1:]})
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, nil, err
	}
	if invalid != nil {
		return nil, invalid, nil
	}
	return out, nil, nil
}

// memberKey says whether the raw name k is value or display, and whether it is spelt
// exactly so (names match case-insensitively, the exact spelling first, as lookupFold).
// The common, unescaped names are compared without unquoting them.
func memberKey(k jsontext.Value) (isValue, isDisplay, exact bool) {
	var name []byte
	if bytes.IndexByte(k, '\\') < 0 {
		name = k[1 : len(k)-1]
	} else {
		name = []byte(unquote(k))
	}
	switch {
	case bytes.EqualFold(name, []byte("value")):
		return true, false, string(name) == "value"
	case bytes.EqualFold(name, []byte("display")):
		return false, true, string(name) == "display"
	}
	return false, false, false
}

// unquote returns the text of a JSON string token.
func unquote(v jsontext.Value) string {
	var sb strings.Builder
	unquoteTo(&sb, v)
	return sb.String()
}

// unquoteTo writes the text of a JSON string token to sb. A string with no escape and
// valid UTF-8 (almost every one) is copied as it is; any other is unquoted by
// encoding/json, so that invalid UTF-8 becomes U+FFFD exactly as in every other body
// scimsql reads.
func unquoteTo(sb *strings.Builder, v jsontext.Value) {
	if len(v) >= 2 && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v) {
		sb.Write(v[1 : len(v)-1])
		return
	}
	var s string
	_ = json.Unmarshal(v, &s) // v is a string token the decoder has already checked
	sb.WriteString(s)
}

// decodeAny decodes one small value as the rest of scimsql does: numbers as json.Number.
func decodeAny(v jsontext.Value) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	err := dec.Decode(&x)
	return x, err
}

func kindName(k jsontext.Kind) string {
	switch k {
	case jsontext.KindBeginArray:
		return "an array"
	case jsontext.KindString:
		return "a string"
	case jsontext.KindNumber:
		return "a number"
	case jsontext.KindNull:
		return "null"
	}
	return "a boolean"
}
