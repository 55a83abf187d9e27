package filter

import (
	"strings"
	"unicode/utf8"
)

// Format renders e as canonical filter text: single spaces, lower-case
// operators and keywords, JSON-quoted strings, and parentheses only where
// precedence requires them. For any e returned by Parse, Parse(Format(e))
// returns a tree equal to e.
//
// Hand-built trees are rendered on a best-effort basis: nil nodes are
// skipped, and strings that are not valid UTF-8 have the bad bytes written
// as \ufffd.
func Format(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

// precedence ranks nodes by how tightly they bind: or < and < everything
// else, which is self-delimiting.
func precedence(e Expr) int {
	if l, ok := e.(*Logical); ok && l != nil {
		if strings.EqualFold(l.Op, "or") {
			return 1
		}
		return 2
	}
	return 3
}

func writeExpr(b *strings.Builder, e Expr) {
	if isNil(e) {
		return
	}
	switch e := e.(type) {
	case *Compare:
		b.WriteString(e.Path.String())
		b.WriteByte(' ')
		b.WriteString(strings.ToLower(string(e.Op)))
		if !strings.EqualFold(string(e.Op), string(Pr)) {
			b.WriteByte(' ')
			writeValue(b, e.Value)
		}
	case *Logical:
		writeLogical(b, e)
	case *Not:
		b.WriteString("not (")
		writeExpr(b, e.X)
		b.WriteByte(')')
	case *ValuePath:
		b.WriteString(e.Path.String())
		b.WriteByte('[')
		writeExpr(b, e.Filter)
		b.WriteByte(']')
	}
}

// writeLogical renders an and/or node. Parsed chains are left-deep and can
// be hundreds of nodes long, so instead of recursing into Left it first
// collects the left spine of nodes that need no parentheses, then writes
// the leftmost operand followed by each " op right" pair. Recursion then
// only happens for parenthesised right operands and not/value paths, whose
// nesting the parser bounds with MaxDepth.
func writeLogical(b *strings.Builder, e *Logical) {
	spine := []*Logical{e}
	for {
		top := spine[len(spine)-1]
		l, ok := top.Left.(*Logical)
		if !ok || l == nil || precedence(l) < precedence(top) {
			break
		}
		spine = append(spine, l)
	}
	bottom := spine[len(spine)-1]
	writeOperand(b, bottom.Left, precedence(bottom.Left) < precedence(bottom))
	for i := len(spine) - 1; i >= 0; i-- {
		n := spine[i]
		b.WriteByte(' ')
		b.WriteString(strings.ToLower(n.Op))
		b.WriteByte(' ')
		// Both operators are left-associative, so a right operand of equal
		// precedence needs parentheses to keep its grouping.
		writeOperand(b, n.Right, precedence(n.Right) <= precedence(n))
	}
}

func writeOperand(b *strings.Builder, e Expr, parens bool) {
	if parens {
		b.WriteByte('(')
	}
	writeExpr(b, e)
	if parens {
		b.WriteByte(')')
	}
}

func writeValue(b *strings.Builder, v Value) {
	switch v.Kind {
	case String:
		writeQuoted(b, v.Str)
	case Number:
		b.WriteString(v.Str)
	case Bool:
		if v.Bool {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		b.WriteString("null")
	}
}

// writeQuoted writes s as a JSON string literal. Only what JSON requires is
// escaped (quote, backslash, control characters); everything else,
// including non-ASCII, is written as is, which keeps the output readable
// and no longer than necessary.
func writeQuoted(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
		i++
	}
	b.WriteByte('"')
}
