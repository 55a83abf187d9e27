package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// DecodeObject reads a request body that must be exactly one JSON object into generic
// values, as encoding/json does with UseNumber (objects as map[string]any, arrays as
// []any, numbers as json.Number; the last of duplicate names wins, invalid UTF-8 in a
// string becomes U+FFFD), but token by token, without reflection: a user's body is
// decoded on every push, and the reflective decoder cost a push more than building
// and binding its UPDATE.
//
// A syntax error, or a body that is not exactly one JSON object, wraps ErrSyntax.
func DecodeObject(data []byte) (map[string]any, error) {
	// A bytes.Buffer is parsed in place; any other reader would be copied.
	d := objectDecoder{
		dec: jsontext.NewDecoder(bytes.NewBuffer(data),
			jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)),
		// One copy of the body as a string: names and values without an escape are
		// substrings of it instead of an allocation each.
		src: string(data),
	}
	dec := d.dec
	syntax := func(err error) error {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	switch k := dec.PeekKind(); k {
	case jsontext.KindBeginObject:
	case jsontext.KindInvalid:
		_, err := dec.ReadToken()
		return nil, syntax(err)
	default:
		return nil, fmt.Errorf("%w: it is %s", ErrSyntax, kindName(k))
	}
	v, err := d.value()
	if err != nil {
		return nil, syntax(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, fmt.Errorf("%w: unexpected data after the JSON object", ErrSyntax)
	}
	return v.(map[string]any), nil
}

// objectDecoder reads one document; src is the document as a string.
type objectDecoder struct {
	dec *jsontext.Decoder
	src string
}

// str reads the next value, a string token, and returns its text.
func (d *objectDecoder) str() (string, error) {
	v, err := d.dec.ReadValue()
	if err != nil {
		return "", err
	}
	if len(v) >= 2 && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v) {
		end := int(d.dec.InputOffset())
		return d.src[end-len(v)+1 : end-1], nil
	}
	return unquote(v), nil
}

// value reads the next value. The decoder bounds the nesting depth.
func (d *objectDecoder) value() (any, error) {
	dec := d.dec
	switch dec.PeekKind() {
	case jsontext.KindBeginObject:
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for dec.PeekKind() != jsontext.KindEndObject {
			name, err := d.str()
			if err != nil {
				return nil, err
			}
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			m[name] = v
		}
		_, err := dec.ReadToken()
		return m, err
	case jsontext.KindBeginArray:
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		list := []any{}
		for dec.PeekKind() != jsontext.KindEndArray {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := dec.ReadToken()
		return list, err
	case jsontext.KindString:
		return d.str()
	case jsontext.KindNumber:
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		return json.Number(v), nil
	}
	// true, false, null, or what is none of these (the decoder reports the error).
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case jsontext.KindTrue:
		return true, nil
	case jsontext.KindFalse:
		return false, nil
	case jsontext.KindNull:
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected %s", tok.Kind())
}
