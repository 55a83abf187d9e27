package engine

import (
	"context"
	"fmt"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

// writeRelated writes, in tx, the attributes u carries that are kept in users.related
// tables, after (on create) or before (on update) the user's own row. A create writes a
// row for each value; an update writes only what changed, so that a push carrying the
// stored values (Okta sends the whole profile every time) writes nothing, and a value
// removed ("" or null, as Okta clears one) deletes its row. It says whether it wrote.
func (e *Engine) writeRelated(ctx context.Context, tx querier, u *User, id string, create bool) (bool, error) {
	p := e.users
	if len(p.Related) == 0 {
		return false, nil
	}
	owner, ok := sqlgen.IDArg(&p.M.ID, id)
	if !ok {
		return false, fmt.Errorf("%w: the user's id %q does not fit users.id", ErrDatabase, id)
	}
	changed := false
	for _, rp := range p.Related {
		a := rp.Attr
		if a.ReadOnly {
			continue
		}
		v, present := u.Values[a.Path]
		if a.Default != nil && create && (!present || v == nil || v == "") {
			dv, err := sqlgen.Coerce(a, *a.Default)
			if err != nil {
				return false, err
			}
			v, present = dv, true
		}
		if !present {
			continue
		}
		var cv any
		if v != nil && v != "" {
			var err error
			if cv, err = sqlgen.ToColumn(a, v, e.f); err != nil {
				return false, fmt.Errorf("%w: %s: %v", ErrInvalidValue, a.Path, err)
			}
		}
		var rows int64
		var cur any
		if !create {
			b := e.gen.RelatedState(rp, owner)
			if err := tx.QueryRowContext(ctx, b.String(), b.Args...).Scan(&rows, &cur); err != nil {
				return false, err
			}
		}
		var b *sqlgen.Builder
		switch {
		case cv == nil && rows == 0:
			continue
		case cv == nil:
			b = e.gen.RelatedDelete(rp, owner, false)
		case rows == 0:
			cols, vals := append(append([]string{}, rp.MatchCols...), a.Related.Column), append(append([]any{}, rp.MatchVals...), cv)
			cols, vals = e.relatedSet(rp.In, true, cols, vals)
			b = e.gen.RelatedInsert(rp, owner, cols, vals)
		default:
			if got, err := sqlgen.FromColumn(a, cur); err == nil && fmt.Sprint(got) == fmt.Sprint(v) {
				continue // stored already
			}
			cols, vals := e.relatedSet(rp.In, false, []string{a.Related.Column}, []any{cv})
			b = e.gen.RelatedUpdate(rp, owner, cols, vals)
		}
		if _, err := tx.ExecContext(ctx, b.String(), b.Args...); err != nil {
			return false, e.relatedErr(err, rp)
		}
		changed = true
	}
	return changed, nil
}

// relatedSet appends r's set columns for a new row (create) or a changed one.
func (e *Engine) relatedSet(r *mappings.Related, create bool, cols []string, vals []any) ([]string, []any) {
	e.applySet(r.Set, create, nil, func(c string, v any) { cols, vals = append(cols, c), append(vals, v) })
	return cols, vals
}

// relatedErr names the attribute and table behind a value the database refused.
func (e *Engine) relatedErr(err error, rp *sqlgen.RelatedPlan) error {
	if err == nil || e.d.Classify(err) != dialects.Invalid {
		return err
	}
	return fmt.Errorf("%w: %s (column %s of %s): the database refused the value: %s", ErrInvalidValue, rp.Attr.Path, rp.Attr.Related.Column, rp.In.Table, oneLine(err.Error()))
}

// deleteRelated deletes every row the user owns in users.related tables, before the
// user's own row, in the delete's transaction.
func (e *Engine) deleteRelated(ctx context.Context, tx querier, owner any) error {
	done := map[*mappings.Related]bool{}
	for _, rp := range e.users.Related {
		if done[rp.In] {
			continue
		}
		done[rp.In] = true
		b := e.gen.RelatedDelete(rp, owner, true)
		if _, err := tx.ExecContext(ctx, b.String(), b.Args...); err != nil {
			return err
		}
	}
	return nil
}
