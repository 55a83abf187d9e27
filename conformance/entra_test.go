package conformance_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
)

// examples/entra is the starting point for Microsoft Entra ID: the whole core User
// (addresses, meta.created, deletes), the enterprise extension with manager, and Group.
// On every database it must pass Okta's flows, what Entra sends, and a replay of
// Microsoft's SCIM test collection (the Postman collection of Microsoft's SCIM reference
// code) request by request, assertion by assertion.

const entraToken = "entra-demo-token" // the mapping's default secret token

func entraTarget(t *testing.T, d dialects.Dialect, dsn, schema string) conformance.Target {
	t.Helper()
	tg := target(t, d, dsn, root("examples", "entra", "mapping.yaml"), schema, allCapabilities)
	tg.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+entraToken) }
	return tg
}

func entraSQLite(t *testing.T) conformance.Target {
	return entraTarget(t, sqlite.New(), filepath.Join(t.TempDir(), "entra.db"), root("testdata", "entra", "sqlite.sql"))
}

func entraPostgres(t *testing.T) conformance.Target {
	d := postgres.New()
	dsn := conformance.PostgresSchema(t, d, conformance.DSN(t, "SCIMSQL_TEST_POSTGRES_DSN"))
	return entraTarget(t, d, dsn, root("examples", "entra", "schema.sql"))
}

func entraMySQL(t *testing.T) conformance.Target {
	d := conformance.MySQL()
	dsn := conformance.MySQLDatabase(t, d, conformance.DSN(t, "SCIMSQL_TEST_MYSQL_DSN"))
	return entraTarget(t, d, dsn, root("testdata", "entra", "mysql.sql"))
}

func TestEntraExample(t *testing.T) {
	for _, db := range []struct {
		name string
		tg   func(*testing.T) conformance.Target
	}{{"sqlite", entraSQLite}, {"postgres", entraPostgres}, {"mysql", entraMySQL}} {
		t.Run(db.name, func(t *testing.T) {
			t.Run("okta", func(t *testing.T) {
				// Okta reads the user from a PATCH's answer: its setting, on this example.
				tg := db.tg(t)
				tg.Mapping.Server.UserPatchStatus = 200
				conformance.Run(t, tg)
			})
			t.Run("suite with 204 on user PATCH", func(t *testing.T) { conformance.Run(t, db.tg(t)) })
			t.Run("what Entra sends", func(t *testing.T) { entraFlows(t, db.tg(t)) })
			t.Run("Microsoft's collection", func(t *testing.T) { microsoftCollection(t, db.tg(t)) })
		})
	}
}

// ms sends one request as a client would: the body as raw JSON text, the path under the
// Tenant URL (base path and /v2), and the bearer token; it returns the status, the
// decoded answer (nil when empty) and the raw text.
func ms(t *testing.T, tg conformance.Target, method, path, body string, header ...string) (int, map[string]any, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest(method, tg.Mapping.Server.BasePath+"/v2"+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tg.Auth(req)
	rec := httptest.NewRecorder()
	tg.Handler.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 && strings.HasPrefix(strings.TrimSpace(rec.Body.String()), "{") {
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v: %s", method, path, err, rec.Body.String())
		}
	}
	return rec.Code, out, rec.Body.String(), rec.Header()
}

// entraFlows is what Entra ID sends (learn.microsoft.com, "Tutorial: Develop and plan
// provisioning for a SCIM endpoint"), and what strict validators check: the answers, and
// what the database holds.
func entraFlows(t *testing.T, tg conformance.Target) {
	must := func(want int, method, path, body string, header ...string) (map[string]any, http.Header) {
		t.Helper()
		code, out, raw, h := ms(t, tg, method, path, body, header...)
		if code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, code, raw, want)
		}
		return out, h
	}
	// Entra's test connection: a filter on a random attribute value.
	page, _ := must(200, "GET", "/Users?filter="+url.QueryEscape(`userName eq "non-existent user"`), "")
	if n, _ := page["totalResults"].(json.Number).Int64(); n != 0 || page["Resources"] == nil {
		t.Fatalf("test connection: %v", page)
	}
	// Create, as Entra does, with the enterprise extension, addresses and an IM.
	created, h := must(201, "POST", "/Users", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", "userName": "Test_User_ab6490ee@testuser.com", "active": true,
		"displayName": "Test User", "title": "Engineer", "preferredLanguage": "en-US",
		"name": {"formatted": "Test User", "familyName": "User", "givenName": "Test"},
		"emails": [{"primary": true, "type": "work", "value": "Test_User_ab6490ee@testuser.com"}],
		"phoneNumbers": [{"type": "work", "value": "+1 555 0100"}, {"type": "mobile", "value": "+1 555 0101"}],
		"ims": [{"type": "other", "value": "test.user@im.example"}],
		"addresses": [{"type": "work", "streetAddress": "1 Microsoft Way", "locality": "Redmond", "region": "WA", "postalCode": "98052", "country": "US", "primary": true}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984", "department": "Tour Operations", "manager": {"value": "boss-1"}}
	}`)
	id := str(created["id"])
	meta := obj(created["meta"])
	if meta["created"] == nil || meta["lastModified"] == nil || h.Get("ETag") == "" || h.Get("ETag") != str(meta["version"]) {
		t.Fatalf("a created user's meta and ETag: %v, ETag %q", meta, h.Get("ETag"))
	}
	addr := list(created["addresses"])
	if len(addr) != 1 || str(obj(addr[0])["locality"]) != "Redmond" || obj(addr[0])["primary"] != true || str(obj(addr[0])["type"]) != "work" {
		t.Fatalf("addresses: %s", jsonOf(created["addresses"]))
	}
	if ims := list(created["ims"]); len(ims) != 1 || str(obj(ims[0])["value"]) != "test.user@im.example" {
		t.Fatalf("ims: %s", jsonOf(created["ims"]))
	}
	var street, locality, manager string
	if err := tg.DB.QueryRow("SELECT work_street, work_locality, manager_id FROM directory_users WHERE user_id = "+tg.Dialect.Placeholder(1), id).Scan(&street, &locality, &manager); err != nil {
		t.Fatal(err)
	}
	if street != "1 Microsoft Way" || locality != "Redmond" || manager != "boss-1" {
		t.Fatalf("stored: %q %q %q", street, locality, manager)
	}
	path := "/Users/" + id
	// Entra's PATCH forms: the address by value path (creating the home one it lacks),
	// the manager as a bare id, then removed, and a mixed-case op.
	must(204, "PATCH", path, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
		{"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Seattle"},
		{"op": "Add", "path": "addresses[type eq \"home\"].postalCode", "value": "98101"},
		{"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "boss-2"},
		{"op": "Replace", "path": "name.formatted", "value": "Test Q. User"}]}`)
	got, h := must(200, "GET", path, "")
	ent := obj(got["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"])
	if str(obj(ent["manager"])["value"]) != "boss-2" || str(obj(got["name"])["formatted"]) != "Test Q. User" {
		t.Fatalf("after PATCH: %s", jsonOf(got))
	}
	types := map[string]map[string]any{}
	for _, a := range list(got["addresses"]) {
		types[str(obj(a)["type"])] = obj(a)
	}
	if str(types["work"]["locality"]) != "Seattle" || str(types["work"]["streetAddress"]) != "1 Microsoft Way" || str(types["home"]["postalCode"]) != "98101" {
		t.Fatalf("addresses after PATCH: %s", jsonOf(got["addresses"]))
	}
	must(204, "PATCH", path, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
		{"op": "Remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]}`)
	var mgr *string
	if err := tg.DB.QueryRow("SELECT manager_id FROM directory_users WHERE user_id = "+tg.Dialect.Placeholder(1), id).Scan(&mgr); err != nil || mgr != nil {
		t.Fatalf("the manager after remove: %v %v", mgr, err)
	}
	// App role assignments: rows of the join table, by PATCH and PUT, checked against the roles.
	roles := func() []string {
		t.Helper()
		rows, err := tg.DB.Query("SELECT role_id FROM directory_user_roles WHERE user_id = "+tg.Dialect.Placeholder(1)+" ORDER BY role_id", id)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var r string
			_ = rows.Scan(&r)
			out = append(out, r)
		}
		return out
	}
	servedRoles := func() string {
		t.Helper()
		u, _ := must(200, "GET", path, "")
		var out []string
		for _, r := range list(u["roles"]) {
			out = append(out, str(obj(r)["value"])+"="+str(obj(r)["display"]))
		}
		return strings.Join(out, ",")
	}
	_, before := must(200, "GET", path, "")
	must(204, "PATCH", path, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
		{"op": "Add", "path": "roles", "value": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]}]}`)
	_, after := must(200, "GET", path, "")
	if got := strings.Join(roles(), ","); got != "Admin" || servedRoles() != "Admin=Administrator" {
		t.Fatalf("after adding Admin: stored %s, served %s", got, servedRoles())
	}
	if before.Get("ETag") == after.Get("ETag") {
		t.Errorf("a change of roles alone left the version at %s", after.Get("ETag"))
	}
	if code, out, _, _ := ms(t, tg, "PATCH", path, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
		{"op": "add", "path": "roles", "value": [{"value": "Auditor"}, {"value": "NoSuchRole"}]}]}`); code != 400 || str(out["scimType"]) != "invalidValue" || !strings.Contains(str(out["detail"]), "NoSuchRole") {
		t.Fatalf("adding a role that does not exist: %d %v", code, out)
	}
	if got := strings.Join(roles(), ","); got != "Admin" {
		t.Fatalf("a refused PATCH changed the roles: %s", got)
	}
	cur0, _ := must(200, "GET", path, "")
	delete(cur0, "roles")
	must(200, "PUT", path, jsonOf(cur0)) // a PUT without roles keeps them
	if got := strings.Join(roles(), ","); got != "Admin" {
		t.Fatalf("a PUT without roles changed them: %s", got)
	}
	cur0["roles"] = []any{map[string]any{"value": "User"}, map[string]any{"value": "Auditor"}, map[string]any{"value": "User"}}
	must(200, "PUT", path, jsonOf(cur0))
	if got := strings.Join(roles(), ","); got != "Auditor,User" {
		t.Fatalf("a PUT with roles User, Auditor: %s", got)
	}
	must(204, "PATCH", path, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "roles[value eq \"User\"]"}]}`)
	if got := strings.Join(roles(), ","); got != "Auditor" {
		t.Fatalf("after removing User: %s", got)
	}
	must(204, "PATCH", path, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "roles", "value": [{"value": "Admin"}]}]}`)
	if got := strings.Join(roles(), ","); got != "Admin" {
		t.Fatalf("after replacing with Admin: %s", got)
	}
	rl, _ := must(200, "GET", "/Roles?filter="+url.QueryEscape(`displayName eq "Administrator"`), "")
	if rs := list(rl["Resources"]); len(rs) != 1 || str(obj(rs[0])["id"]) != "Admin" {
		t.Errorf("/Roles: %s", jsonOf(rl))
	}
	// Filters Entra and validators send: externalId, addresses, name.formatted, meta.created.
	for _, f := range []string{`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`, `addresses[type eq "work" and locality eq "seattle"]`,
		`addresses.postalCode eq "98101"`, `name.formatted co "Q."`, `meta.created gt "2015-10-10T14:38:21.8617979-07:00"`,
		`meta.created le "` + str(meta["created"]) + `"`} {
		p, _ := must(200, "GET", "/Users?filter="+url.QueryEscape(f), "")
		if rs := list(p["Resources"]); len(rs) != 1 || str(obj(rs[0])["id"]) != id {
			t.Errorf("filter %s: %s", f, jsonOf(p))
		}
	}
	p, _ := must(200, "GET", "/Users?sortBy=meta.created&sortOrder=descending&count=1", "")
	if rs := list(p["Resources"]); len(rs) != 1 {
		t.Errorf("sortBy=meta.created: %s", jsonOf(p))
	}
	// ETags: If-None-Match with the current version is a 304; a stale If-Match is a 412 for
	// every write, and the write does not happen.
	cur, h := must(200, "GET", path, "")
	version := h.Get("ETag")
	if version == "" || version != str(obj(cur["meta"])["version"]) {
		t.Fatalf("GET's ETag %q, meta.version %v", version, obj(cur["meta"])["version"])
	}
	if code, _, raw, _ := ms(t, tg, "GET", path, "", "If-None-Match", version); code != 304 || raw != "" {
		t.Errorf("If-None-Match with the current version: %d %s, want 304 with no body", code, raw)
	}
	if code, _, _, _ := ms(t, tg, "GET", path, "", "If-None-Match", `W/"1"`); code != 200 {
		t.Errorf("If-None-Match with another version: %d, want 200", code)
	}
	if code, _, raw, _ := ms(t, tg, "GET", path, "", "If-Match", `W/"0"`); code != 412 {
		t.Errorf("GET with a stale If-Match: %d %s, want 412", code, raw)
	}
	stale := `W/"1"`
	put := strings.Replace(jsonOf(cur), `"Test User"`, `"Stale Write"`, 1)
	for _, w := range []struct{ method, body string }{
		{"PUT", put},
		{"PATCH", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "Stale Write"}]}`},
		{"DELETE", ""},
	} {
		if code, _, raw, _ := ms(t, tg, w.method, path, w.body, "If-Match", stale); code != 412 {
			t.Errorf("%s with a stale If-Match: %d %s, want 412", w.method, code, raw)
		}
	}
	if after, _ := must(200, "GET", path, ""); str(after["displayName"]) != "Test User" {
		t.Fatalf("a refused conditional write wrote: %s", jsonOf(after))
	}
	// With the current version (and with *), they go ahead.
	out, h := must(200, "PUT", path, strings.Replace(jsonOf(cur), `"Test User"`, `"Current Write"`, 1), "If-Match", version)
	if str(out["displayName"]) != "Current Write" || h.Get("ETag") == version {
		t.Fatalf("PUT with the current If-Match: %s, ETag %q (was %q)", jsonOf(out), h.Get("ETag"), version)
	}
	must(204, "PATCH", path, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]}`, "If-Match", h.Get("ETag"))
	sp, _ := must(200, "GET", "/ServiceProviderConfig", "")
	if obj(sp["etag"])["supported"] != true {
		t.Errorf("etag.supported: %v", sp["etag"])
	}
	schemes := list(sp["authenticationSchemes"])
	if len(schemes) != 1 || str(obj(schemes[0])["type"]) != "oauthbearertoken" {
		t.Errorf("authenticationSchemes: %s", jsonOf(schemes))
	}
	// Groups: meta.created and lastModified, filterable; the member lists its group.
	g, h := must(201, "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides", "externalId": "g-1", "members": [{"value": "`+id+`"}]}`)
	gid := str(g["id"])
	if gm := obj(g["meta"]); gm["created"] == nil || gm["lastModified"] == nil || h.Get("ETag") == "" {
		t.Fatalf("a group's meta: %s", jsonOf(g))
	}
	gp, _ := must(200, "GET", "/Groups?filter="+url.QueryEscape(`meta.created ge "2020-01-01T00:00:00Z" and displayName eq "tour guides"`)+"&excludedAttributes=members", "")
	if rs := list(gp["Resources"]); len(rs) != 1 || str(obj(rs[0])["id"]) != gid {
		t.Fatalf("groups by meta.created: %s", jsonOf(gp))
	}
	if u, _ := must(200, "GET", path, ""); len(list(u["groups"])) != 1 || str(obj(list(u["groups"])[0])["display"]) != "Tour Guides" {
		t.Fatalf("the user's groups: %s", jsonOf(u["groups"]))
	}
	// A PATCH that changes nothing (a member added again, a non-member removed) leaves the
	// group's version; one that changes the members moves it.
	_, gh := must(200, "GET", "/Groups/"+gid+"?excludedAttributes=members", "")
	gv := gh.Get("ETag")
	must(204, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
		{"op": "add", "path": "members", "value": [{"value": "`+id+`"}]},
		{"op": "remove", "path": "members[value eq \"00000000-0000-4000-8000-000000000000\"]"}]}`)
	if _, gh = must(200, "GET", "/Groups/"+gid+"?excludedAttributes=members", ""); gh.Get("ETag") != gv {
		t.Errorf("a PATCH that changed nothing moved the group's version from %s to %s", gv, gh.Get("ETag"))
	}
	must(204, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members[value eq \"`+id+`\"]"}]}`)
	if _, gh = must(200, "GET", "/Groups/"+gid+"?excludedAttributes=members", ""); gh.Get("ETag") == gv {
		t.Errorf("removing a member left the group's version at %s", gv)
	}
	must(204, "PATCH", "/Groups/"+gid, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": "`+id+`"}]}]}`)
	// Entra's membership check: the group with that id and that member, or nothing.
	for f, want := range map[string]int{
		`id eq "` + gid + `" and members eq "` + id + `"`:                           1,
		`id eq "` + gid + `" and members[value eq "` + id + `"]`:                    1,
		`id eq "` + gid + `" and members eq "00000000-0000-4000-8000-000000000000"`: 0,
		`members eq "not-an-id"`:                                                    0,
	} {
		p, _ := must(200, "GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(f), "")
		if n := len(list(p["Resources"])); n != want {
			t.Errorf("groups where %s: %d, want %d", f, n, want)
		}
	}
	if code, _, _, _ := ms(t, tg, "DELETE", "/Groups/"+gid, "", "If-Match", stale); code != 412 {
		t.Errorf("DELETE group with a stale If-Match: %d", code)
	}
	// DELETE: the row and its memberships, in one transaction; then 404.
	must(204, "DELETE", path, "")
	must(404, "GET", path, "")
	if got := roles(); len(got) != 0 {
		t.Fatalf("roles after the user's delete: %v", got)
	}
	var n int
	if err := tg.DB.QueryRow("SELECT COUNT(*) FROM directory_group_members WHERE group_id = "+tg.Dialect.Placeholder(1), gid).Scan(&n); err != nil || n != 0 {
		t.Fatalf("memberships after the user's delete: %d %v", n, err)
	}
	must(204, "DELETE", "/Groups/"+gid, "")
}

// microsoftCollection replays Microsoft's SCIM test collection (AzureAD/SCIMReferenceCode,
// PostmanCollection.json) in order: every request with its body as the collection sends
// it, every assertion of its test scripts. Its first request fetches a token from the
// reference server's own /Token endpoint, which no SCIM server has (Entra's secret token
// is configured, here the mapping's): it is not replayed. Of the other assertions, the
// ones scimsql answers otherwise on purpose are listed with the reason; any other failure
// fails the test.
func microsoftCollection(t *testing.T, tg conformance.Target) {
	deliberate := map[string]string{
		"30 Body contians user": `a member's display is the user's own name, not the "displayName" a PATCH sent for it`,
	}
	vars := map[string]string{}
	subst := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "{{"+k+"}}", v)
		}
		for strings.Contains(s, "{{$guid}}") {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			s = strings.Replace(s, "{{$guid}}", fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), 1)
		}
		return s
	}
	passed, failed := 0, 0
	var unexpected []string
	var code int
	var body map[string]any
	var raw string
	step := 0
	send := func(n int, method, path, reqBody string) {
		t.Helper()
		step = n
		code, body, raw, _ = ms(t, tg, method, subst(path), subst(reqBody))
	}
	check := func(name string, ok bool) {
		t.Helper()
		key := fmt.Sprintf("%d %s", step, name)
		if ok {
			passed++
			if why, listed := deliberate[key]; listed {
				unexpected = append(unexpected, key+": passes now, but is listed as answered otherwise ("+why+")")
			}
			return
		}
		failed++
		if why, listed := deliberate[key]; listed {
			t.Logf("collection %s: answered otherwise on purpose: %s (%d %s)", key, why, code, truncated(raw))
			return
		}
		unexpected = append(unexpected, fmt.Sprintf("%s: %d %s", key, code, truncated(raw)))
	}
	status := func(want int) { t.Helper(); check(fmt.Sprintf("Status code is %d", want), code == want) }
	save := func(name string) { vars[name] = str(body["id"]) }
	total := func() int64 { n, _ := body["totalResults"].(json.Number).Int64(); return n }

	// Endpoint tests.
	send(2, "GET", "/users", "")
	status(200)
	send(3, "GET", "/Groups", "")
	status(200)
	send(4, "GET", "/ResourceTypes", "")
	status(200)
	check("User endpoint exists", len(list(body["Resources"])) > 0 && str(obj(list(body["Resources"])[0])["endpoint"]) == "/Users")
	send(5, "GET", "/ServiceProviderConfig", "")
	status(200)
	check("Pach supported is true", obj(body["patch"])["supported"] == true)
	send(6, "GET", "/Schemas", "")
	status(200)
	check("Body contians User Account", strings.Contains(raw, "User Account"))

	// User tests.
	userBody := func(userName, display, formatted, family, given, work, home string, enterprise bool, ext string) string {
		schemas := `"urn:ietf:params:scim:schemas:core:2.0:User"`
		if enterprise {
			schemas = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:User"`
		}
		return `{"userName": "` + userName + `", "active": true, "displayName": "` + display + `", "schemas": [` + schemas + `],
			"externalId": "{{$guid}}", "name": {"formatted": "` + formatted + `", "familyName": "` + family + `", "givenName": "` + given + `"},
			"emails": [{"Primary": true, "type": "work", "value": "` + work + `"}, {"Primary": false, "type": "home", "value": "` + home + `"}]` + ext + `}`
	}
	send(7, "POST", "/Users", userBody("UserName123", "BobIsAmazing", "Ryan Leenay", "Leenay", "Ryan", "testing@bob.com", "testinghome@bob.com", false, ""))
	status(201)
	save("id1")
	send(8, "POST", "/Users", userBody("UserName222", "lennay", "Adrew Ryan", "Ryan", "Andrew", "testing@bob2.com", "testinghome@bob3.com", true,
		`, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"Department": "bob", "Manager": {"Value": "SuzzyQ"}}`))
	status(201)
	save("id2")
	send(9, "GET", "/Users/{{id1}}", "")
	status(200)
	check("Id is requsted", str(body["id"]) == vars["id1"])
	send(10, "GET", "/Users/{{id2}}", "")
	status(200)
	check("Id is requsted", str(body["id"]) == vars["id2"])
	send(11, "GET", "/Users?attributes=userName,emails", "")
	status(200)
	check("Body contians id1", strings.Contains(raw, vars["id1"]))
	send(12, "GET", "/Users/?filter=DisplayName+eq+%22BobIsAmazing%22", "")
	check("Body contians id1", strings.Contains(raw, vars["id1"]))
	send(13, "PATCH", "/Users/{{id1}}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "userName", "value": "ryan3"}]}`)
	send(14, "GET", "/Users/{{id1}}", "")
	status(200)
	check("Id matches", str(body["id"]) == vars["id1"])
	check("Username is changed", str(body["userName"]) == "ryan3")
	send(15, "PUT", "/Users/{{id2}}", strings.Replace(userBody("UserNameReplace2", "BobIsAmazing", "NewName", "Leenay", "Ryan", "testing@bobREPLACE.com", "testinghome@bob.com", true, ""),
		`"externalId"`, `"id": "{{id2}}", "externalId"`, 1))
	status(200)
	send(16, "GET", "/Users/{{id2}}", "")
	status(200)
	check("Name is updated", str(obj(body["name"])["formatted"]) == "NewName")
	send(17, "DELETE", "/Users/{{id1}}", "")
	status(204)
	send(18, "DELETE", "/Users/{{id2}}", "")
	status(204)

	// Group tests.
	send(19, "POST", "/Groups", `{"externalId": "{{$guid}}", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Group1DisplayName", "members": []}`)
	status(201)
	save("groupid")
	send(20, "POST", "/Users", userBody("UserName333", "lennay", "Adrew Ryan", "Ryan", "Andrew", "testing@bob2.com", "testinghome@bob3.com", true, ""))
	status(201)
	save("id3")
	send(21, "POST", "/Users", userBody("UserName444", "lennay", "Adrew Ryan", "Ryan", "Andrew", "testing@bob2.com", "testinghome@bob3.com", true, ""))
	status(201)
	save("id4")
	send(22, "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "externalId": "{{$guid}}", "displayName": "GroupDisplayName2", "members": [{"value": "{{id3}}", "display": "VP"}]}`)
	status(201)
	save("groupid2")
	send(23, "GET", "/Groups", "")
	status(200)
	send(24, "POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "externalId": "{{$guid}}", "displayName": "GroupDisplayName3", "members": []}`)
	status(201)
	save("groupid3")
	send(25, "PUT", "/Groups/{{groupid3}}", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "{{groupid3}}", "displayName": "putName",
		"members": [{"value": "{{id3}}", "display": "VP"}, {"value": "{{id4}}", "display": "SenorVP"}]}`)
	status(200)
	send(26, "GET", "/Groups/{{groupid3}}", "")
	status(200)
	check("Id matches", str(body["id"]) == vars["groupid3"])
	check("Body contians user id3", strings.Contains(raw, vars["id3"]))
	addMember := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"name": "addMember", "op": "add", "path": "members", "value": [{"displayName": "new User", "value": "{{id4}}"}]}]}`
	send(27, "PATCH", "/Groups/{{groupid}}", addMember)
	send(28, "PATCH", "/Groups/{{groupid}}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members[value eq \"{{id4}}\"]"}]}`)
	send(29, "PATCH", "/Groups/{{groupid}}", addMember)
	send(30, "GET", "/Groups/{{groupid}}", "")
	status(200)
	check("Id matches", str(body["id"]) == vars["groupid"])
	check("Body contians user", strings.Contains(raw, "new User"))
	if !strings.Contains(raw, vars["id4"]) {
		t.Errorf("collection 30: the member added by PATCH is not in the group: %s", raw)
	}
	send(31, "PATCH", "/Groups/{{groupid}}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members"}]}`)
	send(32, "GET", "/Groups/{{groupid}}", "")
	status(200)
	check("Id matches", str(body["id"]) == vars["groupid"])
	check("Body contians user", !strings.Contains(raw, "new User"))
	if strings.Contains(raw, vars["id4"]) {
		t.Errorf("collection 32: remove members left a member: %s", raw)
	}
	for i, p := range []string{"/Users/{{id3}}", "/Users/{{id4}}", "/Groups/{{groupid}}", "/Groups/{{groupid2}}", "/Groups/{{groupid3}}"} {
		send(33+i, "DELETE", p, "")
		status(204)
	}

	// ComplexAttribute tests.
	send(38, "POST", "/Users", userBody("UserName111", "BobIsAmazing", "Ryan Leenay", "Leenay", "Ryan", "emailName357", "testinghome@bob.com", true, ""))
	status(201)
	save("id1")
	send(39, "POST", "/Users", userBody("UserName222", "BobIsAmazing", "Ryan Leenay", "Leenay", "Ryan", "jump@bob.com", "testinghome@bob.com", true, ""))
	status(201)
	save("id2")
	send(40, "GET", "/Users?attributes=emails%5Btype+eq+%22work%22%5D", "")
	status(200)
	check("Body contians User1 email", strings.Contains(raw, "emailName357"))
	send(41, "GET", "/Users?attributes=emails%5Bvalue+eq+%22emailName357%22%5D", "")
	status(200)
	check("Body contians User1 email", strings.Contains(raw, "emailName357"))
	send(42, "DELETE", "/Users/{{id1}}", "")
	status(204)
	send(43, "DELETE", "/Users/{{id2}}", "")
	status(204)

	// User tests with garbage.
	garbage := func(userName, active, family, emails, addresses, extra string) string {
		return `{` + userName + `"active": ` + active + `,
			"` + addresses + `": [
				{"country": "Bermuda", "formatted": "9132 Jennifer Way Suite 040\nSouth Nancy, MI 55645", "locality": "West Mercedes", "postalCode": "99265", "region": "Montana", "streetAddress": "4939 Hess Fork", "type": "work", "primary": false},
				{"country": null, "formatted": "18522 Lisa Unions\nEast Gregory, CT 52311", "locality": null, "postalCode": null, "region": null, "streetAddress": null, "type": "other", "primary": false}],
			"displayName": "Kimberly Baker", "emails": ` + emails + `,
			"meta": {"created": "2019-09-18T18:15:26.5788954+00:00", "lastModified": "2019-09-18T18:15:26.5788976+00:00", "resourceType": "User"},
			"name": {"formatted": "Daniel Mcgee", "familyName": "` + family + `", "givenName": "Darl", "honorificPrefix": null, "honorificSuffix": null},
			"phoneNumbers": [{"type": "fax", "primary": false, "value": "312-320-0500"}, {"type": "mobile", "primary": false, "value": "312-320-1707"}, {"type": "work", "primary": true, "value": "312-320-0932"}],
			"preferredLanguage": "xh", "roles": [], "title": "Site engineer", "externalId": "22fbc523-6032-4c5f-939d-5d4850cf3e52",` + extra + `
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}`
	}
	omalleyEmails := `[{"type": "work", "primary": true, "value": "anna33@example.com"}, {"type": "other", "primary": false, "value": "anna33@gmail.com"}]`
	empEmails := `[{"type": "work", "primary": true, "value": "anna33@gmail.com"}, {"type": "work", "primary": false, "value": "anna33@example.com"}]`
	send(44, "POST", "/Users", garbage(`"userName": "OMalley", `, "true", "OMalley", omalleyEmails, "addresses", ""))
	status(201)
	check("Username", str(body["userName"]) == "OMalley")
	check("Active true", body["active"] == true)
	save("1stuserid")
	send(45, "POST", "/Users", garbage(`"userName": "emp1", `, `"True"`, "Employee", empEmails, "addresses", ""))
	status(201)
	check("Active properly set", body["active"] == true)
	save("2nduserid")
	send(46, "GET", "/Users", "")
	status(200)
	check("Results have 2 users", total() == 2)
	check("Body contians OMalley", strings.Contains(raw, "OMalley"))
	send(47, "POST", "/Users", garbage(`"userName": "emp2", `, "true", "Employee", empEmails, "addresses", ""))
	status(201)
	save("3rduserid")
	send(48, "POST", "/Users", garbage(`"userName": "emp3", `, "true", "Employee", empEmails, "addresses", ""))
	status(201)
	save("4thuserid")
	send(49, "POST", "/Users", garbage("", "true", "Employee", empEmails, "addresses", ""))
	status(400)
	send(50, "POST", "/Users", `{
    "acve": tre,
    "adadfdresses": [
        {
            "coudftry": "Beruda",
            "formatted": "9132 Jennifer Way Suite 040\nSouth Nancy, MI 55645",
            "locality": null,
          les": [],
    "title": "Site engineer",
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]
}`)
	status(400)
	for _, n := range []int{51, 52} {
		send(n, "POST", "/Users", garbage(`"userName": "emp3", `, "true", "Employee", empEmails, "addresses", ""))
		status(409)
		check("Body contians Error detial", strings.Contains(raw, "detail"))
	}
	putC := func(userName, addresses string) string {
		return strings.Replace(strings.Replace(strings.Replace(strings.Replace(garbage(`"id": "{{1stuserid}}", `+userName, "false", "OMalley", omalleyEmails, addresses, ""),
			"Bermuda", "Germany", 1), "9132 Jennifer", "1923 Jennifer", 1), "West Mercedes", "East Mercedes", 1), `"country": null`, `"country": "bahams"`, 1)
	}
	send(53, "PUT", "/Users/{{1stuserid}}", putC(`"userame": "OMalley", `, "addresses"))
	status(400)
	send(54, "PUT", "/Users/{{1stuserid}}", putC(`"userName": "OMalley", `, "adreses"))
	status(200)
	check("Body does not contians Addresses", !strings.Contains(raw, "Addresses"))
	send(55, "POST", "/Users", strings.Replace(garbage(`"userName": "enterprise", `, "true", "Employee", empEmails, "addresses",
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"Department": "some department"},`),
		`"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]`, `"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`, 1))
	status(201)
	save("enteruserid")
	send(56, "PATCH", "/Users/{{1stuserid}}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "Replace", "path": "userName", "value": "newusername"}]}`)
	status(204)
	send(57, "PATCH", "/Users/{{1stuserid}}", `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "Replace", "path": "active", "value": false}]}`)
	status(204)
	send(58, "GET", "/Users/{{1stuserid}}", "")
	check("Username changed", str(body["userName"]) == "newusername")
	check("Active changed", body["active"] == false)
	send(59, "PUT", "/Users/{{1stuserid}}", putC(`"userName": "OMalley", `, "addresses"))
	status(200)
	check("Username", str(body["userName"]) == "OMalley")
	check("Active", body["active"] == false)
	check("Body contians Germany", strings.Contains(raw, "Germany"))
	send(60, "GET", "/Users?startIndex=1&count=2", "")
	check("Total results", total() == 5)
	check("JSON Assertion items per page", fmt.Sprint(body["itemsPerPage"]) == "2")
	send(61, "GET", "/Users?attributes=userName,emails", "")
	check("Total results", total() == 5)
	send(62, "POST", "/Users", garbage(`"userName": "emp3", `, "true", "Employee", empEmails, "addresses", ""))
	status(409)
	check("Body contians Error detial", strings.Contains(raw, "detail"))
	send(63, "GET", "/Users?filter="+url.PathEscape("name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)"), "")
	check("Total results", total() == 4)
	send(64, "GET", "/Users?filter="+url.PathEscape("userName sw O"), "")
	check("Total results", total() == 1)
	send(65, "GET", "/Users?filter="+url.PathEscape("meta.Created gt 2015-10-10T14:38:21.8617979-07:00"), "")
	check("Total results", total() == 5)

	// Group tests with garbage.
	send(66, "POST", "/Groups", `{"displayName": "Group 1", "externalId": "015489ea-9410-4306-b583-9f002b2446f7", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}`)
	status(201)
	save("1stgroupid")
	for i, v := range []string{"string id 1", "string id 2"} {
		send(67+i, "PATCH", "/Groups/{{1stgroupid}}", `{"id": "{{1stgroupid}}", "Operations": [{"op": "add", "path": "members", "value": "`+v+`"}], "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`)
		status(204)
		if code == 400 && str(body["scimType"]) != "invalidValue" {
			t.Errorf("collection %d: a member that is no user: %s", 67+i, raw)
		}
	}
	send(69, "GET", "/Groups/{{1stgroupid}}", "")
	status(200)
	// The two are no users: under groups.members.unknown: skip they are left out, not
	// stored, and the group reads back as it is.
	if ms := list(body["members"]); len(ms) != 0 || strings.Contains(raw, "string id") {
		t.Errorf("collection 69: members that name no user were stored: %s", raw)
	}
	send(70, "GET", "/Groups/{{1stgroupid}}?excludedAttributes=members", "")
	status(200)
	send(71, "PUT", "/Groups/{{1stgroupid}}", `{"id": "{{1stgroupid}}", "displayName": "Tiffany Ortiz", "externalId": "6c6b54c2-fa81-4234-ad4f-420ec6808049", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}`)
	status(200)
	check("Your test name", str(body["displayName"]) == "Tiffany Ortiz")

	// Teardown.
	for i, p := range []string{"/Users/{{1stuserid}}", "/Users/{{2nduserid}}", "/Users/{{3rduserid}}", "/Users/{{4thuserid}}", "/Users/{{enteruserid}}", "/Groups/{{1stgroupid}}"} {
		send(72+i, "DELETE", p, "")
		status(204)
	}
	send(78, "GET", "/Users?attributes=userName", "")
	status(200)
	check("Users cleared", body["Resources"] != nil && len(list(body["Resources"])) == 0)
	send(79, "GET", "/Groups", "")
	status(200)
	check("Groups cleared", body["Resources"] != nil && len(list(body["Resources"])) == 0)

	t.Logf("Microsoft's collection: %d of %d assertions pass (its Get Token request is not replayed)", passed, passed+failed)
	for _, u := range unexpected {
		t.Errorf("collection %s", u)
	}
}

func truncated(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

func list(v any) []any { l, _ := v.([]any); return l }
