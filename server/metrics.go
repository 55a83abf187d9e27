package server

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are scimsql's Prometheus metrics, in a registry of their own so that two
// servers in one process (tests) do not collide.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	authFailures prometheus.Counter
	reloads      *prometheus.CounterVec
	reloadOK     prometheus.Gauge
	reloadOKTime prometheus.Gauge
	capabilities *prometheus.GaugeVec
	// series caches each operation and status's counter and histogram: looking them up
	// by label values hashes and locks on every request.
	series sync.Map // requestKey → *requestSeries
}

type requestKey struct {
	op     string
	status int
}

type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func newMetrics(s *Server, version string) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scimsql_requests_total", Help: "SCIM requests by SCIMService operation and HTTP status.",
	}, []string{"operation", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "scimsql_request_duration_seconds", Help: "SCIM request latency by operation.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"operation"})
	m.authFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "scimsql_auth_failures_total", Help: "Requests refused for missing or wrong credentials.",
	})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scimsql_reloads_total", Help: "Mapping reloads by result: success, failure, unchanged.",
	}, []string{"result"})
	m.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "scimsql_config_last_reload_successful", Help: "Whether the last mapping reload succeeded (1) or not (0).",
	})
	m.reloadOKTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "scimsql_config_last_reload_success_timestamp_seconds", Help: "When the mapping was last loaded successfully.",
	})
	m.capabilities = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scimsql_capability", Help: "Capabilities the current mapping declares to Okta (1) or not (0).",
	}, []string{"name"})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "scimsql_build_info", Help: "scimsql's version.", ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(m.requests, m.latency, m.authFailures, m.reloads, m.reloadOK, m.reloadOKTime, m.capabilities, build,
		&poolCollector{s: s}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Request implements httpapi.Observer.
func (m *metrics) Request(op string, status int, d time.Duration) {
	k := requestKey{op, status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, &requestSeries{
			count:   m.requests.WithLabelValues(op, strconv.Itoa(status)),
			latency: m.latency.WithLabelValues(op),
		})
	}
	rs := v.(*requestSeries)
	rs.count.Inc()
	rs.latency.Observe(d.Seconds())
}

// AuthFailed implements httpapi.Observer.
func (m *metrics) AuthFailed() { m.authFailures.Inc() }

// poolCollector reports the current generation's database pool.
type poolCollector struct{ s *Server }

var (
	poolOpen    = prometheus.NewDesc("scimsql_db_connections_open", "Open connections to the database.", nil, nil)
	poolInUse   = prometheus.NewDesc("scimsql_db_connections_in_use", "Connections running a statement.", nil, nil)
	poolIdle    = prometheus.NewDesc("scimsql_db_connections_idle", "Idle connections.", nil, nil)
	poolMax     = prometheus.NewDesc("scimsql_db_connections_max", "The pool's limit (database.maxOpenConns).", nil, nil)
	poolWaits   = prometheus.NewDesc("scimsql_db_wait_total", "Times a request waited for a free connection.", nil, nil)
	poolWaitSec = prometheus.NewDesc("scimsql_db_wait_seconds_total", "Time requests spent waiting for a connection.", nil, nil)
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMax, poolWaits, poolWaitSec} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	g := c.s.current()
	if g == nil {
		return
	}
	st := g.db.Stats()
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.OpenConnections))
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(st.InUse))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(st.Idle))
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(st.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.WaitCount))
	ch <- prometheus.MustNewConstMetric(poolWaitSec, prometheus.CounterValue, st.WaitDuration.Seconds())
}
