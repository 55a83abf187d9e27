package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/scimsql/scimsql/sqlgen"
)

// listing is one request for a page of a list (users, groups, a resource type): the
// compiled filter, the order, and where the page starts (a keyset position or an
// OFFSET). The three lists share it, so paging, sorting and counting behave the same.
type listing struct {
	kind, filter   string // name the walk (walkKey)
	key            string // the walk's key in the cursor store, "" when it needs none
	cond           string
	args           []any
	order          string
	limit, start   int
	last           any        // keyset continuation: rows after this key
	offset         int        // rows to skip (after last, when it is set)
	walk           *walkState // the walk's position, when this page continues it
	source, idRead string
}

// plan compiles q for a list whose rows come from source with key idRead.
func (e *Engine) plan(ctx context.Context, kind string, r sqlgen.Resolver, source, idRead string, q Query) (*listing, error) {
	limit, start, err := e.pageBounds(q)
	if err != nil {
		return nil, err
	}
	b := sqlgen.NewBuilder(e.d)
	cond, err := e.gen.CompileFilter(b, r, q.Filter)
	if err != nil {
		return nil, err
	}
	order, err := e.gen.OrderBy(r, idRead, q.SortBy, q.SortDesc)
	if err != nil {
		return nil, err
	}
	l := &listing{kind: kind, filter: strings.TrimSpace(q.Filter), cond: cond, args: b.Args, order: order,
		limit: limit, start: start, offset: start - 1, source: source, idRead: idRead}
	if order != "" || limit == 0 {
		return l, nil // keyset continuation follows the id order only
	}
	l.key = walkKey(l)
	if start > 1 {
		// Continue from the walk's position when this page starts there, or a few pages
		// after it (other replicas served those): after its last key, skipping those
		// pages' rows. Anything else is read with OFFSET (see walk.go).
		if st := e.loadWalk(ctx, l); st != nil && st.next <= start && start-st.next <= maxSkip*limit {
			l.walk, l.last, l.offset = st, st.last, start-st.next
		}
	}
	return l, nil
}

// totalsOnly reports whether the request asks for totalResults alone (count=0).
func (l *listing) totalsOnly() bool { return l.limit == 0 }

// sql is the page's SELECT for selectList.
func (e *Engine) pageSQL(l *listing, selectList string) *sqlgen.Builder {
	return e.gen.List(selectList, l.source, l.idRead, l.cond, l.args, l.last, l.limit, l.offset, l.order)
}

// finish returns totalResults for a page of got rows whose last key is lastRaw, and
// records where the walk got to. A COUNT(*) over the whole match on every page is what
// makes a walk quadratic, so it is taken only where the answer is not known:
//   - a first page shorter than asked (the agent's check-exists, any small list) holds
//     everything there is: the total is its length;
//   - a page that continues its walk's position, and has rows, reuses the walk's count
//     while it is at most totalTTL old.
//
// Every other page counts (a page past the end too: it is where a walk learns it is over). The guarantee: totalResults is exact as of a moment at most
// 10 s before the response, is a count taken within this walk (never another walk's),
// and is never less than the position of the page's last row. Only a full page in id
// order can be followed by another, so only it records a position: a burst of lookups
// writes nothing to the store.
func (e *Engine) finish(ctx context.Context, l *listing, got int, lastRaw any) (int, error) {
	start := l.start
	if l.totalsOnly() {
		start = 1
	}
	if start == 1 && got < l.limit {
		return got, nil
	}
	var n int
	countedAt := e.opts.Now()
	if w := l.walk; w != nil && got > 0 && countedAt.Sub(w.countedAt) <= totalTTL {
		n, countedAt = w.total, w.countedAt
	} else {
		c, err := e.count(ctx, e.gen.Count(l.source, l.cond, l.args))
		if err != nil {
			return 0, err
		}
		n = c
	}
	if got > 0 && start-1+got > n {
		n = start - 1 + got // rows were added since the count
	}
	if l.key != "" && got == l.limit && got > 0 {
		e.saveWalk(ctx, l, walkState{next: l.start + got, last: lastRaw, total: n, countedAt: countedAt})
	}
	return n, nil
}

// pageBounds validates paging and returns the page size and its 1-based start.
func (e *Engine) pageBounds(q Query) (limit, start int, err error) {
	if q.StartIndex < 0 || q.Count < 0 {
		return 0, 0, fmt.Errorf("%w: startIndex and count must not be negative", ErrInvalidPaging)
	}
	start = q.StartIndex
	if start < 1 {
		start = 1 // RFC 7644 §3.4.2.4: less than 1 is interpreted as 1
	}
	limit = q.Count
	if !q.Paged || limit > e.opts.MaxPageSize {
		// A list without a count is a page of the largest size served, like a larger
		// count: one request never reads or holds the whole table. totalResults above
		// itemsPerPage says there is more (RFC 7644 §3.4.2.4 leaves the size to us).
		limit = e.opts.MaxPageSize
	}
	return limit, start, nil
}

func (e *Engine) count(ctx context.Context, b *sqlgen.Builder) (int, error) {
	var n int64
	if err := e.q(ctx).QueryRowContext(ctx, b.String(), b.Args...).Scan(&n); err != nil {
		return 0, err
	}
	return int(n), nil
}
