// Package conformance is the engine's conformance suite: it plays the Okta Provisioning
// Agent's whole catalogue (PROTOCOL.md §2–§7) over real HTTP against a scimsql handler
// backed by a real database. Every dialect and every example mapping must pass it.
package conformance

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

// Target is one scimsql under test.
type Target struct {
	Handler http.Handler
	Mapping *mappings.Mapping
	DB      *sql.DB
	Dialect dialects.Dialect
	// Auth adds credentials to a request.
	Auth func(*http.Request)
	// Capabilities is the exact list the mapping must declare, in order.
	Capabilities []string
	// ImportUsers is how many users the paging test creates (at least 250 in CI).
	ImportUsers int
	// Sample, when set, gives the value the suite sends for writable attribute a in the
	// n-th user it makes (n is unique within a run), or nil for the suite's own. A schema
	// with narrow or constrained columns (VARCHAR(14), ENUM('M','F')) supplies values that
	// fit. Values it gives are not assumed unique, so filters on them are narrowed by userName.
	Sample func(a *mappings.Attribute, n int) any
}

// Run runs the suite.
func Run(t *testing.T, tg Target) {
	srv := httptest.NewServer(tg.Handler)
	t.Cleanup(srv.Close)
	c := &client{t: t, base: srv.URL + tg.Mapping.Server.BasePath, auth: tg.Auth, http: srv.Client()}
	s := &suite{tg: tg, m: tg.Mapping, tag: fmt.Sprintf("c%d", time.Now().UnixNano()%1e9)}
	run := func(name string, need []string, fn func(t *testing.T, c *client)) {
		t.Run(name, func(t *testing.T) {
			for _, n := range need {
				if !s.caps[n] {
					t.Logf("not declared by this mapping: %s; the flow is checked only where declared", n)
					return
				}
			}
			fn(t, &client{t: t, base: c.base, auth: c.auth, http: c.http})
		})
	}
	run("capabilities", nil, s.capabilities)
	run("errors", nil, s.errors)
	run("create and check exists", []string{"PUSH_NEW_USERS", "IMPORT_PROFILE_UPDATES"}, s.create)
	run("profile push", []string{"PUSH_PROFILE_UPDATES"}, s.profilePush)
	run("deactivate and reactivate", []string{"PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"}, s.deactivate)
	run("password push", []string{"PUSH_PASSWORD_UPDATES"}, s.passwordPush)
	run("pending user and activate", []string{"PUSH_PENDING_USERS"}, s.pending)
	run("filters", []string{"PUSH_NEW_USERS"}, s.filters)
	run("incremental import", []string{"OPP_SCIM_INCREMENTAL_IMPORTS"}, s.incremental)
	run("import paging", []string{"IMPORT_NEW_USERS", "PUSH_NEW_USERS"}, s.importPaging)
	run("group push", []string{"GROUP_PUSH"}, s.groups)
	run("group import", []string{"IMPORT_NEW_USERS", "GROUP_PUSH"}, s.groupImport)

	// The same mapping and data, spoken as SCIM 2.0 under /v2.
	c2 := &client{t: t, base: c.base + "/v2", auth: c.auth, http: c.http}
	run2 := func(name string, need []string, fn func(t *testing.T, c *client)) {
		run("scim2/"+name, need, func(t *testing.T, _ *client) {
			fn(t, &client{t: t, base: c2.base, auth: c2.auth, http: c2.http})
		})
	}
	run2("discovery", nil, s.discovery2)
	run2("errors", nil, s.errors2)
	run2("users", []string{"PUSH_NEW_USERS", "IMPORT_PROFILE_UPDATES"}, s.users2)
	run2("patch user", []string{"PUSH_PROFILE_UPDATES", "IMPORT_PROFILE_UPDATES"}, s.patchUser2)
	run2("put user", []string{"PUSH_PROFILE_UPDATES", "IMPORT_PROFILE_UPDATES"}, s.putUser2)
	run2("lists", []string{"IMPORT_NEW_USERS", "PUSH_NEW_USERS"}, s.lists2)
	run2("groups", []string{"GROUP_PUSH"}, s.groups2)
}

type suite struct {
	tg   Target
	m    *mappings.Mapping
	tag  string
	caps map[string]bool
	n    int
}

func (s *suite) capabilities(t *testing.T, c *client) {
	body := c.must(200, "GET", "/ServiceProviderConfigs", nil)
	schemas := list(body["schemas"])
	if len(schemas) != 2 || schemas[0] != "urn:scim:schemas:core:1.0" || schemas[1] != "urn:okta:schemas:scim:providerconfig:1.0" {
		t.Fatalf("schemas = %v", schemas)
	}
	for _, k := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"} {
		if _, ok := obj(body[k])["supported"].(bool); !ok {
			t.Errorf("%s.supported missing or not a boolean", k)
		}
	}
	if _, ok := body["authenticationSchemes"].([]any); !ok {
		t.Errorf("authenticationSchemes missing")
	}
	got := []string{}
	for _, v := range list(obj(body["urn:okta:schemas:scim:providerconfig:1.0"])["userManagementCapabilities"]) {
		got = append(got, str(v))
	}
	s.caps = map[string]bool{}
	for _, g := range got {
		s.caps[g] = true
	}
	if strings.Join(got, ",") != strings.Join(s.tg.Capabilities, ",") {
		t.Fatalf("capabilities = %v, want %v", got, s.tg.Capabilities)
	}
	// The singular name answers the same, and /v1 serves SCIM 1.1 too.
	c.must(200, "GET", "/ServiceProviderConfig", nil)
	c.must(200, "GET", "/v1/ServiceProviderConfigs", nil)
	c.must(200, "GET", "/serviceproviderconfigs/", nil)
}

func (s *suite) errors(t *testing.T, c *client) {
	c.wantError(501, "GET", "/NoSuchThing", nil, "no resource")
	c.wantError(501, "DELETE", "/Users/1", nil)
	c.wantError(501, "PATCH", "/Users/1", `{}`)
	for _, id := range []string{"123456789012345678901234567890", "..%2Fx", "no%20such%20id", "%E2%9C%93", "a.b.c"} {
		if s.m.Users.Op(mappings.OpGetUser) != nil {
			c.wantError(404, "GET", "/Users/"+id, nil)
		}
		if s.m.Groups.Op(mappings.OpGetGroup) != nil {
			c.wantError(404, "GET", "/Groups/"+id, nil)
		}
	}
	if s.m.Users.Op(mappings.OpCreateUser) != nil {
		c.wantError(400, "POST", "/Users", `{"userName": `, "JSON")
		c.wantError(400, "POST", "/Users", `[1,2]`)
		c.wantError(400, "POST", "/Users", `{"userName":"a"} {"x":1}`)
		if a := s.m.Users.Attr("userName"); a.Writable() {
			c.wantError(400, "POST", "/Users", map[string]any{"name": map[string]any{"givenName": "NoUserName"}}, "userName")
		} else {
			// A computed userName is not required; what the row needs is, and the database says so.
			c.wantError(400, "POST", "/Users", map[string]any{"displayName": "nothing else"})
		}
		big := `{"userName":"` + strings.Repeat("x", int(s.m.Server.MaxBody)) + `"}`
		c.wantError(413, "POST", "/Users", big)
	}
	if s.m.Users.Op(mappings.OpGetUsers) != nil {
		c.wantError(400, "GET", "/Users?startIndex=abc&count=10", nil, "startIndex")
		c.wantError(400, "GET", "/Users?startIndex=1&count=-5", nil, "count")
		c.wantError(400, "GET", "/Users?filter="+url.QueryEscape(`userName eq`), nil)
		c.wantError(400, "GET", "/Users?filter="+url.QueryEscape(`noSuchAttribute eq "x"`), nil, "noSuchAttribute")
		c.wantError(400, "GET", "/Users?filter="+url.QueryEscape(`password eq "x"`), nil, "password")
	}
	if s.m.Server.Auth.Type != "none" {
		noAuth := &client{t: t, base: c.base, http: c.http}
		noAuth.wantError(401, "GET", "/Users", nil)
		bad := &client{t: t, base: c.base, http: c.http, auth: func(r *http.Request) {
			r.SetBasicAuth("okta", "wrong")
			r.Header.Set(s.m.Server.Auth.Header+"-x", "wrong")
		}}
		bad.wantError(401, "GET", "/ServiceProviderConfigs", nil)
	}
}

// newUser builds a user document as the agent sends it on POST, with a value for every
// writable attribute the mapping binds.
func (s *suite) newUser(label string) map[string]any {
	s.n++
	key := fmt.Sprintf("%s%s%d", s.tag, label, s.n)
	u := s.m.Users
	schemas := []any{"urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0"}
	doc := map[string]any{"userName": key + "@example.com"}
	name := map[string]any{}
	for _, a := range u.Attributes {
		if !a.Writable() {
			continue
		}
		if v := s.sample(a); v != nil {
			switch {
			case strings.HasPrefix(a.Path, "name."):
				name[a.Name] = v
			case a.Item != "":
				addressItem(doc, a)[a.Name] = v
			case mappings.IsMultiPath(a.Path):
				multi := strings.SplitN(a.Path, ".", 2)[0]
				doc[multi] = append(list(doc[multi]), map[string]any{"value": v, "type": a.Name, "primary": a == primaryOf(u.Multi(multi))})
			case a.URN != "":
				cust := obj(doc[a.URN])
				if cust == nil {
					cust = map[string]any{}
					doc[a.URN] = cust
					schemas = append(schemas, a.URN)
				}
				setNested(cust, a.Name, v)
			default:
				doc[a.Path] = v
			}
			continue
		}
		switch {
		case a.Path == "name.givenName":
			name["givenName"] = "Given" + key
		case a.Path == "name.familyName":
			name["familyName"] = "Family" + key
		case strings.HasPrefix(a.Path, "name."):
			name[a.Name] = a.Name + key
		case strings.HasPrefix(a.Path, "emails."):
			doc["emails"] = append(list(doc["emails"]), map[string]any{"value": a.Name + "." + key + "@example.com", "type": a.Name, "primary": a == primaryOf(u.Multi("emails"))})
		case strings.HasPrefix(a.Path, "phoneNumbers."):
			doc["phoneNumbers"] = append(list(doc["phoneNumbers"]), map[string]any{"value": fmt.Sprintf("+1 555 %04d", s.n), "type": a.Name})
		case a.Item != "" && a.Name == "country":
			addressItem(doc, a)[a.Name] = []string{"DE", "FR", "US", "JP"}[s.n%4] // ISO 3166, as clients send it
		case a.Item != "" && a.Name == "postalCode":
			addressItem(doc, a)[a.Name] = fmt.Sprintf("%05d", s.n%100000)
		case a.Item != "":
			addressItem(doc, a)[a.Name] = a.Item + "-" + a.Name + "-" + key
		case a.Path == "preferredLanguage" || a.Path == "locale":
			// Language tags, as clients send them (columns for them are short).
			doc[a.Path] = []string{"en", "de-DE", "fr", "es-MX"}[s.n%4]
		case a.Path == "timezone":
			doc[a.Path] = []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"}[s.n%4]
		case mappings.IsMultiPath(a.Path):
			multi := strings.SplitN(a.Path, ".", 2)[0]
			doc[multi] = append(list(doc[multi]), map[string]any{"value": a.Name + "-" + key, "type": a.Name, "primary": a == primaryOf(u.Multi(multi))})
		case a.Path == "active":
			doc["active"] = true
		case a.Path == "password":
			doc["password"] = "Pw-" + key + "!"
		case a.URN != "":
			cust := obj(doc[a.URN])
			if cust == nil {
				cust = map[string]any{}
				doc[a.URN] = cust
				schemas = append(schemas, a.URN)
			}
			setNested(cust, a.Name, sampleValue(a, s.n))
		case a.Path != "userName":
			doc[a.Path] = a.Name + "-" + key
		}
	}
	if len(name) > 0 {
		doc["name"] = name
	}
	doc["schemas"] = schemas
	// groups on a user are read-only: the agent sends them, the connector ignores them.
	doc["groups"] = []any{map[string]any{"value": "9999", "display": "ignored"}}
	return doc
}

// sample is the target's value for a in the user being made, or nil.
func (s *suite) sample(a *mappings.Attribute) any {
	if s.tg.Sample == nil {
		return nil
	}
	return s.tg.Sample(a, s.n)
}

// sampled reports whether the target supplies a's values (which need not be unique).
func (s *suite) sampled(a *mappings.Attribute) bool {
	return s.tg.Sample != nil && s.tg.Sample(a, 1) != nil
}

// userNameWritable is false when userName is computed by the app (a read-only binding):
// the server then ignores the userName it is sent and answers with its own, which is the
// one lookups must use, and there is no duplicate or rename of a userName to provoke.
func (s *suite) userNameWritable() bool {
	a := s.m.Users.Attr("userName")
	return a != nil && a.Writable()
}

func primaryOf(as []*mappings.Attribute) *mappings.Attribute {
	for _, a := range as {
		if a.Primary {
			return a
		}
	}
	if len(as) > 0 {
		return as[0]
	}
	return nil
}

func sampleValue(a *mappings.Attribute, n int) any {
	switch a.Type {
	case "boolean":
		return n%2 == 0
	case "integer":
		return 1000 + n
	case "double":
		return float64(n) + 0.25
	case "date":
		return fmt.Sprintf("1990-05-%02d", 1+n%28)
	case "datetime":
		return fmt.Sprintf("2020-01-02T03:04:%02dZ", n%60)
	case "strings":
		return []any{"alpha", fmt.Sprintf("beta%d", n)}
	}
	return fmt.Sprintf("%s value %d ünïcödé", a.Name, n)
}

// checkUser asserts that got carries every writable value of sent.
func (s *suite) checkUser(t *testing.T, sent, got map[string]any) {
	t.Helper()
	if _, ok := got["password"]; ok {
		t.Fatalf("the response carries a password: %s", mustJSON(got))
	}
	if str(got["id"]) == "" {
		t.Fatalf("no id in %s", mustJSON(got))
	}
	for _, a := range s.m.Users.Attributes {
		if !a.Writable() || a.Path == "password" {
			continue
		}
		want, have := s.valueOf(sent, a), s.valueOf(got, a)
		if a.Path == "userName" {
			want, have = strings.ToLower(fmt.Sprint(want)), strings.ToLower(fmt.Sprint(have))
		}
		if fmt.Sprint(want) != fmt.Sprint(have) {
			t.Errorf("%s: sent %v, stored %v\nresponse: %s", a.Path, want, have, mustJSON(got))
		}
	}
	if meta := obj(got["meta"]); s.m.Users.LastModified != nil {
		if _, err := time.Parse(time.RFC3339, str(meta["lastModified"])); err != nil {
			t.Errorf("meta.lastModified %q is not an ISO-8601 timestamp", meta["lastModified"])
		}
	}
}

// valueOf reads attribute a from a user document, normalised for comparison.
func (s *suite) valueOf(doc map[string]any, a *mappings.Attribute) any {
	switch {
	case strings.HasPrefix(a.Path, "name."):
		return obj(doc["name"])[a.Name]
	case a.Item != "":
		for _, it := range list(doc[mappings.Addresses]) {
			if strings.EqualFold(str(obj(it)["type"]), a.Item) {
				return obj(it)[a.Name]
			}
		}
		return nil
	case mappings.IsMultiPath(a.Path):
		multi := strings.SplitN(a.Path, ".", 2)[0]
		for _, it := range list(doc[multi]) {
			if strings.EqualFold(str(obj(it)["type"]), a.Name) {
				return obj(it)["value"]
			}
		}
		return nil
	case a.URN != "":
		v := nested(obj(doc[a.URN]), a.Name)
		if a.Type == "double" || a.Type == "integer" {
			return fmt.Sprint(v)
		}
		if l, ok := v.([]any); ok {
			return fmt.Sprint(l...)
		}
		return v
	}
	return doc[a.Path]
}

func (s *suite) filterPath(f string) string {
	return "/Users?filter=" + url.QueryEscape(f) + "&startIndex=1&count=100"
}

// checkExists is the agent's lookup before a create.
func (s *suite) checkExists(t *testing.T, c *client, userName string) []any {
	t.Helper()
	body := c.must(200, "GET", s.filterPath(`userName eq "`+userName+`"`), nil)
	res := list(body["Resources"])
	if num(body["totalResults"]) != len(res) || num(body["itemsPerPage"]) != len(res) || num(body["startIndex"]) != 1 {
		t.Fatalf("envelope: totalResults %v itemsPerPage %v startIndex %v for %d resources", body["totalResults"], body["itemsPerPage"], body["startIndex"], len(res))
	}
	return res
}

func (s *suite) create(t *testing.T, c *client) {
	doc := s.newUser("create")
	userName := str(doc["userName"])
	if got := s.checkExists(t, c, userName); len(got) != 0 {
		t.Fatalf("check-exists before create found %v", got)
	}
	// Spaces arrive as + as well as %20.
	body := c.must(200, "GET", "/Users?filter=userName+eq+%22"+url.QueryEscape(userName)+"%22&startIndex=1&count=100", nil)
	if num(body["totalResults"]) != 0 {
		t.Fatalf("+ encoded filter: %v", body)
	}
	created := c.must(201, "POST", "/Users", doc)
	s.checkUser(t, doc, created)
	id := str(created["id"])
	got := c.must(200, "GET", "/Users/"+url.PathEscape(id), nil)
	s.checkUser(t, doc, got)
	if mustJSON(got) != mustJSON(created) {
		t.Errorf("read after write differs:\ncreate: %s\nget:    %s", mustJSON(created), mustJSON(got))
	}
	// The agent links to the user by the userName the server answered with: the one it
	// sent, or, where the app computes userName, the app's.
	if s.userNameWritable() && !strings.EqualFold(str(created["userName"]), userName) {
		t.Fatalf("userName: sent %q, stored %q", userName, created["userName"])
	}
	userName = str(created["userName"])
	if userName == "" {
		t.Fatalf("the created user has no userName: %s", mustJSON(created))
	}
	found := s.checkExists(t, c, strings.ToUpper(userName))
	if len(found) != 1 || str(obj(found[0])["id"]) != id {
		t.Fatalf("check-exists (case-insensitive) after create: %v", found)
	}
	if s.userNameWritable() {
		// A second POST of the same userName, in another case, is a 409 and writes nothing.
		dup := s.newUser("dup")
		dup["userName"] = strings.ToUpper(userName)
		c.wantError(409, "POST", "/Users", dup, "userName")
		if got := s.checkExists(t, c, userName); len(got) != 1 {
			t.Fatalf("after the duplicate POST: %d users", len(got))
		}
	} else {
		t.Logf("userName is computed by the app (read-only): no duplicate userName to refuse")
	}
	// The request's id is ignored on create.
	doc2 := s.newUser("withid")
	doc2["id"] = "should-be-ignored"
	created2 := c.must(201, "POST", "/Users", doc2)
	if str(created2["id"]) == "should-be-ignored" {
		t.Fatalf("POST used the request's id")
	}
}

// createUser POSTs a new user and returns what was sent and what the server answered.
func (s *suite) createUser(t *testing.T, c *client, label string) (sent, created map[string]any) {
	t.Helper()
	sent = s.newUser(label)
	created = c.must(201, "POST", "/Users", sent)
	if str(created["id"]) == "" {
		t.Fatalf("POST /Users answered no id: %s", mustJSON(created))
	}
	return sent, created
}

func (s *suite) profilePush(t *testing.T, c *client) {
	doc, created := s.createUser(t, c, "profile")
	id := str(created["id"])
	put := s.newUser("profile2")
	put["id"] = id
	put["password"] = doc["password"] // the agent always sends the current password
	if doc["password"] == nil {
		delete(put, "password")
	}
	got := c.must(200, "PUT", "/Users/"+url.PathEscape(id), put)
	if str(got["id"]) != id {
		t.Fatalf("id changed on PUT: %v -> %v", id, got["id"])
	}
	s.checkUser(t, put, got)
	// userName changed, id did not: the old name no longer finds it, the new one does. A
	// computed userName changes with the attributes it is computed from.
	oldName, newName := str(created["userName"]), str(got["userName"])
	if s.userNameWritable() && !strings.EqualFold(newName, str(put["userName"])) {
		t.Fatalf("userName after PUT: sent %q, stored %q", put["userName"], newName)
	}
	if !strings.EqualFold(oldName, newName) {
		if res := s.checkExists(t, c, oldName); len(res) != 0 {
			t.Fatalf("old userName %q still found", oldName)
		}
	} else {
		t.Logf("userName %q did not change with the profile", newName)
	}
	if res := s.checkExists(t, c, newName); len(res) != 1 || str(obj(res[0])["id"]) != id {
		t.Fatalf("new userName %q not found: %v", newName, res)
	}
	s.checkUser(t, put, c.must(200, "GET", "/Users/"+url.PathEscape(id), nil))
	c.wantError(404, "PUT", "/Users/999999999", put)
	if s.userNameWritable() {
		// Renaming onto another user's userName is a conflict.
		other, _ := s.createUser(t, c, "other")
		clash := s.newUser("clash")
		clash["userName"] = other["userName"]
		c.wantError(409, "PUT", "/Users/"+url.PathEscape(id), clash)
	} else {
		t.Logf("userName is computed by the app (read-only): no rename onto another userName to refuse")
	}
	// A wrongly typed value is a 400 that names the field, and changes nothing.
	for _, a := range s.m.Users.Attributes {
		if a.URN != "" && a.Writable() && a.Type != "string" {
			badDoc := s.newUser("badtype")
			obj(badDoc[a.URN])[a.Name] = map[string]any{"not": "scalar"}
			c.wantError(400, "PUT", "/Users/"+url.PathEscape(id), badDoc, a.Path)
			s.checkUser(t, put, c.must(200, "GET", "/Users/"+url.PathEscape(id), nil))
			break
		}
	}
}

func (s *suite) setActive(t *testing.T, c *client, doc map[string]any, id string, active bool) map[string]any {
	t.Helper()
	doc["active"] = active
	got := c.must(200, "PUT", "/Users/"+url.PathEscape(id), doc)
	if got["active"] != active {
		t.Fatalf("PUT active=%v answered active=%v", active, got["active"])
	}
	if now := c.must(200, "GET", "/Users/"+url.PathEscape(id), nil); now["active"] != active {
		t.Fatalf("after PUT active=%v, GET says %v", active, now["active"])
	}
	return got
}

func (s *suite) deactivate(t *testing.T, c *client) {
	doc, created := s.createUser(t, c, "deact")
	id := str(created["id"])
	s.setActive(t, c, doc, id, false)
	body := c.must(200, "GET", s.filterPath(`userName eq "`+str(created["userName"])+`" and active eq false`), nil)
	if num(body["totalResults"]) != 1 {
		t.Fatalf("active eq false filter: %s", mustJSON(body))
	}
	s.setActive(t, c, doc, id, true)
}

func (s *suite) passwordPush(t *testing.T, c *client) {
	doc, created := s.createUser(t, c, "pw")
	id := str(created["id"])
	before := s.storedPassword(t, id)
	doc["password"] = "New-Secret-" + s.tag
	got := c.must(200, "PUT", "/Users/"+url.PathEscape(id), doc)
	if strings.Contains(string(mustJSON(got)), "New-Secret") {
		t.Fatalf("password echoed: %s", mustJSON(got))
	}
	after := s.storedPassword(t, id)
	if after == before || after == "" {
		t.Fatalf("stored password did not change")
	}
	if a := s.m.Users.Attr("password"); a.Hash == "bcrypt" {
		if !strings.HasPrefix(after, "$2") || strings.Contains(after, "New-Secret") {
			t.Fatalf("stored password is not a bcrypt hash: %q", after)
		}
	}
	// A profile push carries the same password again: the stored hash stays as it is.
	doc["name"] = map[string]any{"givenName": "Changed", "familyName": "Again"}
	c.must(200, "PUT", "/Users/"+url.PathEscape(id), doc)
	if again := s.storedPassword(t, id); again != after {
		t.Fatalf("a profile push with the same password rewrote the hash")
	}
}

func (s *suite) storedPassword(t *testing.T, id string) string {
	t.Helper()
	a := s.m.Users.Attr("password")
	if a == nil || a.Column == "" || s.tg.DB == nil {
		return ""
	}
	d := s.tg.Dialect
	q := sqlgen.ColumnByKey(d, s.m.Users.Table, a.Column, s.m.Users.ID.Column)
	var arg any = id
	if s.m.Users.ID.Type == "integer" {
		var n int64
		fmt.Sscan(id, &n)
		arg = n
	}
	var v sql.NullString
	if err := s.tg.DB.QueryRow(q, arg).Scan(&v); err != nil {
		t.Fatalf("reading the stored password: %v", err)
	}
	return v.String
}

func (s *suite) pending(t *testing.T, c *client) {
	doc := s.newUser("pending")
	doc["active"] = false
	created := c.must(201, "POST", "/Users", doc)
	if created["active"] != false {
		t.Fatalf("pending user created active: %v", created["active"])
	}
	res := s.checkExists(t, c, str(created["userName"]))
	if len(res) != 1 || obj(res[0])["active"] != false {
		t.Fatalf("pending user lookup: %v", res)
	}
	s.setActive(t, c, doc, str(created["id"]), true)
}

func (s *suite) filters(t *testing.T, c *client) {
	doc, created := s.createUser(t, c, "filter")
	_, otherCreated := s.createUser(t, c, "filterb")
	id, otherID := str(created["id"]), str(otherCreated["id"])
	u := s.m.Users
	type tc struct {
		filter string
		want   []string
	}
	var cases []tc
	// Lookups use what the server answered: for a writable userName that is what was sent.
	userName, otherName := str(created["userName"]), str(otherCreated["userName"])
	cases = append(cases,
		tc{`userName eq "` + userName + `"`, []string{id}},
		tc{`USERNAME EQ "` + strings.ToUpper(userName) + `"`, []string{id}},
		tc{`userName eq "` + userName + `" OR userName eq "` + otherName + `"`, []string{id, otherID}},
		tc{`userName eq "` + userName + `" Or userName eq "nobody@example.com"`, []string{id}},
		tc{`id eq "` + id + `"`, []string{id}},
		tc{`(userName eq "` + userName + `") and userName pr`, []string{id}},
		// LIKE wildcards in values are literals.
		tc{`userName sw "` + s.tag + `%"`, nil},
		tc{`userName co "_"`, nil},
		tc{`userName eq "x' OR '1'='1"`, nil},
	)
	if s.userNameWritable() {
		// The suite chose these userNames: <tag>filter<n>@example.com and <tag>filterb<n>@...
		cases = append(cases,
			tc{`userName sw "` + s.tag + `filter"`, []string{id, otherID}},
			tc{`userName co "filterb"`, []string{otherID}},
			tc{`userName ew "` + strings.TrimPrefix(userName, s.tag) + `"`, []string{id}},
			tc{`userName sw "` + s.tag + `filter" and not (userName co "filterb")`, []string{id}},
		)
	} else {
		// The app chose them; a piece of each still finds only its user.
		r, o := []rune(userName), []rune(otherName)
		head, tail, mid := string(r[:len(r)-1]), string(r[1:]), string(o[1:len(o)-1])
		cases = append(cases,
			tc{`userName sw "` + head + `"`, []string{id}},
			tc{`userName co "` + mid + `"`, []string{otherID}},
			tc{`userName ew "` + tail + `"`, []string{id}},
			tc{`(userName sw "` + head + `" or userName co "` + mid + `") and not (userName co "` + mid + `")`, []string{id}},
		)
	}
	narrow := func(a *mappings.Attribute) string {
		if s.sampled(a) {
			return ` and userName eq "` + userName + `"`
		}
		return ""
	}
	if a := u.Attr("name.givenName"); a != nil {
		given := str(obj(created["name"])["givenName"])
		cases = append(cases, tc{`name.givenName eq "` + given + `"` + narrow(a), []string{id}})
	}
	if a := u.Attr("name.familyName"); a != nil {
		cases = append(cases, tc{`name.familyName eq "` + str(obj(created["name"])["familyName"]) + `"` + narrow(a), []string{id}})
	}
	if emails := u.Multi("emails"); len(emails) > 0 {
		p := primaryOf(emails)
		var primaryEmail, otherEmail string
		for _, it := range list(created["emails"]) {
			if str(obj(it)["type"]) == p.Name {
				primaryEmail = str(obj(it)["value"])
			}
		}
		for _, it := range list(otherCreated["emails"]) {
			if str(obj(it)["type"]) == p.Name {
				otherEmail = str(obj(it)["value"])
			}
		}
		if primaryEmail == "" || otherEmail == "" {
			t.Fatalf("no %s e-mail in the created users:\n%s\n%s", p.Name, mustJSON(created), mustJSON(otherCreated))
		}
		otherPiece := s.tag + "filterb"
		if !p.Writable() {
			o := []rune(otherEmail)
			otherPiece = string(o[1 : len(o)-1])
		}
		cases = append(cases,
			tc{`email eq "` + primaryEmail + `" OR email eq "` + otherEmail + `"`, []string{id, otherID}},
			tc{`emails eq "` + strings.ToUpper(primaryEmail) + `"`, []string{id}},
			tc{`emails[type eq "` + p.Name + `" and value eq "` + primaryEmail + `"]`, []string{id}},
			tc{`emails[type eq "nosuchtype" and value eq "` + primaryEmail + `"]`, nil},
			tc{`emails[primary eq true and value co "` + otherPiece + `"]`, []string{otherID}},
		)
	}
	if phones := u.Multi("phoneNumbers"); len(phones) > 0 {
		for _, it := range list(created["phoneNumbers"]) {
			cases = append(cases, tc{`phoneNumber eq "` + str(obj(it)["value"]) + `" and userName eq "` + userName + `"`, []string{id}})
			break
		}
	}
	for _, a := range u.Attributes {
		if a.URN == "" || !a.Writable() {
			continue
		}
		v := nested(obj(doc[a.URN]), a.Name)
		switch a.Type {
		case "string":
			cases = append(cases, tc{a.URN + ":" + a.Name + ` eq "` + str(v) + `"` + narrow(a), []string{id}})
		case "boolean":
			cases = append(cases, tc{a.URN + ":" + a.Name + fmt.Sprintf(" eq %v and userName eq \"%s\"", v, userName), []string{id}})
		case "integer", "double":
			among := fmt.Sprintf(" and userName sw %q", s.tag) // unique among this run's users
			if !s.userNameWritable() || s.sampled(a) {
				among = fmt.Sprintf(" and userName eq %q", userName)
			}
			cases = append(cases, tc{a.URN + ":" + a.Name + fmt.Sprintf(" eq %v", v) + among, []string{id}})
		case "date":
			cases = append(cases, tc{a.URN + ":" + a.Name + fmt.Sprintf(" eq %q and userName eq \"%s\"", v, userName), []string{id}})
		}
	}
	for _, cs := range cases {
		body := c.must(200, "GET", s.filterPath(cs.filter), nil)
		var got []string
		for _, r := range list(body["Resources"]) {
			got = append(got, str(obj(r)["id"]))
		}
		sort.Strings(got)
		want := append([]string(nil), cs.want...)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("filter %s: got ids %v, want %v", cs.filter, got, want)
		}
		if num(body["totalResults"]) != len(want) {
			t.Errorf("filter %s: totalResults %v, want %d", cs.filter, body["totalResults"], len(want))
		}
	}
}

func (s *suite) incremental(t *testing.T, c *client) {
	before := time.Now().UTC().Add(-2 * time.Second).Format("2006-01-02T15:04:05Z")
	doc, created := s.createUser(t, c, "incr")
	id := str(created["id"])
	body := c.must(200, "GET", s.filterPath(`meta.lastModified gt "`+before+`"`), nil)
	found := false
	for _, r := range list(body["Resources"]) {
		if str(obj(r)["id"]) == id {
			found = true
		}
	}
	if !found {
		t.Fatalf("meta.lastModified gt %s did not return the user created after it", before)
	}
	future := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z")
	body = c.must(200, "GET", s.filterPath(`meta.lastModified gt "`+future+`"`), nil)
	if num(body["totalResults"]) != 0 {
		t.Fatalf("meta.lastModified gt the future returned %v users", body["totalResults"])
	}
	// A profile push moves lastModified forward.
	got := c.must(200, "GET", "/Users/"+url.PathEscape(id), nil)
	lm1 := str(obj(got["meta"])["lastModified"])
	time.Sleep(1100 * time.Millisecond)
	doc["name"] = map[string]any{"givenName": "Moved", "familyName": "On"}
	got = c.must(200, "PUT", "/Users/"+url.PathEscape(id), doc)
	if lm2 := str(obj(got["meta"])["lastModified"]); !(lm2 > lm1) {
		t.Fatalf("lastModified did not advance on PUT: %s -> %s", lm1, lm2)
	}
	c.wantError(400, "GET", s.filterPath(`meta.lastModified gt "yesterday"`), nil, "lastModified")
}

func (s *suite) importPaging(t *testing.T, c *client) {
	n := s.tg.ImportUsers
	if n == 0 {
		n = 260
	}
	// The walk covers every user, including those other subtests made; create enough of our own.
	for i := 0; i < n; i++ {
		doc := s.newUser("imp")
		delete(doc, "password") // bcrypt for hundreds of users only slows the test
		c.must(201, "POST", "/Users", doc)
	}
	total := -1
	seen := map[string]bool{}
	var order []string
	for start := 1; ; start += 100 {
		body := c.must(200, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", start), nil)
		res := list(body["Resources"])
		if total == -1 {
			total = num(body["totalResults"])
			if total < n {
				t.Fatalf("totalResults %d < %d users created", total, n)
			}
		} else if num(body["totalResults"]) != total {
			t.Fatalf("totalResults changed between pages: %d then %v", total, body["totalResults"])
		}
		if num(body["startIndex"]) != start || num(body["itemsPerPage"]) != len(res) {
			t.Fatalf("page %d: startIndex %v itemsPerPage %v for %d resources", start, body["startIndex"], body["itemsPerPage"], len(res))
		}
		for _, r := range res {
			id := str(obj(r)["id"])
			if seen[id] {
				t.Fatalf("id %s returned twice across pages", id)
			}
			seen[id] = true
			order = append(order, id)
		}
		if len(res) < 100 {
			if start+len(res)-1 != total {
				t.Fatalf("last page ends at %d, totalResults %d", start+len(res)-1, total)
			}
			break
		}
	}
	if len(seen) != total {
		t.Fatalf("walked %d ids, totalResults %d", len(seen), total)
	}
	// Without paging, the list is its first page of the largest size served, in the
	// same order, and says so: one request never reads the whole table.
	all := c.must(200, "GET", "/Users", nil)
	res := list(all["Resources"])
	if want := min(total, s.m.Server.Limits.MaxPageSize); len(res) != want || num(all["itemsPerPage"]) != want || num(all["startIndex"]) != 1 || num(all["totalResults"]) != total {
		t.Fatalf("unpaged list: %d resources, itemsPerPage %v, startIndex %v, totalResults %v; want %d, %d, 1, %d",
			len(res), all["itemsPerPage"], all["startIndex"], all["totalResults"], want, want, total)
	}
	for i, r := range res {
		if str(obj(r)["id"]) != order[i] {
			t.Fatalf("unpaged order differs from paged order at %d", i)
		}
	}
	// Past the end: an empty page, not a 404. A page jumped to directly (no cursor) is right too.
	body := c.must(200, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", total+1), nil)
	if len(list(body["Resources"])) != 0 || num(body["totalResults"]) != total {
		t.Fatalf("past the end: %s", mustJSON(body))
	}
	body = c.must(200, "GET", "/Users?startIndex=151&count=7", nil)
	for i, r := range list(body["Resources"]) {
		if str(obj(r)["id"]) != order[150+i] {
			t.Fatalf("direct page at 151: position %d is %s, want %s", i, obj(r)["id"], order[150+i])
		}
	}
	if body := c.must(200, "GET", "/Users?startIndex=1&count=0", nil); len(list(body["Resources"])) != 0 || num(body["totalResults"]) != total {
		t.Fatalf("count=0: %s", mustJSON(body))
	}
}

// newUserID creates a user and returns its id.
func (s *suite) newUserID(t *testing.T, c *client, label string) string {
	t.Helper()
	_, created := s.createUser(t, c, label)
	return str(created["id"])
}

func memberIDs(g map[string]any) []string {
	var out []string
	for _, m := range list(g["members"]) {
		out = append(out, str(obj(m)["value"]))
	}
	sort.Strings(out)
	return out
}

func (s *suite) groups(t *testing.T, c *client) {
	u1, u2, u3 := s.newUserID(t, c, "gm"), s.newUserID(t, c, "gm"), s.newUserID(t, c, "gm")
	name := "Group " + s.tag
	descURN := s.m.App.GroupSchema
	doc := map[string]any{
		"schemas":     []any{"urn:scim:schemas:core:1.0", descURN},
		"id":          "ignored-id",
		"displayName": name,
		"members":     []any{map[string]any{"value": u1, "display": "one"}, map[string]any{"value": u2}},
		descURN:       map[string]any{"description": "made by the conformance suite"},
	}
	g := c.must(201, "POST", "/Groups", doc)
	gid := str(g["id"])
	if gid == "" || gid == "ignored-id" {
		t.Fatalf("group id %q", gid)
	}
	if got := memberIDs(g); strings.Join(got, ",") != strings.Join(sorted(u1, u2), ",") {
		t.Fatalf("members after create: %v", got)
	}
	if s.m.Groups.Description != nil && str(obj(g[descURN])["description"]) != "made by the conformance suite" {
		t.Fatalf("description: %v", g[descURN])
	}
	// Duplicate displayName (any case) is a 409 and writes nothing.
	dup := map[string]any{"displayName": strings.ToUpper(name), "members": []any{}}
	c.wantError(409, "POST", "/Groups", dup)
	// The agent PUTs the complete member list: u2 stays, u1 goes, u3 comes.
	doc["members"] = []any{map[string]any{"value": u2}, map[string]any{"value": u3}, map[string]any{"value": u3}}
	g = c.must(200, "PUT", "/Groups/"+url.PathEscape(gid), doc)
	if got := memberIDs(g); strings.Join(got, ",") != strings.Join(sorted(u2, u3), ",") {
		t.Fatalf("members after PUT: %v", got)
	}
	if got := memberIDs(c.must(200, "GET", "/Groups/"+url.PathEscape(gid), nil)); strings.Join(got, ",") != strings.Join(sorted(u2, u3), ",") {
		t.Fatalf("members after GET: %v", got)
	}
	// A member that is not a user is a 400 and nothing changes, not even the name; under
	// groups.members.unknown: skip the other members are written and that one left out.
	absent := s.absentUserID()
	bad := map[string]any{"displayName": name + " renamed", "members": []any{map[string]any{"value": u1}, map[string]any{"value": "999999999"}, map[string]any{"value": absent}}}
	if s.skipsUnknown() {
		g = c.must(200, "PUT", "/Groups/"+url.PathEscape(gid), bad)
		for _, got := range []map[string]any{g, c.must(200, "GET", "/Groups/"+url.PathEscape(gid), nil)} {
			if str(got["displayName"]) != name+" renamed" || strings.Join(memberIDs(got), ",") != u1 {
				t.Fatalf("a PUT with members that name no user, under unknown: skip: want the rename and %s alone, got %s", u1, mustJSON(got))
			}
		}
		doc["members"] = []any{map[string]any{"value": u2}, map[string]any{"value": u3}}
		c.must(200, "PUT", "/Groups/"+url.PathEscape(gid), doc)
	} else {
		c.wantError(400, "PUT", "/Groups/"+url.PathEscape(gid), bad, "999999999")
	}
	g = c.must(200, "GET", "/Groups/"+url.PathEscape(gid), nil)
	if str(g["displayName"]) != name || strings.Join(memberIDs(g), ",") != strings.Join(sorted(u2, u3), ",") {
		t.Fatalf("a failed PUT changed the group: %s", mustJSON(g))
	}
	// Bodies that are not a group (read by the one-pass group decoder) are a 400 or a 413
	// naming what is wrong, and change nothing.
	gpath := "/Groups/" + url.PathEscape(gid)
	renamed := `{"displayName":` + strconv.Quote(name+" renamed") + `,"members":[`
	c.wantError(400, "PUT", gpath, renamed+`{"value":"`+u1+`"},]}`, "JSON")
	c.wantError(400, "PUT", gpath, renamed+`{"value":"`+u1+`"}`, "JSON")
	c.wantError(400, "PUT", gpath, `[{"value":"`+u1+`"}]`, "JSON")
	c.wantError(400, "PUT", gpath, renamed+`]} {}`, "after the JSON object")
	c.wantError(400, "PUT", gpath, `{"displayName":"x","members":"`+u1+`"}`, "members")
	c.wantError(400, "PUT", gpath, renamed+`{"display":"no value"}]}`, "members[0].value")
	c.wantError(400, "POST", "/Groups", `{"displayName":"Broken `+s.tag+`","members":[{"value":"`+u1+`"}`, "JSON")
	huge := renamed + strings.Repeat(`{"value":"`+u1+`"},`, int(s.m.Server.MaxBody)/len(u1)) + `{"value":"` + u1 + `"}]}`
	c.wantError(413, "PUT", gpath, huge)
	g = c.must(200, "GET", gpath, nil)
	if str(g["displayName"]) != name || strings.Join(memberIDs(g), ",") != strings.Join(sorted(u2, u3), ",") {
		t.Fatalf("a refused body changed the group: %s", mustJSON(g))
	}
	for _, it := range list(c.must(200, "GET", "/Groups", nil)["Resources"]) {
		if str(obj(it)["displayName"]) == "Broken "+s.tag {
			t.Fatalf("a refused POST created a group: %s", mustJSON(it))
		}
	}
	// Rename, and empty the group.
	doc["displayName"] = name + " renamed"
	doc["members"] = []any{}
	g = c.must(200, "PUT", "/Groups/"+url.PathEscape(gid), doc)
	if str(g["displayName"]) != name+" renamed" || len(memberIDs(g)) != 0 {
		t.Fatalf("after rename and empty: %s", mustJSON(g))
	}
	c.wantError(404, "PUT", "/Groups/999999999", doc)
	// Delete answers 204 (no body); the group is gone; a second delete is a 404.
	r := c.do("DELETE", "/Groups/"+url.PathEscape(gid), nil)
	if r.status != 204 && r.status != 200 {
		t.Fatalf("DELETE: %d %s", r.status, r.raw)
	}
	c.wantError(404, "GET", "/Groups/"+url.PathEscape(gid), nil)
	c.wantError(404, "DELETE", "/Groups/"+url.PathEscape(gid), nil)
	// The users are still there.
	c.must(200, "GET", "/Users/"+url.PathEscape(u1), nil)
}

// skipsUnknown reports whether the mapping leaves out members that name no user
// (groups.members.unknown: skip) rather than refusing the write.
func (s *suite) skipsUnknown() bool {
	return s.m.Groups != nil && s.m.Groups.Members != nil && s.m.Groups.Members.Unknown == mappings.UnknownSkip
}

// absentUserID is an id of the users' key type that no user has.
func (s *suite) absentUserID() string {
	switch s.m.Users.ID.Type {
	case "integer":
		return "987654321"
	case "uuid":
		return "00000000-0000-4000-8000-00000000dead"
	}
	return "nobody-" + s.tag
}

func (s *suite) groupImport(t *testing.T, c *client) {
	u1 := s.newUserID(t, c, "gi")
	var ids []string
	for i := 0; i < 3; i++ {
		g := c.must(201, "POST", "/Groups", map[string]any{"displayName": fmt.Sprintf("Import %s %d", s.tag, i), "members": []any{map[string]any{"value": u1}}})
		ids = append(ids, str(g["id"]))
	}
	seen := map[string]bool{}
	total := -1
	for start := 1; ; start += 2 {
		body := c.must(200, "GET", fmt.Sprintf("/Groups?startIndex=%d&count=2", start), nil)
		if total == -1 {
			total = num(body["totalResults"])
		}
		res := list(body["Resources"])
		for _, r := range res {
			if seen[str(obj(r)["id"])] {
				t.Fatalf("group %v twice", obj(r)["id"])
			}
			seen[str(obj(r)["id"])] = true
		}
		if len(res) < 2 {
			break
		}
	}
	if len(seen) != total {
		t.Fatalf("walked %d groups, totalResults %d", len(seen), total)
	}
	for _, id := range ids {
		if !seen[id] {
			t.Fatalf("group %s missing from the import", id)
		}
	}
}

func sorted(s ...string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// addressItem is the address of a's type in doc, added when it is not there yet.
func addressItem(doc map[string]any, a *mappings.Attribute) map[string]any {
	for _, it := range list(doc[mappings.Addresses]) {
		if strings.EqualFold(str(obj(it)["type"]), a.Item) {
			return obj(it)
		}
	}
	it := map[string]any{"type": a.Item}
	doc[mappings.Addresses] = append(list(doc[mappings.Addresses]), it)
	return it
}

// setNested sets name in m, a sub-attribute (manager.value) in its own object, as
// clients send it.
func setNested(m map[string]any, name string, v any) {
	head, rest, ok := strings.Cut(name, ".")
	if !ok {
		m[name] = v
		return
	}
	inner := obj(m[head])
	if inner == nil {
		inner = map[string]any{}
		m[head] = inner
	}
	setNested(inner, rest, v)
}

// nested reads name from m, a sub-attribute from its own object.
func nested(m map[string]any, name string) any {
	head, rest, ok := strings.Cut(name, ".")
	if !ok {
		return m[name]
	}
	return nested(obj(m[head]), rest)
}
