package dialects

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
)

// QuoteParts quotes each dot-separated part of ident between open and close, doubling
// any close character inside a part so a name can never end the quoting early.
func QuoteParts(ident string, open, close byte) string {
	if strings.IndexByte(ident, '.') < 0 && strings.IndexByte(ident, close) < 0 {
		// The common case, a bare name: one allocation, no split. Statements quote
		// their columns on every write.
		b := make([]byte, 0, len(ident)+2)
		b = append(append(append(b, open), ident...), close)
		return string(b)
	}
	parts := strings.Split(ident, ".")
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteByte(open)
		b.WriteString(strings.ReplaceAll(p, string(close), string([]byte{close, close})))
		b.WriteByte(close)
	}
	return b.String()
}

// IsNetwork reports whether err comes from the network rather than the database: a refused
// or reset connection, a DNS failure, a dial timeout, or a connection closed under a
// statement (pgx reports that as io.ErrUnexpectedEOF). Every dialect treats these as
// Unavailable.
func IsNetwork(err error) bool {
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "connection reset") || strings.Contains(s, "bad connection") ||
		strings.Contains(s, "no such host")
}
