package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

// GroupPatch is a change to a group expressed as what SCIM PATCH asks for. Member
// additions and removals touch only the memberships they name, so adding one member to
// a group of 100,000 reads and writes one row, not the list.
type GroupPatch struct {
	DisplayName *string
	Description *string
	Add         []string // user ids to make members (already members are left alone)
	Remove      []string // user ids to remove (non-members are ignored)
	// ReplaceMembers replaces the whole list with Members (a PATCH replace of members).
	ReplaceMembers bool
	Members        []string
}

// PatchGroup applies p in one transaction.
func (e *Engine) PatchGroup(ctx context.Context, id string, p GroupPatch, ifMatch ...string) error {
	op, err := e.groupOp(mappings.OpUpdateGroup)
	if err != nil {
		return err
	}
	gp := e.groups
	gid, ok := sqlgen.IDArg(&gp.M.ID, id)
	if !ok {
		return fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
	}
	if p.DisplayName != nil && *p.DisplayName == "" {
		return fmt.Errorf("%w: displayName: must not be empty", ErrInvalidValue)
	}
	ctx, cancel := e.ctx(ctx, "patchGroup")
	defer cancel()
	var want *wantedMembers
	err = e.inTx(ctx, "patchGroup", func(tx querier) error {
		stored, err := e.lockGroup(ctx, tx, gid)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: no group with id %q", ErrNotFound, id)
			}
			return err
		}
		if err := e.groupHolds(ctx, tx, id, ifMatch); err != nil {
			return err
		}
		if p.DisplayName != nil && renamed(stored, *p.DisplayName) {
			if err := e.displayNameFree(ctx, tx, *p.DisplayName, gid); err != nil {
				return err
			}
		}
		var add, remove []any
		switch {
		case p.ReplaceMembers:
			if want, err = e.wanted(toMembers(p.Members)); err != nil {
				return err
			}
			have, err := e.currentMembers(ctx, tx, gid)
			if err != nil {
				return err
			}
			add, remove = want.diff(e, have)
			// As a PUT: only the users who join are checked.
			if add, err = e.checkUsers(ctx, tx, want, add); err != nil {
				return err
			}
		default:
			if want, err = e.wanted(toMembers(p.Add)); err != nil {
				return err
			}
			if want.keys, err = e.checkUsers(ctx, tx, want, want.keys); err != nil {
				return err
			}
			if len(want.keys) > 0 && gp.MemTable != "" {
				// Only the named rows are read: which of these users are members already.
				have, err := e.membersAmong(ctx, tx, gid, want.keys)
				if err != nil {
					return err
				}
				add, _ = want.diff(e, have)
			} else {
				add = want.keys
			}
			for _, r := range dedupe(p.Remove) {
				if arg, ok := sqlgen.IDArg(&e.users.M.ID, r); ok {
					remove = append(remove, arg)
				}
			}
		}
		if op.Auto {
			// Memberships first: the group's row (its lastModified, and so its version) is
			// written only when the PATCH changed something, not for adding a member twice
			// or removing a non-member.
			changed := p.DisplayName != nil || p.Description != nil || len(add) > 0
			if len(remove) > 0 && gp.MemTable != "" {
				n, err := e.removedMembers(ctx, tx, gid, remove)
				if err != nil {
					return err
				}
				changed = changed || n > 0
			}
			if err := e.addMembers(ctx, tx, gid, add); err != nil {
				return err
			}
			if !changed {
				return nil
			}
			g := &Group{Description: p.Description}
			if p.DisplayName != nil {
				g.DisplayName = *p.DisplayName
			}
			cols, vals := e.groupColumns(g, false)
			if p.DisplayName == nil && len(cols) > 0 && cols[0] == gp.M.DisplayName.Column {
				cols, vals = cols[1:], vals[1:]
			}
			if len(cols) == 0 {
				return nil
			}
			b := e.gen.Update(gp.Table, gp.IDCol, gp.ScopeBare, cols, vals, gid)
			_, err := tx.ExecContext(ctx, b.String(), b.Args...)
			return err
		}
		// A templated updateGroup gets the change as .add and .remove; .members is nil
		// because a PATCH does not carry the whole list.
		gd := map[string]any{"id": id, "displayName": "", "description": nil, "members": nil}
		if p.DisplayName != nil {
			gd["displayName"] = *p.DisplayName
		}
		if p.Description != nil {
			gd["description"] = *p.Description
		}
		_, err = e.runStatements(ctx, tx, op, map[string]any{"id": id, "group": gd, "members": nil, "add": keyStrings(add), "remove": keyStrings(remove)})
		return err
	})
	if err == nil {
		e.skippedMembers(ctx, "patchGroup", id, want)
	}
	return err
}

func toMembers(ids []string) []Member {
	out := make([]Member, len(ids))
	for i, id := range ids {
		out[i] = Member{Value: id}
	}
	return out
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// membersAmong returns which of users are current members of the group.
func (e *Engine) membersAmong(ctx context.Context, tx querier, gid any, users []any) ([]any, error) {
	var out []any
	chunk := e.chunkSize()
	for start := 0; start < len(users); start += chunk {
		end := min(len(users), start+chunk)
		b := e.gen.MembersAmong(gid, users[start:end])
		rows, err := tx.QueryContext(ctx, b.String(), b.Args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, err
			}
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			out = append(out, v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
