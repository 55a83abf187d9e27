package filter

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// tokenKind classifies a token.
type tokenKind uint8

const (
	tokEOF     tokenKind = iota
	tokWord              // a run of word characters: attribute path, operator, keyword or number
	tokString            // a JSON string literal
	tokLParen            // (
	tokRParen            // )
	tokLBrack            // [
	tokRBrack            // ]
	tokIllegal           // any other single character (or invalid UTF-8 byte)
)

// token is one lexical unit. Text is a slice of the input, so lexing does
// not allocate except to unescape strings that contain escapes.
type token struct {
	kind  tokenKind
	pos   int    // byte offset of the token's first byte
	text  string // the token's source text
	str   string // tokString only: the unescaped value
	space bool   // whether whitespace precedes the token; the grammar requires it in places
}

// describe renders t for a "found ..." clause of an error message.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return "string " + truncate(t.text)
	}
	return strconv.Quote(truncate(t.text))
}

// truncate shortens s for error messages, cutting on a rune boundary, so
// that a 4 KB attribute name does not produce a 4 KB error.
func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// isWordChar reports whether c may appear in a word token. The set is the
// union of what attribute paths (letters, digits, "_", "-", "$", and ":" and
// "." for URNs and sub-attributes) and JSON numbers ("+", "-", ".") need;
// each consumer validates the word against its own, narrower, grammar so
// that errors can quote the whole word the user wrote.
func isWordChar(c byte) bool {
	return isAlpha(c) || isDigit(c) ||
		c == '_' || c == '-' || c == '$' || c == ':' || c == '.' || c == '+'
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// lexer splits the input into tokens on demand. It never backtracks, which
// keeps parsing linear in the input length.
type lexer struct {
	src string
	pos int
}

// next returns the next token, or a *SyntaxError for a malformed string.
func (lx *lexer) next() (token, *SyntaxError) {
	start := lx.pos
	for lx.pos < len(lx.src) && isSpace(lx.src[lx.pos]) {
		lx.pos++
	}
	t := token{pos: lx.pos, space: lx.pos > start}
	if lx.pos >= len(lx.src) {
		t.kind = tokEOF
		return t, nil
	}
	c := lx.src[lx.pos]
	switch {
	case c == '"':
		return lx.scanString(t)
	case isWordChar(c):
		t.kind = tokWord
		for lx.pos < len(lx.src) && isWordChar(lx.src[lx.pos]) {
			lx.pos++
		}
	case c == '(':
		t.kind = tokLParen
		lx.pos++
	case c == ')':
		t.kind = tokRParen
		lx.pos++
	case c == '[':
		t.kind = tokLBrack
		lx.pos++
	case c == ']':
		t.kind = tokRBrack
		lx.pos++
	default:
		// One whole rune, so the error message shows "é" rather than a
		// fragment of it; an invalid byte stays a single byte.
		t.kind = tokIllegal
		_, size := utf8.DecodeRuneInString(lx.src[lx.pos:])
		lx.pos += size
	}
	t.text = lx.src[t.pos:lx.pos]
	return t, nil
}

// scanString scans a JSON string literal (RFC 8259 §7) starting at the
// opening quote. It is strict: filters are matched against stored data, so
// silently "repairing" a bad string would match the wrong rows.
func (lx *lexer) scanString(t token) (token, *SyntaxError) {
	src := lx.src
	// buf collects the unescaped value; it stays nil while the literal has
	// no escapes, in which case the value is a slice of the input.
	var buf []byte
	i := t.pos + 1
	for i < len(src) {
		c := src[i]
		switch {
		case c == '"':
			t.kind = tokString
			t.text = src[t.pos : i+1]
			if buf == nil {
				t.str = src[t.pos+1 : i]
			} else {
				t.str = string(buf)
			}
			lx.pos = i + 1
			return t, nil
		case c == '\\':
			if buf == nil {
				buf = append(make([]byte, 0, len(src)-t.pos), src[t.pos+1:i]...)
			}
			var n int
			var err *SyntaxError
			buf, n, err = unescape(buf, src, i)
			if err != nil {
				return t, err
			}
			i += n
		case c < 0x20:
			return t, errorf(i, "invalid control character U+%04X in string: expected it to be escaped", c)
		case c < utf8.RuneSelf:
			if buf != nil {
				buf = append(buf, c)
			}
			i++
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && size == 1 {
				return t, errorf(i, "invalid UTF-8 byte %#02x in string", c)
			}
			if buf != nil {
				buf = append(buf, src[i:i+size]...)
			}
			i += size
		}
	}
	return t, errorf(t.pos, "unterminated string: expected a closing '\"', found end of input")
}

// unescape decodes the escape sequence at src[i] (a backslash), appends the
// result to buf and returns how many input bytes it consumed.
func unescape(buf []byte, src string, i int) ([]byte, int, *SyntaxError) {
	if i+1 >= len(src) {
		return buf, 0, errorf(i, "invalid escape in string: expected a character after '\\', found end of input")
	}
	switch c := src[i+1]; c {
	case '"', '\\', '/':
		return append(buf, c), 2, nil
	case 'b':
		return append(buf, '\b'), 2, nil
	case 'f':
		return append(buf, '\f'), 2, nil
	case 'n':
		return append(buf, '\n'), 2, nil
	case 'r':
		return append(buf, '\r'), 2, nil
	case 't':
		return append(buf, '\t'), 2, nil
	case 'u':
		r, ok := hex4(src, i+2)
		if !ok {
			return buf, 0, errorf(i, "invalid escape %s in string: expected 4 hex digits after \\u", quoteEscape(src, i, 6))
		}
		switch {
		case utf16.IsSurrogate(r) && r < 0xDC00:
			// A high surrogate must be followed by an escaped low one;
			// together they encode a rune outside the BMP.
			if i+7 < len(src) && src[i+6] == '\\' && src[i+7] == 'u' {
				if lo, ok := hex4(src, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					return utf8.AppendRune(buf, utf16.DecodeRune(r, lo)), 12, nil
				}
			}
			return buf, 0, errorf(i, "invalid escape %s in string: expected a low surrogate \\uDC00-\\uDFFF to follow", src[i:i+6])
		case utf16.IsSurrogate(r):
			return buf, 0, errorf(i, "invalid escape %s in string: unpaired low surrogate", src[i:i+6])
		}
		return utf8.AppendRune(buf, r), 6, nil
	}
	return buf, 0, errorf(i, "invalid escape %s in string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", quoteEscape(src, i, 2))
}

// hex4 decodes the four hex digits at src[i:i+4].
func hex4(src string, i int) (rune, bool) {
	if i+4 > len(src) {
		return 0, false
	}
	var r rune
	for j := i; j < i+4; j++ {
		c := src[j]
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			d = (c | 0x20) - 'a' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// quoteEscape renders up to n bytes of a bad escape sequence at src[i] for
// an error message: as is when it is plain printable ASCII (the common case,
// e.g. \x), Go-quoted when it holds control bytes or a partial rune.
func quoteEscape(src string, i, n int) string {
	s := src[i:min(i+n, len(src))]
	for j := 0; j < len(s); j++ {
		if s[j] <= ' ' || s[j] >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

// errorf builds a *SyntaxError at byte offset pos.
func errorf(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
