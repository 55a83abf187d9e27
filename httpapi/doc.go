// Package httpapi is the thin HTTP layer: routing (httprouter), authentication, request
// decoding and SCIM error bodies. It holds no SQL and no mapping logic; every request
// takes the current engine once and uses it to the end.
package httpapi
