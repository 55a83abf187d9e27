package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
)

// reference is what DecodeObject must equal: encoding/json with UseNumber, one object,
// nothing after it.
func reference(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	if doc == nil {
		return nil, errors.New("not an object")
	}
	return doc, nil
}

var objectCorpus = []string{
	`{}`,
	`{"userName":"a@b.c","name":{"givenName":"Ann","familyName":"Ö\u00e9\t\"x\""},"active":true,"x":null,"n":-1.5e3}`,
	`{"emails":[{"value":"a@b","primary":true,"type":"work"},{"value":"c"}],"empty":[],"o":{}}`,
	`{"a":1,"a":2,"A":3}`,
	"{\"bad\":\"\xff\xfe\",\"k\xff\":1}",
	`{"deep":[[[[{"x":[1,2,{"y":false}]}]]]]}`,
	`{"big":123456789012345678901234567890,"neg0":-0,"exp":1E+2}`,
	` {"ws" : 1 } `,
	`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"7"}}}`,
	// not one object
	``, `[]`, `"s"`, `1`, `null`, `true`, `{`, `{"a":}`, `{"a":1,}`, `{"a":1}{}`, `{"a":1} x`, `{'a':1}`,
	`{"a":tru}`, `{"a":[1,]}`, `{"a":"\x"}`, `{"a":01}`, "{\"a\":\"\x01\"}",
}

// DecodeObject decodes every body as encoding/json does, and refuses, as a syntax
// error, every body encoding/json refuses.
func TestDecodeObjectIsEncodingJSON(t *testing.T) {
	for _, in := range objectCorpus {
		checkObject(t, []byte(in))
	}
}

func FuzzDecodeObject(f *testing.F) {
	for _, in := range objectCorpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkObject(t, data) })
}

func checkObject(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := reference(data)
	got, err := DecodeObject(data)
	switch {
	case wantErr != nil && err == nil:
		t.Errorf("%q: decoded %v, encoding/json refuses it: %v", data, got, wantErr)
	case wantErr == nil && err != nil:
		t.Errorf("%q: %v, encoding/json decodes %v", data, err, want)
	case err != nil && !errors.Is(err, ErrSyntax):
		t.Errorf("%q: %v does not wrap ErrSyntax", data, err)
	case err == nil && !reflect.DeepEqual(got, want):
		t.Errorf("%q:\n got %#v\nwant %#v", data, got, want)
	}
}
