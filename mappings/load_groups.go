package mappings

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

func (l *loader) groups(n *yaml.Node, app App) *Groups {
	o := l.object(n, "groups")
	o.strict("table", "scope", "set", "id", "displayName", "description", "lastModified", "created", "members", "operations")
	g := &Groups{}
	var tn *yaml.Node
	g.Table, tn = o.str("table", true)
	if tn != nil {
		l.ident(tn, "groups.table", g.Table, true)
	}
	g.Scope = l.scope(o.get("scope"), "groups.scope")
	g.ID = l.key(n, o.get("id"), "groups.id")
	l.at("groups.table", tn)
	l.at("groups.id", o.get("id"))
	l.at("groups.members", o.get("members"))
	if dn := o.get("displayName"); dn != nil {
		g.DisplayName = l.attribute(dn, "groups.displayName", "displayName", "")
	} else {
		l.errorf(n, "groups.displayName", "required: every SCIM group has a displayName")
	}
	if dn := o.get("description"); dn != nil {
		g.Description = l.attribute(dn, "groups.description", app.GroupSchema+":description", app.GroupSchema)
	}
	g.LastModified = l.lastModified(o.get("lastModified"), "groups.lastModified")
	g.Created = l.lastModified(o.get("created"), "groups.created")
	l.at("groups.lastModified", o.get("lastModified"))
	l.at("groups.created", o.get("created"))
	if mn := o.get("members"); mn != nil {
		mo := l.object(mn, "groups.members")
		mo.strict("table", "group", "user", "where", "set", "unknown")
		mem := &Members{}
		var xn *yaml.Node
		mem.Table, xn = mo.str("table", true)
		if xn != nil {
			l.ident(xn, "groups.members.table", mem.Table, true)
		}
		mem.GroupColumn, xn = mo.str("group", true)
		if xn != nil {
			l.ident(xn, "groups.members.group", mem.GroupColumn, false)
		}
		mem.UserColumn, xn = mo.str("user", true)
		if xn != nil {
			l.ident(xn, "groups.members.user", mem.UserColumn, false)
		}
		mem.Where = l.template(mo.get("where"), "groups.members.where")
		mem.Set = l.set(mo.get("set"), "groups.members.set", false)
		l.checkSet(mo.get("set"), "groups.members.set", mem.Set, map[string]string{
			strings.ToLower(mem.GroupColumn): "groups.members.group", strings.ToLower(mem.UserColumn): "groups.members.user"})
		mem.Unknown = UnknownReject
		if u, un := mo.str("unknown", false); un != nil {
			switch u {
			case UnknownReject, UnknownSkip:
				mem.Unknown = u
			default:
				l.errorf(un, "groups.members.unknown", "%q: want reject (a member that names no user is a 400 and nothing is written) or skip (the other members are written, that one is left out and logged)", u)
			}
		}
		g.Members = mem
	}
	g.Operations = l.operations(o.get("operations"), "groups.operations", GroupOps)
	g.Set = l.set(o.get("set"), "groups.set", true)
	l.checkCopies(g.Set, "groups.set", func(name string) (string, bool) {
		for _, a := range []*Attribute{g.DisplayName, g.Description} {
			if a != nil && (strings.EqualFold(name, a.Path) || strings.EqualFold(name, a.Name)) {
				return a.Path, true
			}
		}
		return "", false
	})
	written := map[string]string{strings.ToLower(g.ID.Column): "groups.id"}
	if g.LastModified != nil {
		written[strings.ToLower(g.LastModified.Column)] = "groups.lastModified"
	}
	if g.Created != nil {
		written[strings.ToLower(g.Created.Column)] = "groups.created"
	}
	for _, a := range []*Attribute{g.DisplayName, g.Description} {
		if a != nil && a.Column != "" && a.Writable() {
			written[strings.ToLower(a.Column)] = a.Path
		}
	}
	if g.Scope != nil {
		for _, c := range g.Scope.Columns {
			written[strings.ToLower(c.Column)] = "groups.scope"
		}
	}
	l.checkSet(o.get("set"), "groups.set", g.Set, written)
	return g
}

// userRefs reads users.roles / users.entitlements: a join table of (user, value) rows.
func (l *loader) userRefs(n *yaml.Node, path string) *UserRefs {
	if n == nil {
		return nil
	}
	o := l.object(n, path)
	o.strict("table", "user", "value", "resource", "writable")
	r := &UserRefs{node: n, path: path}
	var xn *yaml.Node
	for _, f := range []struct {
		key string
		dst *string
	}{{"table", &r.Table}, {"user", &r.UserColumn}, {"value", &r.ValueColumn}} {
		*f.dst, xn = o.str(f.key, true)
		if xn != nil {
			l.ident(xn, path+"."+f.key, *f.dst, f.key == "table")
		}
	}
	r.Resource, _ = o.str("resource", false)
	r.Writable = o.boolean("writable")
	return r
}

var resourceNameRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// resources reads extra read-only resource types (roles, entitlements, ...).
func (l *loader) resources(n *yaml.Node) []*Resource {
	o := l.object(n, "resources")
	var out []*Resource
	for _, name := range o.order {
		path := "resources." + name
		if !resourceNameRE.MatchString(name) || name == "User" || name == "Group" {
			l.errorf(o.keys[name], path, "%q is not a resource type name (a capitalised word other than User and Group, e.g. Role)", name)
			continue
		}
		ro := l.object(o.fields[name], path)
		ro.strict("endpoint", "schema", "table", "id", "attributes")
		r := &Resource{Name: name, Endpoint: "/" + name + "s", Schema: "urn:ietf:params:scim:schemas:core:2.0:" + name, Attributes: map[string]string{}}
		if ep, en := ro.str("endpoint", false); ep != "" {
			if !regexp.MustCompile(`^/[A-Za-z][A-Za-z0-9]*$`).MatchString(ep) || strings.EqualFold(ep, "/Users") || strings.EqualFold(ep, "/Groups") {
				l.errorf(en, path+".endpoint", "%q is not a free endpoint like /Roles", ep)
			}
			r.Endpoint = ep
		}
		if sc, sn := ro.str("schema", false); sc != "" {
			l.urn(sn, path+".schema", sc)
			r.Schema = sc
		}
		var tn *yaml.Node
		r.Table, tn = ro.str("table", true)
		if tn != nil {
			l.ident(tn, path+".table", r.Table, true)
		}
		r.ID = l.key(ro.node, ro.get("id"), path+".id")
		if an := ro.get("attributes"); an != nil {
			ao := l.object(an, path+".attributes")
			for _, k := range ao.order {
				v := ao.fields[k]
				if !typeRE.MatchString(k) || v.Kind != yaml.ScalarNode {
					l.errorf(ao.keys[k], path+".attributes."+k, "expected attribute: column")
					continue
				}
				l.ident(v, path+".attributes."+k, v.Value, false)
				r.Attributes[k] = v.Value
				r.Order = append(r.Order, k)
			}
		}
		if _, ok := r.Attributes["displayName"]; !ok {
			l.errorf(ro.node, path+".attributes.displayName", "required: Okta shows a resource by its displayName")
		}
		out = append(out, r)
	}
	return out
}
