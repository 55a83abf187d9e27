package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/mappings"
)

// The SCIM 2.0 flavour of the suite: RFC 7643/7644 shapes, Okta's 2.0 flows (the PATCH
// forms and the PUT forms) and the RFC's error cases, on the same mapping and database.

const (
	user2URN  = "urn:ietf:params:scim:schemas:core:2.0:User"
	group2URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
	listURN   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorURN  = "urn:ietf:params:scim:api:messages:2.0:Error"
	patchURN  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// wantError2 asserts an RFC 7644 error: the status as a string, and the scimType.
func (c *client) wantError2(status int, scimType, method, path string, body any) map[string]any {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != status {
		c.t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, r.status, status, r.raw)
	}
	if len(list(r.body["schemas"])) != 1 || list(r.body["schemas"])[0] != errorURN {
		c.t.Fatalf("%s %s: not an RFC 7644 error body: %s", method, path, r.raw)
	}
	if str(r.body["status"]) != fmt.Sprint(status) {
		c.t.Fatalf("%s %s: status %q, want the string %q", method, path, r.body["status"], fmt.Sprint(status))
	}
	if str(r.body["scimType"]) != scimType {
		c.t.Fatalf("%s %s: scimType %q, want %q (%s)", method, path, r.body["scimType"], scimType, r.raw)
	}
	if str(r.body["detail"]) == "" {
		c.t.Fatalf("%s %s: no detail", method, path)
	}
	return r.body
}

func patch(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return map[string]any{"schemas": []any{patchURN}, "Operations": list}
}

func op(o, path string, value any) map[string]any {
	m := map[string]any{"op": o}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

// newUser2 is newUser with SCIM 2.0 schemas.
func (s *suite) newUser2(label string) map[string]any {
	doc := s.newUser(label)
	schemas := []any{user2URN}
	for _, urn := range s.m.Users.URNs() {
		schemas = append(schemas, urn)
	}
	doc["schemas"] = schemas
	delete(doc, "groups")
	return doc
}

func (s *suite) create2(t *testing.T, c *client, label string) (sent, created map[string]any) {
	t.Helper()
	sent = s.newUser2(label)
	r := c.do("POST", "/Users", sent)
	if r.status != 201 {
		t.Fatalf("POST /v2/Users: %d %s", r.status, r.raw)
	}
	created = r.body
	id := str(created["id"])
	meta := obj(created["meta"])
	if id == "" || str(meta["resourceType"]) != "User" || !strings.HasSuffix(str(meta["location"]), "/v2/Users/"+id) {
		t.Fatalf("created user lacks id or meta: %s", mustJSON(created))
	}
	if loc := r.header.Get("Location"); loc != str(meta["location"]) {
		t.Errorf("Location header %q, meta.location %q", loc, meta["location"])
	}
	if list(created["schemas"])[0] != user2URN {
		t.Errorf("schemas %v", created["schemas"])
	}
	return sent, created
}

func (s *suite) discovery2(t *testing.T, c *client) {
	for _, p := range []string{"/ServiceProviderConfig", "/ServiceProviderConfigs"} {
		body := c.must(200, "GET", p, nil)
		if obj(body["patch"])["supported"] != true || obj(body["filter"])["supported"] != true {
			t.Errorf("%s: patch and filter must be supported: %s", p, mustJSON(body))
		}
		for _, urn := range []string{"urn:okta:schemas:scim:providerconfig:1.0", "urn:okta:schemas:scim:providerconfig:2.0"} {
			var got []string
			for _, v := range list(obj(body[urn])["userManagementCapabilities"]) {
				got = append(got, str(v))
			}
			if strings.Join(got, ",") != strings.Join(s.tg.Capabilities, ",") {
				t.Errorf("%s %s: capabilities %v, want %v", p, urn, got, s.tg.Capabilities)
			}
		}
	}
	rts := c.must(200, "GET", "/ResourceTypes", nil)
	if list(rts["schemas"])[0] != listURN || num(rts["totalResults"]) < 1 {
		t.Fatalf("ResourceTypes: %s", mustJSON(rts))
	}
	var user map[string]any
	for _, r := range list(rts["Resources"]) {
		if str(obj(r)["id"]) == "User" {
			user = obj(r)
		}
	}
	if user == nil || str(user["endpoint"]) != "/Users" || str(user["schema"]) != user2URN {
		t.Fatalf("no User resource type: %s", mustJSON(rts))
	}
	var exts []string
	for _, e := range list(user["schemaExtensions"]) {
		exts = append(exts, str(obj(e)["schema"]))
	}
	if strings.Join(exts, ",") != strings.Join(s.m.Users.URNs(), ",") {
		t.Errorf("User schemaExtensions %v, want the mapped URNs %v", exts, s.m.Users.URNs())
	}
	c.must(200, "GET", "/ResourceTypes/User", nil)
	c.wantError2(404, "", "GET", "/ResourceTypes/Nope", nil)
	schemas := c.must(200, "GET", "/Schemas", nil)
	attrs := map[string]map[string]any{}
	for _, sc := range list(schemas["Resources"]) {
		if str(obj(sc)["id"]) == user2URN {
			for _, a := range list(obj(sc)["attributes"]) {
				attrs[str(obj(a)["name"])] = obj(a)
			}
		}
	}
	if a := attrs["userName"]; a == nil || a["uniqueness"] != "server" || a["required"] != true || a["caseExact"] != false {
		t.Errorf("userName in /Schemas: %v", a)
	}
	if a := s.m.Users.Attr("password"); a != nil {
		if p := attrs["password"]; p == nil || p["returned"] != "never" || p["mutability"] != "writeOnly" {
			t.Errorf("password in /Schemas: %v", p)
		}
	}
	// Exactly what is mapped: an attribute the mapping does not bind is not described.
	if attrs["nickName"] != nil && s.m.Users.Attr("nickName") == nil {
		t.Errorf("/Schemas describes nickName, which is not mapped")
	}
	c.must(200, "GET", "/Schemas/"+url.PathEscape(user2URN), nil)
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		c.wantError2(405, "", m, "/Schemas", map[string]any{})
		c.wantError2(405, "", m, "/ServiceProviderConfig", map[string]any{})
	}
}

func (s *suite) errors2(t *testing.T, c *client) {
	c.wantError2(404, "", "GET", "/NoSuchEndpoint", nil)
	if s.m.Users.Op(mappings.OpGetUser) != nil {
		c.wantError2(404, "", "GET", "/Users/123456789012345678901234567890", nil)
	}
	if s.m.Users.Op(mappings.OpGetUsers) != nil {
		c.wantError2(400, "invalidFilter", "GET", "/Users?filter="+url.QueryEscape("userName eq"), nil)
		c.wantError2(400, "invalidFilter", "GET", "/Users?filter="+url.QueryEscape(`nope eq "x"`), nil)
		c.wantError2(400, "invalidValue", "GET", "/Users?count=-1", nil)
		c.wantError2(400, "invalidValue", "GET", "/Users?sortBy="+url.QueryEscape("nope"), nil)
	}
	if s.m.Users.Op(mappings.OpCreateUser) != nil {
		c.wantError2(400, "invalidSyntax", "POST", "/Users", `{"userName":`)
	}
	if s.m.Server.Auth.Type != "none" {
		(&client{t: t, base: c.base, http: c.http}).wantError2(401, "", "GET", "/Users", nil)
	}
	if s.m.Users.Op(mappings.OpUpdateUser) != nil {
		c.wantError2(404, "", "PATCH", "/Users/999999999", patch(op("replace", "", map[string]any{"displayName": "x"})))
	}
}

func (s *suite) users2(t *testing.T, c *client) {
	sent, created := s.create2(t, c, "u2")
	id := str(created["id"])
	s.checkUser(t, sent, created)
	got := c.must(200, "GET", "/Users/"+url.PathEscape(id), nil)
	s.checkUser(t, sent, got)
	// The same user is served by 1.1 at the base URL: one mapping, both protocols.
	one := (&client{t: t, base: strings.TrimSuffix(c.base, "/v2"), auth: c.auth, http: c.http}).must(200, "GET", "/Users/"+url.PathEscape(id), nil)
	if str(one["userName"]) != str(got["userName"]) {
		t.Errorf("1.1 and 2.0 disagree: %v vs %v", one["userName"], got["userName"])
	}
	// Projection: attributes narrows, excludedAttributes removes; id and schemas stay.
	p := c.must(200, "GET", "/Users/"+url.PathEscape(id)+"?attributes=userName", nil)
	if p["id"] != id || p["userName"] == nil || p["name"] != nil || p["emails"] != nil {
		t.Errorf("attributes=userName: %s", mustJSON(p))
	}
	if s.m.Users.Attr("name.givenName") != nil {
		p = c.must(200, "GET", "/Users/"+url.PathEscape(id)+"?attributes=name.givenName", nil)
		if n := obj(p["name"]); n == nil || n["givenName"] == nil || n["familyName"] != nil {
			t.Errorf("attributes=name.givenName: %s", mustJSON(p))
		}
		p = c.must(200, "GET", "/Users/"+url.PathEscape(id)+"?excludedAttributes=name", nil)
		if p["name"] != nil || p["userName"] == nil {
			t.Errorf("excludedAttributes=name: %s", mustJSON(p))
		}
	}
	if s.userNameWritable() {
		dup := s.newUser2("dup2")
		dup["userName"] = strings.ToUpper(str(created["userName"]))
		c.wantError2(409, "uniqueness", "POST", "/Users", dup)
	}
}

// patched sends a user PATCH and returns the user it made: the answer's body, or, where
// the mapping answers 204 (server.userPatchStatus), an empty answer and then a GET.
func (s *suite) patched(t *testing.T, c *client, path string, body any) map[string]any {
	t.Helper()
	if s.m.Server.UserPatchStatus != 204 {
		return c.must(200, "PATCH", path, body)
	}
	r := c.do("PATCH", path, body)
	if r.status != 204 || len(r.raw) != 0 {
		t.Fatalf("PATCH %s %s: %d %s, want 204 with no body (server.userPatchStatus: 204)", path, mustJSON(body), r.status, r.raw)
	}
	got := c.must(200, "GET", path, nil)
	if v := str(obj(got["meta"])["version"]); v != "" && r.header.Get("ETag") != v {
		t.Fatalf("PATCH %s: ETag %q, the user is at %q", path, r.header.Get("ETag"), v)
	}
	return got
}

func (s *suite) patchUser2(t *testing.T, c *client) {
	_, created := s.create2(t, c, "p2")
	id := str(created["id"])
	path := "/Users/" + url.PathEscape(id)
	u := s.m.Users
	if s.caps["PUSH_USER_DEACTIVATION"] {
		// Okta's deactivation: replace with no path and {"active": false}; and back.
		got := s.patched(t, c, path, patch(op("replace", "", map[string]any{"active": false})))
		if got["active"] != false || c.must(200, "GET", path, nil)["active"] != false {
			t.Fatalf("PATCH active=false: %s", mustJSON(got))
		}
		// Entra sends booleans as strings.
		if got := s.patched(t, c, path, patch(op("Replace", "active", "True"))); got["active"] != true {
			t.Fatalf("PATCH active \"True\": %s", mustJSON(got))
		}
	}
	if s.caps["PUSH_PASSWORD_UPDATES"] {
		before := s.storedPassword(t, id)
		got := s.patched(t, c, path, patch(op("replace", "", map[string]any{"password": "Patched-Pw-1!"})))
		if strings.Contains(mustJSON(got), "Patched-Pw") {
			t.Fatalf("password echoed")
		}
		if after := s.storedPassword(t, id); after == before || after == "" {
			t.Fatalf("PATCH password did not change the stored password")
		}
	}
	if a := u.Attr("name.familyName"); a != nil && a.Writable() {
		got := s.patched(t, c, path, patch(op("replace", "name.familyName", "Patched")))
		if str(obj(got["name"])["familyName"]) != "Patched" {
			t.Fatalf("PATCH name.familyName: %s", mustJSON(got))
		}
		// A path written as a key of a no-path value, as some clients do.
		got = s.patched(t, c, path, patch(op("replace", "", map[string]any{"name.familyName": "Keyed"})))
		if str(obj(got["name"])["familyName"]) != "Keyed" {
			t.Fatalf("PATCH {\"name.familyName\": ...}: %s", mustJSON(got))
		}
	}
	if emails := u.Multi("emails"); len(emails) > 0 && emails[0].Writable() {
		e := emails[0]
		got := s.patched(t, c, path, patch(op("replace", `emails[type eq "`+e.Name+`"].value`, "patched."+id+"@example.com")))
		found := false
		for _, it := range list(got["emails"]) {
			if str(obj(it)["type"]) == e.Name && str(obj(it)["value"]) == "patched."+id+"@example.com" {
				found = true
			}
		}
		if !found {
			t.Fatalf("PATCH emails[type eq %q].value: %s", e.Name, mustJSON(got))
		}
	}
	for _, a := range u.Attributes {
		if a.URN == "" || !a.Writable() || a.Type != "string" || s.sampled(a) {
			continue
		}
		got := s.patched(t, c, path, patch(op("replace", a.URN+":"+a.Name, "via-urn-path")))
		if str(obj(got[a.URN])[a.Name]) != "via-urn-path" {
			t.Fatalf("PATCH %s:%s: %s", a.URN, a.Name, mustJSON(got))
		}
		if a.Default == nil {
			got = s.patched(t, c, path, patch(op("remove", a.URN+":"+a.Name, nil)))
			if _, ok := obj(got[a.URN])[a.Name]; ok {
				t.Fatalf("PATCH remove %s: %s", a.Name, mustJSON(got))
			}
		}
		break
	}
	// Several operations are one transaction: a bad one leaves nothing changed.
	before := c.must(200, "GET", path, nil)
	c.wantError2(400, "invalidPath", "PATCH", path, patch(op("replace", "name.givenName", "Never"), op("replace", "emails[type eq", "x")))
	c.wantError2(400, "noTarget", "PATCH", path, patch(op("remove", "", nil)))
	c.wantError2(400, "mutability", "PATCH", path, patch(op("replace", "id", "other")))
	c.wantError2(400, "invalidSyntax", "PATCH", path, patch(op("frobnicate", "userName", "x")))
	c.wantError2(400, "invalidSyntax", "PATCH", path, map[string]any{"Operations": []any{op("replace", "userName", "x")}})
	after := c.must(200, "GET", path, nil)
	delete(before, "meta")
	delete(after, "meta")
	if mustJSON(before) != mustJSON(after) {
		t.Fatalf("a refused PATCH changed the user:\nbefore %s\nafter  %s", mustJSON(before), mustJSON(after))
	}
}

func (s *suite) putUser2(t *testing.T, c *client) {
	sent, created := s.create2(t, c, "put2")
	id := str(created["id"])
	// PUT replaces: an optional attribute left out of the body is cleared.
	var cleared *mappings.Attribute
	for _, a := range s.m.Users.Attributes {
		if a.URN != "" && a.Writable() && a.Default == nil && !s.sampled(a) {
			cleared = a
			break
		}
	}
	put := s.newUser2("put2b")
	if !s.userNameWritable() {
		put["userName"] = created["userName"]
	}
	put["password"] = sent["password"]
	if sent["password"] == nil {
		delete(put, "password")
	}
	if cleared != nil {
		delete(obj(put[cleared.URN]), cleared.Name)
	}
	got := c.must(200, "PUT", "/Users/"+url.PathEscape(id), put)
	s.checkUser(t, put, got)
	if cleared != nil {
		if v, ok := obj(got[cleared.URN])[cleared.Name]; ok {
			t.Errorf("PUT without %s kept it: %v", cleared.Path, v)
		}
	}
}

func (s *suite) lists2(t *testing.T, c *client) {
	var ids []string
	for i := 0; i < 3; i++ {
		_, created := s.create2(t, c, "l2")
		ids = append(ids, str(created["id"]))
	}
	body := c.must(200, "GET", "/Users?count=0", nil)
	if num(body["totalResults"]) < 3 || len(list(body["Resources"])) != 0 || num(body["itemsPerPage"]) != 0 {
		t.Fatalf("count=0: %s", mustJSON(body))
	}
	// Paging: the same walk as Okta's, in pages of 2, each id once, ListResponse shape.
	seen := map[string]bool{}
	total := num(body["totalResults"])
	for start := 1; start <= total; start += 2 {
		page := c.must(200, "GET", fmt.Sprintf("/Users?startIndex=%d&count=2", start), nil)
		if list(page["schemas"])[0] != listURN || num(page["startIndex"]) != start || num(page["itemsPerPage"]) != len(list(page["Resources"])) {
			t.Fatalf("page %d: %s", start, mustJSON(page))
		}
		for _, r := range list(page["Resources"]) {
			if seen[str(obj(r)["id"])] {
				t.Fatalf("id %s twice", obj(r)["id"])
			}
			seen[str(obj(r)["id"])] = true
		}
	}
	if len(seen) != total {
		t.Fatalf("walked %d of %d", len(seen), total)
	}
	// sortBy, both ways, over the users this test made.
	filter := url.QueryEscape(`id eq "` + ids[0] + `" or id eq "` + ids[1] + `" or id eq "` + ids[2] + `"`)
	asc := c.must(200, "GET", "/Users?filter="+filter+"&sortBy=userName&sortOrder=ascending", nil)
	desc := c.must(200, "GET", "/Users?filter="+filter+"&sortBy=userName&sortOrder=descending", nil)
	names := func(b map[string]any) []string {
		var out []string
		for _, r := range list(b["Resources"]) {
			out = append(out, strings.ToLower(str(obj(r)["userName"])))
		}
		return out
	}
	a, d := names(asc), names(desc)
	if len(a) != 3 || !sort.StringsAreSorted(a) {
		t.Errorf("sortBy=userName ascending: %v", a)
	}
	for i := range d {
		if len(d) != 3 || d[i] != a[len(a)-1-i] {
			t.Errorf("descending %v is not ascending %v reversed", d, a)
			break
		}
	}
	// POST .search takes the same parameters in a body.
	search := c.must(200, "POST", "/Users/.search", map[string]any{
		"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter":  `id eq "` + ids[0] + `"`, "attributes": []any{"userName"}, "startIndex": 1, "count": 10,
	})
	res := list(search["Resources"])
	if num(search["totalResults"]) != 1 || len(res) != 1 || str(obj(res[0])["id"]) != ids[0] || obj(res[0])["name"] != nil {
		t.Errorf(".search: %s", mustJSON(search))
	}
}

func (s *suite) groups2(t *testing.T, c *client) {
	u1, u2, u3 := s.newUserID(t, c.one(), "g2"), s.newUserID(t, c.one(), "g2"), s.newUserID(t, c.one(), "g2")
	name := "Group2 " + s.tag
	r := c.do("POST", "/Groups", map[string]any{"schemas": []any{group2URN}, "displayName": name, "members": []any{map[string]any{"value": u1}}})
	if r.status != 201 || r.header.Get("Location") == "" {
		t.Fatalf("POST /v2/Groups: %d %s", r.status, r.raw)
	}
	gid := str(r.body["id"])
	path := "/Groups/" + url.PathEscape(gid)
	members := func() []string { return memberIDs(c.must(200, "GET", path, nil)) }
	noContent := func(body any) {
		t.Helper()
		if r := c.do("PATCH", path, body); r.status != 204 && r.status != 200 {
			t.Fatalf("PATCH %s: %d %s", mustJSON(body), r.status, r.raw)
		}
	}
	// Okta's forms: add members, remove members[value eq "x"], replace members, replace displayName.
	noContent(patch(op("add", "members", []any{map[string]any{"value": u2}})))
	noContent(patch(op("add", "members", []any{map[string]any{"value": u2}}))) // again: nothing changes
	if got := members(); strings.Join(got, ",") != strings.Join(sorted(u1, u2), ",") {
		t.Fatalf("after add: %v", got)
	}
	noContent(patch(op("remove", `members[value eq "`+u1+`"]`, nil)))
	noContent(patch(op("remove", `members[value eq "`+u1+`"]`, nil))) // not a member any more: fine
	if got := members(); strings.Join(got, ",") != u2 {
		t.Fatalf("after remove: %v", got)
	}
	noContent(patch(op("replace", "members", []any{map[string]any{"value": u1}, map[string]any{"value": u3}})))
	if got := members(); strings.Join(got, ",") != strings.Join(sorted(u1, u3), ",") {
		t.Fatalf("after replace members: %v", got)
	}
	noContent(patch(op("replace", "", map[string]any{"displayName": name + " renamed", "id": gid})))
	if g := c.must(200, "GET", path, nil); str(g["displayName"]) != name+" renamed" {
		t.Fatalf("after replace displayName: %s", mustJSON(g))
	}
	// Entra's removal form: remove members with a value list.
	noContent(patch(op("remove", "members", []any{map[string]any{"value": u3}})))
	if got := members(); strings.Join(got, ",") != u1 {
		t.Fatalf("after remove by value: %v", got)
	}
	// A member that is not a user: 400, and nothing changes. Under groups.members.unknown:
	// skip the others are added and that one left out, whether given as an object or as
	// the id alone (Microsoft's garbage tests).
	unknown := patch(op("add", "members", []any{map[string]any{"value": u2}, map[string]any{"value": "999999999"}, map[string]any{"value": s.absentUserID()}}))
	if s.skipsUnknown() {
		noContent(unknown)
		if got := members(); strings.Join(got, ",") != strings.Join(sorted(u1, u2), ",") {
			t.Fatalf("a PATCH with members that name no user, under unknown: skip: %v, want %s and %s", got, u1, u2)
		}
		noContent(patch(op("add", "members", s.absentUserID())))
		noContent(patch(op("remove", "members[value eq \""+u2+"\"]", nil)))
	} else {
		c.wantError2(400, "invalidValue", "PATCH", path, unknown)
		c.wantError2(400, "invalidValue", "PATCH", path, patch(op("add", "members", s.absentUserID())))
	}
	if got := members(); strings.Join(got, ",") != u1 {
		t.Fatalf("a refused PATCH changed the members: %v", got)
	}
	c.wantError2(400, "invalidPath", "PATCH", path, patch(op("replace", "nosuch", "x")))
	c.wantError2(404, "", "PATCH", "/Groups/999999999", patch(op("add", "members", []any{map[string]any{"value": u1}})))
	// excludedAttributes=members does not read or return them.
	if g := c.must(200, "GET", path+"?excludedAttributes=members", nil); g["members"] != nil || str(g["displayName"]) == "" {
		t.Errorf("excludedAttributes=members: %s", mustJSON(g))
	}
	list := c.must(200, "GET", "/Groups?excludedAttributes=members&count=1000", nil)
	for _, g := range list_(list["Resources"]) {
		if obj(g)["members"] != nil {
			t.Fatalf("a listed group carries members despite excludedAttributes")
		}
	}
	// PUT replaces, members included.
	g := c.must(200, "PUT", path, map[string]any{"schemas": []any{group2URN}, "displayName": name, "members": []any{map[string]any{"value": u2}}})
	if strings.Join(memberIDs(g), ",") != u2 {
		t.Fatalf("PUT: %s", mustJSON(g))
	}
	if s.m.Groups.Members != nil && !s.m.Users.HideGroups && s.caps["IMPORT_PROFILE_UPDATES"] {
		s.userGroups(t, c, gid, name, u1, u2)
	}
	// Duplicate name: uniqueness.
	c.wantError2(409, "uniqueness", "POST", "/Groups", map[string]any{"displayName": strings.ToLower(name)})
	if r := c.do("DELETE", path, nil); r.status != 204 {
		t.Fatalf("DELETE: %d", r.status)
	}
	c.wantError2(404, "", "GET", path, nil)
}

// userGroups checks users' read-only groups attribute: member of gid is u2, not u1.
func (s *suite) userGroups(t *testing.T, c *client, gid, name, u1, u2 string) {
	t.Helper()
	groupsOf := func(u map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, g := range list(u["groups"]) {
			out[str(obj(g)["value"])] = obj(g)
		}
		return out
	}
	member := c.must(200, "GET", "/Users/"+url.PathEscape(u2), nil)
	g, ok := groupsOf(member)[gid]
	if !ok {
		t.Fatalf("GET /v2/Users/%s: groups %s do not list group %s", u2, mustJSON(member["groups"]), gid)
	}
	if str(g["display"]) != name || str(g["type"]) != "direct" || !strings.HasSuffix(str(g["$ref"]), "/v2/Groups/"+gid) {
		t.Errorf("the group as a user lists it: %s", mustJSON(g))
	}
	if _, ok := groupsOf(c.must(200, "GET", "/Users/"+url.PathEscape(u1), nil))[gid]; ok {
		t.Errorf("a user who left the group still lists it")
	}
	one := c.one().must(200, "GET", "/Users/"+url.PathEscape(u2), nil)
	if g, ok := groupsOf(one)[gid]; !ok || str(g["display"]) != name || g["$ref"] != nil || g["type"] != nil {
		t.Errorf("SCIM 1.1 user's groups: %s", mustJSON(one["groups"]))
	}
	page := c.must(200, "GET", "/Users?filter="+url.QueryEscape(`id eq "`+u2+`"`), nil)
	if rs := list(page["Resources"]); len(rs) != 1 || groupsOf(obj(rs[0]))[gid] == nil {
		t.Errorf("a listed user's groups: %s", mustJSON(page))
	}
	if u := c.must(200, "GET", "/Users/"+url.PathEscape(u2)+"?excludedAttributes=groups", nil); u["groups"] != nil || str(u["userName"]) == "" {
		t.Errorf("excludedAttributes=groups: %s", mustJSON(u))
	}
	// Read-only: a PATCH of groups is refused, and changes nothing.
	c.wantError2(400, "mutability", "PATCH", "/Users/"+url.PathEscape(u1), patch(op("add", "groups", []any{map[string]any{"value": gid}})))
	if _, ok := groupsOf(c.must(200, "GET", "/Users/"+url.PathEscape(u1), nil))[gid]; ok {
		t.Errorf("a refused PATCH of groups made the user a member")
	}
}

// one is a client for the same server at the 1.1 base URL.
func (c *client) one() *client {
	return &client{t: c.t, base: strings.TrimSuffix(c.base, "/v2"), auth: c.auth, http: c.http}
}

func list_(v any) []any { return list(v) }

var _ = http.MethodGet
