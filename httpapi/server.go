package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/internal/logagg"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/scim"
)

// Handler serves SCIM for whichever engine is current. Swap replaces it atomically:
// requests already running finish on the engine they started with.
type Handler struct {
	cur      atomic.Pointer[State]
	log      *slog.Logger
	failed   atomic.Int64 // authentication failures
	observer Observer
	// bodies bounds the bytes of request bodies held at once, across every request and
	// every mapping the handler serves in turn.
	bodies budget
	// throttle counts failed authentications per client address, across reloads; held
	// bounds the refusals it holds back at once.
	throttle throttle
	held     chan struct{}
	holdFor  time.Duration // throttleHold, unless a test says otherwise
	// verified remembers which addresses authenticated lately.
	verified verifiedHere
	// logs folds repeated failures (wrong credentials, a database outage) into a line
	// per cause and interval.
	logs *logagg.Logger
}

// Observer is told about every request, for metrics.
type Observer interface {
	Request(op string, status int, d time.Duration)
	AuthFailed()
}

// State is everything a request needs, built once per engine: the engine, its codec,
// router and authenticator. A server that publishes more with it (its status, its
// operator endpoints) holds States itself and serves each request with ServeState, so
// that one request sees one generation throughout.
type State struct {
	eng      *engine.Engine
	codec    *scim.Codec
	router   *httprouter.Router
	auth     authFunc
	base     string
	inflight atomic.Int64
}

// New returns a handler serving e.
func New(e *engine.Engine, log *slog.Logger) *Handler {
	h := NewHandler(log)
	h.Swap(e)
	return h
}

// NewHandler returns a handler with no engine of its own: it serves the States its
// caller makes with NewState and passes to ServeState (package server does).
func NewHandler(log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{log: log, logs: logagg.New(log, 10*time.Second), held: make(chan struct{}, maxHeld)}
}

// SetObserver sets the request observer; call it before serving.
func (h *Handler) SetObserver(o Observer) { h.observer = o }

// Swap makes e the engine for new requests. The returned function waits, up to ctx,
// until no request is still running on the engine that was replaced, so its database
// pool can be closed safely.
func (h *Handler) Swap(e *engine.Engine) (drained func(ctx context.Context) error) {
	st := h.NewState(e, h.cur.Load())
	old := h.cur.Swap(st)
	return func(ctx context.Context) error {
		if old == nil {
			return nil
		}
		return old.Drained(ctx)
	}
}

// NewState builds what requests on e need. prev is the state it replaces, if any: when
// the credentials are the same, those already verified stay verified (no bcrypt again).
func (h *Handler) NewState(e *engine.Engine, prev *State) *State {
	m := e.Mapping()
	st := &State{eng: e, codec: &scim.Codec{M: m}, base: m.Server.BasePath}
	if prev != nil && prev.eng.Mapping().Server.Auth == m.Server.Auth {
		st.auth = prev.auth
	} else {
		st.auth = Authenticator(m.Server.Auth)
	}
	st.router = h.routes(st)
	return st
}

// Acquire counts a request on st; Release ends it.
func (st *State) Acquire() { st.inflight.Add(1) }

// Release ends a request counted by Acquire.
func (st *State) Release() { st.inflight.Add(-1) }

// Engine returns the state's engine.
func (st *State) Engine() *engine.Engine { return st.eng }

// Drained waits, up to ctx, until no request counted on st is still running, so that its
// engine and pool can be closed safely.
func (st *State) Drained(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for st.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d requests still running on the previous mapping", st.inflight.Load())
		case <-t.C:
		}
	}
	return nil
}

// acquire returns the current state with the request counted on it. The second load
// makes sure a Swap that happened meanwhile is seen: a request either is counted on the
// state it uses or moves on to the new one.
func (h *Handler) acquire() *State {
	for {
		st := h.cur.Load()
		st.inflight.Add(1)
		if h.cur.Load() == st {
			return st
		}
		st.inflight.Add(-1)
	}
}

// Engine returns the current engine.
func (h *Handler) Engine() *engine.Engine { return h.cur.Load().eng }

// AuthFailures is the number of rejected credentials since start.
func (h *Handler) AuthFailures() int64 { return h.failed.Load() }

// reqKey keys a request's *reqInfo in its context.
type reqKey struct{}

// reqInfo is what a request carries in its context: one value, so that serving a request
// adds one layer to the context, not one per field.
type reqInfo struct {
	st *State
	id string
	// v2 says the request is SCIM 2.0 (under /v2): decided once, and every answer, an
	// error too, is in its protocol.
	v2 bool
	// reserved is what the request holds of the body budget, given back when it ends.
	reserved int64
}

// canonical resource names, matched case-insensitively (a trailing slash or a case
// difference in the path must not become a confusing 404).
var segments = map[string]string{
	"users": "Users", "groups": "Groups", "serviceproviderconfigs": "ServiceProviderConfigs",
	"serviceproviderconfig": "ServiceProviderConfig", "v1": "v1", "v2": "v2",
	"resourcetypes": "ResourceTypes", "schemas": "Schemas",
}

// canonicalSegments are the values of segments.
var canonicalSegments = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range segments {
		m[v] = true
	}
	return m
}()

// validRequestID says whether a client's X-Request-Id can be used as ours: 1 to 64 of
// [A-Za-z0-9._-], so that it can go into logs as it is.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := h.acquire()
	defer st.inflight.Add(-1)
	h.ServeState(st, w, r)
}

// ServeState serves r with st, which the caller has counted the request on (Acquire).
func (h *Handler) ServeState(st *State, w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = newRequestID()
	}
	w.Header()["X-Request-Id"] = []string{id} // canonical already: no Set
	// The status recorder and the request's context value in one allocation.
	rs := &reqScope{statusRecorder: statusRecorder{ResponseWriter: w, status: 200}, reqInfo: reqInfo{st: st, id: id}}
	rec := &rs.statusRecorder
	ctx := context.WithValue(r.Context(), reqKey{}, &rs.reqInfo)
	r = r.WithContext(ctx)
	r.URL.Path = normalize(r.URL.Path, st.base)
	rs.reqInfo.v2 = isV2(r, st.base)
	defer func() {
		h.bodies.release(rs.reserved) // the request's body, decoded and answered, is done
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "panic serving request", "panic", fmt.Sprint(p))
			if rec.status == 200 && !rec.wrote {
				h.writeError(rec, r, http.StatusInternalServerError, scim.CodeServer, "internal error; the request id is "+id)
			}
		}
		logged := !rs.quiet && h.log.Enabled(ctx, slog.LevelInfo)
		if !logged && h.observer == nil {
			return
		}
		// The query string is not logged: filters carry user names and e-mail addresses.
		op := Operation(r.Method, r.URL.Path, st.base)
		elapsed := time.Since(start)
		if logged {
			// As attributes, not key-value pairs: no value boxed, one record built.
			attrs := [6]slog.Attr{slog.String("op", op), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Int64("duration_ms", elapsed.Milliseconds())}
			n := 5
			if rec.reason != "" {
				// Why a request was refused, as the client was told: an operator reads it here.
				attrs[5], n = slog.String("reason", rec.reason), 6
			}
			// Handed to the handler as a record, not through Logger.LogAttrs: the access
			// line has no source worth the stack walk a logger call makes for one.
			line := slog.NewRecord(start.Add(elapsed), slog.LevelInfo, "request", 0)
			line.AddAttrs(attrs[:n]...)
			_ = h.log.Handler().Handle(ctx, line)
		}
		if h.observer != nil {
			h.observer.Request(op, rec.status, elapsed)
		}
	}()
	if !h.authenticate(rs, r, st) {
		return
	}
	st.router.ServeHTTP(rec, r)
}

// throttleHold is how long a refusal for too many failures is held before it is sent:
// a client that asks again at once (a guessing loop) then asks at most once a second per
// connection, at the cost of a sleeping goroutine, instead of as fast as it is answered,
// which would take the processor from the agent however cheap each refusal is. At most
// maxHeld refusals are held at once; the others are answered at once.
const (
	throttleHold = time.Second
	maxHeld      = 1024
)

// hold waits throttleHold, when fewer than maxHeld refusals are waiting.
func (h *Handler) hold(ctx context.Context) {
	select {
	case h.held <- struct{}{}:
	default:
		return
	}
	d := h.holdFor
	if d == 0 {
		d = throttleHold
	}
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	<-h.held
}

// authenticate checks the request's credentials, unless its client address has failed
// too often (then 429, without checking). A refusal is answered here, and logged once
// per address and interval with the number refused, instead of a line per request.
func (h *Handler) authenticate(rs *reqScope, r *http.Request, st *State) bool {
	srv := st.eng.Mapping().Server
	if srv.Auth.Type == "none" {
		return true
	}
	w, ctx := &rs.statusRecorder, r.Context()
	lim := srv.Limits
	addr := clientAddr(r, srv.TrustedProxies)
	if wait, blocked := h.throttle.blocked(addr, lim.MaxAuthFailures, lim.AuthFailureWindow); blocked {
		// Credentials that authenticated from this address before go on (the agent, when
		// a client at its address is guessing); nothing else is checked.
		if h.verified.has(addr) && st.auth(r) {
			h.verified.add(addr)
			return true
		}
		rs.quiet = true
		h.hold(ctx)
		secs := int(math.Ceil(wait.Seconds()))
		h.logs.Warn(ctx, "throttled "+addr.String(), "authentication refused: too many failures from this address",
			"remote", addr.String(), "retry_after_s", secs)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("Connection", "close")
		msg := fmt.Sprintf("too many failed authentications from this address (server.limits.maxAuthFailures %d per %s); retry in %d s",
			lim.MaxAuthFailures, lim.AuthFailureWindow, secs)
		h.refuse(w, r, http.StatusTooManyRequests, scim.CodeTooMany, "", msg)
		return false
	}
	if st.auth(r) {
		h.verified.add(addr)
		return true
	}
	h.throttle.failed(addr, lim.MaxAuthFailures, lim.AuthFailureWindow)
	h.failed.Add(1)
	if h.observer != nil {
		h.observer.AuthFailed()
	}
	// The presented credentials are never logged.
	rs.quiet = true
	h.logs.Warn(ctx, "auth failed "+addr.String(), "authentication failed", "remote", addr.String())
	if srv.Auth.Type == "basic" {
		w.Header().Set("WWW-Authenticate", `Basic realm="scimsql"`)
	}
	const msg = "authentication failed: check the credentials configured for this app in Okta"
	h.refuse(w, r, http.StatusUnauthorized, scim.CodeUnauthorized, "", msg)
	return false
}

// Request ids are a random prefix, drawn once, and a counter: unique within and (with
// overwhelming odds) across processes, without asking the system for randomness on every
// request.
var (
	reqIDPrefix = func() uint64 {
		var b [4]byte
		_, _ = rand.Read(b[:])
		return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32
	}()
	reqIDCounter atomic.Uint64
)

func newRequestID() string {
	n := reqIDPrefix | reqIDCounter.Add(1)&0xffffffff
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexDigits[n&0xf]
		n >>= 4
	}
	return string(b[:])
}

const hexDigits = "0123456789abcdef"

// reqScope is what ServeHTTP allocates for a request.
type reqScope struct {
	statusRecorder
	reqInfo
	// quiet leaves out the access line: the request was refused before it reached SCIM,
	// and an aggregated line tells about it instead.
	quiet bool
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	// reason is the detail of an error answer, for the access line.
	reason string
}

// noteReason keeps an error answer's detail for the request's access line.
func noteReason(w http.ResponseWriter, detail string) {
	if sr, ok := w.(*statusRecorder); ok {
		if len(detail) > 300 {
			detail = detail[:300] + "…"
		}
		sr.reason = detail
	}
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status, s.wrote = code, true
	s.ResponseWriter.WriteHeader(code)
}

// normalize collapses repeated slashes, drops a trailing slash and fixes the case of
// known resource names after the base path.
func normalize(p, base string) string {
	if isNormal(p, base) {
		return p
	}
	return normalizePath(p, base)
}

// normalizePath is normalize without the shortcut.
func normalizePath(p, base string) string {
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	rest := p
	if base != "" {
		if len(p) < len(base) || !strings.EqualFold(p[:len(base)], base) {
			return p
		}
		rest = p[len(base):]
		p = base
	} else {
		p = ""
	}
	parts := strings.Split(rest, "/")
	for i, s := range parts {
		if i >= 2 && (parts[i-1] == "Users" || parts[i-1] == "Groups") {
			break // an id: leave it as it is, even one spelled like a resource name
		}
		if c, ok := segments[strings.ToLower(s)]; ok && i <= 2 {
			parts[i] = c
		}
	}
	return p + strings.Join(parts, "/")
}

// isNormal says whether normalize would leave p as it is, without allocating: the agent's
// paths almost always are (/Users/10001, /Groups?...).
func isNormal(p, base string) bool {
	if strings.Contains(p, "//") || len(p) > 1 && p[len(p)-1] == '/' {
		return false
	}
	rest := p
	if base != "" {
		if len(p) < len(base) || p[:len(base)] != base {
			return false // normalize decides (a base path in another case, or another path)
		}
		rest = p[len(base):]
	}
	prev := ""
	for i := 0; ; i++ {
		seg, after, more := strings.Cut(rest, "/")
		if i > 2 || i == 2 && (prev == "Users" || prev == "Groups") {
			return true // normalize changes nothing past the resource name's id
		}
		if c, ok := canonicalSegment(seg); ok && c != seg {
			return false
		}
		if !more {
			return true
		}
		prev, rest = seg, after
	}
}

// canonicalSegment is the canonical spelling of a known path segment, found without
// lower-casing it into a new string.
func canonicalSegment(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if canonicalSegments[s] {
		return s, true // the usual case: already spelled right
	}
	for k, v := range segments {
		if strings.EqualFold(k, s) {
			return v, true
		}
	}
	return "", false
}

func (h *Handler) routes(st *State) *httprouter.Router {
	r := httprouter.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if v2(req) {
			h.writeError2(w, http.StatusNotFound, "", fmt.Sprintf("there is no SCIM endpoint at %s", req.URL.Path))
			return
		}
		h.writeError(w, req, http.StatusNotImplemented, scim.CodeNoEndpoint, fmt.Sprintf("there is no resource for %s %s", req.Method, req.URL.Path))
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if v2(req) {
			// Discovery endpoints are read-only; users are never deleted, only deactivated.
			h.writeError2(w, http.StatusMethodNotAllowed, "", fmt.Sprintf("%s is not supported on %s", req.Method, req.URL.Path))
			return
		}
		h.writeError(w, req, http.StatusNotImplemented, scim.CodeNoEndpoint, fmt.Sprintf("there is no resource for %s %s", req.Method, req.URL.Path))
	})
	h.routes2(r, st)
	for _, prefix := range []string{st.base, st.base + "/v1"} {
		r.GET(prefix+"/ServiceProviderConfigs", h.serviceProviderConfigs)
		r.GET(prefix+"/ServiceProviderConfig", h.serviceProviderConfigs)
		r.GET(prefix+"/Users", h.getUsers)
		r.POST(prefix+"/Users", h.createUser)
		r.GET(prefix+"/Users/*id", h.getUser)
		r.PUT(prefix+"/Users/*id", h.updateUser)
		r.GET(prefix+"/Groups", h.getGroups)
		r.POST(prefix+"/Groups", h.createGroup)
		r.GET(prefix+"/Groups/*id", h.getGroup)
		r.PUT(prefix+"/Groups/*id", h.updateGroup)
		r.DELETE(prefix+"/Groups/*id", h.deleteGroup)
	}
	return r
}

func stateOf(r *http.Request) *State { return r.Context().Value(reqKey{}).(*reqInfo).st }

// RequestID returns the request id of a request served by Handler.
func RequestID(ctx context.Context) string {
	if ri, ok := ctx.Value(reqKey{}).(*reqInfo); ok {
		return ri.id
	}
	return ""
}

// crlf replaces CR and LF, as Okta's SDK does: they never reach the engine.
var crlf = strings.NewReplacer("\r", "_", "\n", "_")

func idParam(ps httprouter.Params) string {
	id := strings.TrimPrefix(ps.ByName("id"), "/")
	if strings.ContainsAny(id, "\r\n") {
		id = crlf.Replace(id)
	}
	return id
}

const contentType = "application/json;charset=UTF-8"

// responses are response buffers, reused: a group answer is megabytes.
var responses = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeBody writes v with status and content type ct. A *scim.Object writes itself into a
// pooled buffer, which is much faster than going through encoding/json (that would
// compact every nested object's output again).
func (h *Handler) writeBody(w http.ResponseWriter, status int, ct string, v any) {
	bp := responses.Get().(*[]byte)
	var b []byte
	var err error
	if o, ok := v.(*scim.Object); ok {
		b, err = o.AppendJSON((*bp)[:0])
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		h.log.Error("encoding response", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"detail":"internal error encoding the response"}`)
	}
	w.Header()["Content-Type"] = contentTypeHeader(ct)
	if len(b) > 2048 {
		// net/http sizes small answers itself, but sends a larger one without a length in
		// chunks: a page of users or a group is written whole, with its length, instead.
		w.Header()["Content-Length"] = []string{strconv.Itoa(len(b))}
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
	if cap(b) <= 32<<20 && cap(b) >= cap(*bp) {
		*bp = b[:0] // the writer keeps nothing of b once Write returns
	}
	responses.Put(bp)
}

// The Content-Type header values, made once: net/http only reads them, and each has no
// room to grow, so that an Add elsewhere copies instead of writing into them.
var (
	contentTypeValue  = []string{contentType}
	contentType2Value = []string{contentType2}
)

func contentTypeHeader(ct string) []string {
	switch ct {
	case contentType:
		return contentTypeValue
	case contentType2:
		return contentType2Value
	}
	return []string{ct}
}

func (h *Handler) writeJSON(w http.ResponseWriter, status int, v any) {
	h.writeBody(w, status, contentType, v)
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	noteReason(w, detail)
	h.writeJSON(w, status, scim.Error11(status, code, detail))
}

// fail maps an engine error to a SCIM error response.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, resource string) {
	c, err := h.answer(r, err)
	code := c.code11
	if c.err == engine.ErrConflict && resource == "group" {
		code = scim.CodeDuplicateGroup
	}
	h.writeError(w, r, c.status, code, err.Error())
}

// decode reads a JSON object body, answering 413 past the mapping's size limit and 400
// for anything that is not one JSON object.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	body, ok := h.readBody(w, r)
	if !ok {
		return nil, false
	}
	defer putBody(body)
	doc, err := scim.DecodeObject(body.Bytes())
	if err != nil {
		h.badSyntax(w, r, err.Error())
		return nil, false
	}
	return doc, true
}

// decodeGroup reads a group body in one pass (scim.DecodeGroupJSON): a department of
// 25,000 members is a 1.5 MB body, which generic decoding would spend most of a group
// push on.
func (h *Handler) decodeGroup(w http.ResponseWriter, r *http.Request) (*engine.Group, bool) {
	body, ok := h.readBody(w, r)
	if !ok {
		return nil, false
	}
	defer putBody(body)
	st := stateOf(r)
	g, err := st.codec.DecodeGroupJSON(body.Bytes())
	switch {
	case errors.Is(err, scim.ErrSyntax):
		h.badSyntax(w, r, err.Error())
		return nil, false
	case err != nil:
		h.failIn(w, r, err, "group")
		return nil, false
	}
	return g, true
}

// bodies are request body buffers, reused: a group push reads megabytes.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBody(b *bytes.Buffer) {
	if b.Cap() <= 32<<20 {
		b.Reset()
		bodies.Put(b)
	}
}

// bodyLimit is the largest body of r: a group write carries every member
// (server.maxBodyBytes), anything else is a user or a search (server.maxUserBodyBytes).
func bodyLimit(r *http.Request, st *State) int64 {
	srv := st.eng.Mapping().Server
	switch Operation(r.Method, r.URL.Path, st.base) {
	case "createGroup", "updateGroup", "patchGroup":
		return srv.MaxBody
	}
	return min(srv.MaxUserBody, srv.MaxBody)
}

// bodyWait is how long a request waits for room in the body budget before it is told to
// come back.
const bodyWait = 5 * time.Second

// inflightLimit is the body budget: server.limits.maxBodyBytesInFlight, or an eighth of
// the process's memory limit (at least one largest body, and 64 MiB without a limit).
func inflightLimit(srv mappings.Server) int64 {
	if n := srv.Limits.MaxBodyBytesInFlight; n > 0 {
		return n
	}
	n := int64(64 << 20)
	if ml := debug.SetMemoryLimit(-1); ml > 0 && ml < math.MaxInt64 {
		n = ml / 8
	}
	return max(n, srv.MaxBody)
}

// readBody reads the whole request body, answering 413 past its size limit and 429 when
// the bodies already held leave no room for it. The caller returns the buffer with putBody.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (*bytes.Buffer, bool) {
	st := stateOf(r)
	limit := bodyLimit(r, st)
	if r.ContentLength > limit {
		h.tooLarge(w, r, limit)
		return nil, false
	}
	// Held until the request ends: the decoded body and the answer built from it are
	// of its size too.
	want := limit
	if r.ContentLength >= 0 {
		want = r.ContentLength
	}
	budget := inflightLimit(st.eng.Mapping().Server)
	if !h.bodies.acquire(r.Context(), want, budget, bodyWait) {
		w.Header().Set("Retry-After", "2")
		msg := fmt.Sprintf("too many large request bodies are being processed (server.limits.maxBodyBytesInFlight, %d bytes); retry in a few seconds", budget)
		h.refuse(w, r, http.StatusTooManyRequests, scim.CodeTooMany, "", msg)
		return nil, false
	}
	r.Context().Value(reqKey{}).(*reqInfo).reserved += want
	b := bodies.Get().(*bytes.Buffer)
	if n := r.ContentLength; n > 0 && n <= limit {
		b.Grow(int(n) + bytes.MinRead)
	}
	_, err := b.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		putBody(b)
		h.tooLarge(w, r, mbe.Limit)
		return nil, false
	case err != nil:
		putBody(b)
		h.badSyntax(w, r, "the request body could not be read: "+err.Error())
		return nil, false
	}
	return b, true
}

// tooLarge answers 413 for a body past limit.
func (h *Handler) tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	st := stateOf(r)
	what := "server.maxBodyBytes"
	if limit == st.eng.Mapping().Server.MaxUserBody {
		what = "server.maxUserBodyBytes"
	}
	msg := fmt.Sprintf("request body larger than %d bytes (%s)", limit, what)
	h.refuse(w, r, http.StatusRequestEntityTooLarge, scim.CodeTooLarge, "", msg)
}

// badSyntax answers 400 for a body that is not one JSON object.
func (h *Handler) badSyntax(w http.ResponseWriter, r *http.Request, msg string) {
	h.refuse(w, r, http.StatusBadRequest, scim.CodeBadBody, "invalidSyntax", msg)
}

// refuse answers an error in the request's protocol: a SCIM 2.0 error (RFC 7644 §3.12,
// with scimType) under /v2, else Okta's SCIM 1.1 error with its internal code.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, code11, scimType, msg string) {
	if v2(r) {
		h.writeError2(w, status, scimType, msg)
		return
	}
	h.writeError(w, r, status, code11, msg)
}

// failIn answers an engine error in the request's protocol.
func (h *Handler) failIn(w http.ResponseWriter, r *http.Request, err error, resource string) {
	if v2(r) {
		h.fail2(w, r, err)
		return
	}
	h.fail(w, r, err, resource)
}

// v2 says whether r is a SCIM 2.0 request.
func v2(r *http.Request) bool { return r.Context().Value(reqKey{}).(*reqInfo).v2 }

// query reads filter, startIndex and count; either one non-numeric or negative is a 400.
// startIndex defaults to 1 and count to the largest page served: a list without them is
// its first page, and totalResults says how many there are (Okta's SDK returned every
// match in one answer, which one request could make cost the whole table; the agent
// itself always pages).
func query(r *http.Request) (engine.Query, error) {
	f, si, c := listQuery(r.URL.RawQuery)
	q := engine.Query{Filter: f}
	parse := func(name, s string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return 0, fmt.Errorf("%w: %s must be a whole number, got %q", engine.ErrInvalidPaging, name, s)
		}
		if n < 0 {
			return 0, fmt.Errorf("%w: %s must not be negative, got %d", engine.ErrInvalidPaging, name, n)
		}
		return n, nil
	}
	var err error
	if si != "" {
		if q.StartIndex, err = parse("startIndex", si); err != nil {
			return q, err
		}
	}
	if c != "" {
		if q.Count, err = parse("count", c); err != nil {
			return q, err
		}
	}
	q.Paged = c != ""
	return q, nil
}

// listQuery returns the first filter, startIndex and count of a query string, as
// url.Values.Get would (pairs that do not decode are skipped), without building the map
// of every parameter on each list request.
func listQuery(raw string) (filter, startIndex, count string) {
	var seen [3]bool
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue // url.ParseQuery refuses these; Query drops them
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		i := slices.Index([]string{"filter", "startIndex", "count"}, key)
		if i < 0 || seen[i] {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		seen[i] = true
		switch i {
		case 0:
			filter = val
		case 1:
			startIndex = val
		case 2:
			count = val
		}
	}
	return filter, startIndex, count
}

// Operation names a request by the SCIMService method it calls, for logs and metrics.
func Operation(method, path, base string) string {
	rest := strings.TrimPrefix(path, base)
	rest = strings.TrimPrefix(strings.TrimPrefix(rest, "/v1"), "/v2")
	res, id, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	hasID := id != ""
	switch {
	case res == "ServiceProviderConfigs" || res == "ServiceProviderConfig":
		return "getImplementedUserManagementCapabilities"
	case res == "Users" && method == http.MethodGet && !hasID:
		return "getUsers"
	case res == "Users" && method == http.MethodGet:
		return "getUser"
	case res == "Users" && method == http.MethodPost && !hasID:
		return "createUser"
	case res == "Users" && method == http.MethodPut && hasID:
		return "updateUser"
	case res == "Users" && method == http.MethodPatch && hasID:
		return "patchUser"
	case res == "Groups" && method == http.MethodPatch && hasID:
		return "patchGroup"
	case (res == "Users" || res == "Groups") && method == http.MethodPost && id == ".search":
		return "search" + res
	case res == "ResourceTypes" || res == "Schemas":
		return "discovery"
	case res == "Groups" && method == http.MethodGet && !hasID:
		return "getGroups"
	case res == "Groups" && method == http.MethodGet:
		return "getGroup"
	case res == "Groups" && method == http.MethodPost && !hasID:
		return "createGroup"
	case res == "Groups" && method == http.MethodPut && hasID:
		return "updateGroup"
	case res == "Groups" && method == http.MethodDelete && hasID:
		return "deleteGroup"
	}
	return "other"
}
