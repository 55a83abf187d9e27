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
	p := &RefPlan{Kind: kind, Table: d.Quote(r.Table) + " j", UserCol: "j." + d.Quote(r.UserColumn), Value: "j." + d.Quote(r.ValueColumn)}
	if res := m.Resource(r.Resource); res != nil {
		p.Display = "x." + d.Quote(res.Attributes["displayName"])
		p.Join = " LEFT JOIN " + d.Quote(res.Table) + " x ON x." + d.Quote(res.ID.Column) + " = " + p.Value
	}
	return p
}
