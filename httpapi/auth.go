package httpapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"math"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

// Authentication that cannot be turned against the connector:
//
//   - credentials are compared in constant time, over digests, and a bcrypt hash is
//     compared for an unknown user name too, so that neither timing tells a user name;
//   - credentials that passed are remembered for a while, keyed by a keyed hash (never
//     the secret), so the agent's traffic pays bcrypt once, not per request;
//   - bcrypt runs on at most half the cores at once: a flood of wrong passwords cannot
//     take the processor from the agent;
//   - failures are counted per client address; past server.limits.maxAuthFailures per
//     authFailureWindow, the address gets 429 with Retry-After, held for a second, and
//     its credentials are not even checked, except credentials that authenticated from
//     that address lately (the agent, when it shares an address with the one guessing).

type authFunc func(*http.Request) bool

// credKey is the per-process key of the hashes by which credentials are remembered.
var credKey = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

// verifiedTTL is how long credentials that passed are taken as passed after their last
// use: without bcrypt again, and while their address is throttled.
const verifiedTTL = 5 * time.Minute

// bcryptSlots bounds the bcrypt comparisons running at once to half the cores.
var bcryptSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// bcryptAuth checks Basic credentials against a bcrypt hash. bcrypt is slow on purpose,
// so credentials that passed are remembered (by keyed hash) until verifiedTTL after their
// last use, and the agent's steady traffic costs a map lookup. A wrong user name pays bcrypt like a wrong
// password, so that the time taken does not say which user names exist.
func bcryptAuth(user, hash string, compare func(hash, password []byte) error) authFunc {
	var mu sync.Mutex
	good := map[[32]byte]time.Time{}
	// bad remembers credentials that failed, for a minute: a client that sends the same
	// wrong password again and again (a misconfigured agent, a flood) costs one bcrypt,
	// not one a request. An unknown user name is remembered the same way.
	bad := map[[32]byte]time.Time{}
	wantUser := sha256.Sum256([]byte(user))
	return func(r *http.Request) bool {
		u, p, ok := r.BasicAuth()
		if !ok {
			return false
		}
		m := hmac.New(sha256.New, credKey)
		m.Write([]byte(u + "\x00" + p))
		var key [32]byte
		m.Sum(key[:0])
		now := time.Now()
		mu.Lock()
		exp, hit := good[key]
		if hit && now.Before(exp) && exp.Sub(now) < verifiedTTL/2 {
			good[key] = now.Add(verifiedTTL) // in use: kept while the agent keeps calling
		}
		failed, known := bad[key]
		mu.Unlock()
		if hit && now.Before(exp) {
			return true
		}
		if known && now.Before(failed) {
			return false
		}
		gotUser := sha256.Sum256([]byte(u))
		userOK := subtle.ConstantTimeCompare(gotUser[:], wantUser[:]) == 1
		select {
		case bcryptSlots <- struct{}{}:
		case <-r.Context().Done():
			return false
		}
		pwOK := compare([]byte(hash), []byte(p)) == nil
		<-bcryptSlots
		mu.Lock()
		defer mu.Unlock()
		if !userOK || !pwOK {
			if len(bad) >= 1024 {
				clear(bad)
			}
			bad[key] = time.Now().Add(time.Minute)
			return false
		}
		if len(good) > 64 { // a few credentials at most are ever right
			clear(good)
		}
		good[key] = time.Now().Add(verifiedTTL)
		return true
	}
}

// Authenticator returns a check of a request's credentials against a. It compares in
// constant time, over SHA-256 digests so that neither content nor length leaks through
// timing.
func Authenticator(a mappings.Auth) func(*http.Request) bool {
	digest := func(s string) [32]byte { return sha256.Sum256([]byte(s)) }
	switch a.Type {
	case "basic":
		if h := a.PasswordHash.Reveal(); h != "" {
			return bcryptAuth(a.Username, h, bcrypt.CompareHashAndPassword)
		}
		want := digest(base64.StdEncoding.EncodeToString([]byte(a.Username + ":" + a.Password.Reveal())))
		return func(r *http.Request) bool {
			h := r.Header.Get("Authorization")
			if len(h) < 6 || !strings.EqualFold(h[:6], "basic ") {
				return false
			}
			got := digest(strings.TrimSpace(h[6:]))
			return subtle.ConstantTimeCompare(got[:], want[:]) == 1
		}
	case "header":
		want := digest(a.Value.Reveal())
		name := a.Header
		return func(r *http.Request) bool {
			got := digest(r.Header.Get(name))
			return subtle.ConstantTimeCompare(got[:], want[:]) == 1
		}
	}
	return func(*http.Request) bool { return true }
}

// verifiedHere remembers which client addresses authenticated lately, for verifiedTTL
// after their last success: while an address is throttled, a request from it with the
// right credentials goes on (the agent, behind the same NAT or load balancer as a client
// guessing), and nothing else is checked. Only one set of credentials is ever right, so
// the address is the whole key: nothing about the credentials is kept, and the agent's
// steady traffic costs one map look-up, not a keyed hash per request. A client elsewhere
// that guesses right learns nothing.
type verifiedHere struct {
	m sync.Map // netip.Addr → *atomic.Int64, expiry in Unix nanoseconds
	n atomic.Int64
}

// maxVerified bounds the addresses remembered; past it they are forgotten all at once.
const maxVerified = 4096

// add remembers k, or pushes its expiry on when it is half gone.
func (v *verifiedHere) add(k netip.Addr) {
	now := time.Now().UnixNano()
	if e, ok := v.m.Load(k); ok {
		exp := e.(*atomic.Int64)
		if exp.Load()-now < int64(verifiedTTL/2) {
			exp.Store(now + int64(verifiedTTL))
		}
		return
	}
	if v.n.Add(1) > maxVerified {
		v.m.Clear()
		v.n.Store(1)
	}
	exp := new(atomic.Int64)
	exp.Store(now + int64(verifiedTTL))
	v.m.Store(k, exp)
}

// has says whether k authenticated lately.
func (v *verifiedHere) has(k netip.Addr) bool {
	e, ok := v.m.Load(k)
	return ok && e.(*atomic.Int64).Load() > time.Now().UnixNano()
}

// clientAddr is the address failures are counted against: the connection's, or, from a
// trusted proxy, the last address in X-Forwarded-For that is not itself a trusted proxy.
// IPv6 addresses count by their /64, which one client usually holds whole.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	if isTrusted(addr, trusted) {
		xff := r.Header.Values("X-Forwarded-For")
	walk:
		for i := len(xff) - 1; i >= 0; i-- {
			parts := strings.Split(xff[i], ",")
			for j := len(parts) - 1; j >= 0; j-- {
				a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
				if err != nil {
					break walk // a malformed hop: trust nothing past it
				}
				addr = a.Unmap()
				if !isTrusted(addr, trusted) {
					break walk
				}
			}
		}
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.Addr()
	}
	return addr
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// maxTracked bounds the addresses whose failures are followed; past it, new ones share
// one count, so that a client varying its address cannot grow the map.
const maxTracked = 100000

// throttle counts failed authentications per client address, as a token bucket: an
// address holds up to max tries, spends one per failure, and gets one back every
// window/max. Without tries left it is refused until one comes back; each time it runs
// out again after that, tries come back half as fast (down to 1/64), until it has them
// all back: a client that keeps guessing costs fewer and fewer bcrypt comparisons.
type throttle struct {
	mu    sync.Mutex
	addrs map[netip.Addr]*tries
	n     atomic.Int32 // len(addrs), read without the lock: usually 0
	swept time.Time
}

type tries struct {
	left    float64
	at      time.Time
	strikes int // times it ran out since it last had every try back
}

// rate is the tries t gets back per second.
func (t *tries) rate(limit int, window time.Duration) float64 {
	slow := min(max(t.strikes-1, 0), 6)
	return float64(limit) / window.Seconds() / float64(int(1)<<slow)
}

// refill brings t up to now.
func (t *tries) refill(now time.Time, max int, window time.Duration) {
	t.left = math.Min(float64(max), t.left+now.Sub(t.at).Seconds()*t.rate(max, window))
	if t.left >= float64(max) {
		t.strikes = 0
	}
	t.at = now
}

// blocked says whether addr has no tries left, and when it will have one.
func (th *throttle) blocked(addr netip.Addr, max int, window time.Duration) (time.Duration, bool) {
	if th.n.Load() == 0 {
		return 0, false // nobody failed lately: the agent's every request
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	t := th.addrs[addr]
	if t == nil {
		if len(th.addrs) < maxTracked {
			return 0, false
		}
		if t = th.addrs[netip.Addr{}]; t == nil {
			return 0, false
		}
	}
	now := time.Now()
	t.refill(now, max, window)
	if t.left >= float64(max) && addr.IsValid() {
		delete(th.addrs, addr) // every try back: forgotten
		th.n.Store(int32(len(th.addrs)))
	}
	if t.left >= 1 {
		return 0, false
	}
	return time.Duration((1 - t.left) / t.rate(max, window) * float64(time.Second)), true
}

// failed spends one of addr's tries.
func (th *throttle) failed(addr netip.Addr, max int, window time.Duration) {
	th.mu.Lock()
	defer th.mu.Unlock()
	if th.addrs == nil {
		th.addrs = map[netip.Addr]*tries{}
	}
	now := time.Now()
	if len(th.addrs) >= 1024 && now.Sub(th.swept) > window {
		th.sweep(now, max, window)
	}
	t := th.addrs[addr]
	if t == nil {
		if len(th.addrs) >= maxTracked {
			th.sweep(now, max, window)
		}
		if len(th.addrs) >= maxTracked {
			addr = netip.Addr{}
		}
		if t = th.addrs[addr]; t == nil {
			t = &tries{left: float64(max), at: now}
			th.addrs[addr] = t
		}
		th.n.Store(int32(len(th.addrs)))
	}
	t.refill(now, max, window)
	t.left = math.Max(0, t.left-1)
	if t.left < 1 {
		t.strikes++
	}
}

// sweep forgets addresses whose tries are all back.
func (th *throttle) sweep(now time.Time, max int, window time.Duration) {
	th.swept = now
	for a, t := range th.addrs {
		t.refill(now, max, window)
		if t.left >= float64(max) {
			delete(th.addrs, a)
		}
	}
	th.n.Store(int32(len(th.addrs)))
}
