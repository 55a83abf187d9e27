package engine

import (
	"fmt"

	"github.com/scimsql/scimsql/mappings"
)

// newID makes an id for a new row when the engine, not the database, makes ids.
func (e *Engine) newID(k *mappings.Key, u *User, g *Group) (string, error) {
	switch k.Generate {
	case "uuid":
		return e.opts.NewUUID(), nil
	case "template":
		data := map[string]any{"uuid": e.opts.NewUUID()}
		if u != nil {
			data["user"] = e.userData(u)
		}
		if g != nil {
			data["group"] = groupData(g)
		}
		v, err := e.gen.RenderValue(k.Template, data)
		if err != nil {
			return "", err
		}
		text, _ := v.(string)
		if text == "" {
			return "", fmt.Errorf("%w: the id template %s rendered an empty id", ErrInvalidValue, k.Template.Source)
		}
		return text, nil
	}
	return "", nil
}
