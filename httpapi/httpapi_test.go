package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// quickstart serves the quickstart mapping on a fresh SQLite database, logging at debug.
func quickstart(t *testing.T, edit func(m *mappings.Mapping)) (*httptest.Server, *syncBuf) {
	t.Helper()
	m, err := mappings.LoadFile(filepath.Join("..", "examples", "quickstart", "mapping.yaml"), mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	d := sqlite.New()
	db, err := d.Open(filepath.Join(t.TempDir(), "h.db"), dialects.Pool{MaxOpen: 2, MaxIdle: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := engine.InitDatabase(context.Background(), m, d, db); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	log := slog.New(LogHandler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	e, err := engine.New(m, d, db, engine.Options{Logger: log, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(e, log))
	t.Cleanup(srv.Close)
	return srv, logs
}

func send(t *testing.T, method, url, body string, hdr map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if _, ok := hdr["Authorization"]; !ok && hdr["noauth"] == "" {
		req.SetBasicAuth("okta", "okta")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

// Logs carry the request id on every line, the SQL text and argument count at debug,
// and never a value from the request: no password, no userName, no query string.
func TestLogsCarryRequestIDAndNoPersonalData(t *testing.T) {
	srv, logs := quickstart(t, nil)
	body := `{"userName":"secret.person@example.com","password":"Hunter2-Pw!","name":{"givenName":"Sec","familyName":"Ret"}}`
	res, _ := send(t, "POST", srv.URL+"/Users", body, map[string]string{"X-Request-Id": "req-abc.123"})
	if res.StatusCode != 201 || res.Header.Get("X-Request-Id") != "req-abc.123" {
		t.Fatalf("POST: %d, X-Request-Id %q", res.StatusCode, res.Header.Get("X-Request-Id"))
	}
	send(t, "GET", srv.URL+"/Users?filter=userName%20eq%20%22secret.person%40example.com%22", "", map[string]string{"X-Request-Id": "req-filter"})
	out := logs.String()
	var sqlLines, accessLines int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(line, "msg=sql") {
			sqlLines++
			if !strings.Contains(line, "request_id=") || !strings.Contains(line, "args=") {
				t.Errorf("sql line without request id or argument count: %s", line)
			}
		}
		if strings.Contains(line, "msg=request") {
			accessLines++
			if !strings.Contains(line, "request_id=") || !strings.Contains(line, "op=") {
				t.Errorf("access line without request id or op: %s", line)
			}
		}
	}
	if sqlLines < 3 || accessLines != 2 {
		t.Errorf("%d sql lines and %d access lines:\n%s", sqlLines, accessLines, out)
	}
	if !strings.Contains(out, "request_id=req-abc.123") || !strings.Contains(out, "op=createUser") {
		t.Errorf("the client's request id or the operation is missing:\n%s", out)
	}
	for _, secret := range []string{"Hunter2", "secret.person", "$2a$", "filter="} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain %q:\n%s", secret, out)
		}
	}
	// A request id that could forge log lines is replaced.
	res, _ = send(t, "GET", srv.URL+"/ServiceProviderConfigs", "", map[string]string{"X-Request-Id": "x\" level=ERROR"})
	if got := res.Header.Get("X-Request-Id"); got == "" || strings.ContainsAny(got, "\" =") {
		t.Errorf("unsafe request id echoed: %q", got)
	}
}

func TestAuth(t *testing.T) {
	cases := []struct {
		name string
		auth mappings.Auth
		hdr  map[string]string
		want int
	}{
		{"basic ok", mappings.Auth{Type: "basic", Username: "okta", Password: mappings.NewSecret("pw")}, map[string]string{"Authorization": "Basic b2t0YTpwdw=="}, 200},
		{"basic lower-case scheme", mappings.Auth{Type: "basic", Username: "okta", Password: mappings.NewSecret("pw")}, map[string]string{"Authorization": "basic b2t0YTpwdw=="}, 200},
		{"basic wrong password", mappings.Auth{Type: "basic", Username: "okta", Password: mappings.NewSecret("pw")}, map[string]string{"Authorization": "Basic b2t0YTpwWA=="}, 401},
		{"basic missing", mappings.Auth{Type: "basic", Username: "okta", Password: mappings.NewSecret("pw")}, map[string]string{"noauth": "1"}, 401},
		{"header ok", mappings.Auth{Type: "header", Header: "X-Api-Key", Value: mappings.NewSecret("k3y")}, map[string]string{"X-Api-Key": "k3y", "noauth": "1"}, 200},
		{"header wrong", mappings.Auth{Type: "header", Header: "X-Api-Key", Value: mappings.NewSecret("k3y")}, map[string]string{"X-Api-Key": "k3", "noauth": "1"}, 401},
		{"header missing", mappings.Auth{Type: "header", Header: "X-Api-Key", Value: mappings.NewSecret("k3y")}, map[string]string{"noauth": "1"}, 401},
		{"none", mappings.Auth{Type: "none"}, map[string]string{"noauth": "1"}, 200},
		// bcrypt("pw") at cost 4: the mapping holds only the hash.
		{"basic bcrypt ok", mappings.Auth{Type: "basic", Username: "okta", PasswordHash: mappings.NewSecret(pwHash)}, map[string]string{"Authorization": "Basic b2t0YTpwdw=="}, 200},
		{"basic bcrypt wrong", mappings.Auth{Type: "basic", Username: "okta", PasswordHash: mappings.NewSecret(pwHash)}, map[string]string{"Authorization": "Basic b2t0YTpwWA=="}, 401},
		{"basic bcrypt wrong user", mappings.Auth{Type: "basic", Username: "okta", PasswordHash: mappings.NewSecret(pwHash)}, map[string]string{"Authorization": "Basic b2t0OnB3"}, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, logs := quickstart(t, func(m *mappings.Mapping) { m.Server.Auth = c.auth })
			res, body := send(t, "GET", srv.URL+"/ServiceProviderConfigs", "", c.hdr)
			if res.StatusCode != c.want {
				t.Fatalf("status %d, want %d", res.StatusCode, c.want)
			}
			if c.want == 401 {
				errs, _ := body["errors"].([]any)
				if len(errs) != 1 || body["detail"] == "" {
					t.Errorf("401 without a SCIM error body: %v", body)
				}
				if (c.auth.Type == "basic") != (res.Header.Get("WWW-Authenticate") != "") {
					t.Errorf("WWW-Authenticate = %q for %s", res.Header.Get("WWW-Authenticate"), c.auth.Type)
				}
				if strings.Contains(logs.String(), "pwX") || !strings.Contains(logs.String(), "authentication failed") {
					t.Errorf("auth failure log: %s", logs.String())
				}
			}
		})
	}
}

var pwHash = func() string {
	h, _ := bcrypt.GenerateFromPassword([]byte("pw"), 4)
	return string(h)
}()

// The limits from the mapping bound what one request may ask for.
func TestLimits(t *testing.T) {
	srv, _ := quickstart(t, func(m *mappings.Mapping) {
		m.Server.Limits.MaxPageSize = 1
		m.Server.Limits.MaxFilterLength = 40
		m.Server.MaxBody = 200
	})
	res, body := send(t, "GET", srv.URL+"/Users?startIndex=1&count=5000", "", nil)
	if res.StatusCode != 200 || body["itemsPerPage"] != float64(1) || body["totalResults"] != float64(2) {
		t.Errorf("maxPageSize 1: %d %v", res.StatusCode, body)
	}
	_, body = send(t, "GET", srv.URL+"/ServiceProviderConfigs", "", nil)
	if f, _ := body["filter"].(map[string]any); f["maxResults"] != float64(1) {
		t.Errorf("filter.maxResults does not follow maxPageSize: %v", body["filter"])
	}
	long := strings.Repeat("a", 50)
	res, body = send(t, "GET", srv.URL+"/Users?filter=userName%20eq%20%22"+long+"%22", "", nil)
	if res.StatusCode != 400 || !strings.Contains(body["detail"].(string), "longer than 40") {
		t.Errorf("a filter over maxFilterLength: %d %v", res.StatusCode, body)
	}
	res, _ = send(t, "POST", srv.URL+"/Users", `{"userName":"`+strings.Repeat("x", 300)+`"}`, nil)
	if res.StatusCode != 413 {
		t.Errorf("a body over maxBodyBytes: %d", res.StatusCode)
	}
}

// User writes are bounded by server.maxUserBodyBytes, group writes (which carry every
// member) by server.maxBodyBytes; both are refused from Content-Length before a byte is
// read, and streamed bodies at the limit.
func TestBodyLimitsPerResource(t *testing.T) {
	srv, _ := quickstart(t, func(m *mappings.Mapping) {
		m.Server.MaxUserBody = 300
		m.Server.MaxBody = 2000
	})
	user := func(n int) string { return `{"userName":"` + strings.Repeat("x", n) + `@example.com"}` }
	group := func(n int) string {
		return `{"displayName":"G` + strings.Repeat("g", n) + `","members":[{"value":"101"}]}`
	}
	for _, c := range []struct {
		method, path, body string
		want               int
		names              string
	}{
		{"POST", "/Users", user(200), 201, ""},
		{"POST", "/Users", user(400), 413, "maxUserBodyBytes"},
		{"PUT", "/Users/101", user(400), 413, "maxUserBodyBytes"},
		{"PATCH", "/v2/Users/101", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"` + strings.Repeat("t", 400) + `"}]}`, 413, "maxUserBodyBytes"},
		{"POST", "/Groups", group(1000), 201, ""},
		{"PUT", "/Groups/1001", group(1200), 200, ""},
		{"POST", "/Groups", group(2500), 413, "maxBodyBytes"},
		{"POST", "/v2/Groups", group(2500), 413, "maxBodyBytes"},
	} {
		for _, chunked := range []bool{false, true} {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			if chunked {
				req.ContentLength = -1
				req.Body = io.NopCloser(strings.NewReader(c.body)) // no length: sent in chunks
			}
			req.SetBasicAuth("okta", "okta")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if chunked && c.want/100 == 2 {
				continue // a write already made; the same again is a conflict
			}
			if res.StatusCode != c.want || !strings.Contains(string(raw), c.names) {
				t.Errorf("%s %s of %d bytes (chunked %v): %d %s; want %d naming %q", c.method, c.path, len(c.body), chunked, res.StatusCode, raw, c.want, c.names)
			}
		}
	}
}

// Bodies held at once are bounded: a request that does not fit waits for room, and is
// told to come back (429, Retry-After) when none comes; a body larger than the whole
// budget is still served alone.
func TestBodyBudget(t *testing.T) {
	var b budget
	ctx := context.Background()
	if !b.acquire(ctx, 600, 1000, time.Second) || !b.acquire(ctx, 400, 1000, time.Second) {
		t.Fatal("within the budget: refused")
	}
	if b.acquire(ctx, 1, 1000, 20*time.Millisecond) {
		t.Fatal("past the budget: taken")
	}
	got := make(chan bool)
	go func() { got <- b.acquire(ctx, 500, 1000, 5*time.Second) }()
	time.Sleep(20 * time.Millisecond)
	b.release(600)
	if !<-got {
		t.Fatal("room given back: the waiting request was not let in")
	}
	b.release(400)
	b.release(500)
	if !b.acquire(ctx, 5000, 1000, time.Millisecond) {
		t.Error("a body larger than the budget, alone: refused")
	}
	b.release(5000)
	if b.used != 0 {
		t.Errorf("%d left held", b.used)
	}

	// Through the handler: a budget that fits one group body at a time; one request
	// holds it while its body is still arriving, so the next is told to come back.
	srv, _ := quickstart(t, func(m *mappings.Mapping) { m.Server.Limits.MaxBodyBytesInFlight = 1500 })
	pr, pw := io.Pipe()
	slow, _ := http.NewRequest("POST", srv.URL+"/Groups", pr)
	slow.ContentLength = 1200
	slow.SetBasicAuth("okta", "okta")
	done := make(chan int)
	go func() {
		res, err := http.DefaultClient.Do(slow)
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	head := `{"displayName":"Slow","members":[`
	pw.Write([]byte(head))
	time.Sleep(100 * time.Millisecond) // the slow request holds its 1200 bytes now
	body := `{"displayName":"Fast` + strings.Repeat("f", 500) + `"}`
	start := time.Now()
	res, out := send(t, "POST", srv.URL+"/Groups", body, nil)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(fmt.Sprint(out), "maxBodyBytesInFlight") {
		t.Errorf("a body past the budget: %d %v (Retry-After %q)", res.StatusCode, out, res.Header.Get("Retry-After"))
	}
	if waited := time.Since(start); waited < bodyWait-time.Second {
		t.Errorf("refused after %s, without waiting for room", waited)
	}
	pw.Write([]byte(strings.Repeat(" ", 1200-len(head)-2) + `]}`))
	pw.Close()
	if code := <-done; code != 201 {
		t.Errorf("the slow group: %d", code)
	}
	if res, _ := send(t, "POST", srv.URL+"/Groups", body, nil); res.StatusCode != 201 {
		t.Errorf("once the budget is free: %d", res.StatusCode)
	}
}

func TestPaths(t *testing.T) {
	srv, _ := quickstart(t, func(m *mappings.Mapping) { m.Server.BasePath = "/scim" })
	cases := []struct {
		method, path string
		want         int
	}{
		{"GET", "/scim/ServiceProviderConfigs", 200},
		{"GET", "/scim/serviceproviderconfigs/", 200},
		{"GET", "/scim/v1/Users/101", 200},
		{"GET", "/scim//users/101/", 200},
		{"GET", "/SCIM/Groups/1001", 200},
		{"GET", "/scim/Users/101.5", 404},
		{"GET", "/scim/Users/..%2F..%2Fetc", 404},
		{"GET", "/ServiceProviderConfigs", 501}, // outside the base path
		{"PATCH", "/scim/Users/101", 501},
		{"DELETE", "/scim/Users/101", 501},
		{"GET", "/scim/Schemas", 501},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			res, body := send(t, c.method, srv.URL+c.path, "", nil)
			if res.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %v", res.StatusCode, c.want, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestOperation(t *testing.T) {
	cases := map[string]string{
		"GET /ServiceProviderConfigs": "getImplementedUserManagementCapabilities",
		"GET /Users":                  "getUsers",
		"GET /v1/Users/7":             "getUser",
		"POST /Users":                 "createUser",
		"PUT /Users/7":                "updateUser",
		"GET /Groups":                 "getGroups",
		"GET /Groups/1":               "getGroup",
		"POST /Groups":                "createGroup",
		"PUT /Groups/1":               "updateGroup",
		"DELETE /Groups/1":            "deleteGroup",
		"DELETE /Users/1":             "other",
		"POST /v2/Users/.search":      "searchUsers",
		"PATCH /v2/Groups/1":          "patchGroup",
		"POST /v2/Users":              "createUser",
		"GET /v2/Schemas":             "discovery",
		"GET /favicon.ico":            "other",
	}
	for in, want := range cases {
		parts := strings.SplitN(in, " ", 2)
		if got := Operation(parts[0], "/scim"+parts[1], "/scim"); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ path, base, want string }{
		{"/Users/10001", "", "/Users/10001"},
		{"/users/10001/", "", "/Users/10001"},
		{"//Groups//d005", "", "/Groups/d005"},
		{"/SCIM/v2/users/x", "/scim", "/scim/v2/Users/x"},
		{"/v1/serviceproviderconfigs", "", "/v1/ServiceProviderConfigs"},
		// An id is left as it is, even one spelled like a resource name.
		{"/Users/users", "", "/Users/users"},
		{"/groups/V2", "", "/Groups/V2"},
		{"/scim/v2/Users/USERS/x", "/scim", "/scim/v2/Users/USERS/x"},
		// Outside the base path nothing is changed but slashes.
		{"/other/users", "/scim", "/other/users"},
	} {
		if got := normalize(c.path, c.base); got != c.want {
			t.Errorf("normalize(%q, %q) = %q, want %q", c.path, c.base, got, c.want)
		}
	}
}

// listQuery reads the list parameters as url.Values.Get does, pair by pair.
func TestListQuery(t *testing.T) {
	for _, raw := range []string{
		"", "filter=userName+eq+%22a%40b.c%22&startIndex=1&count=100",
		"count=5&count=6&startIndex=7&filter=x&filter=y",
		"filter=%zz&filter=ok&startIndex=%20", "a=1;b=2&count=3", "&&filter&count=&startIndex=2",
		"Filter=x&COUNT=1", "filter=a%26b%3Dc", "filter=a=b",
	} {
		v, _ := url.ParseQuery(raw)
		f, s, c := listQuery(raw)
		if f != v.Get("filter") || s != v.Get("startIndex") || c != v.Get("count") {
			t.Errorf("%q: got %q %q %q, url.Values says %q %q %q", raw, f, s, c, v.Get("filter"), v.Get("startIndex"), v.Get("count"))
		}
	}
}

// A large answer goes out whole with its length, not in chunks; a small one is sized by
// net/http, as before.
func TestAnswersCarryTheirLength(t *testing.T) {
	srv, _ := quickstart(t, nil)
	for _, path := range []string{"/Users?startIndex=1&count=100", "/ServiceProviderConfigs"} {
		res, _ := send(t, "GET", srv.URL+path, "", nil)
		if res.StatusCode != 200 || len(res.TransferEncoding) > 0 || res.ContentLength <= 0 {
			t.Errorf("GET %s: %d, transfer encoding %v, length %d", path, res.StatusCode, res.TransferEncoding, res.ContentLength)
		}
	}
	// Enough users for a page of several kilobytes.
	for i := range 30 {
		body := fmt.Sprintf(`{"userName":"len%d@example.com","name":{"givenName":"G","familyName":"F"},"password":"Pw-%d-secret"}`, i, i)
		if res, out := send(t, "POST", srv.URL+"/Users", body, map[string]string{"Content-Type": "application/json"}); res.StatusCode != 201 {
			t.Fatalf("create %d: %d %v", i, res.StatusCode, out)
		}
	}
	res, out := send(t, "GET", srv.URL+"/Users?startIndex=1&count=100", "", nil)
	if res.StatusCode != 200 || len(res.TransferEncoding) > 0 || res.ContentLength <= 2048 {
		t.Errorf("a page of %v users: %d, transfer encoding %v, length %d", out["itemsPerPage"], res.StatusCode, res.TransferEncoding, res.ContentLength)
	}
}
