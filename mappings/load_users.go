package mappings

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

func (l *loader) key(parent, n *yaml.Node, path string) Key {
	k := Key{Type: "string", Generate: "database"}
	if n == nil {
		l.errorf(parent, path, "required")
		return k
	}
	if n.Kind == yaml.ScalarNode {
		k.Column = l.ident(n, path, n.Value, false)
		return k
	}
	o := l.object(n, path)
	o.strict("column", "type", "generate", "template")
	var cn *yaml.Node
	k.Column, cn = o.str("column", true)
	if cn != nil {
		l.ident(cn, path+".column", k.Column, false)
	}
	if t, tn := o.str("type", false); t != "" {
		if t != "string" && t != "integer" && t != "uuid" {
			l.errorf(tn, path+".type", "unknown id type %q (string, integer, or uuid)", t)
		}
		k.Type = t
	}
	if g, gn := o.str("generate", false); g != "" {
		if !contains([]string{"database", "uuid", "template"}, g) {
			l.errorf(gn, path+".generate", "unknown id generation %q (database, uuid, or template)", g)
		}
		k.Generate = g
	}
	k.Template = l.template(o.get("template"), path+".template")
	if k.Generate == "template" && k.Template == nil && o.get("template") == nil {
		l.errorf(n, path+".template", "required when generate is template")
	}
	if k.Generate != "template" && o.get("template") != nil {
		l.errorf(o.keys["template"], path+".template", "only used with generate: template")
	}
	if k.Generate == "uuid" && k.Type == "integer" {
		l.errorf(n, path+".generate", "uuid ids need type string or uuid")
	}
	return k
}

func (l *loader) lastModified(n *yaml.Node, path string) *LastModified {
	if n == nil {
		return nil
	}
	lm := &LastModified{Maintain: true, Format: "timestamp"}
	if n.Kind == yaml.ScalarNode {
		lm.Column = l.ident(n, path, n.Value, false)
		return lm
	}
	o := l.object(n, path)
	o.strict("column", "maintain", "format")
	if f, fn := o.str("format", false); fn != nil {
		if !contains(NowFormats, f) {
			l.errorf(fn, path+".format", "%q: want one of %s (how the column holds a time)", f, strings.Join(NowFormats, ", "))
		}
		lm.Format = f
	}
	var cn *yaml.Node
	lm.Column, cn = o.str("column", true)
	if cn != nil {
		l.ident(cn, path+".column", lm.Column, false)
	}
	if o.get("maintain") != nil {
		lm.Maintain = o.boolean("maintain")
	}
	return lm
}

var coreUserAttrs = map[string]string{
	"username": "userName", "displayname": "displayName", "nickname": "nickName", "title": "title",
	"usertype": "userType", "preferredlanguage": "preferredLanguage", "locale": "locale",
	"timezone": "timezone", "externalid": "externalId", "profileurl": "profileUrl",
	"name.givenname": "name.givenName", "name.familyname": "name.familyName", "name.formatted": "name.formatted",
	"name.middlename": "name.middleName", "name.honorificprefix": "name.honorificPrefix",
	"name.honorificsuffix": "name.honorificSuffix", "active": "active", "password": "password",
}

var (
	typeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	// Extension attributes may name a sub-attribute of a complex one: manager.value.
	extNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z$][A-Za-z0-9_-]*)?$`)
)

func (l *loader) users(n *yaml.Node, app App) *Users {
	o := l.object(n, "users")
	o.strict("table", "from", "scope", "set", "id", "lastModified", "created", "attributes", "custom", "extensions", "operations", "roles", "entitlements", "related", "groups")
	u := &Users{byPath: map[string]*Attribute{}}
	var tn *yaml.Node
	u.Table, tn = o.str("table", true)
	if tn != nil {
		l.ident(tn, "users.table", u.Table, true)
	}
	u.From = l.template(o.get("from"), "users.from")
	u.Scope = l.scope(o.get("scope"), "users.scope")
	if u.From != nil && u.Scope != nil {
		l.errorf(o.get("scope"), "users.scope", "give either users.from or users.scope: with from, its query says which rows are users")
	}
	u.ID = l.key(n, o.get("id"), "users.id")
	u.LastModified = l.lastModified(o.get("lastModified"), "users.lastModified")
	u.Created = l.lastModified(o.get("created"), "users.created")
	l.at("users.table", tn)
	l.at("users.id", o.get("id"))
	l.at("users.lastModified", o.get("lastModified"))
	l.at("users.created", o.get("created"))

	add := func(a *Attribute, kn *yaml.Node, path string) {
		if a == nil {
			return
		}
		k := strings.ToLower(a.Path)
		if _, dup := u.byPath[k]; dup {
			l.errorf(kn, path, "attribute %s is bound twice", a.Path)
			return
		}
		u.byPath[k] = a
		u.Attributes = append(u.Attributes, a)
	}
	if an := o.get("attributes"); an != nil {
		ao := l.object(an, "users.attributes")
		for _, key := range ao.order {
			path := "users.attributes." + key
			kn := ao.keys[key]
			canon, ok := coreUserAttrs[strings.ToLower(key)]
			if !ok {
				parts := strings.SplitN(key, ".", 3)
				switch {
				case len(parts) == 2 && isMultiValued(parts[0]) && typeRE.MatchString(parts[1]):
					canon = canonMulti(parts[0]) + "." + parts[1]
				case len(parts) == 3 && strings.EqualFold(parts[0], Addresses) && typeRE.MatchString(parts[1]) && addressPart(parts[2]) != "":
					canon = Addresses + "." + parts[1] + "." + addressPart(parts[2])
				case strings.EqualFold(parts[0], Addresses):
					l.errorf(kn, path, "an address binds one part of one type: addresses.<type>.<part>, the part one of %s", strings.Join(AddressParts, ", "))
					continue
				default:
					l.errorf(kn, path, "unknown SCIM user attribute %q (custom attributes go under users.custom)", key)
					continue
				}
			}
			a := l.attribute(ao.fields[key], path, canon, "")
			add(a, kn, path)
		}
	}
	if u.Attr("userName") == nil {
		l.errorf(n, "users.attributes.userName", "required: every SCIM user has a userName")
	}
	extension := func(en *yaml.Node, path, urn string) {
		eo := l.object(en, path)
		for _, key := range eo.order {
			p := path + "." + key
			if !extNameRE.MatchString(key) {
				l.errorf(eo.keys[key], p, "%q is not a valid attribute name", key)
				continue
			}
			add(l.attribute(eo.fields[key], p, urn+":"+key, urn), eo.keys[key], p)
		}
	}
	if cn := o.get("custom"); cn != nil {
		extension(cn, "users.custom", app.UserSchema)
	}
	if xn := o.get("extensions"); xn != nil {
		xo := l.object(xn, "users.extensions")
		for _, urn := range xo.order {
			l.urn(xo.keys[urn], "users.extensions", urn)
			if strings.EqualFold(urn, app.UserSchema) {
				l.errorf(xo.keys[urn], "users.extensions", "%s is the app's own schema; put its attributes under users.custom", urn)
				continue
			}
			extension(xo.fields[urn], "users.extensions."+urn, urn)
		}
	}
	u.Operations = l.operations(o.get("operations"), "users.operations", UserOps, OpDeleteUser)
	u.Set = l.set(o.get("set"), "users.set", true)
	l.checkCopies(u.Set, "users.set", func(name string) (string, bool) {
		var found []string
		for _, a := range u.Attributes {
			switch {
			case a.Path == "password":
			case strings.EqualFold(name, a.Path):
				return a.Path, true
			case a.URN != "" && strings.EqualFold(name, a.Name):
				found = append(found, a.Path) // a custom attribute by its name
			}
		}
		if len(found) == 1 {
			return found[0], true
		}
		return "", false
	})
	written := map[string]string{strings.ToLower(u.ID.Column): "users.id"}
	if u.LastModified != nil {
		written[strings.ToLower(u.LastModified.Column)] = "users.lastModified"
	}
	if u.Created != nil {
		written[strings.ToLower(u.Created.Column)] = "users.created"
	}
	for _, a := range u.Attributes {
		if a.Column != "" && a.Writable() {
			written[strings.ToLower(a.Column)] = "attribute " + a.Path
		}
		if a.SaltColumn != "" {
			written[strings.ToLower(a.SaltColumn)] = "the password's salt"
		}
	}
	if u.Scope != nil {
		for _, c := range u.Scope.Columns {
			written[strings.ToLower(c.Column)] = "users.scope"
		}
	}
	l.checkSet(o.get("set"), "users.set", u.Set, written)
	if op := u.Operations[OpGetUsers]; op != nil && !op.Auto && u.From != nil {
		l.errorf(o.get("from"), "users.from", "give either users.from or a templated getUsers, not both: each is the row source of every read")
	}
	u.Related = l.related(o.get("related"), u)
	u.Roles = l.userRefs(o.get("roles"), "users.roles")
	u.Entitlements = l.userRefs(o.get("entitlements"), "users.entitlements")
	if o.get("groups") != nil {
		u.HideGroups = !o.boolean("groups")
	}
	u.index()
	l.checkPrimary(u, n)
	return u
}

// addressPart is the canonical spelling of an address sub-attribute, or "".
func addressPart(name string) string {
	for _, p := range AddressParts {
		if strings.EqualFold(p, name) {
			return p
		}
	}
	return ""
}

func (l *loader) checkPrimary(u *Users, n *yaml.Node) {
	primaries := 0
	for _, t := range u.AddressTypes() {
		if t.Primary {
			primaries++
		}
	}
	if primaries > 1 {
		l.errorf(n, "users.attributes.addresses", "more than one type of address is marked primary")
	}
	for _, multi := range MultiValued {
		count := 0
		for _, a := range u.Multi(multi) {
			if a.Primary {
				count++
			}
		}
		if count > 1 {
			l.errorf(n, "users.attributes."+multi, "more than one binding is marked primary")
		}
	}
}

// PasswordSchemes are the stored password formats scimsql writes and checks itself
// (users.attributes.password.hash), besides plain, template and compose.
var PasswordSchemes = []string{"bcrypt", "wordpress", "phpass", "argon2id", "sha512-crypt", "sha256-crypt", "django"}

var attrTypes = []string{"string", "boolean", "integer", "double", "date", "datetime", "strings"}

func (l *loader) attribute(n *yaml.Node, path, canon, urn string) *Attribute {
	name := canon
	if urn != "" {
		name = strings.TrimPrefix(canon, urn+":")
	} else if i := strings.LastIndex(canon, "."); i >= 0 {
		name = canon[i+1:]
	}
	a := &Attribute{Path: canon, URN: urn, Name: name, Pos: l.pos(n), Type: "string"}
	if parts := strings.Split(canon, "."); urn == "" && len(parts) == 3 && parts[0] == Addresses {
		a.Item = parts[1]
	}
	switch canon {
	case "active":
		a.Type = "boolean"
	}
	if n.Kind == yaml.ScalarNode {
		a.Column = l.ident(n, path, n.Value, false)
		if canon == "active" {
			a.TrueValue, a.FalseValue = true, false
		}
		if canon == "password" {
			l.errorf(n, path, "say how the password is stored: {column: C, hash: bcrypt|plain}, or hash: template")
		}
		return a
	}
	o := l.object(n, path)
	allowed := []string{"column", "read", "format", "write", "type", "default", "emptyAs", "caseExact", "fold", "readOnly", "primary", "in", "match"}
	switch {
	case canon == "active":
		allowed = append(slices.DeleteFunc(allowed, func(k string) bool { return k == "format" || k == "emptyAs" || k == "fold" }), "true", "false")
	case canon == "password":
		allowed = []string{"column", "hash"}
	case IsMultiPath(canon):
		allowed = append(allowed, "eq")
	default:
		allowed = append(allowed, "eq", "separator")
	}
	o.strict(allowed...)
	var cn *yaml.Node
	a.Column, cn = o.str("column", false)
	if cn != nil {
		l.ident(cn, path+".column", a.Column, false)
	}
	if in, inn := o.str("in", false); inn != nil {
		// The value is in a row of a users.related table, resolved by name once all are read.
		if l.inNodes == nil {
			l.inNodes = map[*Attribute]inRef{}
		}
		l.inNodes[a] = inRef{inn, path}
		a.Related = &RelatedValue{In: &Related{Name: in}, Column: a.Column,
			Match: l.fixedColumns(o.get("match"), path+".match", "a match value")}
		a.Column = ""
		if a.Related.Column == "" {
			l.errorf(n, path+".column", "required with in: the column of %s that holds the value", in)
		}
		for _, k := range []string{"read", "write", "eq"} {
			if o.get(k) != nil {
				l.errorf(o.keys[k], path+"."+k, "not used with in: the value is read, written and compared in the related table")
			}
		}
	} else if o.get("match") != nil {
		l.errorf(o.keys["match"], path+".match", "only used with in (a users.related table)")
	}
	a.Read = l.template(o.get("read"), path+".read")
	a.Eq = l.template(o.get("eq"), path+".eq")
	if f, fn := o.str("format", false); fn != nil {
		c, err := ParseComposite(f)
		if err != nil {
			l.errorf(fn, path+".format", "%v", err)
		}
		a.Format = c
		for _, k := range []string{"column", "read", "eq", "in"} {
			if o.get(k) != nil {
				why := map[string]string{
					"column": "the format names its columns",
					"read":   "the format is the read expression",
					"eq":     "the inverse is derived from the format",
					"in":     "a format reads columns of the user's row",
				}[k]
				l.errorf(o.keys[k], path+"."+k, "not used with format: %s", why)
			}
		}
		if t, _ := o.str("type", false); t != "" && t != "string" {
			l.errorf(o.keys["type"], path+".type", "a format makes a string")
		}
	}
	if a.Eq != nil && a.Read == nil && a.Format == nil {
		l.errorf(o.keys["eq"], path+".eq", "only used with read: a column is compared directly")
	}
	if wn := o.get("write"); wn != nil {
		wo := l.object(wn, path+".write")
		a.Write = map[string]*Template{}
		for _, col := range wo.order {
			l.ident(wo.keys[col], path+".write", col, false)
			if t := l.template(wo.fields[col], path+".write."+col); t != nil {
				a.Write[col] = t
			}
		}
	}
	if a.Column != "" && a.Read != nil {
		l.errorf(o.get("read"), path+".read", "give either column or read, not both")
	}
	if a.Column != "" && a.Write != nil {
		l.errorf(o.get("write"), path+".write", "give either column or write, not both")
	}
	if t, tn := o.str("type", false); t != "" {
		if !contains(attrTypes, t) {
			l.errorf(tn, path+".type", "unknown type %q (%s)", t, strings.Join(attrTypes, ", "))
		} else if urn == "" && canon != "active" && t != "string" {
			l.errorf(tn, path+".type", "core attribute %s is a string", canon)
		}
		a.Type = t
	}
	if canon == "active" {
		a.Type = "boolean"
	}
	if dn := o.get("default"); dn != nil {
		if dn.Kind != yaml.ScalarNode {
			l.errorf(dn, path+".default", "expected a scalar value")
		} else {
			v := dn.Value
			a.Default = &v
		}
	}
	if en := o.get("emptyAs"); en != nil && canon != "active" { // active: refused as an unknown key
		switch {
		case en.Kind != yaml.ScalarNode:
			l.errorf(en, path+".emptyAs", "expected a scalar value: \"\" or null, or another the column holds for no value")
		case a.Column == "":
			l.errorf(en, path+".emptyAs", "only for a column of the user's row: it is the value the column holds for no value")
		case o.get("default") != nil:
			l.errorf(en, path+".emptyAs", "give default (\"\" keeps the column) or emptyAs (\"\" clears it), not both")
		default:
			v := scalar(en, nil)
			if n, ok := v.(int); ok {
				v = int64(n)
			}
			text := ""
			if v != nil {
				text = fmt.Sprint(v)
			}
			a.Empty = &EmptyValue{Value: v, Text: text}
		}
	}
	a.CaseExact = o.boolean("caseExact")
	if f, fn := o.str("fold", false); fn != nil {
		switch {
		case f != "lower":
			l.errorf(fn, path+".fold", "%q: want lower (compare lower-cased, for a column whose collation minds case)", f)
		case a.CaseExact:
			l.errorf(fn, path+".fold", "a caseExact attribute compares case by case: no fold")
		case a.Type != "string":
			l.errorf(fn, path+".fold", "only a string is folded")
		default:
			a.FoldLower = true
		}
	}
	a.ReadOnly = o.boolean("readOnly")
	a.Primary = o.boolean("primary")
	if a.Primary && (urn != "" || !IsMultiPath(canon)) {
		l.errorf(o.keys["primary"], path+".primary", "only multi-valued attributes (%s, addresses) have a primary value", strings.Join(MultiValued, ", "))
	}
	a.Separator, _ = o.str("separator", false)
	if a.Separator != "" && a.Type != "strings" {
		l.errorf(o.keys["separator"], path+".separator", "only used with type: strings")
	}
	if canon == "active" {
		tv, fv := o.get("true"), o.get("false")
		if a.Column != "" && (tv == nil) != (fv == nil) {
			l.errorf(n, path, "give both true and false column values, or neither")
		}
		a.TrueValues, a.FalseValues = l.stateValues(tv, path+".true", true), l.stateValues(fv, path+".false", false)
		a.TrueValue, a.FalseValue = a.TrueValues[0], a.FalseValues[0]
		for _, t := range a.TrueValues {
			for _, f := range a.FalseValues {
				if tv != nil && fv != nil && fmt.Sprint(t) == fmt.Sprint(f) {
					l.errorf(fv, path+".false", "true and false must be different column values (%v is both)", t)
				}
			}
		}
	}
	if canon == "password" {
		if hn := o.get("hash"); hn != nil && hn.Kind == yaml.MappingNode {
			// A scheme the application invented: {compose: EXPR, salt: COLUMN, saltLength: N},
			// or PBKDF2 with its parameters: {pbkdf2: ALG, iterations: N, keyLength: N,
			// encoding: hex|base64, salt: COLUMN, saltLength: N}.
			ho := l.object(hn, path+".hash")
			ho.strict("compose", "pbkdf2", "iterations", "keyLength", "encoding", "salt", "saltLength")
			a.Hash = "compose"
			if alg, pn := ho.str("pbkdf2", false); pn != nil {
				if ho.get("compose") != nil {
					l.errorf(ho.keys["compose"], path+".hash.compose", "give either compose or pbkdf2")
				}
				if !contains(PBKDF2Algorithms, alg) {
					l.errorf(pn, path+".hash.pbkdf2", "%q: want one of %s (the HMAC digest)", alg, strings.Join(PBKDF2Algorithms, ", "))
				}
				iter := ho.integer("iterations", 600_000)
				if iter < 1000 || iter > 100_000_000 {
					l.errorf(ho.get("iterations"), path+".hash.iterations", "%d: from 1000 to 100000000 (the application's own count; OWASP asks 600000 for sha256)", iter)
				}
				klen := ho.integer("keyLength", 32)
				if klen < 16 || klen > 128 {
					l.errorf(ho.get("keyLength"), path+".hash.keyLength", "%d: a derived key of 16 to 128 bytes", klen)
				}
				enc, encn := ho.str("encoding", false)
				if enc == "" {
					enc = "hex"
				} else if enc != "hex" && enc != "base64" {
					l.errorf(encn, path+".hash.encoding", "%q: want hex or base64 (how the column holds the key)", enc)
				}
				a.HashExpr = NewPBKDF2(alg, iter, klen, enc) // it uses salt: hash.salt is required below
			} else {
				for _, k := range []string{"iterations", "keyLength", "encoding"} {
					if ho.get(k) != nil {
						l.errorf(ho.keys[k], path+".hash."+k, "goes with pbkdf2")
					}
				}
				expr, en := ho.str("compose", true)
				if en != nil {
					x, err := ParseHashExpr(expr)
					if err != nil {
						l.errorf(en, path+".hash.compose", "%v", err)
					}
					a.HashExpr = x
				}
			}
			if sc, sn := ho.str("salt", false); sn != nil {
				a.SaltColumn = l.ident(sn, path+".hash.salt", sc, false)
			}
			a.SaltLength = ho.integer("saltLength", 32)
			if a.SaltLength < 2 || a.SaltLength > 256 || a.SaltLength%2 != 0 {
				l.errorf(ho.get("saltLength"), path+".hash.saltLength", "a salt is an even number of hex digits from 2 to 256, not %d", a.SaltLength)
			}
			if a.HashExpr != nil && a.HashExpr.UsesSalt != (a.SaltColumn != "") {
				l.errorf(hn, path+".hash", "a scheme that uses salt needs hash.salt, the column the salt is stored in, and one that does not, none")
			}
			if a.Column == "" {
				l.errorf(n, path+".column", "required with a composed hash")
			}
			return a
		}
		h, hn := o.str("hash", true)
		a.Hash = h
		switch {
		case h == "plain" || contains(PasswordSchemes, h):
			if a.Column == "" && a.Write == nil {
				l.errorf(n, path+".column", "required with hash: %s", h)
			}
		case h == "template":
			if a.Column != "" {
				l.errorf(cn, path+".column", "with hash: template the operations' templates store the password; remove column")
			}
		case h == "":
		default:
			l.errorf(hn, path+".hash", "unknown hash %q (%s, plain, template, or {compose: ..., salt: COLUMN})", h, strings.Join(PasswordSchemes, ", "))
		}
		return a
	}
	// A read that failed to parse has been reported already; do not also call it missing.
	if a.Column == "" && a.Read == nil && o.get("read") == nil && a.Related == nil && o.get("format") == nil {
		l.errorf(n, path, "needs column, format, or read (with write for a writable computed attribute)")
	}
	return a
}

// scalar decodes a YAML scalar keeping its type, so 1 stays an integer and 'A' a string.
func scalar(n *yaml.Node, def any) any {
	if n == nil {
		return def
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return v
}

// stateValues reads active's true or false: one stored value, or a list of them (the
// first is the one writes store); absent, def.
func (l *loader) stateValues(n *yaml.Node, path string, def any) []any {
	if n == nil {
		return []any{def}
	}
	if n.Kind != yaml.SequenceNode {
		return []any{scalar(n, def)}
	}
	var out []any
	for _, x := range n.Content {
		if x.Kind != yaml.ScalarNode || x.Tag == "!!null" {
			l.errorf(x, path, "expected a column value, found %s", kindName(x))
			continue
		}
		out = append(out, scalar(x, def))
	}
	if len(out) == 0 {
		l.errorf(n, path, "give at least one column value")
		return []any{def}
	}
	return out
}

// readOps are the operations whose template is one SELECT, and what it is used as.
var readOps = map[string]string{
	OpGetUsers:  "the row source every user list and filter reads from",
	OpGetGroups: "the row source every group list reads from",
	OpGetUser:   "its first row is the user",
	OpGetGroup:  "its first row is the group",
}

func (l *loader) operations(n *yaml.Node, path string, allowed []string, extra ...string) map[string]*Operation {
	ops := map[string]*Operation{}
	if n == nil {
		return ops
	}
	if n.Kind == yaml.ScalarNode {
		if n.Value != "auto" {
			l.errorf(n, path, "expected auto or a mapping of operation names, found %q", n.Value)
			return ops
		}
		for _, name := range allowed {
			ops[name] = &Operation{Name: name, Auto: true}
		}
		return ops
	}
	// extra names (deleteUser) are mapped only by name, never by auto.
	named := append(append([]string(nil), allowed...), extra...)
	o := l.object(n, path)
	o.strict(named...)
	for _, name := range o.order {
		if !contains(named, name) {
			continue
		}
		p := path + "." + name
		v := o.fields[name]
		if v.Kind == yaml.ScalarNode && v.Value == "auto" {
			ops[name] = &Operation{Name: name, Auto: true}
			continue
		}
		if v.Kind == yaml.ScalarNode {
			l.errorf(v, p, "expected auto or {sql: ...}, found %q", v.Value)
			continue
		}
		oo := l.object(v, p)
		oo.strict("sql", "set")
		if sn := oo.get("set"); sn != nil {
			switch {
			case name != OpDeleteUser:
				l.errorf(sn, p+".set", "set is a soft delete: only deleteUser takes it")
			case oo.get("sql") != nil:
				l.errorf(sn, p+".set", "give either sql or set")
			default:
				ops[name] = &Operation{Name: name, Set: l.set(sn, p+".set", false)}
			}
			continue
		}
		op := &Operation{Name: name}
		for _, s := range l.strings(v, oo.get("sql"), p+".sql", true) {
			if t := l.template(s, p+".sql"); t != nil {
				op.Statements = append(op.Statements, t)
			}
		}
		if why, ok := readOps[name]; ok && len(op.Statements) > 1 {
			l.errorf(oo.get("sql"), p+".sql", "a templated %s is a single query (%s), not %d statements", name, why, len(op.Statements))
		}
		ops[name] = op
	}
	return ops
}

// related reads users.related, the tables of rows that belong to users, and resolves the
// attributes bound into them (in: NAME).
func (l *loader) related(n *yaml.Node, u *Users) []*Related {
	byName := map[string]*Related{}
	setNodes := map[*Related]*yaml.Node{}
	var out []*Related
	if n != nil {
		ro := l.object(n, "users.related")
		for _, name := range ro.order {
			path := "users.related." + name
			if !typeRE.MatchString(name) {
				l.errorf(ro.keys[name], path, "%q: a name is a letter, then letters, digits, _ or -", name)
				continue
			}
			o := l.object(ro.fields[name], path)
			o.strict("table", "owner", "set")
			r := &Related{Name: name, Pos: l.pos(ro.keys[name])}
			var tn, on *yaml.Node
			if r.Table, tn = o.str("table", true); tn != nil {
				l.ident(tn, path+".table", r.Table, true)
			}
			if r.Owner, on = o.str("owner", true); on != nil {
				l.ident(on, path+".owner", r.Owner, false)
			}
			if strings.EqualFold(r.Table, u.Table) {
				l.errorf(tn, path+".table", "%s is the users table itself; bind its columns directly", r.Table)
			}
			r.Set = l.set(o.get("set"), path+".set", false)
			setNodes[r] = o.get("set")
			byName[name] = r
			out = append(out, r)
		}
	}
	written := map[*Related]map[string]string{}
	for _, r := range out {
		written[r] = map[string]string{strings.ToLower(r.Owner): "owner"}
	}
	for _, a := range u.Attributes {
		if a.Related == nil {
			continue
		}
		r, ok := byName[a.Related.In.Name]
		if !ok {
			ref := l.inNodes[a]
			l.errorf(ref.n, ref.path+".in", "no users.related table named %q", a.Related.In.Name)
			continue
		}
		a.Related.In = r
		w := written[r]
		if !a.ReadOnly {
			w[strings.ToLower(a.Related.Column)] = "attribute " + a.Path
		}
		for _, c := range a.Related.Match {
			if strings.EqualFold(c.Column, a.Related.Column) {
				ref := l.inNodes[a]
				l.errorf(ref.n, ref.path+".match", "column %s both holds the value and selects the row", c.Column)
			}
			w[strings.ToLower(c.Column)] = "the match of " + a.Path
		}
	}
	for _, r := range out {
		l.checkSet(setNodes[r], "users.related."+r.Name+".set", r.Set, written[r])
	}
	return out
}
