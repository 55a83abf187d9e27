package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

func (e *Engine) groupOp(name string) (*mappings.Operation, error) {
	if e.groups == nil {
		return nil, fmt.Errorf("%w: groups are not mapped", ErrNotSupported)
	}
	op := e.m.Groups.Op(name)
	if op == nil {
		return nil, fmt.Errorf("%w: groups.operations.%s is not mapped", ErrNotSupported, name)
	}
	return op, nil
}

// GetGroups answers getGroups: a page of groups with their members, in id order.
func (e *Engine) GetGroups(ctx context.Context, q Query) (*GroupPage, error) {
	if _, err := e.groupOp(mappings.OpGetGroups); err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "getGroups")
	defer cancel()
	p := e.groups
	l, err := e.plan(ctx, "groups", p, p.Source, p.IDRead, q)
	if err != nil {
		return nil, err
	}
	page := &GroupPage{StartIndex: l.start}
	var lastRaw any
	if !l.totalsOnly() {
		groups, raws, err := e.queryGroups(ctx, e.q(ctx), e.pageSQL(l, p.SelectList))
		if err != nil {
			return nil, err
		}
		if q.WithoutMembers {
			for _, g := range groups {
				g.HasMembers = false
			}
		} else if err := e.loadMembers(ctx, e.q(ctx), groups, raws); err != nil {
			return nil, err
		}
		page.Groups = groups
		if len(raws) > 0 {
			lastRaw = raws[len(raws)-1]
		}
	}
	page.Total, err = e.finish(ctx, l, len(page.Groups), lastRaw)
	return page, e.dbErr("getGroups", err)
}

func (e *Engine) queryGroups(ctx context.Context, q querier, sel *sqlgen.Builder) ([]*Group, []any, error) {
	p := e.groups
	rows, err := q.QueryContext(ctx, sel.String(), sel.Args...)
	if err != nil {
		return nil, nil, e.dbErr("getGroups", err)
	}
	defer rows.Close()
	var groups []*Group
	var raws []any
	for rows.Next() {
		n := 2
		if p.Desc != nil {
			n++
		}
		if p.LMRead != "" {
			n++
		}
		if p.CreatedRead != "" {
			n++
		}
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, e.dbErr("reading groups", err)
		}
		g := &Group{ID: sqlgen.IDString(vals[0]), DisplayName: sqlgen.StringOf(orEmpty(vals[1])), HasMembers: true}
		i := 2
		if p.Desc != nil {
			if vals[i] != nil {
				s := sqlgen.StringOf(vals[i])
				g.Description = &s
			}
			i++
		}
		if p.LMRead != "" {
			if vals[i] != nil {
				if t, err := sqlgen.TimeIn(vals[i], p.M.LastModified.Format); err == nil {
					g.LastModified = t
				}
			}
			i++
		}
		if p.CreatedRead != "" && vals[i] != nil {
			if t, err := sqlgen.TimeIn(vals[i], p.M.Created.Format); err == nil {
				g.Created = t
			}
		}
		groups = append(groups, g)
		raws = append(raws, vals[0])
	}
	if err := rows.Err(); err != nil {
		return nil, nil, e.dbErr("getGroups", err)
	}
	return groups, raws, nil
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// loadMembers fills the members of groups (raw ids in raws) with one query per chunk,
// joined to users for the display name.
func (e *Engine) loadMembers(ctx context.Context, q querier, groups []*Group, raws []any) error {
	p := e.groups
	if p.MemTable == "" || len(groups) == 0 {
		return nil
	}
	byID := make(map[string]*Group, len(groups))
	for _, g := range groups {
		byID[g.ID] = g
		g.Members = []Member{}
	}
	chunk := e.chunkSize()
	for start := 0; start < len(raws); start += chunk {
		end := min(len(raws), start+chunk)
		b, display := e.gen.MembersOf(raws[start:end])
		rows, err := q.QueryContext(ctx, b.String(), b.Args...)
		if err != nil {
			return e.dbErr("reading group members", err)
		}
		for rows.Next() {
			var gid, uid, name any
			dest := []any{&gid, &uid}
			if display {
				dest = append(dest, &name)
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return e.dbErr("reading group members", err)
			}
			if g := byID[sqlgen.IDString(gid)]; g != nil {
				m := Member{Value: sqlgen.IDString(uid)}
				if name != nil {
					m.Display = sqlgen.StringOf(orEmpty(name))
				}
				g.Members = append(g.Members, m)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return e.dbErr("reading group members", err)
		}
	}
	return nil
}

func (e *Engine) chunkSize() int {
	n := e.f.MaxParams / 2
	if n > 1000 {
		n = 1000
	}
	return n
}

// GetGroup answers getGroup.
func (e *Engine) GetGroup(ctx context.Context, id string, opts ...ReadOption) (*Group, error) {
	if _, err := e.groupOp(mappings.OpGetGroup); err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "getGroup")
	defer cancel()
	return e.getGroup(ctx, e.q(ctx), id, opts...)
}

func (e *Engine) getGroup(ctx context.Context, q querier, id string, opts ...ReadOption) (*Group, error) {
	noMembers := len(opts) > 0 && opts[0] == WithoutMembers
	p := e.groups
	arg, ok := sqlgen.IDArg(&p.M.ID, id)
	if !ok {
		return nil, fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
	}
	if op := p.M.Op(mappings.OpGetGroup); op != nil && !op.Auto {
		return e.getGroupTemplated(ctx, q, op, id, arg, noMembers)
	}
	groups, raws, err := e.queryGroups(ctx, q, e.gen.ByID(p.SelectList, p.Source, p.IDRead, arg))
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
	}
	if noMembers {
		groups[0].HasMembers = false
		return groups[0], nil
	}
	if err := e.loadMembers(ctx, q, groups, raws); err != nil {
		return nil, err
	}
	return groups[0], nil
}

func (e *Engine) getGroupTemplated(ctx context.Context, q querier, op *mappings.Operation, id string, arg any, noMembers bool) (*Group, error) {
	text, args, err := e.gen.Render(op.Statements[0], map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	row, err := queryFirstRow(ctx, q, text, args)
	if err != nil {
		return nil, e.dbErr("getGroup", err)
	}
	if row == nil {
		return nil, fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
	}
	m := e.m.Groups
	g := &Group{ID: id, HasMembers: true}
	if v := row[strings.ToLower(m.DisplayName.Column)]; v != nil {
		g.DisplayName = sqlgen.StringOf(v)
	}
	if m.Description != nil && m.Description.Column != "" {
		if v := row[strings.ToLower(m.Description.Column)]; v != nil {
			s := sqlgen.StringOf(v)
			g.Description = &s
		}
	}
	for _, tc := range []struct {
		lm *mappings.LastModified
		to *time.Time
	}{{m.LastModified, &g.LastModified}, {m.Created, &g.Created}} {
		if tc.lm == nil {
			continue
		}
		if v := row[strings.ToLower(tc.lm.Column)]; v != nil {
			if t, err := sqlgen.TimeIn(v, tc.lm.Format); err == nil {
				*tc.to = t
			}
		}
	}
	if noMembers {
		g.HasMembers = false
		return g, nil
	}
	if err := e.loadMembers(ctx, q, []*Group{g}, []any{arg}); err != nil {
		return nil, err
	}
	return g, nil
}

// groupData is the template view of a group.
func groupData(g *Group) map[string]any {
	var desc any
	if g.Description != nil {
		desc = *g.Description
	}
	ids := make([]string, len(g.Members))
	for i, m := range g.Members {
		ids[i] = m.Value
	}
	return map[string]any{"id": g.ID, "displayName": g.DisplayName, "description": desc, "members": ids}
}

// CreateGroup answers createGroup: the group and its members are written in one
// transaction. A displayName in use is a conflict; a member that is not a user is a 400.
func (e *Engine) CreateGroup(ctx context.Context, in *Group) (*Group, error) {
	op, err := e.groupOp(mappings.OpCreateGroup)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.DisplayName) == "" {
		return nil, fmt.Errorf("%w: displayName: required", ErrInvalidValue)
	}
	if err := e.lookupFits("displayName", "displayName", in.DisplayName); err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "createGroup")
	defer cancel()
	p := e.groups
	var out *Group
	var want *wantedMembers
	err = e.inTx(ctx, "createGroup", func(tx querier) error {
		if err := e.displayNameFree(ctx, tx, in.DisplayName, nil); err != nil {
			return err
		}
		var err error
		if want, err = e.memberArgs(ctx, tx, in.Members); err != nil {
			return err
		}
		in = want.answering(in)
		id, err := e.newID(&p.M.ID, nil, in)
		if err != nil {
			return err
		}
		if op.Auto {
			cols, vals := e.groupColumns(in, true)
			if id != "" {
				arg, ok := sqlgen.IDArg(&p.M.ID, id)
				if !ok {
					return fmt.Errorf("%w: generated id %q does not fit groups.id", ErrInvalidValue, id)
				}
				cols = append([]string{p.M.ID.Column}, cols...)
				vals = append([]any{arg}, vals...)
			}
			if id, err = e.insert(ctx, tx, "createGroup", p.Table, p.IDCol, &p.M.ID, cols, vals, id); err != nil {
				return err
			}
			garg, _ := sqlgen.IDArg(&p.M.ID, id)
			if err := e.addMembers(ctx, tx, garg, want.keys); err != nil {
				return err
			}
		} else {
			data := map[string]any{"id": id, "group": groupData(in), "members": want.ids(), "add": want.ids(), "remove": []string{}}
			row, err := e.runStatements(ctx, tx, op, data)
			if err != nil {
				return err
			}
			if id == "" && row != nil {
				if v, ok := row[strings.ToLower(p.M.ID.Column)]; ok {
					id = sqlgen.IDString(v)
				} else if v, ok := row["id"]; ok {
					id = sqlgen.IDString(v)
				}
			}
		}
		if id == "" {
			return fmt.Errorf("%w: createGroup did not yield the new group's id; the template's last statement must return it", ErrDatabase)
		}
		out, err = e.groupReadBack(ctx, tx, in, id)
		return unreadable(err, "group", id, "groups.scope.where or a templated getGroup")
	})
	if errors.Is(err, ErrConflict) && !strings.Contains(err.Error(), "displayName") {
		err = fmt.Errorf("%w: displayName %q: a group with this name already exists", ErrConflict, in.DisplayName)
	}
	if err == nil {
		e.skippedMembers(ctx, "createGroup", out.ID, want)
	}
	return out, err
}

func (e *Engine) groupReadBack(ctx context.Context, q querier, in *Group, id string, opts ...ReadOption) (*Group, error) {
	if e.m.Groups.Op(mappings.OpGetGroup) != nil {
		return e.getGroup(ctx, q, id, opts...)
	}
	out := *in
	out.ID = id
	return &out, nil
}

func (e *Engine) groupColumns(g *Group, create bool) ([]string, []any) {
	m := e.m.Groups
	var cols []string
	var vals []any
	if a := m.DisplayName; a.Column != "" && a.Writable() {
		cols, vals = append(cols, a.Column), append(vals, g.DisplayName)
	}
	if a := m.Description; a != nil && a.Column != "" && a.Writable() && (g.Description != nil || create && a.Default != nil) {
		v := a.Default
		if g.Description != nil {
			v = g.Description
		}
		cols, vals = append(cols, a.Column), append(vals, *v)
	}
	if lm := m.LastModified; lm != nil && lm.Maintain {
		cols, vals = append(cols, lm.Column), append(vals, sqlgen.TimeStamp(e.now(), lm.Format, e.f))
	}
	if c := m.Created; c != nil && c.Maintain && create {
		cols, vals = append(cols, c.Column), append(vals, sqlgen.TimeStamp(e.now(), c.Format, e.f))
	}
	if len(cols) > 0 || create {
		e.applySet(m.Set, create, func(path string) (any, bool) {
			switch {
			case path == m.DisplayName.Path && g.DisplayName != "":
				return g.DisplayName, true
			case m.Description != nil && path == m.Description.Path && g.Description != nil:
				return *g.Description, true
			}
			return nil, false
		}, func(c string, v any) { cols, vals = append(cols, c), append(vals, v) })
	}
	if create {
		// What makes the row a group (groups.scope.columns).
		cols, vals = append(cols, e.groups.ScopeCols...), append(vals, e.groups.ScopeVals...)
	}
	return cols, vals
}

func (e *Engine) displayNameFree(ctx context.Context, tx querier, name string, exceptID any) error {
	p := e.groups
	b := e.gen.Taken(p.Source, p.IDRead, p.Name.Expr, p.Name.Attr, name, exceptID)
	var got any
	err := tx.QueryRowContext(ctx, b.String(), b.Args...).Scan(&got)
	if err == nil {
		return fmt.Errorf("%w: displayName %q: a group with this name already exists (id %s)", ErrConflict, name, sqlgen.IDString(got))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// memberArgs checks the requested members against the users table and returns them, in
// request order without duplicates: a member that names no user is a 400, or, under
// groups.members.unknown: skip, left out.
func (e *Engine) memberArgs(ctx context.Context, tx querier, members []Member) (*wantedMembers, error) {
	w, err := e.wanted(members)
	if err != nil {
		return nil, err
	}
	if w.keys, err = e.checkUsers(ctx, tx, w, w.keys); err != nil {
		return nil, err
	}
	return w, nil
}

// parseMembers converts member ids to key values, in request order without duplicates;
// an id that cannot be a user's is a 400 (left out under groups.members.unknown: skip). It
// does not ask the database.
func (e *Engine) parseMembers(members []Member) ([]any, error) {
	w, err := e.wanted(members)
	if err != nil {
		return nil, err
	}
	return w.keys, nil
}

// wantedMembers is a requested member list: the key values in request order without
// duplicates, each member as the answer gives it back (its id as the key reads, with the
// request's display), and where each key is in the list. skipped are the ids that name no
// user, left out under groups.members.unknown: skip.
type wantedMembers struct {
	keys    []any
	members []Member
	index   map[any]int
	skipped []string
}

// skipUnknown reports whether a member that names no user is left out rather than refused.
func (e *Engine) skipUnknown() bool {
	mem := e.m.Groups.Members
	return mem != nil && mem.Unknown == mappings.UnknownSkip
}

// wanted parses a requested member list; an id that cannot be a user's is a 400, or is
// left out (w.skipped) under groups.members.unknown: skip.
func (e *Engine) wanted(members []Member) (*wantedMembers, error) {
	w := &wantedMembers{}
	if len(members) == 0 {
		return w, nil
	}
	if e.users == nil {
		return nil, fmt.Errorf("%w: members: users are not mapped", ErrInvalidValue)
	}
	k := &e.users.M.ID
	w.keys = make([]any, 0, len(members))
	w.members = make([]Member, 0, len(members))
	w.index = make(map[any]int, len(members))
	var num [20]byte
	for _, m := range members {
		arg, ok := sqlgen.IDArg(k, m.Value)
		if !ok {
			if e.skipUnknown() {
				w.skip(m.Value)
				continue
			}
			return nil, fmt.Errorf("%w: members: %q is not the id of a user", ErrInvalidValue, m.Value)
		}
		if _, dup := w.index[arg]; dup {
			continue
		}
		w.index[arg] = len(w.keys)
		w.keys = append(w.keys, arg)
		// The id as the key reads (10001 for "010001"), without formatting it again
		// when the request already wrote it so.
		switch x := arg.(type) {
		case int64:
			if string(strconv.AppendInt(num[:0], x, 10)) != m.Value {
				m.Value = strconv.FormatInt(x, 10)
			}
		case string:
			m.Value = x
		}
		w.members = append(w.members, m)
	}
	return w, nil
}

// skip records an id left out. It does not look for the id among those already left out:
// a list of 100,000 ids that name no user would make that quadratic.
func (w *wantedMembers) skip(id string) {
	w.skipped = append(w.skipped, id)
}

// drop leaves the given keys out of the list (users that are not there), recording them
// as skipped.
func (w *wantedMembers) drop(missing []any) {
	if len(missing) == 0 {
		return
	}
	gone := make(map[any]bool, len(missing))
	for _, k := range missing {
		gone[k] = true
		w.skip(sqlgen.IDString(k))
	}
	// New slices: callers may hold w.keys.
	keys, members := make([]any, 0, len(w.keys)), make([]Member, 0, len(w.members))
	for i, k := range w.keys {
		if !gone[k] {
			keys, members = append(keys, k), append(members, w.members[i])
		}
	}
	w.keys, w.members = keys, members
	w.index = make(map[any]int, len(keys))
	for i, k := range keys {
		w.index[k] = i
	}
}

// answering is the group a write answers with where no getGroup reads it back: in,
// without the members left out.
func (w *wantedMembers) answering(in *Group) *Group {
	if len(w.skipped) == 0 {
		return in
	}
	g := *in
	g.Members = w.members
	return &g
}

// ids are the members' ids, as the key reads them, in request order without duplicates.
func (w *wantedMembers) ids() []string {
	if w == nil {
		return []string{}
	}
	out := make([]string, len(w.members))
	for i, m := range w.members {
		out[i] = m.Value
	}
	return out
}

// diff compares the list with a group's current members, as the database returns them:
// add is what the list has and the group lacks, remove what the group has and the list
// lacks. The stored keys are compared as the request's are (userKey).
func (w *wantedMembers) diff(e *Engine, have []any) (add, remove []any) {
	seen := make([]bool, len(w.keys))
	for _, h := range have {
		if i, ok := w.index[e.userKey(h)]; ok {
			seen[i] = true
		} else {
			remove = append(remove, h)
		}
	}
	for i, k := range w.keys {
		if !seen[i] {
			add = append(add, k)
		}
	}
	return add, remove
}

// userKey converts a user key value read from the database to the form sqlgen.IDArg gives a
// request's id, so that the two compare: an int64 for an integer key, else a string.
func (e *Engine) userKey(v any) any {
	if x, ok := v.(int64); ok && e.users.M.ID.Type == "integer" {
		return x
	}
	if k, ok := sqlgen.IDArg(&e.users.M.ID, sqlgen.IDString(v)); ok {
		return k
	}
	return sqlgen.IDString(v)
}

// checkUsers asks which of keys (a subset of w's) are users. Where one is not, it is a 400
// naming it, or, under groups.members.unknown: skip, it is left out of w and of the keys
// returned.
func (e *Engine) checkUsers(ctx context.Context, tx querier, w *wantedMembers, keys []any) ([]any, error) {
	missing, err := e.missingUsers(ctx, tx, keys)
	if err != nil || len(missing) == 0 {
		return keys, err
	}
	if !e.skipUnknown() {
		return nil, fmt.Errorf("%w: members: %q is not the id of a user", ErrInvalidValue, sqlgen.IDString(missing[0]))
	}
	w.drop(missing)
	out := make([]any, 0, len(keys)-len(missing))
	for _, k := range keys {
		if _, ok := w.index[k]; ok {
			out = append(out, k)
		}
	}
	return out, nil
}

// missingUsers returns the keys, in their order, that no user in scope has.
func (e *Engine) missingUsers(ctx context.Context, tx querier, args []any) ([]any, error) {
	if len(args) == 0 {
		return nil, nil
	}
	found := make(map[string]bool, len(args))
	chunk := e.chunkSize()
	for start := 0; start < len(args); start += chunk {
		end := min(len(args), start+chunk)
		b := e.gen.UsersIn(args[start:end])
		rows, err := tx.QueryContext(ctx, b.String(), b.Args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, err
			}
			found[sqlgen.IDString(v)] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	var missing []any
	for _, a := range args {
		if !found[sqlgen.IDString(a)] {
			missing = append(missing, a)
		}
	}
	return missing, nil
}

// skippedMembers logs, once a write has committed, the members it left out because they
// name no user (groups.members.unknown: skip), so that an operator sees what a client
// asked for and did not get.
func (e *Engine) skippedMembers(ctx context.Context, op, gid string, w *wantedMembers) {
	if w == nil || len(w.skipped) == 0 {
		return
	}
	const most = 10
	ids := make([]string, 0, most)
	for _, id := range w.skipped {
		if len(ids) == most {
			break
		}
		if len(id) > 64 {
			id = strings.ToValidUTF8(id[:64], "") + "..."
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	e.log.WarnContext(ctx, "group members left out: they name no user (groups.members.unknown: skip)",
		"op", op, "group", gid, "count", len(w.skipped), "ids", ids)
}

func (e *Engine) addMembers(ctx context.Context, tx querier, gid any, users []any) error {
	if e.groups.MemTable == "" {
		return nil
	}
	// The membership's own columns (groups.members.set), the same for every row.
	var cols []string
	var vals []any
	for _, sc := range e.m.Groups.Members.Set {
		if sc.OnCreate {
			cols, vals = append(cols, sc.Column), append(vals, e.setValue(sc))
		}
	}
	return e.execChunkedBy(ctx, tx, users, e.f.MaxParams/(2+len(vals)), func(chunk []any) *sqlgen.Builder {
		return e.gen.AddMembers(gid, chunk, cols, vals)
	})
}

func (e *Engine) removeMembers(ctx context.Context, tx querier, gid any, users []any) error {
	_, err := e.removedMembers(ctx, tx, gid, users)
	return err
}

// removedMembers is removeMembers, counting the memberships it ended.
func (e *Engine) removedMembers(ctx context.Context, tx querier, gid any, users []any) (int64, error) {
	var n int64
	chunk := e.chunkSize()
	for start := 0; start < len(users); start += chunk {
		b := e.gen.RemoveMembers(gid, users[start:min(len(users), start+chunk)])
		res, err := tx.ExecContext(ctx, b.String(), b.Args...)
		if err != nil {
			return n, err
		}
		if k, err := res.RowsAffected(); err == nil {
			n += k
		}
	}
	return n, nil
}

// execChunked runs the statement build makes for each chunk of keys, as many keys to a
// statement as the dialect binds.
func (e *Engine) execChunked(ctx context.Context, tx querier, keys []any, build func([]any) *sqlgen.Builder) error {
	return e.execChunkedBy(ctx, tx, keys, e.chunkSize(), build)
}

// execChunkedBy is execChunked with at most per keys to a statement.
func (e *Engine) execChunkedBy(ctx context.Context, tx querier, keys []any, per int, build func([]any) *sqlgen.Builder) error {
	chunk := min(max(per, 1), e.chunkSize())
	for start := 0; start < len(keys); start += chunk {
		b := build(keys[start:min(len(keys), start+chunk)])
		if _, err := tx.ExecContext(ctx, b.String(), b.Args...); err != nil {
			return err
		}
	}
	return nil
}

// currentMembers returns the stored member key values of a group.
func (e *Engine) currentMembers(ctx context.Context, tx querier, gid any) ([]any, error) {
	b := e.gen.CurrentMembers(gid)
	rows, err := tx.QueryContext(ctx, b.String(), b.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		if bs, ok := v.([]byte); ok {
			v = string(bs)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// UpdateGroup answers updateGroup, Okta's PUT with the complete member list: the
// difference with the stored membership is applied in one transaction.
// ifMatch, when given, are the entity tags of an If-Match header (see UpdateUser).
func (e *Engine) UpdateGroup(ctx context.Context, id string, in *Group, ifMatch ...string) (*Group, error) {
	op, err := e.groupOp(mappings.OpUpdateGroup)
	if err != nil {
		return nil, err
	}
	p := e.groups
	gid, ok := sqlgen.IDArg(&p.M.ID, id)
	if !ok {
		return nil, fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
	}
	if err := e.lookupFits("displayName", "displayName", in.DisplayName); err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "updateGroup")
	defer cancel()
	var want *wantedMembers
	var out *Group
	err = e.inTx(ctx, "updateGroup", func(tx querier) error {
		stored, err := e.lockGroup(ctx, tx, gid)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
			}
			return err
		}
		if err := e.groupHolds(ctx, tx, id, ifMatch); err != nil {
			return err
		}
		if renamed(stored, in.DisplayName) {
			if err := e.displayNameFree(ctx, tx, in.DisplayName, gid); err != nil {
				return err
			}
		}
		var add, remove []any
		if in.HasMembers {
			if want, err = e.wanted(in.Members); err != nil {
				return err
			}
			if p.MemTable != "" {
				have, err := e.currentMembers(ctx, tx, gid)
				if err != nil {
					return err
				}
				add, remove = want.diff(e, have)
			} else {
				add = want.keys
			}
			// Only new members are checked: the stored ones were when they were added,
			// so moving one member of a large group asks the database about one user.
			if add, err = e.checkUsers(ctx, tx, want, add); err != nil {
				return err
			}
			in = want.answering(in)
		}
		if op.Auto {
			g := *in
			cols, vals := e.groupColumns(&g, false)
			if in.DisplayName == "" && len(cols) > 0 && cols[0] == p.M.DisplayName.Column {
				cols, vals = cols[1:], vals[1:]
			}
			if len(cols) > 0 {
				b := e.gen.Update(p.Table, p.IDCol, p.ScopeBare, cols, vals, gid)
				if _, err := tx.ExecContext(ctx, b.String(), b.Args...); err != nil {
					return err
				}
			}
			if err := e.removeMembers(ctx, tx, gid, remove); err != nil {
				return err
			}
			if err := e.addMembers(ctx, tx, gid, add); err != nil {
				return err
			}
		} else {
			data := map[string]any{"id": id, "group": groupData(in), "members": want.ids(), "add": keyStrings(add), "remove": keyStrings(remove)}
			if _, err := e.runStatements(ctx, tx, op, data); err != nil {
				return err
			}
		}
		if !in.HasMembers || p.MemTable == "" {
			out, err = e.groupReadBack(ctx, tx, in, id)
			return err
		}
		// The members are now exactly the requested ones: answer with them rather than
		// reading and joining every membership again.
		if out, err = e.groupReadBack(ctx, tx, in, id, WithoutMembers); err != nil {
			return err
		}
		out.HasMembers, out.Members = true, want.members
		if out.Members == nil {
			out.Members = []Member{}
		}
		return nil
	})
	if err == nil {
		e.skippedMembers(ctx, "updateGroup", id, want)
	}
	return out, err
}

func keyStrings(keys []any) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = sqlgen.IDString(k)
	}
	return out
}

// lockGroup checks the group exists and locks its row where the dialect can. It returns
// the stored displayName when the name is a column, so that a push that keeps the name
// (nearly every one) need not ask whether another group has it.
func (e *Engine) lockGroup(ctx context.Context, tx querier, gid any) (stored *string, err error) {
	b, n := e.gen.LockGroup(gid)
	vals := make([]any, n)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := tx.QueryRowContext(ctx, b.String(), b.Args...).Scan(ptrs...); err != nil {
		return nil, err
	}
	if len(vals) > 1 && vals[1] != nil {
		s := sqlgen.StringOf(vals[1])
		stored = &s
	}
	return stored, nil
}

// groupHolds checks an If-Match against the locked group's stored version.
func (e *Engine) groupHolds(ctx context.Context, tx querier, id string, ifMatch []string) error {
	if len(ifMatch) == 0 {
		return nil
	}
	cur, err := e.getGroup(ctx, tx, id, WithoutMembers)
	if err != nil {
		return err
	}
	return holds(ifMatch, cur.Version(), "group", id)
}

// renamed says whether name is a new displayName for a group whose stored one is stored
// (nil: not known): only a new name needs the check that no other group has it.
func renamed(stored *string, name string) bool {
	return name != "" && (stored == nil || *stored != name)
}

// DeleteGroup answers deleteGroup: memberships and the group go in one transaction.
func (e *Engine) DeleteGroup(ctx context.Context, id string, ifMatch ...string) error {
	op, err := e.groupOp(mappings.OpDeleteGroup)
	if err != nil {
		return err
	}
	p := e.groups
	gid, ok := sqlgen.IDArg(&p.M.ID, id)
	if !ok {
		return fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
	}
	ctx, cancel := e.ctx(ctx, "deleteGroup")
	defer cancel()
	return e.inTx(ctx, "deleteGroup", func(tx querier) error {
		if _, err := e.lockGroup(ctx, tx, gid); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
			}
			return err
		}
		if err := e.groupHolds(ctx, tx, id, ifMatch); err != nil {
			return err
		}
		if !op.Auto {
			_, err := e.runStatements(ctx, tx, op, map[string]any{"id": id})
			return err
		}
		if p.MemTable != "" {
			b := e.gen.Delete(p.MemTable, p.MemGroup, "", gid)
			if _, err := tx.ExecContext(ctx, b.String(), b.Args...); err != nil {
				return err
			}
		}
		b := e.gen.Delete(p.Table, p.IDCol, p.ScopeBare, gid)
		_, err := tx.ExecContext(ctx, b.String(), b.Args...)
		return err
	})
}
