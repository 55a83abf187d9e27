// Package filter parses SCIM filter expressions (RFC 7644 §3.4.2.2, and
// the SCIM 1.1 dialect Okta's provisioning agent sends) and SCIM PATCH
// paths (RFC 7644 §3.5.2) into a small AST.
//
// The package deliberately knows nothing about SQL, schemas or storage: it
// only turns text into [Expr] values and back ([Parse], [ParsePath],
// [Format] and the String methods of the nodes). Semantic checks such as "is
// gt meaningful for a boolean attribute" or "does this attribute exist"
// belong to the caller, which has the schema.
//
// # Grammar
//
// The accepted language, in the notation of RFC 7644:
//
//	FILTER    = orExp
//	orExp     = andExp *(SP "or" SP andExp)
//	andExp    = term *(SP "and" SP term)
//	term      = attrExp / valuePath / "not" [SP] "(" FILTER ")" / "(" FILTER ")"
//	attrExp   = attrPath SP "pr" / attrPath SP compareOp SP compValue
//	valuePath = attrPath "[" valFilter "]"   ; valFilter: a FILTER without valuePaths
//	compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
//	compValue = "false" / "null" / "true" / number / string  ; JSON (RFC 8259)
//	attrPath  = [URN ":"] ATTRNAME ["." ATTRNAME]
//	ATTRNAME  = ALPHA *(ALPHA / DIGIT / "_" / "-" / "$")
//
//	PATCH path = attrPath / valuePath ["." ATTRNAME]
//
// Details that the RFC leaves open, and how this package settles them:
//
//   - Operators and the keywords and, or, not, true, false and null are
//     case-insensitive, because Okta sends "OR" and "Or". The AST always
//     holds them in lower case. Attribute names and URNs are kept exactly as
//     written; SCIM attribute names are case-insensitive, so matching them
//     is the caller's job.
//   - "and" binds tighter than "or"; both are left-associative, so
//     "a or b or c" parses as ((a or b) or c).
//   - Where the grammar says SP, one or more spaces or tabs are required;
//     elsewhere (around parentheses and brackets, and at both ends of the
//     input) any amount of space or tab is allowed. No other character is
//     whitespace. Nothing is URL-decoded: the HTTP layer has already
//     turned "+" and "%20" into spaces by the time a filter gets here.
//   - "not" must be followed by a parenthesised group, with or without a
//     space in between. Consequently "not" at the start of a term is always
//     the operator, never an attribute named "not".
//   - An attribute path that starts with "urn:" (any case) is
//     schema-qualified: everything before its last colon is the schema URN
//     and the rest is attr[.sub]. URNs contain dots and digits
//     ("urn:ietf:params:scim:schemas:core:2.0:User"), which is why the split
//     is at the last colon rather than at the first dot.
//   - Value paths cannot be nested: "emails[type[...]]" is rejected. Inside
//     the brackets attribute paths are relative to the multi-valued
//     attribute ("type", not "emails.type").
//   - A sub-attribute after "]" ("emails[type eq \"work\"].value") is only
//     valid in PATCH paths ([ParsePath]), not in filters.
//   - Strings must be valid JSON strings: every JSON escape including
//     surrogate pairs is decoded; unpaired surrogates, unknown escapes, raw
//     control characters and invalid UTF-8 are errors. Numbers must be JSON
//     numbers and are kept as written so no precision is lost.
//
// # Limits
//
// Filters arrive from the network, so parsing is bounded by [Limits]. Input
// longer than MaxLength bytes is rejected before it is looked at. Depth
// counts nested groups: every parenthesised group, every not(...) and every
// value-path bracket adds one level, and more than MaxDepth levels is an
// error. Chains of and/or do not add depth: the parser builds them in a
// loop, and [Format] and [Walk] traverse them without recursing, so the
// recursion depth of this package is bounded by MaxDepth alone. Parsing
// runs in time linear in the input length.
//
// # Errors
//
// All parse errors are *[SyntaxError] values carrying the 0-based byte
// offset of the problem and a message that says what was expected and what
// was found, suitable for returning to SCIM clients as an invalidFilter or
// invalidPath error detail.
package filter
