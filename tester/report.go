package tester

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Status is the outcome of one check.
type Status string

const (
	// Working: declared, and every step did what the agent needs.
	Working Status = "working"
	// Broken: declared (or always required), and a step failed.
	Broken Status = "broken"
	// Undeclared: not declared, but it works: Okta will not use it until it is declared.
	Undeclared Status = "working-not-declared"
	// NotDeclared: not declared, and either not probed or not working (which is fine).
	NotDeclared Status = "not-declared"
	// Skipped: declared, but it could not be checked (the reason says why).
	Skipped Status = "skipped"
	// Passed and Warned are for the protocol checks that are not capabilities.
	Passed Status = "ok"
	Warned Status = "warning"
)

// Severity of a finding.
const (
	SevError   = "error"
	SevWarning = "warning"
	SevInfo    = "info"
)

// Finding is one thing a check found, with its evidence.
type Finding struct {
	Severity string `json:"severity"`
	Step     string `json:"step"`
	Message  string `json:"message"`
	// Expected is what the agent needs.
	Expected string    `json:"expected,omitempty"`
	Exchange *Exchange `json:"exchange,omitempty"`
}

// Check is the result for one capability or protocol aspect.
type Check struct {
	Name string `json:"name"`
	// Kind is "capability" or "protocol".
	Kind string `json:"kind"`
	// Declared: the connector declares the capability. Protocol checks that must pass
	// whatever is declared have Required set instead.
	Declared bool   `json:"declared"`
	Required bool   `json:"required,omitempty"`
	Probed   bool   `json:"probed,omitempty"`
	Status   Status `json:"status"`
	Summary  string `json:"summary"`
	// Requests is the number of requests the check sent; Steps names them in order.
	Requests int       `json:"requests"`
	Steps    []string  `json:"steps,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
}

func (c *Check) count(sev string) int {
	n := 0
	for _, f := range c.Findings {
		if f.Severity == sev {
			n++
		}
	}
	return n
}

// Report is the result of a flow check.
type Report struct {
	URL          string        `json:"url"`
	Version      string        `json:"version"`
	Started      time.Time     `json:"started"`
	DurationMS   int64         `json:"durationMs"`
	Prefix       string        `json:"prefix"`
	Capabilities *Capabilities `json:"capabilities"`
	Checks       []*Check      `json:"checks"`
	// Created lists the test records and what became of them.
	Created []Record `json:"created,omitempty"`
	// Left lists, in words, what the cleanup could not remove.
	Left     []string `json:"left,omitempty"`
	Requests int      `json:"requests"`
	OK       bool     `json:"ok"`
	// Fatal says why nothing could be checked (unreachable, credentials refused).
	Fatal string   `json:"fatal,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

// Record is a test record the flow check created.
type Record struct {
	Kind      string `json:"kind"` // user or group
	ID        string `json:"id"`
	Name      string `json:"name"`
	Cleanup   string `json:"cleanup"` // deleted, deactivated, left (why), ...
	CleanedUp bool   `json:"cleanedUp"`
}

// Broken lists the checks that make the report fail.
func (r *Report) Broken() []*Check {
	var out []*Check
	for _, c := range r.Checks {
		if c.Status == Broken {
			out = append(out, c)
		}
	}
	return out
}

// ExitCode is 0 when nothing declared (or required) is broken, 1 otherwise.
func (r *Report) ExitCode() int {
	if len(r.Broken()) > 0 {
		return 1
	}
	return 0
}

// Check returns the check called name, or nil.
func (r *Report) Check(name string) *Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// colours
type palette struct{ on bool }

func (p palette) wrap(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
func (p palette) red(s string) string    { return p.wrap("31;1", s) }
func (p palette) green(s string) string  { return p.wrap("32", s) }
func (p palette) yellow(s string) string { return p.wrap("33", s) }
func (p palette) cyan(s string) string   { return p.wrap("36", s) }
func (p palette) dim(s string) string    { return p.wrap("2", s) }
func (p palette) bold(s string) string   { return p.wrap("1", s) }

func (p palette) status(s Status, text string) string {
	switch s {
	case Working, Passed:
		return p.green(text)
	case Broken:
		return p.red(text)
	case Warned, Skipped:
		return p.yellow(text)
	case Undeclared:
		return p.cyan(text)
	}
	return p.dim(text)
}

func statusWord(s Status) string {
	switch s {
	case Working:
		return "working"
	case Broken:
		return "BROKEN"
	case Undeclared:
		return "works, not declared"
	case NotDeclared:
		return "not declared"
	case Skipped:
		return "skipped"
	case Passed:
		return "ok"
	case Warned:
		return "warnings"
	}
	return string(s)
}

// WriteText writes the report for a person: a table, then the evidence for every
// problem, then the cleanup. colour adds ANSI colours (only for terminals).
func (r *Report) WriteText(w io.Writer, colour bool) {
	p := palette{colour}
	fmt.Fprintf(w, "%s %s (%s)\n", p.bold("scimsql test"), r.URL, r.Version)
	if r.Fatal != "" {
		fmt.Fprintln(w, p.red("cannot check: "+r.Fatal))
	} else if r.Capabilities != nil && r.Capabilities.Found {
		fmt.Fprintf(w, "declared (%s): %s\n", r.Capabilities.Path, strings.Join(r.Capabilities.Names, ", "))
	} else {
		fmt.Fprintln(w, "declared: "+p.red("no capability list could be read; Okta assumes every capability, so every one is checked"))
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, p.dim("note: "+n))
	}
	fmt.Fprintln(w)
	nameW := len("CHECK")
	for _, c := range r.Checks {
		if len(c.Name) > nameW {
			nameW = len(c.Name)
		}
	}
	fmt.Fprintf(w, "%-*s  %-8s  %-19s  %s\n", nameW, "CHECK", "DECLARED", "RESULT", "DETAILS")
	for _, c := range r.Checks {
		decl := "no"
		switch {
		case c.Kind == "protocol":
			decl = "-"
		case r.Fatal != "":
			decl = "?"
		case c.Declared:
			decl = "yes"
		}
		word := statusWord(c.Status)
		fmt.Fprintf(w, "%-*s  %-8s  %s  %s\n", nameW, c.Name, decl, p.status(c.Status, fmt.Sprintf("%-19s", word)), c.Summary)
	}
	// Evidence.
	var detailed bool
	for _, c := range r.Checks {
		var fs []Finding
		for _, f := range c.Findings {
			if f.Severity == SevError && (c.Status == Broken || c.Status == Skipped) || f.Severity == SevWarning {
				fs = append(fs, f)
			}
		}
		if len(fs) == 0 {
			continue
		}
		if !detailed {
			fmt.Fprintln(w)
			detailed = true
		}
		fmt.Fprintf(w, "%s %s\n", p.status(c.Status, "■"), p.bold(c.Name))
		for _, f := range fs {
			tag := p.red("error")
			if f.Severity == SevWarning {
				tag = p.yellow("warning")
			}
			fmt.Fprintf(w, "  %s [%s] %s\n", tag, f.Step, f.Message)
			if f.Expected != "" {
				fmt.Fprintf(w, "    expected: %s\n", f.Expected)
			}
			if ex := f.Exchange; ex != nil {
				fmt.Fprintf(w, "    request:  %s %s\n", ex.Method, ex.URL)
				if ex.RequestBody != "" {
					fmt.Fprintf(w, "              %s\n", oneLine(cut(ex.RequestBody, 600)))
				}
				if ex.Error != "" {
					fmt.Fprintf(w, "    response: %s\n", ex.Error)
				} else {
					fmt.Fprintf(w, "    response: %d %s\n", ex.Status, oneLine(cut(ex.ResponseBody, 600)))
				}
			}
		}
	}
	if len(r.Created) > 0 || len(r.Left) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s (records named %s*)\n", p.bold("test records"), r.Prefix)
		recs := append([]Record(nil), r.Created...)
		sort.SliceStable(recs, func(i, j int) bool { return recs[i].Kind > recs[j].Kind })
		for _, rec := range recs {
			mark := p.green("cleaned")
			if !rec.CleanedUp {
				mark = p.yellow("left   ")
			}
			fmt.Fprintf(w, "  %s %-5s %-12s %s: %s\n", mark, rec.Kind, rec.ID, rec.Name, rec.Cleanup)
		}
		for _, l := range r.Left {
			fmt.Fprintf(w, "  %s\n", p.yellow(l))
		}
	}
	counts := map[Status]int{}
	for _, c := range r.Checks {
		counts[c.Status]++
	}
	fmt.Fprintln(w)
	var parts []string
	for _, s := range []Status{Working, Broken, Skipped, Undeclared, NotDeclared} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], statusWord(s)))
		}
	}
	verdict := p.green("PASS: every declared capability works")
	if !r.OK {
		verdict = p.red(fmt.Sprintf("FAIL: %d check(s) broken", len(r.Broken())))
	}
	fmt.Fprintf(w, "%s (%s; %d requests in %.1fs)\n", verdict, strings.Join(parts, ", "), r.Requests, float64(r.DurationMS)/1000)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
