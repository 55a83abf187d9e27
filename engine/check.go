package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

// Statement is one statement an operation runs, for CheckDatabase to prepare.
type Statement struct {
	Op  string
	SQL string
}

// Problem is one thing the database check found.
type Problem struct {
	Where string // file:line:col of the binding, or the operation
	What  string
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// CheckDatabase compares the mapping with the real database: every table and column it
// names exists with a type that fits the attribute, every statement each operation runs
// prepares, and the database user holds the privileges the auto operations need. It
// reports every problem at once; it writes nothing. The statements are what scimsql
// explain records each operation running (package explain): the engine's own, never a
// second copy of them.
func (e *Engine) CheckDatabase(ctx context.Context, statements []Statement) []Problem {
	var out []Problem
	add := func(where, format string, args ...any) {
		out = append(out, Problem{Where: where, What: fmt.Sprintf(format, args...)})
	}
	file := displayPath(e.m.File)
	// at is where the mapping writes path: file:line:col, else the file.
	at := e.at
	tables := map[string]bool{}
	checkTable := func(table, where string) bool {
		if ok, seen := tables[table]; seen {
			return ok
		}
		rows, err := e.db.QueryContext(ctx, sqlgen.TableExists(e.d, table))
		if err == nil {
			rows.Close()
		}
		tables[table] = err == nil
		if err != nil {
			add(where, "table %s: %s", table, oneLine(err.Error()))
		}
		return err == nil
	}
	checkColumn := func(table, column, typ, where string) {
		if !checkTable(table, where) {
			return
		}
		rows, err := e.db.QueryContext(ctx, sqlgen.ColumnProbe(e.d, table, column))
		if err != nil {
			add(where, "column %s.%s: %s", table, column, oneLine(err.Error()))
			return
		}
		defer rows.Close()
		cts, err := rows.ColumnTypes()
		if err != nil || len(cts) != 1 || typ == "" {
			return
		}
		if why := incompatible(typ, cts[0].DatabaseTypeName(), e.f); why != "" {
			add(where, "column %s.%s is %s, %s", table, column, cts[0].DatabaseTypeName(), why)
		}
	}
	if u := e.m.Users; u != nil && e.users != nil {
		where := at("users.table") + ": users.table"
		checkTable(u.Table, where)
		checkColumn(u.Table, u.ID.Column, "", at("users.id")+": users.id")
		if u.LastModified != nil {
			checkColumn(u.Table, u.LastModified.Column, lmType(u.LastModified), at("users.lastModified")+": users.lastModified")
		}
		if u.Created != nil {
			checkColumn(u.Table, u.Created.Column, lmType(u.Created), at("users.created")+": users.created")
		}
		for _, a := range u.Attributes {
			if a.Column != "" {
				typ := a.Type
				if a.Path == "active" {
					typ = "" // any column can hold the mapped true/false values
				}
				checkColumn(u.Table, a.Column, typ, a.Pos+": "+a.Path)
			}
			for _, col := range sortedKeys(a.Write) {
				checkColumn(u.Table, col, "", a.Pos+": "+a.Path)
			}
			if c := a.Format; c != nil {
				for _, p := range c.Parts {
					if p.Column != "" {
						checkColumn(u.Table, p.Column, "", a.Pos+": "+a.Path+".format")
					}
				}
			}
			if rv := a.Related; rv != nil {
				where := a.Pos + ": " + a.Path
				checkColumn(rv.In.Table, rv.In.Owner, "", where)
				// A key/value table keeps every type as text: only a string needs a
				// column that holds one.
				typ := ""
				if a.Type == "string" {
					typ = "string"
				}
				checkColumn(rv.In.Table, rv.Column, typ, where)
				for _, c := range rv.Match {
					checkColumn(rv.In.Table, c.Column, "", where)
				}
			}
		}
	}
	if g := e.m.Groups; g != nil && e.groups != nil {
		checkTable(g.Table, at("groups.table")+": groups.table")
		checkColumn(g.Table, g.ID.Column, "", at("groups.id")+": groups.id")
		if g.LastModified != nil {
			checkColumn(g.Table, g.LastModified.Column, lmType(g.LastModified), at("groups.lastModified")+": groups.lastModified")
		}
		if g.Created != nil {
			checkColumn(g.Table, g.Created.Column, lmType(g.Created), at("groups.created")+": groups.created")
		}
		if g.DisplayName.Column != "" {
			checkColumn(g.Table, g.DisplayName.Column, "string", g.DisplayName.Pos+": groups.displayName")
		}
		if g.Description != nil && g.Description.Column != "" {
			checkColumn(g.Table, g.Description.Column, "string", g.Description.Pos+": groups.description")
		}
		if g.Members != nil {
			checkColumn(g.Members.Table, g.Members.GroupColumn, "", at("groups.members.group")+": groups.members.group")
			checkColumn(g.Members.Table, g.Members.UserColumn, "", at("groups.members.user")+": groups.members.user")
		}
	}
	// Every statement prepares: this catches computed expressions, templates and sources
	// that name what does not exist, in the database's own words.
	if len(out) == 0 {
		for _, st := range statements {
			ps, err := e.db.PrepareContext(ctx, st.SQL)
			if err != nil {
				add(file+": "+st.Op, "the database refuses a statement: %s\n    %s", oneLine(err.Error()), st.SQL)
				continue
			}
			ps.Close()
		}
	}
	if len(out) == 0 {
		out = append(out, e.checkRequired(ctx)...)
		out = append(out, e.checkCollations(ctx)...)
	}
	out = append(out, e.checkPrivileges(ctx, tables)...)
	return out
}

// displayPath shows a path relative to the working directory when it is below it.
func displayPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

// checkPrivileges compares the privileges the auto operations need with those the
// database says the connector's user has, where the dialect can tell.
func (e *Engine) checkPrivileges(ctx context.Context, tables map[string]bool) []Problem {
	pc, ok := e.d.(dialects.PrivilegeChecker)
	if !ok {
		return nil
	}
	need := map[string]map[string]string{} // table -> privilege -> operation needing it
	want := func(table, priv, op string) {
		if need[table] == nil {
			need[table] = map[string]string{}
		}
		if _, ok := need[table][priv]; !ok {
			need[table][priv] = op
		}
	}
	if u := e.m.Users; u != nil {
		for _, name := range append(append([]string(nil), mappings.UserOps...), mappings.OpDeleteUser) {
			op := u.Op(name)
			if op == nil {
				continue
			}
			want(u.Table, dialects.PrivSelect, name)
			if op.Auto && name == mappings.OpCreateUser {
				want(u.Table, dialects.PrivInsert, name)
			}
			if op.Auto && name == mappings.OpUpdateUser || name == mappings.OpDeleteUser && len(op.Set) > 0 {
				want(u.Table, dialects.PrivUpdate, name)
			}
			if op.Auto && name == mappings.OpDeleteUser && len(op.Set) == 0 {
				want(u.Table, dialects.PrivDelete, name)
				if g := e.m.Groups; g != nil && g.Members != nil {
					want(g.Members.Table, dialects.PrivDelete, name)
				}
			}
			// Roles and entitlements are read with every user; writable ones are written
			// by creates and updates (rows inserted and deleted) and deleted with the user.
			for _, r := range []*mappings.UserRefs{u.Roles, u.Entitlements} {
				if r == nil {
					continue
				}
				want(r.Table, dialects.PrivSelect, name)
				if !r.Writable {
					continue
				}
				switch name {
				case mappings.OpCreateUser, mappings.OpUpdateUser:
					want(r.Table, dialects.PrivInsert, name)
					want(r.Table, dialects.PrivDelete, name)
				case mappings.OpDeleteUser:
					if op.Auto && len(op.Set) == 0 {
						want(r.Table, dialects.PrivDelete, name)
					}
				}
			}
			for _, r := range u.Related {
				want(r.Table, dialects.PrivSelect, name)
				switch {
				case op.Auto && name == mappings.OpCreateUser:
					want(r.Table, dialects.PrivInsert, name)
				case op.Auto && name == mappings.OpUpdateUser:
					// A changed value is updated, a new one inserted, a cleared one deleted.
					want(r.Table, dialects.PrivInsert, name)
					want(r.Table, dialects.PrivUpdate, name)
					want(r.Table, dialects.PrivDelete, name)
				case op.Auto && name == mappings.OpDeleteUser && len(op.Set) == 0:
					want(r.Table, dialects.PrivDelete, name)
				}
			}
		}
	}
	if g := e.m.Groups; g != nil {
		for _, name := range mappings.GroupOps {
			op := g.Op(name)
			if op == nil {
				continue
			}
			want(g.Table, dialects.PrivSelect, name)
			if g.Members != nil {
				want(g.Members.Table, dialects.PrivSelect, name)
			}
			if !op.Auto {
				continue
			}
			switch name {
			case mappings.OpCreateGroup:
				want(g.Table, dialects.PrivInsert, name)
				if g.Members != nil {
					want(g.Members.Table, dialects.PrivInsert, name)
				}
			case mappings.OpUpdateGroup:
				want(g.Table, dialects.PrivUpdate, name)
				if g.Members != nil {
					want(g.Members.Table, dialects.PrivInsert, name)
					want(g.Members.Table, dialects.PrivDelete, name)
				}
			case mappings.OpDeleteGroup:
				want(g.Table, dialects.PrivDelete, name)
				if g.Members != nil {
					want(g.Members.Table, dialects.PrivDelete, name)
				}
			}
		}
	}
	var out []Problem
	for _, table := range sortedKeys(need) {
		if exists, checked := tables[table]; checked && !exists {
			continue // already reported missing
		}
		have, err := pc.Privileges(ctx, e.db, table)
		if err != nil {
			out = append(out, Problem{Where: displayPath(e.m.File), What: fmt.Sprintf("cannot read the privileges on %s: %s", table, oneLine(err.Error()))})
			continue
		}
		var missing []string
		for _, priv := range sortedKeys(need[table]) {
			if !have[priv] {
				missing = append(missing, fmt.Sprintf("%s (for %s)", priv, need[table][priv]))
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			out = append(out, Problem{Where: displayPath(e.m.File), What: fmt.Sprintf("the database user lacks %s on %s", strings.Join(missing, ", "), table)})
		}
	}
	return out
}

// incompatible says why a column of database type dbType cannot hold an attribute of
// type typ, or "" when it can. Unknown type names pass: the prepare step and the
// conformance suite are the real judges; this catches the obvious mistakes early.
func incompatible(typ, dbType string, f *dialects.Facts) string {
	t := strings.ToUpper(dbType)
	is := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	text := is("CHAR", "TEXT", "CLOB", "STRING", "JSON")
	switch typ {
	case "integer":
		if text || is("DATE", "TIME", "BOOL", "BIT", "BLOB", "BINARY") {
			return "which cannot hold an integer"
		}
	case "double":
		if text || is("DATE", "TIME", "BOOL", "BLOB", "BINARY") {
			return "which cannot hold a number"
		}
	case "boolean":
		if is("DATE", "TIME", "FLOAT", "DOUBLE", "REAL", "BLOB", "BINARY") {
			return "which cannot hold a boolean"
		}
	case "date", "datetime":
		// SQLite stores times as text, which scimsql writes in a sortable form.
		if is("INT", "BOOL", "BIT", "FLOAT", "DOUBLE", "REAL", "DECIMAL", "NUMERIC", "BLOB", "BINARY") || text && f.TimeFormat == "" {
			return "which cannot hold a " + typ
		}
	case "strings":
		if !text && t != "" {
			return "but an array of strings is stored as text"
		}
	}
	return ""
}

// checkCollations finds the attributes that ignore case (SCIM's default for strings, and
// userName's always) stored in a column whose collation minds it: the agent's lookup
// would miss "Ada" for "ada" and a second account would be created, silently. fold:
// lower, or caseExact: true when case should count, settles it.
func (e *Engine) checkCollations(ctx context.Context) []Problem {
	ci, ok := e.d.(dialects.CollationInspector)
	if !ok {
		return nil
	}
	var out []Problem
	check := func(table string, attrs []*mappings.Attribute) {
		var cs map[string]string
		for _, a := range attrs {
			if a == nil || a.Column == "" || a.Type != "string" || a.CaseExact || a.FoldLower || a.Path == "password" {
				continue
			}
			if cs == nil {
				var err error
				if cs, err = ci.CaseSensitiveColumns(ctx, e.db, table); err != nil {
					out = append(out, Problem{Where: displayPath(e.m.File), What: fmt.Sprintf("cannot read the collations of %s: %s", table, oneLine(err.Error()))})
					return
				}
			}
			if coll, ok := cs[strings.ToLower(a.Column)]; ok {
				out = append(out, Problem{Where: a.Pos + ": " + a.Path, What: fmt.Sprintf(
					"column %s.%s compares case by case (collation %s), but %s ignores case: the agent's lookups would miss a value that differs only in case; add fold: lower, or caseExact: true if case should count",
					table, a.Column, coll, a.Path)})
			}
		}
	}
	if u := e.m.Users; u != nil {
		check(u.Table, u.Attributes)
	}
	if g := e.m.Groups; g != nil {
		check(g.Table, []*mappings.Attribute{g.DisplayName, g.Description})
	}
	return out
}

// checkRequired finds the NOT NULL columns without a default that an auto create does
// not write: the first user or group Okta pushes would fail on them, as the admin's data
// problem. A templated create writes what its SQL writes, so it is not checked.
func (e *Engine) checkRequired(ctx context.Context) []Problem {
	ci, ok := e.d.(dialects.ColumnInspector)
	if !ok {
		return nil
	}
	file := displayPath(e.m.File)
	var out []Problem
	check := func(where, table string, written map[string]bool, fix string) {
		cols, err := ci.RequiredColumns(ctx, e.db, table)
		if err != nil {
			out = append(out, Problem{Where: where, What: fmt.Sprintf("cannot list the columns of %s: %s", table, oneLine(err.Error()))})
			return
		}
		for _, c := range cols {
			if !written[strings.ToLower(c)] {
				out = append(out, Problem{Where: where, What: fmt.Sprintf("column %s.%s is NOT NULL without a default, and a create does not write it: %s", table, c, fix)})
			}
		}
	}
	const fix = "give it a value in %s.set (a constant, now or generate), bind an attribute with a default to it, or give the column a default"
	if u := e.m.Users; u != nil {
		if op := u.Op(mappings.OpCreateUser); op != nil && op.Auto {
			written := map[string]bool{}
			if u.ID.Generate != "database" {
				written[strings.ToLower(u.ID.Column)] = true
			}
			if lm := u.LastModified; lm != nil && lm.Maintain {
				written[strings.ToLower(lm.Column)] = true
			}
			if c := u.Created; c != nil && c.Maintain {
				written[strings.ToLower(c.Column)] = true
			}
			for _, a := range u.Attributes {
				if a.Column != "" && a.Writable() {
					written[strings.ToLower(a.Column)] = true
				}
			}
			for _, c := range e.users.ScopeCols {
				written[strings.ToLower(c)] = true
			}
			for _, sc := range u.Set {
				if sc.OnCreate {
					written[strings.ToLower(sc.Column)] = true
				}
			}
			check(e.at("users.table")+": users.table", u.Table, written, fmt.Sprintf(fix, "users"))
			// A related row is written with its owner, its match, the values bound to it
			// and its set.
			for _, r := range u.Related {
				written := map[string]bool{strings.ToLower(r.Owner): true}
				for _, rp := range e.users.Related {
					if rp.In == r {
						written[strings.ToLower(rp.Attr.Related.Column)] = true
						for _, c := range rp.MatchCols {
							written[strings.ToLower(c)] = true
						}
					}
				}
				for _, sc := range r.Set {
					if sc.OnCreate {
						written[strings.ToLower(sc.Column)] = true
					}
				}
				check(file+": users.related."+r.Name, r.Table, written, fmt.Sprintf(fix, "users.related."+r.Name))
			}
		}
	}
	if g := e.m.Groups; g != nil {
		if op := g.Op(mappings.OpCreateGroup); op != nil && op.Auto {
			written := map[string]bool{}
			if g.ID.Generate != "database" {
				written[strings.ToLower(g.ID.Column)] = true
			}
			if lm := g.LastModified; lm != nil && lm.Maintain {
				written[strings.ToLower(lm.Column)] = true
			}
			if c := g.Created; c != nil && c.Maintain {
				written[strings.ToLower(c.Column)] = true
			}
			for _, a := range []*mappings.Attribute{g.DisplayName, g.Description} {
				if a != nil && a.Column != "" && a.Writable() {
					written[strings.ToLower(a.Column)] = true
				}
			}
			for _, c := range e.groups.ScopeCols {
				written[strings.ToLower(c)] = true
			}
			for _, sc := range g.Set {
				if sc.OnCreate {
					written[strings.ToLower(sc.Column)] = true
				}
			}
			check(e.at("groups.table")+": groups.table", g.Table, written, fmt.Sprintf(fix, "groups"))
			if mem := g.Members; mem != nil {
				written := map[string]bool{strings.ToLower(mem.GroupColumn): true, strings.ToLower(mem.UserColumn): true}
				for _, sc := range mem.Set {
					written[strings.ToLower(sc.Column)] = true
				}
				check(e.at("groups.members.table")+": groups.members.table", mem.Table, written,
					"a membership row is written with the group, the user and groups.members.set; give it a value there (a constant, now or generate), or give the column a default")
			}
		}
	}
	return out
}

// lmType is the attribute type a lastModified column must fit.
func lmType(lm *mappings.LastModified) string {
	if lm.Format == "unix" || lm.Format == "unixms" {
		return "integer"
	}
	return "datetime"
}

// at is where the mapping writes path (users.table): file:line:col, else the file.
func (e *Engine) at(path string) string {
	if p := e.m.At(path); p != e.m.File {
		return p
	}
	return displayPath(e.m.File)
}
