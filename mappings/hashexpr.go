package mappings

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// HashExpr is a password scheme an application invented, composed of digests and
// concatenation: sha1(salt + sha1(password)) is Redmine's. Each digest is written as
// lower-case hex, as the applications that use such schemes store them.
type HashExpr struct {
	Text     string
	root     hashNode
	UsesSalt bool
}

// HashFuncs are the digests a composed scheme may call.
var HashFuncs = []string{"md5", "sha1", "sha256", "sha512"}

type hashNode interface {
	eval(password, salt string) string
}

type hashLit string
type hashVar string // password or salt
type hashCat []hashNode
type hashCall struct {
	fn  string
	arg hashNode
}

func (l hashLit) eval(string, string) string { return string(l) }
func (v hashVar) eval(pw, salt string) string {
	if v == "salt" {
		return salt
	}
	return pw
}
func (c hashCat) eval(pw, salt string) string {
	var sb strings.Builder
	for _, n := range c {
		sb.WriteString(n.eval(pw, salt))
	}
	return sb.String()
}
func (c hashCall) eval(pw, salt string) string {
	var h hash.Hash
	switch c.fn {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	default:
		h = sha512.New()
	}
	h.Write([]byte(c.arg.eval(pw, salt)))
	return hex.EncodeToString(h.Sum(nil))
}

// Hash computes the stored form of password with salt.
func (x *HashExpr) Hash(password, salt string) (string, error) {
	if p, ok := x.root.(hashPBKDF2); ok {
		return p.derive(password, salt)
	}
	return x.root.eval(password, salt), nil
}

// ParseHashExpr parses a composed scheme: terms joined by +, where a term is password,
// salt, a quoted text ('...' or "...") or a digest of an expression: sha1(...).
func ParseHashExpr(s string) (*HashExpr, error) {
	p := &hashParser{s: s}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, fmt.Errorf("unexpected %q at position %d", p.s[p.i:], p.i+1)
	}
	x := &HashExpr{Text: s, root: n, UsesSalt: p.salt}
	if !p.password {
		return nil, fmt.Errorf("the scheme never uses password")
	}
	return x, nil
}

type hashParser struct {
	s              string
	i              int
	salt, password bool
}

func (p *hashParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *hashParser) expr() (hashNode, error) {
	var parts hashCat
	for {
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		parts = append(parts, t)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '+' {
			p.i++
			continue
		}
		break
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return parts, nil
}

func (p *hashParser) term() (hashNode, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("expected a term at the end")
	}
	if q := p.s[p.i]; q == '\'' || q == '"' {
		j := strings.IndexByte(p.s[p.i+1:], q)
		if j < 0 {
			return nil, fmt.Errorf("unterminated text at position %d", p.i+1)
		}
		lit := p.s[p.i+1 : p.i+1+j]
		p.i += j + 2
		return hashLit(lit), nil
	}
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= '0' && p.s[p.i] <= '9') {
		p.i++
	}
	word := p.s[start:p.i]
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		if !contains(HashFuncs, word) {
			return nil, fmt.Errorf("unknown function %q (known: %s)", word, strings.Join(HashFuncs, ", "))
		}
		p.i++
		arg, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, fmt.Errorf("expected ) at position %d", p.i+1)
		}
		p.i++
		return hashCall{fn: word, arg: arg}, nil
	}
	switch word {
	case "password":
		p.password = true
		return hashVar(word), nil
	case "salt":
		p.salt = true
		return hashVar(word), nil
	case "":
		return nil, fmt.Errorf("expected password, salt, a quoted text or a function at position %d", start+1)
	}
	return nil, fmt.Errorf("unknown term %q (password, salt, a quoted text, or %s(...))", word, strings.Join(HashFuncs, ", "))
}

// PBKDF2Algorithms are the HMAC digests a PBKDF2 scheme may use.
var PBKDF2Algorithms = []string{"sha1", "sha256", "sha512"}

// NewPBKDF2 is the PBKDF2 scheme (RFC 8018) of users.attributes.password.hash.pbkdf2:
// the derived key of the password with the salt column's text, HMAC-alg, iterations
// rounds, keyLength bytes, stored as hex or base64 (standard, padded).
func NewPBKDF2(alg string, iterations, keyLength int, encoding string) *HashExpr {
	n := hashPBKDF2{alg: alg, iterations: iterations, keyLength: keyLength, base64: encoding == "base64"}
	return &HashExpr{Text: fmt.Sprintf("pbkdf2(%s, %d iterations, %d bytes, %s)", alg, iterations, keyLength, encoding), root: n, UsesSalt: true}
}

type hashPBKDF2 struct {
	alg                   string
	iterations, keyLength int
	base64                bool
}

// eval is never reached: a PBKDF2 scheme is a whole scheme (Hash calls derive).
func (p hashPBKDF2) eval(pw, salt string) string { s, _ := p.derive(pw, salt); return s }

// derive fails only where a FIPS 140 mode refuses the parameters.
func (p hashPBKDF2) derive(pw, salt string) (string, error) {
	h := map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}[p.alg]
	key, err := pbkdf2.Key(h, pw, []byte(salt), p.iterations, p.keyLength)
	if err != nil {
		return "", fmt.Errorf("pbkdf2: %w", err)
	}
	if p.base64 {
		return base64.StdEncoding.EncodeToString(key), nil
	}
	return hex.EncodeToString(key), nil
}
