package mappings

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

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
	// inNodes are the in: keys of attributes bound to users.related tables, for errors
	// found when the names are resolved.
	inNodes map[*Attribute]inRef
	// copyNodes are the copy: keys of set columns, for errors found when they are resolved.
	copyNodes map[*SetColumn]*yaml.Node
	// positions are file:line:col of the mapping's tables, columns and keys, by path
	// (users.table, groups.members.user), for problems found later (Mapping.At).
	positions map[string]string
}

// at records where path is written.
func (l *loader) at(path string, n *yaml.Node) {
	if n == nil {
		return
	}
	if l.positions == nil {
		l.positions = map[string]string{}
	}
	if _, ok := l.positions[path]; !ok {
		l.positions[path] = l.pos(n)
	}
}

// inRef is where an attribute names its users.related table.
type inRef struct {
	n    *yaml.Node
	path string // the attribute's path in the mapping
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
	var groupsTable *yaml.Node
	if n := root.get("groups"); n != nil && n.Kind == yaml.MappingNode {
		groupsTable = l.object(n, "groups").get("table")
	}
	l.checkScopes(m, root.get("users"), groupsTable)
	if m.Users == nil && m.Groups == nil {
		l.errorf(root.node, "", "the mapping binds neither users nor groups")
	}
	if m.Groups != nil && m.Groups.Members != nil && m.Users == nil {
		l.errorf(root.get("groups"), "groups.members", "group memberships need users to be mapped too")
	}
	m.positions = l.positions
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
