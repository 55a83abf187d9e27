package sqlgen

import (
	"fmt"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
)

// RelatedPlan is an attribute kept in a row of a users.related table: the row of Table
// whose Owner holds the user's id and whose match columns hold the mapping's values.
type RelatedPlan struct {
	Attr  *mappings.Attribute
	In    *mappings.Related
	Table string // quoted
	Owner string // quoted owner column, unqualified
	Col   string // quoted value column, unqualified
	// Match is the condition on the bare table that selects the row ("" for none);
	// MatchCols and MatchVals are what a new row is written with.
	Match     string
	MatchCols []string
	MatchVals []any
	// qualified is Match over the alias r, for reads correlated with the user's row.
	qualified string
}

// relatedAlias is the related table's alias in the statements that read it.
const relatedAlias = "r"

func buildRelatedPlan(d dialects.Dialect, a *mappings.Attribute) (*RelatedPlan, error) {
	rv := a.Related
	rp := &RelatedPlan{Attr: a, In: rv.In, Table: d.Quote(rv.In.Table), Owner: d.Quote(rv.In.Owner), Col: d.Quote(rv.Column)}
	bare, err := fixedConds(d, rv.Match, "")
	if err != nil {
		return nil, fmt.Errorf("%s: match %w", a.Pos, err)
	}
	qual, _ := fixedConds(d, rv.Match, relatedAlias)
	rp.Match, rp.qualified = strings.Join(bare, " AND "), strings.Join(qual, " AND ")
	for _, c := range rv.Match {
		rp.MatchCols = append(rp.MatchCols, c.Column)
		rp.MatchVals = append(rp.MatchVals, c.Value)
	}
	return rp, nil
}

// read is the attribute's read expression, correlated with the user's row through
// ownerRead (u."id"): the value of the matching row, the least when several match, so
// that a page of users is still one statement.
func (rp *RelatedPlan) read(d dialects.Dialect, ownerRead string) string {
	b := NewBuilder(d)
	b.W("(SELECT ", relatedAlias, ".", rp.Col, " FROM ", rp.Table, " ", relatedAlias,
		" WHERE ", relatedAlias, ".", rp.Owner, " = ", ownerRead)
	if rp.qualified != "" {
		b.W(" AND ", rp.qualified)
	}
	b.Page(relatedAlias+"."+rp.Col, 1, 0)
	b.W(")")
	return b.String()
}

// EqInto writes the indexable inverse of the attribute equal to v into b: the users
// owning a matching row that holds v, found through the related table's own index (on
// the value, or the owner and the match), not by reading every user.
func (rp *RelatedPlan) EqInto(b *Builder, ownerRead, v string) string {
	col := relatedAlias + "." + rp.Col
	cmp := col + " = " + b.Arg(v)
	if !rp.Attr.CaseExact {
		b.Args = b.Args[:len(b.Args)-1]
		fold := foldFor(b.f, rp.Attr.FoldLower)
		cmp = fold(col) + " = " + fold(b.Arg(v))
	}
	s := ownerRead + " IN (SELECT " + relatedAlias + "." + rp.Owner + " FROM " + rp.Table + " " + relatedAlias + " WHERE " + cmp
	if rp.qualified != "" {
		s += " AND " + rp.qualified
	}
	return s + ")"
}

// RelatedState reads what the user's matching row holds: how many rows match, and the
// value read would return. One row always comes back.
func (g *Gen) RelatedState(rp *RelatedPlan, owner any) *Builder {
	b := NewBuilder(g.d)
	b.W("SELECT COUNT(*), MIN(", rp.Col, ") FROM ", rp.Table, " WHERE ", rp.Owner, " = ", b.Arg(owner))
	andScope(b, rp.Match)
	return b
}

// RelatedInsert writes a new related row: cols and vals after the owner.
func (g *Gen) RelatedInsert(rp *RelatedPlan, owner any, cols []string, vals []any) *Builder {
	b := NewBuilder(g.d)
	g.insertInto(b, rp.Table, append([]string{rp.In.Owner}, cols...), append([]any{owner}, vals...), "")
	return b
}

// RelatedUpdate sets cols of the user's matching rows.
func (g *Gen) RelatedUpdate(rp *RelatedPlan, owner any, cols []string, vals []any) *Builder {
	return g.Update(rp.Table, rp.Owner, rp.Match, cols, vals, owner)
}

// RelatedDelete deletes the user's matching rows; with all, every row of the table the
// user owns (the user's own delete).
func (g *Gen) RelatedDelete(rp *RelatedPlan, owner any, all bool) *Builder {
	if all {
		return g.Delete(rp.Table, rp.Owner, "", owner)
	}
	return g.Delete(rp.Table, rp.Owner, rp.Match, owner)
}
