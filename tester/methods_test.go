package tester_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/tester"
)

// The tester's methods in SCIM 2.0: the 1.1 data files are sent in their 2.0 form, and
// lifecycle changes and group updates as PATCH (Okta's 2.0 client) or PUT (-form put).
func TestMethodsV2(t *testing.T) {
	f := newFake(true, 2)
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := client(t, srv.URL+"/v2/", tester.Auto)
	run := func(method, file string, in tester.MethodInput) *tester.MethodResult {
		t.Helper()
		if file != "" {
			in.File, in.FileName = dataFile(t, "quickstart", file), file
		}
		res, err := c.RunMethod(context.Background(), method, in)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if !res.OK {
			t.Fatalf("%s: %s\n%s", method, res.Message, strings.Join(res.Output, "\n"))
		}
		return res
	}
	res := run("createNewUser", "createNewUserWithCustomExtension.json", tester.MethodInput{ExpectResults: true})
	schemas, _ := json.Marshal(f.last["schemas"])
	if string(schemas) != `["urn:ietf:params:scim:schemas:core:2.0:User","urn:okta:onprem_app:1.0:user:custom"]` {
		t.Errorf("2.0 create sent schemas %s", schemas)
	}
	id := res.ID
	for _, tc := range []struct{ form, want string }{{"", "PATCH /Users/"}, {"patch", "PATCH /Users/"}, {"put", "PUT /Users/"}} {
		before := f.requests(tc.want)
		run("deactivateUser", "deactivateUser.json", tester.MethodInput{Args: map[string]string{"id": id}, Form: tc.form})
		if f.requests(tc.want) != before+1 {
			t.Errorf("-form %q did not send %s", tc.form, tc.want)
		}
		if f.user(id).doc["active"] != false {
			t.Errorf("-form %q: not deactivated", tc.form)
		}
		run("reactivateUser", "reactivateUser.json", tester.MethodInput{Args: map[string]string{"id": id}, Form: tc.form})
		if f.user(id).doc["active"] != true {
			t.Errorf("-form %q: not reactivated", tc.form)
		}
	}
	run("pushPasswordUpdate", "pushPasswordUpdate.json", tester.MethodInput{Args: map[string]string{"id": id}})
	if f.user(id).password != "this-is-the-new-password-101" {
		t.Errorf("password PATCH not applied")
	}
	if ops, _ := json.Marshal(f.last); !strings.Contains(string(ops), `"op":"replace"`) || strings.Contains(string(ops), `"path"`) {
		t.Errorf("password push: %s", ops)
	}
	g := run("createGroup", "createGroup.json", tester.MethodInput{})
	upd := dataFile(t, "quickstart", "updateGroup.json")
	upd["members"] = []any{map[string]any{"value": id}}
	res, err := c.RunMethod(context.Background(), "updateGroup", tester.MethodInput{File: upd, Args: map[string]string{"id": g.ID}})
	if err != nil || !res.OK {
		t.Fatalf("updateGroup: %v %v", err, res)
	}
	for _, gr := range f.groups {
		if gr.id == g.ID && (gr.name != "secondGroup-renamed" || strings.Join(gr.members, ",") != id) {
			t.Errorf("group after PATCH: %+v", gr)
		}
	}
	if f.requests("PATCH /Groups/") != 1 {
		t.Errorf("updateGroup in 2.0 did not PATCH")
	}
	run("deleteGroup", "", tester.MethodInput{Args: map[string]string{"id": g.ID}})

	// 2.0: no match answered with a 404 is tolerated, with a warning.
	f.notFoundOnEmpty = true
	f.users = nil
	res = run("checkUserExists", "", tester.MethodInput{Args: map[string]string{"userIdFieldName": "userName", "userIdFieldValue": "x@example.com"}})
	if len(res.Warnings) == 0 {
		t.Errorf("no warning for a 404 on no match")
	}
}

func TestDownloadOut(t *testing.T) {
	f := newFake(false, 250)
	srv := httptest.NewServer(f)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "users.json")
	res, err := client(t, srv.URL, tester.V1).RunMethod(context.Background(), "downloadUsers", tester.MethodInput{ExpectResults: true, OutFile: out})
	if err != nil || !res.OK || *res.Count != 250 {
		t.Fatalf("%v %+v", err, res)
	}
	if f.requests("GET /Users") != 3 {
		t.Errorf("%d page requests for 250 users, want 3", f.requests("GET /Users"))
	}
	b, _ := os.ReadFile(out)
	var users []map[string]any
	if err := json.Unmarshal(b, &users); err != nil || len(users) != 250 {
		t.Fatalf("-out: %v, %d users", err, len(users))
	}
	res, _ = client(t, srv.URL, tester.V1).RunMethod(context.Background(), "downloadUsers", tester.MethodInput{ExpectResults: false})
	if res.OK || res.ExitCode() != 1 {
		t.Errorf("-expectResults false with 250 users: %v", res.OK)
	}
}
