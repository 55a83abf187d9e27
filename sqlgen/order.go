package sqlgen

import (
	"fmt"
	"strings"

	"github.com/scimsql/scimsql/filter"
)

// orderBy returns the ORDER BY for a sortBy request ("" for the id order): the sort
// attribute, then the id so that ties keep a stable order across pages.
func (g *Gen) OrderBy(r Resolver, idRead, sortBy string, desc bool) (string, error) {
	if strings.TrimSpace(sortBy) == "" {
		if desc {
			return idRead + " DESC", nil
		}
		return "", nil
	}
	path, err := filter.ParsePath(sortBy)
	if err != nil || path.Filter != nil || path.Sub != "" {
		return "", fmt.Errorf("%w: sortBy %q is not an attribute path", ErrInvalidValue, sortBy)
	}
	ts, err := r.resolve(path.Attr)
	if err != nil {
		return "", fmt.Errorf("%w: sortBy %q is not a mapped attribute", ErrInvalidValue, sortBy)
	}
	dir := ""
	if desc {
		dir = " DESC"
	}
	return ts[0].expr + dir + ", " + idRead + dir, nil
}
