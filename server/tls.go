package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// CertLoader serves a certificate from files and picks up new files (a renewed
// certificate) on the next handshake after they change, without a restart. A broken
// replacement is logged and the previous certificate kept.
type CertLoader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cur     *tls.Certificate
	stamp   string
	checked time.Time
}

// NewCertLoader loads the certificate once; an error here is fatal for serve.
func NewCertLoader(certFile, keyFile string, log *slog.Logger) (*CertLoader, error) {
	c := &CertLoader{certFile: certFile, keyFile: keyFile, log: log}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CertLoader) fileStamp() string {
	var b strings.Builder
	for _, f := range []string{c.certFile, c.keyFile} {
		if st, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "%s:%d:%d;", f, st.Size(), st.ModTime().UnixNano())
		}
	}
	return b.String()
}

func (c *CertLoader) load() error {
	stamp := c.fileStamp()
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("server.tls: %v", err)
	}
	if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
		return fmt.Errorf("server.tls: %v", err)
	}
	if time.Now().After(cert.Leaf.NotAfter) {
		c.log.Warn("the TLS certificate has expired; the agent will refuse it", "notAfter", cert.Leaf.NotAfter)
	} else if time.Until(cert.Leaf.NotAfter) < 30*24*time.Hour {
		c.log.Warn("the TLS certificate expires soon; replace the files and scimsql picks them up", "notAfter", cert.Leaf.NotAfter)
	}
	c.cur, c.stamp = &cert, stamp
	return nil
}

// GetCertificate implements tls.Config.GetCertificate. It looks at the files at most
// once a second.
func (c *CertLoader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.checked) >= time.Second {
		c.checked = time.Now()
		if c.fileStamp() != c.stamp {
			if err := c.load(); err != nil {
				c.log.Error("new TLS certificate files are not usable; keeping the previous certificate", "err", err.Error())
				c.stamp = c.fileStamp() // do not retry until they change again
			} else {
				c.log.Info("TLS certificate reloaded", "notAfter", c.cur.Leaf.NotAfter)
			}
		}
	}
	return c.cur, nil
}

// TLSConfig is the server's TLS configuration: TLS 1.2 at least (the agent needs 1.2).
func TLSConfig(c *CertLoader) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate}
}

// SelfSigned makes a key and a self-signed certificate for hosts (names and IPs), valid
// for days, as PEM.
func SelfSigned(hosts []string, days int) (certPEM, keyPEM []byte, err error) {
	if len(hosts) == 0 {
		return nil, nil, fmt.Errorf("name at least one host name or IP address the agent uses to reach scimsql")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"scimsql"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Duration(days) * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so that Java's truststore accepts it as its own anchor
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), nil
}

// WriteSelfSigned writes cert.pem and key.pem (readable by the owner only) into dir,
// reusing existing files when they are valid for at least 30 more days and name the
// same hosts. It returns the certificate's path.
func WriteSelfSigned(dir string, hosts []string, days int) (string, bool, error) {
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil {
		if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil && time.Until(leaf.NotAfter) > 30*24*time.Hour && sameHosts(leaf, hosts) {
			return certPath, false, nil
		}
	}
	certPEM, keyPEM, err := SelfSigned(hosts, days)
	if err != nil {
		return "", false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, err
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return "", false, err
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return "", false, err
	}
	return certPath, true, nil
}

func sameHosts(c *x509.Certificate, hosts []string) bool {
	var have []string
	have = append(have, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		have = append(have, ip.String())
	}
	if len(have) != len(hosts) {
		return false
	}
	for _, h := range hosts {
		found := false
		for _, x := range have {
			found = found || strings.EqualFold(x, h) || net.ParseIP(h) != nil && net.ParseIP(h).Equal(net.ParseIP(x))
		}
		if !found {
			return false
		}
	}
	return true
}

// KeytoolHelp is what an admin runs on the agent's host to trust certPath.
func KeytoolHelp(certPath string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Import the certificate into the Okta Provisioning Agent's Java truststore, then restart the agent:\n\n")
	fmt.Fprintf(&b, "  Linux:\n    sudo /opt/OktaProvisioningAgent/jre/bin/keytool -importcert -noprompt -alias scimsql \\\n")
	fmt.Fprintf(&b, "      -file %s \\\n      -keystore /opt/OktaProvisioningAgent/jre/lib/security/cacerts -storepass changeit\n", certPath)
	fmt.Fprintf(&b, "    sudo systemctl restart OktaProvisioningAgent\n\n")
	fmt.Fprintf(&b, "  Windows (administrator prompt):\n    \"C:\\Program Files\\Okta\\On-Premises Provisioning Agent\\jre\\bin\\keytool.exe\" -importcert -noprompt -alias scimsql ^\n")
	fmt.Fprintf(&b, "      -file %s ^\n      -keystore \"C:\\Program Files\\Okta\\On-Premises Provisioning Agent\\jre\\lib\\security\\cacerts\" -storepass changeit\n", filepath.Base(certPath))
	fmt.Fprintf(&b, "    then restart the \"Okta On-Premises Provisioning Agent\" service.\n\n")
	fmt.Fprintf(&b, "If an earlier scimsql certificate is in the truststore, the import refuses the alias: delete it first\n")
	fmt.Fprintf(&b, "  (keytool -delete -noprompt -alias scimsql -keystore <the same cacerts> -storepass changeit).\n\n")
	fmt.Fprintf(&b, "Use a host name or IP the certificate names in the app's SCIM connector base URL.\n")
	return b.String()
}
