package tester_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/conformance"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/server"
	"github.com/scimsql/scimsql/tester"
)

// These tests run the tester against scimsql itself, in-process, over real HTTP: the
// quickstart on SQLite, and the examples on MariaDB and PostgreSQL. The tester does not
// know it is scimsql; only the set-up does.

func root(parts ...string) string {
	return filepath.Join(append([]string{".."}, parts...)...)
}

var noEnv = func(string) (string, bool) { return "", false }

// serve starts scimsql on mapping (with dsn overriding the mapping's when set) and
// returns its base URL.
func serve(t *testing.T, mapping, dsn string) string {
	t.Helper()
	s, err := server.New(context.Background(), server.Options{
		MappingPath: mapping, DSN: dsn,
		Dialects: map[string]func() dialects.Dialect{"sqlite": sqlite.New, "mysql": conformance.MySQL, "postgres": postgres.New},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Version:  "test", Engine: engine.Options{BcryptCost: 4}, LookupEnv: noEnv,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL + s.Mapping().Server.BasePath + "/"
}

// quickstart is a fresh examples/quickstart (SQLite, created and seeded on start).
func quickstart(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"mapping.yaml", "schema.sql", "seed.sql"} {
		b, err := os.ReadFile(root("examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return serve(t, filepath.Join(dir, "mapping.yaml"), "")
}

func okta(t *testing.T, base string) *tester.Client {
	t.Helper()
	c, err := tester.NewClient(tester.Config{BaseURL: base, Header: http.Header{"Authorization": {"Basic b2t0YTpva3Rh"}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func dataFile(t *testing.T, app, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(root("testdata", "tester", app, name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s/%s: %v", app, name, err)
	}
	return doc
}

// step is one tester method call and what it must give.
type step struct {
	method string
	file   string
	args   map[string]string
	expect *bool // -expectResults; nil is true
	ok     bool
	id     string // the id Okta will use, when the method reports one
	count  int    // for downloads and checkUserExists: at least this many (-1: exactly 0)
	active *bool  // the active state the result reports
	output string // in the output
}

var yes, no = true, false

func runSteps(t *testing.T, c *tester.Client, app string, steps []step) {
	t.Helper()
	for _, s := range steps {
		in := tester.MethodInput{Args: s.args, ExpectResults: s.expect == nil || *s.expect}
		if s.file != "" {
			in.File, in.FileName = dataFile(t, app, s.file), s.file
		}
		res, err := c.RunMethod(context.Background(), s.method, in)
		if err != nil {
			t.Fatalf("%s %s: %v", s.method, s.file, err)
		}
		var b bytes.Buffer
		res.WriteText(&b, false)
		if res.OK != s.ok || res.ExitCode() != map[bool]int{true: 0, false: 1}[s.ok] {
			t.Fatalf("%s %s: ok=%v, want %v\n%s", s.method, s.file, res.OK, s.ok, b.String())
		}
		if s.id != "" && res.ID != s.id {
			t.Errorf("%s %s: id %q, want %q\n%s", s.method, s.file, res.ID, s.id, b.String())
		}
		if s.count != 0 {
			if res.Count == nil || (s.count > 0 && *res.Count < s.count) || (s.count < 0 && *res.Count != 0) {
				t.Errorf("%s: count %v, want %d", s.method, res.Count, s.count)
			}
		}
		if s.active != nil && (res.Active == nil || *res.Active != *s.active) {
			t.Errorf("%s %s: active %v, want %v\n%s", s.method, s.file, res.Active, *s.active, b.String())
		}
		if s.output != "" && !strings.Contains(b.String(), s.output) {
			t.Errorf("%s: output lacks %q:\n%s", s.method, s.output, b.String())
		}
		if strings.Contains(b.String(), "b2t0YTpva3Rh") {
			t.Fatalf("%s printed the credentials", s.method)
		}
		if testing.Verbose() {
			t.Logf("%s %s\n%s", s.method, s.file, b.String())
		}
	}
}

// Every method of Okta's tester with the quickstart data files, then the full flow
// check: every capability declared and working.
func TestQuickstart(t *testing.T) {
	base := quickstart(t)
	c := okta(t, base)
	runSteps(t, c, "quickstart", []step{
		{method: "getImplementedUserManagementCapabilities", ok: true, output: "Capabilities found - 10"},
		{method: "checkUserExists", args: map[string]string{"userIdFieldName": "userName", "userIdFieldValue": "ada.lovelace@example.com"}, expect: &no, ok: true, count: -1},
		{method: "createNewUser", file: "createNewUser.json", ok: true, id: "103", output: "Okta will use the ID 103 to identify this User in the future."},
		{method: "createNewUser", file: "createNewUser.json", ok: false}, // a second POST is a 409
		{method: "createNewUser", file: "createNewUserWithCustomExtension.json", ok: true, id: "104", output: `"departmentName": "Compilers"`},
		{method: "createPendingUser", file: "createPendingUser.json", ok: true, id: "105"},
		{method: "checkUserExists", args: map[string]string{"userIdFieldName": "userName", "userIdFieldValue": "ada.lovelace@example.com"}, ok: true, id: "103", active: &yes, count: 1,
			output: "The ID 103 will be used as the (external)id."},
		{method: "checkUserExists", args: map[string]string{"userIdFieldName": "email", "userIdFieldValue": "nobody@example.com", "userIdFieldName2": "email", "userIdFieldValue2": "alan.turing@example.com"},
			ok: true, id: "105", active: &no, output: "INACTIVE"},
		{method: "checkUserExists", args: map[string]string{"userIdFieldName": "userName", "userIdFieldValue": "nobody@example.com"}, ok: false},
		{method: "activateUser", file: "activateUser.json", ok: true, active: &yes},
		{method: "downloadUsers", ok: true, count: 5, output: "5 Users returned."},
		{method: "importUserProfile", args: map[string]string{"id": "101"}, ok: true, active: &yes},
		{method: "importUserProfile", args: map[string]string{"id": "999"}, ok: false},
		{method: "importUserProfile", args: map[string]string{"id": "999"}, expect: &no, ok: true},
		{method: "deactivateUser", file: "deactivateUser.json", ok: true, active: &no},
		{method: "importUserProfile", args: map[string]string{"id": "101"}, ok: true, active: &no},
		{method: "reactivateUser", file: "reactivateUser.json", ok: true, active: &yes},
		{method: "pushPasswordUpdate", file: "pushPasswordUpdate.json", ok: true},
		{method: "pushProfileUpdate", file: "pushProfileUpdate.json", ok: true, output: `"familyName": "Taylor"`},
		{method: "downloadGroups", ok: true, count: 2},
		{method: "getGroupById", args: map[string]string{"id": "1001"}, ok: true, output: "firstGroup"},
		{method: "getGroupById", args: map[string]string{"id": "4242"}, ok: false},
		{method: "createGroup", file: "createGroup.json", ok: true, id: "1003", output: "Okta will use the ID 1003 to identify this Group in the future."},
		{method: "createGroup", file: "createGroup.json", ok: false, output: "Duplicate group found"},
		{method: "updateGroup", file: "updateGroup.json", ok: true, output: "secondGroup-renamed"},
		{method: "deleteGroup", args: map[string]string{"id": "1003"}, ok: true},
		{method: "deleteGroup", args: map[string]string{"id": "1003"}, ok: false},
	})

	rep := c.Check(context.Background(), tester.Options{})
	report(t, rep)
	for _, name := range tester.AllCapabilities {
		if c := rep.Check(name); c.Status != tester.Working || !c.Declared {
			t.Errorf("%s: %s (%s)", name, c.Status, c.Summary)
		}
	}
	for _, c := range rep.Checks {
		if c.Kind == "protocol" && c.Status != tester.Passed {
			t.Errorf("%s: %s %s", c.Name, c.Status, c.Summary)
		}
		for _, f := range c.Findings {
			if f.Severity == tester.SevWarning {
				t.Errorf("%s: warning: %s", c.Name, f.Message)
			}
		}
	}
	if rep.ExitCode() != 0 || len(rep.Left) != 0 {
		t.Fatalf("exit %d, left %v", rep.ExitCode(), rep.Left)
	}
	// Cleanup: every test user is inactive, the test group is gone.
	users := 0
	for _, rec := range rep.Created {
		if rec.Kind != "user" {
			continue
		}
		users++
		res, _ := c.RunMethod(context.Background(), "checkUserExists", tester.MethodInput{ExpectResults: true,
			Args: map[string]string{"userIdFieldName": "userName", "userIdFieldValue": rec.Name}})
		if !res.OK || res.Active == nil || *res.Active || res.ID != rec.ID {
			t.Errorf("test user %s after the cleanup: %s", rec.Name, res.Message)
		}
	}
	if users < 5 {
		t.Errorf("only %d test users", users)
	}
	res, _ := c.RunMethod(context.Background(), "downloadGroups", tester.MethodInput{ExpectResults: true})
	if *res.Count != 2 {
		t.Errorf("%d groups after the cleanup, want the 2 of the seed", *res.Count)
	}
}

func report(t *testing.T, rep *tester.Report) {
	t.Helper()
	var b bytes.Buffer
	rep.WriteText(&b, false)
	if rep.ExitCode() != 0 || testing.Verbose() {
		t.Log("\n" + b.String())
	}
}

// scimsql's SCIM 2.0 (under /v2/) is being built; when it answers, it must pass too.
func TestQuickstartV2(t *testing.T) {
	base := quickstart(t)
	c := okta(t, base+"v2/")
	if c.Version() != tester.V2 {
		t.Fatal("a base URL ending in /v2/ is SCIM 2.0")
	}
	caps := c.Capabilities(context.Background())
	if !caps.Found {
		t.Skipf("scimsql does not serve SCIM 2.0 under /v2/ yet (%s)", strings.Join(caps.Problems, "; "))
	}
	rep := c.Check(context.Background(), tester.Options{})
	report(t, rep)
	for _, name := range tester.AllCapabilities {
		if c := rep.Check(name); c.Status != tester.Working {
			t.Errorf("%s: %s (%s)", name, c.Status, c.Summary)
		}
	}
}
