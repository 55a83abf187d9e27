package mappings

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The tests here keep schema.json in step with the loader without a JSON Schema library:
// a small walker checks mapping keys against properties, patternProperties and
// additionalProperties (following $ref, oneOf and anyOf), and checks scalars against
// type, const, enum and pattern.

type schemaDoc struct {
	root map[string]any
}

func loadSchema(t *testing.T) *schemaDoc {
	t.Helper()
	data, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	return &schemaDoc{root: root}
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// resolve follows $ref (local refs only) and returns the schema with its JSON pointer.
func (d *schemaDoc) resolve(s map[string]any, ptr string) (map[string]any, string) {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s, ptr
		}
		if !strings.HasPrefix(ref, "#/") {
			panic("non-local $ref " + ref)
		}
		var cur any = d.root
		for _, tok := range strings.Split(ref[2:], "/") {
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
			cur = cur.(map[string]any)[tok]
		}
		s, ptr = cur.(map[string]any), ref
	}
}

// types returns the schema's type keyword as a list.
func types(s map[string]any) []string {
	switch v := s["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// branch picks the schema, among s and its oneOf/anyOf alternatives, that fits a node of
// kind k: object for mappings, array for sequences, anything else for scalars.
func (d *schemaDoc) branch(s map[string]any, ptr string, k yaml.Kind) (map[string]any, string, bool) {
	s, ptr = d.resolve(s, ptr)
	want := func(ts []string) bool {
		for _, ty := range ts {
			switch {
			case k == yaml.MappingNode && ty == "object",
				k == yaml.SequenceNode && ty == "array",
				k == yaml.ScalarNode && ty != "object" && ty != "array":
				return true
			}
		}
		return false
	}
	if want(types(s)) {
		return s, ptr, true
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		alts, _ := s[kw].([]any)
		for i, alt := range alts {
			if b, p, ok := d.branch(alt.(map[string]any), fmt.Sprintf("%s/%s/%d", ptr, kw, i), k); ok {
				return b, p, true
			}
		}
	}
	return nil, "", false
}

// member returns the schema for key in object schema s, and the pointer of the property.
func member(s map[string]any, ptr, key string) (map[string]any, string, bool) {
	if props, ok := s["properties"].(map[string]any); ok {
		if p, ok := props[key]; ok {
			return p.(map[string]any), ptr + "/properties/" + pointerEscaper.Replace(key), true
		}
	}
	if pats, ok := s["patternProperties"].(map[string]any); ok {
		for _, pat := range slices.Sorted(maps.Keys(pats)) {
			if regexp.MustCompile(pat).MatchString(key) {
				return pats[pat].(map[string]any), ptr + "/patternProperties/" + pointerEscaper.Replace(pat), true
			}
		}
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		return ap, ptr + "/additionalProperties", true
	}
	return nil, "", s["additionalProperties"] != false
}

// walk checks n against s and records the property pointers it uses.
func (d *schemaDoc) walk(s map[string]any, ptr string, n *yaml.Node, path string, used map[string]bool, errs *[]string) {
	n = deref(n) // an alias is checked as the value it stands for, as editors do
	fail := func(format string, args ...any) {
		*errs = append(*errs, fmt.Sprintf("%d:%d: %s: %s", n.Line, n.Column, path, fmt.Sprintf(format, args...)))
	}
	b, bptr, ok := d.branch(s, ptr, n.Kind)
	if !ok {
		fail("schema %s does not allow %s", ptr, kindName(n))
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ms, mptr, ok := member(b, bptr, k.Value)
			if !ok {
				fail("key %q is not in schema %s", k.Value, bptr)
				continue
			}
			if mptr == "" { // allowed by an absent additionalProperties: nothing to check
				continue
			}
			used[mptr] = true
			d.walk(ms, mptr, v, join(path, k.Value), used, errs)
		}
	case yaml.SequenceNode:
		if items, ok := b["items"].(map[string]any); ok {
			for i, c := range n.Content {
				d.walk(items, bptr+"/items", c, fmt.Sprintf("%s[%d]", path, i), used, errs)
			}
		}
	case yaml.ScalarNode:
		if c, ok := b["const"]; ok && fmt.Sprint(c) != n.Value {
			fail("%q is not %v", n.Value, c)
		}
		if e, ok := b["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return fmt.Sprint(x) == n.Value }) {
			fail("%q is not one of %v", n.Value, e)
		}
		if p, ok := b["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(n.Value) {
			fail("%q does not match %s", n.Value, p)
		}
		ts := types(b)
		switch {
		case slices.Contains(ts, "string") || slices.Contains(ts, "number"):
		case slices.Contains(ts, "integer"):
			if _, err := strconv.Atoi(n.Value); err != nil {
				fail("%q is not an integer", n.Value)
			}
		case slices.Contains(ts, "boolean"):
			if n.Tag != "!!bool" {
				fail("%q is not a boolean", n.Value)
			}
		}
	}
}

// properties returns the pointer of every member of every properties and
// patternProperties object in the schema, with its schema.
func (d *schemaDoc) properties() map[string]map[string]any {
	out := map[string]map[string]any{}
	var visit func(v any, ptr string)
	visit = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				p := ptr + "/" + pointerEscaper.Replace(k)
				if k == "properties" || k == "patternProperties" {
					for name, s := range c.(map[string]any) {
						out[p+"/"+pointerEscaper.Replace(name)] = s.(map[string]any)
					}
				}
				visit(c, p)
			}
		case []any:
			for i, c := range v {
				visit(c, fmt.Sprintf("%s/%d", ptr, i))
			}
		}
	}
	visit(d.root, "#")
	return out
}

// strictObjects returns the pointers of the object schemas with a fixed key set.
func (d *schemaDoc) strictObjects() []string {
	var out []string
	var visit func(v any, ptr string)
	visit = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			_, hasPatterns := v["patternProperties"]
			if v["type"] == "object" && v["additionalProperties"] == false && !hasPatterns {
				out = append(out, ptr)
			}
			for k, c := range v {
				visit(c, ptr+"/"+pointerEscaper.Replace(k))
			}
		case []any:
			for i, c := range v {
				visit(c, fmt.Sprintf("%s/%d", ptr, i))
			}
		}
	}
	visit(d.root, "#")
	slices.Sort(out)
	return out
}

func parseYAML(t *testing.T, file string) *yaml.Node {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return doc.Content[0]
}

func goodCorpusPaths(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", goodDir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no good corpus: %v", err)
	}
	return paths
}

func TestSchemaDescribesEveryKey(t *testing.T) {
	d := loadSchema(t)
	eq(t, "$schema", d.root["$schema"], "https://json-schema.org/draft/2020-12/schema")
	props := d.properties()
	for ptr, s := range props {
		if desc, _ := s["description"].(string); desc == "" {
			t.Errorf("%s has no description", ptr)
		}
	}
	for name, s := range d.root["$defs"].(map[string]any) {
		if desc, _ := s.(map[string]any)["description"].(string); desc == "" {
			t.Errorf("$defs/%s has no description", name)
		}
	}
	if len(props) < 80 {
		t.Errorf("only %d properties found in schema.json", len(props))
	}
}

// TestGoodCorpusMatchesSchema checks every good file against schema.json, and that
// together the good files use every key the schema documents.
func TestGoodCorpusMatchesSchema(t *testing.T) {
	d := loadSchema(t)
	used := map[string]bool{}
	for _, file := range goodCorpusPaths(t) {
		var errs []string
		d.walk(d.root, "#", parseYAML(t, file), "", used, &errs)
		for _, e := range errs {
			t.Errorf("%s:%s", filepath.Base(file), e)
		}
	}
	for _, ptr := range slices.Sorted(maps.Keys(d.properties())) {
		if !used[ptr] {
			t.Errorf("no good corpus file uses %s", ptr)
		}
	}
}

// TestSchemaCoreAttributes checks users.attributes lists exactly the loader's core attributes.
func TestSchemaCoreAttributes(t *testing.T) {
	d := loadSchema(t)
	users, _, _ := member(d.root, "#", "users")
	users, _ = d.resolve(users, "")
	attrs, _, _ := member(users, "", "attributes")
	got := slices.Sorted(maps.Keys(attrs["properties"].(map[string]any)))
	want := slices.Sorted(maps.Values(coreUserAttrs))
	eq(t, "users.attributes properties", got, want)
}

// strictKeys parses the loader (load*.go) and returns every key passed to (*object).strict, resolving
// a spread slice from the literals assigned to it in the same function. Spread
// parameters cannot be resolved there; their function names are returned instead.
func strictKeys(t *testing.T) (keys map[string]bool, calls int, fromParams []string) {
	t.Helper()
	files, err := filepath.Glob("load*.go")
	if err != nil {
		t.Fatal(err)
	}
	var decls []ast.Decl
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		decls = append(decls, f.Decls...)
	}
	keys = map[string]bool{}
	addLits := func(exprs []ast.Expr) {
		for _, e := range exprs {
			if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				keys[s] = true
			}
		}
	}
	for _, decl := range decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "strict" {
				return true
			}
			calls++
			addLits(call.Args)
			if !call.Ellipsis.IsValid() {
				return true
			}
			spread, ok := call.Args[len(call.Args)-1].(*ast.Ident)
			if !ok {
				t.Errorf("strict call with a spread that is not a variable in %s", fn.Name.Name)
				return true
			}
			found := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				as, ok := n.(*ast.AssignStmt)
				if !ok {
					return true
				}
				for i, lhs := range as.Lhs {
					if id, ok := lhs.(*ast.Ident); ok && id.Name == spread.Name && i < len(as.Rhs) {
						switch rhs := as.Rhs[i].(type) {
						case *ast.CompositeLit:
							addLits(rhs.Elts)
							found = true
						case *ast.CallExpr: // append(allowed, "a", "b"); without literals, the names are parameters
							for _, a := range rhs.Args {
								if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
									found = true
								}
							}
							addLits(rhs.Args)
						}
					}
				}
				return true
			})
			if !found {
				fromParams = append(fromParams, fn.Name.Name)
			}
			return true
		})
	}
	return keys, calls, fromParams
}

// TestSchemaHasEveryStrictKey checks every key load.go's strict calls allow is a property
// somewhere in schema.json.
func TestSchemaHasEveryStrictKey(t *testing.T) {
	keys, calls, fromParams := strictKeys(t)
	// operations receives its allowed names as a parameter: UserOps or GroupOps.
	eq(t, "strict calls with parameter keys", fromParams, []string{"operations"})
	for _, op := range append(append(slices.Clone(UserOps), GroupOps...), OpDeleteUser) {
		keys[op] = true
	}
	if calls < 15 || len(keys) < 50 {
		t.Fatalf("found %d strict calls and %d keys in load*.go; has the parser lost them?", calls, len(keys))
	}
	names := map[string]bool{}
	for ptr := range loadSchema(t).properties() {
		if i := strings.LastIndex(ptr, "/properties/"); i >= 0 && !strings.Contains(ptr[i:], "/patternProperties/") {
			names[ptr[i+len("/properties/"):]] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !names[k] {
			t.Errorf("the loader accepts key %q but schema.json has no such property", k)
		}
	}
}

// schemaOmits lists keys that the loader's strict check lets through at an object but
// that the schema leaves out, because the loader then always rejects them (or they can
// have no effect). Keyed by the pointer of the object schema.
var schemaOmits = map[string][]string{
	// primary: only emails and phoneNumbers have one. separator: needs type strings,
	// and core attributes are strings.
	"#/$defs/coreAttribute/oneOf/1": {"primary", "separator"},
	// primary as above; caseExact has no meaning for a boolean.
	"#/$defs/activeAttribute/oneOf/1": {"caseExact", "primary"},
	"#/$defs/customAttribute/oneOf/1": {"primary"},
}

// TestSchemaMatchesStrictObjects puts an unknown key into every strict object of every
// good file, loads the result, and compares the allowed keys the loader lists with the
// schema's properties at the same place. So the schema cannot drift from the loader
// key by key and place by place.
func TestSchemaMatchesStrictObjects(t *testing.T) {
	d := loadSchema(t)
	const bogus = "zzUnknown"
	allowedRE := regexp.MustCompile(`^unknown key \(allowed: (.*)\)$`)
	seenObjects := map[string]bool{}
	probed := map[string]bool{}
	for _, file := range goodCorpusPaths(t) {
		root := parseYAML(t, file)
		abs, _ := filepath.Abs(file)
		var visit func(n *yaml.Node, s map[string]any, ptr string, keys []string)
		visit = func(n *yaml.Node, s map[string]any, ptr string, keys []string) {
			b, bptr, ok := d.branch(s, ptr, n.Kind)
			if !ok || n.Kind != yaml.MappingNode {
				return
			}
			path := strings.Join(keys, ".")
			_, hasPatterns := b["patternProperties"]
			if b["additionalProperties"] == false && !hasPatterns && !probed[path] {
				probed[path] = true
				seenObjects[bptr] = true
				n.Content = append(n.Content,
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: bogus},
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "1"})
				data, err := yaml.Marshal(root)
				n.Content = n.Content[:len(n.Content)-2]
				if err != nil {
					t.Fatal(err)
				}
				_, err = Load(data, abs, testOptions())
				var es Errors
				errors.As(err, &es)
				var allowed []string
				for _, e := range es {
					if m := allowedRE.FindStringSubmatch(e.Msg); m != nil && e.Path == join(path, bogus) {
						allowed = strings.Split(m[1], ", ")
					}
				}
				if allowed == nil {
					t.Errorf("%s: %s: no unknown-key error for %s; got: %v", filepath.Base(file), path, bogus, err)
				} else {
					props, _ := b["properties"].(map[string]any)
					want := append(slices.Collect(maps.Keys(props)), schemaOmits[bptr]...)
					slices.Sort(want)
					slices.Sort(allowed)
					if !slices.Equal(allowed, want) {
						t.Errorf("%q (schema %s): loader allows %v, schema documents %v (omitting %v)", path, bptr, allowed, slices.Sorted(maps.Keys(props)), schemaOmits[bptr])
					}
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if ms, mptr, ok := member(b, bptr, k.Value); ok && mptr != "" {
					visit(v, ms, mptr, append(slices.Clone(keys), k.Value))
				}
			}
		}
		visit(root, d.root, "#", nil)
	}
	for _, ptr := range d.strictObjects() {
		if !seenObjects[ptr] {
			t.Errorf("no good corpus file has an object at %s, so it was not compared with the loader", ptr)
		}
	}
	for ptr := range schemaOmits {
		if !seenObjects[ptr] {
			t.Errorf("schemaOmits names %s, which no probe reached", ptr)
		}
	}
	t.Logf("compared %d objects with the loader", len(probed))
	if len(probed) < 25 {
		t.Errorf("only %d objects probed", len(probed))
	}
}

// Every example mapping tells editors where its schema is (the yaml-language-server hint
// on its first line, resolving to this package's schema.json), and matches it.
func TestExamplesMatchSchema(t *testing.T) {
	d := loadSchema(t)
	files, err := filepath.Glob(filepath.Join("..", "examples", "*", "mapping.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		ref, ok := strings.CutPrefix(first, "# yaml-language-server: $schema=")
		if !ok {
			t.Errorf("%s: the first line is %q, not the yaml-language-server $schema hint", file, first)
			continue
		}
		if abs, _ := filepath.Abs(filepath.Join(filepath.Dir(file), ref)); abs != mustAbs(t, "schema.json") {
			t.Errorf("%s: $schema=%s resolves to %s, not mappings/schema.json", file, ref, abs)
		}
		var errs []string
		d.walk(d.root, "#", parseYAML(t, file), "", map[string]bool{}, &errs)
		for _, e := range errs {
			t.Errorf("%s:%s", file, e)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
