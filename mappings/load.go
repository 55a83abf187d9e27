package mappings

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v3"
)

// Options adjust loading. The zero value reads the process environment.
type Options struct {
	// LookupEnv resolves ${VAR} in the DSN and env: secrets. Defaults to os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Listen and DSN, when set, replace server.listen and database.dsn (the -listen and
	// -dsn flags): the loaded mapping is never changed afterwards.
	Listen, DSN string
	// Drivers are the database.driver names the binary is built with (dialects/all);
	// another is an error at its position. Nil accepts any name.
	Drivers []string
}

// Error is one problem in a mapping, with its position.
type Error struct {
	File      string
	Line, Col int
	Path      string // dotted key path, e.g. users.attributes.emails.work
	Msg       string
}

func (e Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	}
	if e.Path != "" {
		return fmt.Sprintf("%s: %s: %s", where, e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s", where, e.Msg)
}

// Errors is every problem found in one mapping, in file order.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// LoadFile reads and validates the mapping at path.
func LoadFile(path string, opts Options) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return Load(data, abs, opts)
}

// Load validates a mapping given as bytes; file names it in errors and anchors relative paths.
// On failure the error is Errors, listing every problem found.
func Load(data []byte, file string, opts Options) (*Mapping, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	l := &loader{file: file, display: displayName(file), opts: opts}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			// yaml.v3 reports a file with no document (empty, or only comments) as io.EOF.
			err = errors.New("empty mapping file")
		}
		l.errs = append(l.errs, yamlError(l.display, err))
		return nil, l.errs
	}
	m := l.mapping(&doc)
	if len(l.errs) > 0 {
		sort.SliceStable(l.errs, func(i, j int) bool {
			a, b := l.errs[i], l.errs[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, l.errs
	}
	if opts.Listen != "" {
		m.Server.Listen = opts.Listen
	}
	if opts.DSN != "" {
		m.Database.DSN = NewSecret(opts.DSN)
	}
	m.Sources = append([]string{file}, l.sources...)
	contents := append([][]byte{data}, l.contents...)
	if m.Database.Init != nil {
		for _, p := range m.Database.Init.Scripts {
			b, _ := os.ReadFile(p) // a missing script is the init's error, when it runs
			m.Sources = append(m.Sources, p)
			contents = append(contents, b)
		}
	}
	m.Fingerprint = fingerprint(m.Sources, contents, opts)
	return m, nil
}

// fingerprint hashes the bytes each source had when it was read, and the overrides.
func fingerprint(paths []string, contents [][]byte, opts Options) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "listen=%s\x00dsn=%s\x00", opts.Listen, opts.DSN)
	for i, p := range paths {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(contents[i]))
		h.Write(contents[i])
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// Unchanged says whether m's files still hold what they held when m was loaded with
// opts: a reload that finds them so has nothing to do. A file that cannot be read now
// counts as changed.
func Unchanged(m *Mapping, opts Options) bool {
	contents := make([][]byte, len(m.Sources))
	for i, p := range m.Sources {
		b, err := os.ReadFile(p)
		if err != nil && i == 0 {
			return false
		}
		contents[i] = b
	}
	return fingerprint(m.Sources, contents, opts) == m.Fingerprint
}

func displayName(file string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return file
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(file string, err error) Error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Error{File: file, Line: n, Col: 1, Msg: m[2]}
	}
	return Error{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
}

type loader struct {
	file, display string
	opts          Options
	errs          Errors
	sources       []string // files read besides the mapping
	contents      [][]byte // what each of them held when read
}

func (l *loader) errorf(n *yaml.Node, path, format string, args ...any) {
	e := Error{File: l.display, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	l.errs = append(l.errs, e)
}

func (l *loader) pos(n *yaml.Node) string {
	return fmt.Sprintf("%s:%d:%d", l.display, n.Line, n.Column)
}

// object is a YAML mapping node whose keys are checked against the set a caller reads.
type object struct {
	l      *loader
	node   *yaml.Node
	path   string
	fields map[string]*yaml.Node
	keys   map[string]*yaml.Node
	order  []string
}

func (l *loader) object(n *yaml.Node, path string) *object {
	o := &object{l: l, node: n, path: path, fields: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if n == nil {
		return o
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, path, "expected a mapping of keys to values, found %s", kindName(n))
		return o
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := o.fields[k.Value]; dup {
			l.errorf(k, join(path, k.Value), "key given twice")
			continue
		}
		o.fields[k.Value] = v
		o.keys[k.Value] = k
		o.order = append(o.order, k.Value)
	}
	return o
}

// strict reports every key not in allowed.
func (o *object) strict(allowed ...string) {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, k := range o.order {
		if !ok[k] {
			o.l.errorf(o.keys[k], join(o.path, k), "unknown key (allowed: %s)", strings.Join(allowed, ", "))
		}
	}
}

func (o *object) get(key string) *yaml.Node { return o.fields[key] }

func (o *object) str(key string, required bool) (string, *yaml.Node) {
	n := o.fields[key]
	if n == nil {
		if required {
			o.l.errorf(o.node, join(o.path, key), "required")
		}
		return "", nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		o.l.errorf(n, join(o.path, key), "expected a string, found %s", kindName(n))
		return "", n
	}
	return n.Value, n
}

func (o *object) boolean(key string) bool {
	n := o.fields[key]
	if n == nil {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		o.l.errorf(n, join(o.path, key), "expected true or false, found %q", n.Value)
	}
	return b
}

func (o *object) integer(key string, def int) int {
	n := o.fields[key]
	if n == nil {
		return def
	}
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 {
		o.l.errorf(n, join(o.path, key), "expected a non-negative integer, found %q", n.Value)
		return def
	}
	return v
}

func (o *object) duration(key string, def time.Duration) time.Duration {
	n := o.fields[key]
	if n == nil {
		return def
	}
	d, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || d < 0 {
		o.l.errorf(n, join(o.path, key), "expected a duration like 30s or 5m, found %q", n.Value)
		return def
	}
	return d
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

var (
	identRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)
	appNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

// ident checks a table or column name. Names come only from the mapping, and only
// plain identifiers (optionally schema-qualified for tables) are accepted, so quoting
// them is always safe on every dialect.
func (l *loader) ident(n *yaml.Node, path, v string, qualified bool) string {
	parts := []string{v}
	if qualified {
		parts = strings.Split(v, ".")
	}
	for _, p := range parts {
		if !identRE.MatchString(p) || len(p) > 128 {
			what := "column"
			if qualified {
				what = "table"
			}
			l.errorf(n, path, "%q is not a valid %s name (letters, digits, _ and $, starting with a letter or _)", v, what)
			return v
		}
	}
	return v
}

func (l *loader) mapping(doc *yaml.Node) *Mapping {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		l.errorf(nil, "", "empty mapping file")
		return nil
	}
	root := l.object(doc.Content[0], "")
	if root.node.Kind != yaml.MappingNode {
		return nil
	}
	// version is read first: a future format must not be half-understood by this build.
	vn := root.get("version")
	if vn == nil {
		l.errorf(root.node, "version", "required (this build reads version: %d)", Version)
		return nil
	}
	if vn.Value != strconv.Itoa(Version) {
		l.errorf(vn, "version", "unsupported version %q (this build reads version: %d)", vn.Value, Version)
		return nil
	}
	root.strict("version", "app", "database", "server", "users", "groups", "resources")
	m := &Mapping{File: l.file, Dir: filepath.Dir(l.file)}
	m.App = l.app(root)
	m.Database = l.database(root.node, root.get("database"), m.Dir)
	m.Server = l.server(root.node, root.get("server"))
	if n := root.get("users"); n != nil {
		m.Users = l.users(n, m.App)
	}
	if n := root.get("groups"); n != nil {
		m.Groups = l.groups(n, m.App)
	}
	if n := root.get("resources"); n != nil {
		m.Resources = l.resources(n)
	}
	if m.Users != nil {
		for _, ref := range []*UserRefs{m.Users.Roles, m.Users.Entitlements} {
			if ref != nil && ref.Resource != "" && m.Resource(ref.Resource) == nil {
				l.errorf(ref.node, ref.path+".resource", "no resource type %q is declared under resources", ref.Resource)
			}
		}
	}
	if m.Users == nil && m.Groups == nil {
		l.errorf(root.node, "", "the mapping binds neither users nor groups")
	}
	if m.Groups != nil && m.Groups.Members != nil && m.Users == nil {
		l.errorf(root.get("groups"), "groups.members", "group memberships need users to be mapped too")
	}
	return m
}

func (l *loader) app(root *object) App {
	n := root.get("app")
	if n == nil {
		l.errorf(root.node, "app", "required (at least app.name)")
		return App{}
	}
	o := l.object(n, "app")
	o.strict("name", "userSchema", "groupSchema")
	a := App{}
	var nn *yaml.Node
	a.Name, nn = o.str("name", true)
	if a.Name != "" && !appNameRE.MatchString(a.Name) {
		l.errorf(nn, "app.name", "%q is not a valid app name (letters, digits and _, starting with a letter)", a.Name)
	}
	a.UserSchema, nn = o.str("userSchema", false)
	if a.UserSchema == "" {
		a.UserSchema = "urn:okta:" + a.Name + ":1.0:user:custom"
	} else {
		l.urn(nn, "app.userSchema", a.UserSchema)
	}
	a.GroupSchema, nn = o.str("groupSchema", false)
	if a.GroupSchema == "" {
		a.GroupSchema = DefaultGroupURN
	} else {
		l.urn(nn, "app.groupSchema", a.GroupSchema)
	}
	return a
}

func (l *loader) urn(n *yaml.Node, path, v string) {
	if !strings.HasPrefix(strings.ToLower(v), "urn:") || strings.ContainsAny(v, " \t\"[]") {
		l.errorf(n, path, "%q is not a schema URN (urn:...)", v)
	}
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${VAR} and ${VAR:-default}. MAPPING_DIR names the mapping's directory,
// so an SQLite file can live beside its mapping whatever the working directory.
func (l *loader) expand(n *yaml.Node, path, s, dir string) string {
	return envRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		if m[1] == "MAPPING_DIR" {
			return dir
		}
		if v, ok := l.opts.LookupEnv(m[1]); ok && v != "" {
			return v
		}
		if m[2] != "" {
			return m[3]
		}
		l.errorf(n, path, "environment variable %s is not set", m[1])
		return ""
	})
}

func (l *loader) database(parent, n *yaml.Node, dir string) Database {
	d := Database{MaxOpen: 10, MaxLifetime: 30 * time.Minute, QueryTimeout: 20 * time.Second}
	if n == nil {
		l.errorf(parent, "database", "required (driver and dsn)")
		return d
	}
	o := l.object(n, "database")
	o.strict("driver", "dsn", "maxOpenConns", "maxIdleConns", "connMaxLifetime", "queryTimeout", "init")
	var dn *yaml.Node
	d.Driver, dn = o.str("driver", true)
	if known := l.opts.Drivers; d.Driver != "" && known != nil && !contains(known, d.Driver) {
		l.errorf(dn, "database.driver", "unknown driver %q (known: %s)", d.Driver, strings.Join(known, ", "))
	}
	dsn, sn := o.str("dsn", true)
	if sn != nil {
		d.DSN = NewSecret(l.expand(sn, "database.dsn", dsn, dir))
	}
	d.MaxOpen = o.integer("maxOpenConns", d.MaxOpen)
	// Idle connections default to the pool's size: a pool that keeps fewer than its
	// clients use closes and reopens connections under steady load, and re-prepares every
	// statement on each new one. Idle connections still close after five minutes.
	d.MaxIdle = o.integer("maxIdleConns", d.MaxOpen)
	d.MaxLifetime = o.duration("connMaxLifetime", d.MaxLifetime)
	d.QueryTimeout = o.duration("queryTimeout", d.QueryTimeout)
	if d.MaxOpen == 0 {
		l.errorf(o.get("maxOpenConns"), "database.maxOpenConns", "must be at least 1: an unbounded pool lets a burst exhaust the database")
	}
	if in := o.get("init"); in != nil {
		io := l.object(in, "database.init")
		io.strict("ifMissing", "scripts")
		init := &Init{}
		var mn *yaml.Node
		init.IfMissing, mn = io.str("ifMissing", true)
		if mn != nil {
			l.ident(mn, "database.init.ifMissing", init.IfMissing, true)
		}
		for _, s := range l.strings(in, io.get("scripts"), "database.init.scripts", true) {
			p := s.Value
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			init.Scripts = append(init.Scripts, p)
		}
		d.Init = init
	}
	return d
}

// strings reads a string or a list of strings; parent positions the error when a
// required value is missing.
func (l *loader) strings(parent, n *yaml.Node, path string, required bool) []*yaml.Node {
	if n == nil {
		if required {
			l.errorf(parent, path, "required")
		}
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, path, "expected a string or a list of strings, found %s", kindName(n))
		return nil
	}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			l.errorf(c, path, "expected a string, found %s", kindName(c))
			return nil
		}
	}
	return n.Content
}

func (l *loader) server(parent, n *yaml.Node) Server {
	s := Server{Listen: "127.0.0.1:8080", MaxBody: DefaultMaxBody, MaxUserBody: DefaultMaxUserBody, Auth: Auth{Type: "none"}, Limits: DefaultLimits,
		Admin: Admin{Metrics: true, Auth: Auth{Type: "none"}}, Cursors: Cursors{Store: "local"}}
	if n == nil {
		l.errorf(parent, "server.auth", "required: choose basic, header, or none explicitly")
		return s
	}
	o := l.object(n, "server")
	o.strict("listen", "basePath", "tls", "plainHTTP", "auth", "maxBodyBytes", "maxUserBodyBytes", "admin", "limits", "cursors", "trustedProxies")
	if v, _ := o.str("listen", false); v != "" {
		s.Listen = v
	}
	bp, bn := o.str("basePath", false)
	bp = "/" + strings.Trim(bp, "/")
	if strings.ContainsAny(bp, " ?#%") {
		l.errorf(bn, "server.basePath", "%q is not a URL path", bp)
	}
	if bp == "/" {
		bp = ""
	}
	s.BasePath = bp
	s.MaxBody = int64(o.integer("maxBodyBytes", int(s.MaxBody)))
	if s.MaxBody == 0 {
		l.errorf(o.get("maxBodyBytes"), "server.maxBodyBytes", "must be at least 1")
	}
	s.MaxUserBody = int64(o.integer("maxUserBodyBytes", int(min(s.MaxUserBody, s.MaxBody))))
	switch {
	case s.MaxUserBody == 0:
		l.errorf(o.get("maxUserBodyBytes"), "server.maxUserBodyBytes", "must be at least 1")
	case s.MaxUserBody > s.MaxBody:
		l.errorf(o.get("maxUserBodyBytes"), "server.maxUserBodyBytes", "is larger than server.maxBodyBytes (%d), the largest body of any request", s.MaxBody)
	}
	s.Cursors = l.cursors(o.get("cursors"))
	for _, pn := range l.strings(nil, o.get("trustedProxies"), "server.trustedProxies", false) {
		p, err := netip.ParsePrefix(pn.Value)
		if err != nil {
			a, aerr := netip.ParseAddr(pn.Value)
			if aerr != nil {
				l.errorf(pn, "server.trustedProxies", "%q is not an address or a network like 10.0.0.0/8", pn.Value)
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		s.TrustedProxies = append(s.TrustedProxies, p.Masked())
	}
	if tn := o.get("tls"); tn != nil {
		to := l.object(tn, "server.tls")
		to.strict("cert", "key")
		t := &TLS{}
		t.Cert, _ = to.str("cert", true)
		t.Key, _ = to.str("key", true)
		// Relative paths are the mapping's, like init scripts and secret files.
		for _, p := range []*string{&t.Cert, &t.Key} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(filepath.Dir(l.file), *p)
			}
		}
		s.TLS = t
	}
	s.PlainHTTP = o.boolean("plainHTTP")
	if s.PlainHTTP && s.TLS != nil {
		l.errorf(o.keys["plainHTTP"], "server.plainHTTP", "give either tls or plainHTTP: true, not both")
	}
	s.Limits = l.limits(o.get("limits"))
	an := o.get("auth")
	if an == nil {
		l.errorf(n, "server.auth", "required: choose basic, header, or none explicitly")
		return s
	}
	s.Auth = l.auth(an, "server.auth")
	s.Admin = Admin{Metrics: true, Auth: Auth{Type: "none"}}
	if dn := o.get("admin"); dn != nil {
		do := l.object(dn, "server.admin")
		do.strict("auth", "reload", "metrics")
		if do.get("metrics") != nil {
			s.Admin.Metrics = do.boolean("metrics")
		}
		s.Admin.Reload = do.boolean("reload")
		if xn := do.get("auth"); xn != nil {
			s.Admin.Auth = l.auth(xn, "server.admin.auth")
		}
		if s.Admin.Reload && s.Admin.Auth.Type == "none" {
			l.errorf(do.keys["reload"], "server.admin.reload", "the reload endpoint needs server.admin.auth (basic or header): anyone who can reach it could make scimsql reload")
		}
	}
	return s
}

// cursors reads server.cursors: a store name, or {store, url, prefix}.
func (l *loader) cursors(n *yaml.Node) Cursors {
	c := Cursors{Store: "local"}
	if n == nil {
		return c
	}
	var sn *yaml.Node
	if n.Kind == yaml.ScalarNode {
		c.Store, sn = n.Value, n
	} else {
		o := l.object(n, "server.cursors")
		o.strict("store", "url", "prefix")
		c.Store, sn = o.str("store", true)
		if un := o.get("url"); un != nil {
			u, _ := o.str("url", false)
			c.URL = NewSecret(l.expand(un, "server.cursors.url", u, filepath.Dir(l.file)))
		}
		c.Prefix, _ = o.str("prefix", false)
		if c.Store == "redis" && o.get("url") == nil {
			l.errorf(n, "server.cursors.url", "required for the redis store: redis://host:6379/0 (or ${VAR})")
		}
		if c.Store != "redis" && (o.get("url") != nil || o.get("prefix") != nil) {
			l.errorf(n, "server.cursors", "url and prefix are for store: redis")
		}
	}
	switch c.Store {
	case "local", "none":
	case "redis":
		if n.Kind == yaml.ScalarNode {
			l.errorf(n, "server.cursors", "the redis store needs its url: {store: redis, url: redis://host:6379/0}")
		}
	default:
		l.errorf(sn, "server.cursors.store", "unknown store %q (local, redis or none)", c.Store)
	}
	return c
}

// auth reads an auth block: basic, header, or none, with secrets from env or files.
func (l *loader) auth(n *yaml.Node, path string) Auth {
	a := Auth{}
	ao := l.object(n, path)
	ao.strict("type", "username", "password", "passwordHash", "header", "value")
	typ, tn := ao.str("type", true)
	a.Type = typ
	switch typ {
	case "none":
	case "basic":
		a.Username, _ = ao.str("username", true)
		switch {
		case ao.get("passwordHash") != nil && ao.get("password") != nil:
			l.errorf(ao.keys["passwordHash"], path+".passwordHash", "give either password or passwordHash, not both")
		case ao.get("passwordHash") != nil:
			var h Secret
			h, a.Defaulted = l.secret(ao, "passwordHash")
			if v := h.Reveal(); v != "" && !strings.HasPrefix(v, "$2a$") && !strings.HasPrefix(v, "$2b$") && !strings.HasPrefix(v, "$2y$") {
				l.errorf(ao.get("passwordHash"), path+".passwordHash", "is not a bcrypt hash ($2a$, $2b$ or $2y$...)")
			}
			a.PasswordHash = h
		default:
			a.Password, a.Defaulted = l.secret(ao, "password")
		}
	case "header":
		var hn *yaml.Node
		a.Header, hn = ao.str("header", true)
		if hn != nil && !regexp.MustCompile(`^[A-Za-z0-9-]+$`).MatchString(a.Header) {
			l.errorf(hn, path+".header", "%q is not an HTTP header name", a.Header)
		}
		a.Value, a.Defaulted = l.secret(ao, "value")
	case "":
	default:
		l.errorf(tn, path+".type", "unknown auth type %q (basic, header, or none)", typ)
	}
	return a
}

// secret reads {env: NAME, file: PATH, default: VALUE}. A secret is never written inline
// alone: a default is allowed for demos and flagged so the server warns at start.
func (l *loader) secret(o *object, key string) (Secret, bool) {
	path := join(o.path, key)
	n := o.get(key)
	if n == nil {
		l.errorf(o.node, path, "required")
		return Secret{}, false
	}
	if n.Kind == yaml.ScalarNode {
		l.errorf(n, path, "secrets are not written inline; use {env: VAR} or {file: PATH}")
		return Secret{}, false
	}
	so := l.object(n, path)
	so.strict("env", "file", "default")
	env, en := so.str("env", false)
	file, _ := so.str("file", false)
	def, dn := so.str("default", false)
	if env == "" && file == "" {
		l.errorf(n, path, "needs env or file")
		return Secret{}, false
	}
	if env != "" {
		if !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(env) {
			l.errorf(en, path+".env", "%q is not an environment variable name", env)
		}
		if v, ok := l.opts.LookupEnv(env); ok && v != "" {
			return NewSecret(v), false
		}
	}
	if file != "" {
		p := file
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(l.file), p)
		}
		b, err := os.ReadFile(p)
		l.sources = append(l.sources, p)
		l.contents = append(l.contents, b)
		v := strings.TrimRight(string(b), "\r\n")
		if err == nil && v != "" {
			return NewSecret(v), false
		}
		if dn == nil || def == "" {
			// An empty secret is refused like an unset variable: an empty header value
			// would let requests that omit the header through.
			if err != nil {
				l.errorf(n, path+".file", "cannot read secret file: %v", errors.Unwrap(err))
			} else {
				l.errorf(n, path+".file", "secret file is empty")
			}
			return Secret{}, false
		}
	}
	if dn != nil && def != "" {
		return NewSecret(def), true
	}
	l.errorf(n, path, "environment variable %s is not set and there is no default", env)
	return Secret{}, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// templateFuncs are the functions templates are parsed with. The engine replaces bind,
// col and the rest with implementations bound to one execution; here they only need to
// exist so parsing can check names.
func templateFuncs() template.FuncMap {
	f := sprig.HermeticTxtFuncMap()
	for _, name := range TemplateFuncNames {
		f[name] = func(...any) (string, error) { return "", nil }
	}
	return f
}

// TemplateFuncNames are the scimsql functions a template may call besides sprig's hermetic set.
var TemplateFuncNames = []string{"bind", "col", "hash", "sqlNull", "splits"}

func (l *loader) template(n *yaml.Node, path string) *Template {
	if n == nil {
		return nil
	}
	// A template written once with an anchor (&name) may be reused (*name).
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		l.errorf(n, path, "expected template text, found %s", kindName(n))
		return nil
	}
	src := l.pos(n)
	t, err := template.New(src).Option("missingkey=error").Funcs(templateFuncs()).Parse(n.Value)
	if err != nil {
		// text/template reports "template: NAME:LINE: msg"; keep the message and our position.
		msg := err.Error()
		if i := strings.Index(msg, src+":"); i >= 0 {
			msg = msg[i+len(src)+1:]
			if j := strings.Index(msg, ": "); j >= 0 {
				msg = "template line " + msg[:j] + ": " + msg[j+2:]
			}
		}
		l.errorf(n, path, "%s", msg)
		return nil
	}
	return &Template{Source: src, Text: n.Value, Tmpl: t}
}

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
	lm := &LastModified{Maintain: true}
	if n.Kind == yaml.ScalarNode {
		lm.Column = l.ident(n, path, n.Value, false)
		return lm
	}
	o := l.object(n, path)
	o.strict("column", "maintain")
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
	o.strict("table", "from", "id", "lastModified", "attributes", "custom", "extensions", "operations", "roles", "entitlements")
	u := &Users{byPath: map[string]*Attribute{}}
	var tn *yaml.Node
	u.Table, tn = o.str("table", true)
	if tn != nil {
		l.ident(tn, "users.table", u.Table, true)
	}
	u.From = l.template(o.get("from"), "users.from")
	u.ID = l.key(n, o.get("id"), "users.id")
	u.LastModified = l.lastModified(o.get("lastModified"), "users.lastModified")

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
				parts := strings.SplitN(key, ".", 2)
				if len(parts) == 2 && isMultiValued(parts[0]) && typeRE.MatchString(parts[1]) {
					canon = map[string]string{"emails": "emails", "phonenumbers": "phoneNumbers"}[strings.ToLower(parts[0])] + "." + parts[1]
				} else {
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
	u.Operations = l.operations(o.get("operations"), "users.operations", UserOps)
	u.Roles = l.userRefs(o.get("roles"), "users.roles")
	u.Entitlements = l.userRefs(o.get("entitlements"), "users.entitlements")
	u.index()
	l.checkPrimary(u, n)
	return u
}

func (l *loader) checkPrimary(u *Users, n *yaml.Node) {
	for _, multi := range []string{"emails", "phoneNumbers"} {
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

var attrTypes = []string{"string", "boolean", "integer", "double", "date", "datetime", "strings"}

func (l *loader) attribute(n *yaml.Node, path, canon, urn string) *Attribute {
	name := canon
	if urn != "" {
		name = strings.TrimPrefix(canon, urn+":")
	} else if i := strings.LastIndex(canon, "."); i >= 0 {
		name = canon[i+1:]
	}
	a := &Attribute{Path: canon, URN: urn, Name: name, Pos: l.pos(n), Type: "string"}
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
	allowed := []string{"column", "read", "write", "type", "default", "caseExact", "readOnly", "primary"}
	switch {
	case canon == "active":
		allowed = append(allowed, "true", "false")
	case canon == "password":
		allowed = []string{"column", "hash"}
	case strings.HasPrefix(canon, "emails.") || strings.HasPrefix(canon, "phoneNumbers."):
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
	a.Read = l.template(o.get("read"), path+".read")
	a.Eq = l.template(o.get("eq"), path+".eq")
	if a.Eq != nil && a.Read == nil {
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
	a.CaseExact = o.boolean("caseExact")
	a.ReadOnly = o.boolean("readOnly")
	a.Primary = o.boolean("primary")
	if a.Primary && (urn != "" || !isMultiValued(strings.SplitN(canon, ".", 2)[0])) {
		l.errorf(o.keys["primary"], path+".primary", "only emails and phoneNumbers have a primary value")
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
		a.TrueValue, a.FalseValue = scalar(tv, true), scalar(fv, false)
		if tv != nil && fv != nil && fmt.Sprint(a.TrueValue) == fmt.Sprint(a.FalseValue) {
			l.errorf(fv, path+".false", "true and false must be different column values")
		}
	}
	if canon == "password" {
		h, hn := o.str("hash", true)
		a.Hash = h
		switch h {
		case "bcrypt", "plain":
			if a.Column == "" && a.Write == nil {
				l.errorf(n, path+".column", "required with hash: %s", h)
			}
		case "template":
			if a.Column != "" {
				l.errorf(cn, path+".column", "with hash: template the operations' templates store the password; remove column")
			}
		case "":
		default:
			l.errorf(hn, path+".hash", "unknown hash %q (bcrypt, plain, or template)", h)
		}
		return a
	}
	// A read that failed to parse has been reported already; do not also call it missing.
	if a.Column == "" && a.Read == nil && o.get("read") == nil {
		l.errorf(n, path, "needs column, or read (with write for a writable computed attribute)")
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

func (l *loader) operations(n *yaml.Node, path string, allowed []string) map[string]*Operation {
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
	o := l.object(n, path)
	o.strict(allowed...)
	for _, name := range o.order {
		if !contains(allowed, name) {
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
		oo.strict("sql")
		op := &Operation{Name: name}
		for _, s := range l.strings(v, oo.get("sql"), p+".sql", true) {
			if t := l.template(s, p+".sql"); t != nil {
				op.Statements = append(op.Statements, t)
			}
		}
		ops[name] = op
	}
	return ops
}

func (l *loader) groups(n *yaml.Node, app App) *Groups {
	o := l.object(n, "groups")
	o.strict("table", "id", "displayName", "description", "lastModified", "members", "operations")
	g := &Groups{}
	var tn *yaml.Node
	g.Table, tn = o.str("table", true)
	if tn != nil {
		l.ident(tn, "groups.table", g.Table, true)
	}
	g.ID = l.key(n, o.get("id"), "groups.id")
	if dn := o.get("displayName"); dn != nil {
		g.DisplayName = l.attribute(dn, "groups.displayName", "displayName", "")
	} else {
		l.errorf(n, "groups.displayName", "required: every SCIM group has a displayName")
	}
	if dn := o.get("description"); dn != nil {
		g.Description = l.attribute(dn, "groups.description", app.GroupSchema+":description", app.GroupSchema)
	}
	g.LastModified = l.lastModified(o.get("lastModified"), "groups.lastModified")
	if mn := o.get("members"); mn != nil {
		mo := l.object(mn, "groups.members")
		mo.strict("table", "group", "user", "where")
		mem := &Members{}
		var xn *yaml.Node
		mem.Table, xn = mo.str("table", true)
		if xn != nil {
			l.ident(xn, "groups.members.table", mem.Table, true)
		}
		mem.GroupColumn, xn = mo.str("group", true)
		if xn != nil {
			l.ident(xn, "groups.members.group", mem.GroupColumn, false)
		}
		mem.UserColumn, xn = mo.str("user", true)
		if xn != nil {
			l.ident(xn, "groups.members.user", mem.UserColumn, false)
		}
		mem.Where = l.template(mo.get("where"), "groups.members.where")
		g.Members = mem
	}
	g.Operations = l.operations(o.get("operations"), "groups.operations", GroupOps)
	return g
}

// userRefs reads users.roles / users.entitlements: a join table of (user, value) rows.
func (l *loader) userRefs(n *yaml.Node, path string) *UserRefs {
	if n == nil {
		return nil
	}
	o := l.object(n, path)
	o.strict("table", "user", "value", "resource")
	r := &UserRefs{node: n, path: path}
	var xn *yaml.Node
	for _, f := range []struct {
		key string
		dst *string
	}{{"table", &r.Table}, {"user", &r.UserColumn}, {"value", &r.ValueColumn}} {
		*f.dst, xn = o.str(f.key, true)
		if xn != nil {
			l.ident(xn, path+"."+f.key, *f.dst, f.key == "table")
		}
	}
	r.Resource, _ = o.str("resource", false)
	return r
}

var resourceNameRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// resources reads extra read-only resource types (roles, entitlements, ...).
func (l *loader) resources(n *yaml.Node) []*Resource {
	o := l.object(n, "resources")
	var out []*Resource
	for _, name := range o.order {
		path := "resources." + name
		if !resourceNameRE.MatchString(name) || name == "User" || name == "Group" {
			l.errorf(o.keys[name], path, "%q is not a resource type name (a capitalised word other than User and Group, e.g. Role)", name)
			continue
		}
		ro := l.object(o.fields[name], path)
		ro.strict("endpoint", "schema", "table", "id", "attributes")
		r := &Resource{Name: name, Endpoint: "/" + name + "s", Schema: "urn:ietf:params:scim:schemas:core:2.0:" + name, Attributes: map[string]string{}}
		if ep, en := ro.str("endpoint", false); ep != "" {
			if !regexp.MustCompile(`^/[A-Za-z][A-Za-z0-9]*$`).MatchString(ep) || strings.EqualFold(ep, "/Users") || strings.EqualFold(ep, "/Groups") {
				l.errorf(en, path+".endpoint", "%q is not a free endpoint like /Roles", ep)
			}
			r.Endpoint = ep
		}
		if sc, sn := ro.str("schema", false); sc != "" {
			l.urn(sn, path+".schema", sc)
			r.Schema = sc
		}
		var tn *yaml.Node
		r.Table, tn = ro.str("table", true)
		if tn != nil {
			l.ident(tn, path+".table", r.Table, true)
		}
		r.ID = l.key(ro.node, ro.get("id"), path+".id")
		if an := ro.get("attributes"); an != nil {
			ao := l.object(an, path+".attributes")
			for _, k := range ao.order {
				v := ao.fields[k]
				if !typeRE.MatchString(k) || v.Kind != yaml.ScalarNode {
					l.errorf(ao.keys[k], path+".attributes."+k, "expected attribute: column")
					continue
				}
				l.ident(v, path+".attributes."+k, v.Value, false)
				r.Attributes[k] = v.Value
				r.Order = append(r.Order, k)
			}
		}
		if _, ok := r.Attributes["displayName"]; !ok {
			l.errorf(ro.node, path+".attributes.displayName", "required: Okta shows a resource by its displayName")
		}
		out = append(out, r)
	}
	return out
}

// limits reads server.limits; every limit has a safe default.
func (l *loader) limits(n *yaml.Node) Limits {
	lim := DefaultLimits
	if n == nil {
		return lim
	}
	o := l.object(n, "server.limits")
	o.strict("maxPageSize", "maxFilterLength", "maxFilterDepth", "maxHeaderBytes", "readHeaderTimeout", "readTimeout", "writeTimeout", "idleTimeout", "shutdownTimeout",
		"maxFilterScanTerms", "maxBodyBytesInFlight", "maxAuthFailures", "authFailureWindow")
	lim.MaxPageSize = o.integer("maxPageSize", lim.MaxPageSize)
	lim.MaxFilterLength = o.integer("maxFilterLength", lim.MaxFilterLength)
	lim.MaxFilterDepth = o.integer("maxFilterDepth", lim.MaxFilterDepth)
	lim.MaxHeaderBytes = o.integer("maxHeaderBytes", lim.MaxHeaderBytes)
	lim.ReadHeaderTimeout = o.duration("readHeaderTimeout", lim.ReadHeaderTimeout)
	lim.ReadTimeout = o.duration("readTimeout", lim.ReadTimeout)
	lim.WriteTimeout = o.duration("writeTimeout", lim.WriteTimeout)
	lim.IdleTimeout = o.duration("idleTimeout", lim.IdleTimeout)
	lim.ShutdownTimeout = o.duration("shutdownTimeout", lim.ShutdownTimeout)
	lim.MaxFilterScanTerms = o.integer("maxFilterScanTerms", lim.MaxFilterScanTerms)
	lim.MaxBodyBytesInFlight = int64(o.integer("maxBodyBytesInFlight", int(lim.MaxBodyBytesInFlight)))
	lim.MaxAuthFailures = o.integer("maxAuthFailures", lim.MaxAuthFailures)
	lim.AuthFailureWindow = o.duration("authFailureWindow", lim.AuthFailureWindow)
	if lim.MaxAuthFailures == 0 {
		l.errorf(o.get("maxAuthFailures"), "server.limits.maxAuthFailures", "must be at least 1: the agent's first request after a password change would be refused")
	}
	if lim.AuthFailureWindow == 0 {
		l.errorf(o.get("authFailureWindow"), "server.limits.authFailureWindow", "must be longer than 0")
	}
	if lim.MaxPageSize < 100 && lim.MaxPageSize > 0 {
		// The agent asks for count=100 and continues at startIndex+100: a shorter page
		// would make every import skip users.
		l.errorf(o.get("maxPageSize"), "server.limits.maxPageSize", "must be at least 100: Okta's agent imports in pages of 100 and would skip the rest of each page")
	}
	for _, c := range []struct {
		key string
		v   int
	}{{"maxPageSize", lim.MaxPageSize}, {"maxFilterLength", lim.MaxFilterLength}, {"maxFilterDepth", lim.MaxFilterDepth}, {"maxHeaderBytes", lim.MaxHeaderBytes}} {
		if c.v == 0 {
			l.errorf(o.get(c.key), "server.limits."+c.key, "must be at least 1")
		}
	}
	for _, c := range []struct {
		key string
		v   time.Duration
	}{{"readHeaderTimeout", lim.ReadHeaderTimeout}, {"readTimeout", lim.ReadTimeout}, {"writeTimeout", lim.WriteTimeout}, {"idleTimeout", lim.IdleTimeout}} {
		if c.v == 0 {
			l.errorf(o.get(c.key), "server.limits."+c.key, "must be longer than 0: without it a slow client holds a connection forever")
		}
	}
	return lim
}
