package engine

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
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
		prefix := map[string]string{"bcrypt": "$2a$", "wordpress": "$wp$2a$", "phpass": "$P$B", "argon2id": "$argon2id$v=19$m=65536,t=4,p=1$"}[name]
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
