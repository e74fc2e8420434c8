package guard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// Defaults of NewClient: every bound an outbound call needs, so that a slow
// dependency costs a bounded number of goroutines and connections.
const (
	DefaultClientDialTimeout           = 3 * time.Second
	DefaultClientTLSHandshakeTimeout   = 5 * time.Second
	DefaultClientResponseHeaderTimeout = 10 * time.Second
	DefaultClientIdleConnTimeout       = 90 * time.Second
	DefaultClientTimeout               = 30 * time.Second
	DefaultClientMaxConnsPerHost       = 64

	// The breaker opens after DefaultBreakerConsecutiveFailures failures
	// in a row, or when at least DefaultBreakerMinRequests calls in the
	// last DefaultBreakerInterval failed at DefaultBreakerFailureRatio or
	// more; it lets one call through after DefaultBreakerOpenTimeout.
	DefaultBreakerConsecutiveFailures = 5
	DefaultBreakerFailureRatio        = 0.5
	DefaultBreakerMinRequests         = 20
	DefaultBreakerInterval            = 60 * time.Second
	DefaultBreakerOpenTimeout         = 30 * time.Second

	// DefaultFallbackMaxBody bounds the body GetWithFallback reads.
	DefaultFallbackMaxBody = 1 << 20
)

// Metric names of the client's breakers (see ClientMetrics).
const (
	// MetricBreakerState is a gauge per upstream host: 0 closed, 1
	// half-open, 2 open.
	MetricBreakerState = "ginleak_breaker_state"
	// MetricBreakerTransitions counts state changes, labelled host, from
	// and to.
	MetricBreakerTransitions = "ginleak_breaker_transitions_total"
	// MetricBreakerRejected counts calls refused by an open breaker.
	MetricBreakerRejected = "ginleak_breaker_rejected_total"
)

// ErrBreakerOpen is wrapped by the error of a call the breaker refused.
var ErrBreakerOpen = errors.New("circuit breaker open")

// ClientSettings are NewClient's bounds. Zero fields take the defaults; a
// negative one is an error.
type ClientSettings struct {
	DialTimeout           time.Duration `koanf:"dial_timeout"`
	TLSHandshakeTimeout   time.Duration `koanf:"tls_handshake_timeout"`
	ResponseHeaderTimeout time.Duration `koanf:"response_header_timeout"`
	IdleConnTimeout       time.Duration `koanf:"idle_conn_timeout"`
	// Timeout is the overall deadline of a call, body included.
	Timeout         time.Duration   `koanf:"timeout"`
	MaxConnsPerHost int             `koanf:"max_conns_per_host"`
	Breaker         BreakerSettings `koanf:"breaker"`
}

// BreakerSettings configure the circuit breaker of each upstream host.
type BreakerSettings struct {
	// Disabled turns the breakers off.
	Disabled            bool          `koanf:"disabled"`
	ConsecutiveFailures uint32        `koanf:"consecutive_failures"`
	FailureRatio        float64       `koanf:"failure_ratio"`
	MinRequests         uint32        `koanf:"min_requests"`
	Interval            time.Duration `koanf:"interval"`
	OpenTimeout         time.Duration `koanf:"open_timeout"`
}

func (s ClientSettings) withDefaults() (ClientSettings, error) {
	durs := []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{
		{"dial timeout", &s.DialTimeout, DefaultClientDialTimeout},
		{"TLS handshake timeout", &s.TLSHandshakeTimeout, DefaultClientTLSHandshakeTimeout},
		{"response header timeout", &s.ResponseHeaderTimeout, DefaultClientResponseHeaderTimeout},
		{"idle connection timeout", &s.IdleConnTimeout, DefaultClientIdleConnTimeout},
		{"timeout", &s.Timeout, DefaultClientTimeout},
		{"breaker interval", &s.Breaker.Interval, DefaultBreakerInterval},
		{"breaker open timeout", &s.Breaker.OpenTimeout, DefaultBreakerOpenTimeout},
	}
	for _, d := range durs {
		if *d.d < 0 {
			return s, fmt.Errorf("guard: client %s %v must not be negative", d.name, *d.d)
		}
		if *d.d == 0 {
			*d.d = d.def
		}
	}
	if s.MaxConnsPerHost < 0 {
		return s, fmt.Errorf("guard: client max connections per host %d must not be negative", s.MaxConnsPerHost)
	}
	if s.MaxConnsPerHost == 0 {
		s.MaxConnsPerHost = DefaultClientMaxConnsPerHost
	}
	b := &s.Breaker
	if !(b.FailureRatio >= 0 && b.FailureRatio <= 1) {
		return s, fmt.Errorf("guard: breaker failure ratio %v: want 0 to 1", b.FailureRatio)
	}
	if b.ConsecutiveFailures == 0 {
		b.ConsecutiveFailures = DefaultBreakerConsecutiveFailures
	}
	if b.FailureRatio == 0 {
		b.FailureRatio = DefaultBreakerFailureRatio
	}
	if b.MinRequests == 0 {
		b.MinRequests = DefaultBreakerMinRequests
	}
	return s, nil
}

// ClientOption configures NewClient.
type ClientOption func(*clientOptions)

type clientOptions struct {
	settings ClientSettings
	reg      prometheus.Registerer
	base     http.RoundTripper
}

// ClientBounds sets the timeouts, the connection bound and the breaker.
func ClientBounds(s ClientSettings) ClientOption {
	return func(o *clientOptions) { o.settings = s }
}

// ClientMetrics registers the breakers' metrics with reg (the registry
// given to NewMonitor, to export them beside the server's).
func ClientMetrics(reg prometheus.Registerer) ClientOption {
	return func(o *clientOptions) { o.reg = reg }
}

// ClientTransport replaces the *http.Transport NewClient builds (its
// timeouts then are the caller's business); for tests and custom TLS.
func ClientTransport(rt http.RoundTripper) ClientOption {
	return func(o *clientOptions) { o.base = rt }
}

// Client is an *http.Client for calls to dependencies: every timeout set,
// connections per host bounded, and a circuit breaker per upstream host, so
// that a dependency that is slow or down costs fast failures instead of
// piling up goroutines. Make requests with the inbound request's context
// (Outbound(c)): a client that goes away then cancels the upstream call.
type Client struct {
	// HTTP is the client; use it as any *http.Client.
	HTTP *http.Client

	settings ClientSettings
	breakers *breakers
}

// NewClient returns a Client.
func NewClient(opts ...ClientOption) (*Client, error) {
	var o clientOptions
	for _, opt := range opts {
		opt(&o)
	}
	s, err := o.settings.withDefaults()
	if err != nil {
		return nil, err
	}
	base := o.base
	if base == nil {
		base = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: s.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   s.TLSHandshakeTimeout,
			ResponseHeaderTimeout: s.ResponseHeaderTimeout,
			IdleConnTimeout:       s.IdleConnTimeout,
			MaxConnsPerHost:       s.MaxConnsPerHost,
			MaxIdleConnsPerHost:   s.MaxConnsPerHost,
			ForceAttemptHTTP2:     true,
		}
	}
	c := &Client{settings: s}
	// The overall deadline is set per round trip on the request's context
	// rather than with http.Client.Timeout, whose timer goroutine costs
	// about 4 µs and 18 allocations a call (measured in BenchmarkClient*).
	rt := http.RoundTripper(&deadlineTransport{timeout: s.Timeout, next: base})
	if !s.Breaker.Disabled {
		c.breakers, err = newBreakers(s.Breaker, o.reg, rt)
		if err != nil {
			return nil, err
		}
		rt = c.breakers
	}
	//ginleak:ignore clienttimeout deadlineTransport bounds every round trip, body included; http.Client.Timeout would cost a timer goroutine per call
	c.HTTP = &http.Client{Transport: rt}
	return c, nil
}

// deadlineTransport bounds each round trip, body read included, by timeout,
// unless the request's context already ends sooner.
type deadlineTransport struct {
	timeout time.Duration
	next    http.RoundTripper
}

func (t *deadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if dl, ok := req.Context().Deadline(); ok && time.Until(dl) <= t.timeout {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the deadline's timer when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// Outbound is the context for a dependency call made while serving c: the
// request's own, so the call ends when the client goes away or the request
// times out. (Never context.Background: that call outlives the request.)
func Outbound(c *gin.Context) context.Context {
	if c == nil || c.Request == nil {
		return context.Background()
	}
	return c.Request.Context()
}

// Timeout is the overall deadline of each call.
func (c *Client) Timeout() time.Duration { return c.settings.Timeout }

// BreakerState returns the state of host's breaker ("closed", "half-open",
// "open"), "closed" for a host not called yet or with breakers disabled.
func (c *Client) BreakerState(host string) string {
	if c.breakers == nil {
		return gobreaker.StateClosed.String()
	}
	return c.breakers.get(host).State().String()
}

// Fallback says what GetWithFallback answers when the upstream cannot.
type Fallback struct {
	// Cache keeps the last good body per URL and answers from it.
	Cache *Cache[string, []byte]
	// Default answers when nothing is cached; nil returns the error.
	Default []byte
	// MaxBody bounds the body read (default DefaultFallbackMaxBody); a
	// larger body is an error, not a truncated answer.
	MaxBody int64
}

// Source says where a Result's body came from.
type Source string

// The sources of a Result.
const (
	FromUpstream Source = "upstream"
	FromCache    Source = "cache"
	FromDefault  Source = "default"
)

// Result is GetWithFallback's answer.
type Result struct {
	Body   []byte
	Status int // the upstream's status; 0 when it did not answer
	Source Source
	// Err is why the fallback answered (breaker open, timeout, 5xx...).
	Err error
}

// GetWithFallback GETs url with ctx; a 2xx body is cached and returned.
// When the breaker is open, the call fails or times out, or the upstream
// answers 5xx, it answers from fb.Cache, then fb.Default (the seed:
// "return cached data or a default"), and returns an error only when
// neither has anything. 4xx answers are the caller's to handle: returned
// as they are, not replaced.
func (c *Client) GetWithFallback(ctx context.Context, url string, fb Fallback) (Result, error) {
	max := fb.MaxBody
	if max <= 0 {
		max = DefaultFallbackMaxBody
	}
	res, err := c.get(ctx, url, max)
	if err == nil && res.Status < 500 {
		if res.Status < 300 && fb.Cache != nil {
			fb.Cache.Set(url, res.Body)
		}
		return res, nil
	}
	if err == nil {
		err = fmt.Errorf("GET %s: upstream answered %d", url, res.Status)
	}
	if fb.Cache != nil {
		if body, ok := fb.Cache.Get(url); ok {
			return Result{Body: body, Status: res.Status, Source: FromCache, Err: err}, nil
		}
	}
	if fb.Default != nil {
		return Result{Body: bytes.Clone(fb.Default), Status: res.Status, Source: FromDefault, Err: err}, nil
	}
	return Result{Status: res.Status, Err: err}, err
}

func (c *Client) get(ctx context.Context, url string, max int64) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Result{}, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return Result{Status: resp.StatusCode}, fmt.Errorf("GET %s: read body: %w", url, err)
	}
	if int64(len(body)) > max {
		return Result{Status: resp.StatusCode}, fmt.Errorf("GET %s: body larger than %d bytes", url, max)
	}
	return Result{Body: body, Status: resp.StatusCode, Source: FromUpstream}, nil
}

// breakers is a RoundTripper with one circuit breaker per upstream host.
type breakers struct {
	settings BreakerSettings
	base     http.RoundTripper

	mu sync.Mutex
	m  map[string]*gobreaker.CircuitBreaker[*http.Response]

	state       *prometheus.GaugeVec
	transitions *prometheus.CounterVec
	rejected    *prometheus.CounterVec
}

func newBreakers(s BreakerSettings, reg prometheus.Registerer, base http.RoundTripper) (*breakers, error) {
	b := &breakers{
		settings: s, base: base, m: map[string]*gobreaker.CircuitBreaker[*http.Response]{},
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricBreakerState,
			Help: "State of the circuit breaker of each upstream host: 0 closed, 1 half-open, 2 open."}, []string{"host"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricBreakerTransitions,
			Help: "Circuit breaker state changes per upstream host."}, []string{"host", "from", "to"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricBreakerRejected,
			Help: "Calls refused by an open circuit breaker, per upstream host."}, []string{"host"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{b.state, b.transitions, b.rejected} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("guard: register breaker metrics: %w (one registry takes one guard.Client's metrics)", err)
			}
		}
	}
	return b, nil
}

func (b *breakers) get(host string) *gobreaker.CircuitBreaker[*http.Response] {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cb, ok := b.m[host]; ok {
		return cb
	}
	s := b.settings
	cb := gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
		Name:     host,
		Interval: s.Interval,
		Timeout:  s.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= s.ConsecutiveFailures ||
				(c.Requests >= s.MinRequests && float64(c.TotalFailures)/float64(c.Requests) >= s.FailureRatio)
		},
		OnStateChange: func(name string, from, to gobreaker.State) {
			b.state.WithLabelValues(name).Set(float64(to))
			b.transitions.WithLabelValues(name, from.String(), to.String()).Inc()
		},
		// The inbound client going away says nothing about the upstream.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	b.state.WithLabelValues(host).Set(float64(gobreaker.StateClosed))
	b.m[host] = cb
	return cb
}

// errServer marks a 5xx answer as a failure for the breaker; RoundTrip
// still returns the response to the caller.
var errServer = errors.New("upstream answered 5xx")

func (b *breakers) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	resp, err := b.get(host).Execute(func() (*http.Response, error) {
		resp, err := b.base.RoundTrip(req)
		if err == nil && resp.StatusCode >= 500 {
			return resp, errServer
		}
		return resp, err
	})
	switch {
	case errors.Is(err, errServer):
		return resp, nil
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, also when it sends nothing
		}
		b.rejected.WithLabelValues(host).Inc()
		return nil, fmt.Errorf("%s %s: %w (%v)", req.Method, host, ErrBreakerOpen, err)
	}
	return resp, err
}
