package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// quickstartCopy copies the quickstart into a temporary directory, with edit applied to
// its mapping.
func quickstartCopy(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"mapping.yaml", "schema.sql", "seed.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "mapping.yaml" {
			b = []byte(edit(string(b)))
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestServeRefusesUnchosenPlainHTTP(t *testing.T) {
	dir := quickstartCopy(t, func(s string) string { return strings.Replace(s, "  plainHTTP: true\n", "", 1) })
	code, _, errs := runCmd("serve", "-mapping", filepath.Join(dir, "mapping.yaml"), "-listen", freeAddr(t))
	if code != 1 || !strings.Contains(errs, "no TLS: configure server.tls") || !strings.Contains(errs, "-plain-http") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Refused before anything ran: the init scripts did not create the database.
	if _, err := os.Stat(filepath.Join(dir, "quickstart.db")); err == nil {
		t.Errorf("serve ran the init scripts before refusing to start")
	}
}

func TestServeTLS(t *testing.T) {
	certDir := t.TempDir()
	code, out, errs := runCmd("cert", "-hosts", "127.0.0.1,localhost", "-out", certDir)
	if code != 0 || !strings.Contains(out, "keytool -importcert") || !strings.Contains(out, "tls: {cert:") || !strings.Contains(out, "keytool -delete") {
		t.Fatalf("cert: %d\n%s%s", code, out, errs)
	}
	if st, err := os.Stat(filepath.Join(certDir, "key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key.pem mode: %v %v", st.Mode(), err)
	}
	certPath, keyPath := filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem")
	dir := quickstartCopy(t, func(s string) string {
		return strings.Replace(s, "  plainHTTP: true\n", fmt.Sprintf("  tls: {cert: %s, key: %s}\n", certPath, keyPath), 1)
	})
	addr := freeAddr(t)
	t.Setenv("SCIMSQL_PASSWORD", "")
	done := make(chan int, 1)
	stderr := &syncWriter{b: &bytes.Buffer{}}
	go func() {
		done <- run([]string{"serve", "-mapping", filepath.Join(dir, "mapping.yaml"), "-listen", addr, "-watch=false"}, io.Discard, stderr)
	}()
	defer func() {
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	client := func(maxVersion uint16) (*http.Client, *x509.Certificate) {
		pool := x509.NewCertPool()
		b, _ := os.ReadFile(certPath)
		pool.AppendCertsFromPEM(b)
		var seen *x509.Certificate
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: pool, MaxVersion: maxVersion,
			VerifyConnection: func(cs tls.ConnectionState) error { seen = cs.PeerCertificates[0]; return nil },
		}, DisableKeepAlives: true}}, seen
	}
	get := func(c *http.Client) (int, error) {
		req, _ := http.NewRequest("GET", "https://"+addr+"/Users/101", nil)
		req.SetBasicAuth("okta", "okta")
		res, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	c12, _ := client(0)
	var err error
	var status int
	for i := 0; i < 100; i++ {
		if status, err = get(c12); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || status != 200 {
		t.Fatalf("HTTPS with the generated certificate: %d %v\n%s", status, err, stderr.b.String())
	}
	// TLS 1.1 is refused.
	c11, _ := client(tls.VersionTLS11)
	if _, err := get(c11); err == nil {
		t.Fatal("a TLS 1.1 client was served")
	}
	// A renewed certificate is picked up without a restart.
	serialOf := func() string {
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	before := serialOf()
	// A pair exists: cert refuses to replace it without -force.
	if code, _, errs := runCmd("cert", "-hosts", "127.0.0.1,localhost", "-out", certDir); code != 1 || !strings.Contains(errs, "cert.pem exists") || !strings.Contains(errs, "-force") {
		t.Fatalf("cert over an existing pair: %d %s", code, errs)
	}
	if code, _, errs := runCmd("cert", "-hosts", "127.0.0.1,localhost", "-out", certDir, "-force"); code != 0 {
		t.Fatal(errs)
	}
	deadline := time.Now().Add(5 * time.Second)
	for serialOf() == before {
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate was not picked up:\n%s", stderr.b.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(stderr.b.String(), "TLS certificate reloaded") {
		t.Errorf("no log line for the reload")
	}
}

// -self-signed makes a certificate once, beside the mapping, and reuses it.
func TestServeSelfSigned(t *testing.T) {
	dir := quickstartCopy(t, func(s string) string { return strings.Replace(s, "  plainHTTP: true\n", "", 1) })
	addr := freeAddr(t)
	done := make(chan int, 1)
	stderr := &syncWriter{b: &bytes.Buffer{}}
	go func() {
		done <- run([]string{"serve", "-mapping", filepath.Join(dir, "mapping.yaml"), "-listen", addr, "-watch=false", "-self-signed", "127.0.0.1"}, io.Discard, stderr)
	}()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var err error
	for i := 0; i < 100; i++ {
		var res *http.Response
		if res, err = c.Get("https://" + addr + "/-/healthy"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	<-done
	if err != nil {
		t.Fatalf("HTTPS with -self-signed: %v\n%s", err, stderr.b.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".scimsql-tls", "cert.pem")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.b.String(), "keytool -importcert") {
		t.Errorf("the keytool command was not printed")
	}
	if !strings.Contains(stderr.b.String(), "set SCIMSQL_PASSWORD to change it") {
		t.Errorf("the demo-password warning does not name the variable:\n%s", stderr.b.String())
	}
}

// With -log-format json every line of the log is JSON (the keytool instructions are in
// the record), and -tls-dir chooses where the certificate is kept.
func TestServeSelfSignedJSONAndDir(t *testing.T) {
	dir := quickstartCopy(t, func(s string) string { return strings.Replace(s, "  plainHTTP: true\n", "", 1) })
	certDir := filepath.Join(t.TempDir(), "certs")
	addr := freeAddr(t)
	done := make(chan int, 1)
	stderr := &syncWriter{b: &bytes.Buffer{}}
	go func() {
		done <- run([]string{"serve", "-mapping", filepath.Join(dir, "mapping.yaml"), "-listen", addr, "-watch=false",
			"-self-signed", "127.0.0.1", "-tls-dir", certDir, "-log-format", "json"}, io.Discard, stderr)
	}()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var err error
	for i := 0; i < 100; i++ {
		var res *http.Response
		if res, err = c.Get("https://" + addr + "/-/healthy"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	<-done
	if err != nil {
		t.Fatalf("HTTPS: %v\n%s", err, stderr.b.String())
	}
	if _, err := os.Stat(filepath.Join(certDir, "cert.pem")); err != nil {
		t.Fatalf("no certificate in -tls-dir: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.b.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a log line that is not JSON: %q", line)
		}
	}
	if !strings.Contains(stderr.b.String(), "keytool -importcert") {
		t.Errorf("the keytool command is not in the log")
	}
}
