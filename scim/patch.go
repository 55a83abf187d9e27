package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/filter"
)

// PatchOp is one operation of a SCIM PatchOp request.
type PatchOp struct {
	Op    string // add, replace, remove (lower case)
	Path  string
	Value any
}

// PatchError is a PATCH the server cannot apply, with the RFC 7644 scimType that says
// why (invalidPath, noTarget, mutability, invalidValue, invalidSyntax).
type PatchError struct {
	ScimType string
	Msg      string
}

func (e *PatchError) Error() string { return "invalid value: " + e.Msg }

// Unwrap makes a PatchError an engine.ErrInvalidValue, a 400.
func (e *PatchError) Unwrap() error { return engine.ErrInvalidValue }

func patchErr(scimType, format string, args ...any) error {
	return &PatchError{ScimType: scimType, Msg: fmt.Sprintf(format, args...)}
}

// DecodePatch reads a PatchOp body.
func DecodePatch(doc map[string]any) ([]PatchOp, error) {
	schemas, _ := lookupFold(doc, "schemas")
	ok := false
	for _, s := range asList(schemas) {
		if str, _ := s.(string); strings.EqualFold(str, PatchOp2) {
			ok = true
		}
	}
	if !ok {
		return nil, patchErr("invalidSyntax", "schemas must contain %s", PatchOp2)
	}
	raw, _ := lookupFold(doc, "Operations")
	list, isList := raw.([]any)
	if !isList || len(list) == 0 {
		return nil, patchErr("invalidSyntax", "Operations must be a non-empty array")
	}
	var ops []PatchOp
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, patchErr("invalidSyntax", "Operations[%d] must be an object", i)
		}
		opv, _ := lookupFold(m, "op")
		op, _ := opv.(string)
		op = strings.ToLower(op)
		if op != "add" && op != "replace" && op != "remove" {
			return nil, patchErr("invalidSyntax", "Operations[%d].op must be add, replace or remove, not %q", i, opv)
		}
		pv, _ := lookupFold(m, "path")
		path, _ := pv.(string)
		value, hasValue := lookupFold(m, "value")
		if op != "remove" && !hasValue {
			return nil, patchErr("invalidSyntax", "Operations[%d]: %s needs a value", i, op)
		}
		if op == "remove" && path == "" {
			return nil, patchErr("noTarget", "Operations[%d]: remove needs a path", i)
		}
		ops = append(ops, PatchOp{Op: op, Path: path, Value: value})
	}
	return ops, nil
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// ToMap turns an encoded resource into the generic form PATCH works on.
func ToMap(o *Object) map[string]any {
	b, _ := json.Marshal(o)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var m map[string]any
	_ = dec.Decode(&m)
	return m
}

var readOnly = map[string]bool{"id": true, "meta": true, "schemas": true, "groups": true}

// ReadOnlyUserPatch refuses, with RFC 7644's mutability, an operation on a user attribute
// that this mapping serves read-only: roles and entitlements read from join tables.
// Without it the operation would change the document, which the decoder then ignores:
// a 200 that stored nothing.
func (c *Codec) ReadOnlyUserPatch(ops []PatchOp) error {
	um := c.M.Users
	ro := map[string]bool{}
	if um.Roles != nil && !um.Roles.Writable {
		ro["roles"] = true
	}
	if um.Entitlements != nil && !um.Entitlements.Writable {
		ro["entitlements"] = true
	}
	if len(ro) == 0 {
		return nil
	}
	for i, op := range ops {
		var names []string
		if op.Path == "" {
			if obj, ok := op.Value.(map[string]any); ok {
				names = sortedKeys(obj)
			}
		} else if p, err := filter.ParsePath(op.Path); err == nil && (p.Attr.URN == "" || strings.EqualFold(p.Attr.URN, User2)) {
			names = []string{p.Attr.Attr}
		}
		for _, n := range names {
			if ro[strings.ToLower(n)] {
				return patchErr("mutability", "Operations[%d] (%s %s): %s are read-only in this mapping (users.%s is read from a join table)", i, op.Op, op.Path, n, strings.ToLower(n))
			}
		}
	}
	return nil
}

// ApplyPatch applies ops to doc in order, as RFC 7644 §3.5.2 describes. coreURN is the
// resource's core schema, whose attributes may be written with or without it.
func ApplyPatch(doc map[string]any, ops []PatchOp, coreURN string) error {
	for i, op := range ops {
		if err := applyOne(doc, op, coreURN); err != nil {
			var pe *PatchError
			if errors.As(err, &pe) {
				pe.Msg = fmt.Sprintf("Operations[%d] (%s %s): %s", i, op.Op, op.Path, pe.Msg)
			}
			return err
		}
	}
	return nil
}

func applyOne(doc map[string]any, op PatchOp, coreURN string) error {
	if op.Path == "" {
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return patchErr("invalidValue", "without a path the value must be an object of attributes")
		}
		for _, k := range sortedKeys(obj) {
			// Clients also write paths as keys: "name.givenName", or a URN-qualified attribute.
			if strings.Contains(k, ".") || strings.HasPrefix(strings.ToLower(k), "urn:") && strings.Count(k, ":") > 1 && !isSchemaKey(doc, k) {
				if err := applyOne(doc, PatchOp{Op: op.Op, Path: k, Value: obj[k]}, coreURN); err != nil {
					return err
				}
				continue
			}
			if err := applyAttr(doc, k, "", op.Op, obj[k]); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := filter.ParsePath(op.Path)
	if err != nil {
		return patchErr("invalidPath", "%v", err)
	}
	container := doc
	if p.Attr.URN != "" && !strings.EqualFold(p.Attr.URN, coreURN) {
		key := findKey(doc, p.Attr.URN)
		sub, _ := doc[key].(map[string]any)
		if sub == nil {
			if op.Op == "remove" {
				return nil
			}
			sub = map[string]any{}
			doc[key] = sub
		}
		container = sub
	}
	name := p.Attr.Attr
	if p.Filter == nil {
		return applyAttr(container, name, p.Attr.Sub, op.Op, op.Value)
	}
	// A value path: emails[type eq "work"], members[value eq "x"], optionally .sub.
	key := findKey(container, name)
	if readOnly[strings.ToLower(key)] {
		return patchErr("mutability", "%s is read-only", name)
	}
	items, _ := container[key].([]any)
	var kept []any
	matched := 0
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok || !match(p.Filter, m) {
			kept = append(kept, it)
			continue
		}
		matched++
		switch {
		case op.Op == "remove" && p.Sub == "":
			continue // drop the item
		case op.Op == "remove":
			delete(m, findKey(m, p.Sub))
		case p.Sub != "":
			m[findKey(m, p.Sub)] = op.Value
		default:
			if v, ok := op.Value.(map[string]any); ok {
				for k, x := range v {
					m[findKey(m, k)] = x
				}
			} else {
				return patchErr("invalidValue", "the value for %s must be an object", op.Path)
			}
		}
		kept = append(kept, m)
	}
	if matched == 0 {
		if op.Op == "remove" {
			return nil // removing what is not there is already done
		}
		// emails[type eq "work"].value on a user without a work address: create it, as
		// Okta and Entra expect; any other filter has no target.
		if t, ok := typeEq(p.Filter); ok && p.Sub != "" {
			kept = append(kept, map[string]any{"type": t, p.Sub: op.Value})
		} else {
			return patchErr("noTarget", "no value of %s matches the filter", name)
		}
	}
	container[key] = kept
	return nil
}

func isSchemaKey(doc map[string]any, k string) bool {
	_, ok := doc[findKey(doc, k)].(map[string]any)
	return ok
}

// applyAttr adds, replaces or removes attribute name (and sub-attribute sub) of m.
func applyAttr(m map[string]any, name, sub, op string, value any) error {
	key := findKey(m, name)
	if readOnly[strings.ToLower(key)] {
		if strings.EqualFold(key, "schemas") {
			return nil // schemas follow the attributes
		}
		return patchErr("mutability", "%s is read-only", name)
	}
	if sub != "" {
		inner, _ := m[key].(map[string]any)
		if inner == nil {
			if op == "remove" {
				return nil
			}
			inner = map[string]any{}
			m[key] = inner
		}
		return applyAttr(inner, sub, "", op, value)
	}
	switch op {
	case "remove":
		delete(m, key)
	case "replace":
		m[key] = value
	case "add":
		cur, exists := m[key]
		curList, isList := cur.([]any)
		newList, valueIsList := value.([]any)
		switch {
		case exists && isList && valueIsList:
			m[key] = appendUnique(curList, newList)
		case exists && isList:
			m[key] = appendUnique(curList, []any{value})
		default:
			if vm, ok := value.(map[string]any); ok {
				if cm, ok := cur.(map[string]any); ok {
					for k, v := range vm {
						cm[findKey(cm, k)] = v
					}
					return nil
				}
			}
			m[key] = value
		}
	}
	return nil
}

// appendUnique adds items whose value is not there yet (RFC 7644: adding an existing
// value changes nothing).
func appendUnique(cur, add []any) []any {
	seen := map[string]bool{}
	for _, c := range cur {
		if m, ok := c.(map[string]any); ok {
			seen[fmt.Sprint(m["value"])] = true
		}
	}
	out := append([]any{}, cur...)
	for _, a := range add {
		if m, ok := a.(map[string]any); ok {
			if seen[fmt.Sprint(m["value"])] {
				continue
			}
			seen[fmt.Sprint(m["value"])] = true
		}
		out = append(out, a)
	}
	return out
}

func findKey(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// typeEq recognises the filter type eq "X".
func typeEq(e filter.Expr) (string, bool) {
	c, ok := e.(*filter.Compare)
	if !ok || c.Op != filter.Eq || !strings.EqualFold(c.Path.Attr, "type") || c.Path.Sub != "" || c.Value.Kind != filter.String {
		return "", false
	}
	return c.Value.Str, true
}

// match evaluates a value filter against one item of a multi-valued attribute.
func match(e filter.Expr, item map[string]any) bool {
	switch x := e.(type) {
	case *filter.Logical:
		if x.Op == "and" {
			return match(x.Left, item) && match(x.Right, item)
		}
		return match(x.Left, item) || match(x.Right, item)
	case *filter.Not:
		return !match(x.X, item)
	case *filter.Compare:
		v, present := item[findKey(item, x.Path.Attr)]
		if x.Op == filter.Pr {
			return present && v != nil && v != ""
		}
		if !present || v == nil {
			return x.Op == filter.Ne
		}
		got := strings.ToLower(fmt.Sprint(v))
		want := strings.ToLower(x.Value.Str)
		if x.Value.Kind == filter.Bool {
			want = strconv.FormatBool(x.Value.Bool)
		}
		switch x.Op {
		case filter.Eq:
			return got == want
		case filter.Ne:
			return got != want
		case filter.Co:
			return strings.Contains(got, want)
		case filter.Sw:
			return strings.HasPrefix(got, want)
		case filter.Ew:
			return strings.HasSuffix(got, want)
		case filter.Gt:
			return got > want
		case filter.Ge:
			return got >= want
		case filter.Lt:
			return got < want
		case filter.Le:
			return got <= want
		}
	}
	return false
}

// GroupPatch turns PATCH operations on a group into membership-level changes, so that
// adding or removing one member never reads or rewrites the whole list.
func (c *Codec) GroupPatch(ops []PatchOp) (engine.GroupPatch, error) {
	var gp engine.GroupPatch
	descURN := ""
	if c.M.Groups != nil && c.M.Groups.Description != nil {
		descURN = c.M.Groups.Description.URN
	}
	setAttr := func(name string, v any, op string) error {
		switch {
		case strings.EqualFold(name, "displayName"):
			s, ok := v.(string)
			if !ok || op == "remove" {
				return patchErr("invalidValue", "displayName must be a non-empty string")
			}
			gp.DisplayName = &s
		case strings.EqualFold(name, "description"):
			s, _ := v.(string)
			if op == "remove" {
				s = ""
			}
			gp.Description = &s
		case strings.EqualFold(name, "members"):
			ids, err := memberValues(v)
			if err != nil {
				return err
			}
			switch op {
			case "add":
				gp.Add = append(gp.Add, ids...)
			case "replace":
				gp.ReplaceMembers, gp.Members, gp.Add, gp.Remove = true, ids, nil, nil
			case "remove":
				if v == nil {
					gp.ReplaceMembers, gp.Members = true, nil
				} else {
					gp.Remove = append(gp.Remove, ids...)
				}
			}
		case strings.EqualFold(name, "externalId"), strings.EqualFold(name, "id"), strings.EqualFold(name, "schemas"), strings.EqualFold(name, "meta"):
			// Not stored; accepted so that clients echoing them do not fail.
		default:
			return patchErr("invalidPath", "%s is not a group attribute this connector maps", name)
		}
		return nil
	}
	for _, op := range ops {
		if op.Path == "" {
			obj, ok := op.Value.(map[string]any)
			if !ok {
				return gp, patchErr("invalidValue", "without a path the value must be an object")
			}
			for _, k := range sortedKeys(obj) {
				v := obj[k]
				if descURN != "" && strings.EqualFold(k, descURN) {
					if d, ok := v.(map[string]any); ok {
						if dv, ok := lookupFold(d, "description"); ok {
							if err := setAttr("description", dv, op.Op); err != nil {
								return gp, err
							}
						}
					}
					continue
				}
				if err := setAttr(strings.TrimPrefix(k, Group2+":"), v, op.Op); err != nil {
					return gp, err
				}
			}
			continue
		}
		p, err := filter.ParsePath(op.Path)
		if err != nil {
			return gp, patchErr("invalidPath", "%v", err)
		}
		if p.Attr.URN != "" && !strings.EqualFold(p.Attr.URN, Group2) {
			if descURN == "" || !strings.EqualFold(p.Attr.URN, descURN) || !strings.EqualFold(p.Attr.Attr, "description") {
				return gp, patchErr("invalidPath", "%s is not a group attribute this connector maps", op.Path)
			}
		}
		if p.Filter == nil {
			if err := setAttr(p.Attr.Attr, op.Value, op.Op); err != nil {
				return gp, err
			}
			continue
		}
		// members[value eq "x"] (or several values joined by or): the ids to act on.
		if !strings.EqualFold(p.Attr.Attr, "members") || p.Sub != "" {
			return gp, patchErr("invalidPath", "only members[value eq \"id\"] value paths are supported on groups")
		}
		ids, ok := valueEqs(p.Filter)
		if !ok {
			return gp, patchErr("invalidFilter", "member filters must be value eq \"id\", optionally joined by or")
		}
		switch op.Op {
		case "remove":
			gp.Remove = append(gp.Remove, ids...)
		default:
			return gp, patchErr("invalidPath", "%s with a member filter is not meaningful; use add or remove", op.Op)
		}
	}
	return gp, nil
}

// memberValues reads the member ids of a PATCH value: a member object ({"value": "id"}),
// a list of them, or, as Microsoft's reference server reads it, the id alone ("id", or a
// list of ids), which names the member as its value would.
func memberValues(v any) ([]string, error) {
	var out []string
	for i, it := range asList(v) {
		raw := it
		switch x := it.(type) {
		case map[string]any:
			raw, _ = lookupFold(x, "value")
		case string, json.Number:
		default:
			return nil, patchErr("invalidValue", "members[%d] must be an object with a value, or a user id", i)
		}
		switch x := raw.(type) {
		case string:
			if x == "" {
				return nil, patchErr("invalidValue", "members[%d].value is empty", i)
			}
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		default:
			return nil, patchErr("invalidValue", "members[%d].value must be a user id", i)
		}
	}
	return out, nil
}

// valueEqs collects the ids of value eq "a" or value eq "b" ...
func valueEqs(e filter.Expr) ([]string, bool) {
	switch x := e.(type) {
	case *filter.Logical:
		if x.Op != "or" {
			return nil, false
		}
		l, ok1 := valueEqs(x.Left)
		r, ok2 := valueEqs(x.Right)
		return append(l, r...), ok1 && ok2
	case *filter.Compare:
		if x.Op == filter.Eq && strings.EqualFold(x.Path.Attr, "value") && x.Path.Sub == "" && (x.Value.Kind == filter.String || x.Value.Kind == filter.Number) {
			return []string{x.Value.Str}, true
		}
	}
	return nil, false
}
