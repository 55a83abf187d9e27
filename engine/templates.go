package engine

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

// render executes a mapping template into SQL text and arguments. Request values enter
// the statement only through bind, which records the value and emits the dialect's
// placeholder; col quotes a column name; hash bcrypts a password.
func (e *Engine) render(t *mappings.Template, data any) (string, []any, error) {
	b := newSQL(e.d)
	text, err := e.renderInto(b, t, data, "")
	return text, b.args, err
}

// renderInto renders t as SQL whose arguments join b's, so the text can be embedded in
// the statement b is building. col qualifies columns with alias when one is given.
func (e *Engine) renderInto(b *sqlb, t *mappings.Template, data any, alias string) (string, error) {
	return e.execTemplate(t, data, b, alias, false)
}

// renderValue renders a write template: its output is a value that is bound, never SQL,
// so nothing a request sends can become SQL text. An empty result is NULL.
func (e *Engine) renderValue(t *mappings.Template, data any) (any, error) {
	text, err := e.execTemplate(t, data, nil, "", true)
	if err != nil || text == "" {
		return nil, err
	}
	return text, nil
}

// tmplRun is a clone of a mapping template with scimsql's functions bound to this run's
// state. Cloning and registering functions cost more than executing a small template,
// so clones are pooled per template and reused; only the state changes per render.
type tmplRun struct {
	t     *template.Template
	b     *sqlb  // the statement being built (SQL templates)
	alias string // qualifies col
	value bool   // a write template: its output is a value, so bind and col are refused
	out   bytes.Buffer
}

func (e *Engine) newRun(t *mappings.Template) (*tmplRun, error) {
	r := &tmplRun{}
	tt, err := t.Tmpl.Clone()
	if err != nil {
		return nil, err
	}
	refuse := func(name string) error {
		return fmt.Errorf("%s is not available in a write template: its output is already a bound value", name)
	}
	tt.Funcs(template.FuncMap{
		"bind": func(v any) (string, error) {
			if r.value {
				return "", refuse("bind")
			}
			return r.b.arg(v), nil
		},
		"col": func(name string) (string, error) {
			if r.value {
				return "", refuse("col")
			}
			if !identOK(name) {
				return "", fmt.Errorf("col %q: not a column name", name)
			}
			if r.alias != "" {
				return r.alias + "." + e.d.Quote(name), nil
			}
			return e.d.Quote(name), nil
		},
		"sqlNull": func() (string, error) {
			if r.value {
				return "", refuse("sqlNull")
			}
			return r.b.arg(nil), nil
		},
		"hash": func(pw string) (string, error) {
			h, err := bcrypt.GenerateFromPassword([]byte(pw), e.opts.BcryptCost)
			return string(h), err
		},
		"splits": splits,
	})
	r.t = tt
	return r, nil
}

func (e *Engine) execTemplate(t *mappings.Template, data any, b *sqlb, alias string, value bool) (string, error) {
	pool, _ := e.tmplPools.LoadOrStore(t, &sync.Pool{})
	var r *tmplRun
	if x := pool.(*sync.Pool).Get(); x != nil {
		r = x.(*tmplRun)
	} else {
		var err error
		if r, err = e.newRun(t); err != nil {
			return "", err
		}
	}
	r.b, r.alias, r.value = b, alias, value
	r.out.Reset()
	err := r.t.Execute(&r.out, data)
	text := strings.TrimSpace(r.out.String())
	r.b = nil
	pool.(*sync.Pool).Put(r)
	if err != nil {
		return "", fmt.Errorf("%w: template %s: %v", ErrInvalidValue, t.Source, templateMsg(err))
	}
	return text, nil
}

// splits returns every way to cut s in two non-empty parts, as [head, tail] pairs: the
// candidates an eq template needs to invert a concatenation of two columns.
func splits(s string) [][]string {
	var out [][]string
	for i := range s {
		if i > 0 {
			out = append(out, []string{s[:i], s[i:]})
		}
	}
	return out
}

// templateMsg keeps the part of a text/template error after its location prefix.
func templateMsg(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.HasPrefix(s, "template:") {
		return s[i+2:]
	}
	return s
}

// runStatements runs a templated operation's statements in order on tx. Each statement
// sees .result, the first row of the last statement that returned rows (column names in
// lower case). It returns that row.
func (e *Engine) runStatements(ctx context.Context, tx querier, op *mappings.Operation, data map[string]any) (map[string]any, error) {
	var result map[string]any
	data["result"] = result
	for _, st := range op.Statements {
		text, args, err := e.render(st, data)
		if err != nil {
			return nil, err
		}
		if text == "" {
			continue // a statement may render empty to opt out (e.g. no members to add)
		}
		row, err := queryFirstRow(ctx, tx, text, args)
		if err != nil {
			return nil, fmt.Errorf("%s (template %s): %w", op.Name, st.Source, err)
		}
		if row != nil {
			result = row
			data["result"] = result
		}
	}
	return result, nil
}

// queryFirstRow runs a statement that may or may not return rows, and returns the first
// row as a map of lower-case column names, or nil.
func queryFirstRow(ctx context.Context, q querier, text string, args []any) (map[string]any, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || len(cols) == 0 {
		return nil, rows.Err()
	}
	var row map[string]any
	if rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row = make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			row[strings.ToLower(c)] = vals[i]
		}
	}
	for rows.Next() {
	}
	return row, rows.Err()
}
