package watch

import (
	"fmt"
	"net/http"
	"time"
)

// Defaults of the options.
const (
	DefaultWindow = 6 * time.Hour
	// DefaultMaxSteps sets the default step: Window/DefaultMaxSteps, at
	// least MinDefaultStep: 90 s for six hours, 6 min for a day. The
	// statistics see at most DefaultPoints points anyway, and the query
	// layer's cost grows with the steps it returns (bench/watch.sh).
	DefaultMaxSteps = 240
	MinDefaultStep  = 30 * time.Second
	// DefaultPoints is how many points per signal the statistics see at
	// most (see WithPoints).
	DefaultPoints = 60
	// DefaultRequestsMetric is guard.Monitor's request histogram's count,
	// a counter of the requests served; FallbackRequestsMetric is the
	// usual name elsewhere.
	DefaultRequestsMetric  = "ginleak_http_request_duration_seconds_count"
	FallbackRequestsMetric = "http_requests_total"
	// DefaultQueryTimeout bounds each query on the server and the client.
	DefaultQueryTimeout = time.Minute
	// DefaultMaxResponseBytes caps each response: a 6 h window at 30 s of
	// 1,000 instances is about 20 MB of JSON.
	DefaultMaxResponseBytes = 512 << 20
	// Floors per request: soak's for the heap (32 B); one goroutine or one
	// descriptor per 1,000 requests; RSS as heap. Soak's goroutine floor
	// (one per 100 requests) is set for the noise of a 20,000-request run;
	// a window of a production instance holds millions of requests, and a
	// goroutine per 500 of them is tens of thousands a day.
	DefaultHeapFloor      = 32
	DefaultGoroutineFloor = 0.001
	DefaultFDFloor        = 0.001
	// Floors per hour, used when there is no request counter: 1 MiB, 10
	// goroutines, 1 descriptor per hour.
	DefaultHeapFloorPerHour      = 1 << 20
	DefaultGoroutineFloorPerHour = 10
	DefaultFDFloorPerHour        = 1
)

// Option configures Run.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	address          string
	selector         string
	window, step     time.Duration
	end              time.Time
	requestsMetric   string // "" means the default with its fallback
	noRequests       bool
	memoryLimit      float64
	allowRemote      bool
	points           int
	queryTimeout     time.Duration
	maxResponseBytes int64
	headers          http.Header
	floors           map[string]float64 // per request; by signal name
	hourFloors       map[string]float64
	pprofToken       string
	profileDelay     time.Duration
	maxProfiles      int
	betweenReadings  func() // tests only: runs instead of the delay
	err              error
}

// WithSelector restricts the instances to those matching the label
// matchers sel, e.g. `{job="api"}` (default: every instance that exports
// the Go collector's metrics).
func WithSelector(sel string) Option { return optionFunc(func(c *config) { c.selector = sel }) }

// WithWindow sets how far back from the end the series are read (default
// DefaultWindow).
func WithWindow(d time.Duration) Option { return optionFunc(func(c *config) { c.window = d }) }

// WithStep sets the range queries' resolution (default Window/240, at least
// 30 s). Steps shorter than the scrape interval repeat samples.
func WithStep(d time.Duration) Option { return optionFunc(func(c *config) { c.step = d }) }

// WithEnd sets the end of the window (default now).
func WithEnd(t time.Time) Option { return optionFunc(func(c *config) { c.end = t }) }

// WithRequestsMetric names the request counter (default guard.Monitor's,
// else http_requests_total). It is summed per instance.
func WithRequestsMetric(name string) Option {
	return optionFunc(func(c *config) { c.requestsMetric = name })
}

// WithoutRequests measures growth per hour instead of per request.
func WithoutRequests() Option { return optionFunc(func(c *config) { c.noRequests = true }) }

// WithMemoryLimit sets the memory limit, in bytes, that a heap leak is
// projected to reach (default: the container's limit when Prometheus has
// container_spec_memory_limit_bytes for the instance's pod).
func WithMemoryLimit(bytes float64) Option {
	return optionFunc(func(c *config) { c.memoryLimit = bytes })
}

// AllowRemote allows a Prometheus that is not on a loopback address.
func AllowRemote() Option { return optionFunc(func(c *config) { c.allowRemote = true }) }

// WithPoints caps the points per signal that the statistics see (default
// 60, 4 to 400): longer series are reduced to medians of consecutive runs.
// The statistics' cost grows with the square of it.
func WithPoints(n int) Option { return optionFunc(func(c *config) { c.points = n }) }

// WithQueryTimeout bounds each query (default one minute).
func WithQueryTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.queryTimeout = d })
}

// WithMaxResponseBytes caps each response's size (default 512 MiB).
func WithMaxResponseBytes(n int64) Option {
	return optionFunc(func(c *config) { c.maxResponseBytes = n })
}

// WithHeader adds a header to every request, e.g. X-Scope-OrgID for Mimir
// or Authorization for a proxy in front of Thanos.
func WithHeader(name, value string) Option {
	return optionFunc(func(c *config) {
		if c.headers == nil {
			c.headers = http.Header{}
		}
		c.headers.Add(name, value)
	})
}

// WithFloor sets the effect-size floor of a signal (SignalHeap, ...), in its
// unit per request: growth below it is stable.
func WithFloor(signal string, perRequest float64) Option {
	return optionFunc(func(c *config) {
		if _, ok := c.floors[signal]; !ok {
			c.err = fmt.Errorf("unknown signal %q", signal)
			return
		}
		c.floors[signal] = perRequest
	})
}

func newConfig(address string, opts []Option) (*config, error) {
	c := &config{
		address:          address,
		window:           DefaultWindow,
		points:           DefaultPoints,
		queryTimeout:     DefaultQueryTimeout,
		maxResponseBytes: DefaultMaxResponseBytes,
		floors: map[string]float64{
			SignalHeap: DefaultHeapFloor, SignalGoroutines: DefaultGoroutineFloor,
			SignalFDs: DefaultFDFloor, SignalRSS: DefaultHeapFloor,
		},
		hourFloors: map[string]float64{
			SignalHeap: DefaultHeapFloorPerHour, SignalGoroutines: DefaultGoroutineFloorPerHour,
			SignalFDs: DefaultFDFloorPerHour, SignalRSS: DefaultHeapFloorPerHour,
		},
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	if c.end.IsZero() {
		c.end = time.Now()
	}
	switch {
	case c.window < time.Minute || c.window > 90*24*time.Hour:
		return nil, fmt.Errorf("window %v: want between 1m and 90 days", c.window)
	case c.step == 0:
		c.step = max(MinDefaultStep, (c.window / DefaultMaxSteps).Truncate(time.Second))
	case c.step < time.Second:
		return nil, fmt.Errorf("step %v: want at least 1s", c.step)
	}
	// Prometheus refuses more than 11,000 points per series.
	if n := c.window / c.step; n > 11000 {
		return nil, fmt.Errorf("window %v at step %v is %d points per series; Prometheus answers at most 11,000: raise --step", c.window, c.step, n)
	}
	if c.window/c.step < 4 {
		return nil, fmt.Errorf("window %v at step %v gives fewer than 4 points: lower --step", c.window, c.step)
	}
	if c.points < 4 || c.points > 400 {
		return nil, fmt.Errorf("points %d: want 4 to 400", c.points)
	}
	if !(c.memoryLimit >= 0) || c.memoryLimit > 1<<60 {
		return nil, fmt.Errorf("memory limit %v: want 0 (none) or a byte count", c.memoryLimit)
	}
	if c.queryTimeout <= 0 {
		c.queryTimeout = DefaultQueryTimeout
	}
	if c.maxResponseBytes <= 0 {
		c.maxResponseBytes = DefaultMaxResponseBytes
	}
	for s, f := range c.floors {
		if !(f >= 0) || f > 1e12 {
			return nil, fmt.Errorf("floor of %s %v: want 0 or more", s, f)
		}
	}
	if c.requestsMetric != "" && !validMetricName(c.requestsMetric) {
		return nil, fmt.Errorf("requests metric %q is not a metric name", c.requestsMetric)
	}
	return c, checkSelector(c.selector)
}

// validMetricName reports whether s matches [a-zA-Z_:][a-zA-Z0-9_:]*.
func validMetricName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}
