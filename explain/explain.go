// Package explain shows the SQL a request runs by running it: the request goes through
// the real HTTP handler and engine, whose database is a recording connection. Against a
// live database every statement runs in one transaction that is rolled back, so what is
// printed is what that request runs against the current state, and nothing stays
// written. With no database, a sample database answers (engine.Sampler), which is how
// the SQL of SQL Server, which cannot run here, is pinned by goldens. There is no second
// copy of any operation's control flow: what explain prints is what the server runs.
package explain

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/httpapi"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/scim"
)

// Request is one SCIM request to explain.
type Request struct {
	Op     string // the SCIMService operation it is (getUsers, createUser, ...)
	Title  string // what it is, for the output
	Method string
	Path   string // below the mapping's base path, with the query string
	Body   []byte
}

// Result is what one request ran and answered.
type Result struct {
	Request
	Status     int
	Answer     []byte
	Statements []Statement
}

// Config says what to explain against.
type Config struct {
	Mapping *mappings.Mapping
	Dialect dialects.Dialect
	// DB is the live database; nil explains against the sample database.
	DB *sql.DB
	// Server is what the server behind a Prober dialect (MySQL, MariaDB) is taken to be:
	// nil asks a live DB, and takes the dialect's own facts (MySQL 8) with none. Set on a
	// live MariaDB, it runs MySQL's statements there.
	Server *dialects.Facts
}

// Ops are the operations in the order explain shows them.
var Ops = []string{
	mappings.OpGetUsers, mappings.OpGetUser, mappings.OpCreateUser, mappings.OpUpdateUser,
	mappings.OpGetGroups, mappings.OpGetGroup, mappings.OpCreateGroup, mappings.OpUpdateGroup, mappings.OpDeleteGroup,
	mappings.OpDeleteUser, // last: it removes the user the others name
}

// mapped says whether m maps op.
func mapped(m *mappings.Mapping, op string) bool {
	if strings.HasSuffix(op, "Users") || strings.HasSuffix(op, "User") {
		return m.Users != nil && m.Users.Op(op) != nil
	}
	return m.Groups != nil && m.Groups.Op(op) != nil
}

// Mapped returns the operations m maps, in the order of Ops.
func Mapped(m *mappings.Mapping) []string {
	var out []string
	for _, op := range Ops {
		if mapped(m, op) {
			out = append(out, op)
		}
	}
	return out
}

// Requests returns the sample requests of op: for a list, a filtered page, the first two
// pages of an import walk and the check-exists on id; for the others the one request the
// agent sends. id names the resource ("" for the sample one); body replaces the sample
// body.
func Requests(m *mappings.Mapping, op, id string, body []byte) ([]Request, error) {
	if !mapped(m, op) {
		return nil, fmt.Errorf("operation %q is not mapped (mapped: %s)", op, strings.Join(Mapped(m), ", "))
	}
	userID, groupID := id, id
	if m.Users != nil && userID == "" {
		userID, _ = engine.SampleID(&m.Users.ID, 0)
	}
	if m.Groups != nil && groupID == "" {
		groupID, _ = engine.SampleID(&m.Groups.ID, 0)
	}
	codec := &scim.Codec{M: m}
	pick := func(sample []byte) []byte {
		if body != nil {
			return body
		}
		return sample
	}
	esc := url.PathEscape
	filter := func(f string) string { return "filter=" + url.QueryEscape(f) }
	switch op {
	case mappings.OpGetUsers:
		rs := []Request{
			{Title: "find a user by userName, as before every create", Path: "/Users?" + filter(`userName eq "sample.user@example.com"`) + "&startIndex=1&count=100"},
			{Title: "import: the first page", Path: "/Users?startIndex=1&count=2"},
			{Title: "import: the next page (continues after the last key served)", Path: "/Users?startIndex=3&count=2"},
			{Title: "a page asked for out of order (startIndex=201)", Path: "/Users?startIndex=201&count=2"},
			{Title: "check-exists on id", Path: "/Users?" + filter(`id eq "`+userID+`"`) + "&startIndex=1&count=100"},
		}
		if id != "" {
			rs = rs[len(rs)-1:]
		}
		for i := range rs {
			rs[i].Op, rs[i].Method = op, http.MethodGet
		}
		return rs, nil
	case mappings.OpGetUser:
		return []Request{{Op: op, Title: "read one user", Method: http.MethodGet, Path: "/Users/" + esc(userID)}}, nil
	case mappings.OpCreateUser:
		return []Request{{Op: op, Title: "create a user", Method: http.MethodPost, Path: "/Users", Body: pick(sampleUser(codec, ""))}}, nil
	case mappings.OpUpdateUser:
		return []Request{{Op: op, Title: "replace a user (profile push, deactivation, password)", Method: http.MethodPut, Path: "/Users/" + esc(userID), Body: pick(sampleUser(codec, userID))}}, nil
	case mappings.OpGetGroups:
		rs := []Request{
			{Title: "import: the first page", Path: "/Groups?startIndex=1&count=2"},
			{Title: "import: the next page", Path: "/Groups?startIndex=3&count=2"},
		}
		for i := range rs {
			rs[i].Op, rs[i].Method = op, http.MethodGet
		}
		return rs, nil
	case mappings.OpGetGroup:
		return []Request{{Op: op, Title: "read one group with its members", Method: http.MethodGet, Path: "/Groups/" + esc(groupID)}}, nil
	case mappings.OpCreateGroup:
		return []Request{{Op: op, Title: "create a group with two members", Method: http.MethodPost, Path: "/Groups", Body: pick(sampleGroup(codec, ""))}}, nil
	case mappings.OpUpdateGroup:
		return []Request{{Op: op, Title: "replace a group: renamed, one member kept, one added, one removed", Method: http.MethodPut, Path: "/Groups/" + esc(groupID), Body: pick(sampleGroup(codec, groupID))}}, nil
	case mappings.OpDeleteGroup:
		return []Request{{Op: op, Title: "delete a group", Method: http.MethodDelete, Path: "/Groups/" + esc(groupID)}}, nil
	case mappings.OpDeleteUser:
		return []Request{{Op: op, Title: "delete a user (SCIM 2.0)", Method: http.MethodDelete, Path: "/v2/Users/" + esc(userID)}}, nil
	}
	return nil, fmt.Errorf("operation %q cannot be explained", op)
}

// FirstID is the id of the first user (or group, for a group operation) the database
// holds, for explaining a request that names one; "" when there is none or op names none.
func FirstID(ctx context.Context, cfg Config, op string) string {
	path := ""
	switch op {
	case mappings.OpGetUser, mappings.OpUpdateUser, mappings.OpDeleteUser:
		path = "/Users?startIndex=1&count=1"
	case mappings.OpGetGroup, mappings.OpUpdateGroup, mappings.OpDeleteGroup:
		path = "/Groups?startIndex=1&count=1"
	default:
		return ""
	}
	res, err := Run(ctx, cfg, []Request{{Op: op, Method: http.MethodGet, Path: path}})
	if err != nil || len(res) == 0 || res[0].Status != http.StatusOK {
		return ""
	}
	var page struct {
		Resources []struct {
			ID string `json:"id"`
		}
	}
	if json.Unmarshal(res[0].Answer, &page) != nil || len(page.Resources) == 0 {
		return ""
	}
	return page.Resources[0].ID
}

// sampleUser is a user document with a value for every writable attribute.
func sampleUser(c *scim.Codec, id string) []byte {
	u := &engine.User{ID: id, Values: map[string]any{}}
	for _, a := range c.M.Users.Attributes {
		if a.Path == "password" || !a.Writable() {
			continue
		}
		u.Values[a.Path] = engine.SampleValue(a, false)
	}
	doc := scim.ToMap(c.EncodeUser11(u))
	delete(doc, "meta")
	if id == "" {
		delete(doc, "id")
	}
	if c.M.Users.Attr("password") != nil {
		doc["password"] = "sample-password"
	}
	// Writable roles and entitlements: one value, a sample row of their resource type.
	for _, ref := range []struct {
		name string
		r    *mappings.UserRefs
	}{{"roles", c.M.Users.Roles}, {"entitlements", c.M.Users.Entitlements}} {
		if ref.r == nil || !ref.r.Writable {
			continue
		}
		v := "sample-" + ref.name
		if res := c.M.Resource(ref.r.Resource); res != nil {
			v, _ = engine.SampleID(&res.ID, 1)
		}
		doc[ref.name] = []any{map[string]any{"value": v}}
	}
	b, _ := json.Marshal(doc)
	return b
}

// sampleGroup is a group document: renamed from the stored one, with the members 1 and
// 2, where the stored group has 1 and 3.
func sampleGroup(c *scim.Codec, id string) []byte {
	desc := "sample description"
	g := &engine.Group{ID: id, DisplayName: "Sample Group", HasMembers: true}
	if c.M.Groups.Description != nil {
		g.Description = &desc
	}
	if c.M.Users != nil && c.M.Groups.Members != nil {
		for _, n := range []int{1, 2} {
			s, _ := engine.SampleID(&c.M.Users.ID, n)
			g.Members = append(g.Members, engine.Member{Value: s})
		}
	}
	doc := scim.ToMap(c.EncodeGroup11(g))
	delete(doc, "meta")
	if id == "" {
		delete(doc, "id")
	}
	b, _ := json.Marshal(doc)
	return b
}

// Run sends each request, in order, to one handler and engine over a recording
// connection, and returns what each ran and answered. Live, all of them run in one
// transaction that is rolled back at the end.
func Run(ctx context.Context, cfg Config, reqs []Request) ([]Result, error) {
	m := *cfg.Mapping
	m.Server.Auth = mappings.Auth{Type: "none"} // the request is ours: no credentials to check
	rec := &recorder{sp: cfg.Dialect.Facts().Savepoint}
	opts := engine.Options{
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		BcryptCost: 4,
		Now:        func() time.Time { return engine.SampleNow },
		NewUUID:    counter(),
		RandomHex:  func(n int) string { return strings.Repeat("5a", n/2) },
		Unprepared: true,
		Server:     cfg.Server,
	}
	if cfg.DB != nil {
		if pr, ok := cfg.Dialect.(dialects.Prober); ok && cfg.Server == nil {
			f, err := pr.Probe(ctx, cfg.DB)
			if err != nil {
				return nil, fmt.Errorf("asking the database what it is: %w", err)
			}
			opts.Server = f
		}
		conn, err := cfg.DB.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("connecting to the database: %w", err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("beginning the transaction explain rolls back: %w", err)
		}
		rec.live, rec.conn = tx, conn
		if rec.sp == nil {
			rec.close()
			return nil, errors.New("this dialect has no savepoints, which a live explain needs; explain with -db off")
		}
	}
	if _, probes := cfg.Dialect.(dialects.Prober); probes && opts.Server == nil {
		// Nothing to ask: the dialect's own facts (never a probe through the recorder).
		opts.Server = cfg.Dialect.Facts()
	}
	defer rec.close()
	db := sql.OpenDB(rec)
	defer db.Close()
	eng, err := engine.New(&m, cfg.Dialect, db, opts)
	if err != nil {
		return nil, err
	}
	if cfg.DB == nil {
		rec.answer = sampleAnswerer(eng.Sampler())
	}
	h := httpapi.New(eng, opts.Logger)
	var out []Result
	for _, r := range reqs {
		from := len(rec.Statements())
		var body io.Reader
		if r.Body != nil {
			body = strings.NewReader(string(r.Body))
		}
		hr := httptest.NewRequestWithContext(ctx, r.Method, m.Server.BasePath+r.Path, body)
		if r.Body != nil {
			hr.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, hr)
		out = append(out, Result{Request: r, Status: w.Code, Answer: w.Body.Bytes(), Statements: rec.Statements()[from:]})
	}
	return out, nil
}

// counter makes the ids an explained request generates, the same on every run.
func counter() func() string {
	var n atomic.Int64
	return func() string {
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1))
	}
}

type sampleAnswerer func(query string, args []any) engine.SampleAnswer

func (f sampleAnswerer) Answer(query string, args []any) Answer {
	a := f(query, args)
	return Answer{Columns: a.Columns, Rows: a.Rows, RowsAffected: a.RowsAffected, LastInsertID: a.LastInsertID}
}

// Redact shows an argument as explain prints it: password hashes and the sample clock
// by name, never a real hash.
func Redact(a any) any {
	switch v := a.(type) {
	case string:
		if strings.HasPrefix(v, "$2a$") || strings.HasPrefix(v, "$2b$") || strings.HasPrefix(v, "$2y$") {
			return "<bcrypt hash>"
		}
		// The other schemes scimsql writes (engine's passwordSchemes), each salted anew.
		for prefix, name := range map[string]string{"$wp$2": "<wordpress hash>", "$P$": "<phpass hash>", "$argon2id$": "<argon2id hash>"} {
			if strings.HasPrefix(v, prefix) {
				return name
			}
		}
		for _, layout := range []string{"2006-01-02 15:04:05.000000", "2006-01-02T15:04:05.000000Z", time.RFC3339Nano} {
			if v == engine.SampleNow.Format(layout) {
				return "<now>"
			}
		}
	case []byte:
		return Redact(string(v))
	case time.Time:
		if v.Equal(engine.SampleNow) {
			return "<now>"
		}
		return v.UTC().Format(time.RFC3339Nano)
	}
	return a
}

// Format writes results as explain prints them: for each request a header, then every
// statement on one line with its arguments in a -- comment line after it.
func Format(w io.Writer, results []Result) {
	for _, r := range results {
		fmt.Fprintf(w, "## %s: %s\n", r.Op, r.Title)
		fmt.Fprintf(w, "-- %s %s → %d\n", r.Method, r.Path, r.Status)
		if r.Status >= 400 {
			fmt.Fprintf(w, "-- answer: %s\n", oneLine(string(r.Answer)))
		}
		tx := 0
		for _, s := range r.Statements {
			if s.Tx != tx {
				if s.Tx != 0 {
					fmt.Fprintln(w, "-- in one transaction:")
				} else {
					fmt.Fprintln(w, "-- outside a transaction:")
				}
				tx = s.Tx
			}
			fmt.Fprintln(w, oneLine(s.SQL))
			fmt.Fprintf(w, "-- args: %s\n", FormatArgs(s.Args))
		}
		fmt.Fprintln(w)
	}
}

// FormatArgs renders arguments as a JSON-like list, redacted.
func FormatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		switch v := Redact(a).(type) {
		case nil:
			parts[i] = "NULL"
		case string:
			parts[i] = strconv.Quote(v)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// sampleRuns runs the sample requests of every mapped operation on the sample database
// and hands each result, with its operation, to fn.
func sampleRuns(ctx context.Context, cfg Config, fn func(op string, r Result)) error {
	cfg.DB = nil
	for _, op := range Mapped(cfg.Mapping) {
		reqs, err := Requests(cfg.Mapping, op, "", nil)
		if err != nil {
			return err
		}
		res, err := Run(ctx, cfg, reqs)
		if err != nil {
			return err
		}
		for _, r := range res {
			fn(op, r)
		}
	}
	return nil
}

// Statements returns every statement the sample requests of every mapped operation run
// against the sample database, each once, for scimsql validate to prepare.
func Statements(ctx context.Context, cfg Config) ([]engine.Statement, error) {
	var out []engine.Statement
	seen := map[string]bool{}
	err := sampleRuns(ctx, cfg, func(op string, r Result) {
		for _, s := range r.Statements {
			if !seen[s.SQL] {
				seen[s.SQL] = true
				out = append(out, engine.Statement{Op: op, SQL: s.SQL})
			}
		}
	})
	return out, err
}

// Faults runs the sample request of every mapped operation against the sample database
// and returns the templates that cannot run (a key no request has, a function given the
// wrong type), each with its position. No database is needed. Other answers are not
// judged: the sample database cannot stand in for every schema.
func Faults(ctx context.Context, cfg Config) ([]string, error) {
	var out []string
	faulted := map[string]bool{}
	err := sampleRuns(ctx, cfg, func(op string, r Result) {
		if faulted[op] || r.Status < 500 || r.Status == http.StatusNotImplemented {
			return
		}
		var body struct {
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(r.Answer, &body)
		if strings.Contains(body.Detail, "the mapping's template at") {
			faulted[op] = true // the operation's first fault says it
			out = append(out, fmt.Sprintf("%s (%s %s): %s", op, r.Method, r.Path, body.Detail))
		}
	})
	return out, err
}

// Check is scimsql validate's database check: the mapping's tables and columns, every
// statement each operation runs (prepared, never executed), and the privileges.
func Check(ctx context.Context, e *engine.Engine) ([]engine.Problem, error) {
	cfg := Config{Mapping: e.Mapping(), Dialect: e.Dialect()}
	if pr, ok := e.Dialect().(dialects.Prober); ok {
		if f, err := pr.Probe(ctx, e.DB()); err == nil {
			cfg.Server = f // only what this server runs is prepared
		}
	}
	sts, err := Statements(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return e.CheckDatabase(ctx, sts), nil
}
