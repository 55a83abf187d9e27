package mappings

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// set reads users.set or groups.set: columns that no SCIM attribute carries but the
// application needs written (a NOT NULL column without a default, a creation time, a
// salt). Each is a constant, or {value, now, generate, length, expression, copy, transform, on}.
// copies reports whether the table's rows carry attributes a set column may copy.
func (l *loader) set(n *yaml.Node, path string, copies bool) []*SetColumn {
	if n == nil {
		return nil
	}
	o := l.object(n, path)
	var out []*SetColumn
	for _, col := range o.order {
		p := path + "." + col
		l.ident(o.keys[col], p, col, false)
		vn := o.fields[col]
		sc := &SetColumn{Column: col, OnCreate: true, Pos: l.pos(o.keys[col])}
		if vn.Kind == yaml.ScalarNode {
			if vn.Tag == "!!null" {
				sc.Null = true
			} else {
				sc.Value = scalar(vn, nil)
			}
			out = append(out, sc)
			continue
		}
		vo := l.object(vn, p)
		vo.strict("value", "now", "generate", "length", "expression", "copy", "transform", "on")
		kinds := 0
		if x := vo.get("value"); x != nil {
			kinds++
			if x.Kind != yaml.ScalarNode {
				l.errorf(x, p+".value", "expected a string, number or boolean, found %s", kindName(x))
			} else if x.Tag == "!!null" {
				sc.Null = true
			} else {
				sc.Value = scalar(x, nil)
			}
		}
		if now, nn := vo.str("now", false); nn != nil {
			kinds++
			if !contains(NowFormats, now) {
				l.errorf(nn, p+".now", "%q: want one of %s (the column's own format for the current time)", now, strings.Join(NowFormats, ", "))
			}
			sc.Now = now
		}
		if gen, gn := vo.str("generate", false); gn != nil {
			kinds++
			if gen != "uuid" && gen != "hex" {
				l.errorf(gn, p+".generate", "%q: want uuid or hex", gen)
			}
			sc.Generate = gen
			if gen == "hex" {
				sc.Length = vo.integer("length", 32)
				if sc.Length < 2 || sc.Length > 256 || sc.Length%2 != 0 {
					l.errorf(vo.get("length"), p+".length", "a hex value is an even number of digits from 2 to 256, not %d", sc.Length)
				}
			}
		} else if vo.get("length") != nil && vo.get("copy") == nil {
			l.errorf(vo.get("length"), p+".length", "length goes with generate: hex, or with copy")
		}
		if x, xn := vo.str("expression", false); xn != nil {
			kinds++
			switch {
			case strings.TrimSpace(x) == "":
				l.errorf(xn, p+".expression", "an SQL expression: a function call such as UNIX_TIMESTAMP(), or a subquery")
			case strings.Contains(x, ";"):
				l.errorf(xn, p+".expression", "one expression, without ;")
			}
			sc.SQL = strings.TrimSpace(x)
		}
		if from, cn := vo.str("copy", false); cn != nil {
			kinds++
			if !copies {
				l.errorf(cn, p+".copy", "only in users.set and groups.set, whose rows hold the attributes")
			}
			sc.Copy = from
			if vo.get("length") != nil {
				// The longest copy kept, in characters: what the column holds.
				sc.Length = vo.integer("length", 0)
				if sc.Length < 1 {
					l.errorf(vo.get("length"), p+".length", "a copy keeps at least 1 character, not %d", sc.Length)
				}
			}
			if l.copyNodes == nil {
				l.copyNodes = map[*SetColumn]*yaml.Node{}
			}
			l.copyNodes[sc] = cn
		}
		if tr, tn := vo.str("transform", false); tn != nil {
			if sc.Copy == "" {
				l.errorf(tn, p+".transform", "transform goes with copy")
			} else if !contains(Transforms, tr) {
				l.errorf(tn, p+".transform", "%q: want one of %s", tr, strings.Join(Transforms, ", "))
			}
			sc.Transform = tr
		}
		if kinds != 1 {
			l.errorf(vn, p, "give one of value, now, generate, expression and copy")
		}
		if on, onode := vo.str("on", false); onode != nil {
			switch on {
			case "create":
			case "update":
				sc.OnCreate, sc.OnUpdate = false, true
			case "always":
				sc.OnUpdate = true
			default:
				l.errorf(onode, p+".on", "%q: want create (the default), update or always", on)
			}
		}
		out = append(out, sc)
	}
	return out
}

// Transforms are what a copied value may go through (set: {copy: ATTR, transform: T}):
// lower-cased, trimmed, or made a slug (lower case, each run of characters other than
// a-z and 0-9 one -, none at either end), as WordPress's user_nicename.
var Transforms = []string{"lower", "trim", "slug"}

// checkCopies resolves each copy: to an attribute of attrs (its canonical path).
func (l *loader) checkCopies(set []*SetColumn, path string, resolve func(string) (string, bool)) {
	for _, sc := range set {
		if sc.Copy == "" {
			continue
		}
		if strings.EqualFold(sc.Copy, "password") {
			l.errorf(l.copyNodes[sc], path+"."+sc.Column+".copy", "the password is never copied: it is stored only as the mapping's hash")
			continue
		}
		canon, ok := resolve(sc.Copy)
		if !ok {
			l.errorf(l.copyNodes[sc], path+"."+sc.Column+".copy", "%q is no attribute of the mapping", sc.Copy)
			continue
		}
		sc.Copy = canon
	}
}

// checkSet refuses a set column that an attribute, the key, lastModified or the scope
// also writes: two values for one column.
func (l *loader) checkSet(n *yaml.Node, path string, set []*SetColumn, written map[string]string) {
	for _, sc := range set {
		if by, ok := written[strings.ToLower(sc.Column)]; ok {
			l.errorf(n, path+"."+sc.Column, "column %s is written by %s too; set is for columns no attribute carries", sc.Column, by)
		}
	}
}
