package engine

import (
	"context"
	"strings"
)

// listing is one request for a page of a list (users, groups, a resource type): the
// compiled filter, the order, and where the page starts (a keyset position or an
// OFFSET). The three lists share it, so paging, sorting and counting behave the same.
type listing struct {
	walk           string // names the walk for the cursor and count caches
	cond           string
	args           []any
	order          string
	limit, start   int
	last           any
	offset         int
	source, idRead string
}

// plan compiles q for a list whose rows come from source with key idRead.
func (e *Engine) plan(kind string, r resolver, source, idRead string, q Query) (*listing, error) {
	limit, start, err := e.pageBounds(q)
	if err != nil {
		return nil, err
	}
	b := newSQL(e.d)
	cond, err := e.compileFilter(b, r, q.Filter)
	if err != nil {
		return nil, err
	}
	order, err := e.orderBy(r, idRead, q)
	if err != nil {
		return nil, err
	}
	l := &listing{walk: kind + "|" + strings.TrimSpace(q.Filter), cond: cond, args: b.args, order: order,
		limit: limit, start: start, source: source, idRead: idRead}
	l.last, l.offset = e.continuation(l.walk, limit, start)
	if order != "" {
		l.last, l.offset = nil, start-1 // keyset continuation follows the id order only
	}
	return l, nil
}

// totalsOnly reports whether the request asks for totalResults alone (count=0).
func (l *listing) totalsOnly() bool { return l.limit == 0 }

// sql is the page's SELECT for selectList.
func (e *Engine) pageSQL(l *listing, selectList string) *sqlb {
	return e.sqlList(selectList, l.source, l.idRead, l.cond, l.args, l.last, l.limit, l.offset, l.order)
}

// finish records where the walk got to (lastRaw is the last row's key) and returns
// totalResults for a page of got rows.
func (e *Engine) finish(ctx context.Context, l *listing, got int, lastRaw any) (int, error) {
	// Only a full page can have a next one: a short page (the agent's check-exists, the
	// end of an import) leaves nothing in the caches, where it would crowd out the
	// cursors of walks still going.
	if l.limit > 0 && got == l.limit && l.order == "" {
		e.cursors.put(l.walk, l.start+got, lastRaw)
	}
	start, limit := l.start, l.limit
	if l.totalsOnly() {
		start = 1
	}
	return e.total(ctx, l.walk, start, limit, got, func() *sqlb { return e.sqlCount(l.source, l.cond, l.args) })
}
