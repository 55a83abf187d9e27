package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/tester"
)

// client plays the Okta Provisioning Agent over real HTTP, through the tester's SCIM
// client (package tester): one client for the tester and this suite.
type client struct {
	t    *testing.T
	base string
	auth func(*http.Request)
	http *http.Client
}

type response struct {
	status int
	body   map[string]any
	raw    []byte
	header http.Header
}

func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	// Version 1 sends application/json, on /v2 too, as the agent and most clients do.
	tc, err := tester.NewClient(tester.Config{BaseURL: c.base, Version: tester.V1, HTTPClient: c.http, Authorize: c.auth})
	if err != nil {
		c.t.Fatalf("client for %s: %v", c.base, err)
	}
	ex := tc.Do(context.Background(), method, path, body)
	if ex.Error != "" {
		c.t.Fatalf("%s %s: %s", method, path, ex.Error)
	}
	if len(ex.Raw) > 0 && ex.Doc == nil {
		c.t.Fatalf("%s %s: response is not a JSON object (%d): %s", method, path, ex.Status, ex.Raw)
	}
	return response{status: ex.Status, body: ex.Doc, raw: ex.Raw, header: ex.Header}
}

// must asserts the status and returns the body.
func (c *client) must(status int, method, path string, body any) map[string]any {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != status {
		c.t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, r.status, status, r.raw)
	}
	return r.body
}

// wantError asserts an error status with the SDK body: errors[0].statusCode and a detail.
func (c *client) wantError(status int, method, path string, body any, detailHas ...string) map[string]any {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != status {
		c.t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, r.status, status, r.raw)
	}
	errs, _ := r.body["errors"].([]any)
	if len(errs) != 1 {
		c.t.Fatalf("%s %s: want one entry in errors, body: %s", method, path, r.raw)
	}
	e := errs[0].(map[string]any)
	if code := num(e["statusCode"]); code != status {
		c.t.Fatalf("%s %s: errors[0].statusCode %v, want %d", method, path, e["statusCode"], status)
	}
	if s, _ := e["internalCode"].(string); !strings.HasPrefix(s, "E0000") {
		c.t.Fatalf("%s %s: internalCode %v", method, path, e["internalCode"])
	}
	detail, _ := r.body["detail"].(string)
	if detail == "" || detail != e["description"] {
		c.t.Fatalf("%s %s: detail %q and description %q must match and be non-empty", method, path, detail, e["description"])
	}
	for _, want := range detailHas {
		if !strings.Contains(strings.ToLower(detail), strings.ToLower(want)) {
			c.t.Fatalf("%s %s: detail %q does not mention %q", method, path, detail, want)
		}
	}
	return r.body
}

// num reads a JSON integer; it fails on strings and fractions, which break Okta imports.
func num(v any) int {
	n, ok := v.(json.Number)
	if !ok {
		return -1 << 31
	}
	i, err := n.Int64()
	if err != nil {
		return -1 << 30
	}
	return int(i)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
