package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics uses its own registry per server, so tests can run many servers
// in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cobro_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cobro_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry lets other parts (job queue, webhooks, billing) add their metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// observe counts a request. Every label comes from a bounded set: route
// is a declared pattern or "unmatched", method is mapped by metricMethod,
// status is a three-digit code (issue 13: a client must not mint labels).
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	method = metricMethod(method)
	code := "other"
	if status >= 100 && status <= 599 {
		code = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(route, method, code).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// jobsCollector reports the job queue at scrape time (docs/operations.md#3-metrics-logs-openapi:
// depth and age of the oldest due job, by kind).
type jobsCollector struct {
	s          *Server
	depth, age *prometheus.Desc
}

func newJobsCollector(s *Server) *jobsCollector {
	return &jobsCollector{s: s,
		depth: prometheus.NewDesc("cobro_jobs_queued", "Jobs in the queue by kind.", []string{"kind"}, nil),
		age:   prometheus.NewDesc("cobro_jobs_oldest_due_seconds", "Age of the oldest due job by kind.", []string{"kind"}, nil)}
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.depth; ch <- c.age }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats, err := jobs.Depths(ctx, c.s.opt.DB, c.s.opt.Clock.Now())
	if err != nil {
		return
	}
	for kind, st := range stats {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(st.Depth), kind)
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, st.OldestDue.Seconds(), kind)
	}
}
