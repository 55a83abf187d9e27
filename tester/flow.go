package tester

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// Options configure a flow check.
type Options struct {
	// Prefix starts the name of every test record (users' userName and familyName,
	// groups' displayName), so they can be recognised and removed. Default scimsqltest.
	Prefix string
	// ProbeUndeclared also runs the write flows of capabilities the connector does not
	// declare. Off by default: writes to a real app must be asked for. Read-only
	// capabilities are always probed.
	ProbeUndeclared bool
	// UserTemplate, when set, is the base of every test user (for apps that need more
	// attributes than userName, name, e-mail, active and password, such as a custom
	// attribute with a NOT NULL column). Its userName, name and e-mails are replaced.
	UserTemplate map[string]any
	// MaxPages bounds the import walk (pages of 100, as the agent asks). Default 50.
	MaxPages int
	// Now is the clock (tests).
	Now func() time.Time
}

type runner struct {
	c        *Client
	ctx      context.Context
	opts     Options
	rep      *Report
	declared map[string]bool
	run      string
	n        int
	start    time.Time
	users    []*testUser
	groups   []*testGroup
	family   string
	fatal    string // why no flow can run
}

type testUser struct {
	id, userName string
	sentName     string
	doc          map[string]any // the full document the agent would PUT, with id
	active       bool
	created      map[string]any
	deleted      bool
}

type testGroup struct {
	id, name string
	deleted  bool
}

type flow struct {
	r       *runner
	chk     *Check
	skip    string
	summary string
}

// Check plays, for each capability the connector declares, the requests the Okta
// Provisioning Agent sends for it, on test records it creates and afterwards cleans up
// as far as the protocol allows. See Report.
func (c *Client) Check(ctx context.Context, opts Options) *Report {
	if opts.Prefix == "" {
		opts.Prefix = "scimsqltest"
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = 50
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &runner{c: c, ctx: ctx, opts: opts, run: runID(), start: opts.Now(), declared: map[string]bool{}}
	r.family = strings.ToUpper(opts.Prefix[:1]) + opts.Prefix[1:]
	if len(r.family) > 14 {
		r.family = r.family[:14]
	}
	r.rep = &Report{URL: c.BaseURL(), Version: c.version.String(), Started: r.start, Prefix: opts.Prefix}
	if c.version == V2 && !strings.HasSuffix(c.display, "/v2/") {
		r.rep.Notes = append(r.rep.Notes, "SCIM 2.0 was chosen with -v2; the agent picks 2.0 only for a base URL ending in /v2/")
	}

	r.capabilities()
	if r.fatal != "" {
		r.rep.Fatal = r.fatal
		for _, name := range AllCapabilities {
			r.rep.Checks = append(r.rep.Checks, &Check{Name: name, Kind: "capability", Status: Skipped, Summary: "not checked"})
		}
		r.rep.Requests = c.Requests()
		r.rep.DurationMS = opts.Now().Sub(r.start).Milliseconds()
		return r.rep
	}
	flows := map[string]func(*flow){
		PushNewUsers:         r.flowPushNewUsers,
		ImportProfileUpdates: r.flowImportProfile,
		PushProfileUpdates:   r.flowProfilePush,
		PushPasswordUpdates:  r.flowPasswordPush,
		PushUserDeactivation: r.flowDeactivate,
		ReactivateUsers:      r.flowReactivate,
		PushPendingUsers:     r.flowPending,
		GroupPush:            r.flowGroupPush,
		IncrementalImports:   r.flowIncremental,
		ImportNewUsers:       r.flowImport,
	}
	for _, name := range AllCapabilities {
		chk := &Check{Name: name, Kind: "capability", Declared: r.declared[name]}
		r.rep.Checks = append(r.rep.Checks, chk)
		if !chk.Declared && !readOnly[name] && !opts.ProbeUndeclared {
			chk.Status = NotDeclared
			chk.Summary = "not probed: its flow writes (-probe-undeclared runs it)"
			continue
		}
		chk.Probed = !chk.Declared
		f := &flow{r: r, chk: chk}
		if ctx.Err() != nil {
			f.skipf("interrupted: %v", ctx.Err())
		} else {
			flows[name](f)
		}
		f.finish()
	}
	r.errorResponses()
	r.cleanup()
	r.rep.Requests = c.Requests()
	r.rep.DurationMS = opts.Now().Sub(r.start).Milliseconds()
	r.rep.OK = r.rep.ExitCode() == 0
	return r.rep
}

func runID() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var b [5]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, len(b))
	for i, x := range b {
		out[i] = alphabet[int(x)%len(alphabet)]
	}
	return string(out)
}

// ---- the flow helpers ----

func (f *flow) do(step, method, path string, body any) *Exchange {
	ex := f.r.c.Do(f.r.ctx, method, path, body)
	f.chk.Requests++
	if len(f.chk.Steps) < 80 {
		f.chk.Steps = append(f.chk.Steps, step+": "+ex.Line())
	}
	return ex
}

func (f *flow) add(sev, step string, ex *Exchange, expected, format string, a ...any) {
	// The same message for every page of a walk is said once.
	msg := fmt.Sprintf(format, a...)
	for _, x := range f.chk.Findings {
		if x.Message == msg && x.Severity == sev {
			return
		}
	}
	if len(f.chk.Findings) >= 40 {
		return
	}
	f.chk.Findings = append(f.chk.Findings, Finding{Severity: sev, Step: step, Message: msg, Expected: expected, Exchange: ex})
}

func (f *flow) errorf(step string, ex *Exchange, expected, format string, a ...any) {
	f.add(SevError, step, ex, expected, format, a...)
}

func (f *flow) warnf(step string, ex *Exchange, expected, format string, a ...any) {
	f.add(SevWarning, step, ex, expected, format, a...)
}

func (f *flow) infof(step string, ex *Exchange, format string, a ...any) {
	f.add(SevInfo, step, ex, "", format, a...)
}

func (f *flow) skipf(format string, a ...any) {
	if f.skip == "" {
		f.skip = fmt.Sprintf(format, a...)
	}
}

func (f *flow) failed() bool { return f.chk.count(SevError) > 0 || f.skip != "" }

// expect records an error unless ex answered one of want.
func (f *flow) expect(step string, ex *Exchange, expected string, want ...int) bool {
	if ex.Error == "" {
		for _, w := range want {
			if ex.Status == w {
				return true
			}
		}
	}
	f.errorf(step, ex, expected, "%s %s answered %s", ex.Method, ex.Path, statusText(ex))
	return false
}

func (f *flow) listErrors(step string, ex *Exchange, l *List) bool {
	for _, e := range l.Errors {
		f.errorf(step, ex, "", "%s", e)
	}
	for _, w := range l.Warnings {
		f.warnf(step, ex, "", "%s", w)
	}
	return len(l.Errors) == 0
}

// finish turns the findings into a status.
func (f *flow) finish() {
	c := f.chk
	errs, warns := c.count(SevError), c.count(SevWarning)
	firstErr := ""
	for _, x := range c.Findings {
		if x.Severity == SevError {
			firstErr = x.Message
			if x.Step != "" {
				firstErr = x.Step + ": " + firstErr
			}
			break
		}
	}
	switch {
	case c.Declared && errs > 0:
		c.Status = Broken
		c.Summary = firstErr
		if errs > 1 {
			c.Summary += fmt.Sprintf(" (+%d more)", errs-1)
		}
	case c.Declared && f.skip != "":
		c.Status, c.Summary = Skipped, f.skip
	case c.Declared:
		c.Status = Working
		c.Summary = f.summary
		if c.Summary == "" {
			c.Summary = fmt.Sprintf("%d requests", c.Requests)
		}
		if warns > 0 {
			c.Summary += fmt.Sprintf("; %d warning(s)", warns)
		}
	case errs == 0 && f.skip == "":
		c.Status = Undeclared
		c.Summary = "works, but Okta will not use it until the connector declares it"
	default:
		c.Status = NotDeclared
		if f.skip != "" {
			c.Summary = "not declared; probe skipped: " + f.skip
		} else {
			c.Summary = "not declared, and it does not work either: " + firstErr
		}
		// Not a problem: it is not declared. Keep the evidence, as information.
		for i := range c.Findings {
			c.Findings[i].Severity = SevInfo
		}
	}
}

// ---- capabilities ----

func (r *runner) capabilities() {
	chk := &Check{Name: "ServiceProviderConfigs", Kind: "protocol", Required: true}
	if r.c.version == V2 {
		chk.Name = "ServiceProviderConfig"
	}
	r.rep.Checks = append(r.rep.Checks, chk)
	f := &flow{r: r, chk: chk}
	caps := r.c.Capabilities(r.ctx)
	chk.Requests = len(caps.Exchanges)
	for _, ex := range caps.Exchanges {
		chk.Steps = append(chk.Steps, "capabilities: "+ex.Line())
	}
	r.rep.Capabilities = caps
	last := caps.Exchanges[len(caps.Exchanges)-1]
	if !caps.Found {
		// Unreachable, or the credentials are refused: no flow can say anything.
		for _, ex := range caps.Exchanges {
			why := ""
			switch {
			case ex.Error != "":
				why = "cannot reach the connector: " + ex.Error
			case ex.Status == 401 || ex.Status == 403:
				why = fmt.Sprintf("the connector refused the credentials (%d): check -header, or -user and -password", ex.Status)
			}
			if why != "" {
				f.errorf("capabilities", ex, "", "%s", why)
				chk.Status, chk.Summary = Broken, why
				r.fatal = why
				return
			}
		}
		for _, p := range caps.Problems {
			f.errorf("capabilities", last, "a JSON object with "+URNProviderConfig10+".userManagementCapabilities, an array of capability names", "%s", p)
		}
		for _, n := range AllCapabilities {
			r.declared[n] = true
		}
		chk.Status = Broken
		chk.Summary = "no capability list: Okta assumes every capability, so every flow is checked"
		return
	}
	for _, n := range caps.Names {
		r.declared[n] = true
	}
	for _, w := range caps.Warnings {
		f.warnf("capabilities", last, "", "%s", w)
	}
	for _, u := range caps.Unknown {
		f.warnf("capabilities", last, "", "unknown capability %q: Okta knows only its ten names", u)
	}
	chk.Status = Passed
	chk.Summary = fmt.Sprintf("%d declared (%s)", len(caps.Names), caps.Path)
	if n := chk.count(SevWarning); n > 0 {
		chk.Status = Warned
		chk.Summary += fmt.Sprintf("; %d warning(s)", n)
	}
}

// ---- test records ----

func (r *runner) canCreate() bool {
	return r.declared[PushNewUsers] || r.declared[PushPendingUsers] || r.opts.ProbeUndeclared
}

// newUserDoc is a user as the agent POSTs it, named after the prefix and the run.
func (r *runner) newUserDoc(active bool) map[string]any {
	r.n++
	doc := clone(r.opts.UserTemplate)
	if doc == nil {
		doc = map[string]any{}
	}
	var custom []string
	for _, s := range strs(doc["schemas"]) {
		switch s {
		case URNCore11, URNEnterprise11, URNUser20, URNEnterprise20:
		default:
			custom = append(custom, s)
		}
	}
	delete(doc, "id")
	userName := fmt.Sprintf("%s.%s.%d@example.com", r.opts.Prefix, r.run, r.n)
	emailType := "primary"
	if r.c.version == V2 {
		emailType = "work"
	}
	doc["schemas"] = r.c.UserSchemas(custom...)
	doc["userName"] = userName
	doc["name"] = map[string]any{"givenName": fmt.Sprintf("T%s%d", r.run, r.n), "familyName": r.family}
	doc["emails"] = []any{map[string]any{"value": userName, "type": emailType, "primary": true}}
	doc["active"] = active
	doc["password"] = fmt.Sprintf("Pw-%s-%d-xQ9!", r.run, r.n)
	doc["groups"] = []any{}
	return doc
}

// fullDoc is the whole user as the agent PUTs it: what was last sent, with the id and
// the userName the connector answered with.
func (r *runner) fullDoc(u *testUser) map[string]any {
	d := clone(u.doc)
	d["id"] = u.id
	if u.userName != "" {
		d["userName"] = u.userName
	}
	return d
}

// createUser POSTs a new test user. In setup (not the check of the create itself) a
// failure skips the flow instead of failing it.
func (r *runner) createUser(f *flow, step string, active, setup bool) *testUser {
	if !r.canCreate() {
		f.skipf("needs a test user, and creating one needs PUSH_NEW_USERS, which is not declared (-probe-undeclared creates one anyway)")
		return nil
	}
	doc := r.newUserDoc(active)
	ex := f.do(step, "POST", "/Users", doc)
	id, kind := "", "missing"
	if ex.Doc != nil {
		id, kind = idOf(ex.Doc)
	}
	if !ex.OK() || kind == "missing" {
		why := fmt.Sprintf("POST /Users answered %s", statusText(ex))
		if ex.OK() {
			why = "POST /Users answered no id"
		}
		if setup {
			f.skipf("could not create a test user: %s", why)
			f.infof(step, ex, "%s", why)
		} else {
			f.errorf(step, ex, "201 (or 200) with the created user and its id, which Okta keeps as the user's externalId", "%s", why)
		}
		return nil
	}
	u := &testUser{id: id, sentName: str(doc["userName"]), userName: str(ex.Doc["userName"]), active: active, created: ex.Doc}
	if u.userName == "" {
		u.userName = u.sentName
	}
	doc["id"] = id
	u.doc = doc
	r.users = append(r.users, u)
	if setup {
		return u
	}
	if kind != "string" {
		f.warnf(step, ex, "a string id", "the id is a JSON %s", kind)
	}
	switch {
	case ex.Status == 201:
	case ex.Status == 200 && r.c.version == V1:
		// The SDK answers 200, and the agent accepts it.
	default:
		f.warnf(step, ex, "201 Created", "POST /Users answered %d", ex.Status)
	}
	if _, ok := ex.Doc["password"]; ok {
		f.errorf(step, ex, "no password in any response", "the response carries the password")
	}
	return u
}

// readUser GETs a test user back to verify a change. When the connector does not
// declare IMPORT_PROFILE_UPDATES a failing read is noted, not held against the flow.
func (r *runner) readUser(f *flow, step string, u *testUser) map[string]any {
	doc, _ := r.readUserEx(f, step, u)
	return doc
}

func (r *runner) readUserEx(f *flow, step string, u *testUser) (map[string]any, *Exchange) {
	ex := f.do(step, "GET", UserPath(u.id), nil)
	if ex.Status == 200 && ex.Doc != nil {
		if id, _ := idOf(ex.Doc); id != u.id {
			f.errorf(step, ex, "the user with id "+u.id, "GET /Users/%s answered the user %q", u.id, id)
			return nil, ex
		}
		if _, ok := ex.Doc["password"]; ok {
			f.errorf(step, ex, "no password in any response", "the response carries the password")
		}
		if n := str(ex.Doc["userName"]); n != "" {
			u.userName = n
		}
		return ex.Doc, ex
	}
	if r.declared[ImportProfileUpdates] {
		f.errorf(step, ex, "200 with the user", "reading the user back: GET /Users/%s answered %s", u.id, statusText(ex))
	} else {
		f.infof(step, ex, "cannot read the user back (IMPORT_PROFILE_UPDATES is not declared): the change is not verified")
	}
	return nil, ex
}

func (r *runner) forms() []string {
	if r.c.version == V2 {
		return []string{"patch", "put"}
	}
	return []string{"put"}
}

// setActive is the agent's activate, deactivate or reactivate: in SCIM 1.1 a PUT of the
// whole user; in 2.0 a PATCH replace with no path, or the PUT. It then reads the user
// back. In setup a failure skips the flow.
func (r *runner) setActive(f *flow, u *testUser, active bool, form, step string, setup bool) bool {
	var ex *Exchange
	sent := r.fullDoc(u)
	sent["active"] = active
	if form == "patch" {
		ex = f.do(step, "PATCH", UserPath(u.id), Patch(map[string]any{"op": "replace", "value": map[string]any{"active": active}}))
	} else {
		ex = f.do(step, "PUT", UserPath(u.id), sent)
	}
	fail := func(expected, format string, a ...any) bool {
		if setup {
			f.skipf("setup failed: "+format, a...)
			f.infof(step, ex, format, a...)
		} else {
			f.errorf(step, ex, expected, format, a...)
		}
		return false
	}
	ok := ex.OK()
	if form == "patch" {
		ok = ex.Error == "" && (ex.Status == 200 || ex.Status == 204)
	}
	if !ok {
		return fail("a 2xx answer", "%s /Users/%s answered %s", ex.Method, u.id, statusText(ex))
	}
	if ex.Doc != nil {
		if v, present, kind := boolOf(ex.Doc, "active"); present && kind != "boolean" {
			return fail("active as a JSON boolean", "the answer's active is a JSON %s (%v)", kind, ex.Doc["active"])
		} else if present && v != active {
			return fail(fmt.Sprintf("active=%v", active), "the answer says active=%v after setting active=%v", v, active)
		}
	}
	u.doc["active"] = active
	u.active = active
	got, rex := r.readUserEx(f, step+" (read back)", u)
	if got != nil {
		ex = rex // the evidence is now the read
		v, present, kind := boolOf(got, "active")
		switch {
		case !present:
			u.active = true // unknown: the cleanup must not take it for inactive
			return fail(fmt.Sprintf("active=%v", active), "the user read back has no active attribute")
		case kind != "boolean":
			return fail("active as a JSON boolean", "the user read back has active as a JSON %s (%v)", kind, got["active"])
		case v != active:
			u.active = v
			u.doc["active"] = v
			return fail(fmt.Sprintf("active=%v", active), "after %s /Users/%s with active=%v the user reads back active=%v: the change was not stored", strings.ToUpper(form), u.id, active, v)
		}
	}
	return true
}

// lookup is the agent's check before a create: GET /Users?filter=userName eq "x".
// It returns the list, or nil when the answer is broken.
func (r *runner) lookup(f *flow, step, filter string, wantEmpty bool) *List {
	ex := f.do(step, "GET", FilterPath("Users", filter, 1, 100), nil)
	if ex.Status == 404 {
		if r.c.version == V2 && wantEmpty {
			f.warnf(step, ex, "200 with an empty ListResponse", "no match answered 404; Okta's 2.0 client tolerates it, but the standard answer is a ListResponse with totalResults 0")
			return &List{}
		}
		f.errorf(step, ex, "200 with an empty list (totalResults 0)", "no match answered 404 instead of an empty list: the agent takes it as a failure")
		return nil
	}
	l := r.c.ParseList(ex, 1, 100)
	if !f.listErrors(step, ex, l) {
		return nil
	}
	if wantEmpty && (l.Total != 0 || len(l.Resources) != 0) {
		f.errorf(step, ex, "no user", "the filter %s matched %d user(s) (totalResults %d); the test userName is new", filter, len(l.Resources), l.Total)
		return nil
	}
	return l
}

// ---- the capability flows ----

// PUSH_NEW_USERS: check-exists, create, check-exists again (the link), duplicate.
func (r *runner) flowPushNewUsers(f *flow) {
	peek := fmt.Sprintf("%s.%s.%d@example.com", r.opts.Prefix, r.run, r.n+1)
	r.lookup(f, "check-exists", "userName eq "+Quote(peek), true)
	u := r.createUser(f, "create", true, false)
	if u == nil {
		return
	}
	f.summary = fmt.Sprintf("created id %s: Okta will use this ID to identify the user", u.id)
	if !strings.EqualFold(u.userName, u.sentName) {
		f.infof("create", nil, "the connector answered userName %q for %q: it computes userName, and the agent links by the one answered", u.userName, u.sentName)
	}
	l := r.lookup(f, "check-exists after create", "userName eq "+Quote(u.userName), false)
	if l != nil && (len(l.IDs) != 1 || l.IDs[0] != u.id) {
		f.errorf("check-exists after create", nil, "exactly the user "+u.id,
			"the lookup by userName found %v, not the user just created (%s): the agent would create it again", l.IDs, u.id)
	}
	if up := strings.ToUpper(u.userName); up != u.userName {
		ex := f.do("check-exists, other case", "GET", FilterPath("Users", "userName eq "+Quote(up), 1, 100), nil)
		if l := r.c.ParseList(ex, 1, 100); ex.Status != 200 || len(l.IDs) != 1 || l.IDs[0] != u.id {
			f.warnf("check-exists, other case", ex, "the same user (userName is case-insensitive, RFC 7643)", "the lookup with userName in upper case did not find the user")
		}
	}
	if strings.EqualFold(u.userName, u.sentName) {
		dup := r.newUserDoc(true)
		dup["userName"] = u.userName
		ex := f.do("duplicate create", "POST", "/Users", dup)
		switch {
		case ex.Status == 409:
		case ex.OK():
			f.warnf("duplicate create", ex, "409 Conflict", "a second POST of the same userName created another user")
			if id, _ := idOf(ex.Doc); id != "" && id != u.id {
				dup["id"] = id
				r.users = append(r.users, &testUser{id: id, userName: u.userName, sentName: u.userName, doc: dup, active: true})
			}
		default:
			f.warnf("duplicate create", ex, "409 Conflict", "a second POST of the same userName answered %s", statusText(ex))
		}
	}
	// The agent's lookup when the admin makes email the unique field.
	if email := primaryEmail(u.created); email != "" {
		filter := fmt.Sprintf("email eq %s OR email eq %s", Quote(email), Quote(r.opts.Prefix+".nobody."+r.run+"@example.invalid"))
		ex := f.do("check-exists by email", "GET", FilterPath("Users", filter, 1, 100), nil)
		if l := r.c.ParseList(ex, 1, 100); ex.Status != 200 || len(l.IDs) != 1 || l.IDs[0] != u.id {
			f.warnf("check-exists by email", ex, "the user "+u.id, "the agent's e-mail lookup (%s) did not find the user: admins who make email the unique field would get duplicates", filter)
		}
	}
}

// anyUserID is a created test user's id or, failing that, the first user the connector lists.
func (r *runner) anyUserID(f *flow) string {
	for _, u := range r.users {
		if !u.deleted {
			return u.id
		}
	}
	ex := f.do("find a user", "GET", PagePath("Users", 1, 1), nil)
	if ex.Status == 200 {
		if l := r.c.ParseList(ex, 1, 1); len(l.IDs) > 0 {
			return l.IDs[0]
		}
	}
	return ""
}

// unknownID is an id shaped like like (numeric, UUID or other) that was never issued.
func (r *runner) unknownID(like string) string {
	numeric := like != ""
	for _, ch := range like {
		if ch < '0' || ch > '9' {
			numeric = false
		}
	}
	switch {
	case numeric:
		return "987654321"
	case len(like) == 36 && strings.Count(like, "-") == 4:
		return "00000000-0000-4000-8000-" + fmt.Sprintf("%012d", 0)
	}
	return r.opts.Prefix + "-no-such-id-" + r.run
}

// IMPORT_PROFILE_UPDATES: GET /Users/{id}; an unknown id is a 404.
func (r *runner) flowImportProfile(f *flow) {
	id := r.anyUserID(f)
	if id == "" {
		f.skipf("no user to read: the connector lists none and none could be created")
		return
	}
	ex := f.do("get user", "GET", UserPath(id), nil)
	if !f.expect("get user", ex, "200 with the user", 200) {
		return
	}
	if ex.Doc == nil {
		f.errorf("get user", ex, "a JSON user", "the body is %s", ex.JSONError)
		return
	}
	if got, _ := idOf(ex.Doc); got != id {
		f.errorf("get user", ex, "the user "+id, "GET /Users/%s answered a user with id %q", id, got)
	}
	if _, ok := ex.Doc["password"]; ok {
		f.errorf("get user", ex, "no password in any response", "the response carries the password")
	}
	if str(ex.Doc["userName"]) == "" {
		f.warnf("get user", ex, "a userName", "the user has no userName")
	}
	if v, present, kind := boolOf(ex.Doc, "active"); present && kind != "boolean" {
		f.errorf("get user", ex, "active as a JSON boolean", "active is a JSON %s (%v)", kind, v)
	} else if !present {
		f.infof("get user", ex, "the user has no active attribute (Okta's SDK examples always send one; a connector without an active column sent active:true)")
	}
	want := URNCore11
	if r.c.version == V2 {
		want = URNUser20
	}
	if !contains(strs(ex.Doc["schemas"]), want) {
		f.warnf("get user", ex, "", "the user's schemas %v lacks %s", strs(ex.Doc["schemas"]), want)
	}
	f.summary = "read user " + id
	bad := r.unknownID(id)
	ex = f.do("unknown id", "GET", UserPath(bad), nil)
	switch {
	case ex.Status == 404:
	case ex.Status == 400:
		f.warnf("unknown id", ex, "404", "an id that does not exist answered 400; Okta treats only 404 as \"no such user\"")
	case ex.OK():
		f.errorf("unknown id", ex, "404", "GET /Users/%s, an id never issued, answered %d", bad, ex.Status)
	default:
		f.errorf("unknown id", ex, "404 with an error body", "GET /Users/%s, an id never issued, answered %s", bad, statusText(ex))
	}
}

// PUSH_PROFILE_UPDATES: a PUT of the entire user with a changed profile (2.0: GET, then PUT).
func (r *runner) flowProfilePush(f *flow) {
	u := r.createUser(f, "create (setup)", true, true)
	if u == nil {
		return
	}
	if r.c.version == V2 {
		r.readUser(f, "get before put", u)
	}
	doc := r.fullDoc(u)
	family := r.family
	if len(family) > 11 {
		family = family[:11]
	}
	family += "Upd"
	echoedEmail := strings.EqualFold(primaryEmail(u.created), primaryEmail(u.doc))
	// A connector whose table has no name columns (a forum's users) stores no familyName:
	// only what the create echoed can be read back.
	storesFamily := str(obj(u.created["name"])["familyName"]) != ""
	newEmail := "upd." + primaryEmail(u.doc)
	name := obj(doc["name"])
	name["familyName"] = family
	for _, e := range list(doc["emails"]) {
		if p, _, _ := boolOf(obj(e), "primary"); p {
			obj(e)["value"] = newEmail
		}
	}
	ex := f.do("profile push", "PUT", UserPath(u.id), doc)
	if !f.expect("profile push", ex, "200 with the stored user", 200, 201, 204) {
		return
	}
	u.doc = doc
	if ex.Doc != nil {
		if got := str(obj(ex.Doc["name"])["familyName"]); got != "" && got != family {
			f.errorf("profile push", ex, "name.familyName "+family, "the answer has name.familyName %q after a push of %q", got, family)
		}
		if _, ok := ex.Doc["password"]; ok {
			f.errorf("profile push", ex, "no password in any response", "the response carries the password")
		}
	}
	got := r.readUser(f, "read back", u)
	if got == nil {
		return
	}
	if v := str(obj(got["name"])["familyName"]); storesFamily && v != family {
		f.errorf("read back", nil, "name.familyName "+family, "after the profile push the user reads back name.familyName %q", v)
	}
	if echoedEmail && !strings.EqualFold(primaryEmail(got), newEmail) {
		f.errorf("read back", nil, "the primary e-mail "+newEmail, "after the profile push the user reads back the e-mail %q", primaryEmail(got))
	}
	switch {
	case storesFamily || echoedEmail:
		f.summary = "profile stored and read back"
	default:
		f.summary = "accepted; the connector stores neither name.familyName nor the e-mail, so nothing changed could be read back"
	}
}

// PUSH_PASSWORD_UPDATES: a PUT of the user with a new password (2.0: PATCH replace
// {"password": ...}, and the PUT). SCIM never returns passwords, so storage cannot be
// verified from outside; the connector must accept it and never echo it.
func (r *runner) flowPasswordPush(f *flow) {
	u := r.createUser(f, "create (setup)", true, true)
	if u == nil {
		return
	}
	for i, form := range r.forms() {
		pw := fmt.Sprintf("New-%s-%d-pW7!", r.run, i)
		var ex *Exchange
		if form == "patch" {
			ex = f.do("password push (PATCH)", "PATCH", UserPath(u.id), Patch(map[string]any{"op": "replace", "value": map[string]any{"password": pw}}))
			if ex.Error != "" || (ex.Status != 200 && ex.Status != 204) {
				f.errorf("password push (PATCH)", ex, "200 or 204", "PATCH replace password answered %s", statusText(ex))
				continue
			}
		} else {
			doc := r.fullDoc(u)
			doc["password"] = pw
			ex = f.do("password push (PUT)", "PUT", UserPath(u.id), doc)
			if !f.expect("password push (PUT)", ex, "a 2xx answer", 200, 201, 204) {
				continue
			}
		}
		u.doc["password"] = pw
		if ex.Doc != nil {
			if _, ok := ex.Doc["password"]; ok {
				f.errorf("password push", ex, "no password in any response", "the response carries the password")
			}
		}
	}
	if !f.failed() {
		f.summary = "accepted (a stored password cannot be read back through SCIM)"
		if !f.chk.Declared {
			// Accepting a password says nothing about storing it: no claim either way.
			f.skipf("the connector accepts a password push, but SCIM cannot show whether it stores the password")
		}
	}
}

// PUSH_USER_DEACTIVATION: active=false by PUT (1.1), by PATCH and by PUT (2.0).
func (r *runner) flowDeactivate(f *flow) {
	for _, form := range r.forms() {
		u := r.createUser(f, "create (setup)", true, true)
		if u == nil {
			return
		}
		r.setActive(f, u, false, form, "deactivate ("+strings.ToUpper(form)+")", false)
	}
	if !f.failed() {
		f.summary = "active=false stored (" + strings.ToUpper(strings.Join(r.forms(), " and ")) + ")"
	}
}

// REACTIVATE_USERS: a deactivated user set active=true again.
func (r *runner) flowReactivate(f *flow) {
	for _, form := range r.forms() {
		u := r.createUser(f, "create (setup)", true, true)
		if u == nil {
			return
		}
		if !r.setActive(f, u, false, form, "deactivate first (setup)", true) {
			return
		}
		r.setActive(f, u, true, form, "reactivate ("+strings.ToUpper(form)+")", false)
	}
	if !f.failed() {
		f.summary = "active=true stored (" + strings.ToUpper(strings.Join(r.forms(), " and ")) + ")"
	}
}

// PUSH_PENDING_USERS: check-exists, create with active=false, then activate.
func (r *runner) flowPending(f *flow) {
	for _, form := range r.forms() {
		peek := fmt.Sprintf("%s.%s.%d@example.com", r.opts.Prefix, r.run, r.n+1)
		r.lookup(f, "check-exists", "userName eq "+Quote(peek), true)
		u := r.createUser(f, "create pending", false, false)
		if u == nil {
			return
		}
		if v, present, _ := boolOf(u.created, "active"); present && v {
			f.errorf("create pending", nil, "active=false", "the user created with active=false is answered active=true")
		}
		if got := r.readUser(f, "read back", u); got != nil {
			if v, present, _ := boolOf(got, "active"); !present {
				f.errorf("read back", nil, "active=false", "the pending user reads back without an active attribute: the connector cannot keep a user inactive")
				u.active = true
			} else if v {
				f.errorf("read back", nil, "active=false", "the pending user reads back active=true: it was created active")
				u.active = true
			}
		}
		if l := r.lookup(f, "check-exists pending", "userName eq "+Quote(u.userName), false); l != nil {
			if len(l.Resources) != 1 {
				f.errorf("check-exists pending", nil, "the pending user", "the lookup found %d users", len(l.Resources))
			} else if v, _, _ := boolOf(l.Resources[0], "active"); v {
				f.errorf("check-exists pending", nil, "active=false", "the lookup shows the pending user as active")
			}
		}
		r.setActive(f, u, true, form, "activate ("+strings.ToUpper(form)+")", false)
	}
	if !f.failed() {
		f.summary = "created inactive, then activated"
	}
}

// GROUP_PUSH: create, read, duplicate, update (PUT in 1.1; PATCH forms and PUT in 2.0), delete.
func (r *runner) flowGroupPush(f *flow) {
	var u1, u2 *testUser
	if r.canCreate() {
		u1 = r.createUser(f, "create member (setup)", true, true)
		if u1 != nil {
			u2 = r.createUser(f, "create member (setup)", true, true)
		}
		if u2 == nil {
			return
		}
	} else {
		f.infof("members", nil, "no test users can be created (PUSH_NEW_USERS not declared): the group is pushed without members")
	}
	member := func(u *testUser) map[string]any { return map[string]any{"value": u.id, "display": u.userName} }
	name := fmt.Sprintf("%s %s group", r.opts.Prefix, r.run)
	doc := map[string]any{
		"schemas":     r.c.GroupSchemas(),
		"id":          r.opts.Prefix + "-ignored-id",
		"displayName": name,
		"members":     []any{},
	}
	if r.c.version == V1 {
		doc[URNGroupCustom] = map[string]any{"description": "created by scimsql test " + r.run}
	}
	if u1 != nil {
		doc["members"] = []any{member(u1)}
	}
	ex := f.do("create group", "POST", "/Groups", doc)
	want := []int{200, 201}
	if !f.expect("create group", ex, "201 (or 200) with the group and its id", want...) {
		return
	}
	gid := ""
	if ex.Doc != nil {
		gid, _ = idOf(ex.Doc)
	}
	if gid == "" {
		f.errorf("create group", ex, "the created group with its id", "the answer has no id")
		return
	}
	g := &testGroup{id: gid, name: name}
	r.groups = append(r.groups, g)
	if r.c.version == V2 && ex.Status != 201 {
		f.warnf("create group", ex, "201 Created", "POST /Groups answered %d", ex.Status)
	}
	if gid == r.opts.Prefix+"-ignored-id" {
		f.warnf("create group", ex, "an id the connector chooses", "the connector used the id in the request body")
	}
	f.summary = fmt.Sprintf("created group %s (Okta will use this ID), updated, deleted", gid)

	check := func(step, wantName string, want ...*testUser) {
		ex := f.do(step, "GET", GroupPath(gid), nil)
		if !f.expect(step, ex, "200 with the group", 200) || ex.Doc == nil {
			return
		}
		if got := str(ex.Doc["displayName"]); got != wantName {
			f.errorf(step, ex, "displayName "+wantName, "the group reads back displayName %q", got)
		}
		if u1 == nil {
			return
		}
		var ids []string
		for _, u := range want {
			ids = append(ids, u.id)
		}
		if got, w := memberIDs(ex.Doc), sortedIDs(ids); strings.Join(got, ",") != strings.Join(w, ",") {
			f.errorf(step, ex, fmt.Sprintf("members %v", w), "the group reads back members %v", got)
		}
	}
	check("read group", name, u1)

	dup := clone(doc)
	delete(dup, "id")
	dup["members"] = []any{}
	ex = f.do("duplicate group", "POST", "/Groups", dup)
	switch {
	case ex.Status == 409:
	case ex.OK():
		f.warnf("duplicate group", ex, "409 Conflict", "a second POST of the displayName %q created another group", name)
		if id, _ := idOf(ex.Doc); id != "" && id != gid {
			r.groups = append(r.groups, &testGroup{id: id, name: name})
		}
	default:
		f.warnf("duplicate group", ex, "409 Conflict", "a second POST of the same displayName answered %s", statusText(ex))
	}

	renamed := name + " r1"
	if r.c.version == V2 {
		patch := func(step string, op map[string]any) bool {
			ex := f.do(step, "PATCH", GroupPath(gid), Patch(op))
			if ex.Error == "" && (ex.Status == 200 || ex.Status == 204) {
				return true
			}
			f.errorf(step, ex, "200 or 204", "PATCH /Groups/%s answered %s", gid, statusText(ex))
			return false
		}
		if u1 != nil {
			if patch("add member (PATCH)", map[string]any{"op": "add", "path": "members", "value": []any{member(u2)}}) {
				check("read after add", name, u1, u2)
			}
			if patch("remove member (PATCH)", map[string]any{"op": "remove", "path": fmt.Sprintf("members[value eq %s]", Quote(u1.id))}) {
				check("read after remove", name, u2)
			}
		}
		if patch("rename (PATCH)", map[string]any{"op": "replace", "value": map[string]any{"id": gid, "displayName": renamed}}) {
			name = renamed
			if u1 != nil {
				check("read after rename", name, u2)
			} else {
				check("read after rename", name)
			}
		}
		if u1 != nil && patch("replace members (PATCH)", map[string]any{"op": "replace", "path": "members", "value": []any{member(u1)}}) {
			check("read after replace", name, u1)
		}
		renamed = name + " r2"
	}
	put := clone(doc)
	put["id"] = gid
	put["displayName"] = renamed
	if u1 != nil {
		put["members"] = []any{member(u2)}
	}
	ex = f.do("update group (PUT)", "PUT", GroupPath(gid), put)
	if f.expect("update group (PUT)", ex, "200 with the group", 200, 201, 204) {
		name = renamed
		if u1 != nil {
			check("read after PUT", name, u2)
		} else {
			check("read after PUT", name)
		}
	}
	g.name = name

	ex = f.do("delete group", "DELETE", GroupPath(gid), nil)
	if !f.expect("delete group", ex, "204 (or 200)", 200, 204) {
		return
	}
	g.deleted = true
	if r.c.version == V2 && ex.Status != 204 {
		f.warnf("delete group", ex, "204 No Content", "DELETE /Groups/%s answered %d", gid, ex.Status)
	}
	ex = f.do("read deleted group", "GET", GroupPath(gid), nil)
	if ex.Status != 404 {
		f.errorf("read deleted group", ex, "404", "after DELETE, GET /Groups/%s answered %s", gid, statusText(ex))
	}
}

// OPP_SCIM_INCREMENTAL_IMPORTS: GET /Users?filter=meta.lastModified gt "..." returns the
// users changed since then, and the users carry meta.lastModified.
func (r *runner) flowIncremental(f *flow) {
	var u *testUser
	for _, x := range r.users {
		if !x.deleted {
			u = x
			break
		}
	}
	if u == nil && r.canCreate() && (f.chk.Declared || r.opts.ProbeUndeclared) {
		u = r.createUser(f, "create (setup)", true, true)
		f.skip = "" // the query is still worth checking without a user of our own
	}
	if u != nil {
		if got := r.readUser(f, "read user", u); got != nil {
			lm := str(obj(got["meta"])["lastModified"])
			if lm == "" {
				f.errorf("read user", nil, "meta.lastModified, an ISO-8601 UTC time", "the user has no meta.lastModified")
			} else if _, err := time.Parse(time.RFC3339, lm); err != nil {
				f.errorf("read user", nil, "meta.lastModified as ISO-8601 (2024-01-02T03:04:05Z)", "meta.lastModified %q is not ISO-8601", lm)
			}
		}
	}
	since := r.start.Add(-10 * time.Minute).UTC().Format("2006-01-02T15:04:05Z")
	filter := `meta.lastModified gt "` + since + `"`
	found := false
	for page := 0; page < r.opts.MaxPages; page++ {
		start := 1 + page*100
		ex := f.do("changed since", "GET", FilterPath("Users", filter, start, 100), nil)
		l := r.c.ParseList(ex, start, 100)
		if !f.listErrors("changed since", ex, l) {
			return
		}
		for _, id := range l.IDs {
			if u != nil && id == u.id {
				found = true
			}
		}
		if found || len(l.Resources) < 100 || start-1+len(l.Resources) >= l.Total {
			break
		}
	}
	if u != nil && !found {
		f.errorf("changed since", nil, "the user "+u.id, "the filter %s did not return the user created just now", filter)
	}
	future := r.opts.Now().Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	ex := f.do("changed since tomorrow", "GET", FilterPath("Users", `meta.lastModified gt "`+future+`"`, 1, 100), nil)
	l := r.c.ParseList(ex, 1, 100)
	if f.listErrors("changed since tomorrow", ex, l) && l.Total != 0 {
		f.errorf("changed since tomorrow", ex, "no user", "meta.lastModified gt %q (tomorrow) matched %d users", future, l.Total)
	}
	if !f.failed() {
		f.summary = "changed users found by meta.lastModified gt"
	}
}

// IMPORT_NEW_USERS: the agent's import walk over users and groups, pages of 100, and
// the envelope and paging details it depends on.
func (r *runner) flowImport(f *flow) {
	ids, total, ok := r.walk(f, "Users", true)
	if ok {
		f.summary = fmt.Sprintf("%d users", total)
		r.smallPages(f, "Users", ids, total)
	}
	_, gtotal, gok := r.walk(f, "Groups", r.declared[GroupPush])
	if gok {
		f.summary += fmt.Sprintf(", %d groups", gtotal)
	}
}

// walk pages through resource as the agent imports (startIndex 1, 101, 201, ...,
// count=100) and checks every page. required=false makes an unserved resource a note.
func (r *runner) walk(f *flow, resource string, required bool) ([]string, int, bool) {
	step := "import " + strings.ToLower(resource)
	var all []string
	seen := map[string]int{}
	total := -1
	done := false
	pages := 0
	for page := 0; page < r.opts.MaxPages; page++ {
		start := 1 + page*100
		ex := f.do(fmt.Sprintf("%s, page %d", step, page+1), "GET", PagePath(resource, start, 100), nil)
		if page == 0 && !required && (ex.Status == 501 || ex.Status == 404) {
			f.infof(step, ex, "GET /%s answered %d: no %s are imported", resource, ex.Status, strings.ToLower(resource))
			return nil, 0, false
		}
		pages++
		l := r.c.ParseList(ex, start, 100)
		if ex.Status == 404 && page > 0 {
			f.errorf(step, ex, "200 with an empty list", "a page past the data answered 404")
			return all, total, false
		}
		if !f.listErrors(step, ex, l) && ex.Status != 200 {
			return all, total, false
		}
		if total == -1 {
			total = l.Total
		} else if l.Total != total {
			f.errorf(step, ex, fmt.Sprintf("totalResults %d on every page", total), "totalResults changed between pages: %d, then %d on page %d", total, l.Total, page+1)
		}
		for _, id := range l.IDs {
			if p, dup := seen[id]; dup {
				f.errorf(step, ex, "every id exactly once across pages", "id %s was returned on page %d and again on page %d: the order is not stable across pages, so the agent would import some records twice and miss others", id, p, page+1)
			}
			seen[id] = page + 1
			all = append(all, id)
		}
		if len(l.Resources) == 0 {
			done = true
			break
		}
		if start-1+len(l.Resources) >= total {
			done = true
			break
		}
		if len(l.Resources) < 100 {
			f.errorf(step, ex, fmt.Sprintf("pages of 100 until totalResults (%d) is reached", total), "page %d holds only %d %s (count was 100) though totalResults (%d) says more remain: the agent asks for startIndex=%d next, so the %s in between are never imported", page+1, len(l.Resources), strings.ToLower(resource), total, start+100, strings.ToLower(resource))
			done = true
			break
		}
	}
	if !done {
		f.infof(step, nil, "stopped after %d pages (%d %s) of %d: raise -max-pages to walk them all", pages, len(all), strings.ToLower(resource), total)
		return all, total, true
	}
	if len(all) != total && len(f.chk.Findings) < 40 {
		f.errorf(step, nil, fmt.Sprintf("%d %s, as totalResults says", total, strings.ToLower(resource)), "the walk read %d %s of the %d that totalResults announces", len(all), strings.ToLower(resource), total)
	}
	// Past the end: an empty page (never a 404), and nothing the agent would never see.
	start := total + 1
	if start < 1 {
		start = 1
	}
	ex := f.do(step+", past the end", "GET", PagePath(resource, start, 100), nil)
	if ex.Status == 404 {
		f.errorf(step+", past the end", ex, "200 with an empty list", "a page past the last record answered 404 instead of an empty list")
	} else {
		l := r.c.ParseList(ex, start, 100)
		if len(l.Resources) > 0 {
			f.errorf(step+", past the end", ex, "an empty list", "startIndex=%d (after totalResults %d) still returns %d %s: totalResults does not count every record, and the agent, which stops there, never imports them", start, total, len(l.Resources), strings.ToLower(resource))
		}
		f.listErrors(step+", past the end", ex, l)
	}
	return all, total, true
}

// smallPages walks the first records again in pages of 2 and asks the first page twice:
// the same order every time, or the agent's walk skips and repeats records.
func (r *runner) smallPages(f *flow, resource string, ids []string, total int) {
	step := "stable order"
	n := len(ids)
	if n > 6 {
		n = 6
	}
	if n >= 2 {
		var small []string
		seen := map[string]bool{}
		for start := 1; start <= n; start += 2 {
			ex := f.do(step+", pages of 2", "GET", PagePath(resource, start, 2), nil)
			l := r.c.ParseList(ex, start, 2)
			if !f.listErrors(step+", pages of 2", ex, l) {
				return
			}
			for _, id := range l.IDs {
				if seen[id] {
					f.errorf(step+", pages of 2", ex, "every id exactly once", "with count=2, id %s comes back on two pages", id)
				}
				seen[id] = true
			}
			small = append(small, l.IDs...)
		}
		for i := 0; i < n && i < len(small); i++ {
			if small[i] != ids[i] {
				f.errorf(step, nil, "the same order for every page size", "position %d is %s in pages of 2 but %s in pages of 100: the order is not stable", i+1, small[i], ids[i])
				break
			}
		}
	}
	if len(ids) > 1 {
		ex := f.do(step+", first page again", "GET", PagePath(resource, 1, 100), nil)
		l := r.c.ParseList(ex, 1, 100)
		if f.listErrors(step+", first page again", ex, l) {
			m := len(ids)
			if m > len(l.IDs) {
				m = len(l.IDs)
			}
			for i := 0; i < m; i++ {
				if l.IDs[i] != ids[i] {
					f.errorf(step, ex, "the same order for the same request", "asking for the first page again put %s at position %d, where %s was: the order is not stable", l.IDs[i], i+1, ids[i])
					break
				}
			}
		}
	}
}

// ---- protocol checks ----

// errorResponses checks what Okta shows admins: error status codes and bodies.
func (r *runner) errorResponses() {
	chk := &Check{Name: "error responses", Kind: "protocol"}
	r.rep.Checks = append(r.rep.Checks, chk)
	f := &flow{r: r, chk: chk}
	like := ""
	for _, u := range r.users {
		like = u.id
		break
	}
	bad := r.unknownID(like)
	ex := f.do("unknown user", "GET", UserPath(bad), nil)
	switch {
	case ex.Status == 404:
		for _, p := range r.c.ErrorShape(ex) {
			f.warnf("unknown user", ex, "", "%s", p)
		}
	case ex.Status == 501:
	default:
		f.warnf("unknown user", ex, "404 with an error body", "GET /Users/%s (never issued) answered %s", bad, statusText(ex))
	}
	ex = f.do("unparsable filter", "GET", FilterPath("Users", "userName eq", 1, 100), nil)
	switch {
	case ex.Status == 400:
		for _, p := range r.c.ErrorShape(ex) {
			f.warnf("unparsable filter", ex, "", "%s", p)
		}
	case ex.Status == 501:
	case ex.Status >= 500:
		f.warnf("unparsable filter", ex, "400 with an error body naming the problem", "a filter that cannot be parsed answered %d", ex.Status)
	default:
		f.warnf("unparsable filter", ex, "400", "a filter that cannot be parsed (userName eq) answered %s", statusText(ex))
	}
	chk.Status, chk.Summary = Passed, "status codes and bodies as Okta shows them"
	if n := chk.count(SevWarning); n > 0 {
		chk.Status, chk.Summary = Warned, fmt.Sprintf("%d warning(s)", n)
	}
}

// ---- cleanup ----

func (r *runner) cleanup() {
	ctx := r.ctx
	if ctx.Err() != nil {
		// Clean up even when the run was interrupted.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
	}
	for _, g := range r.groups {
		rec := Record{Kind: "group", ID: g.id, Name: g.name}
		if g.deleted {
			rec.Cleanup, rec.CleanedUp = "deleted by the flow", true
		} else if ex := r.c.Do(ctx, "DELETE", GroupPath(g.id), nil); ex.OK() {
			rec.Cleanup, rec.CleanedUp = "deleted", true
			g.deleted = true
		} else {
			rec.Cleanup = "could not be deleted: DELETE answered " + statusText(ex)
		}
		r.rep.Created = append(r.rep.Created, rec)
	}
	var left []string
	canDeactivate := r.declared[PushUserDeactivation]
	if c := r.rep.Check(PushUserDeactivation); c != nil && c.Status == Undeclared {
		canDeactivate = true
	}
	noDelete := "users cannot be deleted in SCIM 1.1"
	for _, u := range r.users {
		rec := Record{Kind: "user", ID: u.id, Name: u.userName}
		if r.c.version == V2 {
			ex := r.c.Do(ctx, "DELETE", UserPath(u.id), nil)
			if ex.OK() {
				rec.Cleanup, rec.CleanedUp = "deleted", true
				u.deleted = true
				r.rep.Created = append(r.rep.Created, rec)
				continue
			}
			noDelete = fmt.Sprintf("the connector does not delete users: DELETE answered %s", statusText(ex))
		}
		switch {
		case !u.active:
			rec.Cleanup, rec.CleanedUp = "left inactive ("+noDelete+")", true
		case canDeactivate:
			doc := r.fullDoc(u)
			doc["active"] = false
			var ex *Exchange
			if r.c.version == V2 {
				ex = r.c.Do(ctx, "PATCH", UserPath(u.id), Patch(map[string]any{"op": "replace", "value": map[string]any{"active": false}}))
			}
			if ex == nil || !ex.OK() {
				ex = r.c.Do(ctx, "PUT", UserPath(u.id), doc)
			}
			if ex.OK() {
				// Believe it when the user reads back inactive.
				back := r.c.Do(ctx, "GET", UserPath(u.id), nil)
				if v, present, _ := boolOf(back.Doc, "active"); back.Status == 200 && present && !v {
					u.active = false
					rec.Cleanup, rec.CleanedUp = "deactivated, and left inactive ("+noDelete+")", true
					break
				}
				rec.Cleanup = "left active: the deactivation was answered " + statusText(ex) + " but the user does not read back inactive"
			} else {
				rec.Cleanup = "left active: deactivation answered " + statusText(ex)
			}
			left = append(left, u.id)
		default:
			rec.Cleanup = "left active: the connector declares no deactivation"
			left = append(left, u.id)
		}
		r.rep.Created = append(r.rep.Created, rec)
	}
	if len(left) > 0 {
		r.rep.Left = append(r.rep.Left, fmt.Sprintf("%d test user(s) remain active (ids %s), with userName %s.%s.N@example.com (or, where the app computes userName, one made of familyName %s and givenName T%sN): remove them in the app",
			len(left), strings.Join(left, ", "), r.opts.Prefix, r.run, r.family, r.run))
	}
	for _, g := range r.groups {
		if !g.deleted {
			r.rep.Left = append(r.rep.Left, fmt.Sprintf("test group %s (%q) remains", g.id, g.name))
		}
	}
}
