package bench

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memory reads a process's resident set from /proc (Linux only; elsewhere every figure
// is 0 and the report says so).
type memory struct {
	pid int
}

// status returns VmRSS and VmHWM (the peak since start or the last reset) in bytes.
func (m memory) status() (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", m.pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []struct {
			name string
			dst  *int64
		}{{"VmRSS:", &rss}, {"VmHWM:", &hwm}} {
			if rest, ok := strings.CutPrefix(line, k.name); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				*k.dst = kb << 10
			}
		}
	}
	return rss, hwm, sc.Err()
}

// resetPeak sets VmHWM back to the current RSS (Linux 4.0+, "5" in clear_refs), so that
// the next reading is the peak of what follows.
func (m memory) resetPeak() bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", m.pid), []byte("5"), 0) == nil
}

// peakWatch samples VmRSS every 10 ms until stop, as a cross-check of VmHWM and where
// the peak cannot be reset.
type peakWatch struct {
	m    memory
	stop chan struct{}
	wg   sync.WaitGroup
	max  int64
}

func watchPeak(m memory) *peakWatch {
	w := &peakWatch{m: m, stop: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := m.status(); err == nil && rss > w.max {
				w.max = rss
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// done stops sampling and returns the largest RSS seen.
func (w *peakWatch) done() int64 {
	close(w.stop)
	w.wg.Wait()
	return w.max
}

// clockTicks is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on Linux).
const clockTicks = 100

// cpu returns the CPU time the process has used, user and system, or 0 where /proc
// cannot tell.
func (m memory) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: the fields that follow start after its ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	// After the name: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
	// majflt, cmajflt, then utime and stime.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * time.Second / clockTicks
}

// dbServerCPU is the CPU time used so far by the database server's processes on this
// machine (mariadbd or mysqld; every postgres process), found by name in /proc, and
// false when there are none here (a remote server).
func dbServerCPU(driver string) (time.Duration, bool) {
	names := map[string][]string{"mysql": {"mariadbd", "mysqld"}, "postgres": {"postgres"}}[driver]
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	var total time.Duration
	found := false
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || !slices.Contains(names, strings.TrimSpace(string(comm))) {
			continue
		}
		found = true
		total += memory{pid: pid}.cpu()
	}
	return total, found
}

// loadAvg is the 1-minute load average, or "" where /proc/loadavg is missing.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
