package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/filter"
	"github.com/scimsql/scimsql/mappings"
)

// Resource is one row of an extra resource type (a role, an entitlement).
type Resource struct {
	ID     string
	Values map[string]string // attribute → value; absent when NULL
}

// ResourcePage is one page of resources.
type ResourcePage struct {
	Total      int
	StartIndex int
	Resources  []*Resource
}

// resourcePlan is the compiled form of an extra resource type.
type resourcePlan struct {
	r          *mappings.Resource
	source     string
	idRead     string
	selectList string
	exprs      map[string]string // lower-case attribute → qualified column
}

const resourceAlias = "r"

func buildResourcePlan(d dialects.Dialect, r *mappings.Resource) *resourcePlan {
	p := &resourcePlan{r: r, source: d.Quote(r.Table) + " " + resourceAlias, exprs: map[string]string{}}
	p.idRead = resourceAlias + "." + d.Quote(r.ID.Column)
	cols := []string{p.idRead}
	for _, a := range r.Order {
		e := resourceAlias + "." + d.Quote(r.Attributes[a])
		p.exprs[strings.ToLower(a)] = e
		cols = append(cols, e)
	}
	p.selectList = strings.Join(cols, ", ")
	return p
}

func (p *resourcePlan) resolve(fp filter.AttrPath) ([]target, error) {
	if fp.Sub != "" || fp.URN != "" && !strings.EqualFold(fp.URN, p.r.Schema) {
		return nil, unknownAttr(fp)
	}
	if strings.EqualFold(fp.Attr, "id") {
		return []target{{path: fp.String(), expr: p.idRead, typ: "id", caseExact: true, idKey: &p.r.ID}}, nil
	}
	if e, ok := p.exprs[strings.ToLower(fp.Attr)]; ok {
		return []target{{path: fp.String(), expr: e, typ: "string"}}, nil
	}
	return nil, unknownAttr(fp)
}
func (p *resourcePlan) multi(filter.AttrPath) []*mappings.Attribute { return nil }
func (p *resourcePlan) exprOf(*mappings.Attribute) string           { return "" }

func (e *Engine) resourcePlan(typ string) (*resourcePlan, error) {
	p, ok := e.resources[typ]
	if !ok {
		return nil, fmt.Errorf("%w: no resource type %q", ErrNotFound, typ)
	}
	return p, nil
}

// ListResources answers a list of an extra resource type, filtered and paged like users.
func (e *Engine) ListResources(ctx context.Context, typ string, q Query) (*ResourcePage, error) {
	p, err := e.resourcePlan(typ)
	if err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "list"+typ)
	defer cancel()
	l, err := e.plan(ctx, typ, p, p.source, p.idRead, q)
	if err != nil {
		return nil, err
	}
	page := &ResourcePage{StartIndex: l.start}
	var lastRaw any
	if !l.totalsOnly() {
		res, raws, err := e.queryResources(ctx, p, e.pageSQL(l, p.selectList))
		if err != nil {
			return nil, err
		}
		page.Resources = res
		if len(raws) > 0 {
			lastRaw = raws[len(raws)-1]
		}
	}
	page.Total, err = e.finish(ctx, l, len(page.Resources), lastRaw)
	return page, e.dbErr("list "+typ, err)
}

// GetResource answers one resource by id.
func (e *Engine) GetResource(ctx context.Context, typ, id string) (*Resource, error) {
	p, err := e.resourcePlan(typ)
	if err != nil {
		return nil, err
	}
	arg, ok := idArg(&p.r.ID, id)
	if !ok {
		return nil, fmt.Errorf("%w: no %s with id %q", ErrNotFound, typ, id)
	}
	ctx, cancel := e.ctx(ctx, "get"+typ)
	defer cancel()
	res, _, err := e.queryResources(ctx, p, e.sqlByID(p.selectList, p.source, p.idRead, arg))
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("%w: no %s with id %q", ErrNotFound, typ, id)
	}
	return res[0], nil
}

func (e *Engine) queryResources(ctx context.Context, p *resourcePlan, sel *sqlb) ([]*Resource, []any, error) {
	rows, err := e.q().QueryContext(ctx, sel.String(), sel.args...)
	if err != nil {
		return nil, nil, e.dbErr("reading "+p.r.Name, err)
	}
	defer rows.Close()
	var out []*Resource
	var raws []any
	for rows.Next() {
		vals := make([]any, 1+len(p.r.Order))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, e.dbErr("reading "+p.r.Name, err)
		}
		r := &Resource{ID: idString(vals[0]), Values: map[string]string{}}
		for i, a := range p.r.Order {
			if v := vals[i+1]; v != nil {
				r.Values[a] = stringOf(orEmpty(v))
			}
		}
		out = append(out, r)
		raws = append(raws, vals[0])
	}
	return out, raws, e.dbErr("reading "+p.r.Name, rows.Err())
}

// refPlan reads users' roles or entitlements from a join table.
type refPlan struct {
	kind    string // roles, entitlements
	table   string
	userCol string
	value   string
	display string // resource displayName column joined in, "" if none
	join    string // LEFT JOIN clause for the display
}

func buildRefPlan(d dialects.Dialect, m *mappings.Mapping, kind string, r *mappings.UserRefs) *refPlan {
	if r == nil {
		return nil
	}
	p := &refPlan{kind: kind, table: d.Quote(r.Table) + " j", userCol: "j." + d.Quote(r.UserColumn), value: "j." + d.Quote(r.ValueColumn)}
	if res := m.Resource(r.Resource); res != nil {
		p.display = "x." + d.Quote(res.Attributes["displayName"])
		p.join = " LEFT JOIN " + d.Quote(res.Table) + " x ON x." + d.Quote(res.ID.Column) + " = " + p.value
	}
	return p
}

// loadRefs fills the roles and entitlements of users (raw ids in raws), one query per
// kind and chunk.
func (e *Engine) loadRefs(ctx context.Context, q querier, users []*User, raws []any) error {
	if len(e.refs) == 0 || len(users) == 0 {
		return nil
	}
	byID := make(map[string]*User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	for _, rp := range e.refs {
		for _, u := range users {
			u.setRefs(rp.kind, []Member{})
		}
		for start := 0; start < len(raws); start += e.chunkSize() {
			end := min(len(raws), start+e.chunkSize())
			b := e.sqlRefs(rp, raws[start:end])
			rows, err := q.QueryContext(ctx, b.String(), b.args...)
			if err != nil {
				return e.dbErr("reading "+rp.kind, err)
			}
			for rows.Next() {
				var uid, val, disp any
				dest := []any{&uid, &val}
				if rp.display != "" {
					dest = append(dest, &disp)
				}
				if err := rows.Scan(dest...); err != nil {
					rows.Close()
					return e.dbErr("reading "+rp.kind, err)
				}
				if u := byID[idString(uid)]; u != nil {
					m := Member{Value: idString(val)}
					if disp != nil {
						m.Display = stringOf(orEmpty(disp))
					}
					u.setRefs(rp.kind, append(u.refs(rp.kind), m))
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return e.dbErr("reading "+rp.kind, err)
			}
		}
	}
	return nil
}

func (u *User) refs(kind string) []Member {
	if kind == "roles" {
		return u.Roles
	}
	return u.Entitlements
}

func (u *User) setRefs(kind string, ms []Member) {
	if kind == "roles" {
		u.Roles = ms
	} else {
		u.Entitlements = ms
	}
}

// Resources returns the extra resource types, in mapping order.
func (e *Engine) Resources() []*mappings.Resource { return e.m.Resources }
