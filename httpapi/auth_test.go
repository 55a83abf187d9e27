package httpapi

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimsql/scimsql/mappings"
	"golang.org/x/crypto/bcrypt"
)

// counting is bcrypt's comparison, counted: the work a request costs.
func counting(n *atomic.Int64) func(hash, pw []byte) error {
	return func(hash, pw []byte) error { n.Add(1); return bcrypt.CompareHashAndPassword(hash, pw) }
}

// An unknown user name costs what a wrong password does, so that timing tells no user
// names; credentials that passed are not compared again for a while.
func TestBcryptAuthSameWorkForUnknownUsers(t *testing.T) {
	var n atomic.Int64
	auth := bcryptAuth("okta", pwHash, counting(&n))
	try := func(user, pw string) bool {
		r := httptest.NewRequest("GET", "/Users", nil)
		r.SetBasicAuth(user, pw)
		return auth(r)
	}
	for _, c := range []struct {
		user, pw string
		ok       bool
		compares int64
	}{
		{"nobody", "pw", false, 1},
		{"okta", "wrong", false, 1},
		{"", "", false, 1},
		{"okta", "pw", true, 1},
		{"okta", "pw", true, 0}, // remembered
		{"okta", "pw", true, 0},
		{"nobody", "pw", false, 0},  // failed before: remembered too
		{"okta", "wrong", false, 0}, // as the same wrong password is
		{"okta", "wrong2", false, 1},
		{"nobody2", "pw", false, 1}, // the right password under another name is not
	} {
		before := n.Load()
		if got := try(c.user, c.pw); got != c.ok {
			t.Errorf("%q/%q: %v, want %v", c.user, c.pw, got, c.ok)
		}
		if d := n.Load() - before; d != c.compares {
			t.Errorf("%q/%q: %d bcrypt comparisons, want %d", c.user, c.pw, d, c.compares)
		}
	}
}

// throttled serves the quickstart with few tries per address; the client dials from
// the address given, so that several clients on one machine are several addresses.
func throttled(t *testing.T, edit func(m *mappings.Mapping)) *httptest.Server {
	t.Helper()
	srv, _ := quickstart(t, func(m *mappings.Mapping) {
		m.Server.Limits.MaxAuthFailures = 3
		m.Server.Limits.AuthFailureWindow = 6 * time.Second // a try back every 2 s
		if edit != nil {
			edit(m)
		}
	})
	srv.Config.Handler.(*Handler).holdFor = testHold
	return srv
}

// testHold is how long refusals are held here.
const testHold = 200 * time.Millisecond

// clientFrom is an HTTP client whose connections come from the loopback address ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func get(t *testing.T, c *http.Client, url, user, pw string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.SetBasicAuth(user, pw)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// Failures are counted per client address: past the limit the address gets 429 with
// Retry-After, held for a second, and its credentials are not checked at all; other
// addresses, and credentials that authenticated from that address before, go on.
func TestFailedAuthenticationThrottledPerAddress(t *testing.T) {
	srv := throttled(t, func(m *mappings.Mapping) {
		m.Server.Auth = mappings.Auth{Type: "basic", Username: "okta", PasswordHash: mappings.NewSecret(pwHash)}
	})
	url := srv.URL + "/ServiceProviderConfigs"
	agent := clientFrom("127.0.0.1") // keeps its connection
	if res := get(t, agent, url, "okta", "pw"); res.StatusCode != 200 {
		t.Fatalf("the agent: %d", res.StatusCode)
	}
	guesser := clientFrom("127.0.0.1")
	for i := range 3 {
		if res := get(t, guesser, url, "okta", "guess"+strconv.Itoa(i)); res.StatusCode != 401 {
			t.Fatalf("guess %d: %d, want 401", i, res.StatusCode)
		}
	}
	for i := range 3 {
		res := get(t, guesser, url, "okta", "more"+strconv.Itoa(i))
		secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != 429 || secs < 1 {
			t.Fatalf("guess past the limit: %d, Retry-After %q; want 429 with a wait", res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
	// The agent authenticated from this address before: it is not locked out by its
	// neighbour, on its connection or a new one.
	for _, c := range []*http.Client{agent, clientFrom("127.0.0.1")} {
		for range 3 {
			if res := get(t, c, url, "okta", "pw"); res.StatusCode != 200 {
				t.Fatalf("the agent while its address is throttled: %d", res.StatusCode)
			}
		}
	}
	// A client elsewhere that guesses its way to the right password while throttled is
	// told nothing: those credentials never authenticated from its address.
	elsewhere := clientFrom("127.0.0.3")
	for i := range 3 {
		get(t, elsewhere, url, "okta", "try"+strconv.Itoa(i))
	}
	start := time.Now()
	if res := get(t, elsewhere, url, "okta", "pw"); res.StatusCode != 429 {
		t.Errorf("the right password from a throttled address it never worked from: %d, want 429", res.StatusCode)
	}
	if held := time.Since(start); held < testHold {
		t.Errorf("the refusal came after %s: a guessing loop is not slowed", held)
	}
	// Another address is not affected.
	if res := get(t, clientFrom("127.0.0.2"), url, "okta", "pw"); res.StatusCode != 200 {
		t.Errorf("another address: %d", res.StatusCode)
	}
	// A try comes back every window / maxAuthFailures.
	time.Sleep(2 * time.Second)
	if res := get(t, elsewhere, url, "okta", "pw"); res.StatusCode != 200 {
		t.Errorf("after a try came back: %d", res.StatusCode)
	}
}

// Behind a load balancer every request comes from its address: with it in
// server.trustedProxies, the client is the last untrusted address of X-Forwarded-For.
func TestThrottleBehindTrustedProxies(t *testing.T) {
	srv := throttled(t, func(m *mappings.Mapping) {
		m.Server.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	url := srv.URL + "/ServiceProviderConfigs"
	c := clientFrom("127.0.0.1")
	for range 4 {
		get(t, c, url, "okta", "wrong", "X-Forwarded-For", "203.0.113.9")
	}
	if res := get(t, c, url, "okta", "wrong", "X-Forwarded-For", "203.0.113.9"); res.StatusCode != 429 {
		t.Errorf("the guessing client behind the proxy: %d, want 429", res.StatusCode)
	}
	// A client that forges a hop in front of the real one is still counted as itself.
	if res := get(t, c, url, "okta", "okta", "X-Forwarded-For", "198.51.100.1, 203.0.113.9"); res.StatusCode != 429 {
		t.Errorf("a forged first hop: %d, want 429", res.StatusCode)
	}
	if res := get(t, c, url, "okta", "okta", "X-Forwarded-For", "203.0.113.10"); res.StatusCode != 200 {
		t.Errorf("another client behind the same proxy: %d, want 200", res.StatusCode)
	}
	// Without the proxy trusted, the header is nobody's word.
	srv2 := throttled(t, nil)
	for range 4 {
		get(t, c, srv2.URL+"/Users", "okta", "wrong", "X-Forwarded-For", "203.0.113.11")
	}
	if res := get(t, clientFrom("127.0.0.1"), srv2.URL+"/Users", "okta", "okta", "X-Forwarded-For", "203.0.113.12"); res.StatusCode != 429 {
		t.Errorf("an untrusted X-Forwarded-For chose the address: %d", res.StatusCode)
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct{ remote, xff, want string }{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"192.0.2.1:5000", "203.0.113.9", "192.0.2.1"}, // not from a trusted proxy
		{"10.1.2.3:5000", "203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:5000", "198.51.100.1, 203.0.113.9, 10.9.9.9", "203.0.113.9"},
		{"10.1.2.3:5000", "garbage, 203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:5000", "", "10.1.2.3"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::"},
		{"[::ffff:192.0.2.7]:443", "", "192.0.2.7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddr(r, trusted).String(); got != c.want {
			t.Errorf("%s via %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

// A flood of failures is a line per address and interval, not a line per request.
func TestFailedAuthenticationLogsAggregated(t *testing.T) {
	srv, logs := quickstart(t, func(m *mappings.Mapping) { m.Server.Limits.MaxAuthFailures = 1000 })
	c := clientFrom("127.0.0.1")
	for range 200 {
		get(t, c, srv.URL+"/Users", "okta", "wrong")
	}
	lines := strings.Count(logs.String(), "\n")
	if got := strings.Count(logs.String(), "authentication failed"); got != 1 || lines > 3 {
		t.Errorf("200 failures logged %d lines (%d about authentication):\n%s", lines, got, logs.String())
	}
}

// An address that keeps failing gets its tries back more and more slowly, and all of
// them back, and the normal pace, after a quiet window.
func TestThrottleBacksOff(t *testing.T) {
	var th throttle
	a := netip.MustParseAddr("192.0.2.1")
	const max, window = 4, 4 * time.Second // a try back a second
	for range 4 {
		th.failed(a, max, window)
	}
	wait1, blocked := th.blocked(a, max, window)
	if !blocked || wait1 > time.Second || wait1 < 900*time.Millisecond {
		t.Fatalf("out of tries: blocked %v, wait %s; want about a second", blocked, wait1)
	}
	th.mu.Lock()
	th.addrs[a].left = 1 // a try came back
	th.mu.Unlock()
	th.failed(a, max, window) // and was spent: out again
	wait2, _ := th.blocked(a, max, window)
	th.mu.Lock()
	th.addrs[a].left = 1
	th.mu.Unlock()
	th.failed(a, max, window)
	wait3, _ := th.blocked(a, max, window)
	if wait2 < 19*wait1/10 || wait3 < 19*wait2/10 {
		t.Errorf("waits %s, %s, %s: want each about twice the one before", wait1, wait2, wait3)
	}
	th.mu.Lock()
	th.addrs[a].left, th.addrs[a].at = max, time.Now()
	th.mu.Unlock()
	if _, blocked := th.blocked(a, max, window); blocked {
		t.Error("every try back: still blocked")
	}
	for range 4 {
		th.failed(a, max, window)
	}
	if w, _ := th.blocked(a, max, window); w > time.Second {
		t.Errorf("after a quiet window, out of tries again: wait %s, want the normal pace", w)
	}
}
