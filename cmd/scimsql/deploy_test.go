package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/mappings"
	"gopkg.in/yaml.v3"
)

// deploy/systemd/scimsql.service: its commands are scimsql's own with flags it takes,
// reload is SIGHUP, secrets come from an environment file, the hardening is on, and
// systemd-analyze verify (where installed) finds nothing wrong.
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile(filepath.Join("..", "..", "deploy", "systemd", "scimsql.service"))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for _, line := range strings.Split(string(unit), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = append(keys[k], v)
		}
	}
	for k, want := range map[string]string{"ExecReload": "/bin/kill -HUP $MAINPID", "EnvironmentFile": "/etc/scimsql/scimsql.env",
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "User": "scimsql"} {
		if got := keys[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%v, want %s", k, got, want)
		}
	}
	// The commands, with the example's mapping for /etc/scimsql's: the flags exist, and
	// the validate step passes on a good mapping.
	mapping := filepath.Join("..", "..", "examples", "postgres", "mapping.yaml")
	for _, k := range []string{"ExecStartPre", "ExecStart"} {
		args := strings.Fields(keys[k][0])
		if args[0] != "/usr/local/bin/scimsql" {
			t.Fatalf("%s runs %s", k, args[0])
		}
		args = args[1:]
		for i, a := range args {
			if a == "/etc/scimsql/mapping.yaml" {
				args[i] = mapping
			}
		}
		if args[0] == "serve" {
			continue // serving is TestQuickstartServe's; the flags are checked below
		}
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Errorf("%s %v: exit %d: %s", k, args, code, errb.String())
		}
	}
	if !slices.Contains(strings.Fields(keys["ExecStart"][0]), "-log-format") {
		t.Errorf("ExecStart logs text: journald and log shippers want -log-format json")
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed; the unit's keys were checked above")
	}
	// verify wants the binary the unit names: this test's own executable stands in.
	self, _ := os.Executable()
	dir := t.TempDir()
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/scimsql", self)
	if err := os.WriteFile(filepath.Join(dir, "scimsql.service"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", filepath.Join(dir, "scimsql.service")).CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.Contains(line, "scimsql.service") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
	if err != nil && len(out) == 0 {
		t.Errorf("systemd-analyze verify: %v", err)
	}
}

// deploy/kubernetes: the probes ask scimsql's own endpoints over the port the mapping
// listens on, the mapping is mounted as a folder (a subPath mount never sees ConfigMap
// updates, so reload would never happen), the container's args name the mounted file,
// every variable the mapping reads comes from the Secret, and the ConfigMap's mapping loads.
func TestKubernetesManifests(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy", "kubernetes")
	docs := map[string]map[string]any{}
	for _, f := range []string{"configmap.yaml", "secret.yaml", "deployment.yaml", "service.yaml", "kustomization.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var d map[string]any
			if err := dec.Decode(&d); err != nil {
				break
			}
			meta, _ := d["metadata"].(map[string]any)
			name, _ := meta["name"].(string)
			docs[d["kind"].(string)+"/"+name] = d
		}
	}
	get := func(v any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				v = v.(map[string]any)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	dep := docs["Deployment/scimsql"]
	cm := docs["ConfigMap/scimsql-mapping"]
	sec := docs["Secret/scimsql-secrets"]
	if dep == nil || cm == nil || sec == nil || docs["Service/scimsql"] == nil || docs["Kustomization/"] == nil {
		t.Fatalf("missing documents: %v", slices.Collect(mapsKeys(docs)))
	}
	c := get(dep, "spec", "template", "spec", "containers", 0).(map[string]any)
	// The mapping, as the pod sees it, with the Secret's values.
	env := map[string]string{}
	for k, v := range get(sec, "stringData").(map[string]any) {
		env[k] = v.(string)
	}
	mdir := t.TempDir()
	file := filepath.Join(mdir, "mapping.yaml")
	if err := os.WriteFile(file, []byte(get(cm, "data", "mapping.yaml").(string)), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := mappings.LoadFile(file, mappings.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatalf("the ConfigMap's mapping, with the Secret's variables: %v", err)
	}
	port := m.Server.Listen[strings.LastIndex(m.Server.Listen, ":")+1:]
	if !strings.HasPrefix(m.Server.Listen, "0.0.0.0:") || m.Server.TLS == nil {
		t.Errorf("the mapping listens on %s (TLS %v): a pod serves every interface, over TLS", m.Server.Listen, m.Server.TLS != nil)
	}
	if p := get(c, "ports", 0, "containerPort"); strings.TrimSpace(strings.Trim(yamlString(p), `"`)) != port {
		t.Errorf("containerPort %v, the mapping listens on %s", p, port)
	}
	for probe, path := range map[string]string{"livenessProbe": "/-/healthy", "readinessProbe": "/-/ready", "startupProbe": "/-/healthy"} {
		h := get(c, probe, "httpGet").(map[string]any)
		if h["path"] != path || h["port"] != "https" || h["scheme"] != "HTTPS" {
			t.Errorf("%s: %v, want %s on the https port", probe, h, path)
		}
	}
	// The mapping file the args name is in the folder the ConfigMap is mounted on, as a
	// folder; the TLS files are in the TLS Secret's.
	args := get(c, "args").([]any)
	mountOf := map[string]map[string]any{}
	for _, vm := range get(c, "volumeMounts").([]any) {
		vm := vm.(map[string]any)
		mountOf[vm["name"].(string)] = vm
		if _, ok := vm["subPath"]; ok {
			t.Errorf("volume %s is mounted with subPath, which ConfigMap and Secret updates never reach", vm["name"])
		}
	}
	var mappingArg string
	for i, a := range args {
		if a == "-mapping" {
			mappingArg = args[i+1].(string)
		}
	}
	if mm := mountOf["mapping"]; mm == nil || filepath.Dir(mappingArg) != mm["mountPath"] {
		t.Errorf("-mapping %s is not in the mapping volume's folder %v", mappingArg, mm)
	}
	if tm := mountOf["tls"]; tm == nil || filepath.Dir(m.Server.TLS.Cert) != filepath.Clean(tm["mountPath"].(string)) {
		t.Errorf("TLS %s is not in the tls volume %v", m.Server.TLS.Cert, tm)
	}
	if get(c, "envFrom", 0, "secretRef", "name") != "scimsql-secrets" {
		t.Errorf("the container does not take its environment from scimsql-secrets")
	}
	if sc := get(c, "securityContext").(map[string]any); sc["readOnlyRootFilesystem"] != true || sc["allowPrivilegeEscalation"] != false {
		t.Errorf("securityContext %v", sc)
	}
	// kubectl's own build of the kustomization, where kubectl is installed.
	if k, err := exec.LookPath("kubectl"); err == nil {
		if out, err := exec.Command(k, "kustomize", dir).CombinedOutput(); err != nil {
			t.Errorf("kubectl kustomize: %v: %s", err, out)
		}
	}
}

func yamlString(v any) string {
	b, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(b))
}

func mapsKeys(m map[string]map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
