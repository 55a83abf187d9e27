package engine

import (
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
)

// Statement builders: every statement the engine runs is assembled here (and in sql.go,
// where.go), from the plans' quoted identifiers and bound values. Operations call these and
// execute the result; Explain calls the same builders with sample values.

// sqlCount counts the rows of source matching cond (whose arguments are args).
func (e *Engine) sqlCount(source, cond string, args []any) *sqlb {
	b := newSQL(e.d)
	b.args = append(b.args, args...)
	b.w("SELECT COUNT(*) FROM ", source)
	if cond != "" {
		b.w(" WHERE ", cond)
	}
	return b
}

// sqlList selects a page: cond (with args) plus, when last is non-nil, the keyset
// continuation idRead > last; limit -1 means no limit. orderBy "" orders by idRead.
func (e *Engine) sqlList(selectList, source, idRead, cond string, args []any, last any, limit, offset int, orderBy ...string) *sqlb {
	b := newSQL(e.d)
	b.buf.Grow(len(selectList) + len(source) + len(cond) + 2*len(idRead) + 64)
	b.args = append(make([]any, 0, len(args)+1), args...)
	b.w("SELECT ", selectList, " FROM ", source)
	switch {
	case cond != "" && last != nil:
		b.w(" WHERE ", cond, " AND ", idRead, " > ", b.arg(last))
	case cond != "":
		b.w(" WHERE ", cond)
	case last != nil:
		b.w(" WHERE ", idRead, " > ", b.arg(last))
	}
	order := idRead
	if len(orderBy) > 0 && orderBy[0] != "" {
		order = orderBy[0]
	}
	b.page(order, limit, offset)
	return b
}

// sqlByID selects one row of a plan by id.
func (e *Engine) sqlByID(selectList, source, idRead string, id any) *sqlb {
	b := newSQL(e.d)
	b.w("SELECT ", selectList, " FROM ", source, " WHERE ", idRead, " = ", b.arg(id))
	return b
}

// sqlByIDHolding is the users' sqlByID that finds the row only while it still holds vals
// in cols, compared as the database compares (Facts.SameValue): the read after a lone
// UPDATE, which finds nothing when the user is gone or another write got in between.
// The lastModified stamp scimsql maintains is not compared: a column of whole seconds
// stores it rounded, so it would never compare equal to the value written, and it is
// not the request's to check.
func (e *Engine) sqlByIDHolding(cols []string, vals []any, id any) *sqlb {
	p := e.users
	b := e.sqlByID(p.selectList, p.source, p.idRead, id)
	lm := p.m.LastModified
	for i, c := range cols {
		if lm != nil && lm.Maintain && c == lm.Column {
			continue
		}
		b.w(" AND ", e.f.SameValue(e.d.Quote(c), b.arg(vals[i])))
	}
	return b
}

// sqlTaken finds a row other than exceptID whose expr equals value (case-insensitively
// unless caseExact): the uniqueness checks for userName and displayName.
func (e *Engine) sqlTaken(source, idRead, expr string, caseExact bool, value, exceptID any) *sqlb {
	b := newSQL(e.d)
	b.w("SELECT ", idRead, " FROM ", source, " WHERE ")
	if caseExact {
		b.w(expr, " = ", b.arg(value))
	} else {
		b.w(e.f.CaseFold(expr), " = ", e.f.CaseFold(b.arg(value)))
	}
	if exceptID != nil {
		b.w(" AND ", idRead, " <> ", b.arg(exceptID))
	}
	b.page(idRead, 1, 0)
	return b
}

// sqlLock selects a row by id for update, with extra columns, locking it where the
// dialect can.
func (e *Engine) sqlLock(table, idCol string, id any, extra ...string) *sqlb {
	b := newSQL(e.d)
	b.w("SELECT ", idCol)
	for _, c := range extra {
		b.w(", ", c)
	}
	b.w(" FROM ", table, e.f.LockHint, " WHERE ", idCol, " = ", b.arg(id), e.f.ForUpdate)
	return b
}

// sqlLockGroup locks a group's row and reads its id and, when the name is a column, its
// stored displayName; n is the number of columns it selects.
func (e *Engine) sqlLockGroup(gid any) (b *sqlb, n int) {
	p := e.groups
	if c := p.m.DisplayName.Column; c != "" {
		return e.sqlLock(p.table, p.idCol, gid, e.d.Quote(c)), 2
	}
	return e.sqlLock(p.table, p.idCol, gid), 1
}

// insertMode says how the id of an inserted row comes back.
type insertMode int

const (
	insertPlain        insertMode = iota // the id was given
	insertQueryID                        // the statement returns the id as a row
	insertLastInsertID                   // sql.Result.LastInsertId
)

// sqlInsert writes one row. When id is "" and the key is database-generated, the
// statement is written so that the new id comes back the dialect's way.
func (e *Engine) sqlInsert(table, idCol string, k *mappings.Key, cols []string, vals []any, id string) (*sqlb, insertMode) {
	b := newSQL(e.d)
	returning := id == "" && k.Generate == "database"
	var before, output, after string
	if returning && e.f.KeyReturn == dialects.OutputInto {
		before, output, after = e.f.KeyOutput(idCol, e.f.KeyType(k.Type))
	}
	b.w(before)
	e.insertInto(b, table, cols, vals, output)
	if !returning {
		return b, insertPlain
	}
	switch e.f.KeyReturn {
	case dialects.LastInsertID:
		return b, insertLastInsertID
	case dialects.OutputInto:
		b.w(after)
	default:
		b.w(" RETURNING ", idCol)
	}
	return b, insertQueryID
}

// sqlInsertRow writes one row and returns it: RETURNING list, where list is a select
// list over the bare table (dialects with InsertReturns).
func (e *Engine) sqlInsertRow(table string, cols []string, vals []any, list string) *sqlb {
	b := newSQL(e.d)
	e.insertInto(b, table, cols, vals, "")
	b.w(" RETURNING ", list)
	return b
}

// insertInto writes INSERT INTO table (cols) [output] VALUES (vals), or DEFAULT VALUES
// for no columns.
func (e *Engine) insertInto(b *sqlb, table string, cols []string, vals []any, output string) {
	b.w("INSERT INTO ", table)
	if len(cols) == 0 {
		b.w(output, " DEFAULT VALUES")
		return
	}
	b.w(" (")
	for i, c := range cols {
		if i > 0 {
			b.w(", ")
		}
		b.w(e.d.Quote(c))
	}
	b.w(")", output, " VALUES (")
	for i, v := range vals {
		if i > 0 {
			b.w(", ")
		}
		b.w(b.arg(v))
	}
	b.w(")")
}

// sqlUpdate sets cols to vals on the row with id.
func (e *Engine) sqlUpdate(table, idCol string, cols []string, vals []any, id any) *sqlb {
	b := newSQL(e.d)
	b.w("UPDATE ", table, " SET ")
	for i, c := range cols {
		if i > 0 {
			b.w(", ")
		}
		b.w(e.d.Quote(c), " = ", b.arg(vals[i]))
	}
	b.w(" WHERE ", idCol, " = ", b.arg(id))
	return b
}

// sqlUpdateRow is sqlUpdate returning the row: RETURNING list (dialects with UpdateReturns).
func (e *Engine) sqlUpdateRow(table, idCol string, cols []string, vals []any, id any, list string) *sqlb {
	b := e.sqlUpdate(table, idCol, cols, vals, id)
	b.w(" RETURNING ", list)
	return b
}

// sqlDelete deletes rows of table where col = v.
func (e *Engine) sqlDelete(table, col string, v any) *sqlb {
	b := newSQL(e.d)
	b.w("DELETE FROM ", table, " WHERE ", col, " = ", b.arg(v))
	return b
}

// sqlUsersIn selects the ids among args that are users.
func (e *Engine) sqlUsersIn(args []any) *sqlb {
	up := e.users
	b := newSQL(e.d)
	b.w("SELECT ", up.idCol, " FROM ", up.table, " WHERE ")
	b.in(up.idCol, args)
	return b
}

// memberWhere is the mapping's condition for a current membership row, if any.
func (p *groupPlan) memberWhere(b *sqlb) {
	if p.memCurrent != "" {
		b.w(" AND ", p.memCurrent)
	}
}

// sqlMembersOf selects (group, user, display) for the groups in gids.
func (e *Engine) sqlMembersOf(gids []any) (*sqlb, bool) {
	p := e.groups
	b := newSQL(e.d)
	b.w("SELECT m.", p.memGroup, ", m.", p.memUser)
	display := ""
	if up := e.users; up != nil {
		if rc, ok := up.exprs["username"]; ok {
			display = rc.expr
		}
	}
	if display != "" {
		up := e.users
		b.w(", ", display, " FROM ", p.memTable, " m LEFT JOIN ", up.source, " ON ", up.idRead, " = m.", p.memUser)
	} else {
		b.w(" FROM ", p.memTable, " m")
	}
	b.w(" WHERE ")
	b.in("m."+p.memGroup, gids)
	p.memberWhere(b)
	b.w(" ORDER BY m.", p.memGroup, ", m.", p.memUser)
	return b, display != ""
}

// sqlCurrentMembers selects the user keys of one group's current members.
func (e *Engine) sqlCurrentMembers(gid any) *sqlb {
	p := e.groups
	b := newSQL(e.d)
	b.w("SELECT m.", p.memUser, " FROM ", p.memTable, " m WHERE m.", p.memGroup, " = ", b.arg(gid))
	p.memberWhere(b)
	return b
}

// sqlAddMembers inserts (group, user) rows.
func (e *Engine) sqlAddMembers(gid any, users []any) *sqlb {
	p := e.groups
	b := newSQL(e.d)
	b.w("INSERT INTO ", p.memTable, " (", p.memGroup, ", ", p.memUser, ") VALUES ")
	for i, u := range users {
		if i > 0 {
			b.w(", ")
		}
		b.w("(", b.arg(gid), ", ", b.arg(u), ")")
	}
	return b
}

// sqlRemoveMembers deletes the memberships of users in one group.
func (e *Engine) sqlRemoveMembers(gid any, users []any) *sqlb {
	p := e.groups
	b := newSQL(e.d)
	b.w("DELETE FROM ", p.memTable, " WHERE ", p.memGroup, " = ", b.arg(gid), " AND ")
	b.in(p.memUser, users)
	return b
}

// sqlTableExists is a statement that fails when table does not exist.
func sqlTableExists(d dialects.Dialect, table string) string {
	return "SELECT COUNT(*) FROM " + d.Quote(table) + " WHERE 1 = 0"
}

// sqlMembersAmong selects which of users are current members of one group.
func (e *Engine) sqlMembersAmong(gid any, users []any) *sqlb {
	p := e.groups
	b := newSQL(e.d)
	b.w("SELECT m.", p.memUser, " FROM ", p.memTable, " m WHERE m.", p.memGroup, " = ", b.arg(gid), " AND ")
	b.in("m."+p.memUser, users)
	p.memberWhere(b)
	return b
}

// sqlRefs selects (user, value[, display]) join rows for users.
func (e *Engine) sqlRefs(rp *refPlan, users []any) *sqlb {
	b := newSQL(e.d)
	b.w("SELECT ", rp.userCol, ", ", rp.value)
	if rp.display != "" {
		b.w(", ", rp.display)
	}
	b.w(" FROM ", rp.table, rp.join, " WHERE ")
	b.in(rp.userCol, users)
	b.w(" ORDER BY ", rp.userCol, ", ", rp.value)
	return b
}
