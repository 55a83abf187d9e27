package mappings

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// object is a YAML mapping node whose keys are checked against the set a caller reads.
type object struct {
	l      *loader
	node   *yaml.Node
	path   string
	fields map[string]*yaml.Node
	keys   map[string]*yaml.Node
	order  []string
}

func (l *loader) object(n *yaml.Node, path string) *object {
	n = deref(n)
	o := &object{l: l, node: n, path: path, fields: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if n == nil {
		return o
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, path, "expected a mapping of keys to values, found %s", kindName(n))
		return o
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := o.fields[k.Value]; dup {
			l.errorf(k, join(path, k.Value), "key given twice")
			continue
		}
		o.fields[k.Value] = deref(v)
		o.keys[k.Value] = k
		o.order = append(o.order, k.Value)
	}
	return o
}

// deref is the node an alias (*name) stands for: a value reused with a YAML anchor
// reads as if it were written out.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// strict reports every key not in allowed.
func (o *object) strict(allowed ...string) {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, k := range o.order {
		if !ok[k] {
			o.l.errorf(o.keys[k], join(o.path, k), "unknown key (allowed: %s)", strings.Join(allowed, ", "))
		}
	}
}

func (o *object) get(key string) *yaml.Node { return o.fields[key] }

func (o *object) str(key string, required bool) (string, *yaml.Node) {
	n := o.fields[key]
	if n == nil {
		if required {
			o.l.errorf(o.node, join(o.path, key), "required")
		}
		return "", nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		o.l.errorf(n, join(o.path, key), "expected a string, found %s", kindName(n))
		return "", n
	}
	return n.Value, n
}

func (o *object) boolean(key string) bool {
	n := o.fields[key]
	if n == nil {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		o.l.errorf(n, join(o.path, key), "expected true or false, found %q", n.Value)
	}
	return b
}

func (o *object) integer(key string, def int) int {
	n := o.fields[key]
	if n == nil {
		return def
	}
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 {
		o.l.errorf(n, join(o.path, key), "expected a non-negative integer, found %q", n.Value)
		return def
	}
	return v
}

func (o *object) duration(key string, def time.Duration) time.Duration {
	n := o.fields[key]
	if n == nil {
		return def
	}
	d, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || d < 0 {
		o.l.errorf(n, join(o.path, key), "expected a duration like 30s or 5m, found %q", n.Value)
		return def
	}
	return d
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

var (
	identRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)
	appNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

// ident checks a table or column name. Names come only from the mapping, and only
// plain identifiers (optionally schema-qualified for tables) are accepted, so quoting
// them is always safe on every dialect.
func (l *loader) ident(n *yaml.Node, path, v string, qualified bool) string {
	l.at(path, n)
	parts := []string{v}
	if qualified {
		parts = strings.Split(v, ".")
	}
	for _, p := range parts {
		if !identRE.MatchString(p) || len(p) > 128 {
			what := "column"
			if qualified {
				what = "table"
			}
			l.errorf(n, path, "%q is not a valid %s name (letters, digits, _ and $, starting with a letter or _)", v, what)
			return v
		}
	}
	return v
}

// strings reads a string or a list of strings; parent positions the error when a
// required value is missing.
func (l *loader) strings(parent, n *yaml.Node, path string, required bool) []*yaml.Node {
	if n == nil {
		if required {
			l.errorf(parent, path, "required")
		}
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, path, "expected a string or a list of strings, found %s", kindName(n))
		return nil
	}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			l.errorf(c, path, "expected a string, found %s", kindName(c))
			return nil
		}
	}
	return n.Content
}
