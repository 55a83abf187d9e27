// Package sqlgen is the only writer of SQL text in scimsql. It resolves a mapping into
// plans (quoted names, select lists, each attribute's expression), compiles SCIM filters
// into WHERE clauses, builds every statement the engine runs, renders the mapping's
// templates (col and bind), and converts values between SCIM and columns. Identifiers
// come only from the mapping, quoted by the dialect; every value from a request goes
// through Builder.Arg and reaches the database as a bound parameter. It runs nothing: it
// does not import database/sql.
package sqlgen

import (
	"sync"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/filter"
	"github.com/scimsql/scimsql/mappings"
)

// Options tune a Gen.
type Options struct {
	// FilterLimits bound filter length and nesting.
	FilterLimits filter.Limits
	// BcryptCost is the cost of the hash template function.
	BcryptCost int
}

// Gen writes the statements of one mapping on one dialect. It is immutable after New,
// apart from its pool of template clones.
type Gen struct {
	d         dialects.Dialect
	f         *dialects.Facts
	m         *mappings.Mapping
	opts      Options
	Users     *UserPlan // nil when the mapping has no users
	Groups    *GroupPlan
	Resources map[string]*ResourcePlan
	Refs      []*RefPlan // the users' roles, entitlements and groups
	tmplPools sync.Map   // *mappings.Template → *sync.Pool of *tmplRun
	texts     textCache  // statements shaped by the columns a request writes
}

// New resolves m's plans for dialect d.
func New(m *mappings.Mapping, d dialects.Dialect, opts Options) (*Gen, error) {
	if opts.FilterLimits.MaxLength == 0 {
		opts.FilterLimits = filter.Limits{MaxLength: m.Server.Limits.MaxFilterLength, MaxDepth: m.Server.Limits.MaxFilterDepth}
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = 10
	}
	g := &Gen{d: d, f: d.Facts(), m: m, opts: opts, Resources: map[string]*ResourcePlan{}}
	var err error
	if m.Users != nil {
		if g.Users, err = buildUserPlan(d, m.Users); err != nil {
			return nil, err
		}
		p := g.Users
		p.ByID = g.ByID(p.SelectList, p.Source, p.IDRead, nil).String()
	}
	if m.Groups != nil {
		if g.Groups, err = buildGroupPlan(d, m.Groups); err != nil {
			return nil, err
		}
		if m.Users != nil {
			g.Groups.MemberKey = &m.Users.ID
		}
	}
	for _, r := range m.Resources {
		g.Resources[r.Name] = buildResourcePlan(d, r)
	}
	if m.Users != nil {
		refs := []*RefPlan{buildRefPlan(d, m, "roles", m.Users.Roles), buildRefPlan(d, m, "entitlements", m.Users.Entitlements)}
		if !m.Users.HideGroups {
			refs = append(refs, buildGroupsRef(g.Groups))
		}
		for _, rp := range refs {
			if rp != nil {
				if res := m.Resource(refResource(m, rp.Kind)); res != nil {
					rp.Resource = g.Resources[res.Name]
				}
				g.Refs = append(g.Refs, rp)
			}
		}
	}
	return g, nil
}

// Dialect returns the dialect the statements are written for.
func (g *Gen) Dialect() dialects.Dialect { return g.d }
