package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimsql/scimsql/mappings"
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
		_, uid := SampleID(&p.m.ID, 0)
		if rc, ok := p.exprs["username"]; ok {
			for _, except := range []any{nil, uid} {
				s.exact[e.sqlTaken(p.source, p.idRead, rc.expr, rc.attr.CaseExact, "", except).String()] = none(1)
			}
		}
		user := func(string, []any) SampleAnswer { return rows(colNames(p.ncols), s.userRow(0)) }
		s.prefix = append(s.prefix, samplePrefix{"SELECT " + p.selectList + " FROM ", func(q string, _ []any) SampleAnswer {
			a := rows(colNames(p.ncols))
			for i := range pageRows(q) {
				a.Rows = append(a.Rows, s.userRow(i))
			}
			return a
		}})
		if p.returning != "" {
			s.suffix = append(s.suffix, samplePrefix{" RETURNING " + p.returning, user})
		}
		var extra []string
		if pw := p.m.Attr("password"); pw != nil && pw.Column != "" {
			extra = append(extra, e.d.Quote(pw.Column))
		}
		s.exact[e.sqlLock(p.table, p.idCol, uid).String()] = func(string, []any) SampleAnswer { return rows(colNames(1), []any{uid}) }
		if len(extra) > 0 {
			s.exact[e.sqlLock(p.table, p.idCol, uid, extra...).String()] = func(string, []any) SampleAnswer {
				return rows(colNames(2), []any{uid, sampleStoredHash})
			}
		}
		s.prefix = append(s.prefix, samplePrefix{before(e.sqlUsersIn([]any{uid}).String(), " IN ("), echo(0)})
		for _, rp := range e.refs {
			rp := rp
			s.prefix = append(s.prefix, samplePrefix{before(e.sqlRefs(rp, []any{uid}).String(), " IN ("), func(q string, args []any) SampleAnswer {
				n := 2
				if rp.display != "" {
					n = 3
				}
				a := rows(colNames(n))
				for _, u := range args {
					row := []any{u, "sample-" + rp.kind}
					if n == 3 {
						row = append(row, "Sample "+rp.kind)
					}
					a.Rows = append(a.Rows, row)
				}
				return a
			}})
		}
	}
	if p := e.groups; p != nil {
		_, gid := SampleID(&p.m.ID, 0)
		for _, except := range []any{nil, gid} {
			s.exact[e.sqlTaken(p.source, p.idRead, p.name.expr, p.name.attr.CaseExact, "", except).String()] = none(1)
		}
		s.prefix = append(s.prefix, samplePrefix{"SELECT " + p.selectList + " FROM ", func(q string, _ []any) SampleAnswer {
			var a SampleAnswer
			for i := range pageRows(q) {
				row := []any{rowID(&p.m.ID, i), "Stored Group"}
				if i > 0 {
					row[1] = fmt.Sprintf("Stored Group %d", i+1)
				}
				if p.desc != nil {
					row = append(row, "stored description")
				}
				if p.lmRead != "" {
					row = append(row, timeArg(SampleNow.Add(-time.Hour), e.f))
				}
				a.Columns = colNames(len(row))
				a.Rows = append(a.Rows, row)
			}
			return a
		}})
		lock, n := e.sqlLockGroup(gid)
		s.exact[lock.String()] = func(string, []any) SampleAnswer {
			if n == 2 {
				return rows(colNames(2), []any{gid, "Stored Group"})
			}
			return rows(colNames(1), []any{gid})
		}
		if p.memTable != "" {
			members := s.storedMembers()
			mb, display := e.sqlMembersOf([]any{gid})
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
			s.exact[e.sqlCurrentMembers(gid).String()] = func(string, []any) SampleAnswer {
				a := rows(colNames(1))
				for _, m := range members {
					a.Rows = append(a.Rows, []any{m})
				}
				return a
			}
			s.prefix = append(s.prefix, samplePrefix{before(e.sqlMembersAmong(gid, []any{gid}).String(), " IN ("), echo(1)})
		}
	}
	for _, rp := range e.resources {
		rp := rp
		s.prefix = append(s.prefix, samplePrefix{"SELECT " + rp.selectList + " FROM ", func(string, []any) SampleAnswer {
			_, id := SampleID(&rp.r.ID, 0)
			row := []any{id}
			for _, a := range rp.r.Order {
				row = append(row, "sample-"+a)
			}
			return rows(colNames(len(row)), row)
		}})
	}
	s.prefix = append(s.prefix, samplePrefix{"SELECT COUNT(*) FROM ", func(string, []any) SampleAnswer {
		return rows(colNames(1), []any{int64(1)})
	}})
	return s.answer
}

// storedMembers are the user keys of the sample group's stored members.
func (s *sampler) storedMembers() []any {
	if s.e.users == nil {
		return nil
	}
	_, a := SampleID(&s.e.users.m.ID, 1)
	_, b := SampleID(&s.e.users.m.ID, 3)
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

// pageRows is the number of rows the sample database returns for a list statement: its
// page size (LIMIT n, FETCH NEXT n ROWS), at most 2, and 1 for a read by key.
func pageRows(q string) int {
	for _, kw := range []string{" LIMIT ", " FETCH NEXT "} {
		if i := strings.LastIndex(q, kw); i >= 0 {
			rest := q[i+len(kw):]
			j := 0
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return min(max(n, 0), 2)
			}
		}
	}
	return 1
}

// userRow is the i-th sample user as the users' select list reads it.
func (s *sampler) userRow(i int) []any {
	e, p := s.e, s.e.users
	row := make([]any, p.ncols)
	row[0] = rowID(&p.m.ID, i)
	if p.lmRead != "" {
		row[1] = timeArg(SampleNow.Add(-time.Hour), e.f)
	}
	for _, rc := range p.reads {
		if rc.col < 0 || row[rc.col] != nil {
			continue
		}
		row[rc.col] = s.stored(rc.attr)
	}
	return row
}

// stored is attribute a's sample value as its column holds it.
func (s *sampler) stored(a *mappings.Attribute) any {
	v, err := toColumn(a, SampleValue(a, true), s.e.f)
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
	items := ResultColumns(query)
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
			return timeArg(SampleNow.Add(-time.Hour), e.f)
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

// ResultColumns returns the names of the columns a statement returns: the items of its
// first top-level SELECT list, or of its RETURNING or OUTPUT clause, each named by its
// alias or, failing that, the last identifier in it; nil for a statement that returns
// no rows.
func ResultColumns(query string) []string {
	toks := topLevel(query)
	start, end := -1, len(query)
	for i, t := range toks {
		w := strings.ToUpper(t.text)
		if start < 0 && (w == "SELECT" || w == "RETURNING") {
			start = t.end
			if w == "SELECT" && i+1 < len(toks) && strings.EqualFold(toks[i+1].text, "DISTINCT") {
				start = toks[i+1].end
			}
			continue
		}
		if start < 0 && w == "OUTPUT" {
			start = t.end
			continue
		}
		if start >= 0 && (w == "FROM" || w == "INTO" || w == "VALUES" || w == "WHERE" || w == ";") {
			end = t.start
			break
		}
	}
	if start < 0 {
		return nil
	}
	var out []string
	for _, item := range splitTop(query[start:end]) {
		out = append(out, itemName(item))
	}
	return out
}

type token struct {
	text       string
	start, end int
}

// topLevel returns the words and semicolons of s outside parentheses, quotes and
// brackets.
func topLevel(s string) []token {
	var out []token
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			j := i + 1
			for j < len(s) && s[j] != closer {
				j++
			}
			i = j + 1
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			i++
		case c == ';' && depth == 0:
			out = append(out, token{";", i, i + 1})
			i++
		case isWordByte(c):
			j := i
			for j < len(s) && (isWordByte(s[j]) || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if depth == 0 {
				out = append(out, token{s[i:j], i, j})
			}
			i = j
		default:
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// splitTop splits a select list at its top-level commas.
func splitTop(s string) []string {
	var out []string
	depth, last := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '[':
			quote = ']'
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[last:i]))
			last = i + 1
		}
	}
	if t := strings.TrimSpace(s[last:]); t != "" {
		out = append(out, t)
	}
	return out
}

// itemName is the name of one select item: its alias, or its last identifier, unquoted.
func itemName(item string) string {
	s := strings.TrimSpace(item)
	name := ""
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c == '"' || c == '`' || c == ']' {
			open := c
			if c == ']' {
				open = '['
			}
			j := strings.LastIndexByte(s[:i], open)
			if j < 0 {
				break
			}
			name = s[j+1 : i]
			break
		}
		if isWordByte(c) || c >= '0' && c <= '9' {
			j := i
			for j > 0 && (isWordByte(s[j-1]) || s[j-1] >= '0' && s[j-1] <= '9') {
				j--
			}
			name = s[j : i+1]
			break
		}
		if c == ')' || c == '*' {
			break
		}
	}
	if name == "" {
		return s
	}
	return name
}
