package engine

import "errors"

// Sentinel errors. The engine wraps them with %w and a message naming the field and the
// reason; only the HTTP layer turns them into SCIM error bodies.
var (
	ErrNotFound      = errors.New("not found")
	ErrConflict      = errors.New("conflict")
	ErrInvalidFilter = errors.New("invalid filter")
	ErrInvalidValue  = errors.New("invalid value")
	ErrInvalidPaging = errors.New("invalid paging")
	ErrNotSupported  = errors.New("operation not supported by this mapping")
	ErrUnavailable   = errors.New("database unavailable")
	ErrDatabase      = errors.New("database error")
)

// sentinels are every sentinel above: an error wrapping one of them is the engine's own
// (its message is fit for an answer), anything else a driver's or a bug.
var sentinels = []error{ErrNotFound, ErrConflict, ErrInvalidFilter, ErrInvalidValue, ErrInvalidPaging, ErrNotSupported, ErrUnavailable, ErrDatabase}

// Sentinels returns every sentinel error, for the HTTP layer's table of answers.
func Sentinels() []error { return append([]error(nil), sentinels...) }

func isEngineErr(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
