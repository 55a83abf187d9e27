package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

// The sample database: what scimsql explain's recording connection answers when no
// database does. It holds one user and one group (id SampleID(k, 0)), the users
// SampleID(k, 1) to SampleID(k, 3), and the group's stored members 1 and 3; no other
// user or group has the names a request carries. The operations run against it
// unchanged; it only recognises the statements the plans build, by their text (which
// the same builders make), and answers anything else by its result columns' names.

// SampleAnswer is the sample database's reply to one statement.
type SampleAnswer struct {
	Columns      []string
	Rows         [][]any
	RowsAffected int64
	LastInsertID int64
}

// SampleNow is the clock an explained operation runs on, so timestamps can be shown as
// <now>.
var SampleNow = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// SampleID is the n-th sample key of type k: 0 is the resource a request names.
func SampleID(k *mappings.Key, n int) (string, any) {
	switch k.Type {
	case "integer":
		v := int64(42)
		if n > 0 {
			v = int64(100 + n)
		}
		return fmt.Sprint(v), v
	case "uuid":
		s := fmt.Sprintf("2f1c5f60-3c2e-4f3e-9a55-%012d", n)
		return s, s
	}
	s := fmt.Sprintf("sample-id-%d", n)
	return s, s
}

// SampleValue is an engine value of attribute a's type: as a request carries it, or as
// the sample database holds it (stored), which differs, so that a write changes it.
func SampleValue(a *mappings.Attribute, stored bool) any {
	pre := "sample-"
	if stored {
		pre = "stored-"
	}
	switch {
	case a.Path == "userName":
		return strings.TrimSuffix(pre, "-") + ".user@example.com"
	case a.Path == "active":
		return true
	}
	switch a.Type {
	case "boolean":
		return !stored
	case "integer":
		if stored {
			return int64(3)
		}
		return int64(7)
	case "double":
		if stored {
			return 2.5
		}
		return 1.5
	case "date":
		if stored {
			return "1970-01-01"
		}
		return "1972-05-12"
	case "datetime":
		if stored {
			return "2019-01-01T00:00:00Z"
		}
		return "2020-04-07T14:19:34Z"
	case "strings":
		if stored {
			return []string{"x"}
		}
		return []string{"a", "b"}
	}
	// Short enough for the narrow text columns of real schemas (VARCHAR(14) names).
	v := pre + a.Name
	if len(v) > 12 {
		v = v[:12]
	}
	return v
}

// sampleStoredHash is the stored password hash: bcrypt of "stored-password" at cost 4,
// so that a request's password differs from it.
const sampleStoredHash = "$2a$04$YaLi80oFvW9DtDPTutOwFO5Y/ymEXMt4k2Xjzog9bqyZrcMc9SZ5G"

type sampler struct {
	e      *Engine
	exact  map[string]func(q string, args []any) SampleAnswer
	prefix []samplePrefix
	suffix []samplePrefix
}

type samplePrefix struct {
	text string
	f    func(q string, args []any) SampleAnswer
}

func rows(cols []string, rs ...[]any) SampleAnswer { return SampleAnswer{Columns: cols, Rows: rs} }

func colNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("c%d", i)
	}
	return out
}

// before cuts s before the first occurrence of sep.
func before(s, sep string) string {
	if i := strings.Index(s, sep); i >= 0 {
		return s[:i+len(sep)]
	}
	return s
}

// Sampler returns the sample database's answers for this engine's statements.
func (e *Engine) Sampler() func(query string, args []any) SampleAnswer {
	s := &sampler{e: e, exact: map[string]func(string, []any) SampleAnswer{}}
	none := func(n int) func(string, []any) SampleAnswer {
		return func(string, []any) SampleAnswer { return rows(colNames(n)) }
	}
	echo := func(skip int) func(string, []any) SampleAnswer {
		return func(q string, args []any) SampleAnswer {
			a := rows(colNames(1))
			for _, v := range args[skip:] {
				a.Rows = append(a.Rows, []any{v})
			}
			return a
		}
	}
	if p := e.users; p != nil {
		_, uid := SampleID(&p.M.ID, 0)
		if rc, ok := p.Exprs["username"]; ok {
			for _, except := range []any{nil, uid} {
				s.exact[e.gen.Taken(p.Source, p.IDRead, rc.Expr, rc.Attr, "", except).String()] = none(1)
			}
		}
		user := func(string, []any) SampleAnswer { return rows(colNames(p.NCols), s.userRow(0)) }
		s.prefix = append(s.prefix, samplePrefix{sqlgen.SelectPrefix(p.SelectList), func(q string, _ []any) SampleAnswer {
			a := rows(colNames(p.NCols))
			for i := range sqlgen.PageRows(q) {
				a.Rows = append(a.Rows, s.userRow(i))
			}
			return a
		}})
		if p.Returning != "" {
			s.suffix = append(s.suffix, samplePrefix{sqlgen.ReturningSuffix(p.Returning), user})
		}
		extra := e.lockExtra()
		s.exact[e.gen.Lock(p.Table, p.IDCol, p.ScopeBare, uid).String()] = func(string, []any) SampleAnswer { return rows(colNames(1), []any{uid}) }
		if len(extra) > 0 {
			s.exact[e.gen.Lock(p.Table, p.IDCol, p.ScopeBare, uid, extra...).String()] = func(string, []any) SampleAnswer {
				return rows(colNames(1+len(extra)), []any{uid, sampleStoredHash, "5a5a5a5a"}[:1+len(extra)])
			}
		}
		for _, rp := range p.Related {
			// The sample user has a row in each related table, holding the stored value.
			s.exact[e.gen.RelatedState(rp, uid).String()] = func(string, []any) SampleAnswer {
				return rows(colNames(2), []any{int64(1), s.stored(rp.Attr)})
			}
		}
		s.prefix = append(s.prefix, samplePrefix{before(e.gen.UsersIn([]any{uid}).String(), " IN ("), echo(0)})
		for _, rp := range e.refs {
			rp := rp
			s.prefix = append(s.prefix, samplePrefix{before(e.gen.RefsOf(rp, []any{uid}).String(), " IN ("), func(q string, args []any) SampleAnswer {
				n := 2
				if rp.Display != "" {
					n = 3
				}
				a := rows(colNames(n))
				for _, u := range args {
					row := []any{u, "sample-" + rp.Kind}
					if n == 3 {
						row = append(row, "Sample "+rp.Kind)
					}
					a.Rows = append(a.Rows, row)
				}
				return a
			}})
			if rp.Writable {
				// The stored user holds one value, which a request carrying another
				// replaces; every value asked about is a row of the resource type.
				s.exact[e.gen.RefValues(rp, uid).String()] = func(string, []any) SampleAnswer {
					return rows(colNames(1), []any{"sample-" + rp.Kind})
				}
				if rp.Resource != nil {
					s.prefix = append(s.prefix, samplePrefix{before(e.gen.ResourcesIn(rp.Resource, []any{uid}).String(), " IN ("), echo(0)})
				}
			}
		}
	}
	if p := e.groups; p != nil {
		_, gid := SampleID(&p.M.ID, 0)
		for _, except := range []any{nil, gid} {
			s.exact[e.gen.Taken(p.Source, p.IDRead, p.Name.Expr, p.Name.Attr, "", except).String()] = none(1)
		}
		s.prefix = append(s.prefix, samplePrefix{sqlgen.SelectPrefix(p.SelectList), func(q string, _ []any) SampleAnswer {
			var a SampleAnswer
			for i := range sqlgen.PageRows(q) {
				row := []any{rowID(&p.M.ID, i), "Stored Group"}
				if i > 0 {
					row[1] = fmt.Sprintf("Stored Group %d", i+1)
				}
				if p.Desc != nil {
					row = append(row, "stored description")
				}
				if p.LMRead != "" {
					row = append(row, sqlgen.TimeStamp(SampleNow.Add(-time.Hour), p.M.LastModified.Format, e.f))
				}
				if p.CreatedRead != "" {
					row = append(row, sqlgen.TimeStamp(SampleNow.Add(-48*time.Hour), p.M.Created.Format, e.f))
				}
				a.Columns = colNames(len(row))
				a.Rows = append(a.Rows, row)
			}
			return a
		}})
		lock, n := e.gen.LockGroup(gid)
		s.exact[lock.String()] = func(string, []any) SampleAnswer {
			if n == 2 {
				return rows(colNames(2), []any{gid, "Stored Group"})
			}
			return rows(colNames(1), []any{gid})
		}
		if p.MemTable != "" {
			members := s.storedMembers()
			mb, display := e.gen.MembersOf([]any{gid})
			s.prefix = append(s.prefix, samplePrefix{before(mb.String(), " IN ("), func(q string, args []any) SampleAnswer {
				n := 2
				if display {
					n = 3
				}
				a := rows(colNames(n))
				for _, g := range args {
					for i, m := range members {
						row := []any{g, m}
						if display {
							row = append(row, fmt.Sprintf("member%d@example.com", i+1))
						}
						a.Rows = append(a.Rows, row)
					}
				}
				return a
			}})
			s.exact[e.gen.CurrentMembers(gid).String()] = func(string, []any) SampleAnswer {
				a := rows(colNames(1))
				for _, m := range members {
					a.Rows = append(a.Rows, []any{m})
				}
				return a
			}
			s.prefix = append(s.prefix, samplePrefix{before(e.gen.MembersAmong(gid, []any{gid}).String(), " IN ("), echo(1)})
		}
	}
	for _, rp := range e.resources {
		rp := rp
		s.prefix = append(s.prefix, samplePrefix{sqlgen.SelectPrefix(rp.SelectList), func(string, []any) SampleAnswer {
			_, id := SampleID(&rp.R.ID, 0)
			row := []any{id}
			for _, a := range rp.R.Order {
				row = append(row, "sample-"+a)
			}
			return rows(colNames(len(row)), row)
		}})
	}
	s.prefix = append(s.prefix, samplePrefix{sqlgen.CountPrefix, func(string, []any) SampleAnswer {
		return rows(colNames(1), []any{int64(1)})
	}})
	return s.answer
}

// storedMembers are the user keys of the sample group's stored members.
func (s *sampler) storedMembers() []any {
	if s.e.users == nil {
		return nil
	}
	_, a := SampleID(&s.e.users.M.ID, 1)
	_, b := SampleID(&s.e.users.M.ID, 3)
	return []any{a, b}
}

// rowID is the key of the i-th row of a sample page: the sample resource first, then
// others that no request names.
func rowID(k *mappings.Key, i int) any {
	n := 0
	if i > 0 {
		n = 10 + i
	}
	_, id := SampleID(k, n)
	return id
}

// userRow is the i-th sample user as the users' select list reads it.
func (s *sampler) userRow(i int) []any {
	e, p := s.e, s.e.users
	row := make([]any, p.NCols)
	row[0] = rowID(&p.M.ID, i)
	if p.LMRead != "" {
		row[1] = sqlgen.TimeStamp(SampleNow.Add(-time.Hour), p.M.LastModified.Format, e.f)
	}
	if p.CreatedRead != "" {
		row[p.CreatedCol] = sqlgen.TimeStamp(SampleNow.Add(-48*time.Hour), p.M.Created.Format, e.f)
	}
	for _, rc := range p.Reads {
		if rc.Col < 0 || row[rc.Col] != nil {
			continue
		}
		row[rc.Col] = s.stored(rc.Attr)
	}
	return row
}

// stored is attribute a's sample value as its column holds it.
func (s *sampler) stored(a *mappings.Attribute) any {
	v, err := sqlgen.ToColumn(a, SampleValue(a, true), s.e.f)
	if err != nil {
		return nil
	}
	if t, ok := v.(time.Time); ok {
		return t
	}
	return v
}

func (s *sampler) answer(query string, args []any) SampleAnswer {
	if f, ok := s.exact[query]; ok {
		return f(query, args)
	}
	for _, p := range s.prefix {
		if strings.HasPrefix(query, p.text) {
			return p.f(query, args)
		}
	}
	for _, p := range s.suffix {
		if strings.HasSuffix(query, p.text) {
			return p.f(query, args)
		}
	}
	return s.byNames(query)
}

// byNames answers a statement the plans did not build (a template): one row, each
// column's value chosen by its name, or a write of one row.
func (s *sampler) byNames(query string) SampleAnswer {
	e := s.e
	kind := s.tableOf(query)
	var key *mappings.Key
	switch {
	case kind == "users":
		key = &e.m.Users.ID
	case kind == "groups":
		key = &e.m.Groups.ID
	}
	items := sqlgen.ResultColumns(query)
	if len(items) == 1 && (items[0] == "*" || strings.HasSuffix(items[0], ".*")) {
		items = s.columnsOf(kind)
	}
	if len(items) == 0 {
		a := SampleAnswer{RowsAffected: 1}
		if key != nil && key.Type == "integer" {
			_, id := SampleID(key, 0)
			a.LastInsertID = id.(int64)
		}
		return a
	}
	row := make([]any, len(items))
	for i, name := range items {
		row[i] = s.byName(name, key)
	}
	return rows(items, row)
}

func (s *sampler) byName(name string, key *mappings.Key) any {
	e := s.e
	lname := strings.ToLower(name)
	if key != nil && (lname == strings.ToLower(key.Column) || lname == "id") {
		_, id := SampleID(key, 0)
		return id
	}
	if u := e.m.Users; u != nil {
		if strings.EqualFold(name, u.ID.Column) {
			_, id := SampleID(&u.ID, 0)
			return id
		}
		if u.LastModified != nil && strings.EqualFold(name, u.LastModified.Column) {
			return sqlgen.TimeStamp(SampleNow.Add(-time.Hour), u.LastModified.Format, e.f)
		}
		for _, a := range u.Attributes {
			if a.Column != "" && strings.EqualFold(a.Column, name) && a.Path != "password" {
				return s.stored(a)
			}
		}
	}
	if g := e.m.Groups; g != nil {
		if strings.EqualFold(name, g.ID.Column) {
			_, id := SampleID(&g.ID, 0)
			return id
		}
		if strings.EqualFold(name, g.DisplayName.Column) {
			return "Stored Group"
		}
	}
	return "sample-" + name
}

// columnsOf lists the columns of the users' or groups' table the mapping names, for a
// template that selects *.
func (s *sampler) columnsOf(kind string) []string {
	var out []string
	switch m := s.e.m; {
	case kind == "users" && m.Users != nil:
		out = append(out, m.Users.ID.Column)
		if m.Users.LastModified != nil {
			out = append(out, m.Users.LastModified.Column)
		}
		for _, a := range m.Users.Attributes {
			if a.Column != "" && a.Path != "password" && !slices.Contains(out, a.Column) {
				out = append(out, a.Column)
			}
		}
	case kind == "groups" && m.Groups != nil:
		out = append(out, m.Groups.ID.Column, m.Groups.DisplayName.Column)
		if d := m.Groups.Description; d != nil && d.Column != "" {
			out = append(out, d.Column)
		}
	}
	return out
}

// tableOf says whether a statement reads or writes the users' or the groups' table,
// whichever it names first.
func (s *sampler) tableOf(query string) string {
	first, kind := len(query)+1, ""
	try := func(k, table string) {
		for _, t := range []string{s.e.d.Quote(table), table} {
			if i := strings.Index(query, t); i >= 0 && i < first {
				first, kind = i, k
			}
		}
	}
	if s.e.m.Users != nil {
		try("users", s.e.m.Users.Table)
	}
	if s.e.m.Groups != nil {
		try("groups", s.e.m.Groups.Table)
	}
	return kind
}
