package httpapi

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/engine"
)

// Every engine error has its row: none falls through to "internal error".
func TestEveryEngineErrorIsClassified(t *testing.T) {
	for _, s := range engine.Sentinels() {
		found := false
		for _, c := range errorClasses {
			if errors.Is(s, c.err) {
				found = true
				if c.status == 0 || c.code11 == "" {
					t.Errorf("%v: status %d, code %q", s, c.status, c.code11)
				}
			}
		}
		if !found {
			t.Errorf("%v has no row in errorClasses", s)
		}
	}
}

// The access line of a refused request says why, as the client was told.
func TestAccessLineCarriesTheReason(t *testing.T) {
	srv, logs := quickstart(t, nil)
	res, _ := send(t, "GET", srv.URL+"/Users?filter="+url.QueryEscape(`nickName eq "x"`), "", nil)
	if res.StatusCode != 400 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "msg=request") && strings.Contains(l, "status=400") {
			line = l
		}
	}
	if !strings.Contains(line, `reason="invalid filter: attribute \"nickName\" is not mapped`) {
		t.Fatalf("access line without the reason: %q", line)
	}
	rec := &statusRecorder{ResponseWriter: httptest.NewRecorder(), status: 200}
	noteReason(rec, strings.Repeat("x", 1000))
	if len(rec.reason) > 310 {
		t.Fatalf("a reason of %d bytes is kept whole", len(rec.reason))
	}
}

// attributes=emails[type eq "work"], as Entra sends it, is read as attributes=emails.
func TestAttributesWithValueFilter(t *testing.T) {
	srv, _ := quickstart(t, nil)
	res, body := send(t, "GET", srv.URL+"/v2/Users?attributes="+url.QueryEscape(`emails[type eq "work"]`)+"&startIndex=1&count=1", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %v", res.StatusCode, body)
	}
	users, _ := body["Resources"].([]any)
	if len(users) != 1 {
		t.Fatalf("resources: %v", body)
	}
	u := users[0].(map[string]any)
	if _, ok := u["emails"]; !ok || u["name"] != nil {
		t.Fatalf("want emails (and not name) projected: %v", u)
	}
}
