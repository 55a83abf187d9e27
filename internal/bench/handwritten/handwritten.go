// Package handwritten is the connector scimsql is measured against: what a careful engineer
// writes by hand for Okta's employees schema, with the behaviour of
// examples/mysql-employees, in plain Go: database/sql with the pool and driver scimsql
// uses, statements prepared once at start, encoding/json with structs, httprouter.
//
// It is the bench's baseline (`scimsql bench`), run side by side with scimsql on the same
// data, database user, pool size and transport, so that the figures compare on any
// machine. It does what the hand-written connector did, including what made that
// one slow:
//
//   - a list page counts every match (COUNT(*)) and skips to its start with OFFSET;
//   - userName is computed (<Last><First>@mysql-db.org), and a lookup compares the
//     computed value, which no index answers;
//   - a new emp_no is MAX(emp_no)+1, read and written in one transaction (the MAX read
//     FOR UPDATE on MySQL), and creates take turns on a mutex: two at once would take the
//     same number, or deadlock on the locks;
//   - a group PUT reads the stored members, works out the difference in Go and applies it
//     a statement per member, in one transaction, then reads the group back;
//
// Where the agent's hot requests are concerned it is as lean as a careful engineer makes
// it: a GET and a check-exists on id are one statement, a profile push the UPDATE and one
// read with no transaction around them, every statement prepared once.
//
// It implements the requests the bench sends (GET, POST and PUT /Users, GET and PUT
// /Groups/{id}, GET /ServiceProviderConfigs) and nothing else: it is measuring apparatus,
// not a product.
package handwritten

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"
)

// URN is the app's custom user schema, as Okta's example app named it.
const URN = "urn:okta:onprem_mysql_app:1.0:user:custom"

const (
	coreSchema = "urn:scim:schemas:core:1.0"
	domain     = "@mysql-db.org"
	current    = "9999-01-01" // dept_emp.to_date of a current membership
	maxBody    = 16 << 20
)

// Options configure a Connector.
type Options struct {
	Driver             string  // mysql or postgres: the SQL differs in placeholders and a few functions
	DB                 *sql.DB // the pool, opened by the caller
	Username, Password string  // HTTP Basic credentials
	// QueryTimeout bounds each request's database work; 0 means 20 s, the mapping's.
	QueryTimeout time.Duration
}

// Connector is the hand-written SCIM 1.1 connector.
type Connector struct {
	db      *sql.DB
	driver  string
	auth    string // the expected Authorization header
	timeout time.Duration
	st      statements
	// createMu serialises creates: the new emp_no is MAX(emp_no)+1, read then written.
	createMu sync.Mutex
}

// statements are prepared once, at New.
type statements struct {
	getUser, countUsers, pageUsers, usersByName, maxID, insertUser, updateUser *sql.Stmt
	updateUserReturning                                                        *sql.Stmt // PostgreSQL
	getGroup, lockGroup, renameGroup, currentMembers, endMember, addMember     *sql.Stmt
	groupMembers                                                               *sql.Stmt
}

// The SQL, with ? placeholders; ph rewrites them for PostgreSQL when the statements are
// prepared (at start, once: the text is ours, not a request's).
const userCols = "emp_no, first_name, last_name, gender, birth_date, hire_date"

func sqlText(driver string) map[string]string {
	name := "CONCAT(last_name, first_name, '" + domain + "') = ?"
	// The next emp_no is read and written in one transaction; on MySQL FOR UPDATE also
	// holds off the app's own inserts until it commits (PostgreSQL allows no FOR UPDATE
	// with an aggregate: there the mutex alone keeps the connector's creates apart).
	lockMax := " FOR UPDATE"
	today := "CURDATE()"
	upsert := "ON DUPLICATE KEY UPDATE from_date = CURDATE(), to_date = '" + current + "'"
	// The profile push in one statement, where UPDATE returns rows.
	returning := ""
	if driver == "postgres" {
		returning = `UPDATE employees SET first_name = COALESCE(NULLIF(?, ''), first_name),
			last_name = COALESCE(NULLIF(?, ''), last_name), gender = COALESCE(NULLIF(?, ''), gender),
			birth_date = COALESCE(?, birth_date), hire_date = COALESCE(?, hire_date) WHERE emp_no = ?
			RETURNING ` + userCols
		// PostgreSQL compares text exactly; userName compares without case.
		name = "LOWER(CONCAT(last_name, first_name, '" + domain + "')) = LOWER(?)"
		lockMax = ""
		today = "CURRENT_DATE"
		upsert = "ON CONFLICT (emp_no, dept_no) DO UPDATE SET from_date = CURRENT_DATE, to_date = '" + current + "'"
	}
	return map[string]string{
		"getUser":     "SELECT " + userCols + " FROM employees WHERE emp_no = ?",
		"countUsers":  "SELECT COUNT(*) FROM employees",
		"pageUsers":   "SELECT " + userCols + " FROM employees ORDER BY emp_no LIMIT ? OFFSET ?",
		"usersByName": "SELECT " + userCols + " FROM employees WHERE " + name + " ORDER BY emp_no",
		"maxID":       "SELECT COALESCE(MAX(emp_no), 0) + 1 FROM employees" + lockMax,
		"insertUser":  "INSERT INTO employees (emp_no, first_name, last_name, gender, birth_date, hire_date) VALUES (?, ?, ?, ?, ?, ?)",
		// Okta sends "" for an attribute it has no value for: the column keeps its value.
		"updateUser": `UPDATE employees SET first_name = COALESCE(NULLIF(?, ''), first_name),
			last_name = COALESCE(NULLIF(?, ''), last_name), gender = COALESCE(NULLIF(?, ''), gender),
			birth_date = COALESCE(?, birth_date), hire_date = COALESCE(?, hire_date) WHERE emp_no = ?`,
		"updateUserReturning": returning,
		"getGroup":            "SELECT dept_name FROM departments WHERE dept_no = ?",
		"lockGroup":           "SELECT dept_name FROM departments WHERE dept_no = ? FOR UPDATE",
		"renameGroup":         "UPDATE departments SET dept_name = ? WHERE dept_no = ?",
		"currentMembers":      "SELECT emp_no FROM dept_emp WHERE dept_no = ? AND to_date = '" + current + "'",
		"endMember":           "UPDATE dept_emp SET to_date = " + today + " WHERE dept_no = ? AND emp_no = ? AND to_date = '" + current + "'",
		"addMember":           "INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date) VALUES (?, ?, " + today + ", '" + current + "') " + upsert,
		"groupMembers": `SELECT e.emp_no, e.last_name, e.first_name FROM dept_emp m JOIN employees e ON e.emp_no = m.emp_no
			WHERE m.dept_no = ? AND m.to_date = '` + current + `' ORDER BY e.emp_no`,
	}
}

// ph numbers the placeholders for PostgreSQL ($1, $2, ...).
func ph(driver, q string) string {
	if driver != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// New prepares the statements.
func New(ctx context.Context, o Options) (*Connector, error) {
	if o.Driver != "mysql" && o.Driver != "postgres" {
		return nil, fmt.Errorf("driver %q: mysql or postgres", o.Driver)
	}
	c := &Connector{db: o.DB, driver: o.Driver, timeout: o.QueryTimeout,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(o.Username+":"+o.Password))}
	if c.timeout <= 0 {
		c.timeout = 20 * time.Second
	}
	text := sqlText(o.Driver)
	for name, dst := range map[string]**sql.Stmt{
		"getUser": &c.st.getUser, "countUsers": &c.st.countUsers, "pageUsers": &c.st.pageUsers,
		"usersByName": &c.st.usersByName, "maxID": &c.st.maxID, "insertUser": &c.st.insertUser,
		"updateUser": &c.st.updateUser, "updateUserReturning": &c.st.updateUserReturning, "getGroup": &c.st.getGroup, "lockGroup": &c.st.lockGroup,
		"renameGroup": &c.st.renameGroup, "currentMembers": &c.st.currentMembers, "endMember": &c.st.endMember,
		"addMember": &c.st.addMember, "groupMembers": &c.st.groupMembers,
	} {
		if text[name] == "" {
			continue // not on this database
		}
		st, err := o.DB.PrepareContext(ctx, ph(o.Driver, text[name]))
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		*dst = st
	}
	return c, nil
}

// Close closes the prepared statements (not the pool, which the caller owns).
func (c *Connector) Close() error {
	for _, st := range []*sql.Stmt{c.st.getUser, c.st.countUsers, c.st.pageUsers, c.st.usersByName, c.st.maxID,
		c.st.insertUser, c.st.updateUser, c.st.updateUserReturning, c.st.getGroup, c.st.lockGroup, c.st.renameGroup, c.st.currentMembers,
		c.st.endMember, c.st.addMember, c.st.groupMembers} {
		if st != nil {
			st.Close()
		}
	}
	return nil
}

// Handler routes the SCIM 1.1 requests, behind Basic auth.
func (c *Connector) Handler() http.Handler {
	r := httprouter.New()
	r.GET("/ServiceProviderConfigs", c.capabilities)
	r.GET("/Users", c.listUsers)
	r.GET("/Users/:id", c.getUser)
	r.POST("/Users", c.createUser)
	r.PUT("/Users/:id", c.updateUser)
	r.GET("/Groups/:id", c.getGroup)
	r.PUT("/Groups/:id", c.updateGroup)
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotImplemented, "no such endpoint")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if subtle.ConstantTimeCompare([]byte(req.Header.Get("Authorization")), []byte(c.auth)) != 1 {
			writeError(w, http.StatusUnauthorized, "bad credentials")
			return
		}
		r.ServeHTTP(w, req)
	})
}

// The documents.

type name struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
}

type email struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type custom struct {
	BirthDate string `json:"birth_date"`
	Gender    string `json:"gender"`
	HireDate  string `json:"hire_date"`
}

type user struct {
	Schemas  []string `json:"schemas"`
	ID       string   `json:"id"`
	UserName string   `json:"userName"`
	Active   bool     `json:"active"`
	Name     name     `json:"name"`
	Emails   []email  `json:"emails"`
	Custom   custom   `json:"urn:okta:onprem_mysql_app:1.0:user:custom"`
}

type member struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
}

type group struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Members     []member `json:"members"`
}

type listResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []user   `json:"Resources"`
}

type errorBody struct {
	Errors []errorItem `json:"errors"`
	Detail string      `json:"detail"`
}

type errorItem struct {
	StatusCode  int     `json:"statusCode"`
	Description string  `json:"description"`
	HelpURL     *string `json:"help_url"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(errorBody{Errors: []errorItem{{StatusCode: status, Description: msg}}, Detail: msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// dbError answers a database failure.
func dbError(w http.ResponseWriter, what string, err error) {
	writeError(w, http.StatusInternalServerError, what+": database error: "+err.Error())
}

func (c *Connector) capabilities(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas": []string{coreSchema, "urn:okta:schemas:scim:providerconfig:1.0"},
		"urn:okta:schemas:scim:providerconfig:1.0": map[string]any{"userManagementCapabilities": []string{
			"GROUP_PUSH", "IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"}},
	})
}

// date reads a DATE column: text from MySQL (no parseTime), time.Time from PostgreSQL.
type date string

func (d *date) Scan(v any) error {
	switch t := v.(type) {
	case time.Time:
		*d = date(t.Format(time.DateOnly))
	case []byte:
		*d = date(t)
	case string:
		*d = date(t)
	default:
		return fmt.Errorf("date: unexpected %T", v)
	}
	return nil
}

type scanner interface{ Scan(...any) error }

func scanUser(s scanner) (user, error) {
	var id int64
	var first, last, gender string
	var birth, hire date
	if err := s.Scan(&id, &first, &last, &gender, &birth, &hire); err != nil {
		return user{}, err
	}
	return newUser(id, first, last, gender, string(birth), string(hire)), nil
}

func newUser(id int64, first, last, gender, birth, hire string) user {
	un := last + first + domain
	return user{
		Schemas: []string{coreSchema, URN}, ID: strconv.FormatInt(id, 10), UserName: un, Active: true,
		Name:   name{GivenName: first, FamilyName: last},
		Emails: []email{{Value: un, Type: "work", Primary: true}},
		Custom: custom{BirthDate: birth, Gender: gender, HireDate: hire},
	}
}

func (c *Connector) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), c.timeout)
}

func (c *Connector) getUser(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	id, err := strconv.ParseInt(p.ByName("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "no user with id "+strconv.Quote(p.ByName("id")))
		return
	}
	ctx, cancel := c.ctx(r)
	defer cancel()
	u, err := scanUser(c.st.getUser.QueryRowContext(ctx, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeError(w, http.StatusNotFound, "no user with id "+strconv.Quote(p.ByName("id")))
	case err != nil:
		dbError(w, "getUser", err)
	default:
		writeJSON(w, http.StatusOK, u)
	}
}

// filterRE is the one filter shape the agent sends: <attribute> eq "<value>".
var filterRE = regexp.MustCompile(`(?i)^\s*(userName|id)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$`)

func (c *Connector) listUsers(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	start, count := 1, -1
	if s := q.Get("startIndex"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "startIndex: a positive number")
			return
		}
		start = n
	}
	if s := q.Get("count"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "count: a number, 0 or more")
			return
		}
		count = n
	}
	ctx, cancel := c.ctx(r)
	defer cancel()
	out := listResponse{Schemas: []string{coreSchema}, StartIndex: start, Resources: []user{}}
	if f := q.Get("filter"); f != "" {
		m := filterRE.FindStringSubmatch(f)
		if m == nil {
			writeError(w, http.StatusBadRequest, "filter: only userName eq and id eq are supported")
			return
		}
		var value string
		if err := json.Unmarshal([]byte(m[2]), &value); err != nil {
			writeError(w, http.StatusBadRequest, "filter: "+err.Error())
			return
		}
		var rows *sql.Rows
		var err error
		if strings.EqualFold(m[1], "id") {
			id, perr := strconv.ParseInt(value, 10, 64)
			if perr != nil {
				writeJSON(w, http.StatusOK, out)
				return
			}
			rows, err = c.st.getUser.QueryContext(ctx, id)
		} else {
			rows, err = c.st.usersByName.QueryContext(ctx, value)
		}
		if err != nil {
			dbError(w, "getUsers", err)
			return
		}
		all, err := collect(rows)
		if err != nil {
			dbError(w, "getUsers", err)
			return
		}
		// The matches are few: page them here.
		out.TotalResults = len(all)
		from := min(start-1, len(all))
		to := len(all)
		if count >= 0 {
			to = min(to, from+count)
		}
		out.Resources = all[from:to]
		out.ItemsPerPage = len(out.Resources)
		writeJSON(w, http.StatusOK, out)
		return
	}
	if err := c.st.countUsers.QueryRowContext(ctx).Scan(&out.TotalResults); err != nil {
		dbError(w, "getUsers", err)
		return
	}
	if count < 0 {
		count = out.TotalResults
	}
	rows, err := c.st.pageUsers.QueryContext(ctx, count, start-1)
	if err != nil {
		dbError(w, "getUsers", err)
		return
	}
	if out.Resources, err = collect(rows); err != nil {
		dbError(w, "getUsers", err)
		return
	}
	out.ItemsPerPage = len(out.Resources)
	writeJSON(w, http.StatusOK, out)
}

func collect(rows *sql.Rows) ([]user, error) {
	defer rows.Close()
	out := []user{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// decode reads a JSON body into v.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v); err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		writeError(w, status, "body: "+err.Error())
		return false
	}
	return true
}

// dateArg is a date for the database: nil for "", so that COALESCE keeps the column.
func dateArg(s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return nil, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return s, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (c *Connector) createUser(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var in user
	if !decode(w, r, &in) {
		return
	}
	if in.Name.GivenName == "" || in.Name.FamilyName == "" {
		writeError(w, http.StatusBadRequest, "name.givenName and name.familyName are required")
		return
	}
	// The Java example's defaults for what Okta does not send.
	birth, gender, hire := orDefault(in.Custom.BirthDate, "1972-05-12"), orDefault(in.Custom.Gender, "M"), orDefault(in.Custom.HireDate, "2012-10-01")
	for _, d := range []string{birth, hire} {
		if _, err := dateArg(d); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	ctx, cancel := c.ctx(r)
	defer cancel()
	// Two creates at once would read the same MAX and collide (or, with the locks, deadlock):
	// they take turns.
	c.createMu.Lock()
	var id int64
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.StmtContext(ctx, c.st.maxID).QueryRowContext(ctx).Scan(&id); err != nil {
			return err
		}
		_, err := tx.StmtContext(ctx, c.st.insertUser).ExecContext(ctx, id, in.Name.GivenName, in.Name.FamilyName, gender, birth, hire)
		return err
	})
	c.createMu.Unlock()
	if err != nil {
		dbError(w, "createUser", err)
		return
	}
	writeJSON(w, http.StatusCreated, newUser(id, in.Name.GivenName, in.Name.FamilyName, gender, birth, hire))
}

func (c *Connector) updateUser(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	id, err := strconv.ParseInt(p.ByName("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "no user with id "+strconv.Quote(p.ByName("id")))
		return
	}
	var in user
	if !decode(w, r, &in) {
		return
	}
	birth, err := dateArg(in.Custom.BirthDate)
	if err != nil {
		writeError(w, http.StatusBadRequest, "birth_date: "+err.Error())
		return
	}
	hire, err := dateArg(in.Custom.HireDate)
	if err != nil {
		writeError(w, http.StatusBadRequest, "hire_date: "+err.Error())
		return
	}
	ctx, cancel := c.ctx(r)
	defer cancel()
	// The fewest round trips that still answer this PUT's own write: on PostgreSQL one
	// UPDATE ... RETURNING; on MySQL, whose UPDATE returns nothing, the UPDATE and one read
	// with no transaction around them, checked against the values written. Only when
	// another push got in between (the read shows other values) are the two done again in
	// a transaction, which holds the row. The read also tells whether there is a user
	// (MySQL reports an update that changes nothing as no row affected).
	args := []any{in.Name.GivenName, in.Name.FamilyName, in.Custom.Gender, birth, hire, id}
	var u user
	if c.driver == "postgres" {
		u, err = scanUser(c.st.updateUserReturning.QueryRowContext(ctx, args...))
	} else {
		if _, err = c.st.updateUser.ExecContext(ctx, args...); err == nil {
			u, err = scanUser(c.st.getUser.QueryRowContext(ctx, id))
		}
		if err == nil && !holds(u, in) {
			err = c.inTx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.StmtContext(ctx, c.st.updateUser).ExecContext(ctx, args...); err != nil {
					return err
				}
				u, err = scanUser(tx.StmtContext(ctx, c.st.getUser).QueryRowContext(ctx, id))
				return err
			})
		}
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeError(w, http.StatusNotFound, "no user with id "+strconv.Quote(p.ByName("id")))
	case err != nil:
		dbError(w, "updateUser", err)
	default:
		writeJSON(w, http.StatusOK, u)
	}
}

// holds says whether the stored user u has the values a push of in wrote (Okta's "" keeps
// the column as it was).
func holds(u, in user) bool {
	for _, f := range [][2]string{{in.Name.GivenName, u.Name.GivenName}, {in.Name.FamilyName, u.Name.FamilyName},
		{in.Custom.Gender, u.Custom.Gender}, {in.Custom.BirthDate, u.Custom.BirthDate}, {in.Custom.HireDate, u.Custom.HireDate}} {
		if f[0] != "" && f[0] != f[1] {
			return false
		}
	}
	return true
}

// readGroup reads a department and its current members, each with its userName.
func (c *Connector) readGroup(ctx context.Context, id string) (group, error) {
	g := group{Schemas: []string{coreSchema}, ID: id, Members: []member{}}
	if err := c.st.getGroup.QueryRowContext(ctx, id).Scan(&g.DisplayName); err != nil {
		return g, err
	}
	rows, err := c.st.groupMembers.QueryContext(ctx, id)
	if err != nil {
		return g, err
	}
	defer rows.Close()
	for rows.Next() {
		var emp int64
		var last, first string
		if err := rows.Scan(&emp, &last, &first); err != nil {
			return g, err
		}
		g.Members = append(g.Members, member{Value: strconv.FormatInt(emp, 10), Display: last + first + domain})
	}
	return g, rows.Err()
}

func (c *Connector) getGroup(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	ctx, cancel := c.ctx(r)
	defer cancel()
	g, err := c.readGroup(ctx, p.ByName("id"))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeError(w, http.StatusNotFound, "no group with id "+strconv.Quote(p.ByName("id")))
	case err != nil:
		dbError(w, "getGroup", err)
	default:
		writeJSON(w, http.StatusOK, g)
	}
}

// errNotFound ends a transaction whose group does not exist.
var errNotFound = errors.New("not found")

func (c *Connector) updateGroup(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	id := p.ByName("id")
	var in group
	if !decode(w, r, &in) {
		return
	}
	want := make(map[int64]bool, len(in.Members))
	for _, m := range in.Members {
		emp, err := strconv.ParseInt(m.Value, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("members: %q is not the id of a user", m.Value))
			return
		}
		want[emp] = true
	}
	ctx, cancel := c.ctx(r)
	defer cancel()
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		var stored string
		if err := tx.StmtContext(ctx, c.st.lockGroup).QueryRowContext(ctx, id).Scan(&stored); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errNotFound
			}
			return err
		}
		if in.DisplayName != "" && in.DisplayName != stored {
			if _, err := tx.StmtContext(ctx, c.st.renameGroup).ExecContext(ctx, in.DisplayName, id); err != nil {
				return err
			}
		}
		rows, err := tx.StmtContext(ctx, c.st.currentMembers).QueryContext(ctx, id)
		if err != nil {
			return err
		}
		have := make(map[int64]bool, len(want))
		for rows.Next() {
			var emp int64
			if err := rows.Scan(&emp); err != nil {
				rows.Close()
				return err
			}
			have[emp] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		end := tx.StmtContext(ctx, c.st.endMember)
		for emp := range have {
			if !want[emp] {
				if _, err := end.ExecContext(ctx, id, emp); err != nil {
					return err
				}
			}
		}
		add := tx.StmtContext(ctx, c.st.addMember)
		for emp := range want {
			if !have[emp] {
				if _, err := add.ExecContext(ctx, emp, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, errNotFound) {
		writeError(w, http.StatusNotFound, "no group with id "+strconv.Quote(id))
		return
	}
	if err != nil {
		dbError(w, "updateGroup", err)
		return
	}
	g, err := c.readGroup(ctx, id)
	if err != nil {
		dbError(w, "updateGroup", err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (c *Connector) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
