package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
)

const testMapping = `
version: 1
app: {name: t}
database: {driver: sqlite, dsn: x.db}
server: {auth: {type: none}}
users:
  table: users
  id: id
  attributes:
    userName: user_name
    name.givenName: first
    name.familyName: last
    emails.work: {column: email, primary: true}
    emails.home: home
    active: {column: status, true: A, false: I}
    password: {column: pw, hash: bcrypt}
  custom:
    dept: dept
  extensions:
    urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:
      employeeNumber: emp_no
      manager.value: manager_id
  operations: auto
groups:
  table: groups
  id: id
  displayName: name
  description: description
  members: {table: m, group: g, user: u}
  operations: auto
`

func codec(t *testing.T) *Codec {
	t.Helper()
	m, err := mappings.Load([]byte(testMapping), "t.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return &Codec{M: m}
}

func doc(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// The enterprise extension's manager is a complex attribute: manager.value binds to a
// column, and travels as {"manager": {"value": ...}} both ways.
func TestEnterpriseExtensionRoundTrip(t *testing.T) {
	c := codec(t)
	u, err := c.DecodeUser(doc(t, `{"userName":"a","`+ent+`":{"employeeNumber":"E7","manager":{"value":"42","displayName":"Boss"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if u.Values[ent+":employeeNumber"] != "E7" || u.Values[ent+":manager.value"] != "42" {
		t.Fatalf("decoded %v", u.Values)
	}
	u.ID = "1"
	out := js(c.EncodeUser2(u, "https://x/v2"))
	if !strings.Contains(out, `"`+ent+`":{"employeeNumber":"E7","manager":{"value":"42"}}`) {
		t.Fatalf("encoded %s", out)
	}
}

// Okta sends type "primary"/"secondary"; bindings are matched by type, then the primary
// flag, then in order; a list that is present replaces every binding.
func TestEmailsAssignment(t *testing.T) {
	c := codec(t)
	cases := []struct{ in, work, home string }{
		{`[{"value":"w@x","type":"work"},{"value":"h@x","type":"home"}]`, "w@x", "h@x"},
		{`[{"value":"h@x","type":"home"},{"value":"w@x","type":"work"}]`, "w@x", "h@x"},
		{`[{"value":"p@x","type":"primary","primary":true},{"value":"s@x","type":"secondary"}]`, "p@x", "s@x"},
		{`[{"value":"s@x","type":"secondary"},{"value":"p@x","type":"primary","primary":true}]`, "p@x", "s@x"},
		{`[]`, "<nil>", "<nil>"},
	}
	for _, cs := range cases {
		u, err := c.DecodeUser(doc(t, `{"userName":"a","emails":`+cs.in+`}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := []string{fmtv(u.Values["emails.work"]), fmtv(u.Values["emails.home"])}; got[0] != cs.work || got[1] != cs.home {
			t.Errorf("%s: work %s home %s, want %s %s", cs.in, got[0], got[1], cs.work, cs.home)
		}
	}
}

func fmtv(v any) string {
	if v == nil {
		return "<nil>"
	}
	return v.(string)
}

func TestApplyPatch(t *testing.T) {
	base := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"bjensen","active":true,
		"name":{"givenName":"Barbara","familyName":"Jensen"},
		"emails":[{"value":"bj@work","type":"work","primary":true},{"value":"bj@home","type":"home"}],
		"urn:okta:t:1.0:user:custom":{"dept":"IT"}}`
	cases := []struct {
		name    string
		ops     string
		want    []string // substrings of the result
		absent  []string
		errType string
		once    string // must appear exactly once
	}{
		{"Okta deactivation", `[{"op":"replace","value":{"active":false}}]`, []string{`"active":false`}, nil, "", ""},
		{"Okta password", `[{"op":"replace","value":{"password":"New-1"}}]`, []string{`"password":"New-1"`}, nil, "", ""},
		{"replace a sub-attribute", `[{"op":"replace","path":"name.familyName","value":"Smith"}]`, []string{`"familyName":"Smith"`, `"givenName":"Barbara"`}, nil, "", ""},
		{"a path as a key", `[{"op":"replace","value":{"name.givenName":"Babs"}}]`, []string{`"givenName":"Babs"`, `"familyName":"Jensen"`}, nil, "", ""},
		{"value path with sub-attribute", `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"new@work"}]`, []string{`"value":"new@work"`, `"value":"bj@home"`}, []string{"bj@work"}, "", ""},
		{"value path creates a missing type", `[{"op":"replace","path":"emails[type eq \"other\"].value","value":"o@x"}]`, []string{`"type":"other"`, `"value":"o@x"`}, nil, "", ""},
		{"remove by value path", `[{"op":"remove","path":"emails[type eq \"home\"]"}]`, []string{"bj@work"}, []string{"bj@home"}, "", ""},
		{"remove what is not there", `[{"op":"remove","path":"emails[type eq \"nope\"]"}]`, []string{"bj@home"}, nil, "", ""},
		{"add to a multi-valued attribute", `[{"op":"add","path":"emails","value":[{"value":"x@y","type":"other"}]}]`, []string{"x@y", "bj@home", "bj@work"}, nil, "", ""},
		{"add an existing value changes nothing", `[{"op":"add","path":"emails","value":[{"value":"bj@home","type":"home"}]}]`, []string{"bj@home"}, nil, "", "bj@home"},
		{"URN-qualified extension path", `[{"op":"replace","path":"urn:okta:t:1.0:user:custom:dept","value":"HR"}]`, []string{`"dept":"HR"`}, nil, "", ""},
		{"core URN-qualified path", `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:userName","value":"bj2"}]`, []string{`"userName":"bj2"`}, nil, "", ""},
		{"remove an attribute", `[{"op":"remove","path":"name.givenName"}]`, []string{`"familyName":"Jensen"`}, []string{"Barbara"}, "", ""},
		{"case-insensitive names", `[{"op":"replace","path":"NAME.FAMILYNAME","value":"Up"}]`, []string{`"familyName":"Up"`}, nil, "", ""},
		{"id is immutable", `[{"op":"replace","path":"id","value":"2"}]`, nil, nil, "mutability", ""},
		{"a filter with no target", `[{"op":"replace","path":"emails[value eq \"none\"].value","value":"x"}]`, nil, nil, "noTarget", ""},
		{"a path that does not parse", `[{"op":"replace","path":"emails[type eq","value":"x"}]`, nil, nil, "invalidPath", ""},
		{"no path needs an object", `[{"op":"replace","value":"x"}]`, nil, nil, "invalidValue", ""},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			d := doc(t, base)
			ops, err := DecodePatch(doc(t, `{"schemas":["`+PatchOp2+`"],"Operations":`+cs.ops+`}`))
			if err == nil {
				err = ApplyPatch(d, ops, User2)
			}
			if cs.errType != "" {
				var pe *PatchError
				if !errors.As(err, &pe) || pe.ScimType != cs.errType || !errors.Is(err, engine.ErrInvalidValue) {
					t.Fatalf("error %v, want scimType %s", err, cs.errType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := js(d)
			for _, w := range cs.want {
				if !strings.Contains(got, w) {
					t.Errorf("result lacks %s: %s", w, got)
				}
			}
			if cs.once != "" && strings.Count(got, cs.once) != 1 {
				t.Errorf("%s appears %d times: %s", cs.once, strings.Count(got, cs.once), got)
			}
			for _, a := range cs.absent {
				if strings.Contains(got, a) {
					t.Errorf("result still has %s: %s", a, got)
				}
			}
		})
	}
}

func TestDecodePatchRefuses(t *testing.T) {
	for _, body := range []string{
		`{"Operations":[{"op":"add","path":"x","value":1}]}`,
		`{"schemas":["` + PatchOp2 + `"]}`,
		`{"schemas":["` + PatchOp2 + `"],"Operations":[{"op":"move","path":"x"}]}`,
		`{"schemas":["` + PatchOp2 + `"],"Operations":[{"op":"add","path":"x"}]}`,
		`{"schemas":["` + PatchOp2 + `"],"Operations":[{"op":"remove"}]}`,
	} {
		if _, err := DecodePatch(doc(t, body)); err == nil {
			t.Errorf("accepted %s", body)
		}
	}
}

// Group PATCHes become membership-level changes: nothing here needs the stored list.
func TestGroupPatch(t *testing.T) {
	c := codec(t)
	cases := []struct {
		ops  string
		want string
	}{
		{`[{"op":"add","path":"members","value":[{"value":"1"},{"value":"2"}]}]`, `add [1 2] remove [] replace false []`},
		{`[{"op":"remove","path":"members[value eq \"3\"]"}]`, `add [] remove [3] replace false []`},
		{`[{"op":"remove","path":"members[value eq \"3\" or value eq \"4\"]"}]`, `add [] remove [3 4] replace false []`},
		{`[{"op":"remove","path":"members","value":[{"value":"5"}]}]`, `add [] remove [5] replace false []`},
		{`[{"op":"remove","path":"members"}]`, `add [] remove [] replace true []`},
		{`[{"op":"replace","path":"members","value":[{"value":"6"}]}]`, `add [] remove [] replace true [6]`},
		{`[{"op":"replace","value":{"displayName":"New","members":[{"value":"7"}]}}]`, `name New add [] remove [] replace true [7]`},
		{`[{"op":"replace","path":"displayName","value":"N2"}]`, `name N2 add [] remove [] replace false []`},
		{`[{"op":"replace","path":"urn:okta:custom:group:1.0:description","value":"D"}]`, `desc D add [] remove [] replace false []`},
	}
	for _, cs := range cases {
		ops, err := DecodePatch(doc(t, `{"schemas":["`+PatchOp2+`"],"Operations":`+cs.ops+`}`))
		if err != nil {
			t.Fatal(err)
		}
		gp, err := c.GroupPatch(ops)
		if err != nil {
			t.Fatalf("%s: %v", cs.ops, err)
		}
		got := ""
		if gp.DisplayName != nil {
			got += "name " + *gp.DisplayName + " "
		}
		if gp.Description != nil {
			got += "desc " + *gp.Description + " "
		}
		got += "add " + js2(gp.Add) + " remove " + js2(gp.Remove) + " replace " + map[bool]string{true: "true", false: "false"}[gp.ReplaceMembers] + " " + js2(gp.Members)
		if got != cs.want {
			t.Errorf("%s:\n got %s\nwant %s", cs.ops, got, cs.want)
		}
	}
	for _, bad := range []string{
		`[{"op":"replace","path":"members[value eq \"1\"]","value":[{"value":"2"}]}]`,
		`[{"op":"remove","path":"members[display eq \"x\"]"}]`,
		`[{"op":"replace","path":"owner","value":"x"}]`,
		`[{"op":"add","path":"members","value":[{"value":""}]}]`,
	} {
		ops, _ := DecodePatch(doc(t, `{"schemas":["`+PatchOp2+`"],"Operations":`+bad+`}`))
		if _, err := c.GroupPatch(ops); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func js2(s []string) string { return "[" + strings.Join(s, " ") + "]" }

func TestProject(t *testing.T) {
	c := codec(t)
	u, _ := c.DecodeUser(doc(t, `{"userName":"a","name":{"givenName":"G","familyName":"F"},"urn:okta:t:1.0:user:custom":{"dept":"D"}}`))
	u.ID = "1"
	full := c.EncodeUser2(u, "https://x/v2")
	cases := []struct {
		attrs, excl   []string
		want, notWant []string
	}{
		{[]string{"userName"}, nil, []string{`"id":"1"`, `"userName":"a"`, `"schemas"`, `"meta"`}, []string{"givenName", "dept"}},
		{[]string{"name.givenName"}, nil, []string{`"givenName":"G"`}, []string{"familyName", "userName"}},
		{[]string{"urn:okta:t:1.0:user:custom:dept"}, nil, []string{`"dept":"D"`}, []string{"userName"}},
		{nil, []string{"name", "id"}, []string{`"id":"1"`, `"userName":"a"`}, []string{"givenName"}},
	}
	for _, cs := range cases {
		got := js(Project(full, cs.attrs, cs.excl))
		for _, w := range cs.want {
			if !strings.Contains(got, w) {
				t.Errorf("%v/%v: lacks %s: %s", cs.attrs, cs.excl, w, got)
			}
		}
		for _, w := range cs.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%v/%v: has %s: %s", cs.attrs, cs.excl, w, got)
			}
		}
	}
}

// Object writes JSON exactly as encoding/json would for every value it handles itself.
func TestObjectJSONMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", `quote " and \ backslash`, "ctl \x00\x01\x1f\n\r\t", "<tag> & amp", "ünïcödé ✓ 😀", "bad \xff utf8", "line\u2028sep\u2029"}
	for _, s := range strs {
		o := &Object{}
		o.Set(s, s).Set("n", int64(-42)).Set("i", 7).Set("b", true).Set("nil", nil).Set("list", []any{s, int64(1), false}).Set("ss", []string{s}).
			Set("nested", (&Object{}).Set("k", s)).Set("f", 1.5).Set("m", map[string]any{"z": s})
		got, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		std := `{` + q(s) + `:` + q(s) + `,"n":-42,"i":7,"b":true,"nil":null,"list":[` + q(s) + `,1,false],"ss":[` + q(s) + `],"nested":{"k":` + q(s) + `},"f":1.5,"m":{"z":` + q(s) + `}}`
		if string(got) != std {
			t.Errorf("%q:\n got %s\nwant %s", s, got, std)
		}
		var back map[string]any
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%q: not valid JSON: %v", s, err)
		}
	}
}

func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// An attributes list as Entra sends it: value-path filters read as their attribute, and
// commas inside them do not split the list.
func TestSplitListReadsValueFilters(t *testing.T) {
	got := SplitList(`userName, emails[type eq "work"],name.givenName,phoneNumbers[type eq "a,b"].value,`)
	want := []string{"userName", "emails", "name.givenName", "phoneNumbers.value"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("SplitList = %q, want %q", got, want)
	}
}
