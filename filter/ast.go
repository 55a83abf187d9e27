package filter

// AttrPath names an attribute: an optional schema URN, the attribute and an
// optional sub-attribute. Names are kept exactly as written in the input.
type AttrPath struct {
	URN  string // "" or e.g. "urn:ietf:params:scim:schemas:core:2.0:User"
	Attr string // e.g. "userName", "name", "emails", "meta"
	Sub  string // e.g. "givenName" for name.givenName; "" if none
}

// String returns the canonical text of p: [URN ":"] Attr ["." Sub].
func (p AttrPath) String() string {
	s := p.Attr
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	if p.Sub != "" {
		s += "." + p.Sub
	}
	return s
}

// Op is a comparison operator. Parsed operators are always lower case.
type Op string

// The comparison operators of RFC 7644 §3.4.2.2.
const (
	Eq Op = "eq" // equal
	Ne Op = "ne" // not equal
	Co Op = "co" // contains
	Sw Op = "sw" // starts with
	Ew Op = "ew" // ends with
	Gt Op = "gt" // greater than
	Ge Op = "ge" // greater than or equal
	Lt Op = "lt" // less than
	Le Op = "le" // less than or equal
	Pr Op = "pr" // present (has a value); takes no operand
)

// ops maps the lower-case spelling of every operator to its constant.
var ops = map[string]Op{
	"eq": Eq, "ne": Ne, "co": Co, "sw": Sw, "ew": Ew,
	"gt": Gt, "ge": Ge, "lt": Lt, "le": Le, "pr": Pr,
}

// ValueKind says which JSON type a comparison value has.
type ValueKind int

// The kinds of comparison value.
const (
	String ValueKind = iota // a JSON string
	Number                  // a JSON number
	Bool                    // true or false
	Null                    // null
)

// String returns the kind's name, for diagnostics.
func (k ValueKind) String() string {
	switch k {
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "bool"
	case Null:
		return "null"
	}
	return "ValueKind(?)"
}

// Value is the right-hand side of a comparison.
type Value struct {
	Kind ValueKind
	// Str holds the unescaped text of a String, or the literal text of a
	// Number exactly as written (e.g. "12", "-1.5e3"). Numbers stay text so
	// that the caller decides how to convert them and nothing is rounded.
	Str  string
	Bool bool // the value of a Bool
}

// Expr is a node of a filter AST: *Compare, *Logical, *Not or *ValuePath.
//
// Every node's String method returns the same canonical text as [Format].
type Expr interface {
	isExpr()
	String() string
}

// Compare is an attribute comparison such as `userName eq "bjensen"` or
// `title pr`. Value is the zero Value when Op is Pr.
type Compare struct {
	Path  AttrPath
	Op    Op
	Value Value
}

// Logical joins two filters with "and" or "or" (always lower case).
type Logical struct {
	Op          string
	Left, Right Expr
}

// Not negates a filter: not (X).
type Not struct {
	X Expr
}

// ValuePath filters the elements of a multi-valued attribute, e.g.
// emails[type eq "work" and value co "@example.com"]. Paths inside Filter
// are relative to Path: the comparison above has Path.Attr "type".
type ValuePath struct {
	Path   AttrPath
	Filter Expr
}

func (*Compare) isExpr()   {}
func (*Logical) isExpr()   {}
func (*Not) isExpr()       {}
func (*ValuePath) isExpr() {}

func (e *Compare) String() string   { return Format(e) }
func (e *Logical) String() string   { return Format(e) }
func (e *Not) String() string       { return Format(e) }
func (e *ValuePath) String() string { return Format(e) }

// Path is a parsed SCIM PATCH path (RFC 7644 §3.5.2):
// attrPath / valuePath ["." subAttr].
type Path struct {
	Attr   AttrPath
	Filter Expr   // the value filter between brackets; nil if there is none
	Sub    string // sub-attribute after "]", e.g. "value" in emails[type eq "work"].value; only set with Filter
}

// String returns the canonical text of p, which [ParsePath] parses back to
// an equal Path.
func (p Path) String() string {
	s := p.Attr.String()
	if p.Filter != nil {
		s += "[" + Format(p.Filter) + "]"
		if p.Sub != "" {
			s += "." + p.Sub
		}
	}
	return s
}

// isNil reports whether e is nil or a typed nil pointer, which can only
// come from hand-built trees; the traversals skip such nodes instead of
// panicking.
func isNil(e Expr) bool {
	switch e := e.(type) {
	case nil:
		return true
	case *Compare:
		return e == nil
	case *Logical:
		return e == nil
	case *Not:
		return e == nil
	case *ValuePath:
		return e == nil
	}
	return false
}

// Walk calls fn for every node of e in pre-order (a node before its
// children, Left before Right). If fn returns false, Walk does not descend
// into that node's children but carries on with the rest of the tree.
//
// Walk uses an explicit stack rather than recursion, so arbitrarily long
// and/or chains cannot exhaust the goroutine stack.
func Walk(e Expr, fn func(Expr) bool) {
	stack := []Expr{e}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if isNil(n) || !fn(n) {
			continue
		}
		switch n := n.(type) {
		case *Logical:
			stack = append(stack, n.Right, n.Left) // Left is popped first
		case *Not:
			stack = append(stack, n.X)
		case *ValuePath:
			stack = append(stack, n.Filter)
		}
	}
}
