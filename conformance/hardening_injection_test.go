package conformance_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/dialects"
)

// hostileValues go into every value position: SQL quoting and comment syntax, LIKE
// wildcards and escape characters of every dialect, placeholders of every driver,
// template and environment syntax, NUL bytes, unicode and long strings.
func hostileValues() []string {
	rnd := rand.New(rand.NewSource(7))
	long := make([]byte, 3000)
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'\"%_![]\\;-/*"
	for i := range long {
		long[i] = alphabet[rnd.Intn(len(alphabet))]
	}
	return []string{
		`'`, `''`, `x' OR '1'='1`, `x'; DROP TABLE users; --`, `"`, `x"; DROP TABLE "users"; --`,
		`\`, `\'`, `\\'; SELECT 1; --`, `%`, `100%`, `_`, `a_b`, `!`, `a!%b`, `!!`, `[`, `[a-z]%`, `[^a]`,
		`--`, `a -- b`, `;`, `a; b`, `/* */`, `/*`, `*/ 1 /*`, "`users`", `$1`, `?`, `@p1`, `:name`,
		`{{col "user_name"}}`, `${APP_DSN}`, `%s%d%n%x`, `0x41`, `CHAR(65)`, `1 OR 1=1`, `) OR (1=1`,
		"nul\x00byte", "\x00", "tab\tand\nnewline\r", "ünïcödé ✓ 𝄞 עברית 日本語", "\u202egnp.exe", "zero\u200bwidth",
		strings.Repeat(`ab'%_\`, 40), string(long),
	}
}

// ordinary reports whether every database must store v: short, without NUL (PostgreSQL
// refuses NUL in text, and a 400 says so).
func ordinary(v string) bool { return len(v) <= 64 && !strings.Contains(v, "\x00") }

func quoteFilter(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// userFields reads the attributes the injection test writes from a 1.1 or 2.0 document.
func userFields(doc map[string]any) map[string]string {
	f := map[string]string{"userName": hStr(doc["userName"])}
	name := hObj(doc["name"])
	f["givenName"], f["familyName"] = hStr(name["givenName"]), hStr(name["familyName"])
	for _, e := range hList(doc["emails"]) {
		f["email."+hStr(hObj(e)["type"])] = hStr(hObj(e)["value"])
	}
	for _, p := range hList(doc["phoneNumbers"]) {
		f["phone."+hStr(hObj(p)["type"])] = hStr(hObj(p)["value"])
	}
	f["department"] = hStr(hObj(doc["urn:okta:onprem_app:1.0:user:custom"])["departmentName"])
	return f
}

func userDoc(f map[string]string, v2 bool) map[string]any {
	doc := map[string]any{
		"userName": f["userName"],
		"name":     map[string]any{"givenName": f["givenName"], "familyName": f["familyName"]},
		"emails": []any{
			map[string]any{"value": f["email.primary"], "type": "primary", "primary": true},
			map[string]any{"value": f["email.secondary"], "type": "secondary"},
		},
		"phoneNumbers":                        []any{map[string]any{"value": f["phone.mobile"], "type": "mobile"}},
		"urn:okta:onprem_app:1.0:user:custom": map[string]any{"departmentName": f["department"]},
		"active":                              true,
		"password":                            `P'w"; --%_\x`,
	}
	if v2 {
		doc["schemas"] = []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:okta:onprem_app:1.0:user:custom"}
	} else {
		doc["schemas"] = []any{"urn:scim:schemas:core:1.0", "urn:okta:onprem_app:1.0:user:custom"}
	}
	return doc
}

func sameFields(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s reads back %q, want %q (byte for byte)", what, k, trim(got[k]), trim(w))
		}
	}
}

func trim(s string) string {
	if len(s) > 80 {
		return strings.ToValidUTF8(s[:80], "") + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

// no5xx asserts a 2xx or 4xx answer with, for errors, a SCIM error body.
func no5xx(t *testing.T, what string, r hres) {
	t.Helper()
	if r.status >= 500 {
		t.Errorf("%s: status %d: %s", what, r.status, trim(string(r.raw)))
		return
	}
	if r.status >= 400 && hStr(r.body["detail"]) == "" {
		t.Errorf("%s: status %d without a SCIM error detail: %s", what, r.status, trim(string(r.raw)))
	}
}

// TestHardeningInjection sends hostile values in every value position through both
// protocol versions, on every database, and checks that each request gets a 2xx or 4xx,
// that what was stored reads back byte for byte, that LIKE wildcards match literally,
// and that afterwards every table holds exactly the rows it should, other users' rows
// unchanged.
func TestHardeningInjection(t *testing.T) {
	onEveryDB(t, func(t *testing.T, d dialects.Dialect, dsn, schema string) {
		n := newNode(t, d, dsn, schema)
		injection(t, n, d)
	})
}

func injection(t *testing.T, n *node, d dialects.Dialect) {
	// Bystanders: rows no hostile request may touch.
	var by []string
	for i := 0; i < 3; i++ {
		f := map[string]string{"userName": fmt.Sprintf("bystander%d@example.com", i), "givenName": "By", "familyName": fmt.Sprintf("Stander%d", i),
			"email.primary": fmt.Sprintf("by%d@example.com", i), "email.secondary": "", "phone.mobile": "+1 555 0100", "department": "Ops"}
		by = append(by, hStr(n.must(201, "POST", "/Users", userDoc(f, false)).body["id"]))
	}
	byGroup := n.createGroup("bystanders", by[0], by[1])
	snapshot := func() string {
		return hChecksum(t, n.db, d, "users", "id", "id IN "+hInList(by)) + " | " +
			hChecksum(t, n.db, d, "groups", "id", "id = "+byGroup) + " | " +
			hChecksum(t, n.db, d, "group_members", "group_id, user_id", "group_id = "+byGroup)
	}
	before := snapshot()
	wantUsers, wantGroups, wantMembers := 3, 1, 2

	// Users with hostile values everywhere, half through 1.1 and half through 2.0.
	final := map[string]map[string]string{} // id -> fields as they must read back
	var refused []string
	for i, v := range hostileValues() {
		v2 := i%2 == 1
		f := map[string]string{
			"userName": fmt.Sprintf("h%d:%s", i, v), "givenName": v, "familyName": v + "~",
			"email.primary": "e" + v, "email.secondary": v, "phone.mobile": v, "department": v,
		}
		path := "/Users"
		if v2 {
			path = "/v2/Users"
		}
		r := n.do("POST", path, userDoc(f, v2))
		no5xx(t, fmt.Sprintf("POST %s with %q", path, trim(v)), r)
		if r.status != 201 {
			if ordinary(v) {
				t.Errorf("POST %s with the ordinary value %q: status %d: %s", path, v, r.status, r.raw)
			}
			refused = append(refused, fmt.Sprintf("%q (%d %s)", trim(v), r.status, trim(hStr(r.body["detail"]))))
			continue
		}
		wantUsers++
		id := hStr(r.body["id"])
		sameFields(t, "created "+fmt.Sprintf("%q", trim(v)), userFields(r.body), f)
		sameFields(t, "GET /Users of "+fmt.Sprintf("%q", trim(v)), userFields(n.must(200, "GET", "/Users/"+id, nil).body), f)
		sameFields(t, "GET /v2/Users of "+fmt.Sprintf("%q", trim(v)), userFields(n.must(200, "GET", "/v2/Users/"+id, nil).body), f)

		// Filters with the value, exact: the one user, no other.
		for _, flt := range []string{
			"userName eq " + quoteFilter(f["userName"]),
			"name.familyName eq " + quoteFilter(f["familyName"]) + " and userName sw " + quoteFilter(fmt.Sprintf("h%d:", i)),
			"urn:okta:onprem_app:1.0:user:custom:departmentName eq " + quoteFilter(v) + " and userName sw " + quoteFilter(fmt.Sprintf("h%d:", i)),
			"emails[type eq \"secondary\" and value eq " + quoteFilter(v) + "] and userName ew " + quoteFilter(fmt.Sprintf(":%s", v)),
		} {
			if strings.HasPrefix(flt, "emails[") && d.Facts().Name == "mysql" && strings.Trim(v, "\x00") == "" {
				// utf8mb4_unicode_ci ignores NUL: "\x00" = '' there, and an item whose
				// column is '' does not exist (the collation's call, not an injection).
				continue
			}
			for _, p := range []string{"/Users", "/v2/Users"} {
				r := n.do("GET", p+"?filter="+url.QueryEscape(flt), nil)
				no5xx(t, "GET "+p+" filter "+trim(flt), r)
				if r.status == 200 {
					res := hList(r.body["Resources"])
					if len(res) != 1 || hStr(hObj(res[0])["id"]) != id {
						t.Errorf("GET %s?filter=%s: %d results, want exactly user %s", p, trim(flt), len(res), id)
					}
				} else if ordinary(v) {
					t.Errorf("GET %s?filter=%s: status %d: %s", p, trim(flt), r.status, r.raw)
				}
			}
		}
		// co with the value: only users whose userName really contains it.
		if ordinary(v) && isASCII(v) {
			r := n.do("GET", "/v2/Users?filter="+url.QueryEscape("userName co "+quoteFilter(v)), nil)
			no5xx(t, "co "+v, r)
			found := false
			for _, u := range hList(r.body["Resources"]) {
				un := hStr(hObj(u)["userName"])
				if !strings.Contains(strings.ToLower(un), strings.ToLower(v)) {
					t.Errorf("userName co %q matched %q", v, un)
				}
				found = found || hStr(hObj(u)["id"]) == id
			}
			if !found {
				t.Errorf("userName co %q did not match the user holding it", v)
			}
		}

		// PATCH (2.0) with the value in attribute and value-path positions.
		f2 := map[string]string{}
		for k, x := range f {
			f2[k] = x
		}
		f2["givenName"], f2["email.secondary"], f2["department"] = "p"+v, "s"+v, "d"+v
		r = n.do("PATCH", "/v2/Users/"+id, map[string]any{
			"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{
				map[string]any{"op": "replace", "path": "name.givenName", "value": f2["givenName"]},
				map[string]any{"op": "replace", "path": `emails[type eq "secondary"].value`, "value": f2["email.secondary"]},
				map[string]any{"op": "replace", "value": map[string]any{"urn:okta:onprem_app:1.0:user:custom:departmentName": f2["department"]}},
			},
		})
		no5xx(t, "PATCH with "+trim(v), r)
		if r.status == 200 {
			f = f2
			sameFields(t, "PATCH of "+fmt.Sprintf("%q", trim(v)), userFields(r.body), f)
		} else if ordinary(v) {
			t.Errorf("PATCH with %q: status %d: %s", v, r.status, r.raw)
		}
		// PUT (1.1) of the whole user.
		f3 := map[string]string{}
		for k, x := range f {
			f3[k] = x
		}
		f3["familyName"], f3["phone.mobile"] = "u"+v, "m"+v
		r = n.do("PUT", "/Users/"+id, userDoc(f3, false))
		no5xx(t, "PUT with "+trim(v), r)
		if r.status == 200 {
			f = f3
		} else if ordinary(v) {
			t.Errorf("PUT with %q: status %d: %s", v, r.status, r.raw)
		}
		final[id] = f
	}
	t.Logf("%s: %d hostile users stored and read back; refused with a 4xx: %s", d.Facts().Name, len(final), strings.Join(refused, ", "))

	// Ids in paths: never a 5xx, never a row touched.
	// As they appear on the wire: raw values path-escaped, and some pre-encoded forms.
	var wireIDs []string
	for _, raw := range []string{
		by[0] + " OR 1=1", by[0] + "; DROP TABLE users", by[0] + "'", by[0] + "'--", " " + by[0], by[0] + " ", by[0] + "\x00",
		"../" + by[0], by[0] + "/../" + by[1], by[0] + ".0", by[0] + "e0", "0x" + by[0], "-" + by[0], "99999999999999999999999999",
		"' OR '1'='1", "*", "%", "_", "[1]", "1--", "✓", "\u0000", strings.Repeat("9", 2000),
	} {
		wireIDs = append(wireIDs, url.PathEscape(raw))
	}
	wireIDs = append(wireIDs, "../"+by[0], by[0]+"/../"+by[1], "..%2F"+by[0], "%2e%2e%2f", by[0]+"%00", "%27%20OR%20%271%27%3D%271", "%E2%9C%93", by[0]+"%0d%0a")
	for _, id := range wireIDs {
		for _, c := range []struct{ method, path string }{
			{"GET", "/Users/" + id}, {"PUT", "/Users/" + id}, {"GET", "/v2/Users/" + id}, {"PUT", "/v2/Users/" + id}, {"PATCH", "/v2/Users/" + id},
			{"GET", "/Groups/" + id}, {"PUT", "/Groups/" + id}, {"DELETE", "/Groups/" + id},
			{"GET", "/v2/Groups/" + id}, {"PATCH", "/v2/Groups/" + id}, {"DELETE", "/v2/Groups/" + id},
		} {
			var body any
			switch {
			case c.method == "PATCH":
				body = map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"displayName": "pwned", "name": map[string]any{"givenName": "pwned"}}}}}
			case c.method == "PUT" && strings.Contains(c.path, "Users"):
				body = map[string]any{"userName": "pwned@example.com", "name": map[string]any{"givenName": "pwned"}}
			case c.method == "PUT":
				body = map[string]any{"displayName": "pwned", "members": []any{}}
			}
			r := n.do(c.method, c.path, body)
			no5xx(t, c.method+" "+c.path, r)
			if r.status < 300 {
				// Only a leading-zero-free integer names a row; these never do.
				t.Errorf("%s %s: status %d: a malformed id reached a row: %s", c.method, c.path, r.status, trim(string(r.raw)))
			}
		}
	}

	// Groups with hostile names and descriptions, and hostile member ids.
	for i, v := range hostileValues() {
		if i%3 != 0 {
			continue
		}
		name := fmt.Sprintf("g%d:%s", i, v)
		path := "/Groups"
		if i%2 == 1 {
			path = "/v2/Groups"
		}
		r := n.do("POST", path, map[string]any{"displayName": name, "members": hMemberList([]string{by[2]}),
			"urn:okta:custom:group:1.0": map[string]any{"description": v}})
		no5xx(t, "POST group "+trim(v), r)
		if r.status != 201 {
			if ordinary(v) {
				t.Errorf("POST %s with displayName %q: status %d: %s", path, name, r.status, r.raw)
			}
			continue
		}
		wantGroups++
		wantMembers++
		gid := hStr(r.body["id"])
		for _, p := range []string{"/Groups/", "/v2/Groups/"} {
			g := n.must(200, "GET", p+gid, nil).body
			if hStr(g["displayName"]) != name || hStr(hObj(g["urn:okta:custom:group:1.0"])["description"]) != v {
				t.Errorf("GET %s%s: displayName %q description %q, want %q %q", p, gid, trim(hStr(g["displayName"])), trim(hStr(hObj(g["urn:okta:custom:group:1.0"])["description"])), trim(name), trim(v))
			}
			if m := hMembers(g); len(m) != 1 || m[0] != by[2] {
				t.Errorf("GET %s%s: members %v", p, gid, m)
			}
		}
		r = n.do("GET", "/v2/Groups?filter="+url.QueryEscape("displayName eq "+quoteFilter(name)), nil)
		no5xx(t, "group filter "+trim(v), r)
		if r.status == 200 && (len(hList(r.body["Resources"])) != 1 || hStr(hObj(hList(r.body["Resources"])[0])["id"]) != gid) {
			t.Errorf("displayName eq %q: %s", trim(name), trim(string(r.raw)))
		}
	}
	badMembers := []string{by[0] + " OR 1=1", by[0] + "; DELETE FROM group_members", "' OR ''='", "../" + by[0], "%", "_", "0x1", strings.Repeat("9", 40)}
	for _, m := range badMembers {
		for _, path := range []string{"/Groups", "/v2/Groups"} {
			r := n.do("POST", path, map[string]any{"displayName": "bad members " + m, "members": hMemberList([]string{by[0], m})})
			no5xx(t, "POST group with member "+m, r)
			if r.status != 400 {
				t.Errorf("POST %s with member %q: status %d, want 400", path, m, r.status)
			}
		}
		r := n.do("PUT", "/Groups/"+byGroup, map[string]any{"displayName": "bystanders", "members": hMemberList([]string{by[0], by[1], m})})
		if no5xx(t, "PUT group with member "+m, r); r.status != 400 {
			t.Errorf("PUT /Groups/%s with member %q: status %d, want 400", byGroup, m, r.status)
		}
		patch := func(ops ...any) map[string]any {
			return map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
		}
		r = n.do("PATCH", "/v2/Groups/"+byGroup, patch(map[string]any{"op": "add", "path": "members", "value": hMemberList([]string{m})}))
		if no5xx(t, "PATCH add member "+m, r); r.status != 400 {
			t.Errorf("PATCH add member %q: status %d, want 400", m, r.status)
		}
		r = n.do("PATCH", "/v2/Groups/"+byGroup, patch(map[string]any{"op": "remove", "path": "members[value eq " + quoteFilter(m) + "]"}))
		if no5xx(t, "PATCH remove member "+m, r); r.status >= 300 && r.status != 400 {
			t.Errorf("PATCH remove member %q: status %d", m, r.status)
		}
		r = n.do("PATCH", "/v2/Groups/"+byGroup, patch(map[string]any{"op": "remove", "path": "members", "value": hMemberList([]string{m})}))
		if no5xx(t, "PATCH remove member value "+m, r); r.status >= 300 && r.status != 400 {
			t.Errorf("PATCH remove members value %q: status %d", m, r.status)
		}
	}

	// Filters, sortBy, attributes, paging and PATCH paths with hostile syntax.
	for _, c := range []struct {
		filter string
		none   bool // a valid filter on a value no user holds: 200 with no results
	}{
		{`userName eq "x") OR (1=1`, false}, {`userName eq "x" or 1 eq 1`, false}, {`user_name eq "x"`, false}, {`userName eq x`, false},
		{`userName eq "x" --`, false}, {`userName eq "x";`, false}, {`userName eq "x"; DROP TABLE users`, false},
		{`emails[value eq "x" or 1 eq 1]`, false}, {`urn:x'--:y eq "1"`, false}, {`userName pr or id eq "1 OR 1=1"`, false},
		{`userName co "%"`, false}, {`userName sw "_"`, false}, {`userName ew "!"`, false}, {`not (userName pr)`, false},
		{`userName gt "` + strings.Repeat("z", 3000) + `"`, false},
		{`meta.lastModified gt "'; DROP TABLE users; --"`, false}, {`meta.lastModified gt "2020-01-01T00:00:00Z' OR '1'='1"`, false},
		{`urn:okta:onprem_app:1.0:user:custom:isAdmin eq "true' OR 1=1"`, false}, {`active eq "1 OR 1=1"`, false},
		{`userName eq "x\" or \"1\"=\"1"`, true}, {`userName eq "' OR '1'='1"`, true}, {`id eq "` + by[0] + ` OR 1=1"`, true},
		{`userName eq "/* */"`, true}, {`userName eq "` + strings.Repeat(`\\`, 500) + `"`, true},
		{`name.familyName eq "Stander0' OR 'a'='a"`, true}, {`emails[value eq "by0@example.com' --"]`, true},
	} {
		flt := c.filter
		for _, p := range []string{"/Users", "/v2/Users", "/v2/Groups"} {
			r := n.do("GET", p+"?filter="+url.QueryEscape(flt)+"&startIndex=1&count=100", nil)
			no5xx(t, "GET "+p+" filter "+trim(flt), r)
			if c.none && p != "/v2/Groups" {
				if got := hList(r.body["Resources"]); r.status != 200 || len(got) != 0 {
					t.Errorf("GET %s filter %s: status %d with %d results, want 200 with none", p, trim(flt), r.status, len(got))
				}
			}
		}
		r := n.do("POST", "/v2/Users/.search", map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": flt, "sortBy": "userName; DROP TABLE users"})
		no5xx(t, ".search "+trim(flt), r)
	}
	for _, q := range []string{
		"sortBy=" + url.QueryEscape("userName; DROP TABLE users"), "sortBy=" + url.QueryEscape("user_name"), "sortBy=" + url.QueryEscape("(SELECT 1)"),
		"sortBy=" + url.QueryEscape("userName DESC"), "sortBy=" + url.QueryEscape("name.givenName,id"), "sortBy=" + url.QueryEscape(`"userName"`),
		"sortBy=" + url.QueryEscape("emails[type eq \"x\"]"), "sortBy=userName&sortOrder=" + url.QueryEscape("descending; DROP TABLE users"),
		"sortBy=" + url.QueryEscape("urn:okta:onprem_app:1.0:user:custom:departmentName"),
		"attributes=" + url.QueryEscape("userName,'; DROP TABLE users; --"), "attributes=" + url.QueryEscape("*"), "excludedAttributes=" + url.QueryEscape("id; DROP"),
		"attributes=" + url.QueryEscape("members[value eq \"1\"]"), "startIndex=" + url.QueryEscape("1; DROP TABLE users") + "&count=1",
		"startIndex=1&count=" + url.QueryEscape("1 OR 1=1"), "startIndex=-5&count=2", "startIndex=1&count=99999999999999999999",
		"startIndex=99999999999999&count=5", "count=0",
	} {
		for _, p := range []string{"/Users", "/v2/Users", "/v2/Groups", "/Groups"} {
			r := n.do("GET", p+"?"+q, nil)
			no5xx(t, "GET "+p+"?"+q, r)
		}
	}
	if len(final) > 0 {
		var id string
		for k := range final {
			id = k
			break
		}
		for _, path := range []string{
			`name.givenName"; DROP TABLE users; --`, `name.givenName'`, `emails[value eq "' OR 1=1 --"].value`, `emails[type eq "x" or 1 eq 1].value`,
			`urn:x'; DROP TABLE users;--:attr`, `urn:okta:onprem_app:1.0:user:custom:department_name`, `id`, `meta.lastModified`,
			`members[value eq "1 OR 1=1"]`, `userName[`, `emails[type eq "primary"].value.value`, strings.Repeat("a.", 500) + "b",
		} {
			for _, op := range []string{"add", "replace", "remove"} {
				r := n.do("PATCH", "/v2/Users/"+id, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": op, "path": path, "value": "pwned"}}})
				no5xx(t, "PATCH "+op+" "+trim(path), r)
				if r.status == 200 {
					// Accepted paths may only touch this user; read it back to keep the expectation.
					final[id] = userFields(n.must(200, "GET", "/Users/"+id, nil).body)
				}
			}
		}
	}

	// LIKE wildcards are literal, in co, sw and ew, on an indexed and a plain column.
	likeWildcards(t, n, &wantUsers)

	// Afterwards: every table has exactly the rows it should, the bystanders are as they
	// were, and every hostile user still reads back as last written.
	if got := hCount(t, n.db, d, "users", ""); got != wantUsers {
		t.Errorf("users: %d rows, want %d", got, wantUsers)
	}
	if got := hCount(t, n.db, d, "groups", ""); got != wantGroups {
		t.Errorf("groups: %d rows, want %d", got, wantGroups)
	}
	if got := hCount(t, n.db, d, "group_members", ""); got != wantMembers {
		t.Errorf("group_members: %d rows, want %d", got, wantMembers)
	}
	if after := snapshot(); after != before {
		t.Errorf("the bystanders' rows changed:\nbefore %s\nafter  %s", before, after)
	}
	ids := make([]string, 0, len(final))
	for id := range final {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		sameFields(t, "at the end, user "+id, userFields(n.must(200, "GET", "/Users/"+id, nil).body), final[id])
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

// likeWildcards stores names built from LIKE metacharacters and checks that co, sw and ew
// match them as plain text.
func likeWildcards(t *testing.T, n *node, wantUsers *int) {
	const tag = "lk"
	suffixes := []string{"100%", "100x", "1000", "a_c", "abc", "aXc", "a!c", "a!!c", "a!%c", "a[b]c", "abc]", "a\\c", "a\\\\c", "a^c", "a%_c", "a*c", "a?c", "a.c", "a'c", "a''c"}
	names := map[string]string{} // userName -> familyName
	for i, s := range suffixes {
		un := fmt.Sprintf("%s%02d%s", tag, i, s)
		fam := tag + "-" + s
		r := n.do("POST", "/Users", map[string]any{"userName": un, "name": map[string]any{"givenName": "L", "familyName": fam}})
		if r.status != 201 {
			t.Fatalf("POST %q: %d %s", un, r.status, r.raw)
		}
		*wantUsers++
		names[un] = fam
	}
	patterns := []string{"%", "_", "!", "!%", "!!", "%_", "[b]", "[", "]", "\\", "\\\\", "^", "*", "?", ".", "'", "0%", "a_c", "a!c", "[^a]", "a%c", "_c", "%c"}
	for _, p := range patterns {
		for _, op := range []string{"co", "sw", "ew"} {
			for _, attr := range []string{"userName", "name.familyName"} {
				val := p
				match := func(un, fam string) bool {
					s := strings.ToLower(un)
					if attr != "userName" {
						s = strings.ToLower(fam)
					}
					v := strings.ToLower(val)
					switch op {
					case "co":
						return strings.Contains(s, v)
					case "sw":
						return strings.HasPrefix(s, v)
					}
					return strings.HasSuffix(s, v)
				}
				if op == "sw" {
					// A prefix that only the test's users can have.
					if attr == "userName" {
						val = tag
					} else {
						val = tag + "-" + p
					}
				}
				flt := fmt.Sprintf("%s %s %s and userName sw %q", attr, op, quoteFilter(val), tag)
				r := n.do("GET", "/v2/Users?filter="+url.QueryEscape(flt), nil)
				if r.status != 200 {
					t.Errorf("%s: status %d: %s", flt, r.status, r.raw)
					continue
				}
				var got, want []string
				for _, u := range hList(r.body["Resources"]) {
					got = append(got, hStr(hObj(u)["userName"]))
				}
				for un, fam := range names {
					if match(un, fam) {
						want = append(want, un)
					}
				}
				sort.Strings(got)
				sort.Strings(want)
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%s matched %q, want %q", flt, got, want)
				}
			}
		}
	}
}
