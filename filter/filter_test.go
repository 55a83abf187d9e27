package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Constructors that keep the expected trees in the tables readable.

func attr(a string) AttrPath           { return AttrPath{Attr: a} }
func sub(a, s string) AttrPath         { return AttrPath{Attr: a, Sub: s} }
func urn(u, a, s string) AttrPath      { return AttrPath{URN: u, Attr: a, Sub: s} }
func str(s string) Value               { return Value{Kind: String, Str: s} }
func num(s string) Value               { return Value{Kind: Number, Str: s} }
func boolean(b bool) Value             { return Value{Kind: Bool, Bool: b} }
func null() Value                      { return Value{Kind: Null} }
func and(l, r Expr) *Logical           { return &Logical{Op: "and", Left: l, Right: r} }
func or(l, r Expr) *Logical            { return &Logical{Op: "or", Left: l, Right: r} }
func not(x Expr) *Not                  { return &Not{X: x} }
func vp(p AttrPath, f Expr) *ValuePath { return &ValuePath{Path: p, Filter: f} }
func cmp(p AttrPath, op Op, v Value) *Compare {
	return &Compare{Path: p, Op: op, Value: v}
}
func pr(p AttrPath) *Compare { return &Compare{Path: p, Op: Pr} }

type goodCase struct {
	name  string
	in    string
	want  Expr
	canon string // expected Format output; "" means the input is already canonical
}

const (
	coreUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	oktaCustom     = "urn:okta:onprem_app:1.0:user:custom"
)

var goodCases = []goodCase{
	// The filters Okta's on-premises provisioning agent sends.
	{"okta userName", `userName eq "bjensen"`, cmp(attr("userName"), Eq, str("bjensen")), ""},
	{"okta email OR", `email eq "a@x.com" OR email eq "b@y.com"`,
		or(cmp(attr("email"), Eq, str("a@x.com")), cmp(attr("email"), Eq, str("b@y.com"))),
		`email eq "a@x.com" or email eq "b@y.com"`},
	{"okta id", `id eq "102"`, cmp(attr("id"), Eq, str("102")), ""},
	{"okta givenName", `name.givenName eq "john"`, cmp(sub("name", "givenName"), Eq, str("john")), ""},
	{"okta custom urn", `urn:okta:onprem_app:1.0:user:custom:departmentName eq "Cloud Service"`,
		cmp(urn(oktaCustom, "departmentName", ""), Eq, str("Cloud Service")), ""},
	{"okta lastModified", `meta.lastModified gt "2020-04-07T14:19:34Z"`,
		cmp(sub("meta", "lastModified"), Gt, str("2020-04-07T14:19:34Z")), ""},
	{"okta mixed-case Or", `a eq "1" Or b eq "2" oR c eq "3"`,
		or(or(cmp(attr("a"), Eq, str("1")), cmp(attr("b"), Eq, str("2"))), cmp(attr("c"), Eq, str("3"))),
		`a eq "1" or b eq "2" or c eq "3"`},
	{"okta custom boolean", `urn:okta:x:1.0:user:custom:isAdmin eq true`,
		cmp(urn("urn:okta:x:1.0:user:custom", "isAdmin", ""), Eq, boolean(true)), ""},

	// Unquoted values, as Microsoft's clients and test collection send them: a bare word is
	// the string it spells, a date-time too; true, false, null and numbers keep their kinds.
	{"bare word", `userName sw O`, cmp(attr("userName"), Sw, str("O")), `userName sw "O"`},
	{"bare words and parens", `name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)`,
		and(cmp(sub("name", "FamilyName"), Eq, str("Employee")),
			or(cmp(sub("emails", "Value"), Co, str("example.com")), cmp(sub("emails", "Value"), Co, str("example.org")))),
		`name.FamilyName eq "Employee" and (emails.Value co "example.com" or emails.Value co "example.org")`},
	{"bare date-time", `meta.Created gt 2015-10-10T14:38:21.8617979-07:00`,
		cmp(sub("meta", "Created"), Gt, str("2015-10-10T14:38:21.8617979-07:00")), `meta.Created gt "2015-10-10T14:38:21.8617979-07:00"`},
	{"almost true", `a eq tru`, cmp(attr("a"), Eq, str("tru")), `a eq "tru"`},

	// Every operator, in both cases.
	{"ne", `userName ne "x"`, cmp(attr("userName"), Ne, str("x")), ""},
	{"co", `userName co "jen"`, cmp(attr("userName"), Co, str("jen")), ""},
	{"sw", `userName sw "J"`, cmp(attr("userName"), Sw, str("J")), ""},
	{"ew", `userName ew "sen"`, cmp(attr("userName"), Ew, str("sen")), ""},
	{"gt", `meta.version gt 3`, cmp(sub("meta", "version"), Gt, num("3")), ""},
	{"ge", `meta.lastModified ge "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), Ge, str("2011-05-13T04:42:34Z")), ""},
	{"lt", `meta.lastModified lt "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), Lt, str("2011-05-13T04:42:34Z")), ""},
	{"le", `loginCount le 10`, cmp(attr("loginCount"), Le, num("10")), ""},
	{"pr", `title pr`, pr(attr("title")), ""},
	{"upper EQ", `userName EQ "x"`, cmp(attr("userName"), Eq, str("x")), `userName eq "x"`},
	{"upper PR", `title PR`, pr(attr("title")), `title pr`},
	{"mixed Co", `userName cO "x"`, cmp(attr("userName"), Co, str("x")), `userName co "x"`},

	// Schema-qualified paths.
	{"core urn with sub", `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "x"`,
		cmp(urn(coreUser, "name", "givenName"), Eq, str("x")), ""},
	{"enterprise urn", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`,
		cmp(urn(enterpriseUser, "employeeNumber", ""), Eq, str("701984")), ""},
	{"enterprise manager.value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
		cmp(urn(enterpriseUser, "manager", "value"), Eq, str("26118915-6090-4610-87e4-49d8ca9f808d")), ""},
	{"upper-case URN prefix kept as written", `URN:Okta:X:1.0:user:custom:dept pr`,
		pr(urn("URN:Okta:X:1.0:user:custom", "dept", "")), ""},
	{"urn value path", `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]`,
		vp(urn(coreUser, "emails", ""), cmp(attr("type"), Eq, str("work"))), ""},

	// Attribute names.
	{"name chars", `x-y_z$1 pr`, pr(attr("x-y_z$1")), ""},
	{"keyword-like names", `order pr and notes pr or android pr and nothing eq "x"`,
		or(and(pr(attr("order")), pr(attr("notes"))), and(pr(attr("android")), cmp(attr("nothing"), Eq, str("x")))), ""},
	{"case kept", `USERNAME eq "x"`, cmp(attr("USERNAME"), Eq, str("x")), ""},

	// Precedence and associativity.
	{"and binds tighter (right)", `a pr or b pr and c pr`, or(pr(attr("a")), and(pr(attr("b")), pr(attr("c")))), ""},
	{"and binds tighter (left)", `a pr and b pr or c pr`, or(and(pr(attr("a")), pr(attr("b"))), pr(attr("c"))), ""},
	{"or left-assoc", `a pr or b pr or c pr`, or(or(pr(attr("a")), pr(attr("b"))), pr(attr("c"))), ""},
	{"and left-assoc", `a pr and b pr and c pr`, and(and(pr(attr("a")), pr(attr("b"))), pr(attr("c"))), ""},
	{"mixed chain", `a pr and b pr or c pr and d pr or e pr`,
		or(or(and(pr(attr("a")), pr(attr("b"))), and(pr(attr("c")), pr(attr("d")))), pr(attr("e"))), ""},
	{"parens override", `(a pr or b pr) and c pr`, and(or(pr(attr("a")), pr(attr("b"))), pr(attr("c"))), ""},
	{"parens right", `a pr and (b pr or c pr)`, and(pr(attr("a")), or(pr(attr("b")), pr(attr("c")))), ""},
	{"parens right same op", `a pr or (b pr or c pr)`, or(pr(attr("a")), or(pr(attr("b")), pr(attr("c")))), ""},
	{"redundant parens", `((a pr)) and (b pr)`, and(pr(attr("a")), pr(attr("b"))), `a pr and b pr`},
	{"nested and/or", `(a pr or (b pr and (c pr or d pr))) and e pr`,
		and(or(pr(attr("a")), and(pr(attr("b")), or(pr(attr("c")), pr(attr("d"))))), pr(attr("e"))),
		`(a pr or b pr and (c pr or d pr)) and e pr`},

	// not.
	{"not", `not (a pr)`, not(pr(attr("a"))), ""},
	{"not no space", `not(a pr)`, not(pr(attr("a"))), `not (a pr)`},
	{"NOT upper", `NOT (a pr and b pr)`, not(and(pr(attr("a")), pr(attr("b")))), `not (a pr and b pr)`},
	{"not in chain", `a pr and not (b pr) or c pr`, or(and(pr(attr("a")), not(pr(attr("b")))), pr(attr("c"))), ""},
	{"double not", `not (not (a pr))`, not(not(pr(attr("a")))), ""},

	// RFC 7644 §3.4.2.2 examples.
	{"rfc 1", `userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
		and(cmp(attr("userType"), Eq, str("Employee")),
			or(cmp(attr("emails"), Co, str("example.com")), cmp(sub("emails", "value"), Co, str("example.org")))), ""},
	{"rfc 2", `userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		and(cmp(attr("userType"), Ne, str("Employee")),
			not(or(cmp(attr("emails"), Co, str("example.com")), cmp(sub("emails", "value"), Co, str("example.org"))))), ""},
	{"rfc 3", `userType eq "Employee" and (emails.type eq "work")`,
		and(cmp(attr("userType"), Eq, str("Employee")), cmp(sub("emails", "type"), Eq, str("work"))),
		`userType eq "Employee" and emails.type eq "work"`},
	{"rfc 4", `userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
		and(cmp(attr("userType"), Eq, str("Employee")),
			vp(attr("emails"), and(cmp(attr("type"), Eq, str("work")), cmp(attr("value"), Co, str("@example.com"))))), ""},
	{"rfc 5", `emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		or(vp(attr("emails"), and(cmp(attr("type"), Eq, str("work")), cmp(attr("value"), Co, str("@example.com")))),
			vp(attr("ims"), and(cmp(attr("type"), Eq, str("xmpp")), cmp(attr("value"), Co, str("@foo.com"))))), ""},
	{"rfc schemas", `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
		cmp(attr("schemas"), Eq, str(enterpriseUser)), ""},
	{"rfc title pr and", `title pr and userType eq "Employee"`,
		and(pr(attr("title")), cmp(attr("userType"), Eq, str("Employee"))), ""},

	// Value paths.
	{"members value path", `members[value eq "2819c223"]`, vp(attr("members"), cmp(attr("value"), Eq, str("2819c223"))), ""},
	{"value path not", `emails[not (type eq "home")]`, vp(attr("emails"), not(cmp(attr("type"), Eq, str("home")))), ""},
	{"value path parens", `emails[(type eq "a" or type eq "b") and primary eq true]`,
		vp(attr("emails"), and(or(cmp(attr("type"), Eq, str("a")), cmp(attr("type"), Eq, str("b"))), cmp(attr("primary"), Eq, boolean(true)))), ""},
	{"not value path", `not (emails[type eq "work"])`, not(vp(attr("emails"), cmp(attr("type"), Eq, str("work")))), ""},
	{"value path spaces inside", `emails[ type eq "work" ]`, vp(attr("emails"), cmp(attr("type"), Eq, str("work"))), `emails[type eq "work"]`},
	{"value path in parens", `(emails[type eq "work"])`, vp(attr("emails"), cmp(attr("type"), Eq, str("work"))), `emails[type eq "work"]`},
	{"value path sub-attr inside", `addresses[region.code eq "CA"]`, vp(attr("addresses"), cmp(sub("region", "code"), Eq, str("CA"))), ""},

	// Strings.
	{"empty string", `a eq ""`, cmp(attr("a"), Eq, str("")), ""},
	{"escapes", `a eq "q\"b\\s\/ \b\f\n\r\t"`, cmp(attr("a"), Eq, str("q\"b\\s/ \b\f\n\r\t")), `a eq "q\"b\\s/ \b\f\n\r\t"`},
	{"unicode escape", `a eq "Jos\u00e9 \u00C9"`, cmp(attr("a"), Eq, str("José É")), `a eq "José É"`},
	{"surrogate pair", `a eq "\ud83d\ude00"`, cmp(attr("a"), Eq, str("😀")), `a eq "😀"`},
	{"raw utf-8", `a eq "Zoë 😀 日本"`, cmp(attr("a"), Eq, str("Zoë 😀 日本")), ""},
	{"escaped control", `a eq "\u0000\u001f"`, cmp(attr("a"), Eq, str("\x00\x1f")), ""},
	{"brackets and parens in string", `a eq "x) or (b[c]"`, cmp(attr("a"), Eq, str("x) or (b[c]")), ""},
	{"keywords in string", `a eq "and or not"`, cmp(attr("a"), Eq, str("and or not")), ""},
	{"DEL is not a control", "a eq \"\x7f\"", cmp(attr("a"), Eq, str("\x7f")), ""},

	// Numbers, booleans, null.
	{"zero", `a eq 0`, cmp(attr("a"), Eq, num("0")), ""},
	{"negative zero", `a eq -0`, cmp(attr("a"), Eq, num("-0")), ""},
	{"int", `a eq 12`, cmp(attr("a"), Eq, num("12")), ""},
	{"float exp", `a eq -1.5e3`, cmp(attr("a"), Eq, num("-1.5e3")), ""},
	{"exp plus", `a eq 1E+10`, cmp(attr("a"), Eq, num("1E+10")), ""},
	{"exp minus", `a eq 2.50e-7`, cmp(attr("a"), Eq, num("2.50e-7")), ""},
	{"number then paren", `(a eq 1)`, cmp(attr("a"), Eq, num("1")), `a eq 1`},
	{"true", `active eq true`, cmp(attr("active"), Eq, boolean(true)), ""},
	{"FALSE", `active eq FALSE`, cmp(attr("active"), Eq, boolean(false)), `active eq false`},
	{"True", `active ne True`, cmp(attr("active"), Ne, boolean(true)), `active ne true`},
	{"null", `manager eq null`, cmp(attr("manager"), Eq, null()), ""},
	{"NULL", `manager ne NULL`, cmp(attr("manager"), Ne, null()), `manager ne null`},

	// Whitespace.
	{"multiple spaces", `userName   eq    "x"   or  id  eq  "1"`,
		or(cmp(attr("userName"), Eq, str("x")), cmp(attr("id"), Eq, str("1"))), `userName eq "x" or id eq "1"`},
	{"tabs", "userName\teq\t\"x\"", cmp(attr("userName"), Eq, str("x")), `userName eq "x"`},
	{"leading and trailing", `  userName eq "x"  `, cmp(attr("userName"), Eq, str("x")), `userName eq "x"`},
	{"spaces inside parens", `( a pr )`, pr(attr("a")), `a pr`},
	{"space between not and paren", `not   (a pr)`, not(pr(attr("a"))), `not (a pr)`},

	// Depth exactly at the limit.
	{"16 parens", strings.Repeat("(", 16) + "a pr" + strings.Repeat(")", 16), pr(attr("a")), "a pr"},
}

func TestParse(t *testing.T) {
	for _, tc := range goodCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q)\n got %s\nwant %s", tc.in, dump(got), dump(tc.want))
			}
			canon := tc.canon
			if canon == "" {
				canon = tc.in
			}
			if s := Format(got); s != canon {
				t.Errorf("Format = %q, want %q", s, canon)
			}
			if s := got.String(); s != canon {
				t.Errorf("String method = %q, want %q", s, canon)
			}
			again, err := Parse(Format(got))
			if err != nil {
				t.Fatalf("re-parse %q: %v", Format(got), err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Errorf("round trip changed the tree:\n got %s\nwant %s", dump(again), dump(got))
			}
		})
	}
}

type badCase struct {
	name string
	in   string
	pos  int
	msg  string // a fragment of SyntaxError.Msg
}

var badCases = []badCase{
	{"empty", ``, 0, `expected an attribute path, "not" or "(", found end of input`},
	{"blank", `   `, 3, `expected an attribute path, "not" or "(", found end of input`},
	{"attr only", `userName`, 8, `expected a comparison operator after "userName", found end of input`},
	{"no value", `userName eq`, 11, `expected a value (a JSON string, number, true, false or null) after "eq", found end of input`},
	{"bad operator", `userName eqq "x"`, 9, `expected a comparison operator after "userName", found "eqq"`},
	{"unterminated string", `userName eq "x`, 12, `unterminated string: expected a closing '"', found end of input`},
	{"dangling and", `userName eq "x" and`, 19, `expected an attribute path, "not" or "(", found end of input`},
	{"dangling or", `userName eq "x" or `, 19, `expected an attribute path, "not" or "(", found end of input`},
	{"unclosed paren", `(userName eq "x"`, 16, `expected "and", "or" or ")" to close the "(" at position 0, found end of input`},
	{"unclosed bracket", `emails[type eq "work"`, 21, `expected "and", "or" or "]" to close the "[" at position 6, found end of input`},
	{"nested brackets", `emails[type[x eq "y"] eq "z"]`, 11, `unexpected "[" after "type": value filters cannot be nested`},
	{"nested brackets in parens", `emails[(x pr and type[x eq "y"])]`, 21, `value filters cannot be nested`},
	{"no value", `userName eq )`, 12, `expected a value (a JSON string, number, true, false or null) after "eq", found ")"`},
	{"too long", `userName eq "` + strings.Repeat("x", 5000) + `"`, 4096, `filter longer than 4096 bytes`},
	{"100 parens", strings.Repeat("(", 100) + "a pr" + strings.Repeat(")", 100), 16, `nesting deeper than 16 levels`},
	{"17 parens", strings.Repeat("(", 17) + "a pr" + strings.Repeat(")", 17), 16, `nesting deeper than 16 levels`},
	{"17 nots", strings.Repeat("not (", 17) + "a pr" + strings.Repeat(")", 17), 80, `nesting deeper than 16 levels`},
	{"bracket at depth 17", strings.Repeat("(", 16) + `emails[type pr]` + strings.Repeat(")", 16), 22, `nesting deeper than 16 levels`},
	{"not without paren", `not userName eq "x"`, 4, `expected "(" after "not", found "userName"`},
	{"NOT without paren", `NOT userName eq "x"`, 4, `expected "(" after "NOT", found "userName"`},
	{"not at end", `not`, 3, `expected "(" after "not", found end of input`},

	// Structure.
	{"trailing word", `userName eq "x" foo`, 16, `expected "and", "or" or end of input, found "foo"`},
	{"stray close paren", `userName eq "x")`, 15, `expected "and", "or" or end of input, found ")"`},
	{"stray close bracket", `a pr ]`, 5, `expected "and", "or" or end of input, found "]"`},
	{"empty parens", `()`, 1, `expected an attribute path, "not" or "(", found ")"`},
	{"empty brackets", `emails[]`, 7, `expected an attribute path, "not" or "(", found "]"`},
	{"two comparisons", `a pr b pr`, 5, `expected "and", "or" or end of input, found "b"`},
	{"and first", `and`, 3, `expected a comparison operator after "and", found end of input`},
	{"or or", `a pr or or b pr`, 11, `expected a comparison operator after "or", found "b"`},
	{"no space before and", `userName eq "x"and b pr`, 15, `expected whitespace before "and"`},
	{"no space after close paren", `(a pr)or b pr`, 6, `expected whitespace before "or"`},
	{"no space after and", `a pr and(b pr)`, 8, `expected whitespace after "and", found "("`},
	{"no space after op", `userName eq"x"`, 11, `expected whitespace after "eq", found string "x"`},
	{"no operator", `userName  "x"`, 10, `expected a comparison operator after "userName", found string "x"`},
	{"space before bracket", `emails [type eq "work"]`, 7, `expected a comparison operator after "emails", found "["`},
	{"pr with value", `title pr "x"`, 9, `expected no value after "pr" (it takes none), found string "x"`},
	{"pr with number", `title pr 1`, 9, `expected no value after "pr"`},
	{"sub-attr after value path", `emails[type eq "work"].value eq "x"`, 22, `unexpected ".value" after "]": a sub-attribute after a value filter is only allowed in PATCH paths`},
	{"double equals", `a == "x"`, 2, `expected a comparison operator after "a", found "="`},
	{"illegal char", `a eq "x" @`, 9, `expected "and", "or" or end of input, found "@"`},
	{"newline is not whitespace", "a eq \"x\"\nor b pr", 8, `found "\n"`},
	{"non-ascii attr", `é eq 1`, 0, `expected an attribute path, "not" or "(", found "é"`},
	{"invalid utf-8 outside string", "a eq \"x\" \xff", 9, `found "\xff"`},
	{"single quotes", `a eq 'x'`, 5, `found "'"`},

	// Attribute paths.
	{"digit first", `1abc eq "x"`, 0, `expected an attribute path, "not" or "(", found "1abc"`},
	{"dollar first", `$ref eq "x"`, 0, `expected an attribute path, "not" or "(", found "$ref"`},
	{"trailing dot", `name. eq "x"`, 5, `invalid attribute path "name.": expected sub-attribute name, found nothing`},
	{"two dots", `name.given.x eq "x"`, 10, `invalid attribute path "name.given.x": unexpected "." in sub-attribute name`},
	{"sub starts with digit", `a.1b eq 1`, 2, `expected sub-attribute name to start with a letter, found "1"`},
	{"colon without urn", `na:me eq 1`, 2, `unexpected ":" in attribute name`},
	{"plus in name", `a+b pr`, 1, `unexpected "+" in attribute name`},
	{"urn without NID", `urn:x eq 1`, 0, `expected a schema URN`},
	{"urn empty segment", `urn:a::b eq 1`, 6, `empty segment in schema URN`},
	{"urn without attr", `urn:a:b: eq 1`, 8, `expected attribute name, found nothing`},
	{"urn bad char", `urn:a$b:c eq 1`, 5, `unexpected "$" in schema URN`},
	{"urn attr bad start", `urn:a:b:1c eq 1`, 8, `expected attribute name to start with a letter`},

	// Values.
	{"leading zero", `a eq 01`, 5, `invalid number "01"`},
	{"trailing dot number", `a eq 1.`, 5, `invalid number "1."`},
	{"leading dot number", `a eq .5`, 5, `invalid number ".5"`},
	{"plus number", `a eq +1`, 5, `invalid number "+1"`},
	{"bare exponent", `a eq 1e`, 5, `invalid number "1e"`},
	{"minus only", `a eq -`, 5, `invalid number "-"`},
	{"number with letters", `a eq 12abc`, 5, `invalid number "12abc"`},
	{"hex number", `a eq 0x10`, 5, `invalid number "0x10"`},
	{"not a time", `a gt 2015-10-10T25:00:00Z`, 5, `invalid number "2015-10-10T25:00:00Z"`},
	{"value is paren", `a eq (`, 5, `found "("`},

	// Strings.
	{"bad escape", `a eq "\x"`, 6, `invalid escape \x in string`},
	{"bad unicode escape", `a eq "\u12G4"`, 6, `invalid escape \u12G4 in string: expected 4 hex digits after \u`},
	{"short unicode escape", `a eq "\u12"`, 6, `expected 4 hex digits`},
	{"lone high surrogate", `a eq "\ud800"`, 6, `expected a low surrogate`},
	{"high surrogate then BMP", `a eq "\ud800\u0041"`, 6, `expected a low surrogate`},
	{"lone low surrogate", `a eq "\udc00x"`, 6, `unpaired low surrogate`},
	{"raw tab in string", "a eq \"x\ty\"", 7, `invalid control character U+0009 in string`},
	{"raw newline in string", "a eq \"x\ny\"", 7, `invalid control character U+000A in string`},
	{"invalid utf-8 in string", "a eq \"x\xffy\"", 7, `invalid UTF-8 byte 0xff in string`},
	{"utf-8 encoded surrogate", "a eq \"\xed\xa0\x80\"", 6, `invalid UTF-8`},
	{"backslash at end", `a eq "x\`, 7, `expected a character after '\', found end of input`},
	{"escape of control byte", "a eq \"\\\x01\"", 6, `invalid escape "\\\x01" in string`},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range badCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want an error", tc.in, dump(got))
			}
			if got != nil {
				t.Errorf("Parse returned a tree alongside the error: %s", dump(got))
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is a %T, want *SyntaxError", err, err)
			}
			if se.Pos != tc.pos {
				t.Errorf("Pos = %d, want %d (%v)", se.Pos, tc.pos, err)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, tc.msg)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse(`userName eqq "x"`)
	want := `invalid filter at position 9: expected a comparison operator after "userName", found "eqq"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestErrorMessagesAreBounded(t *testing.T) {
	long := "a" + strings.Repeat("b", 3000)
	_, err := Parse(long)
	if err == nil {
		t.Fatal("want error")
	}
	if len(err.Error()) > 200 {
		t.Errorf("error message is %d bytes: %s", len(err.Error()), err)
	}
}

func TestLimits(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("(", n) + "a pr" + strings.Repeat(")", n) }
	tests := []struct {
		name   string
		in     string
		limits Limits
		pos    int // -1: must parse
	}{
		{"exactly max length", `userName eq "` + strings.Repeat("x", 4096-14) + `"`, Limits{}, -1},
		{"one byte over", `userName eq "` + strings.Repeat("x", 4096-13) + `"`, Limits{}, 4096},
		{"custom length", `userName eq "x"`, Limits{MaxLength: 10}, 10},
		{"negative means default", nest(16), Limits{MaxLength: -1, MaxDepth: -1}, -1},
		{"custom depth ok", `(not (a pr))`, Limits{MaxDepth: 2}, -1},
		{"custom depth exceeded", `((not (a pr)))`, Limits{MaxDepth: 2}, 2},
		{"bracket counts", `(emails[type pr])`, Limits{MaxDepth: 1}, 7},
		{"chains do not count", strings.Repeat("a pr and ", 400) + "a pr", Limits{MaxDepth: 1}, -1},
		{"deep with higher limit", nest(1000), Limits{MaxDepth: 1000}, -1},
		{"deeper than higher limit", nest(1001), Limits{MaxDepth: 1000}, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseWithLimits(tc.in, tc.limits)
			if tc.pos < 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if e == nil {
					t.Fatal("nil Expr without error")
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.Pos != tc.pos {
				t.Errorf("Pos = %d, want %d (%v)", se.Pos, tc.pos, err)
			}
		})
	}
}

// TestLongChain checks that a chain far longer than the default limits
// allow is parsed, printed and walked without deep recursion.
func TestLongChain(t *testing.T) {
	const n = 200000
	in := strings.Repeat(`a eq 1 or `, n) + `a eq 1`
	e, err := ParseWithLimits(in, Limits{MaxLength: len(in)})
	if err != nil {
		t.Fatal(err)
	}
	if out := Format(e); out != in {
		t.Fatalf("Format changed the text (len %d vs %d)", len(out), len(in))
	}
	count := 0
	Walk(e, func(Expr) bool { count++; return true })
	if want := 2*n + 1; count != want {
		t.Errorf("Walk visited %d nodes, want %d", count, want)
	}
}

type pathGood struct {
	name  string
	in    string
	want  Path
	canon string
}

var pathGoodCases = []pathGood{
	{"plain", `members`, Path{Attr: attr("members")}, ""},
	{"sub", `name.givenName`, Path{Attr: sub("name", "givenName")}, ""},
	{"value filter", `members[value eq "2819c223"]`,
		Path{Attr: attr("members"), Filter: cmp(attr("value"), Eq, str("2819c223"))}, ""},
	{"value filter sub", `emails[type eq "work"].value`,
		Path{Attr: attr("emails"), Filter: cmp(attr("type"), Eq, str("work")), Sub: "value"}, ""},
	{"enterprise manager", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
		Path{Attr: urn(enterpriseUser, "manager", "value")}, ""},
	{"okta custom", `urn:okta:x:1.0:user:custom:isAdmin`,
		Path{Attr: urn("urn:okta:x:1.0:user:custom", "isAdmin", "")}, ""},
	{"complex filter", `addresses[type eq "work" and primary eq true].streetAddress`,
		Path{Attr: attr("addresses"), Filter: and(cmp(attr("type"), Eq, str("work")), cmp(attr("primary"), Eq, boolean(true))), Sub: "streetAddress"}, ""},
	{"urn value filter", `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].display`,
		Path{Attr: urn(coreUser, "emails", ""), Filter: cmp(attr("type"), Eq, str("work")), Sub: "display"}, ""},
	{"surrounding spaces", `  members  `, Path{Attr: attr("members")}, `members`},
	{"spaces in brackets", `emails[ type  EQ "work" ].value`,
		Path{Attr: attr("emails"), Filter: cmp(attr("type"), Eq, str("work")), Sub: "value"}, `emails[type eq "work"].value`},
}

func TestParsePath(t *testing.T) {
	for _, tc := range pathGoodCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePath(tc.in)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParsePath(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
			canon := tc.canon
			if canon == "" {
				canon = tc.in
			}
			if s := got.String(); s != canon {
				t.Errorf("String = %q, want %q", s, canon)
			}
			again, err := ParsePath(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("round trip: %+v, %v", again, err)
			}
		})
	}
}

var pathBadCases = []badCase{
	{"empty", ``, 0, `expected an attribute path, found end of input`},
	{"string", `"members"`, 0, `expected an attribute path, found string "members"`},
	{"trailing word", `members extra`, 8, `expected "[" or end of input after "members", found "extra"`},
	{"trailing bracket", `members]`, 7, `expected "[" or end of input after "members", found "]"`},
	{"trailing dot", `name.`, 5, `expected sub-attribute name, found nothing`},
	{"three parts", `name.givenName.x`, 14, `unexpected "." in sub-attribute name`},
	{"sub after bracket has dot", `emails[type eq "work"].value.x`, 28, `unexpected "." in sub-attribute name`},
	{"sub after bracket without dot", `emails[type eq "work"]value`, 22, `expected "." and a sub-attribute name, or end of input, after "]", found "value"`},
	{"empty sub after bracket", `emails[type eq "work"].`, 23, `expected sub-attribute name, found nothing`},
	{"space before sub", `emails[type eq "work"] .value`, 23, `found ".value"`},
	{"junk after filter", `emails[type eq "work"] x`, 23, `found "x"`},
	{"unclosed", `emails[type eq "work"`, 21, `expected "and", "or" or "]" to close the "[" at position 6, found end of input`},
	{"nested", `emails[type[x eq 1] eq 2]`, 11, `value filters cannot be nested`},
	{"empty filter", `emails[]`, 7, `expected an attribute path, "not" or "(", found "]"`},
	{"bad filter", `emails[type eqq "work"]`, 12, `expected a comparison operator after "type", found "eqq"`},
	{"space before bracket", `emails [type eq "work"]`, 7, `expected "[" or end of input after "emails", found "["`},
	{"too long", strings.Repeat("a", 5000), 4096, `path longer than 4096 bytes`},
	{"digit first", `1abc`, 0, `expected an attribute path, found "1abc"`},
	{"filter as path", `userName eq "x"`, 9, `expected "[" or end of input after "userName", found "eq"`},
}

func TestParsePathErrors(t *testing.T) {
	for _, tc := range pathBadCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePath(tc.in)
			if err == nil {
				t.Fatalf("ParsePath(%q) = %+v, want an error", tc.in, got)
			}
			if !reflect.DeepEqual(got, Path{}) {
				t.Errorf("ParsePath returned %+v alongside the error", got)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is a %T, want *SyntaxError", err, err)
			}
			if se.Pos != tc.pos {
				t.Errorf("Pos = %d, want %d (%v)", se.Pos, tc.pos, err)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, tc.msg)
			}
		})
	}
}

// TestFormatHandBuilt covers trees the parser never produces (right-deep
// chains, odd operator case, nil nodes) to check that Format parenthesises
// correctly and never panics.
func TestFormatHandBuilt(t *testing.T) {
	a, b, c, d := pr(attr("a")), pr(attr("b")), pr(attr("c")), pr(attr("d"))
	tests := []struct {
		name      string
		in        Expr
		want      string
		roundTrip bool
	}{
		{"right-deep or", or(a, or(b, c)), `a pr or (b pr or c pr)`, true},
		{"right-deep and", and(a, and(b, c)), `a pr and (b pr and c pr)`, true},
		{"or under and (left)", and(or(a, b), c), `(a pr or b pr) and c pr`, true},
		{"or under and (right)", and(a, or(b, c)), `a pr and (b pr or c pr)`, true},
		{"and under or", or(and(a, b), and(c, d)), `a pr and b pr or c pr and d pr`, true},
		{"deep left mix", or(and(or(a, b), c), d), `(a pr or b pr) and c pr or d pr`, true},
		{"not of chain", not(or(a, b)), `not (a pr or b pr)`, true},
		{"value path with not", vp(attr("emails"), not(cmp(attr("type"), Eq, str("x")))), `emails[not (type eq "x")]`, true},
		{"escaping", cmp(attr("a"), Eq, str("\"\\\x01\x1f\u2028é")), `a eq "\"\\\u0001\u001f` + "\u2028é" + `"`, true},
		{"upper-case ops", &Logical{Op: "AND", Left: &Compare{Path: attr("a"), Op: "EQ", Value: num("1")}, Right: &Compare{Path: attr("b"), Op: "PR"}}, `a eq 1 and b pr`, false},
		{"invalid utf-8", cmp(attr("a"), Eq, str("x\xffy")), `a eq "x\ufffdy"`, false},
		{"nil", nil, ``, false},
		{"typed nil", (*Compare)(nil), ``, false},
		{"nil children", &Logical{Op: "and"}, ` and `, false},
		{"nil not", &Not{}, `not ()`, false},
		{"urn path", pr(urn(coreUser, "name", "givenName")), coreUser + `:name.givenName pr`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Format(tc.in); got != tc.want {
				t.Fatalf("Format = %q, want %q", got, tc.want)
			}
			if !tc.roundTrip {
				return
			}
			again, err := Parse(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, tc.in) {
				t.Errorf("re-parse = %s, want %s", dump(again), dump(tc.in))
			}
		})
	}
}

func TestAttrPathString(t *testing.T) {
	tests := []struct {
		in   AttrPath
		want string
	}{
		{attr("userName"), "userName"},
		{sub("name", "givenName"), "name.givenName"},
		{urn(oktaCustom, "departmentName", ""), oktaCustom + ":departmentName"},
		{urn(coreUser, "name", "givenName"), coreUser + ":name.givenName"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.in.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWalk(t *testing.T) {
	e, err := Parse(`a pr and not (b pr or emails[type eq "x"]) or c pr`)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	Walk(e, func(n Expr) bool {
		all = append(all, label(n))
		return true
	})
	want := []string{"or", "and", "a", "not", "or", "b", "emails[]", "type", "c"}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("pre-order = %v, want %v", all, want)
	}

	var pruned []string
	Walk(e, func(n Expr) bool {
		pruned = append(pruned, label(n))
		_, isNot := n.(*Not)
		return !isNot
	})
	want = []string{"or", "and", "a", "not", "c"}
	if !reflect.DeepEqual(pruned, want) {
		t.Errorf("pruned = %v, want %v", pruned, want)
	}

	calls := 0
	Walk(nil, func(Expr) bool { calls++; return true })
	Walk(&Logical{Op: "and", Left: (*Compare)(nil)}, func(Expr) bool { calls++; return true })
	if calls != 1 {
		t.Errorf("nil nodes: %d calls, want 1", calls)
	}
}

func TestValueKindString(t *testing.T) {
	for k, want := range map[ValueKind]string{String: "string", Number: "number", Bool: "bool", Null: "null", 9: "ValueKind(?)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

// label names a node briefly for TestWalk.
func label(n Expr) string {
	switch n := n.(type) {
	case *Compare:
		return n.Path.String()
	case *Logical:
		return n.Op
	case *Not:
		return "not"
	case *ValuePath:
		return n.Path.String() + "[]"
	}
	return "?"
}

// dump renders a tree for failure messages, showing structure that Format
// would hide (such as grouping of equal-precedence chains).
func dump(e Expr) string {
	switch e := e.(type) {
	case nil:
		return "nil"
	case *Compare:
		return "Compare{" + e.Path.String() + " " + string(e.Op) + " " + e.Value.Kind.String() + ":" + e.Value.Str + "}"
	case *Logical:
		return "(" + dump(e.Left) + " " + e.Op + " " + dump(e.Right) + ")"
	case *Not:
		return "Not{" + dump(e.X) + "}"
	case *ValuePath:
		return "ValuePath{" + e.Path.String() + " " + dump(e.Filter) + "}"
	}
	return "?"
}

// Typical filters from Okta's on-premises agent and Entra/Azure AD.
var benchFilters = []string{
	`userName eq "bjensen"`,
	`email eq "a@x.com" OR email eq "b@y.com"`,
	`id eq "102"`,
	`name.givenName eq "john"`,
	`urn:okta:onprem_app:1.0:user:custom:departmentName eq "Cloud Service"`,
	`meta.lastModified gt "2020-04-07T14:19:34Z"`,
	`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range benchFilters {
			if _, err := Parse(f); err != nil {
				b.Fatal(err)
			}
		}
	}
}
