package engine

import (
	"context"
	"fmt"
	"maps"
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
	rows, err := e.q(ctx).QueryContext(ctx, sel.String(), sel.Args...)
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

// writesRefs says the mapping lets requests write roles or entitlements: every push is
// then one transaction, the join rows written after the user's row.
func (e *Engine) writesRefs() bool {
	return slices.ContainsFunc(e.refs, func(rp *sqlgen.RefPlan) bool { return rp.Writable })
}

// writeRefs makes the user's rows of each writable join table what the request carries
// (nil: not carried, left as they are): the values it lacks are inserted, the ones it
// drops deleted, nothing else touched; a user just created (create) has none yet. A
// value that is no row of the resource type (users.roles.resource) is a 400. It reports
// whether anything changed.
func (e *Engine) writeRefs(ctx context.Context, tx querier, in *User, id string, create bool) (bool, error) {
	uid, ok := sqlgen.IDArg(&e.users.M.ID, id)
	if !ok {
		return false, fmt.Errorf("%w: no user with id %q", ErrNotFound, id)
	}
	changed := false
	for _, rp := range e.refs {
		want := in.refs(rp.Kind)
		if !rp.Writable || want == nil || rp.Kind == "groups" {
			continue
		}
		var args []any
		seen := map[string]bool{}
		for i, m := range want {
			if m.Value == "" {
				return false, fmt.Errorf("%w: %s[%d].value: expected a value", ErrInvalidValue, rp.Kind, i)
			}
			var arg any = m.Value
			if rp.Resource != nil {
				a, ok := sqlgen.IDArg(&rp.Resource.R.ID, m.Value)
				if !ok {
					return false, fmt.Errorf("%w: %s[%d].value: %q is not the id of a %s", ErrInvalidValue, rp.Kind, i, m.Value, rp.Resource.R.Name)
				}
				arg = a
			}
			if k := sqlgen.IDString(arg); !seen[k] {
				seen[k] = true
				args = append(args, arg)
			}
		}
		if rp.Resource != nil && len(args) > 0 {
			if err := e.resourcesExist(ctx, tx, rp, args); err != nil {
				return false, err
			}
		}
		have, err := e.storedRefs(ctx, tx, rp, uid, create)
		if err != nil {
			return false, err
		}
		var add, remove []any
		for _, a := range args {
			if _, ok := have[sqlgen.IDString(a)]; !ok {
				add = append(add, a)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(have)) {
			if !seen[k] {
				remove = append(remove, have[k])
			}
		}
		if len(remove) > 0 {
			if err := e.execChunked(ctx, tx, remove, func(chunk []any) *sqlgen.Builder { return e.gen.RefsRemove(rp, uid, chunk) }); err != nil {
				return false, err
			}
		}
		if len(add) > 0 {
			if err := e.execChunkedBy(ctx, tx, add, e.f.MaxParams/2, func(chunk []any) *sqlgen.Builder { return e.gen.RefsAdd(rp, uid, chunk) }); err != nil {
				return false, err
			}
		}
		changed = changed || len(add) > 0 || len(remove) > 0
	}
	return changed, nil
}

// storedRefs are the user's values in rp's join table, by their text; none for a new user.
func (e *Engine) storedRefs(ctx context.Context, tx querier, rp *sqlgen.RefPlan, uid any, create bool) (map[string]any, error) {
	have := map[string]any{}
	if create {
		return have, nil
	}
	b := e.gen.RefValues(rp, uid)
	rows, err := tx.QueryContext(ctx, b.String(), b.Args...)
	if err != nil {
		return nil, e.dbErr("reading "+rp.Kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, e.dbErr("reading "+rp.Kind, err)
		}
		have[sqlgen.IDString(v)] = v
	}
	return have, e.dbErr("reading "+rp.Kind, rows.Err())
}

// resourcesExist refuses values that are no rows of the join's resource type.
func (e *Engine) resourcesExist(ctx context.Context, tx querier, rp *sqlgen.RefPlan, args []any) error {
	found := map[string]bool{}
	for start := 0; start < len(args); start += e.chunkSize() {
		end := min(len(args), start+e.chunkSize())
		b := e.gen.ResourcesIn(rp.Resource, args[start:end])
		rows, err := tx.QueryContext(ctx, b.String(), b.Args...)
		if err != nil {
			return e.dbErr("reading "+rp.Resource.R.Name, err)
		}
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return e.dbErr("reading "+rp.Resource.R.Name, err)
			}
			found[sqlgen.IDString(v)] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return e.dbErr("reading "+rp.Resource.R.Name, err)
		}
	}
	for _, a := range args {
		if !found[sqlgen.IDString(a)] {
			return fmt.Errorf("%w: %s: %q is not the id of a %s", ErrInvalidValue, rp.Kind, sqlgen.IDString(a), rp.Resource.R.Name)
		}
	}
	return nil
}

// deleteRefs deletes a user's rows of the writable join tables, before the user's own.
func (e *Engine) deleteRefs(ctx context.Context, tx querier, uid any) error {
	for _, rp := range e.refs {
		if !rp.Writable || rp.Kind == "groups" {
			continue
		}
		b := e.gen.RefsRemove(rp, uid, nil)
		if _, err := tx.ExecContext(ctx, b.String(), b.Args...); err != nil {
			return err
		}
	}
	return nil
}
