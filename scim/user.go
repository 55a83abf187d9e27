package scim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
)

// Core11 is the SCIM 1.1 core schema URN.
const Core11 = mappings.CoreSchema1

// ProviderConfigURN1 holds Okta's capability list.
const ProviderConfigURN1 = "urn:okta:schemas:scim:providerconfig:1.0"

// Codec converts documents for one mapping.
type Codec struct {
	M *mappings.Mapping

	once sync.Once
	lay  *userLayout
}

// userLayout is how the mapping's users are written, worked out once per Codec rather
// than from the attribute list on every user answered.
type userLayout struct {
	schemas11, schemas2 []string
	core                []*mappings.Attribute // top-level core attributes, active included, in mapping order
	name                []*mappings.Attribute // name.*
	multis              []multiLayout         // emails, phoneNumbers, ims, photos, x509Certificates
	addresses           []*mappings.AddressType
	addressSlots        []slot         // one per type of address, for decoding
	custom              []customLayout // one per extension URN, sorted
	roots               int            // the most keys a user object can have
}

type multiLayout struct {
	name     string
	bindings []*mappings.Attribute
	slots    []slot              // one per binding, for decoding
	primary  *mappings.Attribute // the declared primary, else the first
}

type customLayout struct {
	urn   string
	attrs []*mappings.Attribute
}

func (c *Codec) layout() *userLayout {
	c.once.Do(func() { c.lay = newUserLayout(c.M.Users) })
	return c.lay
}

func newUserLayout(um *mappings.Users) *userLayout {
	l := &userLayout{}
	if um == nil {
		return l
	}
	urns := um.URNs()
	// Shared by every answer: clipped, so that an append copies instead of writing here.
	l.schemas11 = slices.Clip(append([]string{Core11}, urns...))
	l.schemas2 = slices.Clip(append([]string{User2}, urns...))
	for _, a := range um.Attributes {
		switch {
		case a.URN != "" || a.Path == "password":
		case strings.HasPrefix(a.Path, "name."):
			l.name = append(l.name, a)
		case mappings.IsMultiPath(a.Path):
		default:
			l.core = append(l.core, a)
		}
	}
	l.addresses = um.AddressTypes()
	for _, t := range l.addresses {
		l.addressSlots = append(l.addressSlots, slot{typ: t.Type, primary: t.Primary, parts: t.Parts, byName: true})
	}
	for _, multi := range mappings.MultiValued {
		bindings := um.Multi(multi)
		if len(bindings) == 0 {
			continue
		}
		ml := multiLayout{name: multi, bindings: bindings, primary: bindings[0]}
		for _, b := range bindings {
			if b.Primary {
				ml.primary = b
			}
			ml.slots = append(ml.slots, slot{typ: b.Name, primary: b.Primary, parts: []*mappings.Attribute{b}})
		}
		l.multis = append(l.multis, ml)
	}
	for _, urn := range urns {
		l.custom = append(l.custom, customLayout{urn: urn, attrs: um.Custom(urn)})
	}
	// schemas, id, the core attributes, name, the multis, the URNs, groups and meta
	// (2.0 adds roles and entitlements).
	l.roots = 2 + len(l.core) + 1 + len(l.multis) + 1 + len(l.custom) + 4
	return l
}

func badBody(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{engine.ErrInvalidValue}, args...)...)
}

// DecodeUser reads a user document (SCIM 1.1, or 2.0 core/enterprise names) into an
// engine.User with the values of every bound attribute the document carries. Attributes
// the mapping does not bind are ignored, as are read-only ones (id, meta, groups).
func (c *Codec) DecodeUser(doc map[string]any) (*engine.User, error) {
	return c.decodeUser(doc, false, false)
}

// DecodeUserReplace reads a document that replaces the user (a SCIM 2.0 PUT): a writable
// attribute it does not carry is cleared. The password is the exception: absent means
// unchanged; so are writable roles and entitlements, which a profile push does not carry
// when Identity Governance assigns them (an empty list clears them).
func (c *Codec) DecodeUserReplace(doc map[string]any) (*engine.User, error) {
	return c.decodeUser(doc, true, false)
}

// DecodeUserPatched reads the result of a PATCH applied to the stored user: as
// DecodeUserReplace, but writable roles and entitlements it no longer carries (a remove)
// are cleared, since the stored ones were in the document the PATCH changed.
func (c *Codec) DecodeUserPatched(doc map[string]any) (*engine.User, error) {
	return c.decodeUser(doc, true, true)
}

func (c *Codec) decodeUser(doc map[string]any, replace, patched bool) (*engine.User, error) {
	u := &engine.User{Values: map[string]any{}}
	um := c.M.Users
	get := func(a *mappings.Attribute, raw any, present bool) error {
		if !present || a.ReadOnly {
			return nil
		}
		v, err := engine.Coerce(a, raw)
		if err != nil {
			return err
		}
		u.Values[a.Path] = v
		return nil
	}
	name, _ := lookupFold(doc, "name")
	nameObj, isObj := name.(map[string]any)
	if name != nil && !isObj {
		return nil, badBody("name: expected an object")
	}
	custom := map[string]map[string]any{}
	for _, a := range um.Attributes {
		switch {
		case a.Path == "password":
			if raw, ok := lookupFold(doc, "password"); ok && raw != nil {
				s, ok := raw.(string)
				if !ok {
					return nil, badBody("password: expected a string")
				}
				u.Password, u.HasPassword = s, s != ""
			}
		case a.URN != "":
			obj, ok := custom[a.URN]
			if !ok {
				raw, present := lookupFold(doc, a.URN)
				if present && raw != nil {
					if obj, ok = raw.(map[string]any); !ok {
						return nil, badBody("%s: expected an object", a.URN)
					}
				}
				custom[a.URN] = obj
			}
			if obj != nil {
				raw, present := lookupPath(obj, a.Name)
				if err := get(a, raw, present); err != nil {
					return nil, err
				}
			}
		case strings.HasPrefix(a.Path, "name."):
			if nameObj != nil {
				raw, present := lookupFold(nameObj, a.Name)
				if err := get(a, raw, present); err != nil {
					return nil, err
				}
			}
		case mappings.IsMultiPath(a.Path):
			// handled below, per multi-valued attribute
		default:
			raw, present := lookupFold(doc, a.Path)
			if err := get(a, raw, present); err != nil {
				return nil, err
			}
		}
	}
	l := c.layout()
	for _, ml := range l.multis {
		if err := decodeSlots(doc, ml.name, ml.slots, u); err != nil {
			return nil, err
		}
	}
	if err := decodeSlots(doc, mappings.Addresses, l.addressSlots, u); err != nil {
		return nil, err
	}
	for _, ref := range []struct {
		name string
		r    *mappings.UserRefs
		to   *[]engine.Member
	}{{"roles", um.Roles, &u.Roles}, {"entitlements", um.Entitlements, &u.Entitlements}} {
		if ref.r == nil || !ref.r.Writable {
			continue
		}
		raw, present := lookupFold(doc, ref.name)
		if !present {
			if patched {
				*ref.to = []engine.Member{}
			}
			continue
		}
		ms, err := decodeRefs(ref.name, raw, "a value")
		if err != nil {
			return nil, err
		}
		*ref.to = ms
	}
	if replace {
		for _, a := range um.Attributes {
			if _, ok := u.Values[a.Path]; !ok && a.Writable() && a.Path != "password" {
				u.Values[a.Path] = nil
			}
		}
	}
	return u, nil
}

// lookupPath finds a.b in nested objects (manager.value), ignoring case.
func lookupPath(m map[string]any, name string) (any, bool) {
	head, rest, nested := strings.Cut(name, ".")
	if !nested {
		return lookupFold(m, name)
	}
	if v, ok := lookupFold(m, name); ok {
		return v, true // written flat: {"manager.value": "..."}
	}
	v, ok := lookupFold(m, head)
	if !ok {
		return nil, false
	}
	sub, isMap := v.(map[string]any)
	if !isMap {
		if s, isStr := v.(string); isStr && strings.EqualFold(rest, "value") {
			// Entra's PATCH replaces the manager with its id alone:
			// {"path": "urn:...:enterprise:2.0:User:manager", "value": "<id>"}.
			return s, true
		}
		if v == nil {
			return nil, true // "manager": null clears it
		}
		return nil, false
	}
	return lookupPath(sub, rest)
}

// item is one element of a multi-valued attribute in a request: its type and primary
// flag, which decide the binding it goes to.
type item struct {
	obj     map[string]any
	typ     string
	primary bool
}

// items reads a multi-valued attribute's list: objects with a type and a primary flag
// (a boolean, or "true" as Entra sends it); what names the attribute in errors.
func items(raw any, what string) ([]item, error) {
	if raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, badBody("%s: expected an array", what)
	}
	out := make([]item, 0, len(list))
	for i, it := range list {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, badBody("%s[%d]: expected an object with a value and a type", what, i)
		}
		t, _ := lookupFold(obj, "type")
		p, _ := lookupFold(obj, "primary")
		ts, _ := t.(string)
		pb, _ := p.(bool)
		if ps, ok := p.(string); ok {
			pb = strings.EqualFold(ps, "true")
		}
		out = append(out, item{obj: obj, typ: ts, primary: pb})
	}
	return out, nil
}

// assign matches items to the n bindings of a multi-valued attribute (one per type,
// typeOf(i) the i-th's; primary the index of the primary one): first by type, then the
// primary item to the primary binding (Okta sends types "primary"/"secondary"), then the
// rest in order. The answer holds, per binding, its item, or nil.
func assign(its []item, n int, typeOf func(int) string, primary int) []map[string]any {
	out := make([]map[string]any, n)
	used := make([]bool, len(its))
	take := func(b int, ok func(item) bool) {
		for i, it := range its {
			if !used[i] && ok(it) {
				out[b], used[i] = it.obj, true
				return
			}
		}
	}
	for b := range n {
		take(b, func(it item) bool { return strings.EqualFold(it.typ, typeOf(b)) })
	}
	if out[primary] == nil {
		take(primary, func(it item) bool { return it.primary })
	}
	for b := range n {
		if out[b] == nil {
			take(b, func(item) bool { return true })
		}
	}
	return out
}

// slot is one type of a multi-valued attribute in the mapping: the bindings that take the
// parts of the item assigned to it (its value, for emails and the like; each part by
// name, for addresses).
type slot struct {
	typ     string
	primary bool
	parts   []*mappings.Attribute
	byName  bool // the parts are read by their names (addresses), not as the item's value
}

// decodeSlots (emails, phoneNumbers, ..., one slot per binding; addresses, one per type,
// its parts by name) assigns the items of the document's list name to the slots (assign), and
// each item's parts to its slot's bindings. A list that is present replaces every
// binding; bindings left without a value are cleared.
func decodeSlots(doc map[string]any, name string, slots []slot, u *engine.User) error {
	if len(slots) == 0 {
		return nil
	}
	raw, present := lookupFold(doc, name)
	if !present {
		return nil
	}
	its, err := items(raw, name)
	if err != nil {
		return err
	}
	primary := 0
	for i, sl := range slots {
		if sl.primary {
			primary = i
		}
	}
	got := assign(its, len(slots), func(i int) string { return slots[i].typ }, primary)
	for i, sl := range slots {
		for _, b := range sl.parts {
			if b.ReadOnly {
				continue
			}
			var raw any
			if got[i] != nil {
				key := "value"
				if sl.byName {
					key = b.Name
				}
				raw, _ = lookupFold(got[i], key)
			}
			v, err := engine.Coerce(b, raw)
			if err != nil {
				return err
			}
			u.Values[b.Path] = v
		}
	}
	return nil
}

// decodeRefs reads a list of references (group members, roles, entitlements): objects
// of which the value (what names the referenced resource, in errors) and the display
// are kept; null is the empty list.
func decodeRefs(name string, raw any, what string) ([]engine.Member, error) {
	out := []engine.Member{}
	if raw == nil {
		return out, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, badBody("%s: expected an array", name)
	}
	for i, it := range list {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, badBody("%s[%d]: expected an object with value", name, i)
		}
		v, _ := lookupFold(obj, "value")
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		}
		if s == "" {
			return nil, badBody("%s[%d].value: expected %s", name, i, what)
		}
		d, _ := lookupFold(obj, "display")
		ds, _ := d.(string)
		out = append(out, engine.Member{Value: s, Display: ds})
	}
	return out, nil
}

// encodeAddresses writes addresses: one item per type with a value in any part; the
// declared primary type (else the first with a value) is primary.
func encodeAddresses(o *Object, u *engine.User, l *userLayout) {
	var primary *mappings.AddressType
	has := func(t *mappings.AddressType) bool {
		for _, b := range t.Parts {
			if v, _ := u.Values[b.Path].(string); v != "" {
				return true
			}
		}
		return false
	}
	for _, t := range l.addresses {
		if t.Primary && has(t) {
			primary = t
		}
	}
	var items []any
	for _, t := range l.addresses {
		if !has(t) {
			continue
		}
		if primary == nil {
			primary = t
		}
		it := newObject(len(t.Parts) + 2)
		for _, b := range t.Parts {
			if v, _ := u.Values[b.Path].(string); v != "" {
				it.add(b.Name, v)
			}
		}
		it.add("type", t.Type).add("primary", t == primary)
		items = append(items, it)
	}
	if len(items) > 0 {
		o.add(mappings.Addresses, items)
	}
}

// lookupFold finds key in m, ignoring case as SCIM attribute names do.
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// EncodeUser11 renders a user as SCIM 1.1. The password is never included.
func (c *Codec) EncodeUser11(u *engine.User) *Object {
	o := c.encodeUser(u, c.layout().schemas11)
	if u.Groups != nil {
		o.add("groups", memberList{list: u.Groups}) // 1.1: value and display
	}
	if !u.LastModified.IsZero() {
		meta := newObject(2)
		if !u.Created.IsZero() {
			meta.add("created", formatTime(u.Created))
		}
		meta.add("lastModified", formatTime(u.LastModified))
		o.add("meta", meta)
	}
	return o
}

// encodeUser starts a user's document, the same in 1.1 and 2.0: schemas, id, the core
// and custom attributes; each version adds its own references and meta.
func (c *Codec) encodeUser(u *engine.User, schemas []string) *Object {
	l := c.layout()
	o := newObject(l.roots)
	o.add("schemas", schemas)
	o.add("id", u.ID)
	encodeCore(o, u, l)
	encodeCustom(o, u, l)
	return o
}

// encodeCore writes the core attributes shared by 1.1 and 2.0.
func encodeCore(o *Object, u *engine.User, l *userLayout) {
	for _, a := range l.core {
		v, ok := u.Values[a.Path]
		if a.Path == "active" {
			if b, isBool := v.(bool); isBool {
				o.add("active", b)
			}
			continue
		}
		if ok && v != nil {
			o.add(a.Path, v)
		}
	}
	var name *Object
	for _, a := range l.name {
		if v, ok := u.Values[a.Path]; ok && v != nil {
			if name == nil {
				name = newObject(len(l.name))
			}
			name.add(a.Name, v)
		}
	}
	if name != nil {
		o.add("name", name)
	}
	for _, ml := range l.multis {
		primary := ml.primary
		// The first binding with a value is primary when the declared primary is empty.
		if v, _ := u.Values[primary.Path].(string); v == "" {
			for _, b := range ml.bindings {
				if v, _ := u.Values[b.Path].(string); v != "" {
					primary = b
					break
				}
			}
		}
		var items []any
		for _, b := range ml.bindings {
			v, _ := u.Values[b.Path].(string)
			if v == "" {
				continue
			}
			if items == nil {
				items = make([]any, 0, len(ml.bindings))
			}
			items = append(items, newObject(3).add("value", v).add("type", b.Name).add("primary", b == primary))
		}
		if len(items) > 0 {
			o.add(ml.name, items)
		}
	}
	encodeAddresses(o, u, l)
}

// encodeCustom writes one object per extension URN, with the values the user has.
func encodeCustom(o *Object, u *engine.User, l *userLayout) {
	for _, cl := range l.custom {
		obj := newObject(len(cl.attrs))
		for _, a := range cl.attrs {
			if v, ok := u.Values[a.Path]; ok && v != nil {
				setPath(obj, a.Name, v)
			}
		}
		o.add(cl.urn, obj)
	}
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// DecodeGroup reads a group document. members is nil-safe: HasMembers says whether the
// document carried a member list at all.
func (c *Codec) DecodeGroup(doc map[string]any) (*engine.Group, error) {
	g := &engine.Group{}
	if raw, ok := lookupFold(doc, "displayName"); ok && raw != nil {
		s, ok := raw.(string)
		if !ok {
			return nil, badBody("displayName: expected a string")
		}
		g.DisplayName = s
	}
	if gm := c.M.Groups; gm != nil && gm.Description != nil {
		if raw, ok := lookupFold(doc, gm.Description.URN); ok && raw != nil {
			obj, ok := raw.(map[string]any)
			if !ok {
				return nil, badBody("%s: expected an object", gm.Description.URN)
			}
			if d, ok := lookupFold(obj, "description"); ok && d != nil {
				s, ok := d.(string)
				if !ok {
					return nil, badBody("%s.description: expected a string", gm.Description.URN)
				}
				g.Description = &s
			}
		} else if d, ok := lookupFold(doc, "description"); ok {
			if s, ok := d.(string); ok {
				g.Description = &s
			}
		}
	}
	if raw, ok := lookupFold(doc, "members"); ok {
		g.HasMembers = true
		ms, err := decodeRefs("members", raw, "a user id")
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 {
			g.Members = ms
		}
	}
	return g, nil
}

// EncodeGroup11 renders a group as SCIM 1.1.
func (c *Codec) EncodeGroup11(g *engine.Group) *Object {
	o := c.encodeGroup(g, Core11, true, "")
	if !g.LastModified.IsZero() || !g.Created.IsZero() {
		meta := &Object{}
		if !g.Created.IsZero() {
			meta.Set("created", formatTime(g.Created))
		}
		if !g.LastModified.IsZero() {
			meta.Set("lastModified", formatTime(g.LastModified))
		}
		o.Set("meta", meta)
	}
	return o
}

// encodeGroup writes what SCIM 1.1 and 2.0 groups share: schemas, id, displayName,
// members (with a $ref to each user under SCIM 2.0, when ref is the users' location)
// and the description extension.
func (c *Codec) encodeGroup(g *engine.Group, core string, withMembers bool, ref string) *Object {
	gm := c.M.Groups
	o := &Object{}
	schemas := []string{core}
	if gm.Description != nil {
		schemas = append(schemas, gm.Description.URN)
	}
	o.Set("schemas", schemas).Set("id", g.ID).Set("displayName", g.DisplayName)
	if withMembers {
		o.Set("members", memberList{list: g.Members, ref: ref, typ: "User"})
	}
	if gm.Description != nil {
		d := &Object{}
		if g.Description != nil {
			d.Set("description", *g.Description)
		}
		o.Set(gm.Description.URN, d)
	}
	return o
}

// memberList is a list of references as a response carries them, written straight from
// the engine's list: a group's members (a department of 25,800 members is a 1.5 MB
// answer, and an object per member would cost more than the rest of the group push), or
// the groups a user is a member of.
type memberList struct {
	list []engine.Member
	ref  string // SCIM 2.0: the location each value is under, for its $ref ("": 1.1)
	typ  string // SCIM 2.0: each reference's type (User for members, direct for a user's groups)
}

// AppendJSON appends [{"value":...,["$ref":...,"type":...,]["display":...]}, ...].
func (ml memberList) AppendJSON(b []byte) ([]byte, error) {
	n := 2
	for _, m := range ml.list {
		n += len(`{"value":"","display":""},`) + len(m.Value) + len(m.Display)
		if ml.ref != "" {
			n += len(`,"$ref":"","type":""`) + len(ml.ref) + len(m.Value) + len(ml.typ)
		}
	}
	b = slices.Grow(b, n) // once, not a doubling at a time: few strings need escapes
	b = append(b, '[')
	for i, m := range ml.list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"value":`...)
		b = appendString(b, m.Value)
		if ml.ref != "" {
			b = append(b, `,"$ref":"`...)
			b = appendEscaped(appendEscaped(b, ml.ref), m.Value)
			b = append(b, `","type":`...)
			b = appendString(b, ml.typ)
		}
		if m.Display != "" {
			b = append(b, `,"display":`...)
			b = appendString(b, m.Display)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// List11 is the SCIM 1.1 list envelope: totalResults counts every match, itemsPerPage
// the resources in this page, which starts at startIndex.
func List11(total int, startIndex int, resources []any) *Object {
	o := newObject(5)
	o.add("schemas", schemasCore11).add("totalResults", total)
	o.add("startIndex", startIndex).add("itemsPerPage", len(resources))
	if resources == nil {
		resources = []any{}
	}
	o.add("Resources", resources)
	return o
}

// schemasCore11 is the schemas of a 1.1 list, shared (and clipped, so that an append
// copies).
var schemasCore11 = []string{Core11}

// ServiceProviderConfigs11 is the body of GET /ServiceProviderConfigs with the
// capability names the engine derived.
func ServiceProviderConfigs11(caps []string, maxResults int, authSchemes []any) *Object {
	return spConfig([]string{Core11, ProviderConfigURN1}, false, false, caps, maxResults, authSchemes)
}

// spConfig is what the 1.1 and 2.0 service provider configurations share; patch, sort
// and (where versions are mapped) ETags are supported under 2.0 only.
func spConfig(schemas []string, v2, etag bool, caps []string, maxResults int, authSchemes []any) *Object {
	o := &Object{}
	o.Set("schemas", schemas)
	o.Set("documentationUrl", "https://github.com/scimsql/scimsql")
	o.Set("patch", map[string]any{"supported": v2})
	o.Set("bulk", map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0})
	o.Set("filter", map[string]any{"supported": true, "maxResults": maxResults})
	o.Set("changePassword", map[string]any{"supported": contains(caps, "PUSH_PASSWORD_UPDATES")})
	o.Set("sort", map[string]any{"supported": v2})
	o.Set("etag", map[string]any{"supported": etag})
	if authSchemes == nil {
		authSchemes = []any{}
	}
	o.Set("authenticationSchemes", authSchemes)
	o.Set(ProviderConfigURN1, map[string]any{"userManagementCapabilities": caps})
	return o
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
