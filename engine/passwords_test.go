package engine

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/scimsql/scimsql/mappings"
)

// Hashes written by the applications themselves check, and what scimsql writes checks the
// way those applications check it.
func TestPasswordSchemes(t *testing.T) {
	for _, c := range []struct {
		scheme, stored, pw string
	}{
		// WordPress 6.8's wp_hash_password (a published vector, checked against a live
		// wp_check_password).
		{"wordpress", "$wp$2y$12$iWN5xRwDE7i9R5jVJvCyqOxS1CNnwUggQaF8O2W9Bg8TuXQz.ngrS", "grimoire-test-123"},
		// phpass's own test vector (test.php of phpass 0.3), which WordPress before 6.8 wrote.
		{"phpass", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345"},
		// Argon2id of "password" with salt "some salt", m=32768, t=16, p=2, as argon2-cffi
		// (the reference C implementation) computes it.
		{"argon2id", "$argon2id$v=19$m=32768,t=16,p=2$c29tZSBzYWx0$FX8h3T/fe6+3bSkjzK/6C3vny645RwlHTSvGbuewnT4", "password"},
		// WordPress 6.8 still accepts the phpass hashes of older versions.
		{"wordpress", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345"},
		// The test vectors of the SHA-crypt specification (Drepper, "Unix crypt using
		// SHA-256 and SHA-512"), default and explicit rounds, as glibc's crypt(3) computes
		// them (through Python's crypt module).
		{"sha512-crypt", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "Hello world!"},
		{"sha512-crypt", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.", "Hello world!"},
		{"sha256-crypt", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!"},
		{"sha256-crypt", "$5$rounds=12000$abcdefgh$C2cagteHkufjTowwMfiqiZdyMCGwc1UfteQf5TO2A58", "Okta pass 1"},
		// Django's format, computed with Python's hashlib.pbkdf2_hmac (1000 iterations).
		{"django", "pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A=", "lètmein"},
	} {
		sc := passwordSchemes[c.scheme]
		if !sc.verify(c.stored, c.pw) {
			t.Errorf("%s: %s does not check for %q", c.scheme, c.stored, c.pw)
		}
		if sc.verify(c.stored, c.pw+"x") {
			t.Errorf("%s: %s checks for a wrong password", c.scheme, c.stored)
		}
	}
	for name, sc := range passwordSchemes {
		h, err := sc.hash("Secret pass 1", bcrypt.MinCost)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(h, "Secret") || !sc.verify(h, "Secret pass 1") || sc.verify(h, "Secret pass 2") {
			t.Errorf("%s: %q does not check as it should", name, h)
		}
		h2, _ := sc.hash("Secret pass 1", bcrypt.MinCost)
		if h2 == h {
			t.Errorf("%s: the same password hashed twice gave the same hash (no salt)", name)
		}
		prefix := map[string]string{"bcrypt": "$2a$", "wordpress": "$wp$2a$", "phpass": "$P$B", "argon2id": "$argon2id$v=19$m=65536,t=4,p=1$",
			"sha512-crypt": "$6$", "sha256-crypt": "$5$", "django": "pbkdf2_sha256$1000000$"}[name]
		if !strings.HasPrefix(h, prefix) {
			t.Errorf("%s: %q does not start %q, the form the application reads", name, h, prefix)
		}
	}
	// What WordPress's check does with a $wp$ hash: bcrypt over the HMAC of the password.
	h, _ := passwordSchemes["wordpress"].hash("okta", bcrypt.MinCost)
	if bcrypt.CompareHashAndPassword([]byte(strings.TrimPrefix(h, "$wp")), wpPrehash("okta")) != nil {
		t.Errorf("%q is not $wp + bcrypt(base64(HMAC-SHA384))", h)
	}
	// A stored Argon2id hash cannot ask for more memory than a check may take.
	if argon2idVerify("$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "password") {
		t.Error("an Argon2id hash with 4 TiB of memory checked")
	}
}

// PBKDF2 with the mapping's parameters (hash: {pbkdf2: ...}) is RFC 8018's, as Python's
// hashlib.pbkdf2_hmac computes it, in both encodings.
func TestPBKDF2Scheme(t *testing.T) {
	for _, c := range []struct {
		alg, enc string
		keyLen   int
		want     string
	}{
		{"sha256", "hex", 32, "fcd1e9f30d6c732e41ce2903c7069540734947982e7542785d83c217ea97a56f"},
		{"sha512", "base64", 64, "cb571aKxzfzfBdw92fCvQZJrZH+GnJVW5OYONbUVHMjiP1Co/f5gejE2DCrZhqnPjRQhzFf0RE21RzDThy9b1Q=="},
	} {
		got, err := mappings.NewPBKDF2(c.alg, 1000, c.keyLen, c.enc).Hash("okta", "0a1b2c3d")
		if err != nil || got != c.want {
			t.Errorf("pbkdf2 %s %s: %q %v, want %q", c.alg, c.enc, got, err, c.want)
		}
	}
}
