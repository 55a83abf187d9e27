package sqlgen

import (
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/filter"
	"github.com/scimsql/scimsql/mappings"
)

// ResourcePlan is the compiled form of an extra resource type.
type ResourcePlan struct {
	R          *mappings.Resource
	Source     string
	IDRead     string
	SelectList string
	Exprs      map[string]string // lower-case attribute → qualified column
}

const resourceAlias = "r"

func buildResourcePlan(d dialects.Dialect, r *mappings.Resource) *ResourcePlan {
	p := &ResourcePlan{R: r, Source: d.Quote(r.Table) + " " + resourceAlias, Exprs: map[string]string{}}
	p.IDRead = resourceAlias + "." + d.Quote(r.ID.Column)
	cols := []string{p.IDRead}
	for _, a := range r.Order {
		e := resourceAlias + "." + d.Quote(r.Attributes[a])
		p.Exprs[strings.ToLower(a)] = e
		cols = append(cols, e)
	}
	p.SelectList = strings.Join(cols, ", ")
	return p
}

func (p *ResourcePlan) resolve(fp filter.AttrPath) ([]target, error) {
	if fp.Sub != "" || fp.URN != "" && !strings.EqualFold(fp.URN, p.R.Schema) {
		return nil, unknownAttr(fp)
	}
	if strings.EqualFold(fp.Attr, "id") {
		return []target{{path: fp.String(), expr: p.IDRead, typ: "id", caseExact: true, idKey: &p.R.ID}}, nil
	}
	if e, ok := p.Exprs[strings.ToLower(fp.Attr)]; ok {
		return []target{{path: fp.String(), expr: e, typ: "string"}}, nil
	}
	return nil, unknownAttr(fp)
}
func (p *ResourcePlan) multi(filter.AttrPath) []*mappings.Attribute { return nil }
func (p *ResourcePlan) exprOf(*mappings.Attribute) string           { return "" }

// RefPlan reads users' roles, entitlements or groups from a join table.
type RefPlan struct {
	Kind    string // roles, entitlements, groups
	Table   string
	UserCol string
	Value   string
	Display string // resource displayName column joined in, "" if none
	Join    string // LEFT JOIN clause for the display (JOIN, for groups: only groups in scope)
	Where   string // a further condition (a current membership), "" for none
	// Writes, for a writable roles or entitlements (users.roles.writable): the join table
	// and its columns, quoted and unqualified; Resource is the resource type the values
	// are ids of, nil for none.
	Writable                       bool
	BareTable, BareUser, BareValue string
	Resource                       *ResourcePlan
}

// buildGroupsRef reads the groups each user is a member of (the read-only groups
// attribute): the membership table joined to the groups' own source, so that a group
// out of scope, or a membership that is history (members.where), is not listed.
func buildGroupsRef(p *GroupPlan) *RefPlan {
	if p == nil || p.MemTable == "" {
		return nil
	}
	return &RefPlan{
		Kind: "groups", Table: p.MemTable + " m", UserCol: "m." + p.MemUser, Value: p.IDRead, Display: p.Name.Expr,
		Join: " JOIN " + p.Source + " ON " + p.IDRead + " = m." + p.MemGroup, Where: p.MemCurrent,
	}
}

func buildRefPlan(d dialects.Dialect, m *mappings.Mapping, kind string, r *mappings.UserRefs) *RefPlan {
	if r == nil {
		return nil
	}
	p := &RefPlan{Kind: kind, Table: d.Quote(r.Table) + " j", UserCol: "j." + d.Quote(r.UserColumn), Value: "j." + d.Quote(r.ValueColumn),
		Writable: r.Writable, BareTable: d.Quote(r.Table), BareUser: d.Quote(r.UserColumn), BareValue: d.Quote(r.ValueColumn)}
	if res := m.Resource(r.Resource); res != nil {
		p.Display = "x." + d.Quote(res.Attributes["displayName"])
		p.Join = " LEFT JOIN " + d.Quote(res.Table) + " x ON x." + d.Quote(res.ID.Column) + " = " + p.Value
	}
	return p
}

// refResource is the resource type named by users.roles or users.entitlements.
func refResource(m *mappings.Mapping, kind string) string {
	var r *mappings.UserRefs
	switch kind {
	case "roles":
		r = m.Users.Roles
	case "entitlements":
		r = m.Users.Entitlements
	}
	if r == nil {
		return ""
	}
	return r.Resource
}

// RefValues selects the values of one user's rows of a join table.
func (g *Gen) RefValues(rp *RefPlan, user any) *Builder {
	b := NewBuilder(g.d)
	b.W("SELECT ", rp.BareValue, " FROM ", rp.BareTable, " WHERE ", rp.BareUser, " = ", b.Arg(user))
	return b
}

// RefsAdd inserts one user's (user, value) rows.
func (g *Gen) RefsAdd(rp *RefPlan, user any, values []any) *Builder {
	b := NewBuilder(g.d)
	b.W("INSERT INTO ", rp.BareTable, " (", rp.BareUser, ", ", rp.BareValue, ") VALUES ")
	for i, v := range values {
		if i > 0 {
			b.W(", ")
		}
		b.W("(", b.Arg(user), ", ", b.Arg(v), ")")
	}
	return b
}

// RefsRemove deletes one user's rows with values (all of them for nil).
func (g *Gen) RefsRemove(rp *RefPlan, user any, values []any) *Builder {
	b := NewBuilder(g.d)
	b.W("DELETE FROM ", rp.BareTable, " WHERE ", rp.BareUser, " = ", b.Arg(user))
	if values != nil {
		b.W(" AND ")
		b.In(rp.BareValue, values)
	}
	return b
}

// ResourcesIn selects which of ids are rows of a resource type.
func (g *Gen) ResourcesIn(p *ResourcePlan, ids []any) *Builder {
	b := NewBuilder(g.d)
	b.W("SELECT ", p.IDRead, " FROM ", p.Source, " WHERE ")
	b.In(p.IDRead, ids)
	return b
}
