package engine

import (
	"errors"

	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

// Sentinel errors, raised here and by package sqlgen (the same values). The engine wraps
// them with %w and a message naming the field and the reason; only the HTTP layer turns
// them into SCIM error bodies.
var (
	ErrNotFound      = sqlgen.ErrNotFound
	ErrConflict      = sqlgen.ErrConflict
	ErrInvalidFilter = sqlgen.ErrInvalidFilter
	ErrInvalidValue  = sqlgen.ErrInvalidValue
	ErrInvalidPaging = sqlgen.ErrInvalidPaging
	ErrNotSupported  = sqlgen.ErrNotSupported
	ErrPrecondition  = sqlgen.ErrPrecondition
	ErrUnavailable   = sqlgen.ErrUnavailable
	ErrDatabase      = sqlgen.ErrDatabase
)

// sentinels are every sentinel above: an error wrapping one of them is the engine's own
// (its message is fit for an answer), anything else a driver's or a bug.
var sentinels = []error{ErrNotFound, ErrConflict, ErrInvalidFilter, ErrInvalidValue, ErrInvalidPaging, ErrNotSupported, ErrPrecondition, ErrUnavailable, ErrDatabase}

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

// Coerce validates and normalises a request value for attribute a (sqlgen.Coerce).
func Coerce(a *mappings.Attribute, raw any) (any, error) { return sqlgen.Coerce(a, raw) }
