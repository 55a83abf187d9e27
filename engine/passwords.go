package engine

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/GehirnInc/crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// A passwordScheme is a stored password format an application checks by itself: scimsql
// writes the form the application accepts, and reads the stored one back only to tell
// whether a push carries the password already stored (Okta sends it with every profile
// push), so that such a push writes nothing.
type passwordScheme struct {
	hash   func(pw string, cost int) (string, error)
	verify func(stored, pw string) bool
}

// passwordSchemes are the built-in users.attributes.password.hash values besides plain,
// template and compose. The loader lists the same names (mappings.PasswordSchemes).
var passwordSchemes = map[string]passwordScheme{
	"bcrypt": {
		hash: func(pw string, cost int) (string, error) {
			h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
			return string(h), err
		},
		verify: func(stored, pw string) bool { return bcrypt.CompareHashAndPassword([]byte(stored), []byte(pw)) == nil },
	},
	// WordPress 6.8 and later (wp_hash_password): "$wp" and bcrypt over the base64 of
	// HMAC-SHA384 of the trimmed password, keyed "wp-sha384". Its check also accepts the
	// phpass hashes of older versions, so a stored one that still matches is kept.
	"wordpress": {
		hash: func(pw string, cost int) (string, error) {
			h, err := bcrypt.GenerateFromPassword(wpPrehash(strings.TrimSpace(pw)), cost)
			return "$wp" + string(h), err
		},
		verify: func(stored, pw string) bool {
			if rest, ok := strings.CutPrefix(stored, "$wp"); ok {
				return bcrypt.CompareHashAndPassword([]byte(rest), wpPrehash(pw)) == nil
			}
			return phpassVerify(stored, pw)
		},
	},
	// phpass portable hashes ($P$, 2^13 MD5 rounds), as WordPress before 6.8, phpBB 3
	// and Drupal 7's imported users check them.
	"phpass": {
		hash:   func(pw string, _ int) (string, error) { return phpassHash(pw, randomBytes(6)), nil },
		verify: phpassVerify,
	},
	// Argon2id in the PHC string form PHP's password_hash(PASSWORD_ARGON2ID) writes and
	// password_verify, Keycloak and libsodium read; PHP's default cost (64 MiB, 4 passes).
	"argon2id": {
		hash: func(pw string, _ int) (string, error) {
			return argon2idHash(pw, randomBytes(16), 65536, 4, 1), nil
		},
		verify: argon2idVerify,
	},
	// SHA-crypt ($6$ and $5$, glibc's crypt(3) since 2.7): what /etc/shadow, Dovecot,
	// Postfix admin and many LDAP imports store; written with glibc's default 5000 rounds and
	// a 16-character salt; a stored hash with any rounds is checked.
	"sha512-crypt": cryptScheme("$6$", sha512_crypt.New),
	"sha256-crypt": cryptScheme("$5$", sha256_crypt.New),
	// Django's default hasher: pbkdf2_sha256$<iterations>$<salt>$<base64 key>, with
	// Django 5.2's 1,000,000 iterations and a 22-character salt; a stored hash with any
	// iteration count is checked.
	"django": {
		hash: func(pw string, _ int) (string, error) {
			return djangoHash(pw, djangoSalt(), 1_000_000)
		},
		verify: djangoVerify,
	},
}

// cryptScheme is a crypt(3) format (magic $6$ or $5$) computed by GehirnInc/crypt. The
// setting a stored hash was made with (rounds, salt) is read here: the library's own
// Verify takes 16 characters of salt after rounds=, so it rejects a correct hash whose
// salt is shorter ("$5$rounds=12000$abcdefgh$..."), which glibc writes.
func cryptScheme(magic string, newCrypter func() crypt.Crypter) passwordScheme {
	return passwordScheme{
		hash: func(pw string, _ int) (string, error) { return newCrypter().Generate([]byte(pw), nil) },
		verify: func(stored, pw string) bool {
			setting, ok := cryptSetting(stored, magic)
			if !ok {
				return false
			}
			h, err := newCrypter().Generate([]byte(pw), []byte(setting))
			return err == nil && subtle.ConstantTimeCompare([]byte(h), []byte(stored)) == 1
		},
	}
}

// cryptSetting is the part of a SHA-crypt hash that says how it was made: the magic, an
// optional rounds=N$ and the salt (up to 16 characters, never a $).
func cryptSetting(stored, magic string) (string, bool) {
	rest, ok := strings.CutPrefix(stored, magic)
	if !ok {
		return "", false
	}
	setting := magic
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		n, tail, ok := strings.Cut(r, "$")
		if rounds, err := strconv.Atoi(n); !ok || err != nil || rounds < 1 || rounds > 999_999_999 {
			return "", false
		}
		setting, rest = setting+"rounds="+n+"$", tail
	}
	salt, _, ok := strings.Cut(rest, "$")
	if !ok || len(salt) > 16 {
		return "", false
	}
	return setting + salt, true
}

const djangoAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// djangoSalt is Django's get_random_string(22): letters and digits, uniformly.
func djangoSalt() string {
	b := randomBytes(22)
	for i := range b {
		// 62 letters: a byte below 248 (4 × 62) maps uniformly; above, draw again.
		for b[i] >= 248 {
			b[i] = randomBytes(1)[0]
		}
		b[i] = djangoAlphabet[int(b[i])%len(djangoAlphabet)]
	}
	return string(b)
}

func djangoHash(pw, salt string, iterations int) (string, error) {
	key, err := pbkdf2.Key(sha256.New, pw, []byte(salt), iterations, 32)
	if err != nil {
		return "", err
	}
	return "pbkdf2_sha256$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key), nil
}

func djangoVerify(stored, pw string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2_sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 100_000_000 {
		return false
	}
	h, err := djangoHash(pw, parts[2], iter)
	return err == nil && subtle.ConstantTimeCompare([]byte(h), []byte(stored)) == 1
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// wpPrehash is what WordPress 6.8 gives bcrypt: base64(HMAC-SHA384("wp-sha384", pw)).
func wpPrehash(pw string) []byte {
	m := hmac.New(sha512.New384, []byte("wp-sha384"))
	m.Write([]byte(pw))
	return []byte(base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

// itoa64 is phpass's base-64 alphabet.
const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// phpassHash is phpass's portable hash of pw with the first 8 characters of salt's
// encoding and 2^13 rounds, as WordPress's PasswordHash(8, true) writes it.
func phpassHash(pw string, salt []byte) string {
	return phpassCrypt(pw, "$P$"+string(itoa64[13])+phpassEncode(salt)[:8])
}

// phpassCrypt hashes pw with the setting (the first 12 characters of a stored hash); ""
// for a setting that is not phpass's.
func phpassCrypt(pw, setting string) string {
	if len(setting) < 12 || setting[:3] != "$P$" && setting[:3] != "$H$" {
		return ""
	}
	log2 := strings.IndexByte(itoa64, setting[3])
	if log2 < 7 || log2 > 30 {
		return ""
	}
	salt := setting[4:12]
	h := md5.Sum([]byte(salt + pw))
	for range 1 << log2 {
		h = md5.Sum(append(h[:], pw...))
	}
	return setting[:12] + phpassEncode(h[:])
}

func phpassVerify(stored, pw string) bool {
	got := phpassCrypt(pw, stored)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(stored)) == 1
}

// phpassEncode is phpass's encode64: little-endian groups of three bytes, six bits a
// character.
func phpassEncode(in []byte) string {
	var out strings.Builder
	for i := 0; i < len(in); {
		v := int(in[i])
		i++
		out.WriteByte(itoa64[v&0x3f])
		if i < len(in) {
			v |= int(in[i]) << 8
		}
		out.WriteByte(itoa64[(v>>6)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		if i < len(in) {
			v |= int(in[i]) << 16
		}
		out.WriteByte(itoa64[(v>>12)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		out.WriteByte(itoa64[(v>>18)&0x3f])
	}
	return out.String()
}

var b64 = base64.RawStdEncoding

func argon2idHash(pw string, salt []byte, memory uint32, time uint32, threads uint8) string {
	key := argon2.IDKey([]byte(pw), salt, time, memory, threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, time, threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// argon2idVerify checks pw against a PHC string, with the parameters it holds (bounded,
// so that a stored hash cannot make one check take the process's memory).
func argon2idVerify(stored, pw string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 64 || p == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
