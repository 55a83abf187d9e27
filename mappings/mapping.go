package mappings

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

// Version is the only mapping format version this build reads.
const Version = 1

// Well-known schema URNs. Custom URNs are opaque strings chosen per app.
const (
	CoreSchema1       = "urn:scim:schemas:core:1.0"
	EnterpriseSchema1 = "urn:scim:schemas:extension:enterprise:1.0"
	CoreUserSchema2   = "urn:ietf:params:scim:schemas:core:2.0:User"
	CoreGroupSchema2  = "urn:ietf:params:scim:schemas:core:2.0:Group"
	DefaultGroupURN   = "urn:okta:custom:group:1.0"
)

// Mapping is a loaded, validated mapping file. It is immutable once returned by Load.
type Mapping struct {
	// positions are where the loader read each table, column and key (Mapping.At).
	positions map[string]string
	File      string // path the mapping was read from
	Dir       string // directory of File; relative paths in the mapping resolve against it
	// Sources are every file the mapping was built from: the mapping itself, secret
	// files and init scripts. A change to any of them is a reason to reload.
	Sources []string
	// Fingerprint hashes the bytes of every source as the loader read them, and the
	// overrides it was given: what a reload compares to tell whether anything changed.
	Fingerprint [32]byte
	App         App
	Database    Database
	Server      Server
	Users       *Users  // nil when the mapping does not provision users
	Groups      *Groups // nil when the mapping does not provision groups
	// Resources are extra read-only resource types (roles, entitlements) served under
	// SCIM 2.0 for Okta Identity Governance.
	Resources []*Resource
}

// Resource returns the resource type name, or nil.
func (m *Mapping) Resource(name string) *Resource {
	for _, r := range m.Resources {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Resource is an extra read-only resource type read from a table.
type Resource struct {
	Name       string // Role
	Endpoint   string // /Roles
	Schema     string // its schema URN
	Table      string
	ID         Key
	Attributes map[string]string // SCIM attribute → column, all strings
	Order      []string          // attribute names in mapping order
}

// UserRefs is a multi-valued user attribute (roles, entitlements) read from a join table.
type UserRefs struct {
	Table       string
	UserColumn  string // holds the user's id column value
	ValueColumn string // holds the value (the resource's id)
	Resource    string // optional resource type whose displayName is the display
	// Writable (writable: true) lets requests add, remove and replace the user's rows of
	// Table; otherwise the attribute is read-only and a PATCH of it is refused.
	Writable bool
	node     *yaml.Node
	path     string
}

// App names the application and its custom schema URNs.
type App struct {
	Name        string
	UserSchema  string // urn:okta:<name>:1.0:user:custom unless overridden
	GroupSchema string // urn:okta:custom:group:1.0 unless overridden
}

// Database says how to reach the app's database.
type Database struct {
	Driver       string
	DSN          Secret // after ${VAR} expansion; prints as <secret>
	MaxOpen      int
	MaxIdle      int
	MaxLifetime  time.Duration
	QueryTimeout time.Duration
	Init         *Init
}

// Init describes scripts run once when the database lacks the table IfMissing.
type Init struct {
	IfMissing string
	Scripts   []string // absolute paths
}

// Server holds the listener and auth settings.
type Server struct {
	Listen   string
	BasePath string // always starts with "/" and has no trailing slash, "" for the root
	TLS      *TLS
	Auth     Auth
	// MaxBody is the largest request body (a group push carries every member);
	// MaxUserBody the largest body of a user write (POST, PUT, PATCH /Users).
	MaxBody     int64
	MaxUserBody int64
	Admin       Admin
	// Cursors is where list walks keep their position.
	Cursors Cursors
	// TrustedProxies are the networks of load balancers whose X-Forwarded-For names the
	// client, for the per-address throttling of failed authentication.
	TrustedProxies []netip.Prefix
	// PlainHTTP is the explicit choice to serve without TLS.
	PlainHTTP bool
	// UserPatchStatus is what a SCIM 2.0 PATCH of a user answers: 200 with the user
	// (the default, what Okta reads) or 204 with no body (RFC 7644 §3.5.2 allows both;
	// Microsoft's reference tests want 204).
	UserPatchStatus int
	Limits          Limits
}

// Limits bound what one request may cost.
type Limits struct {
	MaxPageSize       int // largest count served; larger requests get shorter pages
	MaxFilterLength   int // bytes
	MaxFilterDepth    int // nesting of parentheses, not and value paths
	MaxHeaderBytes    int
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration // how long in-flight requests may finish on SIGTERM
	// MaxFilterScanTerms bounds the comparisons in a filter that no index can serve
	// (co, sw, ew, ne, and anything under not): each one reads every row.
	MaxFilterScanTerms int
	// MaxBodyBytesInFlight bounds the request bodies held at once, so that concurrent
	// large bodies cannot take the process past its memory limit; 0 derives it from
	// the memory limit.
	MaxBodyBytesInFlight int64
	// MaxAuthFailures failed authentications per AuthFailureWindow are allowed from
	// one client address; past them it gets 429 until the window lets it try again.
	MaxAuthFailures   int
	AuthFailureWindow time.Duration
}

// DefaultLimits are safe for the agent: its pages are 100 users, its filters short, and
// its per-call timeout at least 30 s.
var DefaultLimits = Limits{
	MaxPageSize: 1000, MaxFilterLength: 4096, MaxFilterDepth: 16, MaxHeaderBytes: 64 << 10,
	ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 2 * time.Minute,
	IdleTimeout: 2 * time.Minute, ShutdownTimeout: 30 * time.Second,
	MaxFilterScanTerms: 8, MaxAuthFailures: 10, AuthFailureWindow: time.Minute,
}

// Cursors says where list walks keep their position (see engine/walk.go).
type Cursors struct {
	// Store is local (this process's memory: one replica, or sticky sessions), redis
	// (shared by every replica) or none (every page after the first with OFFSET).
	Store  string
	URL    Secret // redis:// or rediss://, for redis
	Prefix string // of every key, for redis; default scimsql:<app name>:
}

// Default sizes of request bodies.
const (
	DefaultMaxBody     = 16 << 20
	DefaultMaxUserBody = 1 << 20
)

// Admin governs the operator endpoints: /-/healthy and /-/ready (always open, for
// orchestrators), /metrics, and POST /-/reload.
type Admin struct {
	Auth    Auth // protects /metrics and /-/reload; none by default
	Reload  bool // POST /-/reload is served (needs Auth)
	Metrics bool // /metrics is served (default true)
}

// TLS names certificate and key files.
type TLS struct {
	Cert string
	Key  string
}

// Auth is how the agent authenticates to scimsql.
type Auth struct {
	Type     string // none, basic, header
	Username string
	Password Secret // basic
	// PasswordHash is a bcrypt hash of the basic password, when the mapping gives one
	// instead of the password.
	PasswordHash Secret
	Header       string // header name, for type header
	Value        Secret // header value, for type header
	// Defaulted is true when the secret came from the mapping's default rather than the
	// environment or a file, so the server can warn that it runs with a demo secret.
	Defaulted bool
	// SecretEnv is the environment variable the secret is read from, when it has one:
	// what the demo-secret warning tells the operator to set.
	SecretEnv string
}

// Secret is a string that never prints its value.
type Secret struct{ value string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: s} }

// Reveal returns the secret value. Call it only where the value is used, never to log.
func (s Secret) Reveal() string { return s.value }

// String implements fmt.Stringer without revealing the value.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return "<secret>"
}

// GoString keeps %#v from revealing the value.
func (s Secret) GoString() string { return s.String() }

// Format implements fmt.Formatter. Without it a verb such as %d or %x, which fmt does not
// route through String, would print the struct and with it the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(s.String()))
		return
	}
	fmt.Fprint(f, s.String())
}

// Operation is how one SCIMService operation is carried out.
type Operation struct {
	Name       string
	Auto       bool        // SQL generated from the bindings
	Statements []*Template // templated SQL, run in order in one transaction
	// Set, for deleteUser, makes it a soft delete: these columns are written instead of
	// the row being deleted (a scope should then leave the row out).
	Set []*SetColumn
}

// Template is a parsed text/template with the place it came from.
type Template struct {
	Source string // file:line:col where the template text starts
	Text   string
	Tmpl   *template.Template
}

// Key says how a resource is identified and how new identifiers are made.
type Key struct {
	Column   string
	Type     string    // string, integer or uuid: how ids are bound and checked
	Generate string    // database, uuid, template
	Template *Template // for Generate == template
}

// LastModified binds meta.lastModified.
type LastModified struct {
	Column string
	// Maintain is true when scimsql stamps the column on every write; false when the
	// database does it (a trigger or ON UPDATE clause).
	Maintain bool
	// Format is how the column holds a time: one of NowFormats ("timestamp", the
	// database's time type, by default; "unix" seconds or "unixms" milliseconds).
	Format string
}

// Attribute binds one SCIM attribute to the database.
type Attribute struct {
	Path   string    // canonical SCIM path: userName, name.givenName, emails.work, urn:...:custom:isAdmin
	URN    string    // schema URN for extension attributes, "" for core
	Name   string    // attribute name (last segment), e.g. isAdmin, givenName, work
	Pos    string    // file:line:col of the binding
	Column string    // column read and written; "" when Read/Write templates are used
	Read   *Template // SQL expression computing the value, rendered by the engine with the dialect's quoting
	Write  map[string]*Template
	// Eq, for a computed attribute, renders an indexable condition on the source columns
	// that holds when the attribute equals .value (the inverse of Read), so an eq filter
	// does not scan the table.
	Eq *Template
	// Format, when set, makes the value of columns and fixed text; the read expression
	// and its inverse come from it (Read and Eq are nil).
	Format  *Composite
	Type    string // string, boolean, integer, double, date, datetime, strings
	Default *string
	// Empty, when set (emptyAs:), is the column value that stands for no value: what a
	// write of null, "" or a removed value stores (a NOT NULL column's '', or NULL where
	// '' would collide in a unique column), and what reads answer as absent.
	Empty *EmptyValue
	// CaseExact is false for strings unless the mapping says otherwise (RFC 7643 §2.4).
	CaseExact bool
	// FoldLower (fold: lower) compares lower-cased on every dialect: for a column whose
	// collation minds case (MySQL's _bin and _cs, SQL Server's _CS and _BIN), where the
	// dialect's own case-insensitive comparison would not ignore it.
	FoldLower bool
	ReadOnly  bool
	Primary   bool // for emails, phoneNumbers, ims, ...: the primary value; for addresses, the type's
	// Item is the type of the address an addresses.<type>.<part> binding belongs to
	// (Name is then the part: locality); "" for every other attribute.
	Item string

	// For active: the column values that mean true and false.
	// HashExpr, SaltColumn and SaltLength describe a composed password scheme (Hash
	// "compose"): the stored form, the column of its per-user salt, the salt's hex digits.
	HashExpr   *HashExpr
	SaltColumn string
	SaltLength int
	TrueValue  any
	FalseValue any
	// TrueValues and FalseValues are every stored value of each state (true: [1, 2]);
	// TrueValue and FalseValue, the first of each, are what writes store.
	TrueValues, FalseValues []any

	// For password: bcrypt, plain, template (the operations' templates handle it), or
	// compose (HashExpr).
	Hash string
	// For strings: the separator used in a single text column; "" means a JSON array.
	Separator string
	// Related, when set, keeps the value in a row of another table (users.related)
	// instead of a column of the user's row; Column is then "".
	Related *RelatedValue
}

// EmptyValue is an attribute's emptyAs: Value is nil (null), a string, an int64, a
// float64 or a bool; Text is how it prints, to compare with what a column reads.
type EmptyValue struct {
	Value any
	Text  string
}

// Related is a table whose rows belong to users (users.related): e-mails in a table of
// their own (Redmine's email_addresses), attributes as key/value rows (WordPress's
// wp_usermeta). Owner is its column holding the user's id.
type Related struct {
	Name  string
	Table string
	Owner string
	// Set are columns no attribute carries that a new row is written with (on: create,
	// the default), and a changed one too (on: update or always).
	Set []*SetColumn
	Pos string
}

// RelatedValue binds an attribute to Column of the user's row of In that Match selects
// (meta_key = 'first_name', is_default = true); a create writes Match with the value.
type RelatedValue struct {
	In     *Related
	Column string
	Match  []ScopeColumn
}

// Writable reports whether requests can change the attribute.
func (a *Attribute) Writable() bool {
	if a.ReadOnly {
		return false
	}
	return a.Column != "" || len(a.Write) > 0 || a.Hash == "template" || a.Related != nil
}

// Users binds SCIM users.
type Users struct {
	Table        string
	From         *Template // optional SQL source for reads instead of Table
	Scope        *Scope    // which rows of Table are users; nil: all
	Set          []*SetColumn
	ID           Key
	LastModified *LastModified
	// Created is the column of the user's creation time (meta.created), stamped by a
	// create when Maintain; nil when the mapping has none.
	Created    *LastModified
	Attributes []*Attribute // in mapping order
	// Related are the tables of rows that belong to users, in mapping order.
	Related    []*Related
	Operations map[string]*Operation
	// Roles and Entitlements, when set, are read from join tables (read-only).
	Roles, Entitlements *UserRefs
	// HideGroups (groups: false) leaves out the read-only groups attribute, which lists
	// a user's groups from the membership table (one more query per page of users).
	HideGroups bool
	byPath     map[string]*Attribute
	// The answers of Multi, Custom and URNs, worked out once when the mapping is loaded:
	// every request that reads or writes a user asks them.
	multi     map[string][]*Attribute // by lower-case name
	addresses []*AddressType
	custom    map[string][]*Attribute // by lower-case URN
	urns      []string
}

// index fills the lookups of Multi, Custom and URNs from Attributes.
func (u *Users) index() {
	u.multi, u.custom, u.urns = map[string][]*Attribute{}, map[string][]*Attribute{}, u.findURNs()
	for _, name := range MultiValued {
		u.multi[strings.ToLower(name)] = u.findMulti(name)
	}
	u.addresses = u.findAddresses()
	for _, urn := range u.urns {
		u.custom[strings.ToLower(urn)] = u.findCustom(urn)
	}
}

// Attr returns the attribute bound at path (case-insensitive), or nil.
func (u *Users) Attr(path string) *Attribute {
	if u == nil {
		return nil
	}
	return u.byPath[strings.ToLower(path)]
}

// Multi returns the bindings of a multi-valued attribute (emails, phoneNumbers) in mapping
// order. The slice is shared: callers must not change it.
func (u *Users) Multi(name string) []*Attribute {
	if u.multi != nil {
		return u.multi[strings.ToLower(name)]
	}
	return u.findMulti(name)
}

func (u *Users) findMulti(name string) []*Attribute {
	var out []*Attribute
	for _, a := range u.Attributes {
		if a.URN == "" && strings.EqualFold(strings.SplitN(a.Path, ".", 2)[0], name) && isMultiValued(name) {
			out = append(out, a)
		}
	}
	return out
}

// Custom returns the attributes of extension schema urn. The slice is shared: callers
// must not change it.
func (u *Users) Custom(urn string) []*Attribute {
	if u.custom != nil {
		return u.custom[strings.ToLower(urn)]
	}
	return u.findCustom(urn)
}

func (u *Users) findCustom(urn string) []*Attribute {
	var out []*Attribute
	for _, a := range u.Attributes {
		if strings.EqualFold(a.URN, urn) {
			out = append(out, a)
		}
	}
	return out
}

// URNs returns the extension schema URNs that have attributes, sorted. The slice is
// shared: callers must not change it.
func (u *Users) URNs() []string {
	if u.custom != nil {
		return u.urns
	}
	return u.findURNs()
}

func (u *Users) findURNs() []string {
	seen := map[string]bool{}
	for _, a := range u.Attributes {
		if a.URN != "" {
			seen[a.URN] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Op returns the operation name, or nil when it is not mapped.
func (u *Users) Op(name string) *Operation {
	if u == nil {
		return nil
	}
	return u.Operations[name]
}

// Groups binds SCIM groups and their memberships.
type Groups struct {
	Table        string
	Scope        *Scope // which rows of Table are groups; nil: all
	Set          []*SetColumn
	ID           Key
	DisplayName  *Attribute
	Description  *Attribute
	LastModified *LastModified
	// Created is the column of the group's creation time (meta.created), as users.created.
	Created    *LastModified
	Members    *Members
	Operations map[string]*Operation
}

// Op returns the operation name, or nil when it is not mapped.
func (g *Groups) Op(name string) *Operation {
	if g == nil {
		return nil
	}
	return g.Operations[name]
}

// Members is the membership table: one row per (group, user).
type Members struct {
	Table       string
	GroupColumn string // holds the group's id column value
	UserColumn  string // holds the user's id column value
	// Where, when set, is the SQL condition (on the membership row, alias m) that makes a
	// row a current membership, e.g. to_date = '9999-01-01'; rows failing it are history.
	Where *Template
	// Set are columns a new membership row is written with besides the two keys (Moodle's
	// timeadded): constants, the time, generated values.
	Set []*SetColumn
	// Unknown is what a write does with a member that names no user: UnknownReject (the
	// default) answers 400 and writes nothing; UnknownSkip writes the other members, leaves
	// that one out and logs it.
	Unknown string
}

// What a group write does with a member that names no user (groups.members.unknown).
const (
	UnknownReject = "reject"
	UnknownSkip   = "skip"
)

// NowFormats are the ways a set column holds the current time: the database's time type
// (timestamp), Unix seconds or milliseconds.
var NowFormats = []string{"timestamp", "unix", "unixms"}

// SetColumn is a column that no SCIM attribute carries but writes write: a constant, the
// current time, or a generated value, on create, on update or on both.
type SetColumn struct {
	Column   string
	Value    any    // a constant: string, int, float64 or bool
	Null     bool   // the constant is NULL
	Now      string // one of NowFormats, or ""
	Generate string // uuid or hex, or ""
	Length   int    // hex digits, for generate: hex; for a copy, the most characters kept (0: all)
	SQL      string // an SQL expression the database computes (expression:), or ""
	// Copy is the canonical path of the attribute whose value the column also takes,
	// through Transform (one of Transforms, or ""); a write that does not carry the
	// attribute leaves the column as it is.
	Copy      string
	Transform string
	OnCreate  bool
	OnUpdate  bool   // an update that writes anything writes it too
	Pos       string // file:line:col
}

// Scope says which rows of a table are the resource's: the table's rows whose Columns
// hold their values and that pass Where. Every read, check, update and delete is limited
// to them, and a create writes Columns, so that what it writes is in scope.
type Scope struct {
	Columns []ScopeColumn // in mapping order
	Where   *Template     // a read template (col, no bind), or nil
}

// ScopeColumn is one column a scope fixes, and its value: a string, an int64 or a bool.
type ScopeColumn struct {
	Column string
	Value  any
}

// Operation names, as in Okta's SCIMService interface.
const (
	OpGetUsers    = "getUsers"
	OpGetUser     = "getUser"
	OpCreateUser  = "createUser"
	OpUpdateUser  = "updateUser"
	OpGetGroups   = "getGroups"
	OpGetGroup    = "getGroup"
	OpCreateGroup = "createGroup"
	OpUpdateGroup = "updateGroup"
	OpDeleteGroup = "deleteGroup"
	// OpDeleteUser is SCIM 2.0's DELETE /Users/{id} (Entra sends it when a user leaves
	// scope): not one of the SDK's operations, so operations: auto never maps it.
	OpDeleteUser = "deleteUser"
)

// UserOps and GroupOps list the operations each resource may map, in SCIMService order.
var (
	UserOps  = []string{OpGetUsers, OpGetUser, OpCreateUser, OpUpdateUser}
	GroupOps = []string{OpGetGroups, OpGetGroup, OpCreateGroup, OpUpdateGroup, OpDeleteGroup}
)

// MultiValued are the core user attributes whose items are a value with a type and a
// primary flag, bound one column per type (emails.work, ims.xmpp); Addresses is the one
// whose items have sub-attributes, bound one column per type and sub-attribute
// (addresses.work.locality).
var MultiValued = []string{"emails", "phoneNumbers", "ims", "photos", "x509Certificates"}

// Addresses is the complex multi-valued core attribute, and AddressParts its
// sub-attributes besides type and primary (RFC 7643 §4.1.2).
const Addresses = "addresses"

var AddressParts = []string{"formatted", "streetAddress", "locality", "region", "postalCode", "country"}

// canonMulti is the canonical spelling of a multi-valued attribute name, or "".
func canonMulti(name string) string {
	for _, m := range MultiValued {
		if strings.EqualFold(m, name) {
			return m
		}
	}
	return ""
}

func isMultiValued(name string) bool { return canonMulti(name) != "" }

// IsMultiPath reports whether path binds one value of a multi-valued attribute:
// emails.work, ims.xmpp, addresses.work.locality.
func IsMultiPath(path string) bool {
	head, _, ok := strings.Cut(path, ".")
	return ok && (isMultiValued(head) || head == Addresses)
}

// AddressType is the bindings of one type of address (addresses.work.*).
type AddressType struct {
	Type    string
	Primary bool                  // a binding of the type says primary: true
	Parts   []*Attribute          // in mapping order
	ByPart  map[string]*Attribute // by sub-attribute, lower case
}

// AddressTypes are the users' address bindings by type, in mapping order (the primary
// one is the declared one, else the first).
func (u *Users) AddressTypes() []*AddressType {
	if u.addresses != nil || u.multi != nil {
		return u.addresses
	}
	return u.findAddresses()
}

func (u *Users) findAddresses() []*AddressType {
	var out []*AddressType
	for _, a := range u.Attributes {
		if a.URN != "" || a.Item == "" {
			continue
		}
		var t *AddressType
		for _, x := range out {
			if x.Type == a.Item {
				t = x
			}
		}
		if t == nil {
			t = &AddressType{Type: a.Item, ByPart: map[string]*Attribute{}}
			out = append(out, t)
		}
		t.Parts = append(t.Parts, a)
		t.ByPart[strings.ToLower(a.Name)] = a
		t.Primary = t.Primary || a.Primary
	}
	return out
}

// At is file:line:col where path (users.table, users.id, groups.members.user) is written
// in the mapping, for a problem found after loading (a table the database lacks); the
// file alone when the loader recorded no position for it.
func (m *Mapping) At(path string) string {
	if p, ok := m.positions[path]; ok {
		return p
	}
	return m.File
}
