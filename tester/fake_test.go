package tester_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimsql/scimsql/tester"
)

// fake is a small in-memory SCIM connector, 1.1 or 2.0, written from the protocol and
// independent of scimsql, with switches that break it in the ways that break Okta.
type fake struct {
	mu     sync.Mutex
	v2     bool
	caps   []string
	users  []*fuser
	groups []*fgroup
	nextU  int
	nextG  int
	seen   []string       // "METHOD path" of every request
	last   map[string]any // the last request body

	// faults
	noCaps          bool // the capability document has no Okta extension
	wrongTotal      bool // totalResults counts the page, not the matches
	dupAcrossPages  bool // page 2 starts with the last id of page 1
	filter500       bool // any filter is a 500
	ignoreActive    bool // updates do not store active
	itemsEchoCount  bool // itemsPerPage echoes count
	countsAsStrings bool // totalResults, startIndex, itemsPerPage as strings
	notFoundOnEmpty bool // no match is a 404
	noPatch         bool // 2.0: PATCH is a 501
	echoActive      bool // with ignoreActive: the answer echoes the active sent
	maxPage         int  // caps count, as RFC 7644 allows but the agent's walk does not
	keepName        bool // updates do not store name (a create does)
	noNames         bool // no name is stored at all (a forum's users have none)
}

type fuser struct {
	doc      map[string]any
	password string
	modified time.Time
}

type fgroup struct {
	id, name string
	members  []string
}

var allCaps = []string{"GROUP_PUSH", "IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "OPP_SCIM_INCREMENTAL_IMPORTS",
	"PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_PENDING_USERS", "PUSH_PROFILE_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"}

func newFake(v2 bool, users int) *fake {
	f := &fake{v2: v2, caps: allCaps, nextU: 100, nextG: 1000}
	for i := 0; i < users; i++ {
		f.addUser(map[string]any{
			"userName": fmt.Sprintf("seed%03d@example.com", i),
			"name":     map[string]any{"givenName": "Seed", "familyName": fmt.Sprintf("User%03d", i)},
			"emails":   []any{map[string]any{"value": fmt.Sprintf("seed%03d@example.com", i), "type": "work", "primary": true}},
			"active":   true,
		}, "")
	}
	f.groups = append(f.groups, &fgroup{id: "1000", name: "seeded"})
	return f
}

func (f *fake) addUser(doc map[string]any, pw string) *fuser {
	f.nextU++
	u := &fuser{password: pw, modified: time.Now().UTC()}
	u.doc = map[string]any{"id": strconv.Itoa(f.nextU)}
	f.apply(u, doc)
	f.users = append(f.users, u)
	return u
}

// apply stores the attributes the fake keeps.
func (f *fake) apply(u *fuser, doc map[string]any) {
	for _, k := range []string{"userName", "name", "emails", "active"} {
		if v, ok := doc[k]; ok {
			if k == "active" && f.ignoreActive {
				if _, had := u.doc["active"]; had {
					continue
				}
			}
			if k == "name" && (f.noNames || f.keepName && u.doc["name"] != nil) {
				continue
			}
			u.doc[k] = v
		}
	}
	if pw, ok := doc["password"].(string); ok {
		u.password = pw
	}
	u.modified = time.Now().UTC()
}

func (f *fake) render(u *fuser) map[string]any {
	out := map[string]any{}
	for k, v := range u.doc {
		out[k] = v
	}
	if f.v2 {
		out["schemas"] = []any{tester.URNUser20}
	} else {
		out["schemas"] = []any{tester.URNCore11}
	}
	out["meta"] = map[string]any{"lastModified": u.modified.Format(time.RFC3339)}
	return out
}

func (f *fake) renderGroup(g *fgroup) map[string]any {
	members := []any{}
	for _, m := range g.members {
		members = append(members, map[string]any{"value": m})
	}
	out := map[string]any{"id": g.id, "displayName": g.name, "members": members}
	if f.v2 {
		out["schemas"] = []any{tester.URNGroup20}
	} else {
		out["schemas"] = []any{tester.URNCore11, tester.URNGroupCustom}
	}
	return out
}

func (f *fake) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fake) fail(w http.ResponseWriter, status int, msg string) {
	if f.v2 {
		f.writeJSON(w, status, map[string]any{"schemas": []any{tester.URNError20}, "status": strconv.Itoa(status), "detail": msg})
		return
	}
	f.writeJSON(w, status, map[string]any{"errors": []any{map[string]any{"statusCode": status, "internalCode": "E0000048", "description": msg, "help_url": nil}}})
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.TrimSuffix(r.URL.Path, "/")
	if f.v2 {
		path = strings.TrimPrefix(path, "/v2")
	}
	f.seen = append(f.seen, r.Method+" "+path)
	if r.Header.Get("Authorization") != "Basic b2t0YTpva3Rh" {
		f.fail(w, 401, "authentication failed")
		return
	}
	var body map[string]any
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		if len(b) > 0 {
			if err := json.Unmarshal(b, &body); err != nil {
				f.fail(w, 400, "bad JSON")
				return
			}
			f.last = body
		}
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	res, id := parts[0], ""
	if len(parts) > 1 {
		id = parts[1]
	}
	switch {
	case (res == "ServiceProviderConfigs" && !f.v2) || (res == "ServiceProviderConfig" && f.v2):
		f.capabilities(w)
	case res == "Users" && id == "" && r.Method == "GET":
		f.list(w, r, true)
	case res == "Groups" && id == "" && r.Method == "GET":
		f.list(w, r, false)
	case res == "Users" && id == "" && r.Method == "POST":
		for _, u := range f.users {
			if strings.EqualFold(str(u.doc["userName"]), str(body["userName"])) {
				f.fail(w, 409, "duplicate userName")
				return
			}
		}
		u := f.addUser(body, str(body["password"]))
		f.writeJSON(w, 201, f.render(u))
	case res == "Users" && id != "":
		u := f.user(id)
		if u == nil {
			f.fail(w, 404, "no user "+id)
			return
		}
		switch r.Method {
		case "GET":
			f.writeJSON(w, 200, f.render(u))
		case "PUT":
			f.apply(u, body)
			out := f.render(u)
			if a, ok := body["active"]; ok && f.echoActive {
				out["active"] = a
			}
			f.writeJSON(w, 200, out)
		case "PATCH":
			if !f.v2 || f.noPatch {
				f.fail(w, 501, "no PATCH")
				return
			}
			for _, op := range body["Operations"].([]any) {
				o := op.(map[string]any)
				if o["op"] == "replace" && o["path"] == nil {
					f.apply(u, o["value"].(map[string]any))
				}
			}
			w.WriteHeader(204)
		case "DELETE":
			if !f.v2 {
				f.fail(w, 501, "no user DELETE in SCIM 1.1")
				return
			}
			for i, x := range f.users {
				if x == u {
					f.users = append(f.users[:i], f.users[i+1:]...)
				}
			}
			w.WriteHeader(204)
		default:
			f.fail(w, 501, "no such endpoint")
		}
	case res == "Groups" && id == "" && r.Method == "POST":
		name := str(body["displayName"])
		for _, g := range f.groups {
			if strings.EqualFold(g.name, name) {
				f.fail(w, 409, "duplicate group")
				return
			}
		}
		f.nextG++
		g := &fgroup{id: strconv.Itoa(f.nextG), name: name, members: values(body["members"])}
		f.groups = append(f.groups, g)
		f.writeJSON(w, 201, f.renderGroup(g))
	case res == "Groups" && id != "":
		var g *fgroup
		gi := -1
		for i, x := range f.groups {
			if x.id == id {
				g, gi = x, i
			}
		}
		if g == nil {
			f.fail(w, 404, "no group "+id)
			return
		}
		switch r.Method {
		case "GET":
			f.writeJSON(w, 200, f.renderGroup(g))
		case "PUT":
			g.name = str(body["displayName"])
			g.members = values(body["members"])
			f.writeJSON(w, 200, f.renderGroup(g))
		case "PATCH":
			if !f.v2 || f.noPatch {
				f.fail(w, 501, "no PATCH")
				return
			}
			for _, op := range body["Operations"].([]any) {
				o := op.(map[string]any)
				p := str(o["path"])
				switch {
				case o["op"] == "add" && p == "members":
					g.members = append(g.members, values(o["value"])...)
				case o["op"] == "remove" && strings.HasPrefix(p, "members[value eq "):
					v, _ := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(p, "members[value eq "), "]"))
					var keep []string
					for _, m := range g.members {
						if m != v {
							keep = append(keep, m)
						}
					}
					g.members = keep
				case o["op"] == "replace" && p == "members":
					g.members = values(o["value"])
				case o["op"] == "replace" && p == "":
					if n := str(o["value"].(map[string]any)["displayName"]); n != "" {
						g.name = n
					}
				}
			}
			f.writeJSON(w, 200, f.renderGroup(g))
		case "DELETE":
			f.groups = append(f.groups[:gi], f.groups[gi+1:]...)
			w.WriteHeader(204)
		default:
			f.fail(w, 501, "no such endpoint")
		}
	default:
		f.fail(w, 501, "no resource "+path)
	}
}

func (f *fake) capabilities(w http.ResponseWriter) {
	caps := []any{}
	for _, c := range f.caps {
		caps = append(caps, c)
	}
	doc := map[string]any{"authenticationSchemes": []any{}}
	urn := tester.URNProviderConfig10
	if f.v2 {
		urn = tester.URNProviderConfig20
		doc["schemas"] = []any{tester.URNSPConfig20, urn}
	} else {
		doc["schemas"] = []any{tester.URNCore11, urn}
	}
	if f.noCaps {
		doc["schemas"] = doc["schemas"].([]any)[:1]
	} else {
		doc[urn] = map[string]any{"userManagementCapabilities": caps}
	}
	f.writeJSON(w, 200, doc)
}

func (f *fake) user(id string) *fuser {
	for _, u := range f.users {
		if u.doc["id"] == id {
			return u
		}
	}
	return nil
}

var termRE = regexp.MustCompile(`^\s*(\S+)\s+(eq|gt)\s+"((?:[^"\\]|\\.)*)"\s*$`)

// match is the fake's filter: terms "attr eq|gt "value"" joined by OR.
func (f *fake) match(filter string, u *fuser) (bool, error) {
	for _, term := range regexp.MustCompile(`(?i)\s+or\s+`).Split(filter, -1) {
		m := termRE.FindStringSubmatch(term)
		if m == nil {
			return false, fmt.Errorf("cannot parse %q", term)
		}
		attr, op, val := m[1], strings.ToLower(m[2]), m[3]
		switch {
		case op == "gt" && attr == "meta.lastModified":
			t, err := time.Parse(time.RFC3339, val)
			if err != nil {
				return false, err
			}
			if u.modified.After(t) {
				return true, nil
			}
		case op == "eq" && attr == "userName":
			if strings.EqualFold(str(u.doc["userName"]), val) {
				return true, nil
			}
		case op == "eq" && (attr == "email" || attr == "emails"):
			for _, e := range u.doc["emails"].([]any) {
				if strings.EqualFold(str(e.(map[string]any)["value"]), val) {
					return true, nil
				}
			}
		case op == "eq" && attr == "id":
			if u.doc["id"] == val {
				return true, nil
			}
		default:
			return false, fmt.Errorf("unsupported filter %q", term)
		}
	}
	return false, nil
}

func (f *fake) list(w http.ResponseWriter, r *http.Request, users bool) {
	q := r.URL.Query()
	var all []map[string]any
	if users {
		filter := q.Get("filter")
		if filter != "" && f.filter500 {
			f.fail(w, 500, "database error")
			return
		}
		for _, u := range f.users {
			if filter != "" {
				ok, err := f.match(filter, u)
				if err != nil {
					f.fail(w, 400, err.Error())
					return
				}
				if !ok {
					continue
				}
			}
			all = append(all, f.render(u))
		}
	} else {
		for _, g := range f.groups {
			all = append(all, f.renderGroup(g))
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return num(all[i]["id"]) < num(all[j]["id"]) })
	start, _ := strconv.Atoi(q.Get("startIndex"))
	count, _ := strconv.Atoi(q.Get("count"))
	if start < 1 {
		start = 1
	}
	if q.Get("count") == "" {
		count = len(all)
	}
	if f.maxPage > 0 && count > f.maxPage {
		count = f.maxPage
	}
	page := []any{}
	for i := start - 1; i < len(all) && len(page) < count; i++ {
		page = append(page, all[i])
	}
	if f.dupAcrossPages && start > 1 && len(page) > 0 && start-2 < len(all) {
		page[0] = all[start-2]
	}
	if users && len(all) == 0 && f.notFoundOnEmpty {
		f.fail(w, 404, "no such user")
		return
	}
	total := len(all)
	if f.wrongTotal {
		total = len(page)
	}
	items := len(page)
	if f.itemsEchoCount {
		items = count
	}
	doc := map[string]any{"Resources": page}
	if f.countsAsStrings {
		doc["totalResults"], doc["startIndex"], doc["itemsPerPage"] = strconv.Itoa(total), strconv.Itoa(start), strconv.Itoa(items)
	} else {
		doc["totalResults"], doc["startIndex"], doc["itemsPerPage"] = total, start, items
	}
	if f.v2 {
		doc["schemas"] = []any{tester.URNList20}
	} else {
		doc["schemas"] = []any{tester.URNCore11}
	}
	f.writeJSON(w, 200, doc)
}

func (f *fake) requests(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.seen {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func values(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, m := range l {
		if mm, ok := m.(map[string]any); ok {
			out = append(out, str(mm["value"]))
		}
	}
	return out
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func num(v any) int {
	n, _ := strconv.Atoi(str(v))
	return n
}
