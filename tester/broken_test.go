package tester_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/tester"
)

func client(t *testing.T, url string, v tester.Version) *tester.Client {
	t.Helper()
	c, err := tester.NewClient(tester.Config{BaseURL: url, Version: v, Header: http.Header{"Authorization": {"Basic b2t0YTpva3Rh"}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func checkFake(t *testing.T, f *fake, opts tester.Options) *tester.Report {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	base := srv.URL + "/"
	v := tester.V1
	if f.v2 {
		base = srv.URL + "/v2/"
		v = tester.Auto // detected from the URL
	}
	rep := client(t, base, v).Check(context.Background(), opts)
	if t.Failed() || testing.Verbose() {
		var b bytes.Buffer
		rep.WriteText(&b, false)
		t.Log("\n" + b.String())
	}
	return rep
}

func statuses(rep *tester.Report) map[string]tester.Status {
	out := map[string]tester.Status{}
	for _, c := range rep.Checks {
		out[c.Name] = c.Status
	}
	return out
}

// The fake, unbroken, passes in both versions: the flow check's idea of a good
// connector is the protocol's, not scimsql's.
func TestHealthyFake(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		name := "v1"
		if v2 {
			name = "v2"
		}
		t.Run(name, func(t *testing.T) {
			f := newFake(v2, 230) // three import pages
			rep := checkFake(t, f, tester.Options{})
			if rep.ExitCode() != 0 {
				t.Fatalf("broken: %v", statuses(rep))
			}
			for _, c := range tester.AllCapabilities {
				if st := rep.Check(c).Status; st != tester.Working {
					t.Errorf("%s: %s (%s)", c, st, rep.Check(c).Summary)
				}
			}
			if v2 {
				if rep.Version != "SCIM 2.0" {
					t.Errorf("version %s: not detected from /v2/", rep.Version)
				}
				// Both forms were played, and the users were deleted, not just deactivated.
				if f.requests("PATCH /Users/") == 0 || f.requests("PUT /Users/") == 0 || f.requests("PATCH /Groups/") < 4 {
					t.Errorf("2.0 forms: %d user PATCHes, %d user PUTs, %d group PATCHes", f.requests("PATCH /Users/"), f.requests("PUT /Users/"), f.requests("PATCH /Groups/"))
				}
				for _, rec := range rep.Created {
					if rec.Kind == "user" && rec.Cleanup != "deleted" {
						t.Errorf("2.0 user %s: %s", rec.ID, rec.Cleanup)
					}
				}
			} else {
				// SCIM 1.1: no PATCH, users deactivated, groups deleted, nothing left.
				if f.requests("PATCH") != 0 {
					t.Errorf("a SCIM 1.1 flow sent PATCH")
				}
				for _, rec := range rep.Created {
					if !rec.CleanedUp {
						t.Errorf("%s %s left: %s", rec.Kind, rec.ID, rec.Cleanup)
					}
				}
				for _, u := range f.users {
					if strings.HasPrefix(str(u.doc["userName"]), "scimsqltest.") && u.doc["active"] != false {
						t.Errorf("test user %v left active", u.doc["id"])
					}
				}
			}
			if len(f.groups) != 1 {
				t.Errorf("%d groups after the run; the test group was not deleted", len(f.groups))
			}
			if len(rep.Left) != 0 {
				t.Errorf("left: %v", rep.Left)
			}
		})
	}
}

// Every way a connector breaks Okta's imports and pushes is caught, named, and shown
// with its evidence.
func TestBrokenServers(t *testing.T) {
	cases := []struct {
		name  string
		v2    bool
		users int
		set   func(*fake)
		check string // the check that must be broken
		want  string // in its findings
	}{
		{"wrong totalResults", false, 150, func(f *fake) { f.wrongTotal = true }, "IMPORT_NEW_USERS", "totalResults"},
		{"duplicate ids across pages", false, 230, func(f *fake) { f.dupAcrossPages = true }, "IMPORT_NEW_USERS", "returned on page 1 and again on page 2"},
		{"duplicate ids, small pages", false, 5, func(f *fake) { f.dupAcrossPages = true }, "IMPORT_NEW_USERS", "comes back on two pages"},
		{"pages capped below 100", false, 150, func(f *fake) { f.maxPage = 50 }, "IMPORT_NEW_USERS", "asks for startIndex=101 next"},
		{"500 on a filter", false, 3, func(f *fake) { f.filter500 = true }, "PUSH_NEW_USERS", "answered 500"},
		{"declared deactivation that does not store", false, 3, func(f *fake) { f.ignoreActive = true }, "PUSH_USER_DEACTIVATION", "active=true after setting active=false"},
		{"deactivation answered but not stored", false, 3, func(f *fake) { f.ignoreActive, f.echoActive = true, true }, "PUSH_USER_DEACTIVATION", "the change was not stored"},
		{"itemsPerPage echoes count", false, 3, func(f *fake) { f.itemsEchoCount = true }, "IMPORT_NEW_USERS", "itemsPerPage is 100, the count asked for"},
		{"counts as strings", false, 3, func(f *fake) { f.countsAsStrings = true }, "IMPORT_NEW_USERS", `totalResults is the string "`},
		{"404 instead of an empty list", false, 3, func(f *fake) { f.notFoundOnEmpty = true }, "PUSH_NEW_USERS", "404 instead of an empty list"},
		{"missing capability body", false, 3, func(f *fake) { f.noCaps = true }, "ServiceProviderConfigs", "Okta assumes every capability"},
		{"2.0: declared deactivation without PATCH", true, 3, func(f *fake) { f.noPatch = true }, "PUSH_USER_DEACTIVATION", "PATCH /Users/"},
		{"2.0: 500 on a filter", true, 3, func(f *fake) { f.filter500 = true }, "PUSH_NEW_USERS", "answered 500"},
		{"profile push that keeps the old name", false, 3, func(f *fake) { f.keepName = true }, "PUSH_PROFILE_UPDATES", "reads back name.familyName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(tc.v2, tc.users)
			tc.set(f)
			rep := checkFake(t, f, tester.Options{})
			if rep.ExitCode() != 1 || rep.OK {
				t.Fatalf("exit code %d: the fault was not caught: %v", rep.ExitCode(), statuses(rep))
			}
			c := rep.Check(tc.check)
			if c == nil || c.Status != tester.Broken {
				t.Fatalf("%s is %v, want broken: %v", tc.check, c, statuses(rep))
			}
			var all []string
			evidence := false
			for _, fd := range c.Findings {
				all = append(all, fd.Message)
				if strings.Contains(fd.Message, tc.want) && fd.Severity == tester.SevError {
					evidence = fd.Exchange != nil || fd.Expected != ""
				}
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Fatalf("%s findings lack %q:\n%s", tc.check, tc.want, strings.Join(all, "\n"))
			}
			if !evidence {
				t.Errorf("the finding %q has neither the exchange nor the expectation", tc.want)
			}
			// The person's report shows the request and the response.
			var b bytes.Buffer
			rep.WriteText(&b, false)
			if !strings.Contains(b.String(), "request:") || !strings.Contains(b.String(), "FAIL") {
				t.Errorf("the text report lacks the evidence:\n%s", b.String())
			}
			if strings.Contains(b.String(), "\x1b[") {
				t.Errorf("colours without a terminal")
			}
		})
	}
}

// A connector whose table has no name columns (a forum's users) stores no familyName: its
// profile push is judged on what it does store, not failed for a name it never kept.
func TestProfilePushWithoutNames(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		f := newFake(v2, 3)
		f.noNames = true
		rep := checkFake(t, f, tester.Options{})
		if c := rep.Check("PUSH_PROFILE_UPDATES"); c == nil || c.Status != tester.Working {
			t.Fatalf("v2=%v: PUSH_PROFILE_UPDATES is %v, want working: %v", v2, c, statuses(rep))
		}
		if rep.ExitCode() != 0 {
			t.Errorf("v2=%v: exit %d: %v", v2, rep.ExitCode(), statuses(rep))
		}
	}
}

// A missing capability body: Okta assumes everything, so everything is checked.
func TestMissingCapabilitiesChecksEverything(t *testing.T) {
	f := newFake(false, 3)
	f.noCaps = true
	rep := checkFake(t, f, tester.Options{})
	for _, c := range tester.AllCapabilities {
		if rep.Check(c).Status != tester.Working || !rep.Check(c).Declared {
			t.Errorf("%s: %s", c, rep.Check(c).Status)
		}
	}
}

// Working but not declared: read-only capabilities are always probed; writes only
// with ProbeUndeclared.
func TestUndeclared(t *testing.T) {
	f := newFake(false, 3)
	f.caps = []string{"IMPORT_NEW_USERS"}
	rep := checkFake(t, f, tester.Options{})
	st := statuses(rep)
	if rep.ExitCode() != 0 {
		t.Fatalf("exit %d: %v", rep.ExitCode(), st)
	}
	want := map[string]tester.Status{
		"IMPORT_NEW_USERS": tester.Working, "IMPORT_PROFILE_UPDATES": tester.Undeclared, "OPP_SCIM_INCREMENTAL_IMPORTS": tester.Undeclared,
		"PUSH_NEW_USERS": tester.NotDeclared, "GROUP_PUSH": tester.NotDeclared, "PUSH_USER_DEACTIVATION": tester.NotDeclared,
	}
	for k, v := range want {
		if st[k] != v {
			t.Errorf("%s: %s, want %s", k, st[k], v)
		}
	}
	if f.requests("POST") != 0 || f.requests("PUT") != 0 || f.requests("DELETE") != 0 {
		t.Fatalf("wrote to a connector that declares only imports")
	}

	f = newFake(false, 3)
	f.caps = []string{"IMPORT_NEW_USERS"}
	f.ignoreActive = true
	rep = checkFake(t, f, tester.Options{ProbeUndeclared: true})
	st = statuses(rep)
	for _, c := range []string{"PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES", "GROUP_PUSH"} {
		if st[c] != tester.Undeclared {
			t.Errorf("%s: %s, want working-not-declared", c, st[c])
		}
	}
	// Accepting a password says nothing about storing it: no claim.
	if st["PUSH_PASSWORD_UPDATES"] != tester.NotDeclared {
		t.Errorf("PUSH_PASSWORD_UPDATES: %s", st["PUSH_PASSWORD_UPDATES"])
	}
	// Deactivation does not work, and is not declared: fine, not broken.
	if st["PUSH_USER_DEACTIVATION"] != tester.NotDeclared || rep.ExitCode() != 0 {
		t.Errorf("deactivation: %s, exit %d", st["PUSH_USER_DEACTIVATION"], rep.ExitCode())
	}
}

// Credentials and passwords never reach a report or a trace.
func TestRedaction(t *testing.T) {
	f := newFake(false, 3)
	srv := httptest.NewServer(f)
	defer srv.Close()
	var trace bytes.Buffer
	c, err := tester.NewClient(tester.Config{BaseURL: srv.URL, Header: http.Header{"Authorization": {"Basic b2t0YTpva3Rh"}},
		Trace: func(ex *tester.Exchange) { b, _ := json.Marshal(ex); trace.Write(b) }})
	if err != nil {
		t.Fatal(err)
	}
	rep := c.Check(context.Background(), tester.Options{})
	var out bytes.Buffer
	_ = rep.WriteJSON(&out)
	rep.WriteText(&out, true)
	for _, s := range []string{out.String(), trace.String()} {
		if strings.Contains(s, "b2t0YTpva3Rh") {
			t.Fatal("the Authorization value was printed")
		}
		if strings.Contains(s, "Pw-") || strings.Contains(s, "New-") {
			t.Fatal("a password was printed")
		}
	}
	if !strings.Contains(trace.String(), "Basic \\u003credacted\\u003e") {
		t.Errorf("the trace does not show the redacted header:\n%.500s", trace.String())
	}
	// Credentials in the URL become Basic auth and are not printed either.
	c, err = tester.NewClient(tester.Config{BaseURL: strings.Replace(srv.URL, "http://", "http://okta:okta@", 1)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.BaseURL(), "okta@") {
		t.Errorf("base URL printed with credentials: %s", c.BaseURL())
	}
	if res, _ := c.RunMethod(context.Background(), "getImplementedUserManagementCapabilities", tester.MethodInput{}); !res.OK {
		t.Errorf("credentials from the URL were not used: %s", res.Message)
	}
}

func TestDetectVersion(t *testing.T) {
	for url, want := range map[string]tester.Version{
		"https://h/scim/v2/": tester.V2, "https://h/scim/V2": tester.V2, "https://h/": tester.V1,
		"https://h/v1/": tester.V1, "https://h/v2x/": tester.V1, "http://h:8080": tester.V1,
	} {
		if got := tester.DetectVersion(url); got != want {
			t.Errorf("%s: %v, want %v", url, got, want)
		}
	}
}

// Paths join the base URL's path, and ids are escaped as one segment.
func TestPaths(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.RequestURI)
		w.WriteHeader(404)
	}))
	defer srv.Close()
	c := client(t, srv.URL+"/scim/v2/", tester.Auto)
	if c.Version() != tester.V2 || c.BaseURL() != srv.URL+"/scim/v2/" {
		t.Fatalf("version %v, base %s", c.Version(), c.BaseURL())
	}
	ctx := context.Background()
	c.Do(ctx, "GET", tester.UserPath("a.b/c d"), nil)
	c.Do(ctx, "GET", tester.FilterPath("Users", `userName eq "x y@z"`, 1, 100), nil)
	c.Do(ctx, "GET", tester.GroupPath("d010"), nil)
	want := []string{
		"/scim/v2/Users/a.b%2Fc%20d",
		"/scim/v2/Users?filter=userName+eq+%22x+y%40z%22&startIndex=1&count=100",
		"/scim/v2/Groups/d010",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Refused credentials or an unreachable connector: one clear failure, not ten.
func TestUnreachableOrRefused(t *testing.T) {
	f := newFake(false, 1)
	srv := httptest.NewServer(f)
	defer srv.Close()
	bad, err := tester.NewClient(tester.Config{BaseURL: srv.URL, Username: "okta", Password: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	rep := bad.Check(context.Background(), tester.Options{})
	if rep.ExitCode() != 1 || len(rep.Broken()) != 1 || !strings.Contains(rep.Checks[0].Summary, "refused the credentials (401)") || rep.Requests != 1 {
		t.Fatalf("wrong credentials: %v, %s, %d requests", statuses(rep), rep.Checks[0].Summary, rep.Requests)
	}
	srv.Close()
	rep = client(t, srv.URL, tester.V1).Check(context.Background(), tester.Options{})
	if rep.ExitCode() != 1 || !strings.Contains(rep.Checks[0].Summary, "cannot reach the connector") {
		t.Fatalf("unreachable: %v, %s", statuses(rep), rep.Checks[0].Summary)
	}
}
