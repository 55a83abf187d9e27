package sqlgen

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
)

// This file is the only place that assembles SQL text. Identifiers come from the mapping
// and are quoted by the dialect; every value from a request goes through Builder.arg and
// reaches the database as a bound parameter.

// Builder accumulates one statement and its arguments.
type Builder struct {
	d   dialects.Dialect
	f   *dialects.Facts
	buf strings.Builder
	// text is the statement so far when it came whole from a textCache; buf is then
	// empty until something is appended.
	text string
	Args []any
}

func NewBuilder(d dialects.Dialect) *Builder { return &Builder{d: d, f: d.Facts()} }

func (b *Builder) W(parts ...string) *Builder {
	if b.text != "" {
		b.buf.WriteString(b.text)
		b.text = ""
	}
	for _, p := range parts {
		b.buf.WriteString(p)
	}
	return b
}

// arg records v and returns its placeholder.
//
// An Expr is written as it is instead: a value the mapping gives as SQL.
func (b *Builder) Arg(v any) string {
	if x, ok := v.(Expr); ok {
		return "(" + string(x) + ")"
	}
	b.Args = append(b.Args, v)
	return b.d.Placeholder(len(b.Args))
}

// Expr is an SQL expression a write stores instead of a bound value: a set column's expression:
// (users.set, groups.set, members.set, related tables' set), from the mapping and never
// from a request, whose values are always bound.
type Expr string

// boundArgs are vals without the Exprs, then extra: the arguments a statement writing
// vals binds, when its text comes from the cache.
func boundArgs(vals []any, extra ...any) []any {
	out := make([]any, 0, len(vals)+len(extra))
	for _, v := range vals {
		if _, ok := v.(Expr); !ok {
			out = append(out, v)
		}
	}
	return append(out, extra...)
}

// BoundColumns are the columns of cols whose vals are bound, in order: what a driver's
// "argument n" names.
func BoundColumns(cols []string, vals []any) []string {
	if !slices.ContainsFunc(vals, func(v any) bool { _, ok := v.(Expr); return ok }) {
		return cols
	}
	var out []string
	for i, c := range cols {
		if _, ok := vals[i].(Expr); !ok {
			out = append(out, c)
		}
	}
	return out
}

func (b *Builder) String() string {
	if b.text != "" {
		return b.text
	}
	return b.buf.String()
}

// page appends ORDER BY and the dialect's paging clause.
func (b *Builder) Page(orderBy string, limit, offset int) {
	b.W(" ORDER BY ", orderBy)
	if limit < 0 {
		return
	}
	switch b.f.Paging {
	case dialects.OffsetFetch:
		b.W(" OFFSET ", strconv.Itoa(offset), " ROWS FETCH NEXT ", strconv.Itoa(limit), " ROWS ONLY")
	default:
		b.W(" LIMIT ", strconv.Itoa(limit))
		if offset > 0 {
			b.W(" OFFSET ", strconv.Itoa(offset))
		}
	}
}

// in appends "expr IN (?, ?, ...)" for vals.
func (b *Builder) In(expr string, vals []any) {
	b.W(expr, " IN (")
	for i, v := range vals {
		if i > 0 {
			b.W(", ")
		}
		b.W(b.Arg(v))
	}
	b.W(")")
}

// likePattern escapes the dialect's LIKE wildcards in v with '!' and wraps it for co/sw/ew.
func likePattern(f *dialects.Facts, v, op string) string {
	var sb strings.Builder
	for _, r := range v {
		if strings.ContainsRune(f.LikeSpecial, r) {
			sb.WriteByte('!')
		}
		sb.WriteRune(r)
	}
	s := sb.String()
	switch op {
	case "co":
		return "%" + s + "%"
	case "sw":
		return s + "%"
	case "ew":
		return "%" + s
	}
	return s
}

// renderExpr renders a mapping's read template into an SQL expression, with col "x"
// quoting column x of the row alias.
func renderExpr(d dialects.Dialect, t *mappings.Template, alias string) (string, error) {
	var out bytes.Buffer
	tt, err := t.Tmpl.Clone()
	if err != nil {
		return "", err
	}
	tt.Funcs(template.FuncMap{
		"col": func(name string) (string, error) {
			if !IdentOK(name) {
				return "", fmt.Errorf("col %q: not a column name", name)
			}
			if alias == "" {
				return d.Quote(name), nil
			}
			return alias + "." + d.Quote(name), nil
		},
		"bind": func(any) (string, error) {
			return "", fmt.Errorf("bind is not available in a read expression: it has no request values")
		},
	})
	if err := tt.Execute(&out, nil); err != nil {
		return "", fmt.Errorf("%s: %w", t.Source, err)
	}
	s := strings.TrimSpace(out.String())
	if s == "" {
		return "", fmt.Errorf("%s: the read expression renders empty", t.Source)
	}
	return "(" + s + ")", nil
}

func IdentOK(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '$'):
		default:
			return false
		}
	}
	return true
}
