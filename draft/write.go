package draft

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// YAML is the draft as a commented mapping.yaml.
func (dr *Draft) YAML() string {
	var w writer
	u, g := dr.Users, dr.Groups
	w.line(0, "# Drafted by scimsql init from the %s database: each binding below says why it was", dr.opts.Driver)
	w.line(0, "# chosen and what else it could have been. Read it, change what is wrong, then check it:")
	w.line(0, "#   scimsql validate -mapping THIS_FILE")
	for _, n := range dr.notes {
		w.comment(0, "Note: "+n)
	}
	w.line(0, "version: 1")
	w.line(0, "")
	w.line(0, "app:")
	w.comment(2, "Custom attributes travel under urn:okta:<name>:1.0:user:custom; the name must match the Okta app's.")
	w.line(2, "name: %s", dr.appName())
	w.line(0, "")
	w.line(0, "database:")
	w.line(2, "driver: %s", dr.opts.Driver)
	w.comment(2, "SCIMSQL_DSN when set (put the password there, never in this file), else the DSN init read.")
	w.line(2, "dsn: %s", strconv.Quote("${SCIMSQL_DSN:-"+dr.opts.DSN+"}"))
	w.line(0, "")
	w.line(0, "server:")
	w.line(2, "listen: 127.0.0.1:8080")
	w.comment(2, "Plain HTTP on loopback while you try it; for the agent give tls: {cert: ..., key: ...} or run serve -self-signed HOST.")
	w.line(2, "plainHTTP: true")
	w.line(2, "auth:")
	w.line(4, "type: basic")
	w.line(4, "username: okta")
	w.comment(4, "Set SCIMSQL_PASSWORD; without it the password is okta, and scimsql says so when it starts.")
	w.line(4, "password: {env: SCIMSQL_PASSWORD, default: okta}")
	w.line(0, "")
	w.line(0, "users:")
	w.comment(2, u.Why+".")
	w.line(2, "table: %s", u.Table.Name)
	if u.Scope != nil || u.Deleted != nil || len(u.Exclude) > 0 {
		var cols []string
		for _, sc := range []*ScopeGuess{u.Scope, u.Deleted} {
			if sc != nil {
				w.comment(2, "Scope: "+sc.Why+".")
				cols = append(cols, sc.Column+": "+yamlValue(sc.Value))
			}
		}
		w.line(2, "scope:")
		if len(cols) > 0 {
			w.line(4, "columns: {%s}", strings.Join(cols, ", "))
		}
		if len(u.Exclude) > 0 {
			login := u.Attrs[0].Column
			w.comment(4, "Built-in accounts no person owns ("+strings.Join(u.Exclude, ", ")+") are no users to import.")
			var conds []string
			for _, x := range u.Exclude {
				conds = append(conds, `{{col "`+login+`"}} <> '`+strings.ReplaceAll(x, "'", "''")+`'`)
			}
			w.line(4, "where: %s", yamlValue(strings.Join(conds, " AND ")))
		}
	}
	idWhy := fmt.Sprintf("The primary key, %s (%s).", u.ID.Name, u.ID.Type)
	switch {
	case u.IDGenerate == "database" && (u.ID.Generated || u.ID.HasDefault):
		idWhy += " The database makes new ids (identity, sequence, AUTO_INCREMENT or a default)."
	case u.IDGenerate == "uuid":
		idWhy += " The database makes none, so scimsql generates a UUID for each new user."
	}
	w.comment(2, idWhy)
	gen := ""
	if u.IDGenerate != "database" {
		gen = ", generate: " + u.IDGenerate
	}
	w.line(2, "id: {column: %s, type: %s%s}", u.ID.Name, u.IDType, gen)
	if lm := u.LastModified; lm != nil {
		w.comment(2, "meta.lastModified: "+lm.Why+". scimsql stamps it on every write.")
		w.line(2, "lastModified: %s", timeValue(lm))
	} else {
		w.comment(2, "No last-change column: no incremental import (OPP_SCIM_INCREMENTAL_IMPORTS); add lastModified: COLUMN when there is one.")
	}
	if c := u.Created; c != nil {
		w.comment(2, "meta.created: "+c.Why+". scimsql stamps it on create.")
		w.line(2, "created: %s", timeValue(c))
	}
	if len(u.Set) > 0 {
		w.comment(2, "Columns a create must fill that no attribute carries (NOT NULL, no default): give the values the application writes.")
		w.line(2, "set:")
		w.set(4, u.Set)
	}
	uses := func(in string) bool { return slices.ContainsFunc(u.Attrs, func(a Attr) bool { return a.In == in }) }
	if r, m := u.Related, u.Mail; r != nil && uses("kv") || m != nil && uses("mail") {
		w.line(2, "related:")
		if r != nil && uses("kv") {
			w.comment(4, r.Why+". A page reads them in its one query; a push writes only the keys that changed.")
			w.line(4, "kv: {table: %s, owner: %s}", r.Table.Name, r.Owner)
		}
		if m != nil && uses("mail") {
			w.comment(4, m.Why+".")
			w.line(4, "mail:")
			w.line(6, "table: %s", m.Table.Name)
			w.line(6, "owner: %s", m.Owner)
			if len(m.Set) > 0 {
				w.line(6, "set:")
				w.set(8, m.Set)
			}
		}
	}
	w.line(2, "attributes:")
	for _, a := range u.Attrs {
		if a.Custom {
			continue
		}
		w.comment(4, a.Why+".")
		w.line(4, "%s: %s", a.Path, binding(a, a.Path != "userName"))
	}
	if a := u.Active; a != nil {
		w.comment(4, "active: "+a.Why+". Writable, so deactivation, reactivation and pending users work.")
		w.line(4, "active: {column: %s, true: %s, false: %s}", a.Column, yamlValues(a.True), yamlValues(a.False))
	} else if u.ActiveAlt != "" {
		w.comment(4, "No active state: "+u.ActiveAlt+". Until then users read as active and cannot be deactivated.")
	} else {
		w.comment(4, "No state column (active, enabled, status, or an inverted blocked/suspended flag): users read as active and cannot be deactivated.")
	}
	if p := u.Password; p != nil {
		w.comment(4, "password: "+p.Why+". Never returned; a push with the stored password writes nothing.")
		w.line(4, "password: {column: %s, hash: %s}", p.Column, p.Scheme)
	} else {
		w.comment(4, "No password column: PUSH_PASSWORD_UPDATES stays off.")
	}
	custom := false
	for _, a := range u.Attrs {
		if !a.Custom {
			continue
		}
		if !custom {
			w.comment(2, "The table's other columns could be custom attributes of the app's schema, which Okta reads and "+
				"writes: uncomment those it should carry (with the lines above them), and no others; an internal column "+
				"Okta may overwrite is a column the application no longer controls.")
			w.line(2, "# custom:")
			custom = true
		}
		w.line(2, "#   %s: %s   # %s", customName(a.Path), binding(a, true), a.Why)
	}
	for _, un := range u.Unmapped {
		w.comment(2, "Not mapped: "+un+".")
	}
	w.comment(2, "Every operation generated from the bindings: import, create, profile and password push, deactivation.")
	w.line(2, "operations: auto")
	if g == nil {
		w.line(0, "")
		w.comment(0, "No groups: "+strings.Join(dr.notes, "; "))
		return w.String()
	}
	w.line(0, "")
	w.line(0, "groups:")
	w.comment(2, g.Why+": "+g.MembersWhy+".")
	w.line(2, "table: %s", g.Table.Name)
	if sc := g.Scope; sc != nil {
		w.comment(2, "Scope: "+sc.Why+".")
		w.line(2, "scope:")
		w.line(4, "columns: {%s: %s}", sc.Column, yamlValue(sc.Value))
	}
	gen = ""
	if g.IDGenerate != "database" {
		gen = ", generate: " + g.IDGenerate
	}
	w.line(2, "id: {column: %s, type: %s%s}", g.ID.Name, g.IDType, gen)
	if lm := g.LastModified; lm != nil {
		w.comment(2, "meta.lastModified of groups: "+lm.Why+".")
		w.line(2, "lastModified: %s", timeValue(lm))
	}
	if len(g.Set) > 0 {
		w.comment(2, "Columns a new group must fill that no attribute carries: give the values the application writes.")
		w.line(2, "set:")
		w.set(4, g.Set)
	}
	if g.NameFold {
		w.comment(2, "displayName: the column's collation minds case, and Okta's group lookups do not: compared lower-cased.")
		w.line(2, "displayName: {column: %s, fold: lower}", g.Name)
	} else {
		w.line(2, "displayName: %s", g.Name)
	}
	if g.Description != "" {
		w.line(2, "description: %s", g.Description)
	}
	if len(g.MemberSet) == 0 && g.MemberWhere == "" {
		w.line(2, "members: {table: %s, group: %s, user: %s}", g.Members.Name, g.MemberGroup, g.MemberUser)
	} else {
		if g.MemberWhere != "" {
			w.comment(2, "Members: "+g.MemberWhereWhy+".")
		}
		w.line(2, "members:")
		w.line(4, "table: %s", g.Members.Name)
		w.line(4, "group: %s", g.MemberGroup)
		w.line(4, "user: %s", g.MemberUser)
		if g.MemberWhere != "" {
			w.line(4, "where: %s", yamlValue(g.MemberWhere))
		}
		if len(g.MemberSet) > 0 {
			w.line(4, "set:")
			w.set(6, g.MemberSet)
		}
	}
	if g.ReadOnly != "" {
		w.comment(2, "Import only: "+g.ReadOnly+".")
		w.line(2, "operations:")
		w.line(4, "getGroups: auto")
		w.line(4, "getGroup: auto")
		return w.String()
	}
	w.comment(2, "Group push and import, generated from the bindings.")
	w.line(2, "operations: auto")
	return w.String()
}

// binding is an attribute's value in the mapping: a column, or an object with what else
// it needs. A NOT NULL text column stores no value as ” (emptyAs), unless it is the
// userName, which always has one.
func binding(a Attr, empty bool) string {
	if a.Format != "" {
		if a.Primary {
			return "{format: " + strconv.Quote(a.Format) + ", primary: true}"
		}
		return "{format: " + strconv.Quote(a.Format) + "}"
	}
	var parts []string
	if a.MatchColumn != "" {
		parts = append(parts, "in: "+a.In, "column: "+a.Column, "match: {"+a.MatchColumn+": "+a.MatchValue+"}")
	} else {
		parts = append(parts, "column: "+a.Column)
	}
	if a.Type != "string" {
		parts = append(parts, "type: "+a.Type)
	}
	if a.Primary {
		parts = append(parts, "primary: true")
	}
	if a.Fold {
		parts = append(parts, "fold: lower")
	}
	if a.NotNull && empty {
		parts = append(parts, `emptyAs: ""`)
	}
	if len(parts) == 1 && a.MatchColumn == "" {
		return a.Column
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (dr *Draft) appName() string {
	if dr.opts.App != "" {
		return dr.opts.App
	}
	return "app"
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]`)

// customName is a column's name as a custom attribute: letters, digits and _.
func customName(col string) string { return nonIdent.ReplaceAllString(col, "_") }

func timeValue(t *TimeGuess) string {
	if t.Format == "timestamp" {
		return t.Column
	}
	return fmt.Sprintf("{column: %s, format: %s}", t.Column, t.Format)
}

func yamlValues(vs []any) string {
	if len(vs) == 1 {
		return yamlValue(vs[0])
	}
	var parts []string
	for _, v := range vs {
		parts = append(parts, yamlValue(v))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func yamlValue(v any) string {
	if s, ok := v.(string); ok {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return fmt.Sprint(v)
}

type writer struct{ sb strings.Builder }

// set writes a set: block's columns, each with the reason for its value.
func (w *writer) set(indent int, cols []SetGuess) {
	for _, s := range cols {
		w.line(indent, "%s: %s   # %s", s.Column, s.Value, s.Why)
	}
}

func (w *writer) line(indent int, format string, args ...any) {
	if format == "" {
		w.sb.WriteByte('\n')
		return
	}
	w.sb.WriteString(strings.Repeat(" ", indent))
	fmt.Fprintf(&w.sb, format, args...)
	w.sb.WriteByte('\n')
}

// comment writes text as # lines of at most about 100 characters.
func (w *writer) comment(indent int, text string) {
	if first, _, _ := strings.Cut(text, " "); text != "" && !strings.ContainsAny(first, ".:") {
		text = strings.ToUpper(text[:1]) + text[1:] // not "meta.created:", a name
	}
	words := strings.Fields(text)
	line := ""
	for _, word := range words {
		if line != "" && indent+2+len(line)+1+len(word) > 100 {
			w.sb.WriteString(strings.Repeat(" ", indent) + "# " + line + "\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		w.sb.WriteString(strings.Repeat(" ", indent) + "# " + line + "\n")
	}
}

func (w *writer) String() string { return w.sb.String() }
