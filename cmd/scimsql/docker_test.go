package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scimsql/scimsql/mappings"
)

// dockerfile is the Dockerfile's instructions: the keyword and the rest of the line,
// continuation lines joined.
func dockerfile(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cur += line
		if strings.HasSuffix(cur, "\\") {
			cur = strings.TrimSuffix(cur, "\\") + " "
			continue
		}
		kw, rest, _ := strings.Cut(cur, " ")
		out[kw] = append(out[kw], strings.TrimSpace(rest))
		cur = ""
	}
	return out
}

func execForm(t *testing.T, s string) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q is not an exec-form list: %v", s, err)
	}
	return v
}

// The image as the Dockerfile builds it: its CMD serves the quickstart on the port its
// HEALTHCHECK asks, the health check is scimsql's own (distroless has no curl), and the
// build context leaves local databases and keys out.
func TestDockerfile(t *testing.T) {
	df := dockerfile(t)
	entry := execForm(t, df["ENTRYPOINT"][0])
	cmd := execForm(t, df["CMD"][0])
	if !slices.Equal(entry, []string{"/scimsql"}) || cmd[0] != "serve" {
		t.Fatalf("ENTRYPOINT %v CMD %v", entry, cmd)
	}
	hc := df["HEALTHCHECK"]
	if len(hc) != 1 || !strings.Contains(hc[0], `CMD ["/scimsql", "health"]`) {
		t.Fatalf("HEALTHCHECK %v, want scimsql health", hc)
	}
	listen := cmd[slices.Index(cmd, "-listen")+1]
	var healthURL string
	for _, e := range df["ENV"] {
		if v, ok := strings.CutPrefix(e, "SCIMSQL_HEALTH_URL="); ok {
			healthURL = v
		}
	}
	if _, port, _ := net.SplitHostPort(listen); !strings.HasSuffix(healthURL, ":"+port) || !strings.HasPrefix(listen, "0.0.0.0:") {
		t.Errorf("CMD listens on %s, the health check asks %q", listen, healthURL)
	}
	ignore, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**/*.db", "**/*.pem", ".git"} {
		if !slices.Contains(strings.Split(string(ignore), "\n"), want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	// The CMD itself, with the image's paths made local: it serves, and the health check
	// passes against it.
	dir := t.TempDir()
	args := slices.Clone(cmd)
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "/examples/"):
			args[i] = filepath.Join("..", "..", a)
		case strings.HasPrefix(a, "/data/"):
			args[i] = filepath.Join(dir, filepath.Base(a))
		case a == listen:
			args[i] = freeAddr(t)
		}
	}
	t.Setenv("SCIMSQL_PASSWORD", "change-me")
	addr := args[slices.Index(args, "-listen")+1]
	stop := serveInBackground(t, args)
	waitHealthy(t, "http://"+addr)
	stop()
}

// examples/docker: every interface, TLS from the mounted folder, the password only from
// the environment. Served (with a local address and certificate folder), it answers over
// HTTPS and scimsql health accepts its certificate on 127.0.0.1; without
// SCIMSQL_PASSWORD it refuses to start.
func TestDockerExample(t *testing.T) {
	file := filepath.Join("..", "..", "examples", "docker", "mapping.yaml")
	tlsDir := t.TempDir()
	env := map[string]string{"SCIMSQL_PASSWORD": "change-me", "SCIMSQL_TLS_DIR": tlsDir, "SCIMSQL_DSN": filepath.Join(t.TempDir(), "qs.db")}
	m, err := mappings.LoadFile(file, mappings.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	if m.Server.Listen != "0.0.0.0:8443" || m.Server.TLS == nil || m.Server.TLS.Cert != filepath.Join(tlsDir, "cert.pem") || m.Server.PlainHTTP {
		t.Fatalf("listen %s, TLS %+v, plainHTTP %v", m.Server.Listen, m.Server.TLS, m.Server.PlainHTTP)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"cert", "-hosts", "127.0.0.1", "-out", tlsDir}, &out, &errb); code != 0 {
		t.Fatalf("cert: %d %s", code, errb.String())
	}
	addr := freeAddr(t)
	args := []string{"serve", "-mapping", file, "-listen", addr}
	// Without the password the container must not start.
	for k, v := range env {
		if k != "SCIMSQL_PASSWORD" {
			t.Setenv(k, v)
		}
	}
	os.Unsetenv("SCIMSQL_PASSWORD")
	errb.Reset()
	if code := run(args, &out, &errb); code == 0 || !strings.Contains(errb.String(), "SCIMSQL_PASSWORD") {
		t.Fatalf("serve without SCIMSQL_PASSWORD: exit %d: %s", code, errb.String())
	}
	t.Setenv("SCIMSQL_PASSWORD", "change-me")
	stop := serveInBackground(t, args)
	defer stop()
	waitHealthy(t, "https://"+addr)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	req, _ := http.NewRequest("GET", "https://"+addr+"/Users/102", nil)
	req.SetBasicAuth("okta", "change-me")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET /Users/102 over HTTPS: %d", res.StatusCode)
	}
}

// serveInBackground runs scimsql serve; stop sends SIGTERM and waits for it to end.
func serveInBackground(t *testing.T, args []string) (stop func()) {
	t.Helper()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	sw := &syncWriter{b: &stderr}
	go func() { done <- run(args, os.Stdout, sw) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case code := <-done:
			if code != 0 {
				sw.mu.Lock()
				t.Errorf("serve exited %d: %s", code, stderr.String())
				sw.mu.Unlock()
			}
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop on SIGTERM")
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	var out, errb bytes.Buffer
	for i := 0; i < 100; i++ {
		out.Reset()
		errb.Reset()
		if run([]string{"health", "-url", base, "-timeout", "1s"}, &out, &errb) == 0 {
			if run([]string{"health", "-url", base, "-ready", "-timeout", "2s"}, &out, &errb) != 0 {
				t.Fatalf("healthy but not ready: %s", errb.String())
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became healthy: %s", base, errb.String())
}
