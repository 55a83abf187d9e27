// Package draft writes a first mapping for an existing database (scimsql init): it reads
// the schema (tables, columns, keys, foreign keys, defaults) and the shapes of a few
// values, guesses which table holds the users, which columns are their userName, names,
// e-mail, state, password and times, which tables are the groups and the memberships,
// and writes a commented mapping.yaml that says, for every guess, why and what else it
// could have been. It never writes to the database.
package draft

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/sqlgen"
)

// Options settle what the schema cannot: the tables to use, when given.
type Options struct {
	Driver, DSN            string // as the mapping will name them (DSN without a password)
	Users, Groups, Members string // table names; "" lets init choose
	App                    string // the app name (custom attributes' URN); "" derives one
	// UserName settles the userName init cannot know: a column, or a format of columns
	// ({last_name}{first_name}@corp.example) when the application makes logins so.
	UserName string
}

// Draft is the guessed mapping, with the reason for each guess.
type Draft struct {
	sample  func(*dialects.Table, string) []string
	has     func(t *dialects.Table, col string, vals []string) []string // which of vals col holds
	shared  *shared                                                     // users and groups in one table, when so
	keys    func(*dialects.Table, string) []string                      // a key column's distinct values
	largest func(*dialects.Table, string) string                        // a column's largest value, as text
	opts    Options
	schema  *dialects.Schema
	notes   []string // said at the top of the file
	Users   *UserGuess
	Groups  *GroupGuess
}

// Guess is one binding: the column, and why.
type Guess struct {
	Column string
	Why    string
	Others []string // other candidates, for the comment
}

// UserGuess is what init found for users.
type UserGuess struct {
	Table        *dialects.Table
	Why          string
	ID           *dialects.Column
	IDType       string // integer, uuid, string
	IDGenerate   string // database, uuid
	Attrs        []Attr
	Active       *ActiveGuess
	ActiveAlt    string // a state column left out, and why
	Password     *PasswordGuess
	LastModified *TimeGuess
	Created      *TimeGuess
	Set          []SetGuess
	Unmapped     []string      // columns left out, with a reason each
	Related      *RelatedGuess // a key/value table (in: kv)
	Mail         *MailGuess    // e-mails in a table of their own (in: mail)
	// Scope is the discriminator that tells the users' rows from others' (type: User),
	// and Deleted a soft-delete flag whose set rows are no user any more.
	Scope   *ScopeGuess
	Deleted *ScopeGuess
	Exclude []string // logins of built-in accounts, left out of scope
}

// ScopeGuess is a column and the value that puts a row in scope.
type ScopeGuess struct {
	Column string
	Value  any
	Why    string
}

// MailGuess is a table of e-mails (owner, address, default flag), as Redmine's.
type MailGuess struct {
	Table                *dialects.Table
	Owner, Address, Flag string
	FlagValue            any
	Set                  []SetGuess
	Why                  string
}

// Attr is one attribute binding.
type Attr struct {
	Path, Column, Type string
	Primary            bool
	Why                string
	Custom             bool
	// NotNull is a NOT NULL text column: no value is stored as '' (emptyAs).
	NotNull bool
	In      string // the related table's name in the mapping: kv or mail
	Format  string // a composite value (format:), instead of Column
	// MatchColumn and MatchValue, when set, put the value in a row of the key/value
	// table (UserGuess.Related) whose MatchColumn holds MatchValue.
	MatchColumn, MatchValue string
	// Fold is a column whose collation minds case (utf8mb4_bin): compared lower-cased.
	Fold bool
}

// RelatedGuess is a key/value table of the users' (WordPress's wp_usermeta).
type RelatedGuess struct {
	Table             *dialects.Table
	Owner, Key, Value string
	Keys              []string // the keys it holds, as sampled
	Why               string
}

// ActiveGuess is the active state and its encoding.
type ActiveGuess struct {
	Column      string
	True, False []any
	Why         string
}

// PasswordGuess is the password column and the scheme its values show.
type PasswordGuess struct {
	Column, Scheme, Why string
}

// TimeGuess is a lastModified or created column and its format.
type TimeGuess struct {
	Column, Format, Why string
}

// SetGuess is a column a create must fill (NOT NULL, no default) that no attribute writes.
type SetGuess struct {
	Column, Value, Why string
}

// GroupGuess is what init found for groups and memberships.
type GroupGuess struct {
	Table              *dialects.Table
	Why                string
	ID                 *dialects.Column
	IDType, IDGenerate string
	Name, Description  string
	// ReadOnly, when set, says why groups are imported but not pushed.
	ReadOnly string
	// MemberWhere keeps the current rows of a membership table that keeps history.
	MemberWhere, MemberWhereWhy string
	NameFold                    bool // the name column's collation minds case
	Members                     *dialects.Table
	MemberGroup, MemberUser     string
	MembersWhy                  string
	Scope                       *ScopeGuess // groups kept in the users' table
	LastModified                *TimeGuess
	Set, MemberSet              []SetGuess
}

// Build reads db and guesses.
func Build(ctx context.Context, d dialects.Dialect, db *sql.DB, opts Options) (*Draft, error) {
	sr, ok := d.(dialects.SchemaReader)
	if !ok {
		return nil, fmt.Errorf("init cannot read a %s schema yet", d.Facts().Name)
	}
	s, err := sr.ReadSchema(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	if len(s.Tables) == 0 {
		return nil, fmt.Errorf("the database has no tables the connection can see")
	}
	dr := &Draft{opts: opts, schema: s}
	sample := func(t *dialects.Table, col string) []string { return samples(ctx, d, db, t.Name, col, 20) }
	dr.keys = func(t *dialects.Table, col string) []string { return samples(ctx, d, db, t.Name, col, 500) }
	dr.sample = sample
	dr.largest = func(t *dialects.Table, col string) string {
		b := sqlgen.Largest(d, t.Name, col)
		var v string
		_ = dialects.Each(ctx, db, b.String(), b.Args, func(r []sql.NullString) error { v = r[0].String; return nil })
		return v
	}
	dr.has = func(t *dialects.Table, col string, vals []string) []string {
		return present(ctx, d, db, t.Name, col, vals)
	}
	if err := dr.guessUsers(sample); err != nil {
		return nil, err
	}
	dr.guessGroups()
	return dr, nil
}

// samples are up to n distinct values of a column, as text; nil when it cannot be read.
func samples(ctx context.Context, d dialects.Dialect, db *sql.DB, table, col string, n int) []string {
	b := sqlgen.Sample(d, table, col, n)
	var out []string
	_ = dialects.Each(ctx, db, b.String(), b.Args, func(v []sql.NullString) error {
		out = append(out, v[0].String)
		return nil
	})
	return out
}

// present are those of vals that table.col holds, compared without case.
func present(ctx context.Context, d dialects.Dialect, db *sql.DB, table, col string, vals []string) []string {
	b := sqlgen.Present(d, table, col, vals)
	var out []string
	_ = dialects.Each(ctx, db, b.String(), b.Args, func(v []sql.NullString) error {
		out = append(out, v[0].String)
		return nil
	})
	return out
}

// names lists candidate column names, best first.
var (
	userTableNames  = []string{"users", "user", "accounts", "account", "members", "member", "employees", "employee", "people", "persons", "person", "staff", "identities", "logins"}
	loginNames      = []string{"username", "user_name", "login", "user_login", "login_name", "loginname", "uname", "userid", "user_id_name", "account_name", "samaccountname", "handle"}
	emailNames      = []string{"email", "mail", "email_address", "emailaddress", "user_email", "work_email", "e_mail", "primary_email"}
	homeEmailNames  = []string{"home_email", "personal_email", "secondary_email", "alt_email", "email2"}
	givenNames      = []string{"first_name", "firstname", "given_name", "givenname", "fname", "forename", "first"}
	familyNames     = []string{"last_name", "lastname", "family_name", "familyname", "surname", "lname", "last"}
	displayNames    = []string{"display_name", "displayname", "full_name", "fullname", "name", "real_name", "nickname"}
	phoneNames      = []string{"mobile", "mobile_phone", "cell", "phone", "phone1", "phone_number", "telephone", "work_phone"}
	titleNames      = []string{"title", "job_title", "jobtitle", "position"}
	passwordNames   = []string{"password_hash", "password_digest", "hashed_password", "encrypted_password", "crypted_password", "passwd", "password", "user_password", "pass", "user_pass", "pwd", "pw_hash", "pass_hash"}
	activeNames     = []string{"active", "is_active", "enabled", "is_enabled", "status", "state", "account_status", "user_status"}
	invertedNames   = []string{"disabled", "is_disabled", "blocked", "is_blocked", "suspended", "is_suspended", "locked", "is_locked", "inactive", "deleted", "is_deleted", "banned"}
	modifiedNames   = []string{"updated_at", "modified_at", "updated_on", "modified_on", "last_modified", "lastmodified", "timemodified", "modified", "updated", "date_modified", "mtime", "changed", "updated_unix", "modified_unix", "last_update"}
	createdNames    = []string{"created_at", "created_on", "timecreated", "user_registered", "date_created", "created", "registered_at", "ctime", "date_joined", "created_unix", "user_regdate", "regdate", "reg_date", "date_registered"}
	groupTableNames = []string{"groups", "group", "teams", "team", "roles", "departments", "department", "cohorts", "cohort", "organizations", "units"}
	groupNameNames  = []string{"name", "display_name", "displayname", "group_name", "title", "dept_name", "label", "idnumber"}
	descNames       = []string{"description", "summary", "details", "note", "notes"}
)

func findColumn(t *dialects.Table, names []string, used map[string]bool) (*dialects.Column, []string) {
	var found []*dialects.Column
	for _, n := range names {
		if c := t.Column(n); c != nil && !used[strings.ToLower(c.Name)] {
			found = append(found, c)
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	var others []string
	for _, c := range found[1:] {
		others = append(others, c.Name)
	}
	return found[0], others
}

// formatRefs are the {column} references of a format, with an optional |transform.
var formatRefs = regexp.MustCompile(`\{([A-Za-z0-9_]+)(?:\|[a-z]+)?\}`)

// loginColumn is the users' login: the first login-named column that is unique, else the
// first login-named one, else a unique column called name (Gitea's users.name).
func loginColumn(t *dialects.Table, used map[string]bool) (*dialects.Column, []string) {
	var cands []*dialects.Column
	for _, n := range loginNames {
		if c := t.Column(n); c != nil && !used[strings.ToLower(c.Name)] && isText(c) {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		for _, n := range []string{"name", "nick", "nickname"} {
			if c := t.Column(n); c != nil && !used[strings.ToLower(c.Name)] && isText(c) && t.IsUnique(c.Name) {
				return c, nil
			}
		}
		return nil, nil
	}
	var best *dialects.Column
	for _, c := range cands {
		if t.IsUnique(c.Name) {
			best = c
			break
		}
	}
	if best == nil {
		// No login-named column is unique: a unique name column is the login (Gitea's
		// name beside its login_name for external sources), else the first candidate.
		for _, n := range []string{"name", "nick", "nickname"} {
			if c := t.Column(n); c != nil && !used[strings.ToLower(c.Name)] && isText(c) && t.IsUnique(c.Name) {
				best = c
				break
			}
		}
	}
	if best == nil {
		best = cands[0]
	}
	var others []string
	for _, c := range cands {
		if c != best {
			others = append(others, c.Name)
		}
	}
	return best, others
}

// caseSensitive reports whether c's collation tells upper from lower case (MySQL's
// utf8mb4_bin, utf8mb4_0900_as_cs; SQL Server's Latin1_General_CS_AS).
func caseSensitive(c *dialects.Column) bool {
	n := strings.ToLower(c.Collation)
	return strings.HasSuffix(n, "_bin") || strings.Contains(n, "_bin2") || strings.HasSuffix(n, "_cs") || strings.Contains(n, "_cs_")
}

// idType is the mapping's id type for a key column: integer, uuid or string.
func idType(c *dialects.Column) string {
	switch {
	case isInt(c):
		return "integer"
	case c.Type == "uuid" || c.Type == "uniqueidentifier":
		return "uuid"
	}
	return "string"
}

func isText(c *dialects.Column) bool {
	t := c.Type
	return strings.Contains(t, "char") || strings.Contains(t, "text") || t == "string" || t == "citext" || t == "nvarchar" || t == "clob" || t == ""
}

func isInt(c *dialects.Column) bool {
	return strings.Contains(c.Type, "int") || c.Type == "serial" || c.Type == "bigserial" || c.Type == "smallserial"
}

func isTime(c *dialects.Column) bool {
	return strings.Contains(c.Type, "timestamp") || c.Type == "datetime" || c.Type == "datetime2" || c.Type == "datetimeoffset"
}

func (dr *Draft) guessUsers(sample func(*dialects.Table, string) []string) error {
	s := dr.schema
	u := &UserGuess{}
	if dr.opts.Users != "" {
		u.Table = s.Table(dr.opts.Users)
		if u.Table == nil {
			return fmt.Errorf("-users %s: no such table (tables: %s)", dr.opts.Users, tableNames(s))
		}
		u.Why = "named with -users"
	} else {
		best, score := (*dialects.Table)(nil), 0
		var others []string
		for _, t := range s.Tables {
			sc := 0
			name := strings.ToLower(t.Name)
			for i, n := range userTableNames {
				if name == n || strings.HasSuffix(name, "_"+n) {
					sc += 20 - i
					break
				}
			}
			if c, _ := findColumn(t, loginNames, nil); c != nil {
				sc += 15
			}
			if c, _ := findColumn(t, emailNames, nil); c != nil {
				sc += 10
			}
			if c, _ := findColumn(t, givenNames, nil); c != nil {
				sc += 5
			}
			if c, _ := findColumn(t, passwordNames, nil); c != nil {
				sc += 5
			}
			if len(t.PK) != 1 {
				sc -= 30 // a membership or history table
			}
			if sc > score {
				if best != nil {
					others = append(others, best.Name)
				}
				best, score = t, sc
			} else if sc > 10 {
				others = append(others, t.Name)
			}
		}
		if best == nil || score < 15 {
			return fmt.Errorf("no table looks like users (a login or e-mail column and a one-column primary key); name it with -users (tables: %s)", tableNames(s))
		}
		u.Table = best
		u.Why = "the table whose name and columns look most like users' (login, e-mail, names, password)"
		if len(others) > 0 {
			u.Why += "; also considered: " + strings.Join(others, ", ") + " (choose with -users)"
		}
	}
	t := u.Table
	if len(t.PK) != 1 {
		return fmt.Errorf("users table %s has no one-column primary key, which scimsql needs as the user's id", t.Name)
	}
	u.ID = t.Column(t.PK[0])
	u.IDType = idType(u.ID)
	switch {
	case u.ID.Generated || u.ID.HasDefault:
		u.IDGenerate = "database"
	case u.IDType == "uuid" || u.IDType == "string":
		u.IDGenerate = "uuid"
	default:
		u.IDGenerate = "database"
		dr.notes = append(dr.notes, fmt.Sprintf("%s.%s is an integer key the database does not number (no identity, sequence or AUTO_INCREMENT): a create will fail until it does, or until users.id gives generate: template", t.Name, u.ID.Name))
	}
	used := map[string]bool{strings.ToLower(u.ID.Name): true}
	take := func(c *dialects.Column) { used[strings.ToLower(c.Name)] = true }
	u.Related = dr.keyValueTable(t)
	u.Mail = dr.mailTable(t)
	if sc := discriminator(t, sample); sc != nil {
		u.Scope = &ScopeGuess{Column: sc.column, Value: sc.user, Why: sc.why}
		used[strings.ToLower(sc.column)] = true
		dr.shared = sc
	}
	for _, n := range []string{"deleted", "is_deleted"} {
		if c := t.Column(n); c != nil && !used[strings.ToLower(c.Name)] {
			vals := sample(t, c.Name)
			switch {
			case attrType(c) == "boolean":
				u.Deleted = &ScopeGuess{Column: c.Name, Value: false, Why: "a soft-delete flag: rows with it set are no users"}
			case isInt(c) && subset(vals, "0", "1"):
				u.Deleted = &ScopeGuess{Column: c.Name, Value: 0, Why: "a soft-delete flag (0 or 1): rows with 1 are no users"}
			}
			if u.Deleted != nil {
				used[strings.ToLower(c.Name)] = true
				break
			}
		}
	}
	attr := func(path string, names []string, why string, primary bool) *dialects.Column {
		c, others := findColumn(t, names, used)
		if c == nil {
			if r := u.Related; r != nil && !primary {
				for _, n := range names {
					if slices.Contains(r.Keys, n) {
						u.Attrs = append(u.Attrs, Attr{Path: path, Column: r.Value, Type: "string", MatchColumn: r.Key, MatchValue: n, In: "kv",
							Why: why + ", kept in " + r.Table.Name + " under the key " + n})
						return nil
					}
				}
			}
			return nil
		}
		take(c)
		w := why
		if len(others) > 0 {
			w += "; other candidates: " + strings.Join(others, ", ")
		}
		u.Attrs = append(u.Attrs, Attr{Path: path, Column: c.Name, Type: "string", Primary: primary, Why: w, NotNull: !c.Nullable && isText(c), Fold: caseSensitive(c)})
		return c
	}
	// userName: a unique login column, else a unique e-mail.
	login, loginOthers := loginColumn(t, used)
	email, _ := findColumn(t, emailNames, used)
	var byFlag *Attr
	if un := dr.opts.UserName; un != "" {
		a := Attr{Path: "userName", Type: "string", Why: "named with -username"}
		if strings.Contains(un, "{") {
			for _, ref := range formatRefs.FindAllStringSubmatch(un, -1) {
				if t.Column(ref[1]) == nil {
					return fmt.Errorf("-username %s: %s has no column %s", un, t.Name, ref[1])
				}
			}
			a.Format = un
		} else {
			c := t.Column(un)
			if c == nil {
				return fmt.Errorf("-username %s: %s has no such column", un, t.Name)
			}
			a.Column, a.Fold = c.Name, caseSensitive(c)
			take(c)
		}
		byFlag = &a
	}
	switch {
	case byFlag != nil:
		u.Attrs = append(u.Attrs, *byFlag)
		if login != nil && login.Name != byFlag.Column {
			u.Attrs[0].Why += "; init would have taken " + login.Name
		}
	case login != nil:
		w := "the login column"
		if t.IsUnique(login.Name) {
			w += ", unique"
		} else {
			w += " (not declared unique: a duplicate login would make the agent's lookup ambiguous)"
		}
		if len(loginOthers) > 0 {
			w += "; other candidates: " + strings.Join(loginOthers, ", ")
		}
		take(login)
		u.Attrs = append(u.Attrs, Attr{Path: "userName", Column: login.Name, Type: "string", Why: w, Fold: caseSensitive(login)})
	case email != nil:
		take(email)
		u.Attrs = append(u.Attrs, Attr{Path: "userName", Column: email.Name, Type: "string", Why: "no login column: the e-mail is the login Okta matches users on", Fold: caseSensitive(email)})
		// The same column is also the work e-mail below.
		delete(used, strings.ToLower(email.Name))
	default:
		given, _ := findColumn(t, givenNames, used)
		family, _ := findColumn(t, familyNames, used)
		if given == nil || family == nil {
			msg := fmt.Sprintf("users table %s has no column that looks like a login or an e-mail for userName", t.Name)
			for _, o := range s.Tables {
				if o == t || len(o.PK) == 1 {
					continue
				}
				c, _ := loginColumn(o, nil)
				if c == nil {
					c, _ = findColumn(o, emailNames, nil)
				}
				if c != nil {
					msg += fmt.Sprintf("; %s has one (%s) but its primary key is %d columns (%s), and a SCIM id is one: map it by hand with users.table: %s, id: %s and a scope that keeps one row per user", o.Name, c.Name, len(o.PK), strings.Join(o.PK, ", "), o.Name, o.PK[0])
				}
			}
			return errors.New(msg + "; map it by hand")
		}
		// No login at all (MySQL's employees): a userName made of the names, read-only,
		// which the lookup still finds through the name columns.
		u.Attrs = append(u.Attrs, Attr{Path: "userName", Format: "{" + given.Name + "}.{" + family.Name + "}", Type: "string",
			Why: "no login or e-mail column: userName is made of the names, and the agent's lookup compares the columns themselves; " +
				"write the format the application's logins have, such as {" + family.Name + "}{" + given.Name + "}@corp.example"})
	}
	// Built-in accounts no person owns (Moodle's guest) are not users Okta should import.
	if un := u.Attrs[0]; un.Path == "userName" && un.Column != "" {
		if found := dr.has(t, un.Column, []string{"guest", "anonymous"}); len(found) > 0 {
			u.Exclude = found
		}
	}
	attr("name.givenName", givenNames, "a given-name column", false)
	attr("name.familyName", familyNames, "a family-name column", false)
	if c := attr("emails.work", emailNames, "the e-mail column, Okta's primary e-mail", true); c == nil && byFlag != nil && byFlag.Format != "" && strings.Contains(byFlag.Format, "@") && u.Mail == nil {
		// No e-mail column, and the login the application makes is an address: the same.
		u.Attrs = append(u.Attrs, Attr{Path: "emails.work", Format: byFlag.Format, Type: "string", Primary: true, Why: "no e-mail column: the userName, which is an address"})
	} else if c == nil && email != nil {
		u.Attrs = append(u.Attrs, Attr{Path: "emails.work", Column: email.Name, Type: "string", Primary: true, Why: "the e-mail column, also the userName", Fold: caseSensitive(email)})
	} else if c == nil && u.Mail != nil {
		m := u.Mail
		u.Attrs = append(u.Attrs, Attr{Path: "emails.work", Column: m.Address, Type: "string", Primary: true, MatchColumn: m.Flag, MatchValue: yamlValue(m.FlagValue), In: "mail",
			Why: "the default address in " + m.Table.Name + ", Okta's primary e-mail"})
	}
	attr("emails.home", homeEmailNames, "a second e-mail column", false)
	attr("displayName", displayNames, "a display-name column", false)
	attr("nickName", []string{"nickname", "nick_name", "nick"}, "a nickname", false)
	attr("phoneNumbers.mobile", phoneNames, "a phone column", false)
	attr("title", titleNames, "a job-title column", false)
	// What Entra and strict SCIM 2.0 clients send besides: text columns only, since a
	// core attribute is a string.
	for _, x := range []struct {
		path, why string
		names     []string
	}{
		{"externalId", "an external reference (Entra's objectId)", []string{"external_id", "externalid", "ext_id", "external_ref"}},
		{"preferredLanguage", "a language", []string{"preferred_language", "language", "lang"}},
		{"locale", "a locale", []string{"locale"}},
		{"timezone", "a time zone", []string{"timezone", "time_zone", "tz"}},
		{"addresses.work.streetAddress", "a street address", []string{"street", "street_address", "address1", "address_line1", "addr1"}},
		{"addresses.work.locality", "a city", []string{"city", "town", "locality"}},
		{"addresses.work.region", "a region", []string{"region", "province", "state_province"}},
		{"addresses.work.postalCode", "a postal code", []string{"postal_code", "postcode", "zip", "zipcode", "zip_code"}},
		{"addresses.work.country", "a country", []string{"country", "country_code"}},
	} {
		if c, _ := findColumn(t, x.names, used); c != nil && isText(c) {
			attr(x.path, x.names, x.why+" column", false)
		}
	}
	// Times.
	if c, others := findColumn(t, modifiedNames, used); c != nil {
		if tg := timeGuess(t, c, sample, others); tg != nil {
			take(c)
			u.LastModified = tg
			u.LastModified.Why = "the last-change time, for incremental imports: " + tg.Why
		}
	}
	if c, others := findColumn(t, createdNames, used); c != nil {
		if tg := timeGuess(t, c, sample, others); tg != nil {
			take(c)
			u.Created = tg
			u.Created.Why = "the creation time: " + tg.Why
		}
	}
	// The password and its scheme, from the shape of the stored values.
	if c, others := findColumn(t, passwordNames, used); c != nil && isText(c) {
		take(c)
		vals := sample(t, c.Name)
		scheme, why := passwordScheme(vals)
		salt := t.Column("salt")
		if salt == nil {
			salt = t.Column("password_salt")
		}
		if n := countHex40(vals); salt != nil && n > 0 {
			scheme = `{compose: "sha1(salt + sha1(password))", salt: ` + salt.Name + `}`
			why = fmt.Sprintf("the stored values are 40 hex digits (SHA-1, %d of %d sampled) beside a %s column: a salted scheme; sha1(salt + sha1(password)) is Redmine's, check it is this application's", n, len(vals), salt.Name)
			used[strings.ToLower(salt.Name)] = true
		}
		if len(others) > 0 {
			why += "; other candidates: " + strings.Join(others, ", ")
		}
		u.Password = &PasswordGuess{Column: c.Name, Scheme: scheme, Why: why}
	}
	// The active state, and its encoding.
	u.Active, u.ActiveAlt = activeGuess(t, used, sample)
	if u.Active != nil {
		used[strings.ToLower(u.Active.Column)] = true
	}
	// The rest: custom attributes, typed; what a create must fill.
	for _, c := range t.Columns {
		if used[strings.ToLower(c.Name)] {
			continue
		}
		if secret(c.Name) && (attrType(c) == "string" || attrType(c) == "") {
			u.Unmapped = append(u.Unmapped, c.Name+": it looks like a secret (a key, token, salt or hash), which Okta should not see")
			continue
		}
		typ := attrType(c)
		if typ == "integer" && boolName(c.Name) && subset(sample(t, c.Name), "0", "1") {
			typ = "boolean" // is_admin holding 0 and 1
		}
		if typ == "" {
			u.Unmapped = append(u.Unmapped, fmt.Sprintf("%s (%s): no SCIM type holds it", c.Name, c.Type))
		} else {
			u.Attrs = append(u.Attrs, Attr{Path: c.Name, Column: c.Name, Type: typ, Custom: true, Why: "a column of " + t.Name + " (" + c.Type + ")",
				NotNull: typ == "string" && !c.Nullable && isText(c)})
		}
	}
	// What a create must fill that no bound attribute writes (NOT NULL, no default): a
	// value of the column's type, or one it already holds (an ENUM's first value).
	written := map[string]bool{}
	for _, a := range u.Attrs {
		if !a.Custom && a.Column != "" && a.MatchColumn == "" {
			written[strings.ToLower(a.Column)] = true
		}
	}
	for _, c := range []string{u.ID.Name} {
		written[strings.ToLower(c)] = true
	}
	for _, x := range []*TimeGuess{u.LastModified, u.Created} {
		if x != nil {
			written[strings.ToLower(x.Column)] = true
		}
	}
	for _, x := range []*ScopeGuess{u.Scope, u.Deleted} {
		if x != nil {
			written[strings.ToLower(x.Column)] = true
		}
	}
	if u.Active != nil {
		written[strings.ToLower(u.Active.Column)] = true
	}
	if u.Password != nil {
		written[strings.ToLower(u.Password.Column)] = true
		if s := t.Column("salt"); s != nil && strings.Contains(u.Password.Scheme, "salt") {
			written["salt"] = true
		}
	}
	// A unique text column no attribute writes (Gitea's lower_name, phpBB's username_clean)
	// cannot take one value for every row, default or not: it takes the userName.
	if un := u.Attrs[0]; un.Column != "" {
		for _, c := range t.Columns {
			n := strings.ToLower(c.Name)
			if written[n] || c.Nullable || !isText(c) || !t.IsUnique(c.Name) || (len(t.PK) == 1 && strings.EqualFold(t.PK[0], c.Name)) {
				continue
			}
			v, why := "{copy: userName, on: always}", "unique, so no one value can do for every row: a copy of the userName; check the application's rule"
			if strings.Contains(n, "lower") || strings.Contains(n, "clean") || strings.Contains(n, "canonical") || strings.Contains(n, "norm") {
				v, why = "{copy: userName, transform: lower, on: always}", "unique and named as a normalised form: the userName lower-cased; check the application's rule"
			}
			u.Set = append(u.Set, SetGuess{Column: c.Name, Value: v, Why: why})
			written[n] = true
		}
	}
	for _, sg := range requiredSet(t, written) {
		c := t.Column(sg.Column)
		if ref := dr.refersTo(t, c); sg.Value == "''" || ref != "" {
			if vals := sample(t, c.Name); len(vals) > 0 {
				sg.Value, sg.Why = yamlValue(vals[0]), "NOT NULL without a default: a value the column holds; check the one a new user should get"
				if _, err := strconv.ParseInt(vals[0], 10, 64); err == nil && attrType(c) == "integer" {
					sg.Value = vals[0]
				}
				if ref != "" {
					sg.Why = "NOT NULL without a default, and it refers to " + ref + ": the first of its values rows hold, which may grant more than a new user should have; choose the row a new user gets"
				}
			}
		}
		sg.Why += "; or bind it as a custom attribute with a default (and remove it here)"
		u.Set = append(u.Set, sg)
	}
	dr.Users = u
	return nil
}

// secret reports whether a column's name says it holds a credential.
func secret(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"password", "passwd", "token", "secret", "salt", "_key", "apikey", "api_key", "hash", "otp", "twofa", "totp"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func boolName(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "is_") || strings.HasPrefix(n, "has_") || strings.HasPrefix(n, "can_") || strings.HasSuffix(n, "_flag")
}

func attrType(c *dialects.Column) string {
	t := c.Type
	switch {
	case t == "boolean" || t == "bool" || t == "bit":
		return "boolean"
	case t == "tinyint" && !c.Generated:
		return "integer"
	case isInt(c):
		return "integer"
	case strings.Contains(t, "numeric") || strings.Contains(t, "decimal") || strings.Contains(t, "double") || strings.Contains(t, "float") || t == "real" || t == "money":
		return "double"
	case t == "date":
		return "date"
	case isTime(c):
		return "datetime"
	case isText(c) || t == "uuid" || t == "enum" || t == "set":
		return "string"
	}
	return ""
}

// timeGuess reads a time column's format: the database's time type, or a number of Unix
// seconds or milliseconds (told apart by the stored values' size).
func timeGuess(t *dialects.Table, c *dialects.Column, sample func(*dialects.Table, string) []string, others []string) *TimeGuess {
	g := &TimeGuess{Column: c.Name}
	switch {
	case isTime(c) || c.Type == "date" || isText(c):
		g.Format = "timestamp"
		g.Why = "a " + c.Type + " column"
	case isInt(c):
		g.Format = "unix"
		g.Why = "an integer column: Unix seconds"
		for _, v := range sample(t, c.Name) {
			if len(strings.TrimLeft(v, "-")) >= 12 {
				g.Format, g.Why = "unixms", "an integer column whose values are Unix milliseconds"
				break
			}
		}
	default:
		return nil
	}
	if len(others) > 0 {
		g.Why += "; other candidates: " + strings.Join(others, ", ")
	}
	return g
}

// passwordScheme tells the stored form from the values' shapes (which are only
// classified, never printed).
func passwordScheme(vals []string) (scheme, why string) {
	counts := map[string]int{}
	for _, v := range vals {
		switch {
		case v == "":
		case strings.HasPrefix(v, "$2a$") || strings.HasPrefix(v, "$2b$") || strings.HasPrefix(v, "$2y$"):
			counts["bcrypt"]++
		case strings.HasPrefix(v, "$wp$"):
			counts["wordpress"]++
		case strings.HasPrefix(v, "$P$") || strings.HasPrefix(v, "$H$"):
			counts["phpass"]++
		case strings.HasPrefix(v, "$argon2id$"):
			counts["argon2id"]++
		case strings.HasPrefix(v, "$6$"):
			counts["sha512-crypt"]++
		case strings.HasPrefix(v, "$5$"):
			counts["sha256-crypt"]++
		case strings.HasPrefix(v, "pbkdf2_sha256$"):
			counts["django"]++
		case isHex(v) && len(v) == 40:
			counts["sha1-hex"]++
		case isHex(v) && (len(v) == 32 || len(v) == 64 || len(v) == 128):
			counts["hex"]++
		default:
			counts["other"]++
		}
	}
	if counts["wordpress"] > 0 || counts["phpass"] > 0 && counts["bcrypt"] == 0 {
		if counts["wordpress"] > 0 {
			return "wordpress", "the stored values are WordPress's $wp$ hashes (and phpass ones it still accepts)"
		}
		return "phpass", "the stored values are phpass $P$ hashes (WordPress before 6.8, phpBB, Drupal 7)"
	}
	best, n := "", 0
	for _, k := range []string{"bcrypt", "argon2id", "sha512-crypt", "sha256-crypt", "django", "sha1-hex", "hex", "other"} {
		if counts[k] > n {
			best, n = k, counts[k]
		}
	}
	switch best {
	case "":
		return "bcrypt", "no stored value to tell the scheme from: bcrypt, the usual one; check what the application verifies"
	case "sha1-hex":
		return "bcrypt", "the stored values are 40 hex digits (SHA-1): a salted scheme the application invented, such as Redmine's sha1(salt + sha1(password)); write it as hash: {compose: ..., salt: COLUMN}. bcrypt is written until then, which the application may not accept"
	case "hex":
		return "bcrypt", "the stored values are hex digests: a scheme the application invented (hash: {compose: ...}) or PBKDF2 (hash: {pbkdf2: ...}); bcrypt is written until then, which the application may not accept"
	case "other":
		return "bcrypt", "the stored values are in no format init knows; bcrypt is written, which the application may not accept: check how it verifies passwords"
	}
	return best, fmt.Sprintf("the stored values are %s hashes (%d of %d sampled)", best, n, len(vals))
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return s != ""
}

// activeGuess finds the state column: a boolean, a status code, or an inverted flag.
func activeGuess(t *dialects.Table, used map[string]bool, sample func(*dialects.Table, string) []string) (*ActiveGuess, string) {
	if c, _ := findColumn(t, activeNames, used); c != nil {
		vals := sample(t, c.Name)
		switch {
		case attrType(c) == "boolean":
			return &ActiveGuess{Column: c.Name, True: []any{true}, False: []any{false}, Why: "a boolean state column"}, ""
		case isInt(c) && len(vals) == 1 && (strings.Contains(strings.ToLower(c.Name), "status") || strings.Contains(strings.ToLower(c.Name), "state")):
			// WordPress's user_status is 0 for every user: nothing says which value is active.
			return nil, fmt.Sprintf("%s holds %s in every sampled row, so nothing tells which value means active; if it is the state, map it as active: {column: %s, true: [%s], false: [...]}",
				c.Name, vals[0], c.Name, vals[0])
		case isInt(c) && subset(vals, "0", "1"):
			return &ActiveGuess{Column: c.Name, True: []any{1}, False: []any{0}, Why: "a state column holding 0 and 1"}, ""
		case isText(c) && subsetFold(vals, "a", "i"):
			return &ActiveGuess{Column: c.Name, True: []any{caseOf(vals, "A")}, False: []any{caseOf(vals, "I")}, Why: "a state column holding A and I (active, inactive)"}, ""
		case isText(c) && subsetFold(vals, "active", "inactive", "disabled", "suspended"):
			return &ActiveGuess{Column: c.Name, True: []any{caseOf(vals, "active")}, False: []any{caseOf(vals, "inactive")}, Why: "a state column holding words; check the inactive one"}, ""
		case isInt(c) && len(vals) > 0:
			return &ActiveGuess{Column: c.Name, True: []any{1}, False: []any{0}, Why: fmt.Sprintf("a state column holding %d codes: check which mean active (true: [..]) and which inactive", len(vals))}, ""
		}
	}
	if c, _ := findColumn(t, invertedNames, used); c != nil {
		vals := sample(t, c.Name)
		if attrType(c) == "boolean" {
			return &ActiveGuess{Column: c.Name, True: []any{false}, False: []any{true}, Why: "an inverted flag (" + c.Name + "): set means inactive"}, ""
		}
		if isInt(c) && subset(vals, "0", "1") {
			return &ActiveGuess{Column: c.Name, True: []any{0}, False: []any{1}, Why: "an inverted flag (" + c.Name + ", 0 or 1): 1 means inactive"}, ""
		}
	}
	return nil, ""
}

func subset(vals []string, allowed ...string) bool {
	for _, v := range vals {
		if !slices.Contains(allowed, strings.TrimSpace(v)) {
			return false
		}
	}
	return true
}

func subsetFold(vals []string, allowed ...string) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		if !slices.Contains(allowed, strings.ToLower(strings.TrimSpace(v))) {
			return false
		}
	}
	return true
}

// caseOf is want as the column writes it (a, A, active, ACTIVE).
func caseOf(vals []string, want string) string {
	for _, v := range vals {
		if strings.EqualFold(strings.TrimSpace(v), want) {
			return strings.TrimSpace(v)
		}
	}
	return want
}

func tableNames(s *dialects.Schema) string {
	var n []string
	for _, t := range s.Tables {
		n = append(n, t.Name)
	}
	return strings.Join(n, ", ")
}

// guessGroups finds the membership table (a foreign key to the users and one to another
// table) and the group table it points to.
func (dr *Draft) guessGroups() {
	s, u := dr.schema, dr.Users
	g := &GroupGuess{}
	// A membership table refers to the users and to the groups: by foreign keys, or by
	// its columns' names when the schema declares none (Redmine's groups_users, Moodle's
	// mdl_cohort_members). Groups kept in the users' table (a discriminator with a group
	// value) are what a group_id refers to there.
	pick := func(m *dialects.Table) (gt *dialects.Table, gcol, ucol string) {
		refs := map[string]*dialects.Table{}
		for _, fk := range m.FKs {
			if len(fk.Columns) == 1 {
				refs[fk.Columns[0]] = s.Table(fk.RefTable)
			}
		}
		for _, c := range m.Columns {
			if _, ok := refs[c.Name]; !ok {
				if ref := dr.refTable(c.Name); ref != nil {
					refs[c.Name] = ref
				} else if sh := dr.shared; sh != nil && sh.group != nil && strings.HasPrefix(strings.ToLower(c.Name), "group") {
					refs[c.Name] = nil // the users' table, as groups
				}
			}
		}
		for _, c := range m.Columns {
			ref, ok := refs[c.Name]
			if !ok {
				continue
			}
			switch {
			case ref == u.Table && ucol == "":
				ucol = c.Name
			case ref == nil && gcol == "":
				gt, gcol = u.Table, c.Name
			case ref != nil && ref != u.Table && len(ref.PK) == 1 && gcol == "":
				gt, gcol = ref, c.Name
			}
		}
		if gt == u.Table && dr.shared == nil {
			gt = nil
		}
		return
	}
	if dr.opts.Members != "" {
		m := s.Table(dr.opts.Members)
		if m == nil {
			dr.notes = append(dr.notes, "-members "+dr.opts.Members+": no such table; groups left out")
			return
		}
		gt, gcol, ucol := pick(m)
		if gt == nil || ucol == "" {
			dr.notes = append(dr.notes, "-members "+m.Name+": no foreign keys to the users and to a group table; groups left out")
			return
		}
		g.Members, g.MemberGroup, g.MemberUser, g.Table = m, gcol, ucol, gt
		g.MembersWhy = "named with -members"
	} else {
		var found []string
		for _, m := range s.Tables {
			if m == u.Table {
				continue
			}
			gt, gcol, ucol := pick(m)
			if gt == nil || ucol == "" {
				continue
			}
			if dr.opts.Groups != "" && !strings.EqualFold(gt.Name, dr.opts.Groups) {
				continue
			}
			found = append(found, m.Name)
			// Prefer the table named most like groups, then one that numbers its own rows
			// (a create needs a new id), then the first.
			better := g.Members == nil
			if g.Members != nil {
				r1, r2 := groupRank(g.Table), groupRank(gt)
				better = r2 < r1 || r2 == r1 && !numbers(g.Table) && numbers(gt)
			}
			if better {
				g.Members, g.MemberGroup, g.MemberUser, g.Table = m, gcol, ucol, gt
			}
		}
		if g.Members == nil {
			dr.notes = append(dr.notes, "no table has foreign keys to the users and to another table, so no groups are mapped; name them with -groups and -members")
			return
		}
		g.MembersWhy = fmt.Sprintf("its foreign keys point at %s (%s) and %s (%s)", u.Table.Name, g.MemberUser, g.Table.Name, g.MemberGroup)
		if len(found) > 1 {
			g.MembersWhy += "; other membership tables: " + strings.Join(slices.DeleteFunc(found, func(n string) bool { return n == g.Members.Name }), ", ") + " (choose with -members)"
		}
	}
	g.Why = "the table " + g.Members.Name + " joins to the users"
	if g.Table == u.Table {
		sh := dr.shared
		g.Scope = &ScopeGuess{Column: sh.column, Value: sh.group, Why: fmt.Sprintf("groups are the rows of %s whose %s is %v", u.Table.Name, sh.column, sh.group)}
		g.Why = "groups are kept in " + u.Table.Name + " too, and " + g.Members.Name + " joins them to the users"
	}
	g.ID = g.Table.Column(g.Table.PK[0])
	g.IDType = idType(g.ID)
	g.IDGenerate = "database"
	if !g.ID.Generated && !g.ID.HasDefault && g.IDType != "integer" {
		g.IDGenerate = "uuid"
		if g.ID.Length > 0 && g.ID.Length < 36 {
			g.IDGenerate = "database"
			g.ReadOnly = fmt.Sprintf("%s.%s is text of at most %d characters that the database does not make, too short for a uuid: "+
				"a new group needs the application's rule for its id (a templated createGroup); until then groups are imported, not pushed",
				g.Table.Name, g.ID.Name, g.ID.Length)
		}
	}
	if !g.ID.Generated && !g.ID.HasDefault && g.IDType == "integer" {
		g.ReadOnly = fmt.Sprintf("%s.%s is an integer key the database does not number: a new group needs the application's rule for its id (a templated createGroup); until then groups are imported, not pushed",
			g.Table.Name, g.ID.Name)
	}
	used := map[string]bool{strings.ToLower(g.ID.Name): true}
	names := groupNameNames
	if g.Scope != nil {
		// In the users' table a group's name is kept in a name column of its own; Redmine
		// uses lastname.
		names = append(append([]string{}, displayNames...), familyNames...)
	}
	if c, _ := findColumn(g.Table, names, used); c != nil {
		g.Name, g.NameFold = c.Name, caseSensitive(c)
		used[strings.ToLower(c.Name)] = true
	}
	if c, _ := findColumn(g.Table, descNames, used); c != nil {
		g.Description = c.Name
		used[strings.ToLower(c.Name)] = true
	}
	if g.Scope == nil {
		if c, others := findColumn(g.Table, modifiedNames, used); c != nil {
			if tg := timeGuess(g.Table, c, dr.sample, others); tg != nil {
				g.LastModified = tg
				used[strings.ToLower(c.Name)] = true
			}
		}
		g.Set = requiredSet(g.Table, used)
	}
	memberWritten := map[string]bool{strings.ToLower(g.MemberGroup): true, strings.ToLower(g.MemberUser): true}
	var endSet *SetGuess
	if c, _ := findColumn(g.Members, endNames, memberWritten); c != nil {
		endSet = dr.currentMembers(g, c)
		if endSet != nil {
			memberWritten[strings.ToLower(c.Name)] = true
		}
	}
	g.MemberSet = requiredSet(g.Members, memberWritten)
	if endSet != nil && endSet.Value != "" {
		g.MemberSet = append([]SetGuess{*endSet}, g.MemberSet...)
	}
	if g.Name == "" {
		dr.notes = append(dr.notes, "group table "+g.Table.Name+" has no name column init recognises; groups left out")
		return
	}
	dr.Groups = g
}

// endNames are names of the column that ends a membership, in tables that keep past
// memberships as rows (MySQL's employees: dept_emp.to_date).
var endNames = []string{"to_date", "end_date", "date_to", "valid_to", "valid_until", "until", "ends_at", "ended_at", "end_at", "left_at", "expires_at"}

// currentMembers reads a membership table's end column c: the current rows are those
// whose end is a far-future sentinel (9999-01-01), which a new row takes too; else, when
// c may be NULL, those without an end or ending later, and a new row has none. A nil
// answer means c tells nothing init can use.
func (dr *Draft) currentMembers(g *GroupGuess, c *dialects.Column) *SetGuess {
	mx := dr.largest(g.Members, c.Name)
	year := 0
	if len(mx) >= 4 {
		year, _ = strconv.Atoi(mx[:4])
	}
	switch {
	case year >= 2900 && len(mx) >= 10 && (c.Type == "date" || isTime(c)):
		lit := mx[:10]
		if c.Type != "date" && len(mx) >= 19 {
			lit = mx[:10] + " " + mx[11:19]
		}
		g.MemberWhere = `{{col "` + c.Name + `"}} = '` + lit + `'`
		g.MemberWhereWhy = fmt.Sprintf("%s keeps past memberships: current ones end %s (the largest %s, a far-future sentinel), the others ended on the day %s says. "+
			"A removed member's row is deleted, not ended; to keep the history, template updateGroup", g.Members.Name, lit, c.Name, c.Name)
		return &SetGuess{Column: c.Name, Value: yamlValue(lit), Why: "a new membership is current: it ends " + lit + ", as the current rows do"}
	case c.Nullable && (c.Type == "date" || isTime(c)):
		g.MemberWhere = `{{col "` + c.Name + `"}} IS NULL OR {{col "` + c.Name + `"}} > CURRENT_TIMESTAMP`
		g.MemberWhereWhy = fmt.Sprintf("%s keeps memberships with an end (%s): current ones have none or end later. "+
			"A removed member's row is deleted, not ended; to keep the history, template updateGroup", g.Members.Name, c.Name)
		return &SetGuess{Column: c.Name}
	}
	return nil
}

// groupRank is where t's name comes in groupTableNames (len when it is not there).
func groupRank(t *dialects.Table) int {
	name := strings.ToLower(t.Name)
	for i, n := range groupTableNames {
		if name == n || strings.HasSuffix(name, "_"+n) {
			return i
		}
	}
	return len(groupTableNames)
}

// numbers reports whether t's key is made by the database, or is text scimsql can make.
func numbers(t *dialects.Table) bool {
	c := t.Column(t.PK[0])
	return c != nil && (c.Generated || c.HasDefault || !isInt(c))
}

// keyValueTable finds a table of the users' attributes as rows (owner, key, value), as
// WordPress's wp_usermeta and Moodle's user_info_data keep them: a column referring to
// the user (by foreign key, or named user_id when no key is declared), a key column and a
// value column.
func (dr *Draft) keyValueTable(users *dialects.Table) *RelatedGuess {
	for _, t := range dr.schema.Tables {
		if t == users {
			continue
		}
		owner, why := "", ""
		for _, fk := range t.FKs {
			if len(fk.Columns) == 1 && strings.EqualFold(fk.RefTable, users.Name) {
				owner, why = fk.Columns[0], "its foreign key "+fk.Columns[0]+" refers to "+users.Name
			}
		}
		if owner == "" {
			if c, _ := findColumn(t, []string{"user_id", "userid", "uid", "owner_id", "account_id"}, nil); c != nil {
				owner, why = c.Name, c.Name+" names the user (no foreign key is declared)"
			}
		}
		if owner == "" {
			continue
		}
		key, _ := findColumn(t, []string{"meta_key", "key", "attr_key", "field_key", "name", "attribute", "attr_name", "field", "property", "setting"}, nil)
		val, _ := findColumn(t, []string{"meta_value", "value", "val", "attr_value", "field_value", "data"}, nil)
		if key == nil || val == nil || !isText(key) {
			continue
		}
		keys := dr.keys(t, key.Name)
		if len(keys) == 0 {
			continue
		}
		return &RelatedGuess{Table: t, Owner: owner, Key: key.Name, Value: val.Name, Keys: keys,
			Why: t.Name + " holds the users' attributes as rows: " + why + ", " + key.Name + " is the key and " + val.Name + " the value"}
	}
	return nil
}

func countHex40(vals []string) int {
	n := 0
	for _, v := range vals {
		if len(v) == 40 && isHex(v) {
			n++
		}
	}
	return n
}

// shared is a discriminator column that keeps users and groups in one table (Redmine's
// users.type: User, Group, AnonymousUser, ...).
type shared struct {
	column      string
	user, group any
	why         string
}

func discriminator(t *dialects.Table, sample func(*dialects.Table, string) []string) *shared {
	for _, n := range []string{"type", "kind", "user_type", "usertype", "account_type", "principal_type", "discriminator"} {
		c := t.Column(n)
		if c == nil || !isText(c) {
			continue
		}
		vals := sample(t, c.Name)
		var user, group any
		for _, v := range vals {
			switch strings.ToLower(v) {
			case "user", "person", "account":
				user = v
			case "group", "team":
				group = v
			}
		}
		if user == nil {
			continue
		}
		sc := &shared{column: c.Name, user: user, group: group,
			why: fmt.Sprintf("%s tells the table's rows apart (%s): the users are the rows of type %v", c.Name, strings.Join(vals, ", "), user)}
		return sc
	}
	return nil
}

// mailTable finds e-mails in a table of their own: a column naming the user, an address
// and a flag marking the default one (Redmine's email_addresses).
func (dr *Draft) mailTable(users *dialects.Table) *MailGuess {
	for _, t := range dr.schema.Tables {
		if t == users {
			continue
		}
		owner := dr.ownerColumn(t, users)
		addr, _ := findColumn(t, []string{"address", "email", "email_address", "mail"}, nil)
		flag, _ := findColumn(t, []string{"is_default", "is_primary", "primary", "default", "main"}, nil)
		if owner == "" || addr == nil || flag == nil {
			continue
		}
		var v any = true
		if attrType(flag) != "boolean" {
			v = 1
		}
		m := &MailGuess{Table: t, Owner: owner, Address: addr.Name, Flag: flag.Name, FlagValue: v,
			Why: t.Name + " holds the users' e-mails: " + owner + " names the user, " + addr.Name + " is the address, " + flag.Name + " marks the default one"}
		m.Set = requiredSet(t, map[string]bool{strings.ToLower(owner): true, strings.ToLower(addr.Name): true, strings.ToLower(flag.Name): true})
		return m
	}
	return nil
}

// refersTo is the table c refers to, by a foreign key or by its name ("" when none), so
// that 0 is no value for it.
func (dr *Draft) refersTo(t *dialects.Table, c *dialects.Column) string {
	for _, fk := range t.FKs {
		if len(fk.Columns) == 1 && strings.EqualFold(fk.Columns[0], c.Name) {
			return fk.RefTable
		}
	}
	if ref := dr.refTable(c.Name); ref != nil && ref != t {
		return ref.Name
	}
	return ""
}

// ownerColumn is t's column referring to users: a foreign key, or a column named so.
func (dr *Draft) ownerColumn(t, users *dialects.Table) string {
	for _, fk := range t.FKs {
		if len(fk.Columns) == 1 && strings.EqualFold(fk.RefTable, users.Name) {
			return fk.Columns[0]
		}
	}
	for _, c := range t.Columns {
		if ref := dr.refTable(c.Name); ref == users {
			return c.Name
		}
	}
	return ""
}

// refTable is the table a column's name refers to when no foreign key says so: user_id
// and userid to users (or mdl_user), cohortid to mdl_cohort.
func (dr *Draft) refTable(col string) *dialects.Table {
	n := strings.ToLower(col)
	var base string
	switch {
	case n == "uid":
		base = "user" // the common abbreviation (Gitea's team_user.uid)
	case strings.HasSuffix(n, "_id") && len(n) > 3:
		base = strings.TrimSuffix(n, "_id")
	case strings.HasSuffix(n, "id") && len(n) > 2:
		base = strings.TrimSuffix(n, "id")
	default:
		return nil
	}
	// A table named so, else one whose name ends so after a prefix (mdl_user); only a
	// table with a one-column key can be referred to (not groups_users for user_id).
	for _, exact := range []bool{true, false} {
		for _, t := range dr.schema.Tables {
			if len(t.PK) != 1 {
				continue
			}
			tn := strings.ToLower(t.Name)
			for _, want := range []string{base, base + "s"} {
				if tn == want || !exact && strings.HasSuffix(tn, "_"+want) {
					return t
				}
			}
		}
	}
	return nil
}

// requiredSet are t's NOT NULL columns without a default that written (lower-cased
// names) leaves out, with a value of their type for a new row.
func requiredSet(t *dialects.Table, written map[string]bool) []SetGuess {
	var out []SetGuess
	for _, c := range t.Columns {
		if written[strings.ToLower(c.Name)] || c.Nullable || c.HasDefault || c.Generated || (len(t.PK) == 1 && strings.EqualFold(t.PK[0], c.Name)) {
			continue
		}
		v, why := "''", "NOT NULL without a default; check the value the application writes"
		n := strings.ToLower(c.Name)
		timeName := strings.HasPrefix(n, "time") || strings.HasSuffix(n, "_at") || strings.HasSuffix(n, "_on") || strings.Contains(n, "created") || strings.Contains(n, "modified") || strings.Contains(n, "updated")
		switch attrType(c) {
		case "datetime", "date":
			v, why = "{now: timestamp}", "NOT NULL without a default: the time the row is written"
		case "boolean":
			v = "false"
		case "integer", "double":
			v = "0"
			if timeName {
				v, why = "{now: unix}", "NOT NULL without a default, and named as a time: Unix seconds when the row is written"
			}
		}
		if strings.HasPrefix(v, "{now") && (strings.Contains(n, "updated") || strings.Contains(n, "modified")) {
			v = strings.TrimSuffix(v, "}") + ", on: always}"
		}
		out = append(out, SetGuess{Column: c.Name, Value: v, Why: why})
	}
	return out
}
