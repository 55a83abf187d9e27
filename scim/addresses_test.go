package scim

import (
	"errors"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/engine"
	"github.com/scimsql/scimsql/mappings"
)

const addressMapping = `
version: 1
app: {name: t}
database: {driver: sqlite, dsn: x.db}
server: {auth: {type: none}}
users:
  table: users
  id: id
  attributes:
    userName: user_name
    ims.xmpp: xmpp
    addresses.work.streetAddress: work_street
    addresses.work.locality: {column: work_city, primary: true}
    addresses.home.locality: home_city
  roles: {table: user_roles, user: user_id, value: role_id}
  extensions:
    urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:
      manager.value: manager_id
  operations: auto
`

func addressCodec(t *testing.T) *Codec {
	t.Helper()
	m, err := mappings.Load([]byte(addressMapping), "t.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return &Codec{M: m}
}

// Addresses go to the binding of their type, then the primary one to the primary type,
// then in order; parts a type does not bind are dropped; a list replaces every binding.
func TestAddresses(t *testing.T) {
	c := addressCodec(t)
	u, err := c.DecodeUser(doc(t, `{"userName": "a", "addresses": [
		{"type": "other", "locality": "Leipzig", "primary": true},
		{"Type": "WORK", "StreetAddress": "1 Main St", "locality": "Berlin", "country": "DE"}],
		"ims": [{"type": "xmpp", "value": "a@jabber"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"userName": "a", "ims.xmpp": "a@jabber", "addresses.work.streetAddress": "1 Main St",
		"addresses.work.locality": "Berlin", "addresses.home.locality": "Leipzig"}
	for k, v := range want {
		if u.Values[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, u.Values[k], v, u.Values)
		}
	}
	out := ToMap(c.EncodeUser2(u, "http://x/v2"))
	addrs := out["addresses"].([]any)
	if len(addrs) != 2 {
		t.Fatalf("addresses: %v", addrs)
	}
	work, home := addrs[0].(map[string]any), addrs[1].(map[string]any)
	if work["type"] != "work" || work["primary"] != true || work["locality"] != "Berlin" || work["streetAddress"] != "1 Main St" ||
		home["type"] != "home" || home["primary"] != false || home["locality"] != "Leipzig" {
		t.Errorf("encoded: %v", addrs)
	}
	// A present, empty list clears every part; an absent one leaves them.
	u, _ = c.DecodeUser(doc(t, `{"userName": "a", "addresses": []}`))
	if v, ok := u.Values["addresses.work.locality"]; !ok || v != nil {
		t.Errorf("addresses: [] left work.locality %v (present %v)", v, ok)
	}
	u, _ = c.DecodeUser(doc(t, `{"userName": "a"}`))
	if _, ok := u.Values["addresses.work.locality"]; ok {
		t.Errorf("no addresses in the body wrote them")
	}
	if _, err := c.DecodeUser(doc(t, `{"userName": "a", "addresses": {"locality": "x"}}`)); !errors.Is(err, engine.ErrInvalidValue) {
		t.Errorf("addresses as an object: %v", err)
	}
	// A PATCH by value path changes one part; one the user lacks creates the address.
	cur := &engine.User{ID: "1", Values: map[string]any{"userName": "a", "addresses.work.locality": "Berlin"}}
	m := ToMap(c.EncodeUser2(cur, "http://x/v2"))
	ops, err := DecodePatch(doc(t, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
		{"op": "replace", "path": "addresses[type eq \"work\"].locality", "value": "Hamburg"},
		{"op": "add", "path": "addresses[type eq \"home\"].locality", "value": "Kiel"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyPatch(m, ops, User2); err != nil {
		t.Fatal(err)
	}
	u, err = c.DecodeUserReplace(m)
	if err != nil {
		t.Fatal(err)
	}
	if u.Values["addresses.work.locality"] != "Hamburg" || u.Values["addresses.home.locality"] != "Kiel" || u.Values["addresses.work.streetAddress"] != nil {
		t.Errorf("after PATCH: %v", u.Values)
	}
}

// The enterprise manager arrives as an object, as Entra's bare id, flat, or null.
func TestManagerForms(t *testing.T) {
	c := addressCodec(t)
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	for body, want := range map[string]any{
		`{"userName": "a", "` + ent + `": {"manager": {"value": "m1"}}}`: "m1",
		`{"userName": "a", "` + ent + `": {"Manager": {"Value": "m2"}}}`: "m2",
		`{"userName": "a", "` + ent + `": {"manager": "m3"}}`:            "m3",
		`{"userName": "a", "` + ent + `": {"manager.value": "m4"}}`:      "m4",
		`{"userName": "a", "` + ent + `": {"manager": null}}`:            nil,
	} {
		u, err := c.DecodeUser(doc(t, body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if v, ok := u.Values[ent+":manager.value"]; !ok || v != want {
			t.Errorf("%s: manager %v (present %v), want %v", body, v, ok, want)
		}
	}
}

// Roles read from a join table are read-only: a PATCH of them is a 400 mutability,
// whatever its form, instead of a 200 that stored nothing.
func TestReadOnlyRolesPatch(t *testing.T) {
	c := addressCodec(t)
	for _, body := range []string{
		`{"op": "add", "path": "roles", "value": [{"value": "admin"}]}`,
		`{"op": "remove", "path": "roles[value eq \"admin\"]"}`,
		`{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:roles", "value": []}`,
		`{"op": "add", "value": {"Roles": [{"value": "admin"}]}}`,
	} {
		ops, err := DecodePatch(doc(t, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [`+body+`]}`))
		if err != nil {
			t.Fatal(err)
		}
		err = c.ReadOnlyUserPatch(ops)
		var pe *PatchError
		if !errors.As(err, &pe) || pe.ScimType != "mutability" || !strings.Contains(err.Error(), "users.roles") {
			t.Errorf("%s: %v", body, err)
		}
	}
	ops, _ := DecodePatch(doc(t, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "userName", "value": "b"}]}`))
	if err := c.ReadOnlyUserPatch(ops); err != nil {
		t.Errorf("a PATCH of userName: %v", err)
	}
}
