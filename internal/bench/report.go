package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is a whole bench run, as -json prints it.
type Report struct {
	Time        time.Time `json:"time"`
	Driver      string    `json:"driver"`
	Database    string    `json:"databaseVersion"`
	Mapping     string    `json:"mapping"`
	Size        int       `json:"size"`
	Concurrency int       `json:"concurrency"`
	Duration    string    `json:"duration"`
	CPUs        int       `json:"cpus"`
	GoVersion   string    `json:"goVersion"`
	// Server says where scimsql ran: a child process of its own, or the bench's process;
	// Handwritten the same of the hand-written connector, "" when it did not run.
	Server      string `json:"server"`
	Handwritten string `json:"handwritten,omitempty"`
	// LoadAvg is /proc/loadavg's 1-minute figure before the first scenario and after the
	// last: well above the bench's own load means something else ran on the machine.
	LoadAvg   [2]string `json:"loadAverage"`
	Setup     Setup     `json:"setup"`
	Scenarios []Result  `json:"scenarios"`
}

// Setup describes the generated database.
type Setup struct {
	Database         string  `json:"database"`
	Kept             bool    `json:"kept"`
	Seconds          float64 `json:"seconds"`
	Employees        int     `json:"employees"`
	Memberships      int     `json:"memberships"`
	GroupPush        string  `json:"groupPush"`
	GroupPushMembers int     `json:"groupPushMembers"`
	MixGroups        int     `json:"mixGroups"`
	MixGroupMembers  int     `json:"mixGroupMembers"`
}

// Result is one scenario's outcome: scimsql's figures (Measure, inline in JSON) and, when
// the bench ran it, the hand-written connector's on the same data at the same time.
type Result struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Measure
	Handwritten *Measure `json:"handwritten,omitempty"`
	// Replicas is the number of scimsql processes the import walk went to in turn, and
	// OneProcess the same walk by the first of them alone, just before, for comparison.
	Replicas   int     `json:"replicas,omitempty"`
	OneProcess *Import `json:"oneProcess,omitempty"`
	// Rounds are the timed rounds side by side: scimsql's throughput and p99 over the
	// hand-written connector's in the same round. Their spread is this run's noise.
	Rounds []RoundRatio `json:"rounds,omitempty"`
	// Reference is the figure for its hand-written connector (MariaDB, 2 cores, 8
	// clients), Target scimsql's, and Verdict ok, even (at parity within the run's
	// noise), miss or n/a, with Why. With the hand-written connector measured, the
	// relative targets are judged against it.
	Reference string `json:"reference,omitempty"`
	Target    string `json:"target,omitempty"`
	Verdict   string `json:"verdict,omitempty"`
	Why       string `json:"why,omitempty"`
}

// RoundRatio compares one round of the two servers.
type RoundRatio struct {
	Throughput float64 `json:"throughput"` // scimsql's req/s over the hand-written's
	P99        float64 `json:"p99"`        // scimsql's p99 over the hand-written's
}

// spread returns the smallest and largest of the rounds' ratios, by f; ok is false for
// fewer than three rounds, too few to tell noise from a difference.
func (r *Result) spread(f func(RoundRatio) float64) (lo, hi float64, ok bool) {
	if len(r.Rounds) < 3 {
		return 0, 0, false
	}
	lo, hi = f(r.Rounds[0]), f(r.Rounds[0])
	for _, rr := range r.Rounds[1:] {
		lo, hi = min(lo, f(rr)), max(hi, f(rr))
	}
	return lo, hi, true
}

// Measure is one server's figures in a scenario.
type Measure struct {
	Concurrency  int      `json:"concurrency"`
	Seconds      float64  `json:"seconds"`
	Requests     int      `json:"requests"`
	Errors       int      `json:"errors"`
	ErrorSamples []string `json:"errorSamples,omitempty"`
	Throughput   float64  `json:"throughput"` // successful requests per second
	Latency      Summary  `json:"latency"`
	// CPUPerRequest is the server process's CPU time per request, user and system, in
	// microseconds (from /proc): what decides throughput when the server shares the cores
	// with the database and the load generator. With -server inprocess it includes the
	// load generator.
	CPUPerRequest float64 `json:"cpuMicrosPerRequest,omitempty"`
	// DBCPUPerRequest is the database server's CPU time per request, where it runs on
	// this machine (the other half of the work the cores share).
	DBCPUPerRequest float64    `json:"dbCpuMicrosPerRequest,omitempty"`
	Import          *Import    `json:"import,omitempty"`
	Mix             []MixLevel `json:"mix,omitempty"`
	CPUProfile      string     `json:"cpuProfile,omitempty"`
}

// MixLevel is the mix at one level of concurrency.
type MixLevel struct {
	Concurrency   int                `json:"concurrency"`
	Seconds       float64            `json:"seconds"`
	Requests      int                `json:"requests"`
	Errors        int                `json:"errors"`
	ErrorSamples  []string           `json:"errorSamples,omitempty"`
	Throughput    float64            `json:"throughput"`
	Latency       Summary            `json:"latency"`
	Ops           map[string]OpStats `json:"ops"`
	CPUPerRequest float64            `json:"cpuMicrosPerRequest,omitempty"`
}

// Targets from the issue, for the scenarios that have one: the figure for its
// hand-written connector, and scimsql's target against the hand-written connector
// measured side by side (relative) or, when it was not, against the figures.
var targets = map[string]struct{ reference, relative, absolute string }{
	"get":       {"4,700 req/s, p50 1.5 ms", ">= 1.0x req/s, p99 no worse", ">= 4,700 req/s"},
	"check":     {"58 req/s at 100k; p50 1.4 s at 1M", "p50 <= 5 ms (at 1M); >= 1.0x req/s, p99 no worse", "p50 <= 5 ms (at 1M)"},
	"check-id":  {"", ">= 1.0x req/s, p99 no worse", ""},
	"post":      {"790 req/s", ">= 2x req/s", ">= 1,580 req/s (2x)"},
	"put":       {"1,840 req/s", ">= 1.0x req/s, p99 no worse", ">= 1,840 req/s"},
	"grouppush": {"184 ms", "p50 <= 60 ms (25,800 members)", "p50 <= 60 ms (25,800 members)"},
	"import":    {"36 s at 100k; ~53 min at 1M", "1M in <= 60 s; last/first <= 1.5; < 100 MB; ids once", "1M in <= 60 s; last/first <= 1.5; < 100 MB; ids once"},
}

const mb = 1 << 20

// Ratio is scimsql's throughput over the hand-written connector's (for the import, the
// hand-written walk's time over scimsql's): above 1, scimsql is faster. 0 when the
// hand-written connector did not run.
func (r *Result) Ratio() float64 {
	h := r.Handwritten
	switch {
	case h == nil:
		return 0
	case r.Import != nil && h.Import != nil && r.Import.Seconds > 0:
		return h.Import.Seconds / r.Import.Seconds
	case h.Throughput > 0:
		return r.Throughput / h.Throughput
	}
	return 0
}

// verdict compares the result with its target.
func (r *Result) verdict(size int, ds *dataset) {
	t, ok := targets[r.Name]
	if !ok {
		return
	}
	h := r.Handwritten
	r.Reference, r.Target = t.reference, t.absolute
	if h != nil {
		r.Target = t.relative
	}
	if r.Target == "" {
		r.Verdict, r.Why = "n/a", "no figure to compare with without the hand-written connector"
		return
	}
	var miss, even []string
	// relative checks throughput against the hand-written connector's, times x, and
	// with p99, that the tail is no worse. Where parity is the target and the whole run
	// falls short by less than its rounds vary (some rounds ahead, some behind), the two
	// cannot be told apart: even, not a miss.
	relative := func(x float64, p99 bool) {
		if r.Throughput < x*h.Throughput {
			lo, hi, ok := r.spread(func(rr RoundRatio) float64 { return rr.Throughput })
			if x == 1 && ok && lo <= 1 && hi >= 1 {
				even = append(even, fmt.Sprintf("%.2fx the hand-written req/s, rounds %.2f-%.2fx", r.Throughput/h.Throughput, lo, hi))
			} else {
				miss = append(miss, fmt.Sprintf("%.0f req/s < %.1fx the hand-written %.0f", r.Throughput, x, h.Throughput))
			}
		}
		if p99 && r.Latency.P99 > h.Latency.P99 {
			lo, hi, ok := r.spread(func(rr RoundRatio) float64 { return rr.P99 })
			if ok && lo <= 1 && hi >= 1 {
				even = append(even, fmt.Sprintf("p99 %.2fx the hand-written, rounds %.2f-%.2fx", r.Latency.P99/h.Latency.P99, lo, hi))
			} else {
				miss = append(miss, fmt.Sprintf("p99 %.2f ms > the hand-written %.2f ms", r.Latency.P99, h.Latency.P99))
			}
		}
	}
	switch r.Name {
	case "get", "put", "check-id":
		if h != nil {
			relative(1, true)
		} else if floor := map[string]float64{"get": 4700, "put": 1840}[r.Name]; r.Throughput < floor {
			miss = append(miss, fmt.Sprintf("%.0f req/s < %.0f", r.Throughput, floor))
		}
	case "check":
		if r.Latency.P50 > 5 {
			miss = append(miss, fmt.Sprintf("p50 %.2f ms > 5 ms", r.Latency.P50))
		}
		if h != nil {
			relative(1, true)
		}
	case "post":
		if h != nil {
			relative(2, false)
		} else if r.Throughput < 1580 {
			miss = append(miss, fmt.Sprintf("%.0f req/s < 1,580", r.Throughput))
		}
	case "grouppush":
		if n := len(ds.push.members); n != GroupPushMembers {
			r.Verdict, r.Why = "n/a", fmt.Sprintf("the group has %d members, not %d", n, GroupPushMembers)
			return
		}
		if r.Latency.P50 > 60 {
			miss = append(miss, fmt.Sprintf("p50 %.1f ms > 60 ms", r.Latency.P50))
		}
	case "import":
		i := r.Import
		if i == nil {
			miss = append(miss, "no import")
			break
		}
		if !i.ExactlyOnce {
			miss = append(miss, fmt.Sprintf("ids not exactly once (%d duplicate, %d missing, %d unexpected)", i.Duplicates, i.Missing, i.Unexpected))
		}
		if i.UsersPerSec < 1_000_000/60.0 {
			miss = append(miss, fmt.Sprintf("%.0f users/s < 16,667 (1M would take %.0f s)", i.UsersPerSec, 1_000_000/max(i.UsersPerSec, 1)))
		}
		if i.LastToFirst > 1.5 {
			miss = append(miss, fmt.Sprintf("last pages %.1fx the first", i.LastToFirst))
		}
		if i.PeakRSS >= 100*mb {
			miss = append(miss, fmt.Sprintf("peak RSS %.0f MB", float64(i.PeakRSS)/mb))
		}
		if o := r.OneProcess; o != nil {
			if !o.ExactlyOnce {
				miss = append(miss, "one process: ids not exactly once")
			}
			if o.Seconds > 0 && i.Seconds > 2*o.Seconds {
				miss = append(miss, fmt.Sprintf("over %d processes the walk took %.1fx one process's", r.Replicas, i.Seconds/o.Seconds))
			}
		}
	}
	if r.Errors > 0 {
		miss = append([]string{fmt.Sprintf("%d errors", r.Errors)}, miss...)
	}
	switch {
	case len(miss) > 0:
		r.Verdict, r.Why = "miss", strings.Join(append(miss, even...), "; ")
	case len(even) > 0:
		r.Verdict, r.Why = "even", strings.Join(even, "; ")
	default:
		r.Verdict = "ok"
	}
}

// WriteText prints the report as tables.
func (rep *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "scimsql bench  %s  %s (%s)\n", rep.Time.Format(time.RFC3339), rep.Driver, rep.Database)
	fmt.Fprintf(w, "  %d employees, %d clients, %s per scenario and server; %d CPUs, %s\n", rep.Size, rep.Concurrency, rep.Duration, rep.CPUs, rep.GoVersion)
	fmt.Fprintf(w, "  mapping: %s\n  scimsql: %s\n", rep.Mapping, rep.Server)
	if rep.Handwritten != "" {
		fmt.Fprintf(w, "  hand-written connector: %s, on the same database, pool, credentials and transport, alternating with scimsql\n", rep.Handwritten)
	}
	if rep.LoadAvg[0] != "" {
		fmt.Fprintf(w, "  load average (1 min) before and after: %s, %s\n", rep.LoadAvg[0], rep.LoadAvg[1])
	}
	s := rep.Setup
	kept := "dropped at the end"
	if s.Kept {
		kept = "kept (-keep)"
	}
	fmt.Fprintf(w, "  database %s (%s): generated in %.1f s, %d memberships; group push on %s (%d members); the mix pushes %d groups of %d\n\n",
		s.Database, kept, s.Seconds, s.Memberships, s.GroupPush, s.GroupPushMembers, s.MixGroups, s.MixGroupMembers)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\t\tscimsql\t\t\t\t\t\t\t\thand-written\t\t\t\t\t\t\t\t")
	fmt.Fprintln(tw, "scenario\tclients\trequests\treq/s\tp50 ms\tp99 ms\tmax ms\terrors\tcpu µs\tdb µs\treq/s\tp50 ms\tp99 ms\terrors\tcpu µs\tdb µs\tratio\ttarget\tverdict")
	for _, r := range rep.Scenarios {
		v := r.Verdict
		if r.Why != "" {
			v += ": " + r.Why
		}
		requests, errors := r.Requests, r.Errors
		for _, l := range r.Mix {
			if l.Concurrency == r.Concurrency && l.Throughput == r.Throughput {
				requests, errors = l.Requests, l.Errors
				v = "the best level; every level below"
			}
		}
		hw, ratio := "-\t-\t-\t-\t-\t-", "-"
		if h := r.Handwritten; h != nil {
			hw = fmt.Sprintf("%.1f\t%.2f\t%.2f\t%d\t%.0f\t%s", h.Throughput, h.Latency.P50, h.Latency.P99, h.Errors, h.CPUPerRequest, orDash(h.DBCPUPerRequest))
			ratio = fmt.Sprintf("%.2fx", r.Ratio())
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Concurrency, requests, r.Throughput,
			r.Latency.P50, r.Latency.P99, r.Latency.Max, errors, r.CPUPerRequest, orDash(r.DBCPUPerRequest), hw, ratio, r.Target, v)
	}
	tw.Flush()
	fmt.Fprintln(w, "  cpu µs: the server process's CPU time per request (user and system, from /proc); db µs: the database server's, when it runs here")
	fmt.Fprintln(w, "  ratio: scimsql's req/s over the hand-written connector's (import: its time over scimsql's); above 1, scimsql is faster")
	var refs []string
	for _, r := range rep.Scenarios {
		if r.Reference != "" {
			refs = append(refs, r.Name+" "+r.Reference)
		}
	}
	if len(refs) > 0 {
		fmt.Fprintf(w, "  the issue's figures for its hand-written connector (MariaDB, 2 cores, 8 clients): %s\n", strings.Join(refs, "; "))
	}
	for _, r := range rep.Scenarios {
		for _, sd := range r.sides() {
			i := sd.m.Import
			if i == nil {
				continue
			}
			name := sd.name
			if r.Replicas > 1 && sd.m == &r.Measure {
				name += fmt.Sprintf(", pages to %d processes in turn", r.Replicas)
				if o := r.OneProcess; o != nil && o.Seconds > 0 {
					once := "every id exactly once"
					if !o.ExactlyOnce {
						once = fmt.Sprintf("NOT exactly once: %d duplicate, %d missing", o.Duplicates, o.Missing)
					}
					fmt.Fprintf(w, "\nimport, scimsql, one process (just before): %d users in %.2f s (%.0f users/s); %s\n", o.Users, o.Seconds, o.UsersPerSec, once)
					fmt.Fprintf(w, "  over %d processes: %.2fx its time", r.Replicas, i.Seconds/o.Seconds)
				}
			}
			fmt.Fprintf(w, "\nimport, %s:", name)
			if i.Estimated {
				fmt.Fprintf(w, " cut at the budget after %d of %d pages; the rest estimated from %d pages read across the table: about %d users in %.1f s (%.0f users/s); ids not checked\n",
					i.WalkedPages, i.Pages, i.SampledPages, i.Users, i.Seconds, i.UsersPerSec)
			} else {
				once := "every id exactly once"
				if !i.ExactlyOnce {
					once = fmt.Sprintf("NOT exactly once: %d duplicate, %d missing, %d unexpected", i.Duplicates, i.Missing, i.Unexpected)
				}
				fmt.Fprintf(w, " %d users in %d pages in %.2f s (%.0f users/s); %s (%d ids)\n", i.Users, i.Pages, i.Seconds, i.UsersPerSec, once, i.Expected)
			}
			fmt.Fprintf(w, "  page latency: first %.2f ms, last %.2f ms; median of the first ten %.2f ms, of the last ten %.2f ms (%.2fx)\n",
				i.FirstPage, i.LastPage, i.FirstPages, i.LastPages, i.LastToFirst)
			fmt.Fprintf(w, "  peak RSS during the walk: %.1f MB (%s; sampled peak %.1f MB) of %s\n",
				float64(i.PeakRSS)/mb, i.RSSMethod, float64(i.SampledRSS)/mb, i.RSSScope)
		}
	}
	for _, r := range rep.Scenarios {
		for _, sd := range r.sides() {
			if len(sd.m.Mix) == 0 {
				continue
			}
			fmt.Fprintf(w, "\nmix, %s: %s\n", sd.name, r.Description)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "clients\trequests\treq/s\tp50 ms\tp99 ms\tmax ms\terrors\tcpu µs\tp50/p99 ms by operation")
			for _, l := range sd.m.Mix {
				var ops []string
				for _, m := range mixWeights {
					if o, ok := l.Ops[m.op]; ok {
						ops = append(ops, fmt.Sprintf("%s %.1f/%.1f", m.op, o.P50, o.P99))
					}
				}
				fmt.Fprintf(tw, "%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%d\t%.0f\t%s\n", l.Concurrency, l.Requests, l.Throughput,
					l.Latency.P50, l.Latency.P99, l.Latency.Max, l.Errors, l.CPUPerRequest, strings.Join(ops, "  "))
			}
			tw.Flush()
		}
	}
	var errs, profs []string
	for _, r := range rep.Scenarios {
		for _, sd := range r.sides() {
			for _, e := range sd.m.ErrorSamples {
				errs = append(errs, r.Name+", "+sd.name+": "+e)
			}
			if sd.m.CPUProfile != "" {
				profs = append(profs, sd.m.CPUProfile)
			}
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nerrors (first of each kind):\n  %s\n", strings.Join(errs, "\n  "))
	}
	if len(profs) > 0 {
		fmt.Fprintf(w, "\nCPU profiles: %s (go tool pprof -top FILE)\n", strings.Join(profs, " "))
	}
}

// orDash prints a figure, or - for none.
func orDash(f float64) string {
	if f == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", f)
}

// namedMeasure is one server's figures with the server's name.
type namedMeasure struct {
	name string
	m    *Measure
}

// sides are scimsql's figures and, when it ran, the hand-written connector's.
func (r *Result) sides() []namedMeasure {
	out := []namedMeasure{{"scimsql", &r.Measure}}
	if r.Handwritten != nil {
		out = append(out, namedMeasure{"hand-written", r.Handwritten})
	}
	return out
}
