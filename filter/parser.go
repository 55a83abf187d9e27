package filter

import (
	"fmt"
	"strings"
	"time"
)

// Limits bounds the work done on untrusted input. A zero (or negative)
// field means the corresponding field of DefaultLimits.
type Limits struct {
	// MaxLength is the maximum input length in bytes.
	MaxLength int
	// MaxDepth is the maximum nesting depth. Each parenthesised group,
	// each not(...) and each value-path bracket is one level; and/or chains
	// do not count, since they are handled without recursion.
	MaxDepth int
}

// DefaultLimits are the limits used by Parse and ParsePath.
var DefaultLimits = Limits{MaxLength: 4096, MaxDepth: 16}

func (l Limits) withDefaults() Limits {
	if l.MaxLength <= 0 {
		l.MaxLength = DefaultLimits.MaxLength
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	return l
}

// SyntaxError reports why and where a filter or path failed to parse. Its
// Error text starts with "invalid filter" for PATCH paths too, since a
// path's brackets hold a filter and callers map both to a SCIM 400.
type SyntaxError struct {
	Pos int    // 0-based byte offset in the input
	Msg string // what was expected and what was found
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid filter at position %d: %s", e.Pos, e.Msg)
}

// Parse parses a SCIM filter with DefaultLimits. Errors are *SyntaxError.
func Parse(s string) (Expr, error) {
	return ParseWithLimits(s, DefaultLimits)
}

// ParseWithLimits parses a SCIM filter with the given limits. Errors are
// *SyntaxError.
func ParseWithLimits(s string, l Limits) (Expr, error) {
	e, err := parseFilter(s, l.withDefaults())
	if err != nil {
		return nil, err // not a typed nil: err is non-nil here
	}
	return e, nil
}

func parseFilter(s string, l Limits) (Expr, *SyntaxError) {
	if len(s) > l.MaxLength {
		return nil, errorf(l.MaxLength, "filter longer than %d bytes", l.MaxLength)
	}
	p := &parser{lx: lexer{src: s}, maxDepth: l.MaxDepth}
	if err := p.advance(); err != nil {
		return nil, err
	}
	e, err := p.parseOr(0, false)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.unexpected(`expected "and", "or" or end of input`)
	}
	return e, nil
}

// ParsePath parses a SCIM PATCH operation path (RFC 7644 §3.5.2), such as
// `members`, `name.givenName`, `emails[type eq "work"].value` or
// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
// It applies DefaultLimits. Errors are *SyntaxError.
func ParsePath(s string) (Path, error) {
	p, err := parsePath(s, DefaultLimits)
	if err != nil {
		return Path{}, err
	}
	return p, nil
}

func parsePath(s string, l Limits) (Path, *SyntaxError) {
	var path Path
	if len(s) > l.MaxLength {
		return path, errorf(l.MaxLength, "path longer than %d bytes", l.MaxLength)
	}
	p := &parser{lx: lexer{src: s}, maxDepth: l.MaxDepth}
	if err := p.advance(); err != nil {
		return path, err
	}
	if p.tok.kind != tokWord || !isAlpha(p.tok.text[0]) {
		return path, p.unexpected("expected an attribute path")
	}
	attrTok := p.tok
	var err *SyntaxError
	if path.Attr, err = parseAttrPath(attrTok); err != nil {
		return path, err
	}
	if err := p.advance(); err != nil {
		return path, err
	}
	if p.tok.kind == tokLBrack && !p.tok.space {
		if path.Filter, err = p.parseBracket(0); err != nil {
			return path, err
		}
		// Only a value path may be followed by ".sub"; for a plain path the
		// sub-attribute is already part of the word.
		if t := p.tok; t.kind == tokWord && !t.space && t.text[0] == '.' {
			if err := checkName(t.text[1:], t.pos+1, t.text, "sub-attribute"); err != nil {
				return path, err
			}
			path.Sub = t.text[1:]
			if err := p.advance(); err != nil {
				return path, err
			}
		}
		if p.tok.kind != tokEOF {
			return path, p.unexpected(`expected "." and a sub-attribute name, or end of input, after "]"`)
		}
		return path, nil
	}
	if p.tok.kind != tokEOF {
		return path, p.unexpected(fmt.Sprintf(`expected "[" or end of input after %q`, truncate(attrTok.text)))
	}
	return path, nil
}

// parser is a recursive-descent parser with one token of lookahead.
// Recursion happens only for nested groups and is bounded by maxDepth.
type parser struct {
	lx       lexer
	tok      token // the current, not yet consumed, token
	maxDepth int
}

// advance consumes the current token and lexes the next one.
func (p *parser) advance() *SyntaxError {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// unexpected reports the current token as not matching what was expected.
func (p *parser) unexpected(expected string) *SyntaxError {
	return errorf(p.tok.pos, "%s, found %s", expected, p.tok.describe())
}

// enter checks that opening a group at depth+1 stays within the limit.
func (p *parser) enter(depth int) *SyntaxError {
	if depth+1 > p.maxDepth {
		return errorf(p.tok.pos, "nesting deeper than %d levels", p.maxDepth)
	}
	return nil
}

// parseOr parses andExp *(SP "or" SP andExp), building a left-deep tree in
// a loop. inBracket is set inside a value path's brackets, where another
// value path is not allowed.
func (p *parser) parseOr(depth int, inBracket bool) (Expr, *SyntaxError) {
	left, err := p.parseAnd(depth, inBracket)
	for err == nil {
		var ok bool
		if ok, err = p.keyword("or"); !ok || err != nil {
			break
		}
		var right Expr
		if right, err = p.parseAnd(depth, inBracket); err == nil {
			left = &Logical{Op: "or", Left: left, Right: right}
		}
	}
	return left, err
}

// parseAnd parses term *(SP "and" SP term).
func (p *parser) parseAnd(depth int, inBracket bool) (Expr, *SyntaxError) {
	left, err := p.parseTerm(depth, inBracket)
	for err == nil {
		var ok bool
		if ok, err = p.keyword("and"); !ok || err != nil {
			break
		}
		var right Expr
		if right, err = p.parseTerm(depth, inBracket); err == nil {
			left = &Logical{Op: "and", Left: left, Right: right}
		}
	}
	return left, err
}

// keyword consumes the logical operator kw (any case) if it is the current
// token, checking the whitespace the grammar requires on both sides.
func (p *parser) keyword(kw string) (bool, *SyntaxError) {
	t := p.tok
	if t.kind != tokWord || !strings.EqualFold(t.text, kw) {
		return false, nil
	}
	if !t.space {
		return false, errorf(t.pos, "expected whitespace before %q", t.text)
	}
	if err := p.advance(); err != nil {
		return false, err
	}
	// At end of input let parseTerm report the missing operand instead.
	if p.tok.kind != tokEOF && !p.tok.space {
		return false, p.unexpected(fmt.Sprintf("expected whitespace after %q", t.text))
	}
	return true, nil
}

// parseTerm parses a comparison, a value path, not(...) or (...).
func (p *parser) parseTerm(depth int, inBracket bool) (Expr, *SyntaxError) {
	switch t := p.tok; {
	case t.kind == tokLParen:
		return p.parseGroup(depth, inBracket)
	case t.kind == tokWord && strings.EqualFold(t.text, "not"):
		if err := p.enter(depth); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tokLParen {
			return nil, p.unexpected(fmt.Sprintf("expected \"(\" after %q", t.text))
		}
		// The parentheses belong to "not", so together they are one level.
		x, err := p.parseGroup(depth, inBracket)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case t.kind == tokWord && isAlpha(t.text[0]):
		return p.parseAttrExpr(depth, inBracket)
	}
	return nil, p.unexpected(`expected an attribute path, "not" or "("`)
}

// parseGroup parses "(" FILTER ")" at the current "(" token.
func (p *parser) parseGroup(depth int, inBracket bool) (Expr, *SyntaxError) {
	open := p.tok
	if err := p.enter(depth); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseOr(depth+1, inBracket)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokRParen {
		return nil, p.unexpected(fmt.Sprintf(`expected "and", "or" or ")" to close the "(" at position %d`, open.pos))
	}
	return x, p.advance()
}

// parseBracket parses "[" valFilter "]" at the current "[" token.
func (p *parser) parseBracket(depth int) (Expr, *SyntaxError) {
	open := p.tok
	if err := p.enter(depth); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseOr(depth+1, true)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokRBrack {
		return nil, p.unexpected(fmt.Sprintf(`expected "and", "or" or "]" to close the "[" at position %d`, open.pos))
	}
	return x, p.advance()
}

// parseAttrExpr parses attrPath followed by "[" valFilter "]", "pr", or an
// operator and a value.
func (p *parser) parseAttrExpr(depth int, inBracket bool) (Expr, *SyntaxError) {
	attrTok := p.tok
	path, err := parseAttrPath(attrTok)
	if err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}

	if p.tok.kind == tokLBrack && !p.tok.space {
		if inBracket {
			return nil, errorf(p.tok.pos, "unexpected \"[\" after %q: value filters cannot be nested", truncate(attrTok.text))
		}
		x, err := p.parseBracket(depth)
		if err != nil {
			return nil, err
		}
		if t := p.tok; t.kind == tokWord && !t.space && t.text[0] == '.' {
			return nil, errorf(t.pos, "unexpected %s after \"]\": a sub-attribute after a value filter is only allowed in PATCH paths", t.describe())
		}
		return &ValuePath{Path: path, Filter: x}, nil
	}

	opTok := p.tok
	op, ok := Op(""), false
	if opTok.kind == tokWord && opTok.space {
		op, ok = ops[strings.ToLower(opTok.text)]
	}
	if !ok {
		return nil, p.unexpected(fmt.Sprintf("expected a comparison operator after %q", truncate(attrTok.text)))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if op == Pr {
		// Catch `title pr "x"` here, where the reason is clear, rather than
		// later as a confusing "expected and/or".
		if t := p.tok; t.kind == tokString || t.kind == tokWord && looksLikeValue(t.text) {
			return nil, p.unexpected(fmt.Sprintf("expected no value after %q (it takes none)", opTok.text))
		}
		return &Compare{Path: path, Op: op}, nil
	}

	expectValue := fmt.Sprintf("expected a value (a JSON string, number, true, false or null) after %q", opTok.text)
	if p.tok.kind != tokEOF && !p.tok.space {
		return nil, p.unexpected(fmt.Sprintf("expected whitespace after %q", opTok.text))
	}
	v, err := p.value(expectValue)
	if err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return &Compare{Path: path, Op: op, Value: v}, nil
}

// value interprets the current token as a comparison value.
func (p *parser) value(expected string) (Value, *SyntaxError) {
	t := p.tok
	switch t.kind {
	case tokString:
		return Value{Kind: String, Str: t.str}, nil
	case tokWord:
		if c := t.text[0]; isDigit(c) || c == '-' || c == '+' || c == '.' {
			if isJSONNumber(t.text) {
				return Value{Kind: Number, Str: t.text}, nil
			}
			if isDateTime(t.text) {
				// Unquoted, as Microsoft's clients send meta.created gt 2015-10-10T14:38:21-07:00.
				return Value{Kind: String, Str: t.text}, nil
			}
			return Value{}, errorf(t.pos, "invalid number %q: expected a JSON number such as 12, -3.5 or 1e6", truncate(t.text))
		}
		switch strings.ToLower(t.text) {
		case "true":
			return Value{Kind: Bool, Bool: true}, nil
		case "false":
			return Value{Kind: Bool}, nil
		case "null":
			return Value{Kind: Null}, nil
		}
		// A bare word is read as the string it spells (userName sw O, emails.value co
		// example.com), as Microsoft's SCIM clients and test collection write them: the
		// lexer keeps words to letters, digits and _ - $ : . +, so nothing else can hide in one.
		return Value{Kind: String, Str: t.text}, nil
	}
	return Value{}, p.unexpected(expected)
}

// isDateTime reports whether s is an RFC 3339 date-time (any number of fractional
// digits, Z or an offset).
func isDateTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// looksLikeValue reports whether a word is a number or a value keyword.
func looksLikeValue(w string) bool {
	if c := w[0]; isDigit(c) || c == '-' || c == '+' || c == '.' {
		return true
	}
	switch strings.ToLower(w) {
	case "true", "false", "null":
		return true
	}
	return false
}

// isJSONNumber reports whether s matches the JSON number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	digits := func() bool {
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i > start
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// parseAttrPath validates a word token as [URN ":"] ATTRNAME ["." ATTRNAME].
// The caller has checked that the word starts with a letter.
func parseAttrPath(t token) (AttrPath, *SyntaxError) {
	var path AttrPath
	rest, restPos := t.text, t.pos
	if len(rest) >= 4 && strings.EqualFold(rest[:4], "urn:") {
		// URNs contain ":" and "." themselves (…:core:2.0:User), so the
		// attribute starts after the last colon.
		i := strings.LastIndexByte(rest, ':')
		if err := checkURN(rest[:i], t.pos, t.text); err != nil {
			return path, err
		}
		path.URN = rest[:i]
		rest, restPos = rest[i+1:], restPos+i+1
	}
	path.Attr = rest
	dot := strings.IndexByte(rest, '.')
	if dot >= 0 {
		path.Attr, path.Sub = rest[:dot], rest[dot+1:]
	}
	if err := checkName(path.Attr, restPos, t.text, "attribute"); err != nil {
		return path, err
	}
	if dot >= 0 {
		if err := checkName(path.Sub, restPos+dot+1, t.text, "sub-attribute"); err != nil {
			return path, err
		}
	}
	return path, nil
}

// checkURN validates the schema URN part of an attribute path: "urn" and
// one or more non-empty colon-separated segments of letters, digits, ".",
// "_" and "-".
func checkURN(urn string, pos int, word string) *SyntaxError {
	if len(urn) <= len("urn") {
		return errorf(pos, "invalid attribute path %q: expected a schema URN such as urn:ietf:params:scim:schemas:core:2.0:User before the attribute name", truncate(word))
	}
	prev := byte(':')
	for i := len("urn:"); i < len(urn); i++ {
		c := urn[i]
		switch {
		case c == ':' && prev == ':':
			return errorf(pos+i, "invalid attribute path %q: empty segment in schema URN", truncate(word))
		case c != ':' && !isAlpha(c) && !isDigit(c) && c != '.' && c != '_' && c != '-':
			return errorf(pos+i, "invalid attribute path %q: unexpected %q in schema URN", truncate(word), string(c))
		}
		prev = c
	}
	if prev == ':' { // "urn:a::attr" or "urn::attr": empty last segment
		return errorf(pos+len(urn), "invalid attribute path %q: empty segment in schema URN", truncate(word))
	}
	return nil
}

// checkName validates an ATTRNAME at byte offset pos; word is the whole
// path and what says "attribute" or "sub-attribute", for the message.
func checkName(name string, pos int, word, what string) *SyntaxError {
	if name == "" {
		return errorf(pos, "invalid attribute path %q: expected %s name, found nothing", truncate(word), what)
	}
	if !isAlpha(name[0]) {
		return errorf(pos, "invalid attribute path %q: expected %s name to start with a letter, found %q", truncate(word), what, string(name[0]))
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isAlpha(c) && !isDigit(c) && c != '_' && c != '-' && c != '$' {
			return errorf(pos+i, "invalid attribute path %q: unexpected %q in %s name", truncate(word), string(c), what)
		}
	}
	return nil
}
