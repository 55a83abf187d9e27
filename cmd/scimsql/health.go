package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"strings"
	"time"
)

const healthUsage = `scimsql health asks a running scimsql whether it is alive (/-/healthy) or ready
(/-/ready: its mapping loaded and its database answering), for a container's HEALTHCHECK
or a monitoring script where no curl is installed (the distroless image has none).

Usage:
  scimsql health [-url BASE] [-ready] [-insecure] [-timeout 3s]

Exit code: 0 when scimsql answers 200, 1 when it answers anything else or cannot be
reached, 2 for a usage error.

Flags:
`

// healthCmd is scimsql health.
func healthCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("health", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, healthUsage)
		fs.PrintDefaults()
	}
	def := os.Getenv("SCIMSQL_HEALTH_URL")
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	base := fs.String("url", def, "scimsql's address, scheme included (default from SCIMSQL_HEALTH_URL)")
	ready := fs.Bool("ready", false, "ask /-/ready (the database answers) instead of /-/healthy (the process serves)")
	insecure := fs.Bool("insecure", false, "accept any TLS certificate; on 127.0.0.1, ::1 and localhost it is always accepted (the process checks itself, sending no credentials)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "scimsql health: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if !strings.HasPrefix(*base, "http://") && !strings.HasPrefix(*base, "https://") {
		fmt.Fprintf(stderr, "scimsql health: -url %q: want http://HOST:PORT or https://HOST:PORT\n", *base)
		return 2
	}
	path := "/-/healthy"
	if *ready {
		path = "/-/ready"
	}
	url := strings.TrimRight(*base, "/") + path
	client := &http.Client{Timeout: *timeout}
	if u, err := neturl.Parse(url); err == nil {
		switch u.Hostname() {
		case "127.0.0.1", "::1", "localhost":
			*insecure = true
		}
	}
	if *insecure {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "scimsql health: %v\n", err)
		return 2
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "scimsql health: %s: %v\n", url, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "scimsql health: %s answered %d: %s\n", url, resp.StatusCode, strings.TrimSpace(string(body)))
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", url, strings.TrimSpace(string(body)))
	return 0
}
