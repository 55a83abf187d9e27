package conformance_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Secrets used by TestHardeningSecrets. Each is distinctive, so finding it anywhere in
// what scimsql says is a leak.
const (
	secDSNPassword = "Dsn-S3cret-pw-7a1"
	secBasic       = "Basic-S3cret-9f2"
	secHeader      = "Hdr-S3cret-4c8"
	secOps         = "Ops-S3cret-5d3"
	secUser1       = "User-S3cret-1e6!"
	secUser2       = "User-S3cret-2b9?"
	secUser3       = "User-S3cret-3a0#"
	secWrong       = "Wrong-S3cret-0x"
)

// leakForms are the ways a secret could show up: as is, base64 (alone, and as the Basic
// credentials it travels in), URL-encoded, JSON-escaped.
func leakForms(secret string) map[string]string {
	forms := map[string]string{
		"raw":           secret,
		"base64":        base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 raw":    base64.RawStdEncoding.EncodeToString([]byte(secret)),
		"base64 url":    base64.URLEncoding.EncodeToString([]byte(secret)),
		"basic":         base64.StdEncoding.EncodeToString([]byte("okta:" + secret)),
		"query-escaped": url.QueryEscape(secret),
		"path-escaped":  url.PathEscape(secret),
	}
	js, _ := json.Marshal(secret)
	forms["json"] = strings.Trim(string(js), `"`)
	return forms
}

// buildScimsql builds the real binary, so that serve, validate and explain run exactly
// as an operator runs them, in a process of their own.
func buildScimsql(t *testing.T) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go tool to build scimsql with: %v", err)
		}
	}
	bin := filepath.Join(t.TempDir(), "scimsql")
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/scimsql")
	cmd.Dir = root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/scimsql: %v\n%s", err, out)
	}
	return bin
}

// transcript collects everything scimsql said: logs, command output, HTTP responses.
type transcript struct {
	mu    sync.Mutex
	parts []string
}

func (tr *transcript) add(label, text string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.parts = append(tr.parts, "### "+label+"\n"+text)
}

func (tr *transcript) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return strings.Join(tr.parts, "\n")
}

// TestHardeningSecrets runs the real scimsql binary against PostgreSQL through a proxy,
// with a DSN that carries a password, Basic auth, a header secret, an admin token and
// user passwords, at debug level in text and JSON logs; provokes wrong credentials,
// database loss, bad reloads (one naming a DSN with a password), validate and explain;
// and then searches everything it said, in every encoding, for every secret.
func TestHardeningSecrets(t *testing.T) {
	pdb := proxiedPostgres(t, secDSNPassword)
	bin := buildScimsql(t)
	dir := t.TempDir()
	mapping := filepath.Join(dir, "mapping.yaml")
	admin := "  admin:\n    auth: {type: header, header: X-Ops-Token, value: {env: OPS_TOKEN}}\n    reload: true\n"
	good := faultMapping("postgres", admin)
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(mapping, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(good)
	env := append(os.Environ(), "APP_DSN="+pdb.dsn, "SCIMSQL_PASSWORD="+secBasic, "OPS_TOKEN="+secOps, "API_KEY="+secHeader)
	tr := &transcript{}
	badDSN := strings.Replace(pdb.dsn, pdb.proxy.addr, "127.0.0.1:1", 1) // refused, with the password

	for _, format := range []string{"text", "json"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		base := "http://" + addr
		var stdout, stderr syncBuffer
		cmd := exec.Command(bin, "serve", "-mapping", mapping, "-listen", addr, "-log-level", "debug", "-log-format", format, "-watch=false")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		client := &http.Client{Timeout: 10 * time.Second}
		send := func(label, method, path string, body any, hdr ...string) faultCall {
			t.Helper()
			r := doCall(client, method, base+path, body, func(r *http.Request) {
				r.SetBasicAuth("okta", secBasic)
				for i := 0; i+1 < len(hdr); i += 2 {
					if hdr[i] == "Authorization" && hdr[i+1] == "" {
						r.Header.Del("Authorization")
						continue
					}
					r.Header.Set(hdr[i], hdr[i+1])
				}
			})
			var h bytes.Buffer
			_ = r.header.Write(&h)
			tr.add(fmt.Sprintf("%s %s: %s %s -> %d", format, label, method, path, r.status), h.String()+"\n"+string(r.raw))
			return r
		}
		want := func(r faultCall, status int, label string) {
			t.Helper()
			if r.status != status {
				t.Errorf("%s %s: status %d, want %d: %s", format, label, r.status, status, r.raw)
			}
		}
		for i := 0; ; i++ {
			if r := doCall(client, "GET", base+"/-/healthy", nil, nil); r.status == 200 {
				break
			}
			if i > 200 {
				t.Fatalf("scimsql serve did not start:\n%s", stderr.String())
			}
			time.Sleep(25 * time.Millisecond)
		}

		userName := fmt.Sprintf("secret.%s@example.com", format)
		r := send("create", "POST", "/Users", map[string]any{"userName": userName, "password": secUser1, "name": map[string]any{"givenName": "Sec", "familyName": "Ret"}})
		want(r, 201, "create")
		id := fmt.Sprint(r.body["id"])
		want(send("check exists", "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+userName+`"`)+"&startIndex=1&count=100", nil), 200, "check exists")
		want(send("password push", "PUT", "/Users/"+id, map[string]any{"userName": userName, "password": secUser2}), 200, "password push")
		want(send("patch password", "PATCH", "/v2/Users/"+id, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"password": secUser3}}}}), 200, "patch password")
		want(send("duplicate", "POST", "/Users", map[string]any{"userName": strings.ToUpper(userName), "password": secUser1}), 409, "duplicate")
		want(send("bad value", "POST", "/v2/Users", map[string]any{"userName": "x", "password": map[string]any{"p": secUser1}}), 400, "bad value")
		want(send("wrong basic", "GET", "/Users/"+id, nil, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("okta:"+secWrong))), 401, "wrong basic")
		want(send("wrong ops token", "GET", "/metrics", nil, "X-Ops-Token", secWrong), 401, "wrong ops token")
		want(send("ready", "GET", "/-/ready", nil), 200, "ready")

		// The database goes away and comes back.
		pdb.proxy.cut()
		want(send("db down read", "GET", "/Users/"+id, nil), 503, "db down read")
		want(send("db down write", "POST", "/Users", map[string]any{"userName": "down@example.com", "password": secUser1}), 503, "db down write")
		want(send("db down ready", "GET", "/-/ready", nil), 503, "db down ready")
		pdb.proxy.restore()
		for i := 0; i < 100; i++ {
			if r := doCall(client, "GET", base+"/-/ready", nil, nil); r.status == 200 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}

		// Bad reloads: the running mapping keeps serving, and the reasons name no secret.
		for _, bad := range []struct{ label, content string }{
			{"unknown key", good + "bogus: {dsn: \"" + badDSN + "\"}\n"},
			{"unreachable inline DSN", strings.Replace(good, `"${APP_DSN}"`, `"`+badDSN+`"`, 1)},
			{"malformed inline DSN", strings.Replace(good, `"${APP_DSN}"`, `"postgres://u:`+secDSNPassword+`@[::1:5432/x?connect_timeout=1"`, 1)},
			{"missing env", strings.Replace(good, "{env: SCIMSQL_PASSWORD}", "{env: SCIMSQL_NO_SUCH_VAR}", 1)},
		} {
			write(bad.content)
			want(send("reload "+bad.label, "POST", "/-/reload", nil, "X-Ops-Token", secOps), 400, "reload "+bad.label)
			want(send("ready after "+bad.label, "GET", "/-/ready", nil), 200, "ready after "+bad.label)
		}
		// Switch the SCIM auth to a header secret, then use it right and wrong.
		write(strings.Replace(good, "    type: basic\n    username: okta\n    password: {env: SCIMSQL_PASSWORD}\n", "    type: header\n    header: X-Api-Key\n    value: {env: API_KEY}\n", 1))
		want(send("reload header auth", "POST", "/-/reload", nil, "X-Ops-Token", secOps), 200, "reload header auth")
		want(send("header auth", "GET", "/Users/"+id, nil, "Authorization", "", "X-Api-Key", secHeader), 200, "header auth")
		want(send("wrong header", "GET", "/Users/"+id, nil, "Authorization", "", "X-Api-Key", secWrong), 401, "wrong header")
		want(send("capabilities", "GET", "/ServiceProviderConfigs", nil, "Authorization", "", "X-Api-Key", secHeader), 200, "capabilities")
		want(send("v2 config", "GET", "/v2/ServiceProviderConfig", nil, "Authorization", "", "X-Api-Key", secHeader), 200, "v2 config")
		want(send("metrics", "GET", "/metrics", nil, "X-Ops-Token", secOps), 200, "metrics")
		write(good)
		want(send("reload back", "POST", "/-/reload", nil, "X-Ops-Token", secOps), 200, "reload back")

		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("%s: serve exited with %v", format, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: serve did not stop on SIGTERM", format)
		}
		logs := stderr.String()
		tr.add(format+" serve stdout", stdout.String())
		tr.add(format+" serve logs", logs)
		// The run did what it should have: debug SQL lines, the failures, the reloads.
		for _, wantLog := range []string{"sql", "authentication failed", "database unreachable", "reload failed", "mapping reloaded"} {
			if !strings.Contains(logs, wantLog) {
				t.Errorf("%s logs lack %q: the scenario did not run as intended", format, wantLog)
			}
		}
	}

	// validate and explain, with the database there, gone, and named on the command line.
	run := func(label string, args ...string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		tr.add(label, string(out))
	}
	run("validate", "validate", "-mapping", mapping)
	run("validate -db require", "validate", "-mapping", mapping, "-db", "require")
	run("validate -dsn refused", "validate", "-mapping", mapping, "-dsn", badDSN, "-db", "require")
	run("explain", "explain", "-mapping", mapping)
	run("explain -op createUser", "explain", "-mapping", mapping, "-op", "createUser")
	pdb.proxy.cut()
	run("validate db down", "validate", "-mapping", mapping, "-db", "require")
	pdb.proxy.restore()
	write(good + "bogus: 1\n")
	run("validate bad mapping", "validate", "-mapping", mapping)
	run("explain bad mapping", "explain", "-mapping", mapping)
	write(strings.Replace(good, `"${APP_DSN}"`, `"`+badDSN+`"`, 1))
	run("validate inline DSN refused", "validate", "-mapping", mapping, "-db", "require")
	run("explain inline DSN", "explain", "-mapping", mapping)
	// serve with that database down at start: it serves 503 and says why.
	{
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		var out syncBuffer
		cmd := exec.Command(bin, "serve", "-mapping", mapping, "-listen", addr, "-log-level", "debug", "-watch=false")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		client := &http.Client{Timeout: 10 * time.Second}
		var r faultCall
		for i := 0; i < 200; i++ {
			if r = doCall(client, "GET", "http://"+addr+"/Users?startIndex=1&count=1", nil, func(r *http.Request) { r.SetBasicAuth("okta", secBasic) }); r.status > 0 {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		if r.status != 503 {
			t.Errorf("serve with the database down at start: %d %s", r.status, r.raw)
		}
		tr.add("serve down at start: response", string(r.raw))
		ready := doCall(client, "GET", "http://"+addr+"/-/ready", nil, nil)
		tr.add("serve down at start: ready", string(ready.raw))
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		tr.add("serve down at start: logs", out.String())
	}

	all := tr.String()
	if !strings.Contains(all, "INSERT INTO") || !strings.Contains(all, "database check") {
		t.Errorf("validate and explain did not run as intended:\n%s", all)
	}
	var leaks []string
	for _, s := range []string{secDSNPassword, secBasic, secHeader, secOps, secUser1, secUser2, secUser3, secWrong} {
		for form, v := range leakForms(s) {
			if i := strings.Index(all, v); i >= 0 {
				from, to := max(0, i-200), min(len(all), i+len(v)+100)
				leaks = append(leaks, fmt.Sprintf("%s (%s) in: …%s…", s, form, all[from:to]))
			}
		}
	}
	sort.Strings(leaks)
	for _, l := range leaks {
		t.Errorf("secret leaked: %s", l)
	}
	t.Logf("searched %d bytes of logs, responses, metrics and command output from %d captures for %d secrets in %d encodings each", len(all), len(tr.parts), 8, len(leakForms("x")))
	if testing.Verbose() && os.Getenv("SCIMSQL_TEST_TRANSCRIPT") != "" {
		_ = os.WriteFile(os.Getenv("SCIMSQL_TEST_TRANSCRIPT"), []byte(all), 0o600)
	}
}
