package mappings

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// scope reads users.scope or groups.scope: the columns every row of the resource holds
// (compared on every read and write, written by every create) and an optional further
// read condition.
func (l *loader) scope(n *yaml.Node, path string) *Scope {
	if n == nil {
		return nil
	}
	o := l.object(n, path)
	o.strict("columns", "where")
	s := &Scope{Where: l.template(o.get("where"), path+".where")}
	s.Columns = l.fixedColumns(o.get("columns"), path+".columns", "a scope value")
	if len(s.Columns) == 0 && s.Where == nil {
		l.errorf(n, path, "give columns, where, or both")
		return nil
	}
	return s
}

// fixedColumns reads a map of columns to the values a row holds in them (a scope's
// columns, a related binding's match): strings, integers or booleans. what names the
// value in errors.
func (l *loader) fixedColumns(n *yaml.Node, path, what string) []ScopeColumn {
	if n == nil {
		return nil
	}
	var out []ScopeColumn
	co := l.object(n, path)
	for _, col := range co.order {
		p := path + "." + col
		l.ident(co.keys[col], p, col, false)
		vn := co.fields[col]
		if vn.Kind != yaml.ScalarNode || vn.Tag == "!!null" {
			l.errorf(vn, p, "expected a string, number or boolean, found %s", kindName(vn))
			continue
		}
		v := scalar(vn, nil)
		switch x := v.(type) {
		case string:
			// Written into statements as a literal: it comes from the mapping, and is
			// kept to characters no dialect reads specially.
			if x == "" || strings.ContainsAny(x, "'\"\\`;") || strings.IndexFunc(x, func(r rune) bool { return r < ' ' }) >= 0 {
				l.errorf(vn, p, "%q: %s is a non-empty text without quotes, backslashes, semicolons or control characters", x, what)
				continue
			}
		case int:
			v = int64(x)
		case bool:
		default:
			l.errorf(vn, p, "expected a string, an integer or a boolean, found %q", vn.Value)
			continue
		}
		out = append(out, ScopeColumn{Column: col, Value: v})
	}
	return out
}

// checkScopes refuses what a scope cannot keep apart: users and groups in one table whose
// scopes do not differ in a column (every user would also be a group, and a group's
// DELETE could delete a user), and an attribute that writes a scope column (a push could
// move a row out of its resource).
func (l *loader) checkScopes(m *Mapping, usersNode, groupsNode *yaml.Node) {
	u, g := m.Users, m.Groups
	if u != nil && u.Scope != nil {
		for _, a := range u.Attributes {
			for _, c := range u.Scope.Columns {
				if a.Writable() && strings.EqualFold(a.Column, c.Column) {
					l.errorf(usersNode, "users.scope.columns."+c.Column, "column %s is the scope's: attribute %s cannot write it (make it read-only or bind another column)", c.Column, a.Path)
				}
			}
		}
	}
	if u == nil || g == nil || !strings.EqualFold(u.Table, g.Table) {
		return
	}
	if u.Scope != nil && g.Scope != nil {
		for _, uc := range u.Scope.Columns {
			for _, gc := range g.Scope.Columns {
				if strings.EqualFold(uc.Column, gc.Column) && uc.Value != gc.Value {
					return // disjoint
				}
			}
		}
	}
	l.errorf(groupsNode, "groups.table", "users and groups share table %s: give each a scope whose columns tell them apart (users.scope.columns: {type: User}, groups.scope.columns: {type: Group}), or every user is also a group", g.Table)
}
