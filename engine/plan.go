package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
)

// readCol is one attribute read by a SELECT.
type readCol struct {
	attr *mappings.Attribute
	expr string // qualified column or rendered computed expression
	col  int    // its position in the select list (attributes with one expression share it)
	// constant is set, and col is -1, for a read expression that is a literal (the
	// employees example's active: "1"): its value is known without asking the database.
	constant any
}

// literal returns the value of a rendered read expression that is a plain number or
// string literal, as a driver would return it, and false for anything else.
func literal(expr string) (any, bool) {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(expr, "("), ")"))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' && !strings.ContainsAny(s[1:len(s)-1], "'\\") {
		return s[1 : len(s)-1], true
	}
	return nil, false
}

// userPlan is everything about users that can be worked out once per snapshot: quoted
// names, the select list, and the expression for each attribute.
type userPlan struct {
	m          *mappings.Users
	table      string // quoted table, for writes
	source     string // FROM clause for reads: `"users" u` or `(template) u`
	idCol      string // quoted id column, unqualified (writes)
	idRead     string // u."id"
	lmCol      string // quoted lastModified column, unqualified; "" if none
	lmRead     string
	reads      []readCol
	selectList string
	ncols      int                // columns in selectList
	text       []bool             // which columns scan as text (textCol)
	byID       string             // SELECT selectList ... WHERE id = the first argument
	exprs      map[string]readCol // lower-case path → read column
	// returning is selectList over the bare table (unqualified names), for a write that
	// returns the row it wrote where the database can (Engine.insertReturns,
	// Facts.UpdateReturns); "" when reads do not come from the table itself.
	returning string
}

const userAlias = "u"

func buildUserPlan(d dialects.Dialect, m *mappings.Users) (*userPlan, error) {
	p := &userPlan{m: m, exprs: map[string]readCol{}}
	p.table = d.Quote(m.Table)
	p.source = p.table + " " + userAlias
	if m.From != nil {
		src, err := renderExpr(d, m.From, "")
		if err != nil {
			return nil, fmt.Errorf("users.from: %w", err)
		}
		p.source = src + " " + userAlias
	}
	// One SELECT, and not beside users.from: the loader has said so with positions.
	if op := m.Op(mappings.OpGetUsers); op != nil && !op.Auto {
		src, err := renderExpr(d, op.Statements[0], "")
		if err != nil {
			return nil, fmt.Errorf("users.operations.getUsers: %w", err)
		}
		p.source = src + " " + userAlias
	}
	p.idCol = d.Quote(m.ID.Column)
	p.idRead = userAlias + "." + p.idCol
	cols := []string{p.idRead}
	// The same list over the table unaliased, as a RETURNING clause names the written
	// row's columns; only when reads come from the table itself.
	plain := m.From == nil && (m.Op(mappings.OpGetUsers) == nil || m.Op(mappings.OpGetUsers).Auto) &&
		(m.Op(mappings.OpGetUser) == nil || m.Op(mappings.OpGetUser).Auto)
	ret := []string{p.idCol}
	if m.LastModified != nil {
		p.lmCol = d.Quote(m.LastModified.Column)
		p.lmRead = userAlias + "." + p.lmCol
		cols = append(cols, p.lmRead)
		ret = append(ret, p.lmCol)
	}
	for _, a := range m.Attributes {
		if a.Path == "password" {
			continue // write-only: never selected
		}
		rc := readCol{attr: a}
		var bare string
		switch {
		case a.Column != "":
			rc.expr = userAlias + "." + d.Quote(a.Column)
			bare = d.Quote(a.Column)
		case a.Read != nil:
			e, err := renderExpr(d, a.Read, userAlias)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a.Pos, err)
			}
			rc.expr = e
			if plain {
				if bare, err = renderExpr(d, a.Read, ""); err != nil {
					return nil, fmt.Errorf("%s: %w", a.Pos, err)
				}
			}
		default:
			continue
		}
		if v, ok := literal(rc.expr); ok && a.Column == "" {
			rc.col, rc.constant = -1, v
			p.reads = append(p.reads, rc)
			p.exprs[strings.ToLower(a.Path)] = rc
			continue
		}
		// Attributes computed the same way (userName and the work e-mail of the employees
		// example) read one column: the database computes it once and sends it once.
		rc.col = slices.Index(cols, rc.expr)
		if rc.col < 0 {
			rc.col = len(cols)
			cols = append(cols, rc.expr)
			ret = append(ret, bare)
		}
		p.reads = append(p.reads, rc)
		p.exprs[strings.ToLower(a.Path)] = rc
	}
	p.selectList = strings.Join(cols, ", ")
	p.ncols = len(cols)
	// A column scans as text when every attribute reading it is a string or a date.
	p.text = make([]bool, len(cols))
	for _, rc := range p.reads {
		if rc.col >= 0 {
			p.text[rc.col] = true
		}
	}
	for _, rc := range p.reads {
		if t := rc.attr.Type; rc.col >= 0 && (t != "string" && t != "date" || rc.attr.Path == "active") {
			p.text[rc.col] = false
		}
	}
	p.text[0] = false // the key, bound back as it came for keyset paging
	if p.lmRead != "" {
		p.text[1] = false
	}
	if plain {
		p.returning = strings.Join(ret, ", ")
	}
	return p, nil
}

// groupPlan is the same for groups and memberships.
type groupPlan struct {
	m          *mappings.Groups
	table      string
	source     string
	idCol      string
	idRead     string
	name       readCol
	desc       *readCol
	lmCol      string
	lmRead     string
	selectList string
	// memberships
	memTable, memGroup, memUser string
	memCurrent                  string // condition on alias m for a current membership, "" for all rows
}

const groupAlias = "g"

func buildGroupPlan(d dialects.Dialect, m *mappings.Groups) (*groupPlan, error) {
	p := &groupPlan{m: m}
	p.table = d.Quote(m.Table)
	p.source = p.table + " " + groupAlias
	if op := m.Op(mappings.OpGetGroups); op != nil && !op.Auto {
		src, err := renderExpr(d, op.Statements[0], "")
		if err != nil {
			return nil, fmt.Errorf("groups.operations.getGroups: %w", err)
		}
		p.source = src + " " + groupAlias
	}
	p.idCol = d.Quote(m.ID.Column)
	p.idRead = groupAlias + "." + p.idCol
	read := func(a *mappings.Attribute) (readCol, error) {
		if a.Column != "" {
			return readCol{attr: a, expr: groupAlias + "." + d.Quote(a.Column)}, nil
		}
		e, err := renderExpr(d, a.Read, groupAlias)
		if err != nil {
			return readCol{}, fmt.Errorf("%s: %w", a.Pos, err)
		}
		return readCol{attr: a, expr: e}, nil
	}
	var err error
	if p.name, err = read(m.DisplayName); err != nil {
		return nil, err
	}
	cols := []string{p.idRead, p.name.expr}
	if m.Description != nil {
		rc, err := read(m.Description)
		if err != nil {
			return nil, err
		}
		p.desc = &rc
		cols = append(cols, rc.expr)
	}
	if m.LastModified != nil {
		p.lmCol = d.Quote(m.LastModified.Column)
		p.lmRead = groupAlias + "." + p.lmCol
		cols = append(cols, p.lmRead)
	}
	p.selectList = strings.Join(cols, ", ")
	if mem := m.Members; mem != nil {
		p.memTable = d.Quote(mem.Table)
		p.memGroup = d.Quote(mem.GroupColumn)
		p.memUser = d.Quote(mem.UserColumn)
		if mem.Where != nil {
			w, err := renderExpr(d, mem.Where, "m")
			if err != nil {
				return nil, fmt.Errorf("groups.members.where: %w", err)
			}
			p.memCurrent = w
		}
	}
	return p, nil
}
