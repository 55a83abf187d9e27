package engine

import (
	"fmt"
	"strings"
	"time"
)

// User is a SCIM user in protocol-neutral form. Values holds the attributes the mapping
// binds, keyed by their canonical path (userName, name.givenName, emails.work,
// urn:okta:app:1.0:user:custom:isAdmin). A key that is present with a nil value means
// "no value"; an absent key means "not given" (left unchanged by an update).
type User struct {
	ID     string
	Values map[string]any
	// Password is write-only: set from requests, never filled by reads.
	Password    string
	HasPassword bool
	// Created and LastModified are zero when the mapping cannot say.
	Created      time.Time
	LastModified time.Time
	// Roles and Entitlements are read from join tables when the mapping has them.
	Roles, Entitlements []Member
	// Groups are the groups the user is a member of (value: the group's id, display: its
	// displayName), read from the membership table; nil when not read.
	Groups []Member
}

// Member is one group member.
type Member struct {
	Value   string // user id
	Display string // userName, when known
}

// Group is a SCIM group.
type Group struct {
	ID           string
	DisplayName  string
	Description  *string // nil: not given (update) or not mapped
	Members      []Member
	HasMembers   bool // false when the request did not carry a member list
	LastModified time.Time
	Created      time.Time // zero when the mapping cannot say
}

// Query selects a page of resources.
type Query struct {
	Filter string // SCIM filter text, "" for none
	// StartIndex is 1-based (0 is 1); Count is the page size. Paged is false when the
	// request gave no count: the page is then of the largest size served.
	StartIndex int
	Count      int
	Paged      bool
	// SortBy is an attribute path to order by (RFC 7644 §3.4.2.3); "" orders by id.
	SortBy   string
	SortDesc bool
	// WithoutMembers leaves group members out (excludedAttributes=members), so listing
	// large groups does not read every membership.
	WithoutMembers bool
	// WithoutGroups leaves users' groups out (excludedAttributes=groups): no query for them.
	WithoutGroups bool
}

// ReadOption adjusts a single read.
type ReadOption int

const (
	// WithoutMembers reads a group without its members.
	WithoutMembers ReadOption = 1
	// WithoutGroups reads a user without the groups it is a member of.
	WithoutGroups ReadOption = 2
)

// UserPage is one page of users.
type UserPage struct {
	Total      int
	StartIndex int
	Users      []*User
}

// GroupPage is one page of groups.
type GroupPage struct {
	Total      int
	StartIndex int
	Groups     []*Group
}

// Version is the weak entity tag (RFC 7644 §3.14) of a resource last modified at t: it
// changes whenever the row's lastModified does; "" when the mapping cannot say.
func Version(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf(`W/"%x"`, t.UnixNano())
}

// Version is the user's entity tag, "" without users.lastModified.
func (u *User) Version() string { return Version(u.LastModified) }

// Version is the group's entity tag, "" without groups.lastModified.
func (g *Group) Version() string { return Version(g.LastModified) }

// Matches reports whether version is one of the entity tags of an If-Match or
// If-None-Match header (a list, or "*" for any), compared weakly: W/ is ignored, as
// SCIM's versions are weak. An empty version matches only "*".
func Matches(tags []string, version string) bool {
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		if version != "" && strings.TrimPrefix(t, "W/") == strings.TrimPrefix(version, "W/") {
			return true
		}
	}
	return false
}

// holds is a write's precondition: no If-Match, or one that names the stored version.
func holds(ifMatch []string, version, what, id string) error {
	if len(ifMatch) == 0 || Matches(ifMatch, version) {
		return nil
	}
	if version == "" {
		return fmt.Errorf("%w: If-Match: the %s %s has no version to compare (the mapping has no lastModified)", ErrPrecondition, what, id)
	}
	return fmt.Errorf("%w: If-Match: the %s %s is at version %s, not %s", ErrPrecondition, what, id, version, strings.Join(ifMatch, ", "))
}
