package mysql

import "testing"

func TestMariaDBReturns(t *testing.T) {
	for v, want := range map[string]bool{
		"10.11.19-MariaDB-0+deb12u1": true,
		"10.5.0-MariaDB":             true,
		"11.4.2-MariaDB-ubu2404":     true,
		"10.4.34-MariaDB":            false,
		"5.5.5-10.11.6-MariaDB":      false, // the old replication prefix: leave it alone
		"8.0.36":                     false,
		"8.4.0-0ubuntu0.24.04.1":     false,
		"":                           false,
	} {
		if got := mariaDBReturns(v); got != want {
			t.Errorf("mariaDBReturns(%q) = %v, want %v", v, got, want)
		}
	}
}
