package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/server"
)

// quickstartHandler is a fresh examples/quickstart (SQLite) as an http.Handler.
func quickstartHandler(t *testing.T) http.Handler {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"mapping.yaml", "schema.sql", "seed.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := server.New(context.Background(), server.Options{
		MappingPath: filepath.Join(dir, "mapping.yaml"), Dialects: dialectTable,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Engine: engine.Options{BcryptCost: 4}, LookupEnv: func(string) (string, bool) { return "", false },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Handler()
}

const basic = "Authorization=Basic b2t0YTpva3Rh" // okta:okta

func TestTestCommandUsage(t *testing.T) {
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"test"}, "-url BASE is required"},
		{[]string{"test", "-url", "ftp://x/"}, "scheme must be http or https"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-method", "frobnicate"}, `unknown method "frobnicate"`},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-method", "createnewuser"}, "did you mean createNewUser"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-method", "createNewUser"}, "give -file FILE"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-method", "deleteGroup"}, "needs the id of the record: -arg id=ID"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-method", "checkUserExists"}, "-arg userIdFieldName=NAME"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-file", "x.json"}, "-file goes with -method"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-method", "getGroupById", "-arg", "id"}, "wants name=value"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-expectResults", "maybe"}, "want true or false"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "-method", "createNewUser", "-file", "/no/such.json"}, "no such file"},
		{[]string{"test", "-url", "http://127.0.0.1:1/", "extra"}, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		code, out, errs := runCmd(c.args...)
		if code != 2 || !strings.Contains(errs, c.err) {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q); stdout %q", c.args, code, errs, c.err, out)
		}
	}
	if code, _, errs := runCmd("test", "-h"); code != 2 || !strings.Contains(errs, "checkUserExists") || !strings.Contains(errs, "-probe-undeclared") {
		t.Errorf("-h: %d\n%s", code, errs)
	}
}

// The flow check and the methods against the quickstart, as a person and as CI sees them.
func TestTestCommand(t *testing.T) {
	srv := httptest.NewServer(quickstartHandler(t))
	defer srv.Close()
	url := srv.URL + "/"

	code, out, errs := runCmd("test", "-url", url, "-header", basic, "-json")
	if code != 0 {
		t.Fatalf("flow check: exit %d\n%s\n%s", code, out, errs)
	}
	var rep struct {
		OK     bool `json:"ok"`
		Checks []struct {
			Name, Status string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("-json: %v\n%s", err, out)
	}
	working := 0
	for _, c := range rep.Checks {
		if c.Status == "working" {
			working++
		}
	}
	if !rep.OK || working != 10 {
		t.Fatalf("ok %v, %d working: %+v", rep.OK, working, rep.Checks)
	}

	// Text, with every request traced: no credentials anywhere, no colours off a terminal.
	code, out, errs = runCmd("test", "-url", url, "-user", "okta", "-password", "okta", "-verbose")
	if code != 0 || !strings.Contains(out, "PASS: every declared capability works") || !strings.Contains(out, "PUSH_USER_DEACTIVATION        yes       working") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(errs, "> Authorization: Basic <redacted>") || strings.Contains(out+errs, "b2t0YTpva3Rh") || strings.Contains(errs, `"password":"Pw-`) {
		t.Fatalf("trace: credentials shown or not redacted:\n%.2000s", errs)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colours in output that is not a terminal")
	}

	methods := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"-method", "getImplementedUserManagementCapabilities"}, 0, "Capabilities found - 10"},
		{[]string{"-method", "createNewUser", "-file", "../../testdata/tester/quickstart/createNewUser.json"}, 0, "Okta will use the ID"},
		{[]string{"-method", "createNewUser", "-file", "../../testdata/tester/quickstart/createNewUser.json"}, 1, "FAILED: POST /Users answered 409"},
		{[]string{"-method", "checkUserExists", "-arg", "userIdFieldName=userName", "-arg", "userIdFieldValue=ada.lovelace@example.com"}, 0, "will be used as the (external)id"},
		{[]string{"-method", "checkUserExists", "-arg", "userIdFieldName=userName", "-arg", "userIdFieldValue=nobody@example.com", "-expectResults", "false"}, 0, "OK!"},
		{[]string{"-method", "checkUserExists", "-arg", "userIdFieldName=userName", "-arg", "userIdFieldValue=nobody@example.com"}, 1, "FAILED: no user found"},
		{[]string{"-method", "getGroupById", "-arg", "id=4242"}, 1, "did not get anything"},
		{[]string{"-method", "deactivateUser", "-file", "../../testdata/tester/quickstart/deactivateUser.json"}, 0, "INACTIVE"},
	}
	for _, m := range methods {
		args := append([]string{"test", "-url", url, "-header", basic}, m.args...)
		code, out, errs := runCmd(args...)
		if code != m.code || !strings.Contains(out, m.out) {
			t.Errorf("%v: exit %d (want %d), stdout lacks %q?\n%s\n%s", m.args, code, m.code, m.out, out, errs)
		}
	}
	// A method's -json.
	code, out, _ = runCmd("test", "-url", url, "-header", basic, "-method", "downloadGroups", "-json")
	var mr struct {
		OK    bool `json:"ok"`
		Count int  `json:"count"`
	}
	if err := json.Unmarshal([]byte(out), &mr); err != nil || code != 0 || !mr.OK || mr.Count != 2 {
		t.Fatalf("downloadGroups -json: exit %d, %v, %+v\n%s", code, err, mr, out)
	}
}

// A connector that declares a capability it cannot do: exit 1, in text and in JSON.
func TestTestCommandBroken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/ServiceProviderConfigs":
			_, _ = io.WriteString(w, `{"schemas":["urn:scim:schemas:core:1.0","urn:okta:schemas:scim:providerconfig:1.0"],"authenticationSchemes":[],
				"urn:okta:schemas:scim:providerconfig:1.0":{"userManagementCapabilities":["IMPORT_NEW_USERS"]}}`)
		default:
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"errors":[{"statusCode":500,"description":"the database is on fire"}]}`)
		}
	}))
	defer srv.Close()
	code, out, _ := runCmd("test", "-url", srv.URL)
	if code != 1 || !strings.Contains(out, "IMPORT_NEW_USERS              yes       BROKEN") || !strings.Contains(out, "the database is on fire") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, _ = runCmd("test", "-url", srv.URL, "-json")
	var rep struct {
		OK bool `json:"ok"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK {
		t.Fatalf("-json: exit %d, %v, ok %v", code, err, rep.OK)
	}
	if code, out, _ := runCmd("test", "-url", srv.URL, "-method", "downloadUsers"); code != 1 || !strings.Contains(out, "FAILED") {
		t.Fatalf("downloadUsers: exit %d\n%s", code, out)
	}
}

// HTTPS: a self-signed connector fails verification, and works with -insecure or with
// its certificate given by -cacert.
func TestTestCommandTLS(t *testing.T) {
	srv := httptest.NewTLSServer(quickstartHandler(t))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	m := []string{"-method", "getImplementedUserManagementCapabilities"}
	code, out, _ := runCmd(append([]string{"test", "-url", srv.URL, "-header", basic}, m...)...)
	if code != 1 || !strings.Contains(out, "-cacert") {
		t.Fatalf("unverified certificate: exit %d\n%s", code, out)
	}
	if code, out, _ := runCmd(append([]string{"test", "-url", srv.URL, "-header", basic, "-insecure"}, m...)...); code != 0 {
		t.Fatalf("-insecure: exit %d\n%s", code, out)
	}
	if code, out, _ := runCmd("test", "-url", srv.URL, "-header", basic, "-cacert", ca); code != 0 {
		t.Fatalf("-cacert, flow check: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	_ = os.WriteFile(bad, []byte("not a certificate"), 0o644)
	if code, _, errs := runCmd("test", "-url", srv.URL, "-cacert", bad); code != 2 || !strings.Contains(errs, "no PEM certificate") {
		t.Fatalf("bad -cacert: exit %d, %s", code, errs)
	}
}
