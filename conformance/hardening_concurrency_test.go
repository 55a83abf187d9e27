package conformance_test

import (
	"fmt"
	"math/rand"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimsql/scimsql/dialects"
)

// Every concurrency test runs two nodes: two engines with their own pools and nothing
// else in common but the database, as two scimsql processes behind several agents.
// Whatever is unique or consistent is so because the database makes it so.

// parallel runs fn(i) for i in [0, n) at once, released together, and waits.
func parallel(n int, fn func(i int)) time.Duration {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			fn(i)
		}(i)
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	return time.Since(t0)
}

// randomCase writes s in a random mix of upper and lower case.
func randomCase(rnd *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		if rnd.Intn(2) == 0 {
			b[i] = byte(strings.ToUpper(string(c))[0])
		} else {
			b[i] = byte(strings.ToLower(string(c))[0])
		}
	}
	return string(b)
}

func statusCounts(codes []int) string {
	m := map[int]int{}
	for _, c := range codes {
		m[c]++
	}
	var keys []int
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", m[k], k))
	}
	return strings.Join(parts, " ")
}

// TestHardeningConcurrentCreates: 50 parallel creates of one userName, in varying case,
// through two nodes and both protocol versions, leave exactly one row and answer one
// 201 and 49 409s; the same for 20 parallel creates of one group displayName.
func TestHardeningConcurrentCreates(t *testing.T) {
	onEveryDB(t, func(t *testing.T, d dialects.Dialect, dsn, schema string) {
		a := newNode(t, d, dsn, schema)
		b := newNode(t, d, dsn, "")
		nodes := []*node{a, b}
		rnd := rand.New(rand.NewSource(1))
		const userName = "Race.Condition@Example.com"
		names := make([]string, 50)
		for i := range names {
			names[i] = randomCase(rnd, userName)
		}
		codes := make([]int, 50)
		elapsed := parallel(50, func(i int) {
			path := "/Users"
			if i%4 >= 2 {
				path = "/v2/Users"
			}
			r := nodes[i%2].do("POST", path, map[string]any{"userName": names[i], "name": map[string]any{"givenName": "R", "familyName": fmt.Sprint(i)}, "password": "pw"})
			codes[i] = r.status
			if r.status == 409 && hStr(r.body["detail"]) == "" {
				t.Errorf("409 without a detail: %s", r.raw)
			}
		})
		created, conflicts := 0, 0
		for _, c := range codes {
			switch c {
			case 201:
				created++
			case 409:
				conflicts++
			}
		}
		rows := hCount(t, a.db, d, "users", "LOWER(user_name) = LOWER(?)", userName)
		t.Logf("%s: 50 parallel creates of one userName on two nodes in %v: %s; %d row(s)", d.Facts().Name, elapsed.Round(time.Millisecond), statusCounts(codes), rows)
		if created != 1 || conflicts != 49 || rows != 1 {
			t.Errorf("want 1×201 49×409 and 1 row, got %s and %d row(s)", statusCounts(codes), rows)
		}

		gcodes := make([]int, 20)
		parallel(20, func(i int) {
			path := "/Groups"
			if i%4 >= 2 {
				path = "/v2/Groups"
			}
			gcodes[i] = nodes[i%2].do("POST", path, map[string]any{"displayName": randomCase(rand.New(rand.NewSource(int64(i))), "Race Group"), "members": []any{}}).status
		})
		groups := hCount(t, a.db, d, "groups", "")
		t.Logf("%s: 20 parallel creates of one group displayName: %s; %d row(s)", d.Facts().Name, statusCounts(gcodes), groups)
		if statusCounts(gcodes) != "1×201 19×409" || groups != 1 {
			t.Errorf("group creates: want 1×201 19×409 and 1 row, got %s and %d row(s)", statusCounts(gcodes), groups)
		}
	})
}

// TestHardeningConcurrentMembers: on one group, at once, 50 PATCH adds of distinct users,
// 20 PATCH removes of its initial members, 25 PATCH adds of one same user, and 10 PUTs
// (1.1 and 2.0) of the final list, through two nodes. Every serial order of these ends
// with the same members (the PUTs' list), so that is the only consistent outcome, and
// every request must succeed.
func TestHardeningConcurrentMembers(t *testing.T) {
	onEveryDB(t, func(t *testing.T, d dialects.Dialect, dsn, schema string) {
		a := newNode(t, d, dsn, schema)
		b := newNode(t, d, dsn, "")
		nodes := []*node{a, b}
		var adds, removes []string
		for i := 0; i < 50; i++ {
			adds = append(adds, a.createUser(fmt.Sprintf("add%02d@example.com", i)))
		}
		for i := 0; i < 20; i++ {
			removes = append(removes, b.createUser(fmt.Sprintf("remove%02d@example.com", i)))
		}
		same := a.createUser("same@example.com")
		gid := a.createGroup("Contended", removes...)
		final := append(append([]string{}, adds...), same)
		sort.Strings(final)
		patch := func(op string, ids ...string) map[string]any {
			return map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": op, "path": "members", "value": hMemberList(ids)}}}
		}
		type req struct {
			method, path string
			body         any
			want         int
		}
		var reqs []req
		for _, id := range adds {
			reqs = append(reqs, req{"PATCH", "/v2/Groups/" + gid, patch("add", id), 204})
		}
		for _, id := range removes {
			reqs = append(reqs, req{"PATCH", "/v2/Groups/" + gid, patch("remove", id), 204})
		}
		for i := 0; i < 25; i++ {
			reqs = append(reqs, req{"PATCH", "/v2/Groups/" + gid, patch("add", same), 204})
		}
		for i := 0; i < 5; i++ {
			reqs = append(reqs, req{"PUT", "/Groups/" + gid, map[string]any{"displayName": "Contended", "members": hMemberList(final)}, 200})
			reqs = append(reqs, req{"PUT", "/v2/Groups/" + gid, map[string]any{"displayName": "Contended", "members": hMemberList(final)}, 200})
		}
		rand.New(rand.NewSource(2)).Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
		codes := make([]int, len(reqs))
		elapsed := parallel(len(reqs), func(i int) {
			r := nodes[i%2].do(reqs[i].method, reqs[i].path, reqs[i].body)
			codes[i] = r.status
			if r.status != reqs[i].want {
				t.Errorf("%s %s: status %d, want %d: %s", reqs[i].method, reqs[i].path, r.status, reqs[i].want, r.raw)
			}
		})
		t.Logf("%s: %d concurrent member changes on one group in %v: %s", d.Facts().Name, len(reqs), elapsed.Round(time.Millisecond), statusCounts(codes))
		if n := hCount(t, a.db, d, "group_members", "group_id = ?", gid); n != len(final) {
			t.Errorf("group_members has %d rows for the group, want %d", n, len(final))
		}
		dup := 0
		if err := a.db.QueryRow("SELECT COUNT(*) FROM (SELECT group_id, user_id FROM group_members GROUP BY group_id, user_id HAVING COUNT(*) > 1) d").Scan(&dup); err != nil || dup != 0 {
			t.Errorf("duplicate membership rows: %d (%v)", dup, err)
		}
		for i, n := range nodes {
			got := hMembers(n.must(200, "GET", "/Groups/"+gid, nil).body)
			if strings.Join(got, ",") != strings.Join(final, ",") {
				t.Errorf("node %d reads members %v, want %v", i, got, final)
			}
		}
	})
}

// TestHardeningTwoNodes: two nodes on one database answer the same, whichever served
// the write: interleaved creates (with a duplicate of each on the other node), updates
// and group changes, 409s where due, and an import walk alternating between the nodes
// while the other creates users.
func TestHardeningTwoNodes(t *testing.T) {
	onEveryDB(t, func(t *testing.T, d dialects.Dialect, dsn, schema string) {
		a := newNode(t, d, dsn, schema)
		b := newNode(t, d, dsn, "")
		nodes := []*node{a, b}
		const users = 40
		ids := make([]string, users)
		codes := make([]int, 2*users)
		parallel(2*users, func(i int) {
			k := i / 2
			name := fmt.Sprintf("Two.Nodes%02d@Example.com", k)
			if i%2 == 1 {
				name = strings.ToUpper(name)
			}
			path := "/Users"
			if k%3 == 0 {
				path = "/v2/Users"
			}
			r := nodes[(i+k)%2].do("POST", path, map[string]any{"userName": name, "name": map[string]any{"givenName": "T", "familyName": fmt.Sprint(k)}})
			codes[i] = r.status
			if r.status == 201 {
				ids[k] = hStr(r.body["id"])
			}
		})
		for k := 0; k < users; k++ {
			pair := statusCounts(codes[2*k : 2*k+2])
			if pair != "1×201 1×409" {
				t.Errorf("user %d, created on both nodes at once: %s, want one 201 and one 409", k, pair)
			}
		}
		t.Logf("%s: %d names created twice at once on two nodes: %s", d.Facts().Name, users, statusCounts(codes))
		if n := hCount(t, a.db, d, "users", ""); n != users {
			t.Fatalf("users: %d rows, want %d", n, users)
		}

		// Updates on the node that did not create; both read the same bytes.
		parallel(users, func(k int) {
			n := nodes[k%2]
			r := n.do("PUT", "/Users/"+ids[k], map[string]any{"userName": fmt.Sprintf("two.nodes%02d@example.com", k), "name": map[string]any{"givenName": "Updated", "familyName": fmt.Sprint(k)}, "active": k%2 == 0})
			if r.status != 200 {
				t.Errorf("PUT /Users/%s: %d %s", ids[k], r.status, r.raw)
			}
		})
		for k := 0; k < users; k++ {
			for _, p := range []string{"/Users/", "/v2/Users/"} {
				ra, rb := a.must(200, "GET", p+ids[k], nil), b.must(200, "GET", p+ids[k], nil)
				ra.raw = []byte(strings.ReplaceAll(string(ra.raw), a.base, ""))
				rb.raw = []byte(strings.ReplaceAll(string(rb.raw), b.base, ""))
				if string(ra.raw) != string(rb.raw) {
					t.Errorf("GET %s%s differs between the nodes:\n%s\n%s", p, ids[k], ra.raw, rb.raw)
				}
				if hStr(hObj(ra.body["name"])["givenName"]) != "Updated" {
					t.Errorf("GET %s%s: the update was lost: %s", p, ids[k], ra.raw)
				}
			}
		}
		// 409s where due, across nodes: a create, a rename and a group name.
		a.must(409, "POST", "/Users", map[string]any{"userName": "TWO.NODES01@example.com"})
		b.must(409, "PUT", "/Users/"+ids[2], map[string]any{"userName": "Two.Nodes03@example.com"})
		b.must(409, "PATCH", "/v2/Users/"+ids[4], map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "userName", "value": "two.nodes05@EXAMPLE.com"}}})
		g1 := a.createGroup("Shared", ids[0], ids[1])
		b.must(409, "POST", "/v2/Groups", map[string]any{"displayName": "SHARED"})
		g2 := b.createGroup("Other")
		a.must(409, "PUT", "/Groups/"+g2, map[string]any{"displayName": "shared", "members": []any{}})
		// Group changes alternating between the nodes, against a model of the membership.
		model := map[string]bool{ids[0]: true, ids[1]: true}
		for k := 0; k < 20; k++ {
			n := nodes[k%2]
			switch k % 3 {
			case 0:
				model[ids[k+2]] = true
				n.must(204, "PATCH", "/v2/Groups/"+g1, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "add", "path": "members", "value": hMemberList([]string{ids[k+2]})}}})
			case 1:
				delete(model, ids[k-1])
				n.must(204, "PATCH", "/v2/Groups/"+g1, map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "remove", "path": "members[value eq \"" + ids[k-1] + "\"]"}}})
			default:
				cur := hMembers(nodes[(k+1)%2].must(200, "GET", "/Groups/"+g1, nil).body)
				model[ids[k+10]] = true
				n.must(200, "PUT", "/Groups/"+g1, map[string]any{"displayName": "Shared", "members": hMemberList(append(cur, ids[k+10]))})
			}
		}
		var want []string
		for id := range model {
			want = append(want, id)
		}
		sort.Strings(want)
		ga, gb := a.must(200, "GET", "/Groups/"+g1, nil), b.must(200, "GET", "/Groups/"+g1, nil)
		if string(ga.raw) != string(gb.raw) || strings.Join(hMembers(ga.body), ",") != strings.Join(want, ",") {
			t.Errorf("the group reads differently on the two nodes, or not as written (want members %v):\n%s\n%s", want, ga.raw, gb.raw)
		}

		// An import walk, alternating nodes page by page (so each node's keyset cache
		// misses and it falls back to OFFSET), while the other node keeps creating users.
		existing := map[string]bool{}
		for _, id := range ids {
			existing[id] = true
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		added := 0
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if r := b.do("POST", "/Users", map[string]any{"userName": fmt.Sprintf("during.walk%03d@example.com", i)}); r.status == 201 {
					added++
				}
			}
		}()
		seen := map[string]int{}
		pages := 0
		for start := 1; ; start += 7 {
			r := nodes[pages%2].must(200, "GET", fmt.Sprintf("/Users?startIndex=%d&count=7", start), nil)
			pages++
			res := hList(r.body["Resources"])
			for _, u := range res {
				seen[hStr(hObj(u)["id"])]++
			}
			if len(res) < 7 || pages > 200 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		close(stop)
		wg.Wait()
		dups := 0
		for id := range existing {
			if seen[id] != 1 {
				t.Errorf("user %s, there for the whole walk, was returned %d times", id, seen[id])
			}
		}
		for id, c := range seen {
			if c > 1 && !existing[id] {
				dups++
			}
		}
		t.Logf("%s: import walk of %d pages over two nodes; %d users created meanwhile, %d of them seen, %d seen twice", d.Facts().Name, pages, added, len(seen)-len(existing), dups)

		// The database holds each userName once.
		var dupNames int
		if err := a.db.QueryRow("SELECT COUNT(*) FROM (SELECT LOWER(user_name) FROM users GROUP BY LOWER(user_name) HAVING COUNT(*) > 1) d").Scan(&dupNames); err != nil || dupNames != 0 {
			t.Errorf("duplicate userNames: %d (%v)", dupNames, err)
		}
		// Both nodes answer a filter the same.
		f := "/Users?filter=" + url.QueryEscape(`userName sw "two.nodes1"`)
		if ra, rb := a.must(200, "GET", f, nil), b.must(200, "GET", f, nil); string(ra.raw) != string(rb.raw) || len(hList(ra.body["Resources"])) != 10 {
			t.Errorf("filter answers differ or are wrong:\n%s\n%s", ra.raw, rb.raw)
		}
	})
}
