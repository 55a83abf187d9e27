package sqlgen

import (
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
)

// Statement builders: every statement the engine runs is assembled here (and in sql.go,
// where.go), from the plans' quoted identifiers and bound values. Operations call these and
// execute the result; Explain calls the same builders with sample values.

// sqlCount counts the rows of source matching cond (whose arguments are args).
func (g *Gen) Count(source, cond string, args []any) *Builder {
	b := NewBuilder(g.d)
	b.Args = append(b.Args, args...)
	b.W(CountPrefix, source)
	if cond != "" {
		b.W(" WHERE ", cond)
	}
	return b
}

// sqlList selects a page: cond (with args) plus, when last is non-nil, the keyset
// continuation idRead > last; limit -1 means no limit. orderBy "" orders by idRead.
func (g *Gen) List(selectList, source, idRead, cond string, args []any, last any, limit, offset int, orderBy ...string) *Builder {
	b := NewBuilder(g.d)
	b.buf.Grow(len(selectList) + len(source) + len(cond) + 2*len(idRead) + 64)
	b.Args = append(make([]any, 0, len(args)+1), args...)
	b.W("SELECT ", selectList, " FROM ", source)
	switch {
	case cond != "" && last != nil:
		b.W(" WHERE ", cond, " AND ", idRead, " > ", b.Arg(last))
	case cond != "":
		b.W(" WHERE ", cond)
	case last != nil:
		b.W(" WHERE ", idRead, " > ", b.Arg(last))
	}
	order := idRead
	if len(orderBy) > 0 && orderBy[0] != "" {
		order = orderBy[0]
	}
	b.Page(order, limit, offset)
	return b
}

// sqlByID selects one row of a plan by id.
func (g *Gen) ByID(selectList, source, idRead string, id any) *Builder {
	b := NewBuilder(g.d)
	b.W("SELECT ", selectList, " FROM ", source, " WHERE ", idRead, " = ", b.Arg(id))
	return b
}

// sqlByIDHolding is the users' sqlByID that finds the row only while it still holds vals
// in cols, compared as the database compares (Facts.SameValue): the read after a lone
// UPDATE, which finds nothing when the user is gone or another write got in between.
// The lastModified stamp scimsql maintains is not compared: a column of whole seconds
// stores it rounded, so it would never compare equal to the value written, and it is
// not the request's to check.
func (g *Gen) ByIDHolding(cols []string, vals []any, id any) *Builder {
	p := g.Users
	lm := p.M.LastModified
	// The stamp, and a value the database computed (expression:), which a second evaluation
	// need not repeat, are not compared.
	skip := func(i int) bool {
		_, expr := vals[i].(Expr)
		return expr || lm != nil && lm.Maintain && cols[i] == lm.Column
	}
	args := make([]any, 1, len(vals)+1)
	args[0] = id
	for i := range cols {
		if !skip(i) {
			args = append(args, vals[i])
		}
	}
	return g.texts.get(g.d, memoKey('H', cols), args, func(b *Builder) {
		b.W("SELECT ", p.SelectList, " FROM ", p.Source, " WHERE ", p.IDRead, " = ", b.Arg(id))
		for i, c := range cols {
			if !skip(i) {
				b.W(" AND ", g.f.SameValue(g.d.Quote(c), b.Arg(vals[i])))
			}
		}
	})
}

// sqlTaken finds a row other than exceptID whose expr equals value (case-insensitively
// unless caseExact): the uniqueness checks for userName and displayName.
func (g *Gen) Taken(source, idRead, expr string, a *mappings.Attribute, value, exceptID any) *Builder {
	b := NewBuilder(g.d)
	b.W("SELECT ", idRead, " FROM ", source, " WHERE ")
	if a.CaseExact {
		b.W(expr, " = ", b.Arg(value))
	} else {
		fold := foldFor(g.f, a.FoldLower)
		b.W(fold(expr), " = ", fold(b.Arg(value)))
	}
	if exceptID != nil {
		b.W(" AND ", idRead, " <> ", b.Arg(exceptID))
	}
	b.Page(idRead, 1, 0)
	return b
}

// Lock selects a row by id (in scope, when scope is not "") for update, with extra
// columns, locking it where the dialect can.
func (g *Gen) Lock(table, idCol, scope string, id any, extra ...string) *Builder {
	b := NewBuilder(g.d)
	b.W("SELECT ", idCol)
	for _, c := range extra {
		b.W(", ", c)
	}
	b.W(" FROM ", table, g.f.LockHint, " WHERE ", idCol, " = ", b.Arg(id))
	andScope(b, scope)
	b.W(g.f.ForUpdate)
	return b
}

// andScope limits a statement's WHERE to a scope's rows.
func andScope(b *Builder, scope string) {
	if scope != "" {
		b.W(" AND ", scope)
	}
}

// sqlLockGroup locks a group's row and reads its id and, when the name is a column, its
// stored displayName; n is the number of columns it selects.
func (g *Gen) LockGroup(gid any) (b *Builder, n int) {
	p := g.Groups
	if c := p.M.DisplayName.Column; c != "" {
		return g.Lock(p.Table, p.IDCol, p.ScopeBare, gid, g.d.Quote(c)), 2
	}
	return g.Lock(p.Table, p.IDCol, p.ScopeBare, gid), 1
}

// InsertMode says how the id of an inserted row comes back.
type InsertMode int

const (
	InsertPlain        InsertMode = iota // the id was given
	InsertQueryID                        // the statement returns the id as a row
	InsertLastInsertID                   // sql.Result.LastInsertId
)

// sqlInsert writes one row. When id is "" and the key is database-generated, the
// statement is written so that the new id comes back the dialect's way.
func (g *Gen) Insert(table, idCol string, k *mappings.Key, cols []string, vals []any, id string) (*Builder, InsertMode) {
	b := NewBuilder(g.d)
	returning := id == "" && k.Generate == "database"
	var before, output, after string
	if returning && g.f.KeyReturn == dialects.OutputInto {
		before, output, after = g.f.KeyOutput(idCol, g.f.KeyType(k.Type))
	}
	b.W(before)
	g.insertInto(b, table, cols, vals, output)
	if !returning {
		return b, InsertPlain
	}
	switch g.f.KeyReturn {
	case dialects.LastInsertID:
		return b, InsertLastInsertID
	case dialects.OutputInto:
		b.W(after)
	default:
		b.W(" RETURNING ", idCol)
	}
	return b, InsertQueryID
}

// sqlInsertRow writes one row and returns it: RETURNING list, where list is a select
// list over the bare table (dialects with InsertReturns).
func (g *Gen) InsertRow(table string, cols []string, vals []any, list string) *Builder {
	b := NewBuilder(g.d)
	g.insertInto(b, table, cols, vals, "")
	b.W(" RETURNING ", list)
	return b
}

// insertInto writes INSERT INTO table (cols) [output] VALUES (vals), or DEFAULT VALUES
// for no columns.
func (g *Gen) insertInto(b *Builder, table string, cols []string, vals []any, output string) {
	b.W("INSERT INTO ", table)
	if len(cols) == 0 {
		b.W(output, " DEFAULT VALUES")
		return
	}
	b.W(" (")
	for i, c := range cols {
		if i > 0 {
			b.W(", ")
		}
		b.W(g.d.Quote(c))
	}
	b.W(")", output, " VALUES (")
	for i, v := range vals {
		if i > 0 {
			b.W(", ")
		}
		b.W(b.Arg(v))
	}
	b.W(")")
}

// Update sets cols to vals on the row with id (in scope, when scope is not "").
func (g *Gen) Update(table, idCol, scope string, cols []string, vals []any, id any) *Builder {
	args := boundArgs(vals, id) // a copy: vals stays the caller's
	return g.texts.get(g.d, memoKey('U', cols, table, idCol, scope), args, func(b *Builder) {
		g.update(b, table, idCol, scope, cols, vals, id)
	})
}

func (g *Gen) update(b *Builder, table, idCol, scope string, cols []string, vals []any, id any) {
	b.W("UPDATE ", table, " SET ")
	for i, c := range cols {
		if i > 0 {
			b.W(", ")
		}
		b.W(g.d.Quote(c), " = ", b.Arg(vals[i]))
	}
	b.W(" WHERE ", idCol, " = ", b.Arg(id))
	andScope(b, scope)
}

// UpdateRow is Update returning the row: RETURNING list (dialects with UpdateReturns).
func (g *Gen) UpdateRow(table, idCol, scope string, cols []string, vals []any, id any, list string) *Builder {
	args := boundArgs(vals, id) // a copy: vals stays the caller's
	return g.texts.get(g.d, memoKey('R', cols, table, idCol, scope, list), args, func(b *Builder) {
		g.update(b, table, idCol, scope, cols, vals, id)
		b.W(" RETURNING ", list)
	})
}

// Delete deletes rows of table where col = v (and in scope, when scope is not "").
func (g *Gen) Delete(table, col, scope string, v any) *Builder {
	b := NewBuilder(g.d)
	b.W("DELETE FROM ", table, " WHERE ", col, " = ", b.Arg(v))
	andScope(b, scope)
	return b
}

// sqlUsersIn selects the ids among args that are users.
func (g *Gen) UsersIn(args []any) *Builder {
	up := g.Users
	b := NewBuilder(g.d)
	if up.ElsewhereRead {
		// Users are the rows users.from (or a templated getUsers) selects: a row of the
		// table outside it is no user, and no member.
		b.W("SELECT ", up.IDRead, " FROM ", up.Source, " WHERE ")
		b.In(up.IDRead, args)
		return b
	}
	b.W("SELECT ", up.IDCol, " FROM ", up.Table, " WHERE ")
	b.In(up.IDCol, args)
	andScope(b, up.ScopeBare)
	return b
}

// memberWhere is the mapping's condition for a current membership row, if any.
func (p *GroupPlan) MemberWhere(b *Builder) {
	if p.MemCurrent != "" {
		b.W(" AND ", p.MemCurrent)
	}
}

// sqlMembersOf selects (group, user, display) for the groups in gids.
func (g *Gen) MembersOf(gids []any) (*Builder, bool) {
	p := g.Groups
	b := NewBuilder(g.d)
	b.W("SELECT m.", p.MemGroup, ", m.", p.MemUser)
	display := ""
	if up := g.Users; up != nil {
		if rc, ok := up.Exprs["username"]; ok {
			display = rc.Expr
		}
	}
	if display != "" {
		up := g.Users
		b.W(", ", display, " FROM ", p.MemTable, " m LEFT JOIN ", up.Source, " ON ", up.IDRead, " = m.", p.MemUser)
	} else {
		b.W(" FROM ", p.MemTable, " m")
	}
	b.W(" WHERE ")
	b.In("m."+p.MemGroup, gids)
	p.MemberWhere(b)
	b.W(" ORDER BY m.", p.MemGroup, ", m.", p.MemUser)
	return b, display != ""
}

// sqlCurrentMembers selects the user keys of one group's current members.
func (g *Gen) CurrentMembers(gid any) *Builder {
	p := g.Groups
	b := NewBuilder(g.d)
	b.W("SELECT m.", p.MemUser, " FROM ", p.MemTable, " m WHERE m.", p.MemGroup, " = ", b.Arg(gid))
	p.MemberWhere(b)
	return b
}

// sqlAddMembers inserts (group, user) rows.
func (g *Gen) AddMembers(gid any, users []any, cols []string, vals []any) *Builder {
	p := g.Groups
	b := NewBuilder(g.d)
	b.W("INSERT INTO ", p.MemTable, " (", p.MemGroup, ", ", p.MemUser)
	for _, c := range cols {
		b.W(", ", g.d.Quote(c))
	}
	b.W(") VALUES ")
	for i, u := range users {
		if i > 0 {
			b.W(", ")
		}
		b.W("(", b.Arg(gid), ", ", b.Arg(u))
		for _, v := range vals {
			b.W(", ", b.Arg(v))
		}
		b.W(")")
	}
	return b
}

// sqlRemoveMembers deletes the memberships of users in one group.
func (g *Gen) RemoveMembers(gid any, users []any) *Builder {
	p := g.Groups
	b := NewBuilder(g.d)
	b.W("DELETE FROM ", p.MemTable, " WHERE ", p.MemGroup, " = ", b.Arg(gid), " AND ")
	b.In(p.MemUser, users)
	return b
}

// TableExists is a statement that fails when table does not exist.
func TableExists(d dialects.Dialect, table string) string {
	return "SELECT COUNT(*) FROM " + d.Quote(table) + " WHERE 1 = 0"
}

// sqlMembersAmong selects which of users are current members of one group.
func (g *Gen) MembersAmong(gid any, users []any) *Builder {
	p := g.Groups
	b := NewBuilder(g.d)
	b.W("SELECT m.", p.MemUser, " FROM ", p.MemTable, " m WHERE m.", p.MemGroup, " = ", b.Arg(gid), " AND ")
	b.In("m."+p.MemUser, users)
	p.MemberWhere(b)
	return b
}

// sqlRefs selects (user, value[, display]) join rows for users.
func (g *Gen) RefsOf(rp *RefPlan, users []any) *Builder {
	b := NewBuilder(g.d)
	b.W("SELECT ", rp.UserCol, ", ", rp.Value)
	if rp.Display != "" {
		b.W(", ", rp.Display)
	}
	b.W(" FROM ", rp.Table, rp.Join, " WHERE ")
	if rp.Where != "" {
		b.W("(", rp.Where, ") AND ")
	}
	b.In(rp.UserCol, users)
	b.W(" ORDER BY ", rp.UserCol, ", ", rp.Value)
	return b
}

// ColumnProbe selects column of table and no row: it fails when either does not exist,
// and its result's column type is the column's.
func ColumnProbe(d dialects.Dialect, table, column string) string {
	return "SELECT " + d.Quote(column) + " FROM " + d.Quote(table) + " WHERE 1 = 0"
}

// ColumnByKey selects one column of the row of table whose key column is the first
// argument (a test's look at what is stored).
func ColumnByKey(d dialects.Dialect, table, column, key string) string {
	return "SELECT " + d.Quote(column) + " FROM " + d.Quote(table) + " WHERE " + d.Quote(key) + " = " + d.Placeholder(1)
}

// SelectPrefix is how every statement reading the rows of select list begins.
func SelectPrefix(selectList string) string { return "SELECT " + selectList + " FROM " }

// ReturningSuffix is how every write returning the columns of list ends.
func ReturningSuffix(list string) string { return " RETURNING " + list }

// CountPrefix is how every count begins.
const CountPrefix = "SELECT COUNT(*) FROM "

// Sample selects up to n distinct values of table.col that are not NULL: what scimsql
// init looks at to tell a bcrypt hash from a plain password, or 0/1 from 'A'/'I'. The
// values are only classified, never printed or stored.
func Sample(d dialects.Dialect, table, col string, n int) *Builder {
	b := NewBuilder(d)
	q := d.Quote(col)
	b.W("SELECT DISTINCT ", q, " FROM ", d.Quote(table), " WHERE ", q, " IS NOT NULL")
	b.Page(q, n, 0)
	return b
}

// Largest selects the largest value of table.col as text, for scimsql init's look at
// an end-date column: a far-future sentinel ('9999-01-01') marks the current rows.
func Largest(d dialects.Dialect, table, col string) *Builder {
	b := NewBuilder(d)
	b.W("SELECT MAX(", d.Quote(col), ") FROM ", d.Quote(table))
	return b
}

// Present selects those of vals that table.col holds, compared without case (scimsql
// init's look for built-in accounts such as guest).
func Present(d dialects.Dialect, table, col string, vals []string) *Builder {
	b := NewBuilder(d)
	q := d.Quote(col)
	b.W("SELECT DISTINCT ", q, " FROM ", d.Quote(table), " WHERE LOWER(", q, ") IN (")
	for i, v := range vals {
		if i > 0 {
			b.W(", ")
		}
		b.W(b.Arg(strings.ToLower(v)))
	}
	b.W(")")
	return b
}
