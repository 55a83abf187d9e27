package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Scenarios, in the order they run by default. import goes first so that it walks the
// generated users only (post and mix add some).
var Scenarios = []string{"import", "get", "check", "check-id", "post", "put", "grouppush", "mix"}

// descriptions say what each scenario sends.
var descriptions = map[string]string{
	"import":    "the agent's full import: GET /Users?startIndex=1,101,...&count=100 to the end, one client",
	"get":       "GET /Users/{id} of random employees (IMPORT_PROFILE_UPDATES)",
	"check":     `the agent's check-exists: GET /Users?filter=userName eq "<Last><First>@mysql-db.org"&startIndex=1&count=100, one in four in lower case`,
	"check-id":  `the agent's check-exists when the unique field is id, an indexed column: GET /Users?filter=id eq "<emp_no>"&startIndex=1&count=100`,
	"post":      "POST /Users of new employees (PUSH_NEW_USERS)",
	"put":       "PUT /Users/{id} of the whole user, gender changed (PUSH_PROFILE_UPDATES)",
	"grouppush": "PUT /Groups/{id} of the complete member list, one member moved out and another in, one client",
	"mix":       "the agent's mix: check-exists 30%, POST 15%, PUT 30%, import page 20%, group PUT 5% (one of 16 pushed groups of 200)",
}

// mixWeights are the mix's operations and their shares, in percent.
var mixWeights = []struct {
	op     string
	weight int
}{{"check", 30}, {"post", 15}, {"put", 30}, {"page", 20}, {"groupput", 5}}

// env is what the scenarios share, whichever server they address.
type env struct {
	ds     *dataset
	urn    string
	seq    atomic.Int64  // new employees
	groups []*groupState // the group-push department, then the mix's pushed groups
}

// groupState is a group the bench PUTs, with its two member lists.
type groupState struct {
	g      group
	bodies [2][]byte // as generated, and with one member moved out and another in
	flip   atomic.Int64
}

func newEnv(ds *dataset, urn string, groupURN string) *env {
	e := &env{ds: ds, urn: urn}
	for _, g := range append([]group{ds.push}, ds.pushed...) {
		moved := slices.Clone(g.members)
		moved[len(moved)/2] = g.outsider
		e.groups = append(e.groups, &groupState{g: g, bodies: [2][]byte{groupBody(g, g.members, groupURN), groupBody(g, moved, groupURN)}})
	}
	return e
}

// groupBody is the PUT the agent sends: the complete member list, each with its display.
func groupBody(g group, members []member, groupURN string) []byte {
	var b bytes.Buffer
	name, _ := json.Marshal(g.name)
	fmt.Fprintf(&b, `{"schemas":["urn:scim:schemas:core:1.0",%q],"id":%q,"displayName":%s,"members":[`, groupURN, g.id, name)
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"value":"%d","display":%q}`, m.id, m.display)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func (e *env) userBody(id int, first, last, gender, birth, hire string) []byte {
	un := last + first + "@mysql-db.org"
	doc := map[string]any{
		"schemas":  []string{"urn:scim:schemas:core:1.0", e.urn},
		"userName": un,
		"name":     map[string]string{"givenName": first, "familyName": last},
		"emails":   []map[string]any{{"value": un, "type": "primary", "primary": true}},
		e.urn:      map[string]string{"gender": gender, "birth_date": birth, "hire_date": hire},
	}
	if id != 0 {
		doc["id"] = strconv.Itoa(id)
	}
	b, _ := json.Marshal(doc)
	return b
}

func (e *env) get(ctx context.Context, w *worker) (string, time.Duration, error) {
	id := strconv.Itoa(firstEmpNo + w.rng.IntN(e.ds.size))
	body, d, err := w.do(ctx, "GET", "/Users/"+id, nil, 200)
	if err == nil && !bytes.Contains(body, []byte(`"id":"`+id+`"`)) {
		err = fmt.Errorf("GET /Users/%s: the answer is not user %s", id, id)
	}
	return "get", d, err
}

func checkPath(userName string) string {
	return "/Users?filter=" + url.QueryEscape(`userName eq "`+userName+`"`) + "&startIndex=1&count=100"
}

func (e *env) check(ctx context.Context, w *worker) (string, time.Duration, error) {
	p := e.ds.sample[w.rng.IntN(len(e.ds.sample))]
	un := p.userName()
	if w.rng.IntN(4) == 0 {
		un = strings.ToLower(un) // the agent's value may differ in case
	}
	body, d, err := w.do(ctx, "GET", checkPath(un), nil, 200)
	if err == nil && !bytes.Contains(body, []byte(`"totalResults":1`)) {
		err = fmt.Errorf("check-exists %s: want totalResults 1: %s", un, body[:min(len(body), 200)])
	}
	return "check", d, err
}

// checkID is the check-exists of an agent whose unique field is id: the primary key.
func (e *env) checkID(ctx context.Context, w *worker) (string, time.Duration, error) {
	id := strconv.Itoa(firstEmpNo + w.rng.IntN(e.ds.size))
	path := "/Users?filter=" + url.QueryEscape(`id eq "`+id+`"`) + "&startIndex=1&count=100"
	body, d, err := w.do(ctx, "GET", path, nil, 200)
	if err == nil && (!bytes.Contains(body, []byte(`"totalResults":1`)) || !bytes.Contains(body, []byte(`"id":"`+id+`"`))) {
		err = fmt.Errorf("check-exists id %s: want user %s alone: %s", id, id, body[:min(len(body), 200)])
	}
	return "check-id", d, err
}

func (e *env) post(ctx context.Context, w *worker) (string, time.Duration, error) {
	n := e.seq.Add(1)
	last := "New" + strconv.FormatInt(n, 36)
	body := e.userBody(0, "Bench", last, []string{"M", "F"}[n%2], "", "2025-03-01")
	res, d, err := w.do(ctx, "POST", "/Users", body, 201)
	if err == nil && !bytes.Contains(res, []byte(`"userName":"`+last+`Bench@mysql-db.org"`)) {
		err = fmt.Errorf("POST /Users: the answer is not the new user: %s", res[:min(len(res), 200)])
	}
	return "post", d, err
}

func (e *env) put(ctx context.Context, w *worker) (string, time.Duration, error) {
	p := e.ds.sample[w.rng.IntN(len(e.ds.sample))]
	g := []string{"M", "F"}[w.rng.IntN(2)]
	body := e.userBody(p.id, p.first, p.last, g, p.birth, p.hire)
	res, d, err := w.do(ctx, "PUT", "/Users/"+strconv.Itoa(p.id), body, 200)
	if err == nil && !bytes.Contains(res, []byte(`"gender":"`+g+`"`)) {
		err = fmt.Errorf("PUT /Users/%d: the answer does not carry gender %s", p.id, g)
	}
	return "put", d, err
}

// groupPut PUTs one of the two member lists, alternately, so that each PUT moves one
// member out and one in.
func (e *env) groupPut(ctx context.Context, w *worker, gs *groupState) (time.Duration, error) {
	g := gs.g
	state := gs.flip.Add(1) % 2
	res, d, err := w.do(ctx, "PUT", "/Groups/"+g.id, gs.bodies[state], 200)
	if err == nil {
		if n := bytes.Count(res, []byte(`"value":"`)); n != len(g.members) {
			err = fmt.Errorf("PUT /Groups/%s: %d members in the answer, want %d", g.id, n, len(g.members))
		}
	}
	return d, err
}

func (e *env) grouppush(ctx context.Context, w *worker) (string, time.Duration, error) {
	d, err := e.groupPut(ctx, w, e.groups[0])
	return "grouppush", d, err
}

// page is the next page of this worker's import walk, from the start again at the end.
func (e *env) page(ctx context.Context, w *worker) (string, time.Duration, error) {
	start := w.c.walks[w.n]
	body, d, err := w.do(ctx, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", start), nil, 200)
	if err != nil {
		return "page", d, err
	}
	p, err := decodePage(body)
	if err != nil {
		return "page", d, fmt.Errorf("GET /Users?startIndex=%d: %v", start, err)
	}
	w.c.walks[w.n] = start + p.N
	if p.N == 0 || start+p.N > p.Total {
		w.c.walks[w.n] = 1
	}
	return "page", d, err
}

func (e *env) mix(ctx context.Context, w *worker) (string, time.Duration, error) {
	r := w.rng.IntN(100)
	for _, m := range mixWeights {
		if r -= m.weight; r < 0 {
			switch m.op {
			case "check":
				return e.check(ctx, w)
			case "post":
				return e.post(ctx, w)
			case "put":
				return e.put(ctx, w)
			case "page":
				return e.page(ctx, w)
			case "groupput":
				d, err := e.groupPut(ctx, w, e.groups[1+w.rng.IntN(len(e.groups)-1)])
				return "groupput", d, err
			}
		}
	}
	return e.check(ctx, w)
}

// Import is the import scenario's outcome.
type Import struct {
	Users       int     `json:"users"`
	Pages       int     `json:"pages"`
	Seconds     float64 `json:"seconds"`
	UsersPerSec float64 `json:"usersPerSecond"`
	FirstPage   float64 `json:"firstPageMs"`
	LastPage    float64 `json:"lastPageMs"`
	// FirstPages and LastPages are the medians of the first and last ten pages, steadier
	// than one page each; LastToFirst is their ratio.
	FirstPages  float64 `json:"firstPagesMedianMs"`
	LastPages   float64 `json:"lastPagesMedianMs"`
	LastToFirst float64 `json:"lastToFirst"`
	// Estimated is true when the walk was cut at its budget (the hand-written connector's,
	// at a million users) after WalkedPages pages: Seconds, Pages, Users and the last pages
	// are then estimates from SampledPages pages read across the rest of the table, and
	// the ids are not checked.
	Estimated    bool `json:"estimated,omitempty"`
	WalkedPages  int  `json:"walkedPages,omitempty"`
	SampledPages int  `json:"sampledPages,omitempty"`
	// Every id in the table, and what the walk returned of them.
	Expected    int  `json:"idsExpected"`
	Seen        int  `json:"idsSeen"`
	Duplicates  int  `json:"duplicates"`
	Missing     int  `json:"missing"`
	Unexpected  int  `json:"unexpected"`
	ExactlyOnce bool `json:"exactlyOnce"`
	// PeakRSS is the serving process's peak resident set during the walk, in bytes:
	// VmHWM after resetting it at the start when the kernel allows, else the largest
	// VmRSS sampled every 10 ms. RSSScope says which process that is.
	PeakRSS    int64  `json:"peakRSSBytes"`
	SampledRSS int64  `json:"sampledPeakRSSBytes"`
	RSSMethod  string `json:"rssMethod"`
	RSSScope   string `json:"rssScope"`
}

// walk is the agent's full import: pages of 100 from startIndex 1 until the end, page i
// from clients[i % len(clients)] (several replicas behind a load balancer that has no
// session affinity). With a budget, a walk still going when the budget runs out stops
// there, and the time the rest would take is estimated from pages sampled across the
// table (estimate).
func (e *env) walk(ctx context.Context, clients []*client, expected []int, mem memory, budget time.Duration) (*Import, Latencies, []string, error) {
	workers := make([]*worker, len(clients))
	for i, c := range clients {
		workers[i] = &worker{c: c}
		// One request first so that the walk's first page does not pay for the connection.
		if _, _, err := workers[i].do(ctx, "GET", "/Users?startIndex=1&count=1", nil, 200); err != nil {
			return nil, nil, nil, err
		}
	}
	w := workers[0]
	out := &Import{Expected: len(expected), RSSMethod: "VmHWM"}
	if !mem.resetPeak() {
		out.RSSMethod = "VmRSS sampled every 10 ms"
	}
	watch := watchPeak(mem)
	var pages Latencies
	var errs []string
	seen := make([]int, 0, len(expected))
	total := 0
	cut := false
	start := time.Now()
	for next := 1; ; {
		if budget > 0 && len(pages) > 0 && time.Since(start) > budget {
			cut = true
			break
		}
		w = workers[len(pages)%len(workers)]
		body, d, err := w.do(ctx, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", next), nil, 200)
		if err != nil {
			errs = append(errs, err.Error())
			break
		}
		pages = append(pages, d)
		p, err := decodePage(body)
		if err != nil {
			errs = append(errs, fmt.Sprintf("page at %d: %v", next, err))
			break
		}
		total = p.Total
		if p.N != len(p.Resources) || p.Start != next {
			errs = append(errs, fmt.Sprintf("page at %d: startIndex %d, itemsPerPage %d with %d resources", next, p.Start, p.N, len(p.Resources)))
		}
		for _, r := range p.Resources {
			id, err := strconv.Atoi(r.ID)
			if err != nil {
				errs = append(errs, fmt.Sprintf("page at %d: id %q is not a number", next, r.ID))
				continue
			}
			seen = append(seen, id)
		}
		next += len(p.Resources)
		if len(p.Resources) == 0 || next > p.Total {
			break
		}
	}
	elapsed := time.Since(start)
	out.SampledRSS = watch.done()
	if _, hwm, err := mem.status(); err == nil && out.RSSMethod == "VmHWM" {
		out.PeakRSS = hwm
	} else {
		out.PeakRSS = out.SampledRSS
	}
	out.Pages = len(pages)
	out.Users = len(seen)
	out.Seconds = round3(elapsed.Seconds())
	if len(pages) > 0 {
		out.FirstPage, out.LastPage = ms(pages[0]), ms(pages[len(pages)-1])
		k := min(10, len(pages))
		out.FirstPages = ms(pages[:k].Median())
		out.LastPages = ms(pages[len(pages)-k:].Median())
	}
	if cut && len(errs) == 0 {
		out.Estimated = true
		out.WalkedPages = len(pages)
		totalPages := (total + 99) / 100
		rest, last, sampled, err := estimate(ctx, w, pages, totalPages)
		if err != nil {
			return out, pages, []string{err.Error()}, err
		}
		out.SampledPages = sampled
		out.Pages = totalPages
		out.Users = total
		out.Seconds = round3((elapsed + rest).Seconds())
		out.LastPage, out.LastPages = ms(last[len(last)-1]), ms(last.Median())
	}
	if out.Seconds > 0 {
		out.UsersPerSec = round1(float64(out.Users) / out.Seconds)
	}
	if out.FirstPages > 0 {
		out.LastToFirst = round3(out.LastPages / out.FirstPages)
	}
	out.Seen = len(seen)
	if !out.Estimated {
		out.Duplicates, out.Missing, out.Unexpected = compareIDs(expected, seen)
		out.ExactlyOnce = out.Duplicates == 0 && out.Missing == 0 && out.Unexpected == 0 && len(errs) == 0
	}
	if len(errs) > 0 {
		return out, pages, errs, errors.New(errs[0])
	}
	return out, pages, nil, nil
}

// page is the part of a list answer the walks read.
type page struct {
	Total     int `json:"totalResults"`
	Start     int `json:"startIndex"`
	N         int `json:"itemsPerPage"`
	Resources []struct {
		ID string `json:"id"`
	} `json:"Resources"`
}

func decodePage(body []byte) (page, error) {
	var p page
	err := json.Unmarshal(body, &p)
	return p, err
}

// point is a page's time, measured or the median of a few neighbouring pages.
type point struct {
	page float64 // 0-based page number
	d    time.Duration
}

// sumBetween sums the times of pages from to to-1, each interpolated linearly between
// the points around it (sorted by page), and held at the first or last point outside them.
func sumBetween(pts []point, from, to int) time.Duration {
	at := func(p float64) float64 {
		if p <= pts[0].page {
			return float64(pts[0].d)
		}
		for i := 1; i < len(pts); i++ {
			if p <= pts[i].page {
				a, b := pts[i-1], pts[i]
				return float64(a.d) + (float64(b.d)-float64(a.d))*(p-a.page)/(b.page-a.page)
			}
		}
		return float64(pts[len(pts)-1].d)
	}
	var sum float64
	for p := from; p < to; p++ {
		sum += at(float64(p))
	}
	return time.Duration(sum)
}

// estimate is the time the pages after a cut walk would have taken: it reads a few pages
// at a quarter, half and three quarters of the way and the last ten, and sums, over every
// page not walked, the page time interpolated between those points and the walked pages'
// (a page that skips with OFFSET costs more the deeper it is, so no single figure would
// do). It returns that time, the last ten pages' times and how many pages it read.
func estimate(ctx context.Context, w *worker, walked Latencies, totalPages int) (time.Duration, Latencies, int, error) {
	var pts []point
	// The walked pages, as the medians of ten slices.
	for i := range 10 {
		lo, hi := i*len(walked)/10, (i+1)*len(walked)/10
		if hi > lo {
			pts = append(pts, point{float64(lo+hi-1) / 2, walked[lo:hi].Median()})
		}
	}
	fetch := func(first, n int) (Latencies, error) {
		var ls Latencies
		for p := first; p < first+n && p < totalPages; p++ {
			_, d, err := w.do(ctx, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", 1+100*p), nil, 200)
			if err != nil {
				return nil, err
			}
			ls = append(ls, d)
		}
		return ls, nil
	}
	sampled := 0
	for _, f := range []float64{0.25, 0.5, 0.75} {
		first := int(f * float64(totalPages))
		if first < len(walked) {
			continue
		}
		ls, err := fetch(first, 3)
		if err != nil {
			return 0, nil, sampled, err
		}
		sampled += len(ls)
		pts = append(pts, point{float64(first + 1), ls.Median()})
	}
	firstLast := max(len(walked), totalPages-10)
	last, err := fetch(firstLast, 10)
	if err != nil || len(last) == 0 {
		return 0, nil, sampled, fmt.Errorf("sampling the last pages: %v", err)
	}
	sampled += len(last)
	pts = append(pts, point{float64(firstLast+totalPages-1) / 2, last.Median()})
	slices.SortStableFunc(pts, func(a, b point) int { return cmp.Compare(a.page, b.page) })
	return sumBetween(pts, len(walked), totalPages), last, sampled, nil
}

// compareIDs counts, against the sorted expected ids, the ids seen more than once, never
// and without being expected.
func compareIDs(expected, seen []int) (dup, missing, unexpected int) {
	s := slices.Clone(seen)
	slices.Sort(s)
	i, j := 0, 0
	for i < len(expected) || j < len(s) {
		switch {
		case j > 0 && j < len(s) && s[j] == s[j-1]:
			dup++
			j++
		case j >= len(s) || (i < len(expected) && expected[i] < s[j]):
			missing++
			i++
		case i >= len(expected) || s[j] < expected[i]:
			unexpected++
			j++
		default:
			i++
			j++
		}
	}
	return dup, missing, unexpected
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
