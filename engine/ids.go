package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
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

// setValue is what a set column (users.set, groups.set) is written with now.
func (e *Engine) setValue(sc *mappings.SetColumn) any {
	switch {
	case sc.Null:
		return nil
	case sc.Now == "unix":
		return e.now().Unix()
	case sc.Now == "unixms":
		return e.now().UnixMilli()
	case sc.Now != "":
		return sqlgen.TimeArg(e.now(), e.f)
	case sc.Generate == "uuid":
		return e.opts.NewUUID()
	case sc.Generate == "hex":
		return e.opts.RandomHex(sc.Length)
	case sc.SQL != "":
		return sqlgen.Expr(sc.SQL)
	}
	if n, ok := sc.Value.(int); ok {
		return int64(n)
	}
	return sc.Value
}

// randomHex is n random hex digits (n even).
func randomHex(n int) string {
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
