package mappings

import (
	"fmt"
	"slices"
	"strings"
)

// Composite is an attribute made of the row's columns and fixed text
// (users.attributes.X.format): "{last_name}{first_name}@mysql-db.org",
// "{first_name|lower}.{last_name|lower}@corp.example". The engine derives both the
// read expression, in each dialect's SQL, and its inverse: the condition on the columns
// themselves that an eq filter (the agent's check-exists) is answered with, so that the
// columns' index finds the row.
type Composite struct {
	Source string
	Parts  []CompositePart
}

// CompositePart is fixed text (Column "") or a column, with what is applied to it.
type CompositePart struct {
	Literal string
	Column  string
	// Lower and Trim read the column lower-cased and without surrounding spaces;
	// Integer says the column is a number (it is compared as one, and read as text).
	Lower, Trim, Integer bool
}

// CompositeFilters are what a placeholder may apply to its column: {col|lower|trim}.
var CompositeFilters = []string{"lower", "trim", "integer"}

// ParseComposite reads a format. Fixed text is printable ASCII other than quotes,
// backslashes and braces: it becomes an SQL string literal, the same in every dialect
// and every server mode.
func ParseComposite(s string) (*Composite, error) {
	c := &Composite{Source: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			c.Parts = append(c.Parts, CompositePart{Literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("the { at offset %d is not closed", i)
			}
			body := s[i+1 : i+end]
			fields := strings.Split(body, "|")
			col := strings.TrimSpace(fields[0])
			if !identRE.MatchString(col) {
				return nil, fmt.Errorf("{%s}: %q is not a column name", body, col)
			}
			p := CompositePart{Column: col}
			for _, f := range fields[1:] {
				switch strings.TrimSpace(f) {
				case "lower":
					p.Lower = true
				case "trim":
					p.Trim = true
				case "integer":
					p.Integer = true
				default:
					return nil, fmt.Errorf("{%s}: unknown %q (%s)", body, strings.TrimSpace(f), strings.Join(CompositeFilters, ", "))
				}
			}
			if p.Integer && (p.Lower || p.Trim) {
				return nil, fmt.Errorf("{%s}: an integer column is neither lower-cased nor trimmed", body)
			}
			flush()
			c.Parts = append(c.Parts, p)
			i += end
		case ch == '}':
			return nil, fmt.Errorf("the } at offset %d closes nothing", i)
		case ch == '\'' || ch == '\\' || ch < 0x20 || ch > 0x7e:
			return nil, fmt.Errorf("fixed text is printable ASCII without quotes or backslashes; offset %d is %q", i, rune(ch))
		default:
			lit.WriteByte(ch)
		}
	}
	flush()
	if !slices.ContainsFunc(c.Parts, func(p CompositePart) bool { return p.Column != "" }) {
		return nil, fmt.Errorf("names no column: write columns as {column}")
	}
	return c, nil
}

// Columns are the columns the format reads, in order.
func (c *Composite) Columns() []string {
	var out []string
	for _, p := range c.Parts {
		if p.Column != "" {
			out = append(out, p.Column)
		}
	}
	return out
}
