package scim

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
)

// SCIM 2.0 URNs (RFC 7643, RFC 7644).
const (
	User2           = mappings.CoreUserSchema2
	Group2          = mappings.CoreGroupSchema2
	Enterprise2     = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ListResponse2   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	Error2URN       = "urn:ietf:params:scim:api:messages:2.0:Error"
	PatchOp2        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SearchRequest2  = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	SPConfig2       = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceType2   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	Schema2         = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	ProviderConfig2 = "urn:okta:schemas:scim:providerconfig:2.0"
)

// Error2 is the RFC 7644 §3.12 error body: status is a string.
func Error2(status int, scimType, detail string) *Object {
	o := &Object{}
	o.Set("schemas", []string{Error2URN})
	if scimType != "" {
		o.Set("scimType", scimType)
	}
	o.Set("detail", detail).Set("status", strconv.Itoa(status))
	return o
}

// List2 is the RFC 7644 ListResponse.
func List2(total, startIndex int, resources []any) *Object {
	if resources == nil {
		resources = []any{}
	}
	o := &Object{}
	o.Set("schemas", []string{ListResponse2}).Set("totalResults", total).
		Set("startIndex", startIndex).Set("itemsPerPage", len(resources)).Set("Resources", resources)
	return o
}

func meta2(resourceType, location string, created, modified time.Time) *Object {
	m := &Object{}
	m.Set("resourceType", resourceType)
	// As precise as the column holds them, so that a client comparing with a time it read
	// (meta.created le "...") compares with what is stored.
	if !created.IsZero() {
		m.Set("created", created.UTC().Format(time.RFC3339Nano))
	}
	if !modified.IsZero() {
		m.Set("lastModified", modified.UTC().Format(time.RFC3339Nano))
		// A weak version from the modification time: it changes whenever the row does.
		m.Set("version", engine.Version(modified))
	}
	m.Set("location", location)
	return m
}

// EncodeUser2 renders a user as SCIM 2.0; base is the /v2 URL, for meta.location.
func (c *Codec) EncodeUser2(u *engine.User, base string) *Object {
	um := c.M.Users
	o := c.encodeUser(u, c.layout().schemas2)
	for _, ref := range []struct {
		name   string
		mapped bool
		ms     []engine.Member
	}{{"roles", um.Roles != nil, u.Roles}, {"entitlements", um.Entitlements != nil, u.Entitlements}} {
		if !ref.mapped {
			continue
		}
		items := make([]any, 0, len(ref.ms))
		for _, m := range ref.ms {
			it := &Object{}
			it.Set("value", m.Value)
			if m.Display != "" {
				it.Set("display", m.Display)
			}
			items = append(items, it)
		}
		o.Set(ref.name, items)
	}
	if u.Groups != nil {
		o.Set("groups", memberList{list: u.Groups, ref: base + "/Groups/", typ: "direct"})
	}
	o.Set("meta", meta2("User", base+"/Users/"+u.ID, u.Created, u.LastModified))
	return o
}

// EncodeResource2 renders a row of an extra resource type.
func EncodeResource2(r *mappings.Resource, res *engine.Resource, base string) *Object {
	o := &Object{}
	o.Set("schemas", []string{r.Schema}).Set("id", res.ID)
	for _, a := range r.Order {
		if v, ok := res.Values[a]; ok {
			o.Set(a, v)
		}
	}
	o.Set("meta", map[string]any{"resourceType": r.Name, "location": base + r.Endpoint + "/" + res.ID})
	return o
}

// setPath sets a.b in o, making the nested object when needed (manager.value).
func setPath(o *Object, name string, v any) {
	head, rest, nested := strings.Cut(name, ".")
	if !nested {
		o.Set(name, v)
		return
	}
	sub, _ := o.Get(head)
	so, ok := sub.(*Object)
	if !ok {
		so = &Object{}
		o.Set(head, so)
	}
	setPath(so, rest, v)
}

// EncodeGroup2 renders a group as SCIM 2.0.
func (c *Codec) EncodeGroup2(g *engine.Group, base string) *Object {
	o := c.encodeGroup(g, Group2, g.HasMembers, base+"/Users/")
	o.Set("meta", meta2("Group", base+"/Groups/"+g.ID, g.Created, g.LastModified))
	return o
}

// Project applies attributes/excludedAttributes (RFC 7644 §3.4.2.5) to a resource.
// id, schemas and meta are always returned; names match case-insensitively and may be
// sub-attributes (name.givenName) or URN-qualified.
func Project(o *Object, attributes, excluded []string) *Object {
	if len(attributes) == 0 && len(excluded) == 0 {
		return o
	}
	always := map[string]bool{"id": true, "schemas": true, "meta": true}
	if len(attributes) > 0 {
		out := &Object{}
		for _, m := range o.kvs {
			k := m.key
			if always[k] {
				out.Set(k, m.val)
				continue
			}
			for _, a := range attributes {
				top, sub := splitAttr(a, k)
				if !strings.EqualFold(top, k) {
					continue
				}
				if sub == "" {
					out.Set(k, m.val)
					break
				}
				if so, ok := m.val.(*Object); ok {
					keep := &Object{}
					if prev, ok := out.Get(k); ok {
						keep = prev.(*Object)
					}
					for _, sm := range so.kvs {
						if strings.EqualFold(sm.key, sub) {
							keep.Set(sm.key, sm.val)
						}
					}
					out.Set(k, keep)
				}
			}
		}
		return out
	}
	out := &Object{}
	for _, m := range o.kvs {
		k := m.key
		drop := false
		for _, a := range excluded {
			top, sub := splitAttr(a, k)
			if strings.EqualFold(top, k) && sub == "" && !always[k] {
				drop = true
			}
		}
		if !drop {
			out.Set(k, m.val)
		}
	}
	return out
}

// splitAttr splits a requested attribute name into the top-level key it names and a
// sub-attribute, given the key it is compared with (which may itself be a URN).
func splitAttr(a, key string) (string, string) {
	if strings.HasPrefix(strings.ToLower(a), strings.ToLower(key)+":") {
		return key, a[len(key)+1:] // urn:...:custom:isAdmin
	}
	if strings.EqualFold(a, key) {
		return key, ""
	}
	if i := strings.LastIndex(a, ":"); i >= 0 && strings.HasPrefix(strings.ToLower(a), "urn:") {
		a = a[i+1:] // urn:ietf:params:scim:schemas:core:2.0:User:userName
	}
	top, sub, _ := strings.Cut(a, ".")
	return top, sub
}

// SplitList splits a comma-separated attributes parameter.
func SplitList(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	flush := func(end int) {
		if p := strings.TrimSpace(stripValueFilter(s[start:end])); p != "" {
			out = append(out, p)
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[':
			depth++
		case c == ']' && depth > 0:
			depth--
		case c == ',' && depth == 0:
			flush(i)
			start = i + 1
		}
	}
	flush(len(s))
	return out
}

// stripValueFilter reads a value-path filter in an attributes list as the attribute it
// filters, as Microsoft Entra ID sends them (attributes=emails[type eq "work"]): the
// whole attribute is returned, which is what the filter selects from.
func stripValueFilter(p string) string {
	i := strings.IndexByte(p, '[')
	if i < 0 {
		return p
	}
	j := strings.LastIndexByte(p, ']')
	if j < i {
		return p[:i]
	}
	return p[:i] + p[j+1:]
}

// ServiceProviderConfig2 describes what this connector supports, with Okta's capability
// list under both providerconfig URNs (which one the agent reads under /v2 is not
// documented).
// etag says whether resources carry versions (a lastModified column is mapped).
func ServiceProviderConfig2(caps []string, maxResults int, authSchemes []any, base string, etag bool) *Object {
	o := spConfig([]string{SPConfig2, ProviderConfigURN1, ProviderConfig2}, true, etag, caps, maxResults, authSchemes)
	o.Set(ProviderConfig2, map[string]any{"userManagementCapabilities": caps})
	o.Set("meta", map[string]any{"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"})
	return o
}

// ResourceTypes2 lists the resource types the mapping serves.
func (c *Codec) ResourceTypes2(base string) []any {
	var out []any
	if c.M.Users != nil {
		rt := &Object{}
		rt.Set("schemas", []string{ResourceType2}).Set("id", "User").Set("name", "User").
			Set("endpoint", "/Users").Set("description", "User accounts").Set("schema", User2)
		var ext []any
		for _, urn := range c.M.Users.URNs() {
			ext = append(ext, map[string]any{"schema": urn, "required": false})
		}
		if ext != nil {
			rt.Set("schemaExtensions", ext)
		}
		rt.Set("meta", map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/User"})
		out = append(out, rt)
	}
	if c.M.Groups != nil {
		rt := &Object{}
		rt.Set("schemas", []string{ResourceType2}).Set("id", "Group").Set("name", "Group").
			Set("endpoint", "/Groups").Set("description", "Groups").Set("schema", Group2)
		if d := c.M.Groups.Description; d != nil {
			rt.Set("schemaExtensions", []any{map[string]any{"schema": d.URN, "required": false}})
		}
		rt.Set("meta", map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/Group"})
		out = append(out, rt)
	}
	for _, r := range c.M.Resources {
		rt := &Object{}
		rt.Set("schemas", []string{ResourceType2}).Set("id", r.Name).Set("name", r.Name).
			Set("endpoint", r.Endpoint).Set("description", r.Name+" (read-only)").Set("schema", r.Schema).
			Set("meta", map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/" + r.Name})
		out = append(out, rt)
	}
	return out
}

type attrDef = map[string]any

func attrSchema(name, typ string, multi bool, mutability, returned, uniqueness string, caseExact bool, sub []any) attrDef {
	a := attrDef{
		"name": name, "type": typ, "multiValued": multi, "description": "", "required": name == "userName" || name == "displayName" && uniqueness == "server",
		"mutability": mutability, "returned": returned, "uniqueness": uniqueness,
	}
	if typ == "string" || typ == "reference" {
		a["caseExact"] = caseExact
	}
	if sub != nil {
		a["subAttributes"] = sub
	}
	return a
}

var scimTypes = map[string]string{
	"string": "string", "boolean": "boolean", "integer": "integer", "double": "decimal",
	"date": "dateTime", "datetime": "dateTime", "strings": "string",
}

func mutabilityOf(a *mappings.Attribute) string {
	switch {
	case a.Path == "password":
		return "writeOnly"
	case !a.Writable():
		return "readOnly"
	}
	return "readWrite"
}

// Schemas2 describes exactly what the mapping binds (RFC 7643 §7).
func (c *Codec) Schemas2(base string) []any {
	var out []any
	schema := func(id, name, desc string, attrs []any) *Object {
		o := &Object{}
		o.Set("schemas", []string{Schema2}).Set("id", id).Set("name", name).Set("description", desc).
			Set("attributes", attrs).Set("meta", map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + id})
		return o
	}
	if um := c.M.Users; um != nil {
		var attrs []any
		attrs = append(attrs, attrSchema("id", "string", false, "readOnly", "always", "server", true, nil))
		names := map[string][]any{}
		var order []string
		multi := map[string][]*mappings.Attribute{}
		for _, a := range um.Attributes {
			if a.URN != "" {
				continue
			}
			parent, sub, nested := strings.Cut(a.Path, ".")
			switch {
			case parent == mappings.Addresses:
				if names[parent] == nil {
					order = append(order, parent)
					names[parent] = []any{}
				}
			case mappings.IsMultiPath(a.Path):
				if multi[parent] == nil {
					order = append(order, parent)
				}
				multi[parent] = append(multi[parent], a)
			case nested:
				if names[parent] == nil {
					order = append(order, parent)
				}
				names[parent] = append(names[parent], attrSchema(sub, "string", false, mutabilityOf(a), "default", "none", a.CaseExact, nil))
			default:
				order = append(order, a.Path)
				typ := scimTypes[a.Type]
				returned, uniq := "default", "none"
				if a.Path == "password" {
					returned = "never"
				}
				if a.Path == "userName" {
					uniq = "server"
				}
				names[a.Path] = []any{attrSchema(a.Path, typ, false, mutabilityOf(a), returned, uniq, a.CaseExact, nil)}
			}
		}
		for _, k := range order {
			switch {
			case k == mappings.Addresses:
				mut, seen := "readOnly", map[string]bool{}
				var types []any
				sub := []any{}
				for _, t := range um.AddressTypes() {
					types = append(types, t.Type)
					for _, b := range t.Parts {
						if b.Writable() {
							mut = "readWrite"
						}
						if !seen[b.Name] {
							seen[b.Name] = true
							sub = append(sub, attrSchema(b.Name, "string", false, mutabilityOf(b), "default", "none", b.CaseExact, nil))
						}
					}
				}
				sub = append(sub, attrSchema("type", "string", false, mut, "default", "none", false, nil),
					attrSchema("primary", "boolean", false, mut, "default", "none", false, nil))
				sub[len(sub)-2].(attrDef)["canonicalValues"] = types
				attrs = append(attrs, attrSchema(k, "complex", true, mut, "default", "none", false, sub))
			case multi[k] != nil:
				var types []any
				mut := "readOnly"
				for _, a := range multi[k] {
					types = append(types, a.Name)
					if a.Writable() {
						mut = "readWrite"
					}
				}
				sub := []any{
					attrSchema("value", "string", false, mut, "default", "none", false, nil),
					attrSchema("type", "string", false, mut, "default", "none", false, nil),
					attrSchema("primary", "boolean", false, mut, "default", "none", false, nil),
				}
				sub[1].(attrDef)["canonicalValues"] = types
				attrs = append(attrs, attrSchema(k, "complex", true, mut, "default", "none", false, sub))
			case len(names[k]) == 1 && names[k][0].(attrDef)["name"] == k:
				attrs = append(attrs, names[k][0])
			default:
				attrs = append(attrs, attrSchema(k, "complex", false, "readWrite", "default", "none", false, names[k]))
			}
		}
		for _, ref := range []struct {
			name string
			r    *mappings.UserRefs
		}{{"roles", um.Roles}, {"entitlements", um.Entitlements}} {
			if ref.r != nil {
				mut := "readOnly"
				if ref.r.Writable {
					mut = "readWrite"
				}
				attrs = append(attrs, attrSchema(ref.name, "complex", true, mut, "default", "none", false, []any{
					attrSchema("value", "string", false, mut, "default", "none", true, nil),
					attrSchema("display", "string", false, "readOnly", "default", "none", false, nil),
				}))
			}
		}
		if c.M.Groups != nil && c.M.Groups.Members != nil && !um.HideGroups {
			attrs = append(attrs, attrSchema("groups", "complex", true, "readOnly", "default", "none", false, []any{
				attrSchema("value", "string", false, "readOnly", "default", "none", true, nil),
				attrSchema("$ref", "reference", false, "readOnly", "default", "none", true, nil),
				attrSchema("display", "string", false, "readOnly", "default", "none", false, nil),
				attrSchema("type", "string", false, "readOnly", "default", "none", false, nil),
			}))
		}
		// RFC 7643 §8.7.1's name and description, which validators look for.
		out = append(out, schema(User2, "User", "User Account", attrs))
		for _, urn := range um.URNs() {
			var ext []any
			for _, a := range um.Custom(urn) {
				ext = append(ext, attrSchema(a.Name, scimTypes[a.Type], a.Type == "strings", mutabilityOf(a), "default", "none", a.CaseExact, nil))
			}
			out = append(out, schema(urn, lastSegment(urn), "Extension attributes mapped for this app", ext))
		}
	}
	for _, r := range c.M.Resources {
		attrs := []any{attrSchema("id", "string", false, "readOnly", "always", "server", true, nil)}
		for _, a := range r.Order {
			attrs = append(attrs, attrSchema(a, "string", false, "readOnly", "default", "none", false, nil))
		}
		out = append(out, schema(r.Schema, r.Name, r.Name+" (read-only)", attrs))
	}
	if gm := c.M.Groups; gm != nil {
		attrs := []any{
			attrSchema("id", "string", false, "readOnly", "always", "server", true, nil),
			attrSchema("displayName", "string", false, "readWrite", "default", "server", gm.DisplayName.CaseExact, nil),
		}
		if gm.Members != nil || gm.Op(mappings.OpUpdateGroup) != nil {
			attrs = append(attrs, attrSchema("members", "complex", true, "readWrite", "default", "none", false, []any{
				attrSchema("value", "string", false, "immutable", "default", "none", true, nil),
				attrSchema("display", "string", false, "readOnly", "default", "none", false, nil),
				attrSchema("$ref", "reference", false, "immutable", "default", "none", true, nil),
			}))
		}
		out = append(out, schema(Group2, "Group", "Group", attrs))
		if d := gm.Description; d != nil {
			out = append(out, schema(d.URN, lastSegment(d.URN), "Okta group extension", []any{
				attrSchema("description", "string", false, mutabilityOf(d), "default", "none", false, nil),
			}))
		}
	}
	return out
}

func lastSegment(urn string) string {
	if i := strings.LastIndex(urn, ":"); i >= 0 {
		return urn[i+1:]
	}
	return urn
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
