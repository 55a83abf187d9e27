package tester

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// SCIM and Okta URNs (PROTOCOL.md §3, §5, §8).
const (
	URNCore11           = "urn:scim:schemas:core:1.0"
	URNEnterprise11     = "urn:scim:schemas:extension:enterprise:1.0"
	URNProviderConfig10 = "urn:okta:schemas:scim:providerconfig:1.0"
	URNProviderConfig20 = "urn:okta:schemas:scim:providerconfig:2.0"
	URNGroupCustom      = "urn:okta:custom:group:1.0"
	URNUser20           = "urn:ietf:params:scim:schemas:core:2.0:User"
	URNGroup20          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	URNEnterprise20     = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	URNList20           = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	URNPatch20          = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	URNError20          = "urn:ietf:params:scim:api:messages:2.0:Error"
	URNSPConfig20       = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
)

// The capabilities Okta knows (the SDK's UserManagementCapabilities), in the order
// reports list them.
const (
	ImportNewUsers       = "IMPORT_NEW_USERS"
	ImportProfileUpdates = "IMPORT_PROFILE_UPDATES"
	IncrementalImports   = "OPP_SCIM_INCREMENTAL_IMPORTS"
	PushNewUsers         = "PUSH_NEW_USERS"
	PushPendingUsers     = "PUSH_PENDING_USERS"
	PushProfileUpdates   = "PUSH_PROFILE_UPDATES"
	PushPasswordUpdates  = "PUSH_PASSWORD_UPDATES"
	PushUserDeactivation = "PUSH_USER_DEACTIVATION"
	ReactivateUsers      = "REACTIVATE_USERS"
	GroupPush            = "GROUP_PUSH"
)

// AllCapabilities is every capability, in report order.
var AllCapabilities = []string{
	PushNewUsers, ImportProfileUpdates, PushProfileUpdates, PushPasswordUpdates,
	PushUserDeactivation, ReactivateUsers, PushPendingUsers, GroupPush,
	IncrementalImports, ImportNewUsers,
}

// readOnly capabilities are probed even when not declared: their checks only read.
var readOnly = map[string]bool{ImportNewUsers: true, ImportProfileUpdates: true, IncrementalImports: true}

// Capabilities is what a connector says it can do.
type Capabilities struct {
	// Names as declared, in the connector's order.
	Names []string `json:"names"`
	// Found is false when no capability list could be read: Okta then assumes that
	// everything is implemented.
	Found bool `json:"found"`
	// Path that answered, and the extension URN the list was under.
	Path string `json:"path,omitempty"`
	URN  string `json:"urn,omitempty"`
	// Unknown names (not one of Okta's ten).
	Unknown []string `json:"unknown,omitempty"`
	// Problems with the document, and the exchanges that show them.
	Problems  []string    `json:"problems,omitempty"`
	Warnings  []string    `json:"warnings,omitempty"`
	Exchanges []*Exchange `json:"-"`
}

// Has reports whether name is declared.
func (c *Capabilities) Has(name string) bool {
	for _, n := range c.Names {
		if n == name {
			return true
		}
	}
	return false
}

// CapabilityPaths are where the capabilities are read, in order: the SDK's plural path
// for SCIM 1.1; for 2.0 RFC 7644's singular one first, then the plural.
func (c *Client) CapabilityPaths() []string {
	if c.version == V2 {
		return []string{"/ServiceProviderConfig", "/ServiceProviderConfigs"}
	}
	return []string{"/ServiceProviderConfigs"}
}

// Capabilities reads the capability list (getImplementedUserManagementCapabilities).
func (c *Client) Capabilities(ctx context.Context) *Capabilities {
	out := &Capabilities{}
	for _, p := range c.CapabilityPaths() {
		ex := c.Do(ctx, "GET", p, nil)
		out.Exchanges = append(out.Exchanges, ex)
		if !ex.OK() {
			out.Problems = append(out.Problems, fmt.Sprintf("GET %s answered %s", p, statusText(ex)))
			continue
		}
		if ex.Doc == nil {
			out.Problems = append(out.Problems, fmt.Sprintf("GET %s: the body is %s", p, ex.JSONError))
			continue
		}
		var ext map[string]any
		for _, urn := range []string{URNProviderConfig10, URNProviderConfig20} {
			if m := obj(ex.Doc[urn]); m != nil {
				ext, out.URN = m, urn
				break
			}
		}
		if ext == nil {
			out.Problems = append(out.Problems, fmt.Sprintf("GET %s: no %q object, so Okta assumes every capability is implemented", p, URNProviderConfig10))
			continue
		}
		caps, ok := ext["userManagementCapabilities"].([]any)
		if !ok {
			out.Problems = append(out.Problems, fmt.Sprintf("GET %s: %s.userManagementCapabilities is missing or not an array", p, out.URN))
			continue
		}
		out.Found, out.Path = true, p
		out.Problems = nil
		known := map[string]bool{}
		for _, n := range AllCapabilities {
			known[n] = true
		}
		for _, v := range caps {
			s, ok := v.(string)
			if !ok {
				out.Warnings = append(out.Warnings, fmt.Sprintf("a capability that is not a string: %v", v))
				continue
			}
			out.Names = append(out.Names, s)
			if !known[s] {
				out.Unknown = append(out.Unknown, s)
			}
		}
		schemas := strs(ex.Doc["schemas"])
		if c.version == V1 && !contains(schemas, URNCore11) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("schemas %v lacks %s", schemas, URNCore11))
		}
		if !contains(schemas, out.URN) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("schemas %v lacks %s", schemas, out.URN))
		}
		if _, ok := ex.Doc["authenticationSchemes"].([]any); !ok {
			out.Warnings = append(out.Warnings, "authenticationSchemes is missing (Okta's own SCIM tests look for it)")
		}
		if c.version == V1 && out.URN != URNProviderConfig10 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the list is under %s; a SCIM 1.1 agent reads %s", out.URN, URNProviderConfig10))
		}
		break
	}
	return out
}

// ---- documents ----

// UserSchemas is the schemas list of a user document.
func (c *Client) UserSchemas(custom ...string) []any {
	var out []any
	if c.version == V2 {
		out = []any{URNUser20}
	} else {
		out = []any{URNCore11, URNEnterprise11}
	}
	for _, u := range custom {
		out = append(out, u)
	}
	return out
}

// GroupSchemas is the schemas list of a group document.
func (c *Client) GroupSchemas() []any {
	if c.version == V2 {
		return []any{URNGroup20}
	}
	return []any{URNCore11, URNGroupCustom}
}

// Patch is a SCIM 2.0 PatchOp body.
func Patch(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []any{URNPatch20}, "Operations": list}
}

// Adapt turns a SCIM 1.1 document (such as Okta's tester data files) into its 2.0 form
// for a 2.0 client: the 1.1 core and enterprise schemas become the 2.0 ones. Other URNs
// (custom extensions) are kept. The document is changed in place and returned.
func (c *Client) Adapt(doc map[string]any, group bool) map[string]any {
	if c.version != V2 || doc == nil {
		return doc
	}
	schemas := strs(doc["schemas"])
	var out []any
	core := URNUser20
	if group {
		core = URNGroup20
	}
	out = append(out, core)
	for _, s := range schemas {
		switch s {
		case URNCore11, URNUser20, URNGroup20, URNGroupCustom:
		case URNEnterprise11:
			if doc[URNEnterprise11] != nil {
				doc[URNEnterprise20] = doc[URNEnterprise11]
				delete(doc, URNEnterprise11)
				out = append(out, URNEnterprise20)
			}
		default:
			out = append(out, s)
		}
	}
	doc["schemas"] = out
	return doc
}

// UserPath is /Users/{id}, escaped.
func UserPath(id string) string { return "/Users/" + url.PathEscape(id) }

// GroupPath is /Groups/{id}, escaped.
func GroupPath(id string) string { return "/Groups/" + url.PathEscape(id) }

// FilterPath is the agent's filtered list request.
func FilterPath(resource, filter string, startIndex, count int) string {
	return fmt.Sprintf("/%s?filter=%s&startIndex=%d&count=%d", resource, url.QueryEscape(filter), startIndex, count)
}

// PagePath is the agent's import page request.
func PagePath(resource string, startIndex, count int) string {
	return fmt.Sprintf("/%s?startIndex=%d&count=%d", resource, startIndex, count)
}

// Quote is a SCIM filter string literal.
func Quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ---- lists ----

// List is a decoded list response, with what is wrong with its envelope.
type List struct {
	Total     int
	Resources []map[string]any
	IDs       []string
	// Errors break Okta's import; Warnings are deviations it tolerates.
	Errors   []string
	Warnings []string
}

// ParseList checks a list response envelope (PROTOCOL.md §4). startIndex and count are
// what was asked (0 when not paged).
func (c *Client) ParseList(ex *Exchange, startIndex, count int) *List {
	l := &List{}
	if ex.Status != 200 {
		l.Errors = append(l.Errors, fmt.Sprintf("%s %s answered %s; want 200 with a list", ex.Method, ex.Path, statusText(ex)))
		return l
	}
	if ex.Doc == nil {
		l.Errors = append(l.Errors, "the body is "+ex.JSONError)
		return l
	}
	d := ex.Doc
	schemas := strs(d["schemas"])
	if c.version == V2 {
		if !contains(schemas, URNList20) {
			l.Warnings = append(l.Warnings, fmt.Sprintf("schemas %v lacks %s", schemas, URNList20))
		}
	} else if !contains(schemas, URNCore11) {
		l.Warnings = append(l.Warnings, fmt.Sprintf("schemas %v lacks %s", schemas, URNCore11))
	}
	total, kind := intOf(d["totalResults"])
	switch kind {
	case "integer":
		l.Total = total
	case "missing":
		l.Errors = append(l.Errors, "totalResults is missing")
	case "string":
		l.Errors = append(l.Errors, fmt.Sprintf("totalResults is the string %q; Okta needs a JSON integer", d["totalResults"]))
		l.Total, _ = strconv.Atoi(d["totalResults"].(string))
	default:
		l.Errors = append(l.Errors, fmt.Sprintf("totalResults is %s (%v); Okta needs a JSON integer", kind, d["totalResults"]))
	}
	raw, hasRes := d["Resources"]
	if !hasRes {
		for k := range d {
			if strings.EqualFold(k, "Resources") {
				l.Errors = append(l.Errors, fmt.Sprintf("the list is under %q; Okta reads \"Resources\" (capital R)", k))
				raw, hasRes = d[k], true
			}
		}
	}
	res, isList := raw.([]any)
	switch {
	case !hasRes && l.Total > 0:
		l.Errors = append(l.Errors, "Resources is missing")
	case !hasRes:
		if c.version == V1 {
			l.Warnings = append(l.Warnings, "Resources is missing (the SDK always sends an empty array)")
		}
	case raw == nil && l.Total == 0:
		l.Warnings = append(l.Warnings, "Resources is null rather than an empty array")
	case !isList:
		l.Errors = append(l.Errors, "Resources is not an array")
	}
	for i, r := range res {
		m := obj(r)
		if m == nil {
			l.Errors = append(l.Errors, fmt.Sprintf("Resources[%d] is not an object", i))
			continue
		}
		l.Resources = append(l.Resources, m)
		id, kind := idOf(m)
		switch kind {
		case "string":
		case "missing":
			l.Errors = append(l.Errors, fmt.Sprintf("Resources[%d] has no id", i))
		default:
			l.Warnings = append(l.Warnings, fmt.Sprintf("Resources[%d].id is a JSON %s, not a string", i, kind))
		}
		l.IDs = append(l.IDs, id)
	}
	if count > 0 && len(res) > count {
		l.Errors = append(l.Errors, fmt.Sprintf("%d resources for count=%d", len(res), count))
	}
	if startIndex > 0 {
		si, kind := intOf(d["startIndex"])
		switch {
		case kind == "missing":
			l.Warnings = append(l.Warnings, "startIndex is missing from a paged answer")
		case kind != "integer":
			l.Errors = append(l.Errors, fmt.Sprintf("startIndex is %s (%v), not a JSON integer", kind, d["startIndex"]))
		case si != startIndex:
			l.Errors = append(l.Errors, fmt.Sprintf("startIndex is %d for startIndex=%d", si, startIndex))
		}
		ipp, kind := intOf(d["itemsPerPage"])
		switch {
		case kind == "missing":
			l.Warnings = append(l.Warnings, "itemsPerPage is missing from a paged answer")
		case kind != "integer":
			l.Errors = append(l.Errors, fmt.Sprintf("itemsPerPage is %s (%v), not a JSON integer", kind, d["itemsPerPage"]))
		case ipp != len(res) && ipp == count:
			l.Errors = append(l.Errors, fmt.Sprintf("itemsPerPage is %d, the count asked for, but the page holds %d resources; it must be the number returned", ipp, len(res)))
		case ipp != len(res):
			l.Errors = append(l.Errors, fmt.Sprintf("itemsPerPage is %d but the page holds %d resources", ipp, len(res)))
		}
		if kind := jsonKind(d["totalResults"]); kind == "integer" && l.Total < startIndex-1+len(res) {
			l.Errors = append(l.Errors, fmt.Sprintf("totalResults %d is less than the %d resources up to this page: it must count every match, not the page", l.Total, startIndex-1+len(res)))
		}
	} else if kind := jsonKind(d["totalResults"]); kind == "integer" && l.Total != len(res) {
		l.Errors = append(l.Errors, fmt.Sprintf("totalResults %d for %d resources in an unpaged answer", l.Total, len(res)))
	}
	return l
}

// ErrorShape returns what is wrong with an error response's body (PROTOCOL.md §7):
// the SDK's {"errors":[{statusCode, description}]} or a top-level detail for 1.1, RFC
// 7644's Error for 2.0.
func (c *Client) ErrorShape(ex *Exchange) []string {
	var out []string
	if ex.Doc == nil {
		return []string{fmt.Sprintf("the %d answer's body is %s; Okta shows the body to the admin verbatim, so a JSON error with a description helps", ex.Status, ex.JSONError)}
	}
	d := ex.Doc
	if c.version == V2 {
		if !contains(strs(d["schemas"]), URNError20) {
			out = append(out, fmt.Sprintf("schemas lacks %s", URNError20))
		}
		switch s := d["status"].(type) {
		case string:
			if s != strconv.Itoa(ex.Status) {
				out = append(out, fmt.Sprintf("status %q does not match the HTTP status %d", s, ex.Status))
			}
		case nil:
			out = append(out, "status is missing")
		default:
			out = append(out, fmt.Sprintf("status is a JSON %s; RFC 7644 makes it a string (\"%d\")", jsonKind(s), ex.Status))
		}
		if str(d["detail"]) == "" {
			out = append(out, "detail is missing")
		}
		return out
	}
	errs, _ := d["errors"].([]any)
	if len(errs) == 0 && str(d["detail"]) == "" {
		return []string{`neither the SDK's "errors" array nor a top-level "detail"`}
	}
	if len(errs) > 0 {
		e := obj(errs[0])
		if n, kind := intOf(e["statusCode"]); kind != "integer" || n != ex.Status {
			out = append(out, fmt.Sprintf("errors[0].statusCode is %v, want the integer %d", e["statusCode"], ex.Status))
		}
		if str(e["description"]) == "" {
			out = append(out, "errors[0].description is missing")
		}
	}
	return out
}

// ---- JSON helpers ----

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func strs(v any) []string {
	var out []string
	for _, x := range list(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// jsonKind names the JSON type of v: integer, number, string, boolean, array, object,
// null or missing (nil).
func jsonKind(v any) string {
	switch t := v.(type) {
	case nil:
		return "missing"
	case json.Number:
		if _, err := t.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case float64:
		if t == float64(int64(t)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func intOf(v any) (int, string) {
	kind := jsonKind(v)
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return int(n), kind
		}
	case float64:
		return int(t), kind
	}
	return 0, kind
}

// idOf is a resource's id as a string, and the JSON kind it had.
func idOf(m map[string]any) (string, string) {
	v, ok := m["id"]
	if !ok || v == nil {
		return "", "missing"
	}
	kind := jsonKind(v)
	if kind == "string" && v.(string) == "" {
		return "", "missing"
	}
	return str(v), kind
}

// boolOf reads a boolean member: its value, and whether it is a JSON boolean.
func boolOf(m map[string]any, key string) (val, present bool, kind string) {
	v, ok := m[key]
	if !ok || v == nil {
		return false, false, "missing"
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, true, jsonKind(v)
	}
	return b, true, "boolean"
}

func statusText(ex *Exchange) string {
	if ex.Error != "" {
		return ex.Error
	}
	return strconv.Itoa(ex.Status)
}

// clone deep-copies a JSON document.
func clone(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, _ := json.Marshal(m)
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	_ = dec.Decode(&out)
	return out
}

func pretty(m map[string]any) string {
	b, err := json.MarshalIndent(redactValue(m), "", "  ")
	if err != nil {
		return fmt.Sprint(m)
	}
	return string(b)
}

func sortedIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

// primaryEmail is the value of the primary e-mail of a user document, or the first.
func primaryEmail(doc map[string]any) string {
	var first string
	for _, e := range list(doc["emails"]) {
		m := obj(e)
		if first == "" {
			first = str(m["value"])
		}
		if p, _, _ := boolOf(m, "primary"); p {
			return str(m["value"])
		}
	}
	return first
}

// memberIDs are a group's member values, sorted.
func memberIDs(g map[string]any) []string {
	var out []string
	for _, m := range list(g["members"]) {
		out = append(out, str(obj(m)["value"]))
	}
	sort.Strings(out)
	return out
}
