package sqlgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/filter"
	"github.com/scimsql/scimsql/mappings"
)

// target is what a filter attribute path resolves to.
type target struct {
	path      string // as the client wrote it, for error messages
	expr      string // SQL expression
	typ       string // string, boolean, integer, double, date, datetime, strings, id
	caseExact bool
	lower     bool                // compare lower-cased (fold: lower): the column's collation minds case
	attr      *mappings.Attribute // nil for id and meta
	idKey     *mappings.Key       // for typ id
	// timeFormat, for typ datetime, is how the column holds a time (mappings.NowFormats;
	// "" is the database's time type): lastModified may be Unix seconds.
	timeFormat string
}

// Resolver maps a filter path to one or more targets (several for "emails eq x", which
// matches any bound email column).
type Resolver interface {
	resolve(p filter.AttrPath) ([]target, error)
	// multi returns the per-type bindings for a value path like emails[...], or nil.
	multi(p filter.AttrPath) []*mappings.Attribute
	exprOf(a *mappings.Attribute) string
}

func unknownAttr(p filter.AttrPath) error {
	return fmt.Errorf("%w: attribute %q is not mapped, so it cannot be filtered on", ErrInvalidFilter, p.String())
}

var coreUserURNs = []string{mappings.CoreSchema1, mappings.CoreUserSchema2}

func (p *UserPlan) resolve(fp filter.AttrPath) ([]target, error) {
	urn := fp.URN
	attr, sub := fp.Attr, fp.Sub
	if urn != "" && !containsFold(coreUserURNs, urn) {
		// An extension attribute: urn:okta:app:1.0:user:custom:isAdmin.
		name := attr
		if sub != "" {
			name += "." + sub
		}
		rc, ok := p.Exprs[strings.ToLower(urn+":"+name)]
		if !ok {
			return nil, unknownAttr(fp)
		}
		return []target{p.targetOf(fp, rc)}, nil
	}
	la, ls := strings.ToLower(attr), strings.ToLower(sub)
	switch {
	case la == "id" && ls == "":
		return []target{{path: fp.String(), expr: p.IDRead, typ: "id", caseExact: true, idKey: &p.M.ID}}, nil
	case la == "meta" && ls == "created":
		if p.CreatedRead == "" {
			return nil, fmt.Errorf("%w: meta.created is not mapped (users.created)", ErrInvalidFilter)
		}
		return []target{{path: fp.String(), expr: p.CreatedRead, typ: "datetime", timeFormat: p.M.Created.Format}}, nil
	case la == "meta" && ls == "lastmodified":
		if p.LMRead == "" {
			return nil, fmt.Errorf("%w: meta.lastModified is not mapped (users.lastModified), so incremental import is not available", ErrInvalidFilter)
		}
		return []target{{path: fp.String(), expr: p.LMRead, typ: "datetime", timeFormat: p.M.LastModified.Format}}, nil
	case (la == "email" || la == "phonenumber") && ls == "":
		// The agent's singular alias for the primary value of a multi-valued attribute.
		multi := map[string]string{"email": "emails", "phonenumber": "phoneNumbers"}[la]
		a := primaryOf(p.M.Multi(multi))
		if a == nil {
			return nil, unknownAttr(fp)
		}
		return []target{p.targetOf(fp, p.Exprs[strings.ToLower(a.Path)])}, nil
	case la == mappings.Addresses && urn == "" || la == mappings.Addresses && containsFold(coreUserURNs, urn):
		// addresses.locality: any type's locality.
		var ts []target
		for _, t := range p.M.AddressTypes() {
			if a := t.ByPart[ls]; a != nil {
				if rc, ok := p.Exprs[strings.ToLower(a.Path)]; ok {
					ts = append(ts, p.targetOf(fp, rc))
				}
			}
		}
		if len(ts) == 0 {
			return nil, unknownAttr(fp)
		}
		return ts, nil
	case len(p.M.Multi(attr)) > 0:
		if ls != "" && ls != "value" {
			return nil, fmt.Errorf("%w: %s: only the value of %s can be compared; use a value path like %s[type eq \"work\"]", ErrInvalidFilter, fp.String(), attr, attr)
		}
		var ts []target
		for _, a := range p.M.Multi(attr) {
			if rc, ok := p.Exprs[strings.ToLower(a.Path)]; ok {
				ts = append(ts, p.targetOf(fp, rc))
			}
		}
		if len(ts) == 0 {
			return nil, unknownAttr(fp)
		}
		return ts, nil
	}
	name := attr
	if sub != "" {
		name += "." + sub
	}
	if strings.EqualFold(name, "password") {
		return nil, fmt.Errorf("%w: password cannot be filtered on", ErrInvalidFilter)
	}
	rc, ok := p.Exprs[strings.ToLower(name)]
	if !ok && urn == "" && sub == "" {
		// A bare custom attribute name is accepted when exactly one extension binds it.
		var found []ReadCol
		for _, r := range p.Reads {
			if r.Attr.URN != "" && strings.EqualFold(r.Attr.Name, attr) {
				found = append(found, r)
			}
		}
		if len(found) == 1 {
			rc, ok = found[0], true
		}
	}
	if !ok {
		return nil, unknownAttr(fp)
	}
	return []target{p.targetOf(fp, rc)}, nil
}

func (p *UserPlan) targetOf(fp filter.AttrPath, rc ReadCol) target {
	return target{path: fp.String(), expr: rc.Expr, typ: rc.Attr.Type, caseExact: rc.Attr.CaseExact, lower: rc.Attr.FoldLower, attr: rc.Attr}
}

func (p *UserPlan) multi(fp filter.AttrPath) []*mappings.Attribute {
	if fp.URN != "" && !containsFold(coreUserURNs, fp.URN) || fp.Sub != "" {
		return nil
	}
	var out []*mappings.Attribute
	for _, a := range p.M.Multi(fp.Attr) {
		if _, ok := p.Exprs[strings.ToLower(a.Path)]; ok {
			out = append(out, a)
		}
	}
	return out
}

func (p *UserPlan) exprOf(a *mappings.Attribute) string { return p.Exprs[strings.ToLower(a.Path)].Expr }

func primaryOf(as []*mappings.Attribute) *mappings.Attribute {
	for _, a := range as {
		if a.Primary {
			return a
		}
	}
	if len(as) > 0 {
		return as[0]
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (p *GroupPlan) resolve(fp filter.AttrPath) ([]target, error) {
	la, ls := strings.ToLower(fp.Attr), strings.ToLower(fp.Sub)
	urn := fp.URN
	if urn != "" && !containsFold([]string{mappings.CoreSchema1, mappings.CoreGroupSchema2}, urn) {
		if p.Desc != nil && strings.EqualFold(urn, p.Desc.Attr.URN) && la == "description" && ls == "" {
			return []target{{path: fp.String(), expr: p.Desc.Expr, typ: "string"}}, nil
		}
		return nil, unknownAttr(fp)
	}
	switch {
	case la == "id" && ls == "":
		return []target{{path: fp.String(), expr: p.IDRead, typ: "id", caseExact: true, idKey: &p.M.ID}}, nil
	case la == "displayname" && ls == "":
		return []target{{path: fp.String(), expr: p.Name.Expr, typ: "string", caseExact: p.Name.Attr.CaseExact, lower: p.Name.Attr.FoldLower}}, nil
	case la == "meta" && ls == "lastmodified" && p.LMRead != "":
		return []target{{path: fp.String(), expr: p.LMRead, typ: "datetime", timeFormat: p.M.LastModified.Format}}, nil
	case la == "meta" && ls == "created" && p.CreatedRead != "":
		return []target{{path: fp.String(), expr: p.CreatedRead, typ: "datetime", timeFormat: p.M.Created.Format}}, nil
	case la == "members" && (ls == "" || ls == "value") && p.MemTable != "" && p.MemberKey != nil:
		// Is the user a member? (Entra asks members eq "<id>" with the group's id.)
		return []target{{path: fp.String(), typ: "member", idKey: p.MemberKey}}, nil
	}
	return nil, unknownAttr(fp)
}

func (p *GroupPlan) multi(filter.AttrPath) []*mappings.Attribute { return nil }
func (p *GroupPlan) exprOf(*mappings.Attribute) string           { return "" }

// where compiles a filter into SQL appended to b.
type where struct {
	b *Builder
	r Resolver
	// eq renders an attribute's eq template (the inverse of a computed read) for value,
	// with its arguments recorded in b.
	eq func(a *mappings.Attribute, value string) (string, error)
	// scans counts, across the whole filter, the comparisons that no index can serve:
	// co, sw, ew, ne, and anything under not (negated).
	scans   *int
	negated bool
}

// sub is a where for a part of the filter, sharing the statement and the count.
func (w *where) sub(r Resolver) *where {
	return &where{b: w.b, r: r, eq: w.eq, scans: w.scans, negated: w.negated}
}

func (w *where) expr(e filter.Expr) (string, error) {
	switch x := e.(type) {
	case *filter.Logical:
		l, err := w.expr(x.Left)
		if err != nil {
			return "", err
		}
		r, err := w.expr(x.Right)
		if err != nil {
			return "", err
		}
		return "(" + l + " " + strings.ToUpper(x.Op) + " " + r + ")", nil
	case *filter.Not:
		n := w.sub(w.r)
		n.negated = true
		s, err := n.expr(x.X)
		if err != nil {
			return "", err
		}
		return "(NOT " + s + ")", nil
	case *filter.Compare:
		ts, err := w.r.resolve(x.Path)
		if err != nil {
			return "", err
		}
		return w.anyOf(ts, x)
	case *filter.ValuePath:
		return w.valuePath(x)
	}
	return "", fmt.Errorf("%w: unsupported expression", ErrInvalidFilter)
}

func (w *where) anyOf(ts []target, c *filter.Compare) (string, error) {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		s, err := w.compare(t, c)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", nil
}

// valuePath compiles emails[type eq "work" and value co "@x"]: for each bound type the
// sub-filter is evaluated with type, primary known and value bound to that column.
func (w *where) valuePath(vp *filter.ValuePath) (string, error) {
	if gp, ok := w.r.(*GroupPlan); ok && strings.EqualFold(vp.Path.Attr, "members") && vp.Path.Sub == "" {
		// members[value eq "id"]: the value is the member's id.
		return w.sub(memberResolver{gp}).expr(vp.Filter)
	}
	if up, ok := w.r.(*UserPlan); ok && strings.EqualFold(vp.Path.Attr, mappings.Addresses) && vp.Path.Sub == "" &&
		(vp.Path.URN == "" || containsFold(coreUserURNs, vp.Path.URN)) {
		return w.addressPath(up, vp)
	}
	bindings := w.r.multi(vp.Path)
	if len(bindings) == 0 {
		if vp.Path.Sub == "" && vp.Path.URN == "" && strings.EqualFold(vp.Path.Attr, "name") {
			// A complex singular attribute: name[givenName eq "x"] is name.givenName eq "x".
			return w.sub(prefixed{w.r, "name"}).expr(vp.Filter)
		}
		return "", fmt.Errorf("%w: %s is not a mapped multi-valued attribute", ErrInvalidFilter, vp.Path.String())
	}
	primary := primaryOf(bindings)
	var parts []string
	for _, a := range bindings {
		s, err := w.sub(&subResolver{w.r, a, a == primary}).expr(vp.Filter)
		if err != nil {
			return "", err
		}
		// An item of a multi-valued attribute exists only where its column has a value:
		// emails[primary eq true] must not match a user without an e-mail address.
		col := w.r.exprOf(a)
		parts = append(parts, "("+col+" IS NOT NULL AND "+col+" <> '' AND "+s+")")
	}
	return "(" + strings.Join(parts, " OR ") + ")", nil
}

// addressPath compiles addresses[type eq "work" and locality eq "x"]: for each bound type,
// the sub-filter with type and primary known and each part bound to that type's column;
// an address exists where any of its parts has a value.
func (w *where) addressPath(p *UserPlan, vp *filter.ValuePath) (string, error) {
	types := p.M.AddressTypes()
	if len(types) == 0 {
		return "", fmt.Errorf("%w: %s is not a mapped multi-valued attribute", ErrInvalidFilter, vp.Path.String())
	}
	primary := types[0]
	for _, t := range types {
		if t.Primary {
			primary = t
		}
	}
	var parts []string
	for _, t := range types {
		s, err := w.sub(&addressResolver{p, t, t == primary}).expr(vp.Filter)
		if err != nil {
			return "", err
		}
		var exists []string
		for _, a := range t.Parts {
			col := p.exprOf(a)
			exists = append(exists, "("+col+" IS NOT NULL AND "+col+" <> '')")
		}
		parts = append(parts, "(("+strings.Join(exists, " OR ")+") AND "+s+")")
	}
	return "(" + strings.Join(parts, " OR ") + ")", nil
}

// memberResolver resolves value inside members[...]: a member's id.
type memberResolver struct{ p *GroupPlan }

func (r memberResolver) resolve(fp filter.AttrPath) ([]target, error) {
	if fp.URN == "" && fp.Sub == "" && strings.EqualFold(fp.Attr, "value") {
		return r.p.resolve(filter.AttrPath{Attr: "members"})
	}
	return nil, fmt.Errorf("%w: members[...] compares value (a member's id) only, not %s", ErrInvalidFilter, fp.String())
}
func (r memberResolver) multi(filter.AttrPath) []*mappings.Attribute { return nil }
func (r memberResolver) exprOf(*mappings.Attribute) string           { return "" }

// addressResolver resolves type, primary and the parts inside addresses[...] for one type.
type addressResolver struct {
	p       *UserPlan
	t       *mappings.AddressType
	primary bool
}

func (r *addressResolver) resolve(fp filter.AttrPath) ([]target, error) {
	if fp.URN != "" || fp.Sub != "" {
		return nil, unknownAttr(fp)
	}
	switch la := strings.ToLower(fp.Attr); la {
	case "type":
		return []target{{path: fp.Attr, typ: "const", expr: r.t.Type}}, nil
	case "primary":
		return []target{{path: fp.Attr, typ: "constbool", expr: strconv.FormatBool(r.primary)}}, nil
	default:
		a := r.t.ByPart[la]
		if a == nil {
			if !slices.ContainsFunc(mappings.AddressParts, func(p string) bool { return strings.EqualFold(p, fp.Attr) }) {
				return nil, unknownAttr(fp)
			}
			// A part this type does not map: it never has a value here.
			return []target{{path: fp.Attr, typ: "absent"}}, nil
		}
		return []target{r.p.targetOf(fp, r.p.Exprs[strings.ToLower(a.Path)])}, nil
	}
}
func (r *addressResolver) multi(filter.AttrPath) []*mappings.Attribute { return nil }
func (r *addressResolver) exprOf(a *mappings.Attribute) string         { return r.p.exprOf(a) }

// prefixed resolves sub-attribute names inside name[...] against name.<sub>.
type prefixed struct {
	Resolver
	parent string
}

func (p prefixed) resolve(fp filter.AttrPath) ([]target, error) {
	return p.Resolver.resolve(filter.AttrPath{Attr: p.parent, Sub: fp.Attr})
}

// subResolver resolves type/value/primary inside a value path for one binding.
type subResolver struct {
	parent  Resolver
	a       *mappings.Attribute
	primary bool
}

func (s *subResolver) resolve(fp filter.AttrPath) ([]target, error) {
	if fp.URN != "" || fp.Sub != "" {
		return nil, unknownAttr(fp)
	}
	switch strings.ToLower(fp.Attr) {
	case "value":
		return []target{{path: s.a.Path, expr: s.parent.exprOf(s.a), typ: "string", caseExact: s.a.CaseExact, lower: s.a.FoldLower, attr: s.a}}, nil
	case "type":
		return []target{{path: fp.Attr, typ: "const", expr: s.a.Name}}, nil
	case "primary":
		return []target{{path: fp.Attr, typ: "constbool", expr: strconv.FormatBool(s.primary)}}, nil
	}
	return nil, unknownAttr(fp)
}
func (s *subResolver) multi(filter.AttrPath) []*mappings.Attribute { return nil }
func (s *subResolver) exprOf(a *mappings.Attribute) string         { return s.parent.exprOf(a) }

// member compiles members eq "<user id>" (ne: not a member) on a group: an indexed
// look-up of that one membership row, current ones only.
func (w *where) member(t target, c *filter.Compare) (string, error) {
	f := w.b.f
	if c.Op != filter.Eq && c.Op != filter.Ne {
		return "", w.bad(t, c, "only eq and ne apply to members (is the user a member)")
	}
	if c.Value.Kind != filter.String && c.Value.Kind != filter.Number {
		return "", w.bad(t, c, "expected a user id")
	}
	var p *GroupPlan
	switch r := w.r.(type) {
	case *GroupPlan:
		p = r
	case memberResolver:
		p = r.p
	default:
		return "", w.bad(t, c, "members are compared on groups only")
	}
	arg, ok := IDArg(t.idKey, c.Value.Str)
	if !ok {
		// No user can have this id: no group has it as a member.
		if c.Op == filter.Ne {
			return f.TrueLiteral + " = " + f.TrueLiteral, nil
		}
		return f.TrueLiteral + " = " + f.FalseLiteral, nil
	}
	if c.Op == filter.Ne && w.scans != nil {
		*w.scans++
	}
	s := "EXISTS (SELECT 1 FROM " + p.MemTable + " m WHERE m." + p.MemGroup + " = " + p.IDRead + " AND m." + p.MemUser + " = " + w.b.Arg(arg)
	if p.MemCurrent != "" {
		s += " AND " + p.MemCurrent
	}
	s += ")"
	if c.Op == filter.Ne {
		s = "NOT " + s
	}
	return s, nil
}

func (w *where) bad(t target, c *filter.Compare, why string) error {
	return fmt.Errorf("%w: %s %s: %s", ErrInvalidFilter, t.path, c.Op, why)
}

func (w *where) compare(t target, c *filter.Compare) (string, error) {
	b, f := w.b, w.b.f
	op := string(c.Op)
	if t.typ == "member" {
		return w.member(t, c)
	}
	if t.typ == "absent" {
		// No value: only ne holds (and not eq, under not).
		if c.Op == filter.Ne {
			return f.TrueLiteral + " = " + f.TrueLiteral, nil
		}
		return f.TrueLiteral + " = " + f.FalseLiteral, nil
	}
	if t.typ != "const" && t.typ != "constbool" && w.scans != nil {
		switch {
		case w.negated, c.Op == filter.Co, c.Op == filter.Sw, c.Op == filter.Ew, c.Op == filter.Ne:
			*w.scans++
		}
	}
	if c.Op == filter.Pr {
		switch t.typ {
		case "const", "constbool":
			return f.TrueLiteral + " = " + f.TrueLiteral, nil
		case "string":
			return "(" + t.expr + " IS NOT NULL AND " + t.expr + " <> '')", nil
		case "strings":
			// An empty list is stored as '' or '[]' and read back as no value.
			return "(" + t.expr + " IS NOT NULL AND " + t.expr + " <> '' AND " + t.expr + " <> '[]')", nil
		}
		return t.expr + " IS NOT NULL", nil
	}
	if c.Value.Kind == filter.Null {
		switch op {
		case "eq":
			return t.expr + " IS NULL", nil
		case "ne":
			return t.expr + " IS NOT NULL", nil
		}
		return "", w.bad(t, c, "null can only be compared with eq or ne")
	}
	sqlOp := map[string]string{"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[op]
	// ne also matches rows where the attribute has no value, as SCIM expects.
	wrapNe := func(s string) string {
		if op == "ne" {
			return "(" + s + " OR " + t.expr + " IS NULL)"
		}
		return s
	}
	constant := func(ok bool) string {
		if ok {
			return f.TrueLiteral + " = " + f.TrueLiteral
		}
		return f.TrueLiteral + " = " + f.FalseLiteral
	}
	switch t.typ {
	case "const", "constbool":
		var got string
		switch c.Value.Kind {
		case filter.String:
			got = c.Value.Str
		case filter.Bool:
			got = strconv.FormatBool(c.Value.Bool)
		default:
			return "", w.bad(t, c, "expected a string")
		}
		switch op {
		case "eq":
			return constant(strings.EqualFold(got, t.expr)), nil
		case "ne":
			return constant(!strings.EqualFold(got, t.expr)), nil
		}
		return "", w.bad(t, c, "only eq, ne and pr apply here")
	case "string":
		if c.Value.Kind != filter.String {
			return "", w.bad(t, c, "expected a quoted string value")
		}
		v := c.Value.Str
		if op == "co" || op == "sw" || op == "ew" {
			pat := likePattern(f, v, op)
			if t.caseExact {
				return t.expr + " LIKE " + b.Arg(pat) + f.LikeEscape, nil
			}
			fold := foldFor(f, t.lower)
			return fold(t.expr) + " LIKE " + fold(b.Arg(pat)) + f.LikeEscape, nil
		}
		// The mapping's inverse narrows the search to an index; the exact comparison
		// keeps the result right even when the inverse over-matches. The inverse is
		// rendered first because it comes first in the text: with positional
		// placeholders (?, on MySQL and SQLite) arguments must be bound in text order.
		cond := ""
		if op == "eq" && t.attr != nil && (t.attr.Eq != nil || t.attr.Related != nil || t.attr.Format != nil) && w.eq != nil {
			var err error
			if cond, err = w.eq(t.attr, v); err != nil {
				return "", err
			}
		}
		exact := ""
		if t.caseExact {
			exact = wrapNe(t.expr + " " + sqlOp + " " + b.Arg(v))
		} else {
			fold := foldFor(f, t.lower)
			exact = wrapNe(fold(t.expr) + " " + sqlOp + " " + fold(b.Arg(v)))
		}
		if cond != "" {
			return "(" + cond + " AND " + exact + ")", nil
		}
		return exact, nil
	case "id":
		if c.Value.Kind != filter.String && c.Value.Kind != filter.Number {
			return "", w.bad(t, c, "expected an id")
		}
		s := c.Value.Str
		if op == "co" || op == "sw" || op == "ew" {
			switch t.idKey.Type {
			case "integer":
				return "", w.bad(t, c, "ids are numbers here, which "+op+" cannot compare; use eq")
			case "uuid":
				return "", w.bad(t, c, "ids are UUIDs here, which "+op+" cannot compare; use eq")
			}
			return t.expr + " LIKE " + b.Arg(likePattern(f, s, op)) + f.LikeEscape, nil
		}
		v, ok := IDArg(t.idKey, s)
		if !ok {
			if op == "eq" {
				return constant(false), nil // no row can have this id
			}
			if op == "ne" {
				return constant(true), nil
			}
			return "", w.bad(t, c, "not a valid id")
		}
		return t.expr + " " + sqlOp + " " + b.Arg(v), nil
	case "boolean":
		var v bool
		switch c.Value.Kind {
		case filter.Bool:
			v = c.Value.Bool
		case filter.String:
			pb, err := strconv.ParseBool(strings.ToLower(c.Value.Str))
			if err != nil {
				return "", w.bad(t, c, "expected true or false")
			}
			v = pb
		default:
			return "", w.bad(t, c, "expected true or false")
		}
		if op != "eq" && op != "ne" {
			return "", w.bad(t, c, "booleans compare only with eq, ne and pr")
		}
		arg, err := ToColumn(t.attr, v, f)
		if err != nil {
			return "", w.bad(t, c, err.Error())
		}
		if t.attr.Path == "active" && t.attr.Column != "" {
			// Reads treat every value but the true ones as inactive; filters agree.
			var isTrue string
			if len(t.attr.TrueValues) > 1 {
				b2 := &strings.Builder{}
				b2.WriteString(t.expr + " IN (")
				for i, tv := range t.attr.TrueValues {
					if i > 0 {
						b2.WriteString(", ")
					}
					b2.WriteString(b.Arg(tv))
				}
				b2.WriteString(")")
				isTrue = b2.String()
			} else {
				trueArg, _ := ToColumn(t.attr, true, f)
				isTrue = t.expr + " = " + b.Arg(trueArg)
			}
			if v == (op == "eq") {
				return isTrue, nil
			}
			return "(" + t.expr + " IS NULL OR NOT " + isTrue + ")", nil
		}
		return wrapNe(t.expr + " " + sqlOp + " " + b.Arg(arg)), nil
	case "integer", "double":
		if sqlOp == "" {
			return "", w.bad(t, c, "numbers compare with eq, ne, gt, ge, lt, le and pr")
		}
		var raw any = c.Value.Str
		if c.Value.Kind != filter.Number && c.Value.Kind != filter.String {
			return "", w.bad(t, c, "expected a number")
		}
		v, err := Coerce(t.attr, raw)
		if err != nil || v == nil {
			return "", w.bad(t, c, "expected a number")
		}
		return wrapNe(t.expr + " " + sqlOp + " " + b.Arg(v)), nil
	case "date", "datetime":
		if sqlOp == "" {
			return "", w.bad(t, c, "times compare with eq, ne, gt, ge, lt, le and pr")
		}
		if c.Value.Kind != filter.String {
			return "", w.bad(t, c, "expected a quoted timestamp like \"2024-05-01T12:00:00Z\"")
		}
		var arg any
		if t.typ == "date" {
			d, err := ParseDate(c.Value.Str)
			if err != nil {
				return "", w.bad(t, c, "expected a date like \"2024-05-01\"")
			}
			if f.DateFormat != "" {
				arg = d.Format(f.DateFormat)
			} else {
				arg = d
			}
		} else {
			ts, err := ParseTime(c.Value.Str)
			if err != nil {
				return "", w.bad(t, c, "expected a timestamp like \"2024-05-01T12:00:00Z\"")
			}
			arg = TimeStamp(ts, t.timeFormat, f)
		}
		return wrapNe(t.expr + " " + sqlOp + " " + b.Arg(arg)), nil
	case "strings":
		return "", w.bad(t, c, "array attributes can only be tested with pr")
	}
	return "", w.bad(t, c, "unsupported attribute type "+t.typ)
}

// foldFor is how a comparison that ignores case wraps its two sides: the dialect's way,
// or LOWER() for a column whose collation minds case (an attribute's fold: lower).
func foldFor(f *dialects.Facts, lower bool) func(string) string {
	if lower {
		return func(x string) string { return "LOWER(" + x + ")" }
	}
	return f.CaseFold
}

// compileFilter parses text and compiles it against r into b, returning the WHERE body
// ("" for no filter).
func (g *Gen) CompileFilter(b *Builder, r Resolver, text string) (string, error) {
	return compileFilterWith(b, r, text, g.opts.FilterLimits, g.m.Server.Limits.MaxFilterScanTerms, func(a *mappings.Attribute, v string) (string, error) {
		if a.Related != nil {
			return g.Users.Exprs[strings.ToLower(a.Path)].Related.EqInto(b, g.Users.IDRead, v), nil
		}
		if a.Format != nil {
			return compositeEq(b, g.d, UserAlias, a, v), nil
		}
		return g.RenderInto(b, a.Eq, map[string]any{"value": v}, UserAlias)
	})
}

// compileFilterWith parses text within limits and compiles it against r into b. A filter
// with more than maxScans comparisons that no index can serve is refused: each reads
// every row, and a few hundred of them, within the length limit, keep a large table's
// database busy for as long as the statement may run.
func compileFilterWith(b *Builder, r Resolver, text string, limits filter.Limits, maxScans int, eq func(*mappings.Attribute, string) (string, error)) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", nil
	}
	e, err := filter.ParseWithLimits(text, limits)
	if err != nil {
		// The parser's message starts "invalid filter at position N: ..."; keep it whole.
		return "", fmt.Errorf("%w%s", ErrInvalidFilter, strings.TrimPrefix(err.Error(), "invalid filter"))
	}
	scans := 0
	cond, err := (&where{b: b, r: r, eq: eq, scans: &scans}).expr(e)
	if err != nil {
		return "", err
	}
	if scans > maxScans {
		return "", fmt.Errorf("%w: the filter has %d comparisons that no index can serve (co, sw, ew, ne, or under not), each reading every row; server.limits.maxFilterScanTerms allows %d", ErrInvalidFilter, scans, maxScans)
	}
	return cond, nil
}
