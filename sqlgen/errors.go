package sqlgen

import "errors"

// Sentinel errors. Statements, filters, values and templates wrap them with %w and a
// message naming the field and the reason; only the HTTP layer turns them into SCIM
// error bodies.
var (
	ErrNotFound      = errors.New("not found")
	ErrConflict      = errors.New("conflict")
	ErrInvalidFilter = errors.New("invalid filter")
	ErrInvalidValue  = errors.New("invalid value")
	ErrInvalidPaging = errors.New("invalid paging")
	ErrNotSupported  = errors.New("operation not supported by this mapping")
	// ErrPrecondition is a write whose If-Match names another version than the stored one.
	ErrPrecondition = errors.New("precondition failed")
	ErrUnavailable  = errors.New("database unavailable")
	ErrDatabase     = errors.New("database error")
)
