package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/engine"
)

func TestDecodeGroupJSON(t *testing.T) {
	c := codec(t)
	desc := func(s string) *string { return &s }
	for _, tc := range []struct {
		name, body string
		want       *engine.Group
		syntax     bool   // a 400 invalidSyntax
		invalid    string // a 400 invalidValue with this message
	}{
		{name: "okta push", body: `{"schemas":["urn:scim:schemas:core:1.0","urn:okta:custom:group:1.0"],"id":"ignored","displayName":"Finance","members":[{"value":"103","display":"jane"},{"value":"101"}],"urn:okta:custom:group:1.0":{"description":"Money"}}`,
			want: &engine.Group{DisplayName: "Finance", Description: desc("Money"), HasMembers: true, Members: []engine.Member{{Value: "103", Display: "jane"}, {Value: "101"}}}},
		{name: "no members key", body: `{"displayName":"Finance"}`, want: &engine.Group{DisplayName: "Finance"}},
		{name: "members null empties", body: `{"members":null}`, want: &engine.Group{HasMembers: true}},
		{name: "members empty", body: `{"members":[]}`, want: &engine.Group{HasMembers: true, Members: []engine.Member{}}},
		{name: "numeric ids, names in any case, other member keys ignored", body: `{"DISPLAYNAME":"x","Members":[{"VALUE":12,"Display":"a","$ref":"u/12","type":"User"},{"value":-3.5e2}]}`,
			want: &engine.Group{DisplayName: "x", HasMembers: true, Members: []engine.Member{{Value: "12", Display: "a"}, {Value: "-3.5e2"}}}},
		{name: "escapes and unicode", body: `{"displayName":"R\u0026D \"core\"","members":[{"v\u0061lue":"a\/b","display":"Jos\u00e9 \ud83d\ude00 Zoë"}]}`,
			want: &engine.Group{DisplayName: `R&D "core"`, HasMembers: true, Members: []engine.Member{{Value: "a/b", Display: "José 😀 Zoë"}}}},
		{name: "invalid UTF-8 becomes U+FFFD", body: "{\"members\":[{\"value\":\"1\",\"display\":\"a\xffb\"}]}",
			want: &engine.Group{HasMembers: true, Members: []engine.Member{{Value: "1", Display: "a\uFFFDb"}}}},
		{name: "exact spelling wins", body: `{"MEMBERS":[{"value":"9"}],"members":[{"Value":"8","value":"1"}]}`,
			want: &engine.Group{HasMembers: true, Members: []engine.Member{{Value: "1"}}}},
		{name: "display not a string is no display", body: `{"members":[{"value":"1","display":7}]}`,
			want: &engine.Group{HasMembers: true, Members: []engine.Member{{Value: "1"}}}},

		{name: "not JSON", body: `{"members":[{"value":"1"},]}`, syntax: true},
		{name: "truncated", body: `{"members":[{"value":"1"}`, syntax: true},
		{name: "empty body", body: ``, syntax: true},
		{name: "null body", body: `null`, syntax: true},
		{name: "array body", body: `[{"value":"1"}]`, syntax: true},
		{name: "trailing data", body: `{"displayName":"x"} {}`, syntax: true},
		{name: "syntax error after a bad member list", body: `{"members":"x","displayName":}`, syntax: true},

		{name: "members not a list", body: `{"members":"x"}`, invalid: "members: expected an array"},
		{name: "member not an object", body: `{"members":[{"value":"1"},"2"]}`, invalid: "members[1]: expected an object with value"},
		{name: "member without value", body: `{"members":[{"display":"x"}]}`, invalid: "members[0].value: expected a user id"},
		{name: "member value empty", body: `{"members":[{"value":""}]}`, invalid: "members[0].value: expected a user id"},
		{name: "member value an object", body: `{"members":[{"value":{"id":"1"}}]}`, invalid: "members[0].value: expected a user id"},
		{name: "displayName reported before members", body: `{"members":[{}],"displayName":7}`, invalid: "displayName: expected a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := c.DecodeGroupJSON([]byte(tc.body))
			switch {
			case tc.syntax:
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("got %v, %v; want a syntax error", g, err)
				}
			case tc.invalid != "":
				if !errors.Is(err, engine.ErrInvalidValue) || !strings.HasSuffix(err.Error(), ": "+tc.invalid) {
					t.Fatalf("got %v, %v; want invalid value %q", g, err, tc.invalid)
				}
			case err != nil:
				t.Fatal(err)
			case !reflect.DeepEqual(g, tc.want):
				t.Fatalf("got %+v\nwant %+v", g, tc.want)
			}
		})
	}
}

// A push of a 25,800-member department decodes to the same members, in order.
func TestDecodeGroupJSONLarge(t *testing.T) {
	body, want := bigGroup(25800)
	g, err := codec(t).DecodeGroupJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Members, want) {
		t.Fatalf("%d members decoded, want %d (or they differ)", len(g.Members), len(want))
	}
}

func bigGroup(n int) ([]byte, []engine.Member) {
	var b bytes.Buffer
	want := make([]engine.Member, n)
	b.WriteString(`{"schemas":["urn:scim:schemas:core:1.0","urn:okta:custom:group:1.0"],"id":"d005","displayName":"Development","members":[`)
	for i := range want {
		want[i] = engine.Member{Value: fmt.Sprint(10001 + 3*i), Display: fmt.Sprintf("Facello%dGeorgi@mysql-db.org", i)}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"value":%q,"display":%q}`, want[i].Value, want[i].Display)
	}
	b.WriteString(`],"urn:okta:custom:group:1.0":{"description":"R&D"}}`)
	return b.Bytes(), want
}

// BenchmarkDecodeGroupJSON is the decoding of a group push of 25,800 members (1.5 MB).
func BenchmarkDecodeGroupJSON(b *testing.B) {
	body, _ := bigGroup(25800)
	c := &Codec{M: fuzzCodecList(b)[1].M}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.DecodeGroupJSON(body); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeGroupJSON holds the one-pass decoder to the generic one: for any body, both
// refuse it or both read the same group, with the same error.
func FuzzDecodeGroupJSON(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:scim:schemas:core:1.0","urn:okta:custom:group:1.0"],"displayName":"Finance","members":[{"value":"103"},{"value":"101","display":"okta"}],"urn:okta:custom:group:1.0":{"description":"Finance team"}}`,
		`{"displayName":"Nil","members":null,"description":"d"}`,
		`{"displayName":7,"members":[{"value":12},{"value":""}]}`,
		`{"DISPLAYNAME":"x","MEMBERS":"not a list","urn:okta:custom:group:1.0":[]}`,
		`{"members":[{"v\u0061lue":"1","display":"Jos\u00e9"},{"value":1e3,"display":null}],"members":[]}`,
		"{\"members\":[{\"value\":\"\xff\"}]} ",
		`{"members":[{"value":"1"}],}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range fuzzCodecList(t) {
			g, err := c.DecodeGroupJSON(data)
			doc, ok := fuzzDoc(data)
			if !ok {
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("DecodeGroupJSON(%q) = %v, %v; encoding/json refuses it", data, g, err)
				}
				continue
			}
			if errors.Is(err, ErrSyntax) {
				t.Fatalf("DecodeGroupJSON(%q): %v; encoding/json reads it", data, err)
			}
			if foldCollision(doc) {
				continue // names equal but for case: which one wins is not defined
			}
			want, wantErr := c.DecodeGroup(doc)
			if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
				t.Fatalf("DecodeGroupJSON(%q): error %v, DecodeGroup: %v", data, err, wantErr)
			}
			if err != nil {
				continue
			}
			if want.HasMembers && want.Members == nil && len(g.Members) == 0 {
				g.Members = nil // [] and null both mean no members
			}
			if !reflect.DeepEqual(g, want) {
				t.Fatalf("DecodeGroupJSON(%q) = %+v, DecodeGroup: %+v", data, g, want)
			}
		}
	})
}

// foldCollision reports whether any object in v has two names equal but for case.
func foldCollision(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		var names []string
		for k, e := range x {
			for _, n := range names {
				if strings.EqualFold(n, k) {
					return true
				}
			}
			if foldCollision(e) {
				return true
			}
			names = append(names, k)
		}
	case []any:
		for _, e := range x {
			if foldCollision(e) {
				return true
			}
		}
	}
	return false
}

// Members are written straight from the engine's list; they read back as the objects
// SCIM 1.1 and 2.0 describe, whatever the ids and display names hold.
func TestEncodeGroupMembers(t *testing.T) {
	c := codec(t)
	g := &engine.Group{ID: "7", DisplayName: "G", HasMembers: true, Members: []engine.Member{
		{Value: "101", Display: "okta"}, {Value: `a"b\c`}, {Value: "x<y>&z", Display: "Zoë \u2028 \x01"}, {Value: "bad\xff"},
	}}
	for _, tc := range []struct {
		name string
		o    *Object
		want []map[string]any
	}{
		{"1.1", c.EncodeGroup11(g), []map[string]any{
			{"value": "101", "display": "okta"}, {"value": `a"b\c`}, {"value": "x<y>&z", "display": "Zoë \u2028 \x01"}, {"value": "bad\uFFFD"},
		}},
		{"2.0", c.EncodeGroup2(g, "https://h/v2"), []map[string]any{
			{"value": "101", "$ref": "https://h/v2/Users/101", "type": "User", "display": "okta"},
			{"value": `a"b\c`, "$ref": `https://h/v2/Users/a"b\c`, "type": "User"},
			{"value": "x<y>&z", "$ref": "https://h/v2/Users/x<y>&z", "type": "User", "display": "Zoë \u2028 \x01"},
			{"value": "bad\uFFFD", "$ref": "https://h/v2/Users/bad\uFFFD", "type": "User"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.o.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Members []map[string]any }
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if !reflect.DeepEqual(got.Members, tc.want) {
				t.Fatalf("members %v\nwant %v", got.Members, tc.want)
			}
		})
	}
	empty, _ := c.EncodeGroup11(&engine.Group{ID: "8", HasMembers: true}).MarshalJSON()
	if !bytes.Contains(empty, []byte(`"members":[]`)) {
		t.Fatalf("a group without members: %s, want an empty members list", empty)
	}
}
