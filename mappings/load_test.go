package mappings

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects/all"
)

var update = flag.Bool("update", false, "rewrite the .err goldens in testdata/mappings/bad")

// The corpus lives at the repository root and the goldens name files relative to it
// (testdata/mappings/bad/NAME.yaml:LINE:COL), so the corpus tests run from the root.
const (
	goodDir = "testdata/mappings/good"
	badDir  = "testdata/mappings/bad"
)

// Secret values the fake environment hands out; no printed form of a Mapping may
// contain them.
const (
	testSecret    = "hunter2-test-secret"
	testDSNSecret = "dsn-test-secret"
)

// testEnv is the whole environment the tests see, so results do not depend on the machine.
var testEnv = map[string]string{
	"SCIMSQL_TEST_SECRET": testSecret,
	"SCIMSQL_TEST_BCRYPT": testBcrypt,
	"SCIMSQL_TEST_DSN":    "postgres://app:" + testDSNSecret + "@db.internal/app",
	"SCIMSQL_TEST_EMPTY":  "",
}

func fakeEnv(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func testOptions() Options { return Options{LookupEnv: fakeEnv(testEnv), Drivers: all.Names()} }

// chdirRoot moves the test to the repository root for its duration.
func chdirRoot(t *testing.T) {
	t.Helper()
	t.Chdir("..")
	if _, err := os.Stat("go.mod"); err != nil {
		t.Fatalf("not at the repository root: %v", err)
	}
}

// eq reports got != want under what, compared with reflect.DeepEqual.
func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func typesOf(as []*Attribute) map[string]string {
	out := map[string]string{}
	for _, a := range as {
		out[a.Name] = a.Type
	}
	return out
}

func opNames(ops map[string]*Operation) []string {
	var out []string
	for name := range ops {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// goodFacts holds a few facts about the model of each good corpus file, by base name.
// Every good file must have an entry, so a new file comes with what it demonstrates.
var goodFacts = map[string]func(t *testing.T, m *Mapping){
	"governance": func(t *testing.T, m *Mapping) {
		eq(t, "resources", len(m.Resources), 2)
		role := m.Resource("Role")
		eq(t, "Role", []any{role.Endpoint, role.Schema, role.Table, role.ID.Column, role.Attributes["displayName"], strings.Join(role.Order, ",")},
			[]any{"/Roles", "urn:ietf:params:scim:schemas:core:2.0:Role", "roles", "role_id", "role_name", "displayName,description"})
		ent := m.Resource("Entitlement")
		eq(t, "Entitlement", []any{ent.Endpoint, ent.Schema}, []any{"/Entitlements", "urn:okta:scim:schemas:core:1.0:Entitlement"})
		r := m.Users.Roles
		eq(t, "users.roles", []any{r.Table, r.UserColumn, r.ValueColumn, r.Resource}, []any{"user_roles", "user_id", "role_id", "Role"})
		eq(t, "users.entitlements", []any{m.Users.Entitlements.Resource, m.Users.Entitlements.Writable, r.Writable}, []any{"", true, false})
		eq(t, "users.groups", m.Users.HideGroups, true)
	},
	"users_minimal": func(t *testing.T, m *Mapping) {
		eq(t, "App.UserSchema", m.App.UserSchema, "urn:okta:minimal:1.0:user:custom")
		eq(t, "App.GroupSchema", m.App.GroupSchema, DefaultGroupURN)
		eq(t, "DSN", m.Database.DSN.Reveal(), filepath.Join(m.Dir, "minimal.db"))
		eq(t, "pool", []any{m.Database.MaxOpen, m.Database.MaxIdle, m.Database.MaxLifetime, m.Database.QueryTimeout},
			[]any{10, 10, 30 * time.Minute, 20 * time.Second})
		eq(t, "Init", m.Database.Init, (*Init)(nil))
		eq(t, "Server", m.Server, Server{Listen: "127.0.0.1:8080", MaxBody: 16 << 20, MaxUserBody: 1 << 20, Auth: Auth{Type: "none"},
			Admin: Admin{Metrics: true, Auth: Auth{Type: "none"}}, Limits: DefaultLimits, Cursors: Cursors{Store: "local"}, UserPatchStatus: 200})
		eq(t, "Groups", m.Groups, (*Groups)(nil))
		eq(t, "Users.ID", m.Users.ID, Key{Column: "id", Type: "string", Generate: "database"})
		eq(t, "Users.LastModified", m.Users.LastModified, (*LastModified)(nil))
		eq(t, "Users.Operations", len(m.Users.Operations), 0)
		a := m.Users.Attr("USERNAME")
		eq(t, "userName", []string{a.Path, a.Column, a.Type, a.Pos}, []string{"userName", "user_name", "string", goodDir + "/users_minimal.yaml:19:15"})
		eq(t, "userName.Writable", a.Writable(), true)
	},
	"shared_table": func(t *testing.T, m *Mapping) {
		eq(t, "users.scope.columns", m.Users.Scope.Columns, []ScopeColumn{{"type", "User"}, {"admin", false}})
		eq(t, "users.scope.where", m.Users.Scope.Where.Text, `{{col "status"}} <> 3 AND {{col "login"}} <> 'anonymous'`)
		eq(t, "groups.scope.columns", m.Groups.Scope.Columns, []ScopeColumn{{"type", "Group"}, {"status", int64(1)}})
		eq(t, "groups.scope.where", m.Groups.Scope.Where, (*Template)(nil))
		var set []string
		for _, c := range m.Users.Set {
			set = append(set, fmt.Sprintf("%s=%v/%v/%s/%s/%d/%v/%v", c.Column, c.Value, c.Null, c.Now, c.Generate, c.Length, c.OnCreate, c.OnUpdate))
		}
		eq(t, "users.set", set, []string{"mail_notification=only_my_events/false///0/true/false", "auth_source_id=<nil>/true///0/true/false",
			"updated_on=<nil>/false/timestamp//0/true/true", "token=<nil>/false//hex/32/true/false",
			"api_key=<nil>/false//uuid/0/true/false", "timecreated=<nil>/false/unixms//0/true/false", "must_change_passwd=false/false///0/false/true",
			"identity_url=<nil>/false///40/true/true", "search_name=<nil>/false///0/true/false", "twofa_scheme=<nil>/false///0/true/false"})
		var extra []string
		for _, c := range m.Users.Set[7:] {
			extra = append(extra, c.Copy+"/"+c.Transform+"/"+c.SQL)
		}
		eq(t, "users.set copies and sql", extra, []string{"userName/slug/", "name.familyName/lower/", "//SELECT MIN(name) FROM twofa_schemes"})
		eq(t, "groups.set", len(m.Groups.Set), 3)
		eq(t, "groups.members.unknown", m.Groups.Members.Unknown, UnknownSkip)
		eq(t, "groups.set copy", m.Groups.Set[2].Copy+"/"+m.Groups.Set[2].Transform, "displayName/trim")
		eq(t, "users.lastModified", *m.Users.LastModified, LastModified{Column: "updated_unix", Maintain: true, Format: "unix"})
		eq(t, "users.created", *m.Users.Created, LastModified{Column: "created_on", Maintain: true, Format: "timestamp"})
		pw := m.Users.Attr("password")
		eq(t, "password", []any{pw.Hash, pw.Column, pw.SaltColumn, pw.SaltLength, pw.HashExpr.UsesSalt}, []any{"compose", "hashed_password", "salt", 32, true})
		// Redmine's own: SHA1(salt + SHA1("okta")).
		h, err := pw.HashExpr.Hash("okta", "5a5a")
		eq(t, "composed hash", []any{h, err}, []any{"beddd4d4d1aeb588f499488cc41377f453d3d309", nil})
		act := m.Users.Attr("active")
		eq(t, "active", []any{act.TrueValue, act.FalseValue, act.TrueValues, act.FalseValues}, []any{1, 4, []any{1, 2}, []any{4}})
	},
	"related_tables": func(t *testing.T, m *Mapping) {
		var rel []string
		for _, r := range m.Users.Related {
			rel = append(rel, fmt.Sprintf("%s=%s.%s/%d", r.Name, r.Table, r.Owner, len(r.Set)))
		}
		eq(t, "users.related", rel, []string{"meta=wp_usermeta.user_id/0", "mail=email_addresses.user_id/2", "profile=user_profiles.user_id/0"})
		var bound []string
		for _, a := range m.Users.Attributes {
			if rv := a.Related; rv != nil {
				bound = append(bound, fmt.Sprintf("%s=%s.%s%v/%q/%v", a.Path, rv.In.Name, rv.Column, rv.Match, a.Column, a.Writable()))
			}
		}
		eq(t, "related attributes", bound, []string{
			`name.givenName=meta.meta_value[{meta_key first_name}]/""/true`,
			`name.familyName=meta.meta_value[{meta_key last_name}]/""/true`,
			`emails.work=mail.address[{is_default true}]/""/true`,
			`active=profile.value[{field state}]/""/true`,
			`urn:okta:blog:1.0:user:custom:level=meta.meta_value[{meta_key wp_user_level}]/""/true`})
		eq(t, "the primary e-mail", m.Users.Attr("emails.work").Primary, true)
	},
	"groups_users_minimal": func(t *testing.T, m *Mapping) {
		eq(t, "Groups.ID", m.Groups.ID, Key{Column: "team_id", Type: "integer", Generate: "database"})
		eq(t, "Groups.DisplayName.Column", m.Groups.DisplayName.Column, "team_name")
		eq(t, "Groups.Description", m.Groups.Description, (*Attribute)(nil))
		mem := *m.Groups.Members
		if mem.Where == nil || mem.Where.Text != `{{col "left_on"}} IS NULL` {
			t.Errorf("Groups.Members.Where = %+v", mem.Where)
		}
		mem.Where = nil
		eq(t, "Groups.Members", mem, Members{Table: "team_members", GroupColumn: "team_id", UserColumn: "person_id", Unknown: UnknownReject})
		eq(t, "Groups.Operations", len(m.Groups.Operations), 0)
		eq(t, "DSN", m.Database.DSN.Reveal(), "file:teams.db?_pragma=foreign_keys(1)")
	},
	"attribute_kinds": func(t *testing.T, m *Mapping) {
		u := m.Users
		eq(t, "Table", u.Table, "hr.employees")
		eq(t, "LastModified", *u.LastModified, LastModified{Column: "modified_at", Maintain: false, Format: "timestamp"})
		eq(t, "core attributes", len(u.Attributes)-len(u.Custom(m.App.UserSchema)), len(coreUserAttrs)+4+3+5)
		eq(t, "ims", u.Multi("IMS")[0].Path, "ims.xmpp")
		eq(t, "x509Certificates", []any{u.Multi("x509certificates")[0].Name, u.Multi("x509certificates")[0].ReadOnly}, []any{"signing", true})
		var types []string
		for _, at := range u.AddressTypes() {
			types = append(types, fmt.Sprintf("%s primary=%v parts=%d", at.Type, at.Primary, len(at.Parts)))
		}
		eq(t, "address types", types, []string{"work primary=true parts=4", "home primary=false parts=1"})
		eq(t, "work locality", u.AddressTypes()[0].ByPart["locality"].Column, "office_city")
		eq(t, "an address part's item and name", []string{u.Attr("addresses.work.locality").Item, u.Attr("addresses.work.locality").Name}, []string{"work", "locality"})
		for _, a := range u.Attributes {
			if a.URN == "" && a.Type != "string" && a.Path != "active" {
				t.Errorf("core attribute %s has type %s", a.Path, a.Type)
			}
		}
		eq(t, "custom types", typesOf(u.Custom("urn:okta:hr_portal:1.0:user:custom")), map[string]string{
			"costCenter": "string", "employeeNumber": "integer", "isManager": "boolean", "fte": "double",
			"hireDate": "date", "lastLogin": "datetime", "skills": "strings", "badges": "strings", "employeeCode": "string",
		})
		eq(t, "URNs", u.URNs(), []string{"urn:okta:hr_portal:1.0:user:custom"})
		var emails []string
		for _, a := range u.Multi("emails") {
			emails = append(emails, fmt.Sprintf("%s primary=%v", a.Path, a.Primary))
		}
		eq(t, "emails", emails, []string{"emails.work primary=true", "emails.home primary=false"})
		eq(t, "phoneNumbers", len(u.Multi("phoneNumbers")), 2)
		active := u.Attr("active")
		eq(t, "active", []any{active.Type, active.TrueValue, active.FalseValue, *active.Default}, []any{"boolean", "A", "T", "true"})
		pw := u.Attr("password")
		eq(t, "password", []any{pw.Hash, pw.Column, pw.Writable()}, []any{"bcrypt", "password_hash", true})
		eq(t, "badges.Separator", u.Attr("urn:okta:hr_portal:1.0:user:custom:badges").Separator, ",")
		eq(t, "skills.Separator", u.Attr("urn:okta:hr_portal:1.0:user:custom:skills").Separator, "")
		eq(t, "isManager.Default", *u.Attr("urn:okta:hr_portal:1.0:user:custom:isManager").Default, "false")
		eq(t, "employeeCode.CaseExact", u.Attr("urn:okta:hr_portal:1.0:user:custom:employeeCode").CaseExact, true)
		eq(t, "userName.CaseExact", u.Attr("userName").CaseExact, false)
		eq(t, "profileUrl.Writable", u.Attr("profileUrl").Writable(), false)
		eq(t, "emails.home.Default", *u.Attr("emails.home").Default, "")
	},
	"templated_operations": func(t *testing.T, m *Mapping) {
		u, g := m.Users, m.Groups
		eq(t, "DSN", m.Database.DSN.Reveal(), "crm:crm@tcp(127.0.0.1:3306)/crm?parseTime=true")
		if u.From == nil || !strings.HasPrefix(u.From.Text, "SELECT u.*") {
			t.Errorf("From = %+v, want the SELECT template", u.From)
		}
		eq(t, "user ops", opNames(u.Operations), []string{"createUser", "getUser", "getUsers", "updateUser"})
		eq(t, "getUsers.Auto", u.Op(OpGetUsers).Auto, true)
		create := u.Op(OpCreateUser)
		eq(t, "createUser", []any{create.Name, create.Auto, len(create.Statements)}, []any{"createUser", false, 3})
		eq(t, "createUser[0].Source", create.Statements[0].Source, goodDir+"/templated_operations.yaml:33:11")
		eq(t, "createUser[1].Text", create.Statements[1].Text, "SELECT LAST_INSERT_ID() AS id")
		eq(t, "updateUser statements", len(u.Op(OpUpdateUser).Statements), 2)
		eq(t, "password.Hash", u.Attr("password").Hash, "template")
		eq(t, "password.Writable", u.Attr("password").Writable(), true)
		eq(t, "createGroup statements", len(g.Op(OpCreateGroup).Statements), 1)
		eq(t, "updateGroup statements", len(g.Op(OpUpdateGroup).Statements), 3)
		eq(t, "deleteGroup statements", len(g.Op(OpDeleteGroup).Statements), 2)
		eq(t, "getUsers on groups", g.Op(OpGetUsers), (*Operation)(nil))
		if tmpl := create.Statements[0].Tmpl; tmpl == nil || tmpl.Name() != create.Statements[0].Source {
			t.Errorf("createUser[0].Tmpl is not named after its source")
		}
	},
	"computed_attributes": func(t *testing.T, m *Mapping) {
		u := m.Users
		eq(t, "DSN", m.Database.DSN.Reveal(), testEnv["SCIMSQL_TEST_DSN"])
		dn := u.Attr("displayName")
		eq(t, "displayName", []any{dn.Column, dn.Read != nil, len(dn.Write), dn.Writable()}, []any{"", true, 0, false})
		f := u.Attr("name.formatted")
		eq(t, "name.formatted.Write", slices.Sorted(maps.Keys(f.Write)), []string{"first_name", "last_name"})
		eq(t, "name.formatted.Writable", f.Writable(), true)
		eq(t, "phoneNumbers.work.Read", u.Attr("phoneNumbers.work").Read != nil, true)
		active := u.Attr("active")
		eq(t, "active", []any{active.Type, active.Column, len(active.Write)}, []any{"boolean", "", 1})
		pw := u.Attr("password")
		eq(t, "password", []any{pw.Hash, pw.Column, len(pw.Write)}, []any{"bcrypt", "password_digest", 0})
		region := u.Attr("urn:okta:computed:1.0:user:custom:region")
		eq(t, "region", []any{region.Read != nil, len(region.Write), region.URN, region.Name}, []any{true, 1, "urn:okta:computed:1.0:user:custom", "region"})
	},
	"composite_attributes": func(t *testing.T, m *Mapping) {
		u := m.Users
		un := u.Attr("userName")
		eq(t, "userName", []any{un.Column, un.Read != nil, un.Writable(), un.Format.Columns()}, []any{"", false, false, []string{"last_name", "first_name"}})
		eq(t, "userName parts", un.Format.Parts, []CompositePart{{Column: "last_name"}, {Column: "first_name"}, {Literal: "@corp.example"}})
		eq(t, "nickName, an alias of userName's format", u.Attr("nickName").Format.Parts, un.Format.Parts)
		dn := u.Attr("displayName")
		eq(t, "displayName parts", dn.Format.Parts, []CompositePart{{Column: "site", Trim: true}, {Literal: " #"}, {Column: "badge", Integer: true}})
		eq(t, "emptyAs", []any{*u.Attr("name.givenName").Empty, *u.Attr("title").Empty, *u.Attr("urn:okta:composite:1.0:user:custom:level").Empty},
			[]any{EmptyValue{Value: "", Text: ""}, EmptyValue{}, EmptyValue{Value: int64(0), Text: "0"}})
		eq(t, "fold", []any{u.Attr("urn:okta:composite:1.0:user:custom:code").FoldLower, u.Attr("phoneNumbers.work").FoldLower, un.FoldLower}, []any{true, true, false})
		pw := u.Attr("password")
		eq(t, "pbkdf2", []any{pw.Hash, pw.SaltColumn, pw.SaltLength, pw.HashExpr.UsesSalt, pw.HashExpr.Text}, []any{"compose", "pw_salt", 32, true, "pbkdf2(sha512, 310000 iterations, 64 bytes, base64)"})
		login := u.Attr("urn:okta:composite:1.0:user:custom:login")
		eq(t, "login", []any{login.CaseExact, login.Format.Parts[0]}, []any{true, CompositePart{Column: "site", Trim: true, Lower: true}})
	},
	"id_generation": func(t *testing.T, m *Mapping) {
		eq(t, "Users.ID", m.Users.ID, Key{Column: "uid", Type: "uuid", Generate: "uuid"})
		id := m.Groups.ID
		eq(t, "Groups.ID", []any{id.Column, id.Type, id.Generate, id.Template != nil}, []any{"dept_no", "string", "template", true})
		d := m.Groups.Description
		eq(t, "Description", []any{d.Path, d.URN, d.Name, d.Column}, []any{DefaultGroupURN + ":description", DefaultGroupURN, "description", "summary"})
		eq(t, "Members", m.Groups.Members, (*Members)(nil))
	},
	"auth_bearer": func(t *testing.T, m *Mapping) {
		a := m.Server.Auth
		eq(t, "Auth", []any{a.Type, a.Header, a.Value.Reveal(), a.SecretEnv, a.Defaulted}, []any{"header", "Authorization", "Bearer " + testSecret, "SCIMSQL_TEST_SECRET", false})
	},
	"auth_header_env": func(t *testing.T, m *Mapping) {
		s := m.Server
		eq(t, "Listen", s.Listen, "0.0.0.0:8443")
		eq(t, "BasePath", s.BasePath, "/scim")
		eq(t, "MaxBody", s.MaxBody, int64(65536))
		eq(t, "UserPatchStatus", s.UserPatchStatus, 204)
		eq(t, "TLS", *s.TLS, TLS{Cert: filepath.Join(m.Dir, "certs", "server.crt"), Key: filepath.Join(m.Dir, "certs", "server.key")})
		eq(t, "Auth", []any{s.Auth.Type, s.Auth.Header, s.Auth.Value.Reveal(), s.Auth.Defaulted}, []any{"header", "X-Api-Key", testSecret, false})
		eq(t, "DSN", m.Database.DSN.Reveal(), "postgres://app:"+testSecret+"@localhost:5432/app")
		ad := s.Admin
		eq(t, "Admin", []any{ad.Reload, ad.Metrics, ad.Auth.Type, ad.Auth.Username, ad.Auth.Password.Reveal()}, []any{true, true, "basic", "ops", testSecret})
	},
	"hardened": func(t *testing.T, m *Mapping) {
		s := m.Server
		eq(t, "TLS", *s.TLS, TLS{Cert: filepath.Join(m.Dir, "tls", "cert.pem"), Key: filepath.Join(m.Dir, "tls", "key.pem")})
		eq(t, "PasswordHash", []any{s.Auth.PasswordHash.Reveal(), s.Auth.Password.Reveal()}, []any{testBcrypt, ""})
		eq(t, "Limits", s.Limits, Limits{MaxPageSize: 200, MaxFilterLength: 1024, MaxFilterDepth: 8, MaxHeaderBytes: 16384,
			ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 45 * time.Second, IdleTimeout: time.Minute, ShutdownTimeout: 20 * time.Second,
			MaxFilterScanTerms: 2, MaxBodyBytesInFlight: 32 << 20, MaxAuthFailures: 5, AuthFailureWindow: 5 * time.Minute})
		eq(t, "PlainHTTP", s.PlainHTTP, false)
		eq(t, "bodies", []int64{s.MaxBody, s.MaxUserBody}, []int64{DefaultMaxBody, 256 << 10})
		eq(t, "Cursors", []string{s.Cursors.Store, s.Cursors.URL.Reveal(), s.Cursors.Prefix}, []string{"redis", "redis://:" + testSecret + "@cache.internal:6379/2", "hr:"})
		eq(t, "TrustedProxies", fmt.Sprint(s.TrustedProxies), "[10.0.0.0/8 192.168.1.7/32]")
	},
	"auth_basic_default": func(t *testing.T, m *Mapping) {
		eq(t, "PlainHTTP", m.Server.PlainHTTP, true)
		a := m.Server.Auth
		eq(t, "Auth", []any{a.Type, a.Username, a.Password.Reveal(), a.Defaulted}, []any{"basic", "okta", "okta-demo-password", true})
	},
	"operations_auto": func(t *testing.T, m *Mapping) {
		for _, name := range UserOps {
			if op := m.Users.Op(name); op == nil || !op.Auto || op.Name != name {
				t.Errorf("users %s = %+v, want auto", name, op)
			}
		}
		eq(t, "group ops", opNames(m.Groups.Operations), []string{"getGroup", "getGroups"})
		eq(t, "getGroups.Auto", m.Groups.Op(OpGetGroups).Auto, true)
		active := m.Users.Attr("active")
		eq(t, "active", []any{active.Column, active.Type, active.TrueValue, active.FalseValue}, []any{"is_active", "boolean", true, false})
	},
	"extensions": func(t *testing.T, m *Mapping) {
		u, g := m.Users, m.Groups
		eq(t, "App", m.App, App{Name: "ext_app", UserSchema: "urn:okta:ext_app_prod:1.0:user:custom", GroupSchema: "urn:okta:ext_app:1.0:group:custom"})
		eq(t, "URNs", u.URNs(), []string{"urn:example:badge:1.0", "urn:okta:ext_app_prod:1.0:user:custom", EnterpriseSchema1})
		eq(t, "groups.created", *g.Created, LastModified{Column: "CreatedAt", Format: "timestamp"})
		eq(t, "enterprise", typesOf(u.Custom(EnterpriseSchema1)), map[string]string{"employeeNumber": "string", "manager": "string"})
		eq(t, "badgeId.Type", u.Attr("urn:example:badge:1.0:badgeId").Type, "integer")
		eq(t, "department.Path", u.Custom(m.App.UserSchema)[0].Path, "urn:okta:ext_app_prod:1.0:user:custom:department")
		eq(t, "Users.LastModified", *u.LastModified, LastModified{Column: "RowVersionTime", Maintain: true, Format: "timestamp"})
		eq(t, "Groups.LastModified", *g.LastModified, LastModified{Column: "ModifiedAt", Maintain: true, Format: "timestamp"})
		eq(t, "Description.URN", g.Description.URN, m.App.GroupSchema)
		eq(t, "Description.Default", *g.Description.Default, "")
		eq(t, "DisplayName.CaseExact", g.DisplayName.CaseExact, true)
		eq(t, "DSN", m.Database.DSN.Reveal(), "sqlserver://scim:Passw0rd!@localhost:1433?database=ext")
	},
	"driver_postgres": func(t *testing.T, m *Mapping) {
		d := m.Database
		eq(t, "Driver", d.Driver, "postgres")
		eq(t, "pool", []any{d.MaxOpen, d.MaxIdle, d.MaxLifetime, d.QueryTimeout}, []any{20, 10, time.Hour, 5 * time.Second})
		eq(t, "Init", *d.Init, Init{IfMissing: "public.users", Scripts: []string{filepath.Join(m.Dir, "sql/schema.sql"), "/opt/seed/seed.sql"}})
		eq(t, "DSN", d.DSN.Reveal(), "postgres://scimsql:"+testSecret+"@localhost/app")
	},
	"driver_mysql": func(t *testing.T, m *Mapping) {
		d := m.Database
		eq(t, "Driver", d.Driver, "mysql")
		eq(t, "MaxLifetime", d.MaxLifetime, 3*time.Minute)
		eq(t, "Init.Scripts", d.Init.Scripts, []string{filepath.Join(m.Dir, "employees.sql")})
		a := m.Server.Auth
		eq(t, "Auth", []any{a.Type, a.Password.Reveal(), a.Defaulted}, []any{"basic", testSecret, false})
		eq(t, "birthDate", *m.Users.Attr("urn:okta:onprem_mysql_app:1.0:user:custom:birthDate").Default, "1972-05-12")
		eq(t, "Groups.ID.Generate", m.Groups.ID.Generate, "template")
		eq(t, "group ops", len(m.Groups.Operations), len(GroupOps))
	},
	"driver_sqlserver": func(t *testing.T, m *Mapping) {
		d := m.Database
		eq(t, "Driver", d.Driver, "sqlserver")
		eq(t, "pool", []any{d.MaxOpen, d.MaxIdle, d.QueryTimeout}, []any{8, 0, 30 * time.Second})
		eq(t, "BasePath", m.Server.BasePath, "/api/scim/v1")
		a := m.Server.Auth
		eq(t, "Auth", []any{a.Type, a.Header, a.Value.Reveal(), a.Defaulted}, []any{"header", "Authorization", "Bearer from-file-token", false})
		active := m.Users.Attr("active")
		eq(t, "active", []any{active.TrueValue, active.FalseValue, active.ReadOnly, active.Writable()}, []any{1, 0, true, false})
		eq(t, "Users.ID", m.Users.ID, Key{Column: "AccountId", Type: "string", Generate: "uuid"})
	},
}

// corpusFiles returns the base names (without .yaml) of the corpus files in dir.
func corpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus in %s: %v", dir, err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".yaml"))
	}
	return names
}

// testBcrypt is bcrypt("okta") at cost 4.
const testBcrypt = "$2a$04$Jcd2R9kC4wo1MbslWk7A/eCbBMzYDa9DuiGznkOL3Z8OQ35j.cEjW"

func TestGoodCorpus(t *testing.T) {
	chdirRoot(t)
	names := corpusFiles(t, goodDir)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			m, err := LoadFile(filepath.Join(goodDir, name+".yaml"), testOptions())
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			if m.Users == nil && m.Groups == nil {
				t.Fatalf("neither users nor groups")
			}
			abs, _ := filepath.Abs(filepath.Join(goodDir, name+".yaml"))
			eq(t, "File", m.File, abs)
			eq(t, "Dir", m.Dir, filepath.Dir(abs))
			facts, ok := goodFacts[name]
			if !ok {
				t.Fatalf("no entry in goodFacts for %s", name)
			}
			facts(t, m)
			checkSecretsHidden(t, m)
		})
	}
	for name := range goodFacts {
		if !slices.Contains(names, name) {
			t.Errorf("goodFacts has %s but %s/%s.yaml does not exist", name, goodDir, name)
		}
	}
}

// checkSecretsHidden prints m with many verbs and looks for every secret it holds.
func checkSecretsHidden(t *testing.T, m *Mapping) {
	t.Helper()
	secrets := []Secret{m.Database.DSN, m.Server.Auth.Password, m.Server.Auth.Value}
	for _, s := range secrets {
		if s.Reveal() == "" {
			continue
		}
		eq(t, "secret String", s.String(), "<secret>")
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X"} {
			for _, v := range []any{m, *m, m.Database, m.Server, m.Server.Auth} {
				out := fmt.Sprintf(verb, v)
				for _, leak := range []string{s.Reveal(), hex.EncodeToString([]byte(s.Reveal())), strings.ToUpper(hex.EncodeToString([]byte(s.Reveal())))} {
					if strings.Contains(out, leak) {
						t.Errorf("%s of %T reveals a secret: %s", verb, v, out)
					}
				}
			}
		}
	}
}

func TestSecretFormatting(t *testing.T) {
	for _, tc := range []struct {
		verb string
		want string
	}{
		{"%v", "<secret>"}, {"%+v", "<secret>"}, {"%#v", "<secret>"}, {"%s", "<secret>"},
		{"%q", `"<secret>"`}, {"%d", "<secret>"}, {"%x", "<secret>"}, {"%10s", "<secret>"},
	} {
		t.Run(tc.verb, func(t *testing.T) {
			eq(t, "Sprintf", fmt.Sprintf(tc.verb, NewSecret("pa55word")), tc.want)
			if out := fmt.Sprintf(tc.verb, struct{ S Secret }{NewSecret("pa55word")}); strings.Contains(out, "pa55word") {
				t.Errorf("%s of a struct reveals the secret: %s", tc.verb, out)
			}
		})
	}
	eq(t, "empty secret", fmt.Sprint(Secret{}), "")
	eq(t, "Reveal", NewSecret("pa55word").Reveal(), "pa55word")
}

func TestBadCorpus(t *testing.T) {
	chdirRoot(t)
	names := corpusFiles(t, badDir)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(badDir, name+".yaml")
			m, err := LoadFile(file, testOptions())
			if err == nil {
				t.Fatalf("LoadFile succeeded, want errors")
			}
			if m != nil {
				t.Errorf("LoadFile returned a mapping alongside errors")
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is %T, want Errors: %v", err, err)
			}
			got := err.Error() + "\n"
			for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if !strings.HasPrefix(line, filepath.ToSlash(file)+":") {
					t.Errorf("error does not start with %s: %s", file, line)
				}
			}
			if strings.Contains(got, testSecret) {
				t.Errorf("errors reveal a secret:\n%s", got)
			}
			golden := filepath.Join(badDir, name+".err")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden (run go test ./mappings -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\n got:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
	goldens, _ := filepath.Glob(filepath.Join(badDir, "*.err"))
	for _, g := range goldens {
		if !slices.Contains(names, strings.TrimSuffix(filepath.Base(g), ".err")) {
			t.Errorf("%s has no .yaml beside it", g)
		}
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml"), testOptions())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

// mini is the smallest mapping, with the database and server blocks left to the caller.
func mini(database, server string) []byte {
	return []byte("version: 1\napp: {name: t}\n" + database + "\n" + server + `
users: {table: users, id: id, attributes: {userName: user_name}}
`)
}

const noAuth = "server: {auth: {type: none}}"

func TestExpandDSN(t *testing.T) {
	dir := filepath.Join(string(filepath.Separator)+"srv", "scim")
	for _, tc := range []struct {
		name    string
		dsn     string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"no references", "app.db", nil, "app.db", ""},
		{"set", "postgres://u:${PW}@h/db", map[string]string{"PW": "s3cret"}, "postgres://u:s3cret@h/db", ""},
		{"unset", "postgres://u:${PW}@h/db", nil, "", "database.dsn: environment variable PW is not set"},
		{"empty counts as unset", "${PW}", map[string]string{"PW": ""}, "", "database.dsn: environment variable PW is not set"},
		{"default when unset", "${HOST:-localhost:5432}/db", nil, "localhost:5432/db", ""},
		{"default when empty", "${HOST:-localhost}", map[string]string{"HOST": ""}, "localhost", ""},
		{"set beats default", "${HOST:-localhost}", map[string]string{"HOST": "db.internal"}, "db.internal", ""},
		{"empty default", "x${OPT:-}y", nil, "xy", ""},
		{"mapping dir", "${MAPPING_DIR}/app.db", nil, filepath.Join(dir, "app.db"), ""},
		{"mapping dir ignores the environment", "${MAPPING_DIR}", map[string]string{"MAPPING_DIR": "/elsewhere"}, dir, ""},
		{"several", "${A}:${B:-b}@${C}", map[string]string{"A": "a", "C": "c"}, "a:b@c", ""},
		{"bare $VAR is literal", "$PW and ${PW", map[string]string{"PW": "x"}, "$PW and ${PW", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := mini(fmt.Sprintf("database: {driver: postgres, dsn: %q}", tc.dsn), noAuth)
			m, err := Load(data, filepath.Join(dir, "mapping.yaml"), Options{LookupEnv: fakeEnv(tc.env)})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			eq(t, "DSN", m.Database.DSN.Reveal(), tc.want)
		})
	}
}

func TestSecretFromFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"token": "file-token\n", "crlf": "crlf-token\r\n", "empty": "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name          string
		value         string
		want          string
		wantDefaulted bool
		wantErr       string
	}{
		{"relative to the mapping", "{file: token}", "file-token", false, ""},
		{"absolute", fmt.Sprintf("{file: %q}", filepath.Join(dir, "token")), "file-token", false, ""},
		{"trailing CRLF dropped", "{file: crlf}", "crlf-token", false, ""},
		{"env beats file", "{env: SCIMSQL_TEST_SECRET, file: token}", testSecret, false, ""},
		{"unset env falls back to file", "{env: SCIMSQL_TEST_UNSET, file: token}", "file-token", false, ""},
		{"missing file", "{file: missing}", "", false, "server.auth.value.file: cannot read secret file: no such file or directory"},
		{"missing file with default", "{file: missing, default: demo}", "demo", true, ""},
		{"empty file", "{file: empty}", "", false, "server.auth.value.file: secret file is empty"},
		{"empty file with default", "{file: empty, default: demo}", "demo", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := mini("database: {driver: sqlite, dsn: x.db}", "server: {auth: {type: header, header: X-Token, value: "+tc.value+"}}")
			m, err := Load(data, filepath.Join(dir, "mapping.yaml"), testOptions())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			eq(t, "Value", m.Server.Auth.Value.Reveal(), tc.want)
			eq(t, "Defaulted", m.Server.Auth.Defaulted, tc.wantDefaulted)
		})
	}
}

func TestSecretDefault(t *testing.T) {
	for _, tc := range []struct {
		name          string
		auth          string
		env           map[string]string
		want          string
		wantDefaulted bool
		wantErr       string
	}{
		{"basic env set", "{type: basic, username: okta, password: {env: PW, default: demo}}", map[string]string{"PW": "real"}, "real", false, ""},
		{"basic env unset", "{type: basic, username: okta, password: {env: PW, default: demo}}", nil, "demo", true, ""},
		{"basic env empty", "{type: basic, username: okta, password: {env: PW, default: demo}}", map[string]string{"PW": ""}, "demo", true, ""},
		{"header env unset", "{type: header, header: X-Token, value: {env: PW, default: demo}}", nil, "demo", true, ""},
		{"no default", "{type: basic, username: okta, password: {env: PW}}", nil, "", false,
			"server.auth.password: environment variable PW is not set and there is no default"},
		{"empty default is no default", "{type: basic, username: okta, password: {env: PW, default: ''}}", nil, "", false,
			"server.auth.password: environment variable PW is not set and there is no default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Load(mini("database: {driver: sqlite, dsn: x.db}", "server: {auth: "+tc.auth+"}"), "mapping.yaml", Options{LookupEnv: fakeEnv(tc.env)})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			a := m.Server.Auth
			got := a.Password
			if a.Type == "header" {
				got = a.Value
			}
			eq(t, "secret", got.Reveal(), tc.want)
			eq(t, "Defaulted", a.Defaulted, tc.wantDefaulted)
		})
	}
}

func TestBasePath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"/", ""},
		{"//", ""},
		{"scim", "/scim"},
		{"scim/", "/scim"},
		{"/scim", "/scim"},
		{"/scim/", "/scim"},
		{"/a/b/", "/a/b"},
		{"a/b", "/a/b"},
		{"/scim/v2/", "/scim/v2"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			server := fmt.Sprintf("server: {basePath: %q, auth: {type: none}}", tc.in)
			m, err := Load(mini("database: {driver: sqlite, dsn: x.db}", server), "mapping.yaml", testOptions())
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			eq(t, "BasePath", m.Server.BasePath, tc.want)
		})
	}
}

// The fingerprint is of the bytes the loader parsed: a file changed after loading is
// seen as changed, whenever the change landed, and the overrides count too.
func TestFingerprintIsOfTheParsedBytes(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "examples", "quickstart", "mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mapping.yaml")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{LookupEnv: func(string) (string, bool) { return "", false }}
	m, err := LoadFile(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !Unchanged(m, opts) {
		t.Fatal("the files as loaded count as changed")
	}
	if err := os.WriteFile(path, append(src, []byte("\n# edited\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if Unchanged(m, opts) {
		t.Fatal("an edit after loading counts as unchanged")
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if !Unchanged(m, opts) {
		t.Fatal("the same bytes again count as changed")
	}
	if Unchanged(m, Options{LookupEnv: opts.LookupEnv, DSN: "file:other.db"}) {
		t.Fatal("another -dsn counts as unchanged")
	}
	m2, err := LoadFile(path, Options{LookupEnv: opts.LookupEnv, DSN: "file:other.db", Listen: "127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	if m2.Database.DSN.Reveal() != "file:other.db" || m2.Server.Listen != "127.0.0.1:9" {
		t.Fatalf("overrides not applied: %q %q", m2.Database.DSN.Reveal(), m2.Server.Listen)
	}
}
