package tester

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Method is one of the methods of Okta's connector tester (scim-sdk-tests.jar), with the
// same name, request and idea of success.
type Method struct {
	Name string
	// Capability is what the method exercises (the tester README's table), or "".
	Capability string
	// File: the method sends a JSON data file (-file), which it requires.
	File bool
	// ID: the method addresses one record, by -arg id or the file's id.
	ID bool
	// Group: the data file is a group.
	Group bool
	Help  string
	run   func(m *methodRun)
}

// Methods is the method table, by name.
var Methods = map[string]*Method{}

func init() {
	for _, m := range []*Method{
		{Name: "getImplementedUserManagementCapabilities", Help: "GET the capabilities; lists them", run: (*methodRun).capabilities},
		{Name: "createNewUser", Capability: PushNewUsers, File: true, Help: "POST /Users with the file; prints the id Okta will use", run: (*methodRun).createUser},
		{Name: "createPendingUser", Capability: PushPendingUsers, File: true, Help: "POST /Users with the file (active:false)", run: (*methodRun).createUser},
		{Name: "checkUserExists", Capability: PushNewUsers, Help: `GET /Users?filter=<userIdFieldName> eq "<userIdFieldValue>"[ OR <userIdFieldName2> eq "<userIdFieldValue2>"]; -expectResults`, run: (*methodRun).checkUserExists},
		{Name: "downloadUsers", Capability: ImportNewUsers, Help: "GET /Users in pages of 100, as an import; -expectResults; -out FILE keeps them", run: (*methodRun).download},
		{Name: "importUserProfile", Capability: ImportProfileUpdates, ID: true, Help: "GET /Users/{id}; 404 is \"no user\" (-expectResults false)", run: (*methodRun).importUserProfile},
		{Name: "activateUser", Capability: PushPendingUsers, File: true, ID: true, Help: "PUT /Users/{id} with the file (active:true); 2.0: PATCH", run: (*methodRun).lifecycle},
		{Name: "deactivateUser", Capability: PushUserDeactivation, File: true, ID: true, Help: "PUT /Users/{id} with the file (active:false); 2.0: PATCH", run: (*methodRun).lifecycle},
		{Name: "reactivateUser", Capability: ReactivateUsers, File: true, ID: true, Help: "PUT /Users/{id} with the file (active:true); 2.0: PATCH", run: (*methodRun).lifecycle},
		{Name: "pushPasswordUpdate", Capability: PushPasswordUpdates, File: true, ID: true, Help: "PUT /Users/{id} with the file (a new password); 2.0: PATCH", run: (*methodRun).lifecycle},
		{Name: "pushProfileUpdate", Capability: PushProfileUpdates, File: true, ID: true, Help: "PUT /Users/{id} with the file (the whole user)", run: (*methodRun).lifecycle},
		{Name: "downloadGroups", Capability: ImportNewUsers, Help: "GET /Groups in pages of 100; -expectResults; -out FILE keeps them", run: (*methodRun).download},
		{Name: "getGroupById", Capability: GroupPush, ID: true, Help: "GET /Groups/{id}", run: (*methodRun).getGroup},
		{Name: "createGroup", Capability: GroupPush, File: true, Group: true, Help: "POST /Groups with the file; 409 is a duplicate", run: (*methodRun).createGroup},
		{Name: "updateGroup", Capability: GroupPush, File: true, ID: true, Group: true, Help: "PUT /Groups/{id} with the file (the complete member list); 2.0: PATCH", run: (*methodRun).updateGroup},
		{Name: "deleteGroup", Capability: GroupPush, ID: true, Help: "DELETE /Groups/{id}", run: (*methodRun).deleteGroup},
	} {
		Methods[m.Name] = m
	}
}

// MethodNames lists the methods in the order of Okta's tester README.
func MethodNames() []string {
	order := []string{"getImplementedUserManagementCapabilities", "createNewUser", "createPendingUser", "checkUserExists",
		"downloadUsers", "importUserProfile", "activateUser", "deactivateUser", "reactivateUser", "pushPasswordUpdate",
		"pushProfileUpdate", "downloadGroups", "getGroupById", "createGroup", "updateGroup", "deleteGroup"}
	if len(order) != len(Methods) {
		names := make([]string, 0, len(Methods))
		for n := range Methods {
			names = append(names, n)
		}
		sort.Strings(names)
		return names
	}
	return order
}

// MethodInput is what a method is given.
type MethodInput struct {
	// File is the decoded -file (nil when none), FileName its name.
	File     map[string]any
	FileName string
	// Args are the -arg k=v pairs.
	Args map[string]string
	// ExpectResults is -expectResults (default true).
	ExpectResults bool
	// Form is, for SCIM 2.0 lifecycle and group updates, "patch" (default, as Okta's 2.0
	// client sends them) or "put".
	Form string
	// OutFile, for downloadUsers and downloadGroups, receives the records as JSON.
	OutFile string
}

// MethodResult is the outcome of one method.
type MethodResult struct {
	Method  string `json:"method"`
	URL     string `json:"url"`
	Version string `json:"version"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	// ID is the id Okta will use for the record (create, check-exists).
	ID           string         `json:"id,omitempty"`
	Active       *bool          `json:"active,omitempty"`
	Count        *int           `json:"count,omitempty"`
	Capabilities []string       `json:"capabilities,omitempty"`
	Warnings     []string       `json:"warnings,omitempty"`
	Body         map[string]any `json:"body,omitempty"`
	// Output is what a person reads, line by line.
	Output    []string    `json:"output,omitempty"`
	Exchanges []*Exchange `json:"exchanges"`
}

// ExitCode is 0 for success and 1 for failure, as Okta's tester.
func (r *MethodResult) ExitCode() int {
	if r.OK {
		return 0
	}
	return 1
}

// UsageError is a method called wrongly (exit code 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

type methodRun struct {
	c   *Client
	ctx context.Context
	m   *Method
	in  MethodInput
	res *MethodResult
	id  string
}

// RunMethod runs one tester method. The error is a *UsageError when the method cannot
// run as called (unknown name, no -file, no id); a failing connector is a result with
// OK false.
func (c *Client) RunMethod(ctx context.Context, name string, in MethodInput) (*MethodResult, error) {
	m := Methods[name]
	if m == nil {
		for n := range Methods {
			if strings.EqualFold(n, name) {
				return nil, &UsageError{fmt.Sprintf("unknown method %q: did you mean %s?", name, n)}
			}
		}
		return nil, &UsageError{fmt.Sprintf("unknown method %q (methods: %s)", name, strings.Join(MethodNames(), ", "))}
	}
	if in.Args == nil {
		in.Args = map[string]string{}
	}
	if in.Form == "" {
		in.Form = "patch"
	}
	if in.Form != "patch" && in.Form != "put" {
		return nil, &UsageError{fmt.Sprintf("-form must be patch or put, not %q", in.Form)}
	}
	if m.File && in.File == nil {
		return nil, &UsageError{fmt.Sprintf("%s sends a JSON data file: give -file FILE (examples in testdata/tester/)", name)}
	}
	if name == "checkUserExists" {
		a := in.Args
		if a["userIdFieldName"] == "" || a["userIdFieldValue"] == "" {
			return nil, &UsageError{"checkUserExists needs -arg userIdFieldName=NAME -arg userIdFieldValue=VALUE (and optionally userIdFieldName2/userIdFieldValue2, joined by OR)"}
		}
		if (a["userIdFieldName2"] == "") != (a["userIdFieldValue2"] == "") {
			return nil, &UsageError{"userIdFieldName2 and userIdFieldValue2 go together"}
		}
	}
	run := &methodRun{c: c, ctx: ctx, m: m, in: in, res: &MethodResult{Method: name, URL: c.BaseURL(), Version: c.version.String()}}
	if m.ID {
		run.id = in.Args["id"]
		if run.id == "" && in.File != nil {
			run.id, _ = idOf(in.File)
		}
		if run.id == "" {
			where := "-arg id=ID"
			if m.File {
				where += " or an \"id\" in the file"
			}
			return nil, &UsageError{fmt.Sprintf("%s needs the id of the record: %s", name, where)}
		}
	}
	m.run(run)
	return run.res, nil
}

func (m *methodRun) do(method, path string, body any) *Exchange {
	ex := m.c.Do(m.ctx, method, path, body)
	m.res.Exchanges = append(m.res.Exchanges, ex)
	m.printf("%s %s -> %s (%d ms)", ex.Method, ex.URL, statusText(ex), ex.DurationMS)
	return ex
}

func (m *methodRun) printf(format string, a ...any) {
	m.res.Output = append(m.res.Output, fmt.Sprintf(format, a...))
}

func (m *methodRun) warnf(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	m.res.Warnings = append(m.res.Warnings, s)
	m.printf("warning: %s", s)
}

func (m *methodRun) ok(format string, a ...any) {
	m.res.OK = true
	m.res.Message = fmt.Sprintf(format, a...)
}

func (m *methodRun) fail(format string, a ...any) {
	m.res.OK = false
	m.res.Message = fmt.Sprintf(format, a...)
}

// failed reports a non-2xx answer as the failure, with the connector's error body.
func (m *methodRun) failed(ex *Exchange) {
	if ex.Error != "" {
		m.fail("%s %s: %s", ex.Method, ex.Path, ex.Error)
		return
	}
	m.fail("%s %s answered %d: %s", ex.Method, ex.Path, ex.Status, oneLine(cut(ex.ResponseBody, 500)))
}

func (m *methodRun) body(ex *Exchange) {
	if ex.Doc != nil {
		m.res.Body = redactValue(ex.Doc).(map[string]any)
		m.printf("%s", pretty(ex.Doc))
	}
}

func (m *methodRun) active(doc map[string]any) {
	if v, present, kind := boolOf(doc, "active"); present && kind == "boolean" {
		m.res.Active = &v
		state := "ACTIVE"
		if !v {
			state = "INACTIVE"
		}
		m.printf("The user will be returned as %s.", state)
	}
}

func (m *methodRun) capabilities() {
	caps := m.c.Capabilities(m.ctx)
	for _, ex := range caps.Exchanges {
		m.res.Exchanges = append(m.res.Exchanges, ex)
		m.printf("%s %s -> %s (%d ms)", ex.Method, ex.URL, statusText(ex), ex.DurationMS)
	}
	if !caps.Found {
		m.fail("no capability list: %s", strings.Join(caps.Problems, "; "))
		return
	}
	m.res.Capabilities = caps.Names
	m.printf("Capabilities found - %d", len(caps.Names))
	for _, n := range caps.Names {
		m.printf("  %s", n)
	}
	for _, w := range caps.Warnings {
		m.warnf("%s", w)
	}
	for _, u := range caps.Unknown {
		m.warnf("unknown capability %q", u)
	}
	m.ok("%d capabilities", len(caps.Names))
}

func (m *methodRun) createUser() {
	doc := m.c.Adapt(clone(m.in.File), false)
	pending := m.m.Name == "createPendingUser"
	if v, present, _ := boolOf(doc, "active"); pending && (!present || v) {
		m.warnf("%s: a pending user is sent with active:false", m.in.FileName)
	}
	ex := m.do("POST", "/Users", doc)
	if !ex.OK() {
		m.failed(ex)
		return
	}
	m.body(ex)
	id := ""
	if ex.Doc != nil {
		id, _ = idOf(ex.Doc)
	}
	if id == "" {
		m.fail("POST /Users answered %d without the id of the new user", ex.Status)
		return
	}
	m.res.ID = id
	if ex.Status != 201 && m.c.version == V2 {
		m.warnf("POST /Users answered %d; SCIM 2.0 says 201", ex.Status)
	}
	if _, ok := ex.Doc["password"]; ok {
		m.warnf("the answer carries the password")
	}
	if v, present, _ := boolOf(ex.Doc, "active"); pending && present && v {
		m.warnf("the pending user was created active")
	}
	m.printf("Okta will use the ID %s to identify this User in the future.", id)
	m.ok("created user %s", id)
}

func (m *methodRun) checkUserExists() {
	a := m.in.Args
	filter := a["userIdFieldName"] + " eq " + Quote(a["userIdFieldValue"])
	if n2, v2 := a["userIdFieldName2"], a["userIdFieldValue2"]; n2 != "" {
		filter += " OR " + n2 + " eq " + Quote(v2)
	}
	ex := m.do("GET", FilterPath("Users", filter, 1, 100), nil)
	var l *List
	if ex.Status == 404 && m.c.version == V2 {
		m.warnf("no match answered 404 (Okta's 2.0 client tolerates it; an empty ListResponse is standard)")
		l = &List{}
	} else {
		if ex.Status != 200 {
			m.failed(ex)
			return
		}
		l = m.c.ParseList(ex, 1, 100)
		for _, e := range l.Errors {
			m.warnf("%s", e)
		}
	}
	n := len(l.Resources)
	m.res.Count = &n
	m.printf("%d user(s) found for %s", n, filter)
	if !m.in.ExpectResults {
		if n == 0 {
			m.ok("no user found, as expected")
		} else {
			m.fail("found %d user(s) for %s; expected none (-expectResults false)", n, filter)
		}
		return
	}
	if n == 0 {
		m.fail("no user found for %s", filter)
		return
	}
	if n > 1 {
		m.warnf("%d users match; the agent links to one user only", n)
	}
	u := l.Resources[0]
	m.res.ID = l.IDs[0]
	m.printf("The ID %s will be used as the (external)id.", l.IDs[0])
	m.active(u)
	m.ok("found user %s", l.IDs[0])
}

func (m *methodRun) download() {
	resource, label := "Users", "Users"
	if m.m.Name == "downloadGroups" {
		resource, label = "Groups", "Groups"
	}
	var all []any
	total := -1
	for page := 0; page < 10000; page++ {
		start := 1 + page*100
		ex := m.do("GET", PagePath(resource, start, 100), nil)
		if ex.Status != 200 {
			m.failed(ex)
			return
		}
		l := m.c.ParseList(ex, start, 100)
		for _, e := range l.Errors {
			m.warnf("page %d: %s", page+1, e)
		}
		if total < 0 {
			total = l.Total
		}
		for _, r := range l.Resources {
			all = append(all, redactValue(r))
		}
		if len(l.Resources) == 0 || len(l.Resources) < 100 || start-1+len(l.Resources) >= total {
			break
		}
	}
	n := len(all)
	m.res.Count = &n
	m.printf("%d %s returned.", n, label)
	if total >= 0 && total != n {
		m.warnf("totalResults says %d", total)
	}
	if m.in.OutFile != "" {
		b, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile(m.in.OutFile, append(b, '\n'), 0o600); err != nil {
			m.fail("writing %s: %v", m.in.OutFile, err)
			return
		}
		m.printf("%s returned from connector written to %s", label, m.in.OutFile)
	}
	switch {
	case m.in.ExpectResults && n == 0:
		m.fail("no %s returned", strings.ToLower(label))
	case !m.in.ExpectResults && n > 0:
		m.fail("%d %s returned; expected none (-expectResults false)", n, strings.ToLower(label))
	default:
		m.ok("%d %s", n, strings.ToLower(label))
	}
}

func (m *methodRun) importUserProfile() {
	ex := m.do("GET", UserPath(m.id), nil)
	switch {
	case ex.Status == 404:
		if m.in.ExpectResults {
			m.fail("no user with id %s (404)", m.id)
		} else {
			m.ok("no user with id %s, as expected", m.id)
		}
		return
	case !ex.OK():
		m.failed(ex)
		return
	}
	m.body(ex)
	if !m.in.ExpectResults {
		m.fail("got the user %s; expected none (-expectResults false)", m.id)
		return
	}
	m.active(ex.Doc)
	m.ok("got user %s", m.id)
}

// lifecycle is activateUser, deactivateUser, reactivateUser, pushPasswordUpdate and
// pushProfileUpdate: a PUT of the whole user (SCIM 1.1, and 2.0 with -form put), or the
// PATCH Okta's 2.0 client sends (not for profile pushes, which are GET and PUT).
func (m *methodRun) lifecycle() {
	doc := m.c.Adapt(clone(m.in.File), false)
	doc["id"] = m.id
	want := map[string]any{"activateUser": true, "reactivateUser": true, "deactivateUser": false}[m.m.Name]
	if want != nil {
		if v, present, _ := boolOf(doc, "active"); !present || v != want.(bool) {
			m.warnf("%s: %s sends active:%v", m.in.FileName, m.m.Name, want)
		}
	}
	var ex *Exchange
	usePatch := m.c.version == V2 && m.in.Form == "patch" && m.m.Name != "pushProfileUpdate"
	if usePatch {
		value := map[string]any{}
		if m.m.Name == "pushPasswordUpdate" {
			value["password"] = doc["password"]
		} else {
			value["active"] = want
		}
		ex = m.do("PATCH", UserPath(m.id), Patch(map[string]any{"op": "replace", "value": value}))
	} else {
		if m.c.version == V2 && m.m.Name == "pushProfileUpdate" {
			m.do("GET", UserPath(m.id), nil) // Okta's 2.0 client reads before it replaces
		}
		ex = m.do("PUT", UserPath(m.id), doc)
	}
	if !ex.OK() {
		m.failed(ex)
		return
	}
	if ex.Doc != nil {
		m.body(ex)
		if _, ok := ex.Doc["password"]; ok {
			m.warnf("the answer carries the password")
		}
		if v, present, kind := boolOf(ex.Doc, "active"); want != nil && !present {
			m.warnf("the answer carries no active attribute: the connector does not show whether the user is active")
		} else if want != nil {
			if kind != "boolean" {
				m.warnf("active in the answer is a JSON %s", kind)
			} else if v != want.(bool) {
				m.warnf("the answer says active:%v after %s", v, m.m.Name)
			}
		}
		m.active(ex.Doc)
	}
	m.ok("%s of user %s accepted (%d)", m.m.Name, m.id, ex.Status)
}

func (m *methodRun) getGroup() {
	ex := m.do("GET", GroupPath(m.id), nil)
	if ex.Status == 404 {
		m.fail("did not get anything: no group with id %s (404)", m.id)
		return
	}
	if !ex.OK() {
		m.failed(ex)
		return
	}
	m.body(ex)
	if ex.Doc != nil {
		m.printf("Group %s (%s) has %d member(s).", m.id, str(ex.Doc["displayName"]), len(list(ex.Doc["members"])))
	}
	m.ok("got group %s", m.id)
}

func (m *methodRun) createGroup() {
	doc := m.c.Adapt(clone(m.in.File), true)
	ex := m.do("POST", "/Groups", doc)
	if ex.Status == 409 {
		m.fail("Duplicate group found: %s", oneLine(cut(ex.ResponseBody, 300)))
		return
	}
	if !ex.OK() {
		m.failed(ex)
		return
	}
	m.body(ex)
	id := ""
	if ex.Doc != nil {
		id, _ = idOf(ex.Doc)
	}
	if id == "" {
		m.fail("POST /Groups answered %d without the id of the new group", ex.Status)
		return
	}
	m.res.ID = id
	m.printf("Okta will use the ID %s to identify this Group in the future.", id)
	m.ok("created group %s", id)
}

func (m *methodRun) updateGroup() {
	doc := m.c.Adapt(clone(m.in.File), true)
	doc["id"] = m.id
	var ex *Exchange
	if m.c.version == V2 && m.in.Form == "patch" {
		members := doc["members"]
		if members == nil {
			members = []any{}
		}
		ex = m.do("PATCH", GroupPath(m.id), Patch(
			map[string]any{"op": "replace", "value": map[string]any{"id": m.id, "displayName": doc["displayName"]}},
			map[string]any{"op": "replace", "path": "members", "value": members},
		))
	} else {
		ex = m.do("PUT", GroupPath(m.id), doc)
	}
	if !ex.OK() {
		m.failed(ex)
		return
	}
	m.body(ex)
	m.ok("group %s updated (%d)", m.id, ex.Status)
}

func (m *methodRun) deleteGroup() {
	ex := m.do("DELETE", GroupPath(m.id), nil)
	if !ex.OK() {
		m.failed(ex)
		return
	}
	m.ok("group %s deleted (%d)", m.id, ex.Status)
}

// WriteText writes the result for a person.
func (r *MethodResult) WriteText(w interface{ Write([]byte) (int, error) }, colour bool) {
	p := palette{colour}
	for _, l := range r.Output {
		if strings.HasPrefix(l, "warning: ") {
			l = p.yellow(l)
		}
		fmt.Fprintln(w, l)
	}
	if r.OK {
		fmt.Fprintln(w, p.green("OK!")+" "+r.Message)
	} else {
		fmt.Fprintln(w, p.red("FAILED: ")+r.Message)
	}
}

// WriteJSON writes the result as indented JSON.
func (r *MethodResult) WriteJSON(w interface{ Write([]byte) (int, error) }) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
