package engine

import (
	"fmt"
	"strings"

	"github.com/scimsql/scimsql/mappings"
)

// Capability is one of Okta's UserManagementCapabilities, on or off, with the reason.
type Capability struct {
	Name   string
	On     bool
	Reason string
}

// Capability names, in the order Okta's SDK declares them.
const (
	CapGroupPush          = "GROUP_PUSH"
	CapImportNewUsers     = "IMPORT_NEW_USERS"
	CapImportProfile      = "IMPORT_PROFILE_UPDATES"
	CapIncrementalImports = "OPP_SCIM_INCREMENTAL_IMPORTS"
	CapPushNewUsers       = "PUSH_NEW_USERS"
	CapPushPassword       = "PUSH_PASSWORD_UPDATES"
	CapPushPending        = "PUSH_PENDING_USERS"
	CapPushProfile        = "PUSH_PROFILE_UPDATES"
	CapPushDeactivation   = "PUSH_USER_DEACTIVATION"
	CapReactivateUsers    = "REACTIVATE_USERS"
)

// Capabilities derives what the connector can do from what the mapping binds, using the
// SDK tester's table of which operations each capability needs (PROTOCOL.md §3). Nothing
// is configured by hand: a connector that cannot do something must not claim it, since
// Okta assumes everything when it is not told.
func Capabilities(m *mappings.Mapping) []Capability {
	u, g := m.Users, m.Groups
	has := func(op string) bool {
		if u.Op(op) != nil || g.Op(op) != nil {
			return true
		}
		return false
	}
	need := func(name string, ops ...string) (bool, []string) {
		var missing []string
		for _, op := range ops {
			if !has(op) {
				missing = append(missing, op)
			}
		}
		return len(missing) == 0, missing
	}
	writable := func(path string) bool {
		a := u.Attr(path)
		if a == nil || !a.Writable() {
			return false
		}
		// A password left to templates is stored only when updateUser is templated.
		if a.Hash == "template" {
			op := u.Op(mappings.OpUpdateUser)
			return op != nil && !op.Auto
		}
		return true
	}
	filterable := func(path string) bool {
		a := u.Attr(path)
		return a != nil && (a.Column != "" || a.Read != nil || a.Format != nil)
	}
	var out []Capability
	add := func(name string, ok bool, onWhy, offWhy string) {
		c := Capability{Name: name, On: ok, Reason: onWhy}
		if !ok {
			c.Reason = offWhy
		}
		out = append(out, c)
	}
	missing := func(ms []string) string { return "not mapped: " + strings.Join(ms, ", ") }

	ok, ms := need(CapGroupPush, mappings.OpCreateGroup, mappings.OpUpdateGroup, mappings.OpDeleteGroup, mappings.OpGetGroup)
	why := missing(ms)
	if ok && (g == nil || g.Members == nil) && anyAuto(g, mappings.OpCreateGroup, mappings.OpUpdateGroup) {
		ok, why = false, "groups.members is not mapped, so pushed member lists cannot be stored"
	}
	add(CapGroupPush, ok, "createGroup, updateGroup, deleteGroup and getGroup are mapped", why)

	ok, ms = need(CapImportNewUsers, mappings.OpGetUsers)
	onWhy := "getUsers is mapped"
	if has(mappings.OpGetGroups) {
		onWhy += " (and getGroups, so groups import too)"
	}
	add(CapImportNewUsers, ok, onWhy, missing(ms))

	ok, ms = need(CapImportProfile, mappings.OpGetUser)
	add(CapImportProfile, ok, "getUser is mapped", missing(ms))

	ok, ms = need(CapIncrementalImports, mappings.OpGetUsers)
	why = missing(ms)
	if ok && (u == nil || u.LastModified == nil) {
		ok, why = false, "users.lastModified is not mapped, so meta.lastModified gt cannot be answered"
	}
	add(CapIncrementalImports, ok, "getUsers is mapped and users.lastModified gives meta.lastModified", why)

	ok, ms = need(CapPushNewUsers, mappings.OpCreateUser, mappings.OpGetUsers)
	why = missing(ms)
	if ok && !filterable("userName") {
		ok, why = false, "userName cannot be filtered on, so the agent cannot check whether a user exists"
	}
	add(CapPushNewUsers, ok, "createUser and getUsers (filter on userName) are mapped", why)

	ok, ms = need(CapPushPassword, mappings.OpUpdateUser)
	why = missing(ms)
	if ok && !writable("password") {
		ok, why = false, "password is not mapped as writable (users.attributes.password)"
	}
	add(CapPushPassword, ok, fmt.Sprintf("updateUser is mapped and stores password (%s)", hashOf(u)), why)

	ok, ms = need(CapPushPending, mappings.OpCreateUser, mappings.OpUpdateUser, mappings.OpGetUsers)
	why = missing(ms)
	if ok && !writable("active") {
		ok, why = false, "active is not mapped as writable, so a pending (inactive) user cannot be stored"
	}
	add(CapPushPending, ok, "createUser, updateUser and getUsers are mapped and active is writable", why)

	ok, ms = need(CapPushProfile, mappings.OpUpdateUser)
	add(CapPushProfile, ok, "updateUser is mapped", missing(ms))

	for _, c := range []struct{ name, verb string }{{CapPushDeactivation, "active=false"}, {CapReactivateUsers, "active=true"}} {
		ok, ms = need(c.name, mappings.OpUpdateUser)
		why = missing(ms)
		if ok && !writable("active") {
			ok, why = false, "active is not mapped as writable (users.attributes.active)"
		}
		add(c.name, ok, "updateUser is mapped and stores "+c.verb, why)
	}
	return out
}

func hashOf(u *mappings.Users) string {
	if a := u.Attr("password"); a != nil {
		return a.Hash
	}
	return ""
}

func anyAuto(g *mappings.Groups, ops ...string) bool {
	for _, op := range ops {
		if o := g.Op(op); o != nil && o.Auto {
			return true
		}
	}
	return false
}

// Enabled returns the names of the capabilities that are on, in order.
func Enabled(caps []Capability) []string {
	out := []string{}
	for _, c := range caps {
		if c.On {
			out = append(out, c.Name)
		}
	}
	return out
}
