package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/scim"
)

// Fuzz targets for what the network controls: the URL path (normalize, Operation) and
// whole requests against the quickstart on SQLite. The seed corpora are in
// testdata/fuzz/<target>; CI runs each target briefly:
//
//	go test -run '^$' -fuzz '^FuzzNormalizePath$' -fuzztime 10s ./engine/httpapi/
//	go test -run '^$' -fuzz '^FuzzHTTP$' -fuzztime 15s ./engine/httpapi/

func FuzzNormalizePath(f *testing.F) {
	for _, p := range []string{
		"/Users", "/scim//users/101/", "/SCIM/v2/groups/1001", "/v1/ServiceProviderConfigs/",
		"/scim/v2/Users/..%2F..%2Fetc", "//", "/", "", "/scim", "/v2/Users/.search", "/v2/Users//x//",
		"/scim/V2/RESOURCETYPES/User", "/Groups/a/b/c/", "/users/USERS/users",
		"/Users/10001", "/scim/Users/users", "/scim/v2/Users/Users", "/v2/groups", "/Users/a/b",
	} {
		f.Add(p, true)
		f.Add(p, false)
	}
	f.Fuzz(func(t *testing.T, p string, withBase bool) {
		base := ""
		if withBase {
			base = "/scim"
		}
		n := normalize(p, base)
		// The shortcut for paths already normal agrees with the long way.
		if full := normalizePath(p, base); full != n {
			t.Fatalf("normalize(%q, %q) = %q, the long way %q", p, base, n, full)
		}
		if strings.Contains(n, "//") {
			t.Fatalf("normalize(%q, %q) = %q keeps a double slash", p, base, n)
		}
		if len(n) > 1 && strings.HasSuffix(n, "/") {
			t.Fatalf("normalize(%q, %q) = %q keeps a trailing slash", p, base, n)
		}
		if len(n) > len(p) {
			t.Fatalf("normalize(%q, %q) = %q grew", p, base, n)
		}
		// Normalising is stable: a request routed once routes the same way again.
		if again := normalize(n, base); again != n {
			t.Fatalf("normalize is not idempotent: %q -> %q -> %q (base %q)", p, n, again, base)
		}
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} {
			if op := Operation(m, n, base); op == "" {
				t.Fatalf("Operation(%s, %q) is empty", m, n)
			}
		}
	})
}

// panicWatch is a log writer that notices the handler's "panic serving request" line
// (the handler recovers panics and answers 500; the fuzzer must still see them).
type panicWatch struct{ panics atomic.Int64 }

func (p *panicWatch) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte("panic serving request")) || bytes.Contains(b, []byte("unexpected error")) {
		p.panics.Add(1)
	}
	return len(b), nil
}

// fuzzServer is the quickstart handler on a fresh SQLite database in its own directory
// (each fuzz worker is a process of its own).
func fuzzServer(tb testing.TB) (http.Handler, *panicWatch) {
	tb.Helper()
	m, err := mappings.LoadFile(filepath.Join("..", "examples", "quickstart", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		tb.Fatal(err)
	}
	m.Database.QueryTimeout = 5 * time.Second
	d := sqlite.New()
	db, err := d.Open(filepath.Join(tb.TempDir(), "fuzz.db"), dialects.Pool{MaxOpen: 2, MaxIdle: 2})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := engine.InitDatabase(context.Background(), m, d, db); err != nil {
		tb.Fatal(err)
	}
	pw := &panicWatch{}
	log := slog.New(LogHandler(slog.NewTextHandler(pw, &slog.HandlerOptions{Level: slog.LevelError})))
	e, err := engine.New(m, d, db, engine.Options{Logger: log, BcryptCost: 4})
	if err != nil {
		tb.Fatal(err)
	}
	h := New(e, log)
	// Requests without credentials soon throttle the fuzzer's address: their refusals
	// are still checked, but not held back a second each.
	h.holdFor = time.Microsecond
	return h, pw
}

// FuzzHTTP sends arbitrary method, path, query and body (with valid credentials, or
// none) to the quickstart handler, parsed from the wire as net/http's server parses
// them. For any input: no panic, no 5xx but 501 and 503, an answer within the query
// timeout, and every error is a JSON SCIM error body of the protocol version the path
// names, with a status that matches the response's.
func FuzzHTTP(f *testing.F) {
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`
	seeds := []struct {
		method, path, query, body string
		auth                      bool
	}{
		{"GET", "/ServiceProviderConfigs", "", "", true},
		{"GET", "/Users", "filter=userName+eq+%22okta%22&startIndex=1&count=100", "", true},
		{"GET", "/Users", "filter=" + "meta.lastModified+gt+%222025-01-01T00%3A00%3A00Z%22", "", true},
		{"GET", "/Users", "filter=email+eq+%22a%40x.com%22+OR+name.givenName+co+%22%25_%21%5B%22&startIndex=0&count=-1", "", true},
		{"POST", "/Users", "", `{"userName":"f@x.com","name":{"givenName":"F","familyName":"Z"},"emails":[{"value":"f@x.com","type":"primary","primary":true}],"password":"pw","urn:okta:onprem_app:1.0:user:custom":{"isAdmin":true}}`, true},
		{"PUT", "/Users/101", "", `{"userName":"okta","active":false}`, true},
		{"GET", "/Users/1%20OR%201=1", "", "", true},
		{"GET", "/Groups/..%2F..%2Fetc%2Fpasswd", "", "", true},
		{"POST", "/Groups", "", `{"displayName":"G';--","members":[{"value":"101"},{"value":"1; DROP TABLE users"}]}`, true},
		{"PUT", "/Groups/1001", "", `{"displayName":"firstGroup","members":[{"value":"101"}]}`, true},
		{"DELETE", "/Groups/1002", "", "", true},
		{"GET", "/v2/Users", "filter=userName+sw+%22o%22&sortBy=name.familyName&sortOrder=descending&attributes=userName,emails&count=5", "", true},
		{"POST", "/v2/Users/.search", "", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"emails[type eq \"work\" and value co \"@\"]","startIndex":1,"count":2}`, true},
		{"PATCH", "/v2/Users/101", "", patch + `{"op":"replace","value":{"active":false,"name.givenName":"J"}},{"op":"add","path":"emails[type eq \"work\"].value","value":"w@x"}]}`, true},
		{"PATCH", "/v2/Groups/1001", "", patch + `{"op":"add","path":"members","value":[{"value":"102"}]},{"op":"remove","path":"members[value eq \"101\"]"}]}`, true},
		{"PUT", "/v2/Groups/1001", "", `{"displayName":"firstGroup","members":[]}`, true},
		{"GET", "/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "", "", true},
		{"GET", "/v2/ResourceTypes", "", "", true},
		{"DELETE", "/v2/Users/101", "", "", true},
		{"GET", "/v2/Groups", "excludedAttributes=members&sortBy=displayName", "", true},
		{"GET", "/Users", "", "", false},
		{"BREW", "/v2/Coffee", "", "{", true},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, []byte(s.body), s.auth)
	}
	h, pw := fuzzServer(f)
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, auth bool) {
		target := path
		if query != "" {
			target += "?" + query
		}
		var raw bytes.Buffer
		fmt.Fprintf(&raw, "%s %s HTTP/1.1\r\nHost: scim.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", method, target, len(body))
		if auth {
			raw.WriteString("Authorization: Basic b2t0YTpva3Rh\r\n") // okta:okta
		}
		raw.WriteString("\r\n")
		raw.Write(body)
		req, err := http.ReadRequest(bufio.NewReader(&raw))
		if err != nil {
			return // net/http's server answers 400 itself
		}
		req.RemoteAddr = "192.0.2.1:1234"
		v2 := isV2(&http.Request{URL: &url.URL{Path: normalize(req.URL.Path, "")}}, "")
		before := pw.panics.Load()
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.ServeHTTP(rec, req)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %q: no answer within 10 s", method, target)
		}
		res := rec.Result()
		what := fmt.Sprintf("%s %q body %q", method, target, body)
		if pw.panics.Load() != before {
			t.Fatalf("%s: the handler panicked or hit an unexpected error (status %d): %s", what, res.StatusCode, rec.Body.Bytes())
		}
		if res.StatusCode >= 500 && res.StatusCode != 501 && res.StatusCode != 503 {
			t.Fatalf("%s: status %d: %s", what, res.StatusCode, rec.Body.Bytes())
		}
		if res.StatusCode < 400 {
			if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: status %d with a body that is not JSON: %q", what, res.StatusCode, rec.Body.Bytes())
			}
			return
		}
		checkErrorBody(t, what, v2, res.StatusCode, res.Header.Get("Content-Type"), rec.Body.Bytes())
	})
}

// checkErrorBody asserts a SCIM error body: RFC 7644's under /v2, the SDK's elsewhere.
func checkErrorBody(t *testing.T, what string, v2 bool, status int, ct string, raw []byte) {
	t.Helper()
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("%s: status %d with a body that is not a JSON object: %q", what, status, raw)
	}
	if !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/scim+json") {
		t.Fatalf("%s: status %d with Content-Type %q", what, status, ct)
	}
	detail, _ := body["detail"].(string)
	if detail == "" {
		t.Fatalf("%s: status %d without a detail: %s", what, status, raw)
	}
	if schemas, ok := body["schemas"].([]any); ok {
		if len(schemas) != 1 || schemas[0] != scim.Error2URN || body["status"] != strconv.Itoa(status) {
			t.Fatalf("%s: status %d with a malformed SCIM 2.0 error: %s", what, status, raw)
		}
		if !v2 {
			t.Fatalf("%s: a SCIM 2.0 error outside /v2: %s", what, raw)
		}
		return
	}
	errs, _ := body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("%s: status %d, neither a SCIM 1.1 nor a 2.0 error body: %s", what, status, raw)
	}
	e, _ := errs[0].(map[string]any)
	if n, _ := e["statusCode"].(json.Number); n.String() != strconv.Itoa(status) || e["description"] != detail {
		t.Fatalf("%s: status %d with errors[0] %v", what, status, e)
	}
	if code, _ := e["internalCode"].(string); !strings.HasPrefix(code, "E0000") {
		t.Fatalf("%s: internalCode %v", what, e["internalCode"])
	}
}

// FuzzListQuery holds listQuery to url.Values.Get on any query string.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"filter=a&count=1&startIndex=2", "count=%41&count=2", "a;b=1&filter=%", "filter=x%20y+z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		fl, s, c := listQuery(raw)
		if fl != v.Get("filter") || s != v.Get("startIndex") || c != v.Get("count") {
			t.Fatalf("%q: got %q %q %q, url.Values says %q %q %q", raw, fl, s, c, v.Get("filter"), v.Get("startIndex"), v.Get("count"))
		}
	})
}
