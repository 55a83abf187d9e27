package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
)

// Statement is one SQL statement with its arguments.
type Statement struct {
	Purpose string
	SQL     string
	Args    []any
}

// OpPlan is what one operation runs, in order, for a sample request.
type OpPlan struct {
	Op         string
	How        string // auto or templated
	Statements []Statement
}

// Explain returns, for every mapped operation, the statements it runs on the mapping's
// dialect for a sample request, built by the same builders the operations use. Sample
// values stand in for request values; password hashes and the current time are shown as
// <bcrypt hash> and <now>, never as real values.
func (e *Engine) Explain() ([]OpPlan, error) {
	var out []OpPlan
	add := func(op *mappings.Operation, name string, fn func(op *mappings.Operation) ([]Statement, error)) error {
		if op == nil {
			return nil
		}
		how := "auto"
		if !op.Auto {
			how = "templated"
		}
		sts, err := fn(op)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for i := range sts {
			sts[i].Args = redact(sts[i].Args)
		}
		out = append(out, OpPlan{Op: name, How: how, Statements: sts})
		return nil
	}
	if e.users != nil {
		m := e.m.Users
		for _, step := range []struct {
			name string
			fn   func(op *mappings.Operation) ([]Statement, error)
		}{
			{mappings.OpGetUsers, e.explainGetUsers},
			{mappings.OpGetUser, e.explainGetUser},
			{mappings.OpCreateUser, e.explainCreateUser},
			{mappings.OpUpdateUser, e.explainUpdateUser},
		} {
			if err := add(m.Op(step.name), step.name, step.fn); err != nil {
				return nil, err
			}
		}
	}
	if e.groups != nil {
		m := e.m.Groups
		for _, step := range []struct {
			name string
			fn   func(op *mappings.Operation) ([]Statement, error)
		}{
			{mappings.OpGetGroups, e.explainGetGroups},
			{mappings.OpGetGroup, e.explainGetGroup},
			{mappings.OpCreateGroup, e.explainCreateGroup},
			{mappings.OpUpdateGroup, e.explainUpdateGroup},
			{mappings.OpDeleteGroup, e.explainDeleteGroup},
		} {
			if err := add(m.Op(step.name), step.name, step.fn); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func st(purpose string, b *sqlb) Statement {
	return Statement{Purpose: purpose, SQL: b.String(), Args: append([]any(nil), b.args...)}
}

// redact replaces password hashes and timestamps in explain output.
func redact(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			if strings.HasPrefix(v, "$2a$") || strings.HasPrefix(v, "$2b$") || strings.HasPrefix(v, "$2y$") {
				a = "<bcrypt hash>"
			} else if v == explainNow.Format("2006-01-02 15:04:05.000000") {
				a = "<now>"
			}
		case time.Time:
			if v.Equal(explainNow) {
				a = "<now>"
			} else {
				a = v.Format(time.RFC3339Nano)
			}
		}
		out[i] = a
	}
	return out
}

// explainNow is the clock an explaining engine runs on, so <now> can be recognised.
var explainNow = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// ForExplain returns a copy of e whose clock is fixed, for Explain's sample statements.
func (e *Engine) ForExplain() *Engine {
	c := *e
	c.opts.Now = func() time.Time { return explainNow }
	return &c
}

// sampleID is a valid id of key k.
func sampleID(k *mappings.Key) (string, any) {
	switch k.Type {
	case "integer":
		return "42", int64(42)
	case "uuid":
		return "2f1c5f60-3c2e-4f3e-9a55-2a0c1d7e9b10", "2f1c5f60-3c2e-4f3e-9a55-2a0c1d7e9b10"
	}
	return "sample-id", "sample-id"
}

// sampleUser has a value for every writable attribute.
func (e *Engine) sampleUser() *User {
	u := &User{Values: map[string]any{}}
	for _, a := range e.m.Users.Attributes {
		if a.Path == "password" {
			u.Password, u.HasPassword = "sample-password", true
			continue
		}
		var v any = "sample-" + a.Name
		switch a.Type {
		case "boolean":
			v = true
		case "integer":
			v = int64(7)
		case "double":
			v = 1.5
		case "date":
			v = "1972-05-12"
		case "datetime":
			v = "2020-04-07T14:19:34Z"
		case "strings":
			v = []string{"a", "b"}
		}
		if a.Path == "userName" {
			v = "sample.user@example.com"
		}
		u.Values[a.Path] = v
	}
	return u
}

func (e *Engine) explainGetUsers(op *mappings.Operation) ([]Statement, error) {
	p := e.users
	b := newSQL(e.d)
	cond, err := e.compileFilter(b, p, `userName eq "sample.user@example.com"`)
	if err != nil {
		return nil, err
	}
	_, last := sampleID(&p.m.ID)
	out := []Statement{
		st("count the matches (totalResults)", e.sqlCount(p.source, cond, b.args)),
		st("first page: filter userName eq, startIndex=1, count=100", e.sqlList(p.selectList, p.source, p.idRead, cond, b.args, nil, 100, 0)),
		st("next page of an import walk (keyset after the last id served)", e.sqlList(p.selectList, p.source, p.idRead, "", nil, last, 100, 0)),
		st("a page jumped to directly: startIndex=201 (OFFSET)", e.sqlList(p.selectList, p.source, p.idRead, "", nil, nil, 100, 200)),
	}
	if op.Auto {
		out = append(out, st(`check-exists on id: filter id eq "<id>", first page (the by-id read; no count, no ORDER BY)`, e.sqlByID(p.selectList, p.source, p.idRead, last)))
	}
	return out, nil
}

func (e *Engine) explainGetUser(op *mappings.Operation) ([]Statement, error) {
	p := e.users
	id, arg := sampleID(&p.m.ID)
	if !op.Auto {
		text, args, err := e.render(op.Statements[0], map[string]any{"id": id})
		return []Statement{{Purpose: "template " + op.Statements[0].Source, SQL: text, Args: args}}, err
	}
	return []Statement{st("read the user", e.sqlByID(p.selectList, p.source, p.idRead, arg))}, nil
}

func (e *Engine) explainUserRead(id string, arg any) ([]Statement, error) {
	if op := e.m.Users.Op(mappings.OpGetUser); op != nil {
		sts, err := e.explainGetUser(op)
		for i := range sts {
			sts[i].Purpose = "read back the stored user: " + sts[i].Purpose
		}
		return sts, err
	}
	return nil, nil
}

func (e *Engine) explainCreateUser(op *mappings.Operation) ([]Statement, error) {
	p := e.users
	u := e.sampleUser()
	var out []Statement
	if rc, ok := p.exprs["username"]; ok && rc.attr.Writable() {
		out = append(out, st("is the userName taken?", e.sqlTaken(p.source, p.idRead, rc.expr, rc.attr.CaseExact, "sample.user@example.com", nil)))
	}
	id, err := e.newID(&p.m.ID, u, nil)
	if err != nil {
		return nil, err
	}
	if id != "" {
		id, _ = sampleID(&p.m.ID)
	}
	cols, vals, err := e.userColumns(context.Background(), u, true, nil)
	if err != nil {
		return nil, err
	}
	if op.Auto {
		if id != "" {
			_, arg := sampleID(&p.m.ID)
			cols = append([]string{p.m.ID.Column}, cols...)
			vals = append([]any{arg}, vals...)
		}
		if p.returning != "" && p.m.Op(mappings.OpGetUser) != nil {
			// Where the INSERT returns the row, there is no read-back. Where the server
			// decides and has not been asked (no database), both ways are shown.
			_, probes := e.d.(dialects.Prober)
			switch {
			case e.f.InsertReturns || probes && e.probed.Load() == 1:
				return append(out, st("insert the user and return it as stored", e.sqlInsertRow(p.table, cols, vals, p.returning))), nil
			case probes && e.probed.Load() == 0:
				out = append(out, st("on a server that can (MariaDB 10.5 and later), insert the user and return it as stored, instead of the two statements below", e.sqlInsertRow(p.table, cols, vals, p.returning)))
			}
		}
		b, _ := e.sqlInsert(p.table, p.idCol, &p.m.ID, cols, vals, id)
		out = append(out, st("insert the user", b))
	} else {
		sts, err := e.explainTemplates(op, e.userTemplateData(u, id, cols, vals))
		if err != nil {
			return nil, err
		}
		out = append(out, sts...)
	}
	sid, sarg := sampleID(&p.m.ID)
	rb, err := e.explainUserRead(sid, sarg)
	return append(out, rb...), err
}

func (e *Engine) userTemplateData(u *User, id string, cols []string, vals []any) map[string]any {
	colMap := map[string]any{}
	for i, c := range cols {
		colMap[c] = vals[i]
	}
	data := map[string]any{"id": id, "user": e.userData(u), "columns": colMap, "password": nil}
	if a := e.m.Users.Attr("password"); a != nil && a.Hash == "template" {
		data["password"] = "<password>"
	}
	return data
}

// explainTemplates renders an operation's statements with sample data; .result holds a
// sample row with the id, as a row-returning statement would leave it.
func (e *Engine) explainTemplates(op *mappings.Operation, data map[string]any) ([]Statement, error) {
	var out []Statement
	for _, t := range op.Statements {
		text, args, err := e.render(t, data)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(strings.ToUpper(text), "SELECT") || strings.Contains(strings.ToUpper(text), "RETURNING") {
			k := &e.m.Users.ID
			if strings.HasPrefix(op.Name, "createGroup") || strings.HasSuffix(op.Name, "Group") {
				k = &e.m.Groups.ID
			}
			_, arg := sampleID(k)
			data["result"] = map[string]any{"id": arg, strings.ToLower(k.Column): arg}
		}
		if text == "" {
			continue
		}
		out = append(out, Statement{Purpose: "template " + t.Source, SQL: text, Args: args})
	}
	return out, nil
}

func (e *Engine) explainUpdateUser(op *mappings.Operation) ([]Statement, error) {
	p := e.users
	u := e.sampleUser()
	id, arg := sampleID(&p.m.ID)
	pw := p.m.Attr("password")
	var extra []string
	if pw != nil && pw.Hash == "bcrypt" && pw.Column != "" {
		extra = append(extra, e.d.Quote(pw.Column))
	}
	var out []Statement
	lock := len(extra) > 0 || p.m.Op(mappings.OpGetUser) == nil
	if lock {
		out = append(out, st("does the user exist, and its stored password hash? (locks the row)", e.sqlLock(p.table, p.idCol, arg, extra...)))
	}
	if rc, ok := p.exprs["username"]; ok && rc.attr.Writable() {
		out = append(out, st("is the new userName taken by another user?", e.sqlTaken(p.source, p.idRead, rc.expr, rc.attr.CaseExact, "sample.user@example.com", arg)))
	}
	cols, vals, err := e.userColumns(context.Background(), u, false, nil)
	if err != nil {
		return nil, err
	}
	if op.Auto {
		if len(cols) > 0 && !lock && e.writesAlone() {
			// One row written by one statement, no transaction around it (updateOne).
			if e.f.UpdateReturns {
				return append(out, st("update the user and return it as stored", e.sqlUpdateRow(p.table, p.idCol, cols, vals, arg, p.returning))), nil
			}
			return append(out,
				st("update the user (one statement, no transaction)", e.sqlUpdate(p.table, p.idCol, cols, vals, arg)),
				st("read back the stored user, found only while it holds the values written (otherwise the update is redone in a transaction)", e.sqlByIDHolding(cols, vals, arg))), nil
		}
		if len(cols) > 0 {
			out = append(out, st("update the user (the password column only when the password changed)", e.sqlUpdate(p.table, p.idCol, cols, vals, arg)))
		}
	} else {
		sts, err := e.explainTemplates(op, e.userTemplateData(u, id, cols, vals))
		if err != nil {
			return nil, err
		}
		out = append(out, sts...)
	}
	rb, err := e.explainUserRead(id, arg)
	return append(out, rb...), err
}

func (e *Engine) explainGetGroups(op *mappings.Operation) ([]Statement, error) {
	p := e.groups
	_, arg := sampleID(&p.m.ID)
	out := []Statement{
		st("count the groups (totalResults)", e.sqlCount(p.source, "", nil)),
		st("first page: startIndex=1, count=100", e.sqlList(p.selectList, p.source, p.idRead, "", nil, nil, 100, 0)),
		st("next page of an import walk (keyset)", e.sqlList(p.selectList, p.source, p.idRead, "", nil, arg, 100, 0)),
	}
	if p.memTable != "" {
		b, _ := e.sqlMembersOf([]any{arg})
		out = append(out, st("members of the groups on the page", b))
	}
	return out, nil
}

func (e *Engine) explainGetGroup(op *mappings.Operation) ([]Statement, error) {
	p := e.groups
	id, arg := sampleID(&p.m.ID)
	var out []Statement
	if op.Auto {
		out = append(out, st("read the group", e.sqlByID(p.selectList, p.source, p.idRead, arg)))
	} else {
		text, args, err := e.render(op.Statements[0], map[string]any{"id": id})
		if err != nil {
			return nil, err
		}
		out = append(out, Statement{Purpose: "template " + op.Statements[0].Source, SQL: text, Args: args})
	}
	if p.memTable != "" {
		b, _ := e.sqlMembersOf([]any{arg})
		out = append(out, st("its members", b))
	}
	return out, nil
}

func (e *Engine) sampleGroup() (*Group, []any) {
	desc := "sample description"
	g := &Group{DisplayName: "Sample Group", Description: &desc, HasMembers: true}
	var args []any
	if e.users != nil {
		var ids []any
		switch e.users.m.ID.Type {
		case "integer":
			ids = []any{int64(101), int64(102)}
		case "uuid":
			ids = []any{"0b6e1a7c-1d1e-4c55-8a39-6a3f0c2d4e01", "0b6e1a7c-1d1e-4c55-8a39-6a3f0c2d4e02"}
		default:
			ids = []any{"user-1", "user-2"}
		}
		for _, a := range ids {
			g.Members = append(g.Members, Member{Value: idString(a)})
			args = append(args, a)
		}
	}
	return g, args
}

func (e *Engine) explainGroupRead(id string) ([]Statement, error) {
	if op := e.m.Groups.Op(mappings.OpGetGroup); op != nil {
		sts, err := e.explainGetGroup(op)
		for i := range sts {
			sts[i].Purpose = "read back the stored group: " + sts[i].Purpose
		}
		return sts, err
	}
	return nil, nil
}

func (e *Engine) explainCreateGroup(op *mappings.Operation) ([]Statement, error) {
	p := e.groups
	g, members := e.sampleGroup()
	out := []Statement{st("is the displayName taken?", e.sqlTaken(p.source, p.idRead, p.name.expr, p.name.attr.CaseExact, g.DisplayName, nil))}
	if len(members) > 0 {
		out = append(out, st("are all members users?", e.sqlUsersIn(members)))
	}
	id, err := e.newID(&p.m.ID, nil, g)
	if err != nil {
		return nil, err
	}
	if op.Auto {
		cols, vals := e.groupColumns(g, true)
		if id != "" {
			cols = append([]string{p.m.ID.Column}, cols...)
			vals = append([]any{id}, vals...)
		}
		b, _ := e.sqlInsert(p.table, p.idCol, &p.m.ID, cols, vals, id)
		out = append(out, st("insert the group", b))
		if p.memTable != "" && len(members) > 0 {
			_, garg := sampleID(&p.m.ID)
			out = append(out, st("add its members", e.sqlAddMembers(garg, members)))
		}
	} else {
		data := map[string]any{"id": id, "group": groupData(g), "members": memberIDs(g), "add": memberIDs(g), "remove": []string{}}
		sts, err := e.explainTemplates(op, data)
		if err != nil {
			return nil, err
		}
		out = append(out, sts...)
	}
	sid, _ := sampleID(&p.m.ID)
	rb, err := e.explainGroupRead(sid)
	return append(out, rb...), err
}

func (e *Engine) explainUpdateGroup(op *mappings.Operation) ([]Statement, error) {
	p := e.groups
	g, members := e.sampleGroup()
	id, gid := sampleID(&p.m.ID)
	lock, _ := e.sqlLockGroup(gid)
	out := []Statement{
		st("does the group exist, and its stored name? (locks the row)", lock),
		st("is the new displayName taken by another group? (only when the name changes)", e.sqlTaken(p.source, p.idRead, p.name.expr, p.name.attr.CaseExact, g.DisplayName, gid)),
	}
	if len(members) > 0 {
		out = append(out, st("are all members users?", e.sqlUsersIn(members)))
	}
	if p.memTable != "" {
		out = append(out, st("the stored members, to work out adds and removes", e.sqlCurrentMembers(gid)))
	}
	if op.Auto {
		cols, vals := e.groupColumns(g, false)
		if len(cols) > 0 {
			out = append(out, st("update the group", e.sqlUpdate(p.table, p.idCol, cols, vals, gid)))
		}
		if p.memTable != "" && len(members) > 0 {
			out = append(out,
				st("remove the members no longer listed", e.sqlRemoveMembers(gid, members[:1])),
				st("add the members newly listed", e.sqlAddMembers(gid, members[1:])))
		}
	} else {
		ids := memberIDs(g)
		data := map[string]any{"id": id, "group": groupData(g), "members": ids, "add": ids[1:], "remove": ids[:1]}
		sts, err := e.explainTemplates(op, data)
		if err != nil {
			return nil, err
		}
		out = append(out, sts...)
	}
	rb, err := e.explainGroupRead(id)
	if gop := p.m.Op(mappings.OpGetGroup); err == nil && p.memTable != "" && gop != nil && gop.Auto && len(rb) > 1 {
		// As UpdateGroup does: the answer's members are the ones just written, not read again.
		rb = rb[:1]
		rb[0].Purpose += " (its members in the answer are the ones just written, not read again)"
	}
	return append(out, rb...), err
}

func (e *Engine) explainDeleteGroup(op *mappings.Operation) ([]Statement, error) {
	p := e.groups
	id, gid := sampleID(&p.m.ID)
	lock, _ := e.sqlLockGroup(gid)
	out := []Statement{st("does the group exist? (locks the row)", lock)}
	if !op.Auto {
		sts, err := e.explainTemplates(op, map[string]any{"id": id})
		return append(out, sts...), err
	}
	if p.memTable != "" {
		out = append(out, st("delete its memberships", e.sqlDelete(p.memTable, p.memGroup, gid)))
	}
	return append(out, st("delete the group", e.sqlDelete(p.table, p.idCol, gid))), nil
}
