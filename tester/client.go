package tester

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Version is the SCIM version a connector speaks.
type Version int

const (
	// Auto picks the version from the base URL: one ending in /v2 or /v2/ is SCIM 2.0,
	// anything else SCIM 1.1, as the Okta Provisioning Agent decides.
	Auto Version = 0
	V1   Version = 1
	V2   Version = 2
)

func (v Version) String() string {
	if v == V2 {
		return "SCIM 2.0"
	}
	return "SCIM 1.1"
}

// DetectVersion is the agent's rule: a base URL whose path ends in /v2 (Okta wants the
// trailing slash, /v2/) means SCIM 2.0; anything else, including /v1, SCIM 1.1.
func DetectVersion(base string) Version {
	u, err := url.Parse(base)
	if err != nil {
		return V1
	}
	p := strings.ToLower(strings.TrimSuffix(u.Path, "/"))
	if strings.HasSuffix(p, "/v2") {
		return V2
	}
	return V1
}

// Config configures a Client.
type Config struct {
	// BaseURL is the connector's base URL as an admin types it into Okta. Credentials in
	// it (https://user:pass@host/) become HTTP Basic auth and are never printed.
	BaseURL string
	// Version is V1, V2, or Auto (from the URL).
	Version Version
	// Header is sent with every request: the app's auth header, as Okta's tester -header.
	Header http.Header
	// Username and Password, when Username is set, add HTTP Basic auth.
	Username, Password string
	// Insecure skips verification of the connector's TLS certificate.
	Insecure bool
	// CAFile is a PEM file of CA certificates to trust besides the system's.
	CAFile string
	// Timeout bounds each request; the agent's minimum per-call timeout is 30 s.
	Timeout time.Duration
	// HTTPClient replaces the client built from Insecure, CAFile and Timeout.
	HTTPClient *http.Client
	// Trace, when set, is called with every exchange once it is complete (redacted).
	Trace func(*Exchange)
	// UserAgent is sent as User-Agent.
	UserAgent string
	// Authorize, when set, is called on every request after the headers above: a
	// caller's own credentials (the conformance suite's).
	Authorize func(*http.Request)
}

// Client talks SCIM to one connector, the way the Okta Provisioning Agent does.
type Client struct {
	base    *url.URL // no user info, no trailing slash
	display string   // base URL as printed
	version Version
	header  http.Header
	secrets map[string]bool // lower-cased header names whose values are never shown
	http    *http.Client
	trace   func(*Exchange)
	ua      string
	auth    func(*http.Request)
	count   int
}

// NewClient checks cfg and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("the connector's base URL is required (-url)")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("base URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("base URL %q: the scheme must be http or https", cfg.BaseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("base URL %q has no host", cfg.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q: a base URL has no query or fragment", redactURL(u))
	}
	c := &Client{version: cfg.Version, header: http.Header{}, secrets: map[string]bool{
		"authorization": true, "proxy-authorization": true, "cookie": true,
	}, trace: cfg.Trace, ua: cfg.UserAgent, auth: cfg.Authorize}
	if c.version == Auto {
		c.version = DetectVersion(cfg.BaseURL)
	}
	if c.ua == "" {
		c.ua = "scimsql-test"
	}
	for k, vs := range cfg.Header {
		for _, v := range vs {
			c.header.Add(k, v)
		}
		c.secrets[strings.ToLower(k)] = true
	}
	user, pass := cfg.Username, cfg.Password
	if u.User != nil {
		if user == "" {
			user = u.User.Username()
			pass, _ = u.User.Password()
		}
		u.User = nil
	}
	if user != "" {
		c.header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	c.base = u
	c.display = u.String() + "/"
	if cfg.HTTPClient != nil {
		c.http = cfg.HTTPClient
	} else {
		hc, err := HTTPClient(cfg.Insecure, cfg.CAFile, cfg.Timeout)
		if err != nil {
			return nil, err
		}
		c.http = hc
	}
	return c, nil
}

// HTTPClient builds an HTTP client: TLS verification off with insecure, the CA
// certificates of caFile trusted besides the system's, and a per-request timeout.
func HTTPClient(insecure bool, caFile string, timeout time.Duration) (*http.Client, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if insecure {
		tc.InsecureSkipVerify = true
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", caFile)
		}
		tc.RootCAs = pool
	}
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		// The agent does not follow redirects with credentials to other places; neither do we.
		return http.ErrUseLastResponse
	}}, nil
}

// Version is the SCIM version the client speaks.
func (c *Client) Version() Version { return c.version }

// BaseURL is the base URL as printed (no credentials).
func (c *Client) BaseURL() string { return c.display }

// Requests is the number of requests sent so far.
func (c *Client) Requests() int { return c.count }

// Exchange is one request and its response, as kept in reports: credentials and
// passwords are redacted, and long bodies are cut.
type Exchange struct {
	Method         string            `json:"method"`
	URL            string            `json:"url"`
	Path           string            `json:"path"`
	RequestHeaders map[string]string `json:"requestHeaders,omitempty"`
	RequestBody    string            `json:"requestBody,omitempty"`
	Status         int               `json:"status"`
	ContentType    string            `json:"contentType,omitempty"`
	ResponseBody   string            `json:"responseBody,omitempty"`
	DurationMS     int64             `json:"durationMs"`
	Error          string            `json:"error,omitempty"`

	// Raw is the whole response body; Doc is it decoded (numbers as json.Number) when
	// it is a JSON object, and JSONError says why it is not.
	Raw       []byte         `json:"-"`
	Doc       map[string]any `json:"-"`
	JSONError string         `json:"-"`
	// Header is the response's headers.
	Header http.Header `json:"-"`
}

// OK reports a 2xx answer.
func (e *Exchange) OK() bool { return e.Error == "" && e.Status >= 200 && e.Status < 300 }

// Line is "METHOD path -> status".
func (e *Exchange) Line() string {
	if e.Error != "" {
		return fmt.Sprintf("%s %s -> %s", e.Method, e.Path, e.Error)
	}
	return fmt.Sprintf("%s %s -> %d", e.Method, e.Path, e.Status)
}

const (
	maxBody    = 32 << 20 // read at most this much of a response
	excerptLen = 2000
)

// Do sends one request. path is relative to the base URL ("/Users?count=1"); body is
// marshalled to JSON unless it is nil, a string or a []byte.
func (c *Client) Do(ctx context.Context, method, path string, body any) *Exchange {
	c.count++
	ex := &Exchange{Method: method, Path: path}
	ref, err := url.Parse(path)
	if err != nil {
		ex.Error = "bad path: " + err.Error()
		return ex
	}
	target := *c.base
	target.Path = c.base.Path + ref.Path
	target.RawPath = ""
	if ref.RawPath != "" {
		target.RawPath = c.base.EscapedPath() + ref.RawPath
	}
	target.RawQuery = ref.RawQuery
	ex.URL = target.String()

	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		raw, err = json.Marshal(b)
		if err != nil {
			ex.Error = "encoding the request: " + err.Error()
			return ex
		}
	}
	if raw != nil {
		ex.RequestBody = cut(redactJSON(raw), 4000)
	}
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, ex.URL, rd)
	if err != nil {
		ex.Error = err.Error()
		return ex
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.ua)
	if c.version == V2 {
		req.Header.Set("Accept", "application/scim+json, application/json")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	if raw != nil {
		if c.version == V2 {
			req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
		} else {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
	}
	if c.auth != nil {
		c.auth(req)
	}
	ex.RequestHeaders = c.redactHeaders(req.Header)
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		ex.DurationMS = time.Since(start).Milliseconds()
		ex.Error = c.scrub(err.Error())
		if strings.Contains(ex.Error, "x509:") || strings.Contains(ex.Error, "tls:") {
			ex.Error += " (give the connector's CA certificate with -cacert FILE, or skip verification with -insecure)"
		}
		c.emit(ex)
		return ex
	}
	defer res.Body.Close()
	ex.Raw, err = io.ReadAll(io.LimitReader(res.Body, maxBody))
	ex.DurationMS = time.Since(start).Milliseconds()
	ex.Status = res.StatusCode
	ex.Header = res.Header
	ex.ContentType = res.Header.Get("Content-Type")
	if err != nil {
		ex.Error = "reading the response: " + c.scrub(err.Error())
	}
	ex.ResponseBody = cut(string(ex.Raw), excerptLen)
	if len(bytes.TrimSpace(ex.Raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(ex.Raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			ex.JSONError = "not JSON: " + err.Error()
		} else if m, ok := v.(map[string]any); ok {
			ex.Doc = m
		} else {
			ex.JSONError = "JSON, but not an object"
		}
	} else {
		ex.JSONError = "empty body"
	}
	c.emit(ex)
	return ex
}

func (c *Client) emit(ex *Exchange) {
	if c.trace != nil {
		c.trace(ex)
	}
}

// scrub removes credentials from an error text (url.Error prints the URL).
func (c *Client) scrub(s string) string {
	for k, vs := range c.header {
		if !c.secrets[strings.ToLower(k)] {
			continue
		}
		for _, v := range vs {
			if v != "" {
				s = strings.ReplaceAll(s, v, "<redacted>")
			}
		}
	}
	return s
}

func (c *Client) redactHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		if c.secrets[strings.ToLower(k)] {
			v = "<redacted>"
			if strings.EqualFold(k, "Authorization") {
				if f := strings.Fields(strings.Join(h[k], " ")); len(f) > 1 {
					v = f[0] + " <redacted>"
				}
			}
		}
		out[k] = v
	}
	return out
}

func redactURL(u *url.URL) string {
	cp := *u
	cp.User = nil
	return cp.String()
}

// redactJSON replaces the value of every "password" member (any depth, any case) by
// asterisks. A body that is not JSON is returned as it is.
// passwordValue is a "password" member with a string value, for bodies too large to
// decode just to show their start.
var passwordValue = regexp.MustCompile(`(?i)("password"\s*:\s*)"(?:[^"\\]|\\.)*"`)

func redactJSON(raw []byte) string {
	if len(raw) > 64<<10 {
		// Only an excerpt is kept: redact in the text (a group push of 25,000 members is
		// not decoded and encoded again to show its first 4,000 bytes).
		head := raw[:min(len(raw), 8<<10)]
		return passwordValue.ReplaceAllString(string(head), `${1}"********"`) + string(raw[len(head):])
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	v = redactValue(v)
	b, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(b)
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if strings.EqualFold(k, "password") {
				out[k] = "********"
				continue
			}
			out[k] = redactValue(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = redactValue(x)
		}
		return out
	}
	return v
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Do not split a UTF-8 sequence.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + fmt.Sprintf("... (%d bytes in all)", len(s))
}
