package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
)

// The fuzz targets below decode request bodies exactly as the HTTP layer does (one JSON
// object, numbers as json.Number) and feed them to the codec of the quickstart mapping
// and of this package's test mapping (enterprise extension, nested manager.value). They
// check that nothing panics and that every refusal is one the HTTP layer turns into a
// 400: engine.ErrInvalidValue for documents, *PatchError for PATCH operations.
//
// The seed corpus is in testdata/fuzz/<target>; CI runs each target briefly:
//
//	go test -run '^$' -fuzz '^FuzzDecodeUser$' -fuzztime 10s ./engine/scim/

var (
	fuzzOnce   sync.Once
	fuzzCodecs []*Codec
	fuzzErr    error
)

// fuzzCodecList loads the quickstart mapping (the one most deployments start from) and
// the test mapping.
func fuzzCodecList(tb testing.TB) []*Codec {
	fuzzOnce.Do(func() {
		noEnv := mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }}
		qs, err := mappings.LoadFile(filepath.Join("..", "examples", "quickstart", "mapping.yaml"), noEnv)
		if err != nil {
			fuzzErr = err
			return
		}
		tm, err := mappings.Load([]byte(testMapping), "t.yaml", noEnv)
		if err != nil {
			fuzzErr = err
			return
		}
		fuzzCodecs = []*Codec{{M: qs}, {M: tm}}
	})
	if fuzzErr != nil {
		tb.Fatal(fuzzErr)
	}
	return fuzzCodecs
}

// fuzzDoc decodes data as httpapi.decode does; ok is false for anything the HTTP layer
// refuses before the codec sees it.
func fuzzDoc(data []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // trailing data: a 400 before decoding
	}
	return doc, true
}

func wantInvalidValue(t *testing.T, what string, data []byte, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, engine.ErrInvalidValue) {
		t.Fatalf("%s of %q: error %T is not engine.ErrInvalidValue (it would be a 500): %v", what, data, err, err)
	}
}

func wantPatchError(t *testing.T, what string, data []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *PatchError
	if !errors.As(err, &pe) {
		t.Fatalf("%s of %q: error %T is not a *PatchError: %v", what, data, err, err)
	}
	if pe.ScimType == "" || pe.Msg == "" {
		t.Fatalf("%s of %q: PatchError without scimType or message: %+v", what, data, pe)
	}
	if !errors.Is(err, engine.ErrInvalidValue) {
		t.Fatalf("%s of %q: a PatchError must be an ErrInvalidValue (a 400)", what, data)
	}
}

// mustEncode checks that what a decoded user or group would become renders as JSON.
func mustEncode(t *testing.T, what string, data []byte, o *Object) {
	t.Helper()
	if _, err := json.Marshal(o); err != nil {
		t.Fatalf("%s of %q does not encode: %v", what, data, err)
	}
}

func FuzzDecodeUser(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:scim:schemas:core:1.0","urn:okta:onprem_app:1.0:user:custom"],"userName":"jane.doe@example.com","name":{"givenName":"Jane","familyName":"Doe"},"emails":[{"value":"jane.doe@example.com","type":"primary","primary":true}],"active":true,"password":"S3cret!pass","urn:okta:onprem_app:1.0:user:custom":{"departmentName":"Finance","isAdmin":false}}`,
		`{"userName":"x","active":"false","emails":[{"value":"a@x","primary":"true"},{"value":"b@x","type":"work"}],"phoneNumbers":null}`,
		`{"userName":"x","urn:okta:onprem_app:1.0:user:custom":{"isAdmin":"yes"}}`,
		`{"userName":1e999,"name":"not an object"}`,
		`{"USERNAME":"case","Name":{"GIVENNAME":"g"},"EMAILS":[1,2]}`,
		`{"userName":"ent","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":7,"manager":{"value":"101"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, ok := fuzzDoc(data)
		if !ok {
			return
		}
		for _, c := range fuzzCodecList(t) {
			for _, replace := range []bool{false, true} {
				var u *engine.User
				var err error
				if replace {
					u, err = c.DecodeUserReplace(doc)
				} else {
					u, err = c.DecodeUser(doc)
				}
				wantInvalidValue(t, "DecodeUser", data, err)
				if err != nil {
					if u != nil {
						t.Fatalf("DecodeUser of %q returned a user and an error", data)
					}
					continue
				}
				// What the engine stores is what it later encodes: both forms must render.
				u.ID, u.LastModified = "42", time.Unix(1700000000, 0)
				mustEncode(t, "EncodeUser11", data, c.EncodeUser11(u))
				mustEncode(t, "EncodeUser2", data, c.EncodeUser2(u, "http://h/v2"))
			}
		}
	})
}

func FuzzDecodeGroup(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:scim:schemas:core:1.0","urn:okta:custom:group:1.0"],"displayName":"Finance","members":[{"value":"103"},{"value":"101","display":"okta"}],"urn:okta:custom:group:1.0":{"description":"Finance team"}}`,
		`{"displayName":"Empty","members":[]}`,
		`{"displayName":"Nil","members":null,"description":"d"}`,
		`{"displayName":7,"members":[{"value":12},{"value":""}]}`,
		`{"DISPLAYNAME":"x","MEMBERS":"not a list","urn:okta:custom:group:1.0":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, ok := fuzzDoc(data)
		if !ok {
			return
		}
		for _, c := range fuzzCodecList(t) {
			g, err := c.DecodeGroup(doc)
			wantInvalidValue(t, "DecodeGroup", data, err)
			if err != nil {
				continue
			}
			for i, m := range g.Members {
				if m.Value == "" {
					t.Fatalf("DecodeGroup of %q: member %d has an empty id", data, i)
				}
			}
			g.ID = "1001"
			mustEncode(t, "EncodeGroup11", data, c.EncodeGroup11(g))
			g.HasMembers = true
			mustEncode(t, "EncodeGroup2", data, c.EncodeGroup2(g, "http://h/v2"))
		}
	})
}

// fuzzUser is a realistic stored user, every quickstart attribute set.
func fuzzUser() *engine.User {
	return &engine.User{
		ID: "101",
		Values: map[string]any{
			"userName": "okta", "name.givenName": "John", "name.familyName": "Smith",
			"emails.primary": "john@example.com", "emails.secondary": "js@example.org",
			"phoneNumbers.mobile": "+1 555 0100", "active": true,
			"urn:okta:onprem_app:1.0:user:custom:departmentName":                        "Engineering",
			"urn:okta:onprem_app:1.0:user:custom:isAdmin":                               true,
			"urn:okta:onprem_app:1.0:user:custom:isOkta":                                false,
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "E-7",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value":  "102",
			"emails.work": "john@example.com", "emails.home": "js@example.org",
			"urn:okta:t:1.0:user:custom:dept": "R&D",
		},
		LastModified: time.Unix(1700000000, 0),
	}
}

func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"w@x.com"},{"op":"remove","path":"name.givenName"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"urn:okta:onprem_app:1.0:user:custom:departmentName","value":"Ops"},{"op":"replace","value":{"name.familyName":"F","password":"pw"}}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"101"},{"value":102}]},{"op":"remove","path":"members[value eq \"103\" or value eq \"104\"]"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"displayName":"New","urn:okta:custom:group:1.0":{"description":"d"}}},{"op":"remove","path":"members"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"emails[not (type pr)]"},{"op":"replace","path":"id","value":"1"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"emails[type eq \"x\" and value co \"%\"].display","value":null}]}`,
		`{"schemas":"urn:ietf:params:scim:api:messages:2.0:PatchOp","Operations":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, ok := fuzzDoc(data)
		if !ok {
			return
		}
		ops, err := DecodePatch(doc)
		wantPatchError(t, "DecodePatch", data, err)
		if err != nil {
			return
		}
		if len(ops) == 0 {
			t.Fatalf("DecodePatch of %q: no operations and no error", data)
		}
		for _, c := range fuzzCodecList(t) {
			m := ToMap(c.EncodeUser2(fuzzUser(), "http://h/v2"))
			err := ApplyPatch(m, ops, User2)
			wantPatchError(t, "ApplyPatch", data, err)
			if err == nil {
				if _, err := json.Marshal(m); err != nil {
					t.Fatalf("the patched document of %q does not encode: %v", data, err)
				}
				u, err := c.DecodeUserReplace(m)
				wantInvalidValue(t, "DecodeUserReplace after PATCH", data, err)
				if err == nil {
					u.ID = "101"
					mustEncode(t, "EncodeUser2 after PATCH", data, c.EncodeUser2(u, "http://h/v2"))
				}
			}
			gp, err := c.GroupPatch(ops)
			wantPatchError(t, "GroupPatch", data, err)
			if err == nil {
				// Ids to add must name someone (the engine checks they are users); ids to
				// remove may be anything, since removing a non-member succeeds.
				for _, id := range append(append([]string{}, gp.Add...), gp.Members...) {
					if id == "" {
						t.Fatalf("GroupPatch of %q: an empty member id to add", data)
					}
				}
			}
		}
	})
}
