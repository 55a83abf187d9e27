package sqlgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
)

// ReadCol is one attribute read by a SELECT.
type ReadCol struct {
	Attr *mappings.Attribute
	Expr string // qualified column or rendered computed expression
	Col  int    // its position in the select list (attributes with one expression share it)
	// constant is set, and col is -1, for a read expression that is a literal (the
	// employees example's active: "1"): its value is known without asking the database.
	Constant any
	// Related is set for an attribute kept in a users.related table.
	Related *RelatedPlan
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

// UserPlan is everything about users that can be worked out once per snapshot: quoted
// names, the select list, and the expression for each attribute.
type UserPlan struct {
	M          *mappings.Users
	Table      string // quoted table, for writes
	Source     string // FROM clause for reads: `"users" u` or `(template) u`
	IDCol      string // quoted id column, unqualified (writes)
	IDRead     string // u."id"
	LMCol      string // quoted lastModified column, unqualified; "" if none
	LMRead     string
	Reads      []ReadCol
	SelectList string
	NCols      int                // columns in selectList
	Text       []bool             // which columns scan as text (TextCol)
	ByID       string             // SELECT selectList ... WHERE id = the first argument
	Exprs      map[string]ReadCol // lower-case path → read column
	// returning is selectList over the bare table (unqualified names), for a write that
	// returns the row it wrote where the database can (Engine.insertReturns,
	// Facts.UpdateReturns); "" when reads do not come from the table itself.
	Returning string
	// ElsewhereRead says users are read from users.from or a templated getUsers, not
	// from Table itself: a check that a key is a user's asks Source.
	ElsewhereRead bool
	// CreatedRead is the creation-time column (meta.created), "" for none, and
	// CreatedCol its position in the select list.
	CreatedRead string
	CreatedCol  int
	// Related are the attributes kept in users.related tables, in mapping order.
	Related []*RelatedPlan
	Scope
}

// Scope is what a plan's scope (mappings.Scope) becomes: the condition on the bare table
// that writes by id add, and the columns and values a create writes. Reads need nothing:
// their Source holds only the rows in scope.
type Scope struct {
	ScopeBare string // "" for no scope
	ScopeCols []string
	ScopeVals []any
}

// scopeOf renders s for d: the condition on the bare table (unqualified columns), and
// the columns a create writes. The values are the mapping's literals (the loader keeps
// text values to characters no dialect reads specially).
func scopeOf(d dialects.Dialect, s *mappings.Scope) (Scope, error) {
	var out Scope
	if s == nil {
		return out, nil
	}
	parts, err := fixedConds(d, s.Columns, "")
	if err != nil {
		return out, fmt.Errorf("scope %w", err)
	}
	for _, c := range s.Columns {
		out.ScopeCols = append(out.ScopeCols, c.Column)
		out.ScopeVals = append(out.ScopeVals, c.Value)
	}
	if s.Where != nil {
		w, err := renderExpr(d, s.Where, "")
		if err != nil {
			return out, fmt.Errorf("scope.where: %w", err)
		}
		parts = append(parts, w)
	}
	out.ScopeBare = strings.Join(parts, " AND ")
	return out, nil
}

// fixedConds renders "column = literal" for each of cols (a scope's columns, a related
// binding's match), qualified by alias unless it is "". The values are the mapping's
// literals (the loader keeps text values to characters no dialect reads specially).
func fixedConds(d dialects.Dialect, cols []mappings.ScopeColumn, alias string) ([]string, error) {
	f := d.Facts()
	var parts []string
	for _, c := range cols {
		var lit string
		switch v := c.Value.(type) {
		case string:
			lit = "'" + v + "'"
		case int64:
			lit = strconv.FormatInt(v, 10)
		case bool:
			lit = f.FalseLiteral
			if v {
				lit = f.TrueLiteral
			}
		default:
			return nil, fmt.Errorf("column %s: a value of type %T", c.Column, c.Value)
		}
		q := d.Quote(c.Column)
		if alias != "" {
			q = alias + "." + q
		}
		parts = append(parts, q+" = "+lit)
	}
	return parts, nil
}

// scoped is a read source of only the rows in scope: inner (a table, or a parenthesised
// SELECT with its alias) filtered by bare, under alias.
func scoped(inner, bare, alias string) string {
	return "(SELECT * FROM " + inner + " WHERE " + bare + ") " + alias
}

const UserAlias = "u"

func buildUserPlan(d dialects.Dialect, m *mappings.Users) (*UserPlan, error) {
	p := &UserPlan{M: m, Exprs: map[string]ReadCol{}}
	p.Table = d.Quote(m.Table)
	p.Source = p.Table + " " + UserAlias
	if m.From != nil {
		src, err := renderExpr(d, m.From, "")
		if err != nil {
			return nil, fmt.Errorf("users.from: %w", err)
		}
		p.Source = src + " " + UserAlias
	}
	// One SELECT, and not beside users.from: the loader has said so with positions.
	if op := m.Op(mappings.OpGetUsers); op != nil && !op.Auto {
		src, err := renderExpr(d, op.Statements[0], "")
		if err != nil {
			return nil, fmt.Errorf("users.operations.getUsers: %w", err)
		}
		p.Source = src + " " + UserAlias
	}
	p.ElsewhereRead = m.From != nil || m.Op(mappings.OpGetUsers) != nil && !m.Op(mappings.OpGetUsers).Auto
	var err error
	if p.Scope, err = scopeOf(d, m.Scope); err != nil {
		return nil, fmt.Errorf("users.%w", err)
	}
	if p.ScopeBare != "" {
		inner := p.Table
		if src := strings.TrimSuffix(p.Source, " "+UserAlias); src != p.Table {
			inner = src + " s"
		}
		p.Source = scoped(inner, p.ScopeBare, UserAlias)
	}
	p.IDCol = d.Quote(m.ID.Column)
	p.IDRead = UserAlias + "." + p.IDCol
	cols := []string{p.IDRead}
	// The same list over the table unaliased, as a RETURNING clause names the written
	// row's columns; only when reads come from the table itself.
	// A created row is read as written only when no condition beyond the columns it
	// writes could exclude it.
	plain := m.From == nil && (m.Scope == nil || m.Scope.Where == nil) && (m.Op(mappings.OpGetUsers) == nil || m.Op(mappings.OpGetUsers).Auto) &&
		(m.Op(mappings.OpGetUser) == nil || m.Op(mappings.OpGetUser).Auto) &&
		!slices.ContainsFunc(m.Attributes, func(a *mappings.Attribute) bool { return a.Related != nil })
	ret := []string{p.IDCol}
	if m.LastModified != nil {
		p.LMCol = d.Quote(m.LastModified.Column)
		p.LMRead = UserAlias + "." + p.LMCol
		cols = append(cols, p.LMRead)
		ret = append(ret, p.LMCol)
	}
	if m.Created != nil {
		p.CreatedRead = UserAlias + "." + d.Quote(m.Created.Column)
		p.CreatedCol = len(cols)
		cols = append(cols, p.CreatedRead)
		ret = append(ret, d.Quote(m.Created.Column))
	}
	for _, a := range m.Attributes {
		if a.Path == "password" {
			continue // write-only: never selected
		}
		rc := ReadCol{Attr: a}
		var bare string
		switch {
		case a.Column != "":
			rc.Expr = UserAlias + "." + d.Quote(a.Column)
			bare = d.Quote(a.Column)
		case a.Related != nil:
			// Written after the user's row, so never part of a RETURNING list (plain is false).
			rp, err := buildRelatedPlan(d, a)
			if err != nil {
				return nil, err
			}
			p.Related = append(p.Related, rp)
			rc.Expr, rc.Related = rp.read(d, p.IDRead), rp
		case a.Format != nil:
			rc.Expr = compositeExpr(d, a.Format, UserAlias)
			bare = compositeExpr(d, a.Format, "")
		case a.Read != nil:
			e, err := renderExpr(d, a.Read, UserAlias)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a.Pos, err)
			}
			rc.Expr = e
			if plain {
				if bare, err = renderExpr(d, a.Read, ""); err != nil {
					return nil, fmt.Errorf("%s: %w", a.Pos, err)
				}
			}
		default:
			continue
		}
		if v, ok := literal(rc.Expr); ok && a.Column == "" {
			rc.Col, rc.Constant = -1, v
			p.Reads = append(p.Reads, rc)
			p.Exprs[strings.ToLower(a.Path)] = rc
			continue
		}
		// Attributes computed the same way (userName and the work e-mail of the employees
		// example) read one column: the database computes it once and sends it once.
		rc.Col = slices.Index(cols, rc.Expr)
		if rc.Col < 0 {
			rc.Col = len(cols)
			cols = append(cols, rc.Expr)
			ret = append(ret, bare)
		}
		p.Reads = append(p.Reads, rc)
		p.Exprs[strings.ToLower(a.Path)] = rc
	}
	p.SelectList = strings.Join(cols, ", ")
	p.NCols = len(cols)
	// A column scans as text when every attribute reading it is a string or a date.
	p.Text = make([]bool, len(cols))
	for _, rc := range p.Reads {
		if rc.Col >= 0 {
			p.Text[rc.Col] = true
		}
	}
	for _, rc := range p.Reads {
		if t := rc.Attr.Type; rc.Col >= 0 && (t != "string" && t != "date" || rc.Attr.Path == "active") {
			p.Text[rc.Col] = false
		}
	}
	p.Text[0] = false // the key, bound back as it came for keyset paging
	if p.LMRead != "" {
		p.Text[1] = false
	}
	if p.CreatedRead != "" {
		p.Text[p.CreatedCol] = false
	}
	if plain {
		p.Returning = strings.Join(ret, ", ")
	}
	return p, nil
}

// GroupPlan is the same for groups and memberships.
type GroupPlan struct {
	M      *mappings.Groups
	Table  string
	Source string
	IDCol  string
	IDRead string
	Name   ReadCol
	Desc   *ReadCol
	LMCol  string
	LMRead string
	// CreatedRead is the creation-time column (meta.created), "" for none; it is the
	// select list's last column.
	CreatedRead string
	SelectList  string
	// memberships
	MemTable, MemGroup, MemUser string
	MemCurrent                  string // condition on alias m for a current membership, "" for all rows
	// MemberKey is the users' key, how a member's id in a filter is bound.
	MemberKey *mappings.Key
	Scope
}

const GroupAlias = "g"

func buildGroupPlan(d dialects.Dialect, m *mappings.Groups) (*GroupPlan, error) {
	p := &GroupPlan{M: m}
	p.Table = d.Quote(m.Table)
	p.Source = p.Table + " " + GroupAlias
	if op := m.Op(mappings.OpGetGroups); op != nil && !op.Auto {
		src, err := renderExpr(d, op.Statements[0], "")
		if err != nil {
			return nil, fmt.Errorf("groups.operations.getGroups: %w", err)
		}
		p.Source = src + " " + GroupAlias
	}
	var err error
	if p.Scope, err = scopeOf(d, m.Scope); err != nil {
		return nil, fmt.Errorf("groups.%w", err)
	}
	if p.ScopeBare != "" {
		inner := p.Table
		if src := strings.TrimSuffix(p.Source, " "+GroupAlias); src != p.Table {
			inner = src + " s"
		}
		p.Source = scoped(inner, p.ScopeBare, GroupAlias)
	}
	p.IDCol = d.Quote(m.ID.Column)
	p.IDRead = GroupAlias + "." + p.IDCol
	read := func(a *mappings.Attribute) (ReadCol, error) {
		if a.Column != "" {
			return ReadCol{Attr: a, Expr: GroupAlias + "." + d.Quote(a.Column)}, nil
		}
		if a.Format != nil {
			return ReadCol{Attr: a, Expr: compositeExpr(d, a.Format, GroupAlias)}, nil
		}
		e, err := renderExpr(d, a.Read, GroupAlias)
		if err != nil {
			return ReadCol{}, fmt.Errorf("%s: %w", a.Pos, err)
		}
		return ReadCol{Attr: a, Expr: e}, nil
	}
	if p.Name, err = read(m.DisplayName); err != nil {
		return nil, err
	}
	cols := []string{p.IDRead, p.Name.Expr}
	if m.Description != nil {
		rc, err := read(m.Description)
		if err != nil {
			return nil, err
		}
		p.Desc = &rc
		cols = append(cols, rc.Expr)
	}
	if m.LastModified != nil {
		p.LMCol = d.Quote(m.LastModified.Column)
		p.LMRead = GroupAlias + "." + p.LMCol
		cols = append(cols, p.LMRead)
	}
	if m.Created != nil {
		p.CreatedRead = GroupAlias + "." + d.Quote(m.Created.Column)
		cols = append(cols, p.CreatedRead)
	}
	p.SelectList = strings.Join(cols, ", ")
	if mem := m.Members; mem != nil {
		p.MemTable = d.Quote(mem.Table)
		p.MemGroup = d.Quote(mem.GroupColumn)
		p.MemUser = d.Quote(mem.UserColumn)
		if mem.Where != nil {
			w, err := renderExpr(d, mem.Where, "m")
			if err != nil {
				return nil, fmt.Errorf("groups.members.where: %w", err)
			}
			p.MemCurrent = w
		}
	}
	return p, nil
}
