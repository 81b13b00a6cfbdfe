package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"
)

// latencyBuckets are the request-latency histogram's upper bounds (seconds).
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type routeCode struct {
	route string
	code  int
}

type histogram struct {
	counts []uint64 // per bucket (not cumulative), plus +Inf at the end
	sum    float64
	n      uint64
}

// metrics collects what /metrics reports, in Prometheus' text format
// (hand-written: counters, gauges and one histogram need no library).
type metrics struct {
	mu        sync.Mutex
	requests  map[routeCode]uint64
	latency   map[string]*histogram
	renders   uint64
	renderErr uint64
	hits      uint64
	misses    uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[routeCode]uint64{}, latency: map[string]*histogram{}}
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[routeCode{route, code}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latency[route] = h
	}
	s := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, s) // first bound >= s
	h.counts[i]++
	h.sum += s
	h.n++
}

func (m *metrics) cache(hit bool) {
	m.mu.Lock()
	if hit {
		m.hits++
	} else {
		m.misses++
	}
	m.mu.Unlock()
}

func (m *metrics) rendered(err error) {
	m.mu.Lock()
	m.renders++
	if err != nil {
		m.renderErr++
	}
	m.mu.Unlock()
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// gauges are the values read at scrape time.
type gauges struct {
	inFlight, queued         int64
	rejected                 int64
	cacheBytes, cacheEntries int64
	evictions                int64
}

func (m *metrics) write(w io.Writer, g gauges) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP mapcore_http_requests_total HTTP requests by route and status code.")
	fmt.Fprintln(w, "# TYPE mapcore_http_requests_total counter")
	keys := make([]routeCode, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].code < keys[j].code
	})
	for _, k := range keys {
		fmt.Fprintf(w, "mapcore_http_requests_total{route=%q,code=\"%d\"} %d\n", k.route, k.code, m.requests[k])
	}
	fmt.Fprintln(w, "# HELP mapcore_http_request_duration_seconds HTTP request latency by route.")
	fmt.Fprintln(w, "# TYPE mapcore_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "mapcore_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, fmtFloat(le), cum)
		}
		fmt.Fprintf(w, "mapcore_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.n)
		fmt.Fprintf(w, "mapcore_http_request_duration_seconds_sum{route=%q} %s\n", r, fmtFloat(h.sum))
		fmt.Fprintf(w, "mapcore_http_request_duration_seconds_count{route=%q} %d\n", r, h.n)
	}
	one := func(name, typ, help string, v any) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
	}
	one("mapcore_renders_total", "counter", "Renders started (cache misses that reached the renderer).", m.renders)
	one("mapcore_render_errors_total", "counter", "Renders that failed.", m.renderErr)
	one("mapcore_renders_in_flight", "gauge", "Renders running now.", g.inFlight)
	one("mapcore_render_queue_length", "gauge", "Requests waiting for a render slot.", g.queued)
	one("mapcore_render_queue_rejected_total", "counter", "Requests refused with 503 because the queue was full.", g.rejected)
	one("mapcore_cache_hits_total", "counter", "Responses served from the tile cache.", m.hits)
	one("mapcore_cache_misses_total", "counter", "Cacheable requests not in the cache.", m.misses)
	one("mapcore_cache_bytes", "gauge", "Bytes held by the tile cache.", g.cacheBytes)
	one("mapcore_cache_entries", "gauge", "Entries in the tile cache.", g.cacheEntries)
	one("mapcore_cache_evictions_total", "counter", "Entries evicted from the tile cache.", g.evictions)
}
