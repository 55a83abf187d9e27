package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// client sends SCIM requests to one scimsql over keep-alive connections, as the
// Provisioning Agent does.
type client struct {
	base string // URL and basePath
	auth func(*http.Request)
	http *http.Client
	urn  string // the app's custom user schema
	// walks are the mix's import walks on this server: the next startIndex per worker.
	walks []int
}

func newClient(base string, auth func(*http.Request), conns int, urn string) *client {
	tr := &http.Transport{
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &client{base: base, auth: auth, urn: urn, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// basicAuth returns a function setting a precomputed Authorization header.
func basicAuth(user, pass string) func(*http.Request) {
	h := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	return func(r *http.Request) { r.Header.Set("Authorization", h) }
}

func headerAuth(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

// worker is one concurrent client: its own random numbers and response buffer.
type worker struct {
	c   *client
	n   int // which worker
	rng *rand.Rand
	buf bytes.Buffer
}

// do sends one request and reads the whole answer, which is what the latency covers. An
// answer other than want is an error carrying the start of the body.
func (w *worker) do(ctx context.Context, method, path string, body []byte, want int) ([]byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.c.base+path, rd)
	if err != nil {
		return nil, 0, err
	}
	w.c.auth(req)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	t := time.Now()
	res, err := w.c.http.Do(req)
	if err != nil {
		return nil, time.Since(t), err
	}
	w.buf.Reset()
	_, err = w.buf.ReadFrom(res.Body)
	res.Body.Close()
	d := time.Since(t)
	if err != nil {
		return nil, d, err
	}
	if res.StatusCode != want {
		b := w.buf.Bytes()
		return b, d, fmt.Errorf("%s %s: %d, want %d: %s", method, shortPath(path), res.StatusCode, want, strings.TrimSpace(string(b[:min(len(b), 300)])))
	}
	return w.buf.Bytes(), d, nil
}

func shortPath(p string) string {
	if len(p) > 80 {
		return p[:80] + "..."
	}
	return p
}

// opFunc is one request of a scenario: it returns the operation's name (for mixes), the
// request's latency and whether it failed.
type opFunc func(ctx context.Context, w *worker) (op string, d time.Duration, err error)

// sample is one timed request.
type sample struct {
	op  string
	d   time.Duration
	err error
}

// loadResult is what a timed run measured.
type loadResult struct {
	elapsed time.Duration
	samples []sample
}

// run drives op from conc workers until dur has passed (or, with dur 0, n times in all).
func (c *client) run(ctx context.Context, conc int, dur time.Duration, n int, op opFunc) *loadResult {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var deadline time.Time
	var mu sync.Mutex
	left := n
	take := func() bool {
		if dur > 0 {
			return time.Now().Before(deadline)
		}
		mu.Lock()
		defer mu.Unlock()
		left--
		return left >= 0
	}
	per := make([][]sample, conc)
	var wg sync.WaitGroup
	start := time.Now()
	deadline = start.Add(dur)
	for i := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{c: c, n: i, rng: rand.New(rand.NewPCG(uint64(i)+1, uint64(start.UnixNano())))}
			for take() && ctx.Err() == nil {
				name, d, err := op(ctx, w)
				per[i] = append(per[i], sample{name, d, err})
			}
		}()
	}
	wg.Wait()
	r := &loadResult{elapsed: time.Since(start)}
	for _, s := range per {
		r.samples = append(r.samples, s...)
	}
	return r
}

// merge joins the runs of one server into one: their samples, and their time in all.
func merge(runs []*loadResult) *loadResult {
	out := &loadResult{}
	for _, r := range runs {
		out.elapsed += r.elapsed
		out.samples = append(out.samples, r.samples...)
	}
	return out
}

// OpStats is one operation's figures in a run.
type OpStats struct {
	Summary
	Errors     int     `json:"errors"`
	Throughput float64 `json:"throughput"`
}

// summarize returns the figures of the whole run, per operation, and up to three
// distinct error messages.
func (r *loadResult) summarize() (all OpStats, ops map[string]OpStats, errs []string) {
	byOp := map[string]Latencies{}
	errByOp := map[string]int{}
	var lat Latencies
	seen := map[string]bool{}
	for _, s := range r.samples {
		if s.err != nil {
			all.Errors++
			errByOp[s.op]++
			msg := s.err.Error()
			if !seen[msg] && len(errs) < 3 {
				seen[msg] = true
				errs = append(errs, msg)
			}
			continue
		}
		lat = append(lat, s.d)
		byOp[s.op] = append(byOp[s.op], s.d)
	}
	secs := r.elapsed.Seconds()
	all.Summary = lat.Summarize()
	all.Throughput = round1(float64(len(lat)) / secs)
	ops = map[string]OpStats{}
	names := map[string]bool{}
	for k := range byOp {
		names[k] = true
	}
	for k := range errByOp {
		names[k] = true
	}
	var keys []string
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		l := byOp[k]
		ops[k] = OpStats{Summary: l.Summarize(), Errors: errByOp[k], Throughput: round1(float64(len(l)) / secs)}
	}
	return all, ops, errs
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
