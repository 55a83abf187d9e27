package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scimsql/scimsql/tester"
)

const testUsage = `scimsql test checks a SCIM connector (scimsql or any other) the way the Okta
Provisioning Agent uses it.

  scimsql test -url BASE [flags]                    the flow check: every declared capability
  scimsql test -url BASE -method NAME [-file F] [-arg k=v]... [-expectResults true|false]
                                                    one method of Okta's connector tester

Exit code: 0 when everything declared works (or the method succeeded), 1 when something
declared is broken (or the method failed), 2 for a usage error.

Methods (as Okta's scim-sdk-tests.jar):
%s
Flags:
`

// kvFlag collects repeated -arg k=v / -header k=v flags.
type kvFlag struct {
	name  string
	pairs [][2]string
}

func (f *kvFlag) String() string { return "" }

func (f *kvFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("%s wants name=value, got %q", f.name, s)
	}
	f.pairs = append(f.pairs, [2]string{k, v})
	return nil
}

// boolString is -expectResults true|false: a value flag, so "-expectResults false"
// works as in Okta's tester (a Go bool flag would take only -expectResults=false).
type boolString struct{ v bool }

func (b *boolString) String() string { return strconv.FormatBool(b.v) }
func (b *boolString) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", s)
	}
	b.v = v
	return nil
}

func testCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("test", stderr)
	base := fs.String("url", "", "the connector's base URL, as typed into Okta (required)")
	method := fs.String("method", "", "run one method of Okta's tester instead of the flow check")
	file := fs.String("file", "", "JSON data file for the method (examples: testdata/tester/)")
	argF := &kvFlag{name: "-arg"}
	fs.Var(argF, "arg", "method argument name=value (repeatable): id, userIdFieldName, userIdFieldValue, ...")
	hdrF := &kvFlag{name: "-header"}
	fs.Var(hdrF, "header", "HTTP header name=value sent with every request, e.g. Authorization=\"Bearer ...\" (repeatable)")
	expect := &boolString{v: true}
	fs.Var(expect, "expectResults", "checkUserExists, downloadUsers, downloadGroups, importUserProfile: expect results (true) or none (false)")
	user := fs.String("user", "", "HTTP Basic user name")
	password := fs.String("password", "", "HTTP Basic password (default: $SCIMSQL_TEST_PASSWORD)")
	v2 := fs.Bool("v2", false, "SCIM 2.0 (default: from the URL, /v2/ at the end means 2.0)")
	form := fs.String("form", "patch", "SCIM 2.0 methods: send lifecycle changes and group updates as patch or put")
	jsonOut := fs.Bool("json", false, "write the result as JSON (for CI)")
	insecure := fs.Bool("insecure", false, "do not verify the connector's TLS certificate")
	caFile := fs.String("cacert", "", "PEM file of CA certificates to trust (a self-signed connector certificate)")
	timeout := fs.Duration("timeout", 30*time.Second, "per request (the agent's minimum is 30s)")
	probe := fs.Bool("probe-undeclared", false, "flow check: also run the write flows of capabilities that are not declared")
	prefix := fs.String("prefix", "scimsqltest", "flow check: test records' names start with this")
	template := fs.String("user-template", "", "flow check: JSON user the test users are based on (for apps with more required attributes)")
	maxPages := fs.Int("max-pages", 50, "flow check: pages of 100 the import walk reads at most")
	out := fs.String("out", "", "downloadUsers, downloadGroups: write the records to this file")
	verbose := fs.Bool("verbose", false, "print every request and response to stderr (credentials redacted)")
	fs.Usage = func() {
		var b strings.Builder
		for _, n := range tester.MethodNames() {
			fmt.Fprintf(&b, "  %-41s %s\n", n, tester.Methods[n].Help)
		}
		fmt.Fprintf(stderr, testUsage, b.String())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "scimsql test: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (flags take -name value)", fs.Arg(0))
	}
	if *base == "" {
		return usageErr("-url BASE is required: the connector's base URL, as typed into Okta")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *method == "" {
		for _, n := range []string{"file", "arg", "expectResults", "out"} {
			if set[n] {
				return usageErr("-%s goes with -method", n)
			}
		}
	}
	if *form != "patch" && *form != "put" {
		return usageErr("-form must be patch or put, not %q", *form)
	}
	header := http.Header{}
	for _, kv := range hdrF.pairs {
		header.Add(kv[0], kv[1])
	}
	if *user != "" && *password == "" {
		*password = os.Getenv("SCIMSQL_TEST_PASSWORD")
	}
	version := tester.Auto
	if *v2 {
		version = tester.V2
	}
	cfg := tester.Config{
		BaseURL: *base, Version: version, Header: header, Username: *user, Password: *password,
		Insecure: *insecure, CAFile: *caFile, Timeout: *timeout, UserAgent: "scimsql-test/" + version2(),
	}
	if *verbose {
		cfg.Trace = func(ex *tester.Exchange) { traceExchange(stderr, ex) }
	}
	c, err := tester.NewClient(cfg)
	if err != nil {
		return usageErr("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	colour := isTerminal(stdout)

	if *method != "" {
		in := tester.MethodInput{Args: map[string]string{}, ExpectResults: expect.v, Form: *form, OutFile: *out}
		for _, kv := range argF.pairs {
			in.Args[kv[0]] = kv[1]
		}
		if *file != "" {
			doc, err := readJSONFile(*file)
			if err != nil {
				return usageErr("%v", err)
			}
			in.File, in.FileName = doc, *file
		}
		res, err := c.RunMethod(ctx, *method, in)
		if err != nil {
			return usageErr("%v", err)
		}
		if *jsonOut {
			_ = res.WriteJSON(stdout)
		} else {
			res.WriteText(stdout, colour)
		}
		return res.ExitCode()
	}

	opts := tester.Options{Prefix: *prefix, ProbeUndeclared: *probe, MaxPages: *maxPages}
	if *template != "" {
		doc, err := readJSONFile(*template)
		if err != nil {
			return usageErr("%v", err)
		}
		opts.UserTemplate = doc
	}
	if !*jsonOut {
		fmt.Fprintf(stderr, "checking %s (%s)...\n", c.BaseURL(), c.Version())
	}
	rep := c.Check(ctx, opts)
	if *jsonOut {
		_ = rep.WriteJSON(stdout)
	} else {
		rep.WriteText(stdout, colour)
	}
	return rep.ExitCode()
}

func version2() string { return version }

func readJSONFile(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %v", path, err)
	}
	if doc == nil {
		return nil, fmt.Errorf("%s: not a JSON object", path)
	}
	return doc, nil
}

// isTerminal reports whether w is a terminal (colours only there, and never with NO_COLOR).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func traceExchange(w io.Writer, ex *tester.Exchange) {
	fmt.Fprintf(w, "> %s %s\n", ex.Method, ex.URL)
	keys := make([]string, 0, len(ex.RequestHeaders))
	for k := range ex.RequestHeaders {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "> %s: %s\n", k, ex.RequestHeaders[k])
	}
	if ex.RequestBody != "" {
		fmt.Fprintf(w, "> %s\n", ex.RequestBody)
	}
	if ex.Error != "" {
		fmt.Fprintf(w, "< error: %s\n\n", ex.Error)
		return
	}
	fmt.Fprintf(w, "< %d (%d ms) %s\n", ex.Status, ex.DurationMS, ex.ContentType)
	if ex.ResponseBody != "" {
		fmt.Fprintf(w, "< %s\n", ex.ResponseBody)
	}
	fmt.Fprintln(w)
}
