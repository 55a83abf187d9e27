package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
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

func (e *Engine) resourcePlanOf(typ string) (*sqlgen.ResourcePlan, error) {
	p, ok := e.resources[typ]
	if !ok {
		return nil, fmt.Errorf("%w: no resource type %q", ErrNotFound, typ)
	}
	return p, nil
}

// ListResources answers a list of an extra resource type, filtered and paged like users.
func (e *Engine) ListResources(ctx context.Context, typ string, q Query) (*ResourcePage, error) {
	p, err := e.resourcePlanOf(typ)
	if err != nil {
		return nil, err
	}
	ctx, cancel := e.ctx(ctx, "list"+typ)
	defer cancel()
	l, err := e.plan(ctx, typ, p, p.Source, p.IDRead, q)
	if err != nil {
		return nil, err
	}
	page := &ResourcePage{StartIndex: l.start}
	var lastRaw any
	if !l.totalsOnly() {
		res, raws, err := e.queryResources(ctx, p, e.pageSQL(l, p.SelectList))
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
	p, err := e.resourcePlanOf(typ)
	if err != nil {
		return nil, err
	}
	arg, ok := sqlgen.IDArg(&p.R.ID, id)
	if !ok {
		return nil, fmt.Errorf("%w: no %s with id %q", ErrNotFound, typ, id)
	}
	ctx, cancel := e.ctx(ctx, "get"+typ)
	defer cancel()
	res, _, err := e.queryResources(ctx, p, e.gen.ByID(p.SelectList, p.Source, p.IDRead, arg))
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("%w: no %s with id %q", ErrNotFound, typ, id)
	}
	return res[0], nil
}

func (e *Engine) queryResources(ctx context.Context, p *sqlgen.ResourcePlan, sel *sqlgen.Builder) ([]*Resource, []any, error) {
	rows, err := e.q().QueryContext(ctx, sel.String(), sel.Args...)
	if err != nil {
		return nil, nil, e.dbErr("reading "+p.R.Name, err)
	}
	defer rows.Close()
	var out []*Resource
	var raws []any
	for rows.Next() {
		vals := make([]any, 1+len(p.R.Order))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, e.dbErr("reading "+p.R.Name, err)
		}
		r := &Resource{ID: sqlgen.IDString(vals[0]), Values: map[string]string{}}
		for i, a := range p.R.Order {
			if v := vals[i+1]; v != nil {
				r.Values[a] = sqlgen.StringOf(orEmpty(v))
			}
		}
		out = append(out, r)
		raws = append(raws, vals[0])
	}
	return out, raws, e.dbErr("reading "+p.R.Name, rows.Err())
}

// loadRefs fills the roles, entitlements and groups of users (raw ids in raws), one
// query per kind and chunk; WithoutGroups leaves the groups out.
func (e *Engine) loadRefs(ctx context.Context, q querier, users []*User, raws []any, opts ...ReadOption) error {
	if len(e.refs) == 0 || len(users) == 0 {
		return nil
	}
	noGroups := slices.Contains(opts, WithoutGroups)
	byID := make(map[string]*User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	for _, rp := range e.refs {
		if rp.Kind == "groups" && noGroups {
			continue
		}
		for _, u := range users {
			u.setRefs(rp.Kind, []Member{})
		}
		for start := 0; start < len(raws); start += e.chunkSize() {
			end := min(len(raws), start+e.chunkSize())
			b := e.gen.RefsOf(rp, raws[start:end])
			rows, err := q.QueryContext(ctx, b.String(), b.Args...)
			if err != nil {
				return e.dbErr("reading "+rp.Kind, err)
			}
			for rows.Next() {
				var uid, val, disp any
				dest := []any{&uid, &val}
				if rp.Display != "" {
					dest = append(dest, &disp)
				}
				if err := rows.Scan(dest...); err != nil {
					rows.Close()
					return e.dbErr("reading "+rp.Kind, err)
				}
				if u := byID[sqlgen.IDString(uid)]; u != nil {
					m := Member{Value: sqlgen.IDString(val)}
					if disp != nil {
						m.Display = sqlgen.StringOf(orEmpty(disp))
					}
					u.setRefs(rp.Kind, append(u.refs(rp.Kind), m))
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return e.dbErr("reading "+rp.Kind, err)
			}
		}
	}
	return nil
}

func (u *User) refs(kind string) []Member {
	switch kind {
	case "roles":
		return u.Roles
	case "groups":
		return u.Groups
	}
	return u.Entitlements
}

func (u *User) setRefs(kind string, ms []Member) {
	switch kind {
	case "roles":
		u.Roles = ms
	case "groups":
		u.Groups = ms
	default:
		u.Entitlements = ms
	}
}

// Resources returns the extra resource types, in mapping order.
func (e *Engine) Resources() []*mappings.Resource { return e.m.Resources }
