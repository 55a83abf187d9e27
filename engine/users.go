package engine

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/filter"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

func (e *Engine) userOp(name string) (*mappings.Operation, error) {
	if e.users == nil {
		return nil, fmt.Errorf("%w: users are not mapped", ErrNotSupported)
	}
	op := e.m.Users.Op(name)
	if op == nil {
		return nil, fmt.Errorf("%w: users.operations.%s is not mapped", ErrNotSupported, name)
	}
	return op, nil
}

// GetUsers answers getUsers: a filtered, paged list in stable id order with the total
// number of matches.
func (e *Engine) GetUsers(ctx context.Context, q Query) (*UserPage, error) {
	if _, err := e.userOp(mappings.OpGetUsers); err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "getUsers")
	defer cancel()
	p := e.users
	var opts []ReadOption
	if q.WithoutGroups {
		opts = append(opts, WithoutGroups)
	}
	if id, ok := e.idLookup(q); ok {
		return e.usersByID(ctx, id, opts...)
	}
	l, err := e.plan(ctx, "users", p, p.Source, p.IDRead, q)
	if err != nil {
		return nil, err
	}
	page := &UserPage{StartIndex: l.start}
	if l.totalsOnly() {
		page.Total, err = e.finish(ctx, l, 0, nil)
		return page, e.dbErr("getUsers", err)
	}
	sel := e.pageSQL(l, p.SelectList)
	rows, err := e.q(ctx).QueryContext(ctx, sel.String(), sel.Args...)
	if err != nil {
		return nil, e.dbErr("getUsers", err)
	}
	defer rows.Close()
	var lastRaw any
	var raws []any
	sc := e.newUserScanner()
	defer e.doneScanning(sc)
	for rows.Next() {
		u, raw, err := sc.scan(rows)
		if err != nil {
			return nil, err
		}
		lastRaw = raw
		raws = append(raws, raw)
		page.Users = append(page.Users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, e.dbErr("getUsers", err)
	}
	rows.Close()
	if err := e.loadRefs(ctx, e.q(ctx), page.Users, raws, opts...); err != nil {
		return nil, err
	}
	page.Total, err = e.finish(ctx, l, len(page.Users), lastRaw)
	return page, e.dbErr("getUsers", err)
}

// idLookup returns the id when q is the agent's check-exists on id: exactly `id eq
// "<v>"`, the first page, no sort, with getUsers mapped by columns. Such a list holds the
// user with that key or nothing, and usersByID answers it with the by-id SELECT built at
// load time instead of a filtered, ordered, limited list planned for the request.
func (e *Engine) idLookup(q Query) (string, bool) {
	t := strings.TrimSpace(q.Filter)
	if len(t) < 7 || !strings.EqualFold(t[:3], "id ") || q.SortBy != "" {
		return "", false
	}
	if op := e.users.M.Op(mappings.OpGetUsers); op == nil || !op.Auto {
		return "", false
	}
	if limit, start, err := e.pageBounds(q); err != nil || limit == 0 || start != 1 {
		return "", false
	}
	x, err := filter.ParseWithLimits(t, e.opts.FilterLimits)
	if err != nil {
		return "", false // planned as usual, which explains the error
	}
	c, ok := x.(*filter.Compare)
	if !ok || c.Op != filter.Eq || c.Path.URN != "" || c.Path.Sub != "" || !strings.EqualFold(c.Path.Attr, "id") ||
		c.Value.Kind != filter.String && c.Value.Kind != filter.Number {
		return "", false
	}
	return c.Value.Str, true
}

// usersByID is the list of the user with id: one or none.
func (e *Engine) usersByID(ctx context.Context, id string, opts ...ReadOption) (*UserPage, error) {
	page := &UserPage{StartIndex: 1}
	arg, ok := sqlgen.IDArg(&e.users.M.ID, id)
	if !ok {
		return page, nil // no row can have this id
	}
	u, err := e.userByID(ctx, "getUsers", e.q(ctx), arg, id, opts...)
	if errors.Is(err, ErrNotFound) {
		return page, nil
	}
	if err != nil {
		return nil, err
	}
	page.Users, page.Total = []*User{u}, 1
	return page, nil
}

// scanUser reads one row of sqlgen.UserPlan.SelectList. It also returns the raw id value,
// which keyset paging binds back.
//
// The row is copied out first and rows closed before it is converted: while a result
// is open, database/sql keeps a goroutine waiting on the request's context, and the
// shorter that wait, the less the scheduler has to do per request.
func (e *Engine) scanUser(rows *sql.Rows) (*User, any, error) {
	sc := e.newUserScanner()
	defer e.doneScanning(sc)
	if err := sc.read(rows); err != nil {
		return nil, nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, nil, e.dbErr("reading users", err)
	}
	return sc.build()
}

// userScanner reads user rows; its buffers serve every row of a result.
type userScanner struct {
	e          *Engine
	vals, ptrs []any
	texts      []sqlgen.TextCol
}

// newUserScanner returns a scanner for the users' select list, from the pool when one
// is free; doneScanning returns it.
func (e *Engine) newUserScanner() *userScanner {
	if s, ok := e.scanners.Get().(*userScanner); ok {
		return s
	}
	n := e.users.NCols
	s := &userScanner{e: e, vals: make([]any, n), ptrs: make([]any, n), texts: make([]sqlgen.TextCol, n)}
	for i := range s.vals {
		if e.users.Text[i] {
			s.ptrs[i] = &s.texts[i]
		} else {
			s.ptrs[i] = &s.vals[i]
		}
	}
	return s
}

func (e *Engine) doneScanning(s *userScanner) {
	clear(s.vals) // keep no row alive
	clear(s.texts)
	e.scanners.Put(s)
}

// scan reads the current row into a User, and returns its key as the database gave it.
func (s *userScanner) scan(rows *sql.Rows) (*User, any, error) {
	if err := s.read(rows); err != nil {
		return nil, nil, err
	}
	return s.build()
}

// read copies the current row into the scanner's buffers.
func (s *userScanner) read(rows *sql.Rows) error {
	if err := rows.Scan(s.ptrs...); err != nil {
		return s.e.dbErr("reading users", err)
	}
	for i, text := range s.e.users.Text {
		if text {
			s.vals[i] = s.texts[i].V
		}
	}
	return nil
}

// build converts the row read last into a User.
func (s *userScanner) build() (*User, any, error) {
	e, p, vals := s.e, s.e.users, s.vals
	u := &User{ID: sqlgen.IDString(vals[0]), Values: make(map[string]any, len(p.Reads))}
	if p.LMRead != "" && vals[1] != nil {
		t, err := sqlgen.TimeIn(vals[1], p.M.LastModified.Format)
		if err != nil {
			return nil, nil, e.columnErr(p.M.LastModified.Column, err)
		}
		u.LastModified = t
	}
	if p.CreatedRead != "" && vals[p.CreatedCol] != nil {
		t, err := sqlgen.TimeIn(vals[p.CreatedCol], p.M.Created.Format)
		if err != nil {
			return nil, nil, e.columnErr(p.M.Created.Column, err)
		}
		u.Created = t
	}
	for _, rc := range p.Reads {
		raw := rc.Constant
		if rc.Col >= 0 {
			raw = vals[rc.Col]
		}
		v, err := sqlgen.FromColumn(rc.Attr, raw)
		if err != nil {
			return nil, nil, e.columnErr(rc.Attr.Path, err)
		}
		u.Values[rc.Attr.Path] = v
	}
	return u, vals[0], nil
}

func (e *Engine) columnErr(what string, err error) error {
	return fmt.Errorf("%w: the value stored for %s cannot be read: %v; check the attribute's type in the mapping", ErrDatabase, what, err)
}

// GetUser answers getUser.
func (e *Engine) GetUser(ctx context.Context, id string, opts ...ReadOption) (*User, error) {
	if _, err := e.userOp(mappings.OpGetUser); err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "getUser")
	defer cancel()
	return e.getUser(ctx, e.q(ctx), id, opts...)
}

func (e *Engine) getUser(ctx context.Context, q querier, id string, opts ...ReadOption) (*User, error) {
	p := e.users
	arg, ok := sqlgen.IDArg(&p.M.ID, id)
	if !ok {
		return nil, fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
	}
	if op := p.M.Op(mappings.OpGetUser); op != nil && !op.Auto {
		return e.getUserTemplated(ctx, q, op, id, opts...)
	}
	return e.userByID(ctx, "getUser", q, arg, id, opts...)
}

// userByID reads the user whose key is arg (id as the request gave it) with the by-id
// SELECT, as getUser mapped by columns does; op names the operation in errors.
func (e *Engine) userByID(ctx context.Context, op string, q querier, arg any, id string, opts ...ReadOption) (*User, error) {
	rows, err := q.QueryContext(ctx, e.users.ByID, arg)
	if err != nil {
		return nil, e.dbErr(op, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, e.dbErr(op, err)
		}
		return nil, fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
	}
	u, raw, err := e.scanUser(rows)
	if err != nil {
		return nil, err
	}
	return u, e.loadRefs(ctx, q, []*User{u}, []any{raw}, opts...)
}

// getUserTemplated runs a templated getUser and matches result columns to bindings by name.
func (e *Engine) getUserTemplated(ctx context.Context, q querier, op *mappings.Operation, id string, opts ...ReadOption) (*User, error) {
	text, args, err := e.gen.Render(op.Statements[0], map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	row, err := queryFirstRow(ctx, q, text, args)
	if err != nil {
		return nil, e.dbErr("getUser", err)
	}
	if row == nil {
		return nil, fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
	}
	p := e.users
	u := &User{ID: id, Values: map[string]any{}}
	if v, ok := row[strings.ToLower(p.M.ID.Column)]; ok && v != nil {
		u.ID = sqlgen.IDString(v)
	}
	if c := p.M.Created; c != nil {
		if v := row[strings.ToLower(c.Column)]; v != nil {
			if t, err := sqlgen.TimeIn(v, c.Format); err == nil {
				u.Created = t
			}
		}
	}
	if p.M.LastModified != nil {
		if v := row[strings.ToLower(p.M.LastModified.Column)]; v != nil {
			if t, err := sqlgen.TimeIn(v, p.M.LastModified.Format); err == nil {
				u.LastModified = t
			}
		}
	}
	for _, rc := range p.Reads {
		if rc.Attr.Column == "" {
			continue
		}
		raw, ok := row[strings.ToLower(rc.Attr.Column)]
		if !ok {
			continue
		}
		v, err := sqlgen.FromColumn(rc.Attr, raw)
		if err != nil {
			return nil, e.columnErr(rc.Attr.Path, err)
		}
		u.Values[rc.Attr.Path] = v
	}
	arg, ok := sqlgen.IDArg(&p.M.ID, u.ID)
	if !ok {
		return u, nil
	}
	return u, e.loadRefs(ctx, q, []*User{u}, []any{arg}, opts...)
}

// findable refuses a value that no filter within server.limits.maxFilterLength could
// look up: the agent finds a user again by `userName eq "..."` (or whichever attribute
// is its unique field) before every create, so a user stored with a longer one would be
// created again and again. Only string attributes the request writes are checked.
func (e *Engine) findable(u *User) error {
	for _, a := range e.m.Users.Attributes {
		if a.Type != "" && a.Type != "string" || !a.Writable() || a.Path == "password" {
			continue
		}
		v, ok := u.Values[a.Path].(string)
		if !ok {
			continue
		}
		if err := e.lookupFits(a.Path, filterPathOf(a), v); err != nil {
			return err
		}
	}
	return nil
}

// filterPathOf is how a client names a in a filter: the agent's singular email and
// phoneNumber for the primary e-mail and phone, otherwise the attribute's path.
func filterPathOf(a *mappings.Attribute) string {
	if a.Item != "" {
		return mappings.Addresses + "." + a.Name // addresses.locality
	}
	if head, _, ok := strings.Cut(a.Path, "."); ok && mappings.IsMultiPath(a.Path) {
		return head + ".value" // emails.value, ims.value
	}
	return a.Path
}

// lookupFits checks that `path eq "value"` fits the filter length limit.
func (e *Engine) lookupFits(what, path, v string) error {
	limit := e.opts.FilterLimits.MaxLength
	if limit <= 0 {
		return nil
	}
	n := len(path) + len(` eq ""`) + len(v) + strings.Count(v, `"`) + strings.Count(v, `\`)
	if n > limit {
		room := limit - len(path) - len(` eq ""`)
		return fmt.Errorf("%w: %s: %d bytes is longer than this connector can look up by (a filter %s eq \"...\" may be %d bytes, server.limits.maxFilterLength, which leaves %d for the value): shorten it, or raise the limit",
			ErrInvalidValue, what, len(v), path, limit, max(room, 0))
	}
	return nil
}

// userNameOf returns the request's userName, which every create needs unless the
// mapping computes it (read-only).
func (e *Engine) userNameOf(u *User) (string, error) {
	s, _ := u.Values["userName"].(string)
	if a := e.m.Users.Attr("userName"); a != nil && !a.Writable() {
		return s, nil
	}
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("%w: userName: required", ErrInvalidValue)
	}
	return s, nil
}

// CreateUser answers createUser: the user is inserted and read back in one transaction.
// A userName that exists (compared case-insensitively) is a conflict.
func (e *Engine) CreateUser(ctx context.Context, in *User) (*User, error) {
	op, err := e.userOp(mappings.OpCreateUser)
	if err != nil {
		return nil, err
	}
	name, err := e.userNameOf(in)
	if err != nil {
		return nil, err
	}
	if err := e.findable(in); err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "createUser")
	defer cancel()
	var out *User
	if op.Auto {
		out, err = e.createOne(ctx, in, name)
	} else {
		err = e.createTemplated(ctx, op, in, name, &out)
	}
	if errors.Is(err, ErrConflict) && !strings.Contains(err.Error(), "userName") {
		err = fmt.Errorf("%w: userName %q: a user with this userName already exists", ErrConflict, name)
	}
	return out, err
}

// createOne creates a user with one INSERT, which needs no transaction of its own: the
// userName check before it is no safer inside one (the database's unique constraint is
// the guard against races). Where the dialect returns rows, the stored user comes back
// with the INSERT: one round trip, against BEGIN, INSERT, SELECT and COMMIT.
func (e *Engine) createOne(ctx context.Context, in *User, name string) (*User, error) {
	p := e.users
	q := e.q(ctx)
	if err := e.userNameFree(ctx, q, name, nil); err != nil {
		return nil, e.dbErr("createUser", err)
	}
	id, err := e.newID(&p.M.ID, in, nil)
	if err != nil {
		return nil, err
	}
	readable := e.m.Users.Op(mappings.OpGetUser) != nil
	if readable && p.Returning == "" || len(p.Related) > 0 || e.writesRefs() && (in.Roles != nil || in.Entitlements != nil) {
		// The read-back goes through users.from, a scope's where or a templated getUser,
		// which a new row may fail, or the user has rows in related tables: the insert,
		// the related rows and the read are one unit.
		var out *User
		err := e.inTx(ctx, "createUser", func(tx querier) error {
			got, err := e.insertUser(ctx, tx, in, id)
			if err != nil {
				return err
			}
			if got == "" {
				return fmt.Errorf("%w: createUser did not yield the new user's id", ErrDatabase)
			}
			if _, err := e.writeRelated(ctx, tx, in, got, true); err != nil {
				return err
			}
			if _, err := e.writeRefs(ctx, tx, in, got, true); err != nil {
				return err
			}
			out, err = e.readBack(ctx, tx, in, got, WithoutGroups)
			return unreadable(err, "user", got, userReads)
		})
		return e.created(out), err
	}
	var out *User
	err = e.retried(ctx, "createUser", func() error {
		if p.Returning != "" && readable && e.insertReturns(ctx) {
			var err error
			out, err = e.insertUserRow(ctx, q, in, id)
			return err
		}
		got, err := e.insertUser(ctx, q, in, id)
		if err == nil {
			id = got
		}
		return err
	})
	if err != nil || out != nil {
		return e.created(out), err
	}
	if id == "" {
		return nil, fmt.Errorf("%w: createUser did not yield the new user's id", ErrDatabase)
	}
	out, err = e.readBack(ctx, q, in, id, WithoutGroups)
	return e.created(out), e.dbErr("createUser", err)
}

// createTemplated runs a templated createUser, its statements in one transaction.
func (e *Engine) createTemplated(ctx context.Context, op *mappings.Operation, in *User, name string, out **User) error {
	p := e.users
	return e.inTx(ctx, "createUser", func(tx querier) error {
		if err := e.userNameFree(ctx, tx, name, nil); err != nil {
			return err
		}
		id, err := e.newID(&p.M.ID, in, nil)
		if err != nil {
			return err
		}
		if id, err = e.templatedUserWrite(ctx, tx, op, in, id, nil); err != nil {
			return err
		}
		if id == "" {
			return fmt.Errorf("%w: createUser did not yield the new user's id; the template's last statement must return it", ErrDatabase)
		}
		if _, err := e.writeRefs(ctx, tx, in, id, true); err != nil {
			return err
		}
		*out, err = e.readBack(ctx, tx, in, id, WithoutGroups)
		*out = e.created(*out)
		return unreadable(err, "user", id, userReads)
	})
}

// readBack returns the stored user when getUser is mapped, else the request with its id.
func (e *Engine) readBack(ctx context.Context, q querier, in *User, id string, opts ...ReadOption) (*User, error) {
	if e.m.Users.Op(mappings.OpGetUser) != nil {
		return e.getUser(ctx, q, id, opts...)
	}
	out := *in
	out.ID = id
	out.Password, out.HasPassword = "", false
	return &out, nil
}

// userReads names what can keep a written user from being read.
const userReads = "users.from, users.scope.where or a templated getUser"

// unreadable turns a create's read-back that found nothing into our fault, not the request's: the
// row was written (the caller's transaction rolls it back) but the mapping's reads do not
// see it. Answered 404, the agent would create it again and again.
func unreadable(err error, what, id, by string) error {
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("%w: the %s was written (id %s) but the mapping cannot read it back (%s exclude it), so the write was rolled back; make the mapping's reads include the rows its writes make", ErrDatabase, what, id, by)
}

// missingFirst answers a push whose new userName another user holds: 404 when the user
// pushed to does not exist (nothing was read before the check), the conflict otherwise.
func (e *Engine) missingFirst(ctx context.Context, q querier, err error, id string) error {
	if !errors.Is(err, ErrConflict) {
		return err
	}
	if _, gerr := e.getUser(ctx, q, id); errors.Is(gerr, ErrNotFound) {
		return gerr
	}
	return err
}

// userNameFree checks in tx that no other user has name. The database's unique
// constraint is the real guard against races; this check gives a clear 409 on
// schemas without one and names the attribute.
func (e *Engine) userNameFree(ctx context.Context, tx querier, name string, exceptID any) error {
	p := e.users
	rc, ok := p.Exprs["username"]
	if !ok {
		return nil
	}
	if !rc.Attr.Writable() {
		// A computed, read-only userName is the app's business: the request's value is
		// ignored, so there is nothing to compare it with.
		return nil
	}
	b := e.gen.Taken(p.Source, p.IDRead, rc.Expr, rc.Attr, name, exceptID)
	var got any
	err := tx.QueryRowContext(ctx, b.String(), b.Args...).Scan(&got)
	if err == nil {
		return fmt.Errorf("%w: userName %q: a user with this userName already exists (id %s)", ErrConflict, name, sqlgen.IDString(got))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// userColumns returns the column assignments for the attributes present in u (and, on
// create, the defaults of those absent). stored is the current password hash, if known.
func (e *Engine) userColumns(ctx context.Context, u *User, create bool, stored *storedPassword) ([]string, []any, error) {
	p := e.users
	// Room for every attribute, the scope and a few stamps, so that set rarely regrows.
	n := len(p.M.Attributes) + len(p.ScopeCols) + 6
	cols, vals := make([]string, 0, n), make([]any, 0, n)
	set := func(col string, v any) {
		for i, c := range cols {
			if c == col {
				vals[i] = v
				return
			}
		}
		cols = append(cols, col)
		vals = append(vals, v)
	}
	var data map[string]any // what write templates see, built for the first one
	for _, a := range p.M.Attributes {
		if !a.Writable() || a.Path == "password" {
			continue
		}
		v, present := u.Values[a.Path]
		// Okta sends "" (or null) for attributes unset in its profile. For an attribute
		// with a default that means "no value": a create stores the default, an update
		// leaves the column as it is (it is typically NOT NULL).
		if a.Default != nil && (!present || v == nil || v == "") {
			if !create {
				continue
			}
			dv, err := sqlgen.Coerce(a, *a.Default)
			if err != nil {
				return nil, nil, err
			}
			v, present = dv, true
		}
		if !present {
			continue
		}
		if a.Column != "" {
			if a.Empty != nil && (v == nil || v == "") {
				set(a.Column, a.Empty.Value) // no value, as the column holds it (emptyAs)
				continue
			}
			cv, err := sqlgen.ToColumn(a, v, e.f)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %s: %v", ErrInvalidValue, a.Path, err)
			}
			set(a.Column, cv)
			continue
		}
		if data == nil {
			data = e.userData(u)
		}
		for _, col := range sortedKeys(a.Write) {
			cv, err := e.gen.RenderValue(a.Write[col], map[string]any{"value": v, "user": data})
			if err != nil {
				return nil, nil, err
			}
			set(col, cv)
		}
	}
	if a := p.M.Attr("password"); a != nil && u.HasPassword && a.Column != "" {
		e.idle(ctx) // a hash takes a while: no connection held meanwhile
		switch a.Hash {
		case "plain":
			set(a.Column, u.Password)
		case "compose":
			// The same: a push that carries the stored password writes nothing.
			if stored != nil && stored.Hash != "" {
				if h, err := a.HashExpr.Hash(u.Password, stored.Salt); err == nil && subtle.ConstantTimeCompare([]byte(h), []byte(stored.Hash)) == 1 {
					break
				}
			}
			salt := ""
			if a.SaltColumn != "" {
				salt = e.opts.RandomHex(a.SaltLength)
				set(a.SaltColumn, salt)
			}
			h, err := a.HashExpr.Hash(u.Password, salt)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: password: %v", ErrDatabase, err)
			}
			set(a.Column, h)
		default:
			// Okta sends the current password with every profile push; keep the stored
			// hash when it still matches, so a profile push does not rewrite it.
			sc, ok := passwordSchemes[a.Hash]
			if !ok {
				return nil, nil, fmt.Errorf("%w: password: no scheme %q", ErrDatabase, a.Hash)
			}
			if stored == nil || !sc.verify(stored.Hash, u.Password) {
				h, err := sc.hash(u.Password, e.opts.BcryptCost)
				if err != nil {
					return nil, nil, fmt.Errorf("%w: password: %v", ErrInvalidValue, err)
				}
				set(a.Column, h)
			}
		}
	}
	if len(cols) > 0 || create {
		e.stamps(create, u, set)
	}
	if create {
		// What makes the row a user (users.scope.columns).
		for i, c := range p.ScopeCols {
			set(c, p.ScopeVals[i])
		}
	}
	return cols, vals, nil
}

// stamps are the columns a write of the user's row sets besides its attributes: the
// times scimsql maintains and users.set.
func (e *Engine) stamps(create bool, u *User, set func(col string, v any)) {
	p := e.users
	if lm := p.M.LastModified; lm != nil && lm.Maintain {
		set(lm.Column, sqlgen.TimeStamp(e.now(), lm.Format, e.f))
	}
	if c := p.M.Created; create && c != nil && c.Maintain {
		set(c.Column, sqlgen.TimeStamp(e.now(), c.Format, e.f))
	}
	e.applySet(p.M.Set, create, func(path string) (any, bool) {
		v, ok := u.Values[path]
		return v, ok && v != nil
	}, set)
}

// applySet passes each of set's columns a create (OnCreate) or an update (OnUpdate)
// writes, with its value, to add. from gives the written attributes' values, for copies
// (nil where a table holds none); a copy of an attribute the write does not carry is
// left out.
func (e *Engine) applySet(set []*mappings.SetColumn, create bool, from func(path string) (any, bool), add func(col string, v any)) {
	for _, sc := range set {
		if !(create && sc.OnCreate || !create && sc.OnUpdate) {
			continue
		}
		if sc.Copy == "" {
			add(sc.Column, e.setValue(sc))
			continue
		}
		if from == nil {
			continue
		}
		if v, ok := from(sc.Copy); ok {
			v = transform(sc.Transform, v)
			if s, ok := v.(string); ok && sc.Length > 0 && utf8.RuneCountInString(s) > sc.Length {
				v = string([]rune(s)[:sc.Length])
				if sc.Transform == "slug" {
					v = strings.TrimRight(v.(string), "-") // no dash at the end of a cut slug either
				}
			}
			add(sc.Column, v)
		}
	}
}

// transform is a copied value through a set column's transform (mappings.Transforms).
func transform(how string, v any) any {
	s, ok := v.(string)
	if !ok || how == "" {
		return v
	}
	switch how {
	case "lower":
		return strings.ToLower(s)
	case "trim":
		return strings.TrimSpace(s)
	case "slug":
		var sb strings.Builder
		dash := false
		// Accents go first, as WordPress's remove_accents: é is e, not a dash.
		for _, r := range norm.NFD.String(strings.ToLower(s)) {
			if unicode.Is(unicode.Mn, r) {
				continue
			}
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				if dash && sb.Len() > 0 {
					sb.WriteByte('-')
				}
				sb.WriteRune(r)
				dash = false
			} else {
				dash = true
			}
		}
		return sb.String()
	}
	return v
}

func (e *Engine) insertUser(ctx context.Context, tx querier, u *User, id string) (string, error) {
	p := e.users
	cols, vals, err := e.insertColumns(ctx, u, id)
	if err != nil {
		return "", err
	}
	id, err = e.insert(ctx, tx, "createUser", p.Table, p.IDCol, &p.M.ID, cols, vals, id)
	return id, e.valueErr(err, sqlgen.BoundColumns(cols, vals))
}

// insertColumns are the columns and values a new user is written with, its id first
// when scimsql makes it.
func (e *Engine) insertColumns(ctx context.Context, u *User, id string) ([]string, []any, error) {
	p := e.users
	cols, vals, err := e.userColumns(ctx, u, true, nil)
	if err != nil {
		return nil, nil, err
	}
	if id != "" {
		arg, ok := sqlgen.IDArg(&p.M.ID, id)
		if !ok {
			return nil, nil, fmt.Errorf("%w: generated id %q does not fit users.id", ErrInvalidValue, id)
		}
		cols = append([]string{p.M.ID.Column}, cols...)
		vals = append([]any{arg}, vals...)
	}
	return cols, vals, nil
}

// insertUserRow writes a new user and reads it back in the same statement (insertReturns).
func (e *Engine) insertUserRow(ctx context.Context, q querier, u *User, id string) (*User, error) {
	p := e.users
	cols, vals, err := e.insertColumns(ctx, u, id)
	if err != nil {
		return nil, err
	}
	b := e.gen.InsertRow(p.Table, cols, vals, p.Returning)
	out, err := e.readRow(ctx, q, b, WithoutGroups)
	if err == nil && out == nil {
		err = fmt.Errorf("%w: createUser: the INSERT returned no row", ErrDatabase)
	}
	return out, e.valueErr(err, sqlgen.BoundColumns(cols, vals))
}

// readRow runs a statement that returns at most one user (an INSERT or UPDATE ...
// RETURNING, a read by id) and reads it; nil when it returned none.
func (e *Engine) readRow(ctx context.Context, q querier, b *sqlgen.Builder, opts ...ReadOption) (*User, error) {
	rows, err := q.QueryContext(ctx, b.String(), b.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	u, raw, err := e.scanUser(rows)
	if err != nil {
		return nil, err
	}
	return u, e.loadRefs(ctx, q, []*User{u}, []any{raw}, opts...)
}

// created is the answer to a create: a new user is in no group yet, which needs no query.
func (e *Engine) created(u *User) *User {
	if u != nil && slices.ContainsFunc(e.refs, func(rp *sqlgen.RefPlan) bool { return rp.Kind == "groups" }) {
		u.Groups = []Member{}
	}
	return u
}

// valueErr names the attribute behind a value the database refused, when the driver says
// which argument it was (dialects.ArgLocator); cols are the statement's
// columns in argument order.
func (e *Engine) valueErr(err error, cols []string) error {
	if err == nil || e.d.Classify(err) != dialects.Invalid {
		return err
	}
	al, ok := e.d.(dialects.ArgLocator)
	if !ok {
		return err
	}
	i, ok := al.FailedArg(err)
	if !ok || i < 0 || i >= len(cols) {
		return err
	}
	what := "column " + cols[i]
	if e.users != nil {
		for _, a := range e.users.M.Attributes {
			if strings.EqualFold(a.Column, cols[i]) {
				what = a.Path + " (column " + cols[i] + ")"
			}
		}
	}
	return fmt.Errorf("%w: %s: the database refused the value: %s", ErrInvalidValue, what, oneLine(err.Error()))
}

// insert writes one row and returns its id: the given one, or the database's.
func (e *Engine) insert(ctx context.Context, tx querier, op, table, idCol string, k *mappings.Key, cols []string, vals []any, id string) (string, error) {
	b, mode := e.gen.Insert(table, idCol, k, cols, vals, id)
	switch mode {
	case sqlgen.InsertLastInsertID:
		res, err := tx.ExecContext(ctx, b.String(), b.Args...)
		if err != nil {
			return "", err
		}
		n, err := res.LastInsertId()
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(n, 10), nil
	case sqlgen.InsertQueryID:
		var got any
		if err := tx.QueryRowContext(ctx, b.String(), b.Args...).Scan(&got); err != nil {
			return "", err
		}
		return sqlgen.IDString(got), nil
	}
	_, err := tx.ExecContext(ctx, b.String(), b.Args...)
	return id, err
}

// UpdateUser answers updateUser, Okta's PUT of the whole user for every lifecycle change.
// Attributes the request does not carry are left as they are; read-only ones are ignored.
// ifMatch, when given, are the entity tags of an If-Match header: the stored user is read
// in the transaction and the write goes ahead only at one of those versions.
func (e *Engine) UpdateUser(ctx context.Context, id string, in *User, ifMatch ...string) (*User, error) {
	return e.modifyUser(ctx, "updateUser", id, func(*User) (*User, error) { return in, nil }, ifMatch)
}

// PatchUser applies a change computed from the stored user (a SCIM PATCH) atomically:
// the row is locked and read, apply returns the new state, and it is written and read
// back in the same transaction.
func (e *Engine) PatchUser(ctx context.Context, id string, apply func(current *User) (*User, error), ifMatch ...string) (*User, error) {
	return e.modifyUser(ctx, "patchUser", id, apply, ifMatch)
}

func (e *Engine) modifyUser(ctx context.Context, name, id string, apply func(*User) (*User, error), ifMatch []string) (*User, error) {
	op, err := e.userOp(mappings.OpUpdateUser)
	if err != nil {
		return nil, err
	}
	p := e.users
	arg, ok := sqlgen.IDArg(&p.M.ID, id)
	if !ok {
		return nil, fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
	}
	ctx, cancel := e.ctx(ctx, name)
	defer cancel()
	var out *User
	// Related rows are written only for a user that exists, one push at a time.
	needLock := name == "patchUser" || len(ifMatch) > 0 || len(e.lockExtra()) > 0 || p.M.Op(mappings.OpGetUser) == nil || len(p.Related) > 0 || e.writesRefs()
	direct := !needLock && op.Auto && e.writesAlone()
	if direct {
		var in *User
		if in, err = apply(nil); err != nil {
			return nil, err
		}
		if err := e.findable(in); err != nil {
			return nil, err
		}
		out, err = e.updateOne(ctx, in, id, arg)
	}
	if !direct || errors.Is(err, errReread) {
		err = e.inTx(ctx, name, func(tx querier) error {
			// The row is read first only when something stored is needed (the password hash,
			// or the user a PATCH applies to); otherwise the UPDATE locks it and the read-back
			// tells a missing user, a round trip fewer on every profile push.
			var stored *storedPassword
			if needLock {
				var err error
				if stored, err = e.lockUser(ctx, tx, arg); err != nil {
					if errors.Is(err, sql.ErrNoRows) {
						return fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
					}
					return err
				}
			}
			var cur *User
			var err error
			if name == "patchUser" || len(ifMatch) > 0 {
				// Groups are read-only: a PATCH of them is refused before it gets here.
				if cur, err = e.getUser(ctx, tx, id, WithoutGroups); err != nil {
					return err
				}
				if err := holds(ifMatch, cur.Version(), "user", id); err != nil {
					return err
				}
				if name != "patchUser" {
					cur = nil
				}
			}
			in, err := apply(cur)
			if err != nil {
				return err
			}
			if err := e.findable(in); err != nil {
				return err
			}
			if name, ok := in.Values["userName"].(string); ok {
				if strings.TrimSpace(name) == "" {
					return fmt.Errorf("%w: userName: must not be empty", ErrInvalidValue)
				}
				if err := e.userNameFree(ctx, tx, name, arg); err != nil {
					if !needLock { // nothing has told yet whether the user exists
						err = e.missingFirst(ctx, tx, err, id)
					}
					return err
				}
			}
			if op.Auto {
				changed, err := e.writeRelated(ctx, tx, in, id, false)
				if err != nil {
					return err
				}
				refsChanged, err := e.writeRefs(ctx, tx, in, id, false)
				if err != nil {
					return err
				}
				changed = changed || refsChanged
				cols, vals, err := e.userColumns(ctx, in, false, stored)
				if err != nil {
					return err
				}
				if changed && len(cols) == 0 {
					// Only related rows changed: the user's row still records the change
					// (lastModified, for incremental imports).
					e.stamps(false, in, func(c string, v any) { cols, vals = append(cols, c), append(vals, v) })
				}
				if len(cols) > 0 {
					b := e.gen.Update(p.Table, p.IDCol, p.ScopeBare, cols, vals, arg)
					if _, err := tx.ExecContext(ctx, b.String(), b.Args...); err != nil {
						return e.valueErr(err, sqlgen.BoundColumns(cols, vals))
					}
				}
			} else if _, err := e.templatedUserWrite(ctx, tx, op, in, id, stored); err != nil {
				return err
			} else if _, err := e.writeRefs(ctx, tx, in, id, false); err != nil {
				return err
			}
			out, err = e.readBack(ctx, tx, in, id)
			return err
		})
	}
	if errors.Is(err, ErrConflict) && !strings.Contains(err.Error(), "userName") {
		err = fmt.Errorf("%w: a user with the same unique value already exists", ErrConflict)
	}
	return out, err
}

// errReread is updateOne's answer when the read after its UPDATE did not find the row as
// written: the user is gone, or another write got in between. The caller does the
// update again in a transaction, which tells the two apart.
var errReread = errors.New("the row changed after the update; redone in a transaction")

// writesAlone says a profile push that needs nothing stored first can be one UPDATE with
// no transaction around it: the users are read from their own table (returning), and
// the dialect either returns the row from the UPDATE or can tell, in the read after it,
// that the row still holds what was written (SameValue) with getUser mapped by columns.
func (e *Engine) writesAlone() bool {
	p := e.users
	if p.Returning == "" {
		return false
	}
	if e.f.UpdateReturns {
		return true
	}
	op := p.M.Op(mappings.OpGetUser)
	return e.f.SameValue != nil && op != nil && op.Auto
}

// updateOne is a profile push that needs nothing stored first: one row of one table,
// written by a single statement that is atomic on its own, so no transaction is opened.
// Where the dialect's UPDATE returns rows (UpdateReturns) the row is written and read
// back in that one round trip, and no row back means no such user. Elsewhere (MySQL,
// MariaDB) the UPDATE is followed by a read of the row that finds it only while it holds
// every value written: two round trips instead of BEGIN, UPDATE, read, COMMIT. When that
// read finds nothing it returns errReread, and the caller redoes the update in a
// transaction; the answer is never another request's write.
func (e *Engine) updateOne(ctx context.Context, in *User, id string, arg any) (*User, error) {
	p := e.users
	q := e.q(ctx)
	if name, ok := in.Values["userName"].(string); ok {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("%w: userName: must not be empty", ErrInvalidValue)
		}
		if err := e.userNameFree(ctx, q, name, arg); err != nil {
			return nil, e.dbErr("updateUser", e.missingFirst(ctx, q, err, id))
		}
	}
	cols, vals, err := e.userColumns(ctx, in, false, nil)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return e.getUser(ctx, q, id)
	}
	var out *User
	if !e.f.UpdateReturns {
		b := e.gen.Update(p.Table, p.IDCol, p.ScopeBare, cols, vals, arg)
		err = e.retried(ctx, "updateUser", func() error {
			_, err := q.ExecContext(ctx, b.String(), b.Args...)
			return e.valueErr(err, sqlgen.BoundColumns(cols, vals))
		})
		if err != nil {
			return nil, err
		}
		if e.afterLoneUpdate != nil {
			e.afterLoneUpdate()
		}
		if out, err = e.readRow(ctx, q, e.gen.ByIDHolding(cols, vals, arg)); err != nil {
			return nil, e.dbErr("updateUser", err)
		}
		if out == nil {
			return nil, errReread
		}
		return out, nil
	}
	b := e.gen.UpdateRow(p.Table, p.IDCol, p.ScopeBare, cols, vals, arg, p.Returning)
	err = e.retried(ctx, "updateUser", func() error {
		var err error
		out, err = e.readRow(ctx, q, b)
		return e.valueErr(err, sqlgen.BoundColumns(cols, vals))
	})
	if err == nil && out == nil {
		err = fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
	}
	return out, err
}

// lockUser checks the user exists, locking its row where the dialect can, and returns
// the stored password hash when the mapping keeps one.
// storedPassword is what a user's row holds of the password: the hash, and the salt of
// a composed scheme.
type storedPassword struct{ Hash, Salt string }

// lockExtra are the password columns the lock before a push reads, so that a push with
// the stored password writes nothing: the built-in schemes and composed ones.
func (e *Engine) lockExtra() []string {
	pw := e.users.M.Attr("password")
	if pw == nil || pw.Column == "" {
		return nil
	}
	if _, scheme := passwordSchemes[pw.Hash]; !scheme && pw.Hash != "compose" {
		return nil
	}
	extra := []string{e.d.Quote(pw.Column)}
	if pw.SaltColumn != "" {
		extra = append(extra, e.d.Quote(pw.SaltColumn))
	}
	return extra
}

func (e *Engine) lockUser(ctx context.Context, tx querier, arg any) (*storedPassword, error) {
	p := e.users
	extra := e.lockExtra()
	b := e.gen.Lock(p.Table, p.IDCol, p.ScopeBare, arg, extra...)
	var idv any
	var hash, salt sql.NullString
	dest := []any{&idv, &hash, &salt}[:1+len(extra)]
	if err := tx.QueryRowContext(ctx, b.String(), b.Args...).Scan(dest...); err != nil {
		return nil, err
	}
	if hash.Valid {
		return &storedPassword{Hash: hash.String, Salt: salt.String}, nil
	}
	return nil, nil
}

// templatedUserWrite runs a templated createUser or updateUser. Templates see .id, .user
// (every bound attribute, nil when absent), .columns (the values auto mode would write,
// by column), .password (the raw password, only when password hash is template) and
// .result. It returns the id: the given one, or the last result row's.
func (e *Engine) templatedUserWrite(ctx context.Context, tx querier, op *mappings.Operation, u *User, id string, stored *storedPassword) (string, error) {
	cols, vals, err := e.userColumns(ctx, u, id == "" || op.Name == mappings.OpCreateUser, stored)
	if err != nil {
		return "", err
	}
	colMap := make(map[string]any, len(cols))
	for i, c := range cols {
		colMap[c] = vals[i]
	}
	data := map[string]any{"id": id, "user": e.userData(u), "columns": colMap, "password": nil}
	if a := e.m.Users.Attr("password"); a != nil && a.Hash == "template" && u.HasPassword {
		data["password"] = u.Password
	}
	row, err := e.runStatements(ctx, tx, op, data)
	if err != nil {
		return "", err
	}
	if id == "" && row != nil {
		if v, ok := row[strings.ToLower(e.m.Users.ID.Column)]; ok {
			return sqlgen.IDString(v), nil
		}
		if v, ok := row["id"]; ok {
			return sqlgen.IDString(v), nil
		}
		for _, v := range row {
			if len(row) == 1 {
				return sqlgen.IDString(v), nil
			}
		}
	}
	return id, nil
}

// userData is the template view of a user: nested like the SCIM document, with every
// bound attribute present (nil when absent) so templates never hit a missing key.
func (e *Engine) userData(u *User) map[string]any {
	out := map[string]any{"id": u.ID}
	custom := map[string]any{}
	ext := map[string]any{}
	for _, a := range e.m.Users.Attributes {
		if a.Path == "password" {
			continue
		}
		v := u.Values[a.Path]
		switch {
		case a.URN == e.m.App.UserSchema:
			custom[a.Name] = v
		case a.URN != "":
			m, _ := ext[a.URN].(map[string]any)
			if m == nil {
				m = map[string]any{}
				ext[a.URN] = m
			}
			m[a.Name] = v
		case strings.Contains(a.Path, "."):
			// name.givenName, emails.work, addresses.work.locality: nested maps.
			parts := strings.Split(a.Path, ".")
			m := out
			for _, p := range parts[:len(parts)-1] {
				inner, _ := m[p].(map[string]any)
				if inner == nil {
					inner = map[string]any{}
					m[p] = inner
				}
				m = inner
			}
			m[parts[len(parts)-1]] = v
		default:
			out[a.Path] = v
		}
	}
	out["custom"] = custom
	out["extensions"] = ext
	return out
}

// DeleteUser answers SCIM 2.0's DELETE /Users/{id} when the mapping maps deleteUser: the
// row and its memberships in one transaction (auto), the columns of a soft delete (set),
// or the templates. A user out of scope, or not there, is a 404.
func (e *Engine) DeleteUser(ctx context.Context, id string, ifMatch ...string) error {
	op, err := e.userOp(mappings.OpDeleteUser)
	if err != nil {
		return err
	}
	p := e.users
	arg, ok := sqlgen.IDArg(&p.M.ID, id)
	if !ok {
		return fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
	}
	ctx, cancel := e.ctx(ctx, "deleteUser")
	defer cancel()
	return e.inTx(ctx, "deleteUser", func(tx querier) error {
		if _, err := e.lockUser(ctx, tx, arg); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
			}
			return err
		}
		if len(ifMatch) > 0 {
			cur, err := e.getUser(ctx, tx, id, WithoutGroups)
			if err != nil {
				return err
			}
			if err := holds(ifMatch, cur.Version(), "user", id); err != nil {
				return err
			}
		}
		switch {
		case len(op.Set) > 0:
			var cols []string
			var vals []any
			for _, sc := range op.Set {
				cols, vals = append(cols, sc.Column), append(vals, e.setValue(sc))
			}
			b := e.gen.Update(p.Table, p.IDCol, p.ScopeBare, cols, vals, arg)
			_, err := tx.ExecContext(ctx, b.String(), b.Args...)
			return err
		case !op.Auto:
			_, err := e.runStatements(ctx, tx, op, map[string]any{"id": id})
			return err
		}
		if g := e.groups; g != nil && g.MemTable != "" {
			b := e.gen.Delete(g.MemTable, g.MemUser, "", arg)
			if _, err := tx.ExecContext(ctx, b.String(), b.Args...); err != nil {
				return err
			}
		}
		if err := e.deleteRelated(ctx, tx, arg); err != nil {
			return err
		}
		if err := e.deleteRefs(ctx, tx, arg); err != nil {
			return err
		}
		b := e.gen.Delete(p.Table, p.IDCol, p.ScopeBare, arg)
		_, err := tx.ExecContext(ctx, b.String(), b.Args...)
		return err
	})
}
