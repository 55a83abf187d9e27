package sqlgen

import (
	"bytes"
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
func (g *Gen) Render(t *mappings.Template, data any) (string, []any, error) {
	b := NewBuilder(g.d)
	text, err := g.RenderInto(b, t, data, "")
	return text, b.Args, err
}

// renderInto renders t as SQL whose arguments join b's, so the text can be embedded in
// the statement b is building. col qualifies columns with alias when one is given.
func (g *Gen) RenderInto(b *Builder, t *mappings.Template, data any, alias string) (string, error) {
	return g.execTemplate(t, data, b, alias, false)
}

// renderValue renders a write template: its output is a value that is bound, never SQL,
// so nothing a request sends can become SQL text. An empty result is NULL.
func (g *Gen) RenderValue(t *mappings.Template, data any) (any, error) {
	text, err := g.execTemplate(t, data, nil, "", true)
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
	b     *Builder // the statement being built (SQL templates)
	alias string   // qualifies col
	value bool     // a write template: its output is a value, so bind and col are refused
	out   bytes.Buffer
}

func (g *Gen) newRun(t *mappings.Template) (*tmplRun, error) {
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
			return r.b.Arg(v), nil
		},
		"col": func(name string) (string, error) {
			if r.value {
				return "", refuse("col")
			}
			if !IdentOK(name) {
				return "", fmt.Errorf("col %q: not a column name", name)
			}
			if r.alias != "" {
				return r.alias + "." + g.d.Quote(name), nil
			}
			return g.d.Quote(name), nil
		},
		"sqlNull": func() (string, error) {
			if r.value {
				return "", refuse("sqlNull")
			}
			return r.b.Arg(nil), nil
		},
		"hash": func(pw string) (string, error) {
			h, err := bcrypt.GenerateFromPassword([]byte(pw), g.opts.BcryptCost)
			return string(h), err
		},
		"splits": splits,
	})
	r.t = tt
	return r, nil
}

func (g *Gen) execTemplate(t *mappings.Template, data any, b *Builder, alias string, value bool) (string, error) {
	pool, _ := g.tmplPools.LoadOrStore(t, &sync.Pool{})
	var r *tmplRun
	if x := pool.(*sync.Pool).Get(); x != nil {
		r = x.(*tmplRun)
	} else {
		var err error
		if r, err = g.newRun(t); err != nil {
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
		msg := templateMsg(err)
		if strings.Contains(err.Error(), "error calling fail:") {
			// The template refused the request's value on purpose (sprig's fail).
			return "", fmt.Errorf("%w: %s (template %s)", ErrInvalidValue, strings.TrimPrefix(msg, "error calling fail: "), t.Source)
		}
		// Anything else is the mapping's fault, not the request's: a key no request has,
		// a function given the wrong type. The admin fixes it at the template's position.
		return "", fmt.Errorf("%w: the mapping's template at %s cannot run: %s; fix it there (scimsql validate renders every template with a sample request)", ErrDatabase, t.Source, msg)
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
