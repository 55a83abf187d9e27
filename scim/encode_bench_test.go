package scim

import (
	"os"
	"testing"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
)

// BenchmarkEncodeUser11 is the answer to GET /Users/{id} for a user of the employees
// example, from the engine's User to the bytes written.
func BenchmarkEncodeUser11(b *testing.B) {
	text, err := os.ReadFile("../examples/mysql-employees/mapping.yaml")
	if err != nil {
		b.Fatal(err)
	}
	m, err := mappings.Load(text, "mapping.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		b.Fatal(err)
	}
	c := &Codec{M: m}
	const urn = "urn:okta:onprem_mysql_app:1.0:user:custom"
	u := &engine.User{ID: "10001", Values: map[string]any{
		"userName": "FacelloGeorgi@mysql-db.org", "active": true, "name.givenName": "Georgi", "name.familyName": "Facello",
		"emails.work": "FacelloGeorgi@mysql-db.org", urn + ":birth_date": "1953-09-02", urn + ":gender": "M", urn + ":hire_date": "1986-06-26",
	}}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out, err := c.EncodeUser11(u).AppendJSON(buf[:0])
		if err != nil || len(out) < 300 {
			b.Fatalf("%v %s", err, out)
		}
	}
}
