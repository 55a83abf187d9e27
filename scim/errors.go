package scim

import "strconv"

// Okta SDK internal error codes (PROTOCOL.md §7).
const (
	CodeNotFound       = "E0000048"
	CodeBadBody        = "E0000050"
	CodeNoEndpoint     = "E0000052"
	CodeBadFilter      = "E0000053"
	CodeBadPaging      = "E0000054"
	CodeDuplicateGroup = "E0000055"
	// CodeTooMany is Okta's own code for a rate limit ("API call exceeded rate limit due
	// to too many requests").
	CodeTooMany = "E0000047"
	// Codes the SDK does not define, kept in its style so admins can search for them.
	CodeConflict     = "E0000056"
	CodeUnauthorized = "E0000011"
	CodeTooLarge     = "E0000057"
	CodeServer       = "E0000009"
	CodeUnavailable  = "E0000010"
)

// Error11 is the SDK's error body, plus a top-level detail (Okta's SCIM 1.1 tests read it).
func Error11(status int, code, detail string) *Object {
	e := &Object{}
	e.Set("statusCode", status).Set("internalCode", code).Set("description", detail).Set("help_url", nil)
	o := &Object{}
	o.Set("errors", []any{e}).Set("detail", detail).Set("status", strconv.Itoa(status))
	return o
}
