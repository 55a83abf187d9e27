package engine

import (
	"strings"
	"testing"

	"github.com/scimsql/scimsql/mappings"
)

// TestCapabilities derives the capability list from mappings that differ in one binding
// or operation at a time, following the SDK tester's table (PROTOCOL.md §3).
func TestCapabilities(t *testing.T) {
	const head = "version: 1\napp: {name: t}\ndatabase: {driver: sqlite, dsn: x.db}\nserver: {auth: {type: none}}\n"
	users := func(attrs, ops string, extra string) string {
		return "users:\n  table: users\n  id: id\n" + extra + "  attributes:\n    userName: user_name\n" + attrs + "  operations: " + ops + "\n"
	}
	const groupsAuto = "groups:\n  table: groups\n  id: id\n  displayName: name\n  members: {table: m, group: g, user: u}\n  operations: auto\n"
	all := "GROUP_PUSH IMPORT_NEW_USERS IMPORT_PROFILE_UPDATES OPP_SCIM_INCREMENTAL_IMPORTS PUSH_NEW_USERS PUSH_PASSWORD_UPDATES PUSH_PENDING_USERS PUSH_PROFILE_UPDATES PUSH_USER_DEACTIVATION REACTIVATE_USERS"
	full := "    active: {column: status, true: A, false: I}\n    password: {column: pw, hash: bcrypt}\n"
	cases := []struct {
		name string
		yaml string
		want string
	}{
		{"everything", users(full, "auto", "  lastModified: updated_at\n") + groupsAuto, all},
		{"no lastModified: no incremental import", users(full, "auto", "") + groupsAuto,
			"GROUP_PUSH IMPORT_NEW_USERS IMPORT_PROFILE_UPDATES PUSH_NEW_USERS PUSH_PASSWORD_UPDATES PUSH_PENDING_USERS PUSH_PROFILE_UPDATES PUSH_USER_DEACTIVATION REACTIVATE_USERS"},
		{"no active, no password (Okta's employees example)", users("", "auto", "") + groupsAuto,
			"GROUP_PUSH IMPORT_NEW_USERS IMPORT_PROFILE_UPDATES PUSH_NEW_USERS PUSH_PROFILE_UPDATES"},
		{"read-only active", users("    active: {column: status, true: A, false: I, readOnly: true}\n", "auto", "") + groupsAuto,
			"GROUP_PUSH IMPORT_NEW_USERS IMPORT_PROFILE_UPDATES PUSH_NEW_USERS PUSH_PROFILE_UPDATES"},
		{"password left to templates, but updateUser is auto", users("    password: {hash: template}\n", "auto", ""),
			"IMPORT_NEW_USERS IMPORT_PROFILE_UPDATES PUSH_NEW_USERS PUSH_PROFILE_UPDATES"},
		{"password stored by a templated updateUser", users("    password: {hash: template}\n", "{getUser: auto, updateUser: {sql: \"UPDATE users SET pw = {{bind (hash .password)}} WHERE id = {{bind .id}}\"}}", ""),
			"IMPORT_PROFILE_UPDATES PUSH_PASSWORD_UPDATES PUSH_PROFILE_UPDATES"},
		{"import only", users(full, "{getUsers: auto, getUser: auto}", "  lastModified: updated_at\n"),
			"IMPORT_NEW_USERS IMPORT_PROFILE_UPDATES OPP_SCIM_INCREMENTAL_IMPORTS"},
		{"create without getUsers cannot check existence", users(full, "{createUser: auto, updateUser: auto}", ""),
			"PUSH_PASSWORD_UPDATES PUSH_PROFILE_UPDATES PUSH_USER_DEACTIVATION REACTIVATE_USERS"},
		{"group push needs all four group operations", users("", "auto", "") + strings.Replace(groupsAuto, "operations: auto", "operations: {getGroups: auto, getGroup: auto, createGroup: auto, updateGroup: auto}", 1),
			"IMPORT_NEW_USERS IMPORT_PROFILE_UPDATES PUSH_NEW_USERS PUSH_PROFILE_UPDATES"},
		{"auto group push needs a membership table", users("", "auto", "") + strings.Replace(groupsAuto, "  members: {table: m, group: g, user: u}\n", "", 1),
			"IMPORT_NEW_USERS IMPORT_PROFILE_UPDATES PUSH_NEW_USERS PUSH_PROFILE_UPDATES"},
		{"templated operations count as mapped", users(full, "{getUsers: auto, createUser: {sql: \"INSERT INTO users (user_name) VALUES ({{bind .user.userName}}) RETURNING id\"}, updateUser: {sql: [\"UPDATE users SET user_name = {{bind .user.userName}} WHERE id = {{bind .id}}\"]}}", ""),
			"IMPORT_NEW_USERS PUSH_NEW_USERS PUSH_PASSWORD_UPDATES PUSH_PENDING_USERS PUSH_PROFILE_UPDATES PUSH_USER_DEACTIVATION REACTIVATE_USERS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := mappings.Load([]byte(head+c.yaml), "caps.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
			if err != nil {
				t.Fatalf("load: %v\n%s", err, head+c.yaml)
			}
			caps := Capabilities(m)
			if got := strings.Join(Enabled(caps), " "); got != c.want {
				t.Errorf("capabilities\n got: %s\nwant: %s", got, c.want)
			}
			if len(caps) != 10 {
				t.Errorf("%d capabilities listed, want all 10 with reasons", len(caps))
			}
			for _, cp := range caps {
				if cp.Reason == "" {
					t.Errorf("%s has no reason", cp.Name)
				}
			}
		})
	}
}
