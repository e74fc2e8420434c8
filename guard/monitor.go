package guard

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metric names exported by Monitor: a contract with the alert rules and
// dashboards in deploy/.
const (
	// MetricRequestsInFlight is a gauge of the requests being served.
	MetricRequestsInFlight = "ginleak_http_requests_in_flight"
	// MetricRequestDuration is a histogram of request latency, labelled
	// method, route and code.
	MetricRequestDuration = "ginleak_http_request_duration_seconds"
	// MetricAsyncInFlight is a gauge of the guard.Go functions running.
	MetricAsyncInFlight = "ginleak_async_in_flight"
	// MetricAsyncRejected counts guard.Go calls refused.
	MetricAsyncRejected = "ginleak_async_rejected_total"
	// MetricAsyncPanics counts guard.Go functions that panicked.
	MetricAsyncPanics = "ginleak_async_panics_total"
)

// DefaultBuckets returns the default buckets, in seconds, of the latency
// histogram: Prometheus' defaults plus 0.8 s, so that "p99 above 800 ms"
// alerts are exact at their threshold.
func DefaultBuckets() []float64 {
	return []float64{.005, .01, .025, .05, .1, .25, .5, .8, 1, 2.5, 5, 10}
}

// Monitor exports Prometheus metrics about requests and guard.Go work; see
// NewMonitor.
type Monitor struct {
	inFlight prometheus.Gauge
	duration *prometheus.HistogramVec

	// observers caches duration's children by label values so that the
	// hot path neither allocates nor locks; it is replaced, never changed.
	observers atomic.Pointer[map[observerKey]prometheus.Observer]
	mu        sync.Mutex // serialises replacements of observers
}

type observerKey struct {
	method, route string
	code          int
}

// NewMonitor registers on reg:
//
//   - ginleak_http_requests_in_flight (gauge): requests being served;
//   - ginleak_http_request_duration_seconds (histogram; labels method,
//     route — the route template, c.FullPath(), or "unmatched", never the
//     raw path — and code, the status code): request latency;
//   - ginleak_async_in_flight (gauge), ginleak_async_rejected_total and
//     ginleak_async_panics_total (counters): the guard.Go work of the
//     Async given with WithAsync (zero without one);
//   - the Go and process collectors (go_goroutines,
//     go_memstats_heap_alloc_bytes, process_resident_memory_bytes, ...),
//     unless reg already has them, as prometheus.DefaultRegisterer does.
//
// Methods other than the nine of net/http are counted as "OTHER", so that
// clients cannot create label values. WithBuckets changes the histogram's
// buckets (default DefaultBuckets). NewMonitor returns an error, and
// registers nothing, if reg is nil or already has one of ginleak's
// metrics (NewMonitor called twice with the same registry).
func NewMonitor(reg prometheus.Registerer, opts ...Option) (*Monitor, error) {
	if reg == nil {
		return nil, errors.New("guard: NewMonitor: nil prometheus.Registerer")
	}
	cfg := newConfig(opts)
	buckets := cfg.buckets
	if len(buckets) == 0 {
		buckets = DefaultBuckets()
	}
	m := &Monitor{
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricRequestsInFlight,
			Help: "HTTP requests being served.",
		}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricRequestDuration,
			Help:    "Latency of HTTP requests by method, route template and status code.",
			Buckets: buckets,
		}, []string{"method", "route", "code"}),
	}
	empty := map[observerKey]prometheus.Observer{}
	m.observers.Store(&empty)

	a := cfg.async
	asyncInFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: MetricAsyncInFlight,
		Help: "guard.Go functions running now.",
	}, func() float64 {
		if a == nil {
			return 0
		}
		return float64(a.InFlight())
	})
	asyncRejected := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: MetricAsyncRejected,
		Help: "guard.Go calls refused because the limit was reached or the server was shutting down.",
	}, func() float64 {
		if a == nil {
			return 0
		}
		return float64(a.Rejected())
	})
	asyncPanics := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: MetricAsyncPanics,
		Help: "guard.Go functions that panicked.",
	}, func() float64 {
		if a == nil {
			return 0
		}
		return float64(a.Panics())
	})

	var registered []prometheus.Collector
	undo := func() {
		for _, c := range registered {
			reg.Unregister(c)
		}
	}
	for _, c := range []prometheus.Collector{m.inFlight, m.duration, asyncInFlight, asyncRejected, asyncPanics} {
		if err := reg.Register(c); err != nil {
			undo()
			return nil, fmt.Errorf("guard: NewMonitor: registering ginleak's metrics: %w", err)
		}
		registered = append(registered, c)
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				continue
			}
			undo()
			return nil, fmt.Errorf("guard: NewMonitor: registering the Go and process collectors: %w", err)
		}
		registered = append(registered, c)
	}
	// The live heap after the last GC: the signal ginleak watch trusts,
	// since the in-use heap also holds garbage. The default Go collector
	// does not export it; a registry that already does (a Go collector with
	// runtime metrics enabled) keeps its own.
	_ = reg.Register(liveHeapGauge()) // an error means the registry has one
	return m, nil
}

// MetricLiveHeap is the live heap after the last GC, from runtime/metrics'
// /gc/heap/live:bytes (the name client_golang gives it).
const MetricLiveHeap = "go_gc_heap_live_bytes"

func liveHeapGauge() prometheus.Collector {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var mu sync.Mutex
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: MetricLiveHeap,
		Help: "Heap memory occupied by live objects that were marked by the previous GC.",
	}, func() float64 {
		mu.Lock()
		defer mu.Unlock()
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return float64(sample[0].Value.Uint64())
	})
}

// Middleware returns the middleware that counts requests in flight and
// observes their latency. A panic going through it is observed with code
// 500. Place it after AccessLog and before gin.Recovery (docs/guard.md).
func (m *Monitor) Middleware() gin.HandlerFunc {
	return m.handle
}

func (m *Monitor) handle(c *gin.Context) {
	m.inFlight.Inc()
	start := time.Now()
	finished := false
	defer func() {
		m.inFlight.Dec()
		if !finished {
			m.observe(c.Request.Method, c.FullPath(), http.StatusInternalServerError, time.Since(start))
		}
	}()
	c.Next()
	finished = true
	m.observe(c.Request.Method, c.FullPath(), c.Writer.Status(), time.Since(start))
}

func (m *Monitor) observe(method, route string, code int, d time.Duration) {
	k := observerKey{method: normalizeMethod(method), route: route, code: code}
	if k.route == "" {
		k.route = "unmatched"
	}
	obs, ok := (*m.observers.Load())[k]
	if !ok {
		obs = m.observer(k)
	}
	obs.Observe(d.Seconds())
}

// observer returns the histogram child for k, adding it to the cache.
func (m *Monitor) observer(k observerKey) prometheus.Observer {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.observers.Load()
	if obs, ok := old[k]; ok {
		return obs
	}
	obs := m.duration.WithLabelValues(k.method, k.route, strconv.Itoa(k.code))
	next := make(map[observerKey]prometheus.Observer, len(old)+1)
	for kk, vv := range old {
		next[kk] = vv
	}
	next[k] = obs
	m.observers.Store(&next)
	return obs
}

// normalizeMethod returns method if it is one of net/http's, else "OTHER".
func normalizeMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "OTHER"
}
