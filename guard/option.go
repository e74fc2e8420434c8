package guard

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Option configures the constructors of this package. As with
// go.uber.org/goleak there is a single option type; each option documents
// the functions that read it, and the others ignore it.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Defaults of the options.
const (
	// DefaultShutdownDelay is how long Serve keeps serving after the stop
	// signal, with readiness failing and connections closed after each
	// response, before it shuts the listener: time for load balancers
	// and Kubernetes endpoints to stop sending new requests.
	DefaultShutdownDelay = 5 * time.Second
	// DefaultDrainTimeout is how long Serve waits for in-flight requests.
	DefaultDrainTimeout = 15 * time.Second
	// DefaultAsyncDrainTimeout is how long Serve waits for guard.Go work
	// after the server has stopped, before it cancels that work.
	DefaultAsyncDrainTimeout = 10 * time.Second
	// DefaultAsyncLimit is how many guard.Go functions may run at once.
	DefaultAsyncLimit = 1024
	// DefaultAsyncTimeout is the deadline of each guard.Go function.
	DefaultAsyncTimeout = 30 * time.Second
	// DefaultLeakThreshold is the size from which LeakHandler flags a
	// group of goroutines.
	DefaultLeakThreshold = 100
)

// config is the union of every option; a constructor reads its part.
type config struct {
	logger *slog.Logger

	listener          net.Listener
	shutdownDelay     time.Duration
	readiness         *Readiness
	drainTimeout      time.Duration
	asyncDrainTimeout time.Duration
	async             *Async
	signals           []os.Signal
	signalsSet        bool

	asyncLimit   int
	asyncTimeout time.Duration

	redactHeaders []string
	redactQuery   []string
	logHeaders    bool
	logBodyMax    int

	tracerProvider trace.TracerProvider
	propagators    propagation.TextMapPropagator
	meterProvider  metric.MeterProvider
	otelginOpts    []otelgin.Option

	buckets []float64

	leakThreshold int

	// errs collects invalid option values; constructors that return an
	// error report them, the others fall back to the default.
	errs []error
}

func newConfig(opts []Option) *config {
	c := &config{
		shutdownDelay:     DefaultShutdownDelay,
		drainTimeout:      DefaultDrainTimeout,
		asyncDrainTimeout: DefaultAsyncDrainTimeout,
		asyncLimit:        DefaultAsyncLimit,
		asyncTimeout:      DefaultAsyncTimeout,
		leakThreshold:     DefaultLeakThreshold,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

func (c *config) invalid(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// loggerOrDefault returns the configured logger or slog.Default().
func (c *config) loggerOrDefault() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}

// WithLogger sets the logger of NewServer (as the server's ErrorLog, at
// level Warn), Serve (start, shutdown, drain problems) and NewAsync
// (panics and overruns of guard.Go work). Without it they use
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// WithListener makes Serve accept connections on ln instead of listening
// on the server's Addr. Serve closes ln when it returns.
func WithListener(ln net.Listener) Option {
	return optionFunc(func(c *config) { c.listener = ln })
}

// WithShutdownDelay sets how long Serve goes on serving after the stop
// signal before it closes the listener (default DefaultShutdownDelay):
// the Readiness of WithReadiness answers 503 at once, every HTTP/1
// response says "Connection: close", and new connections are still
// accepted, so that requests already routed here are served while load
// balancers notice the failing readiness and stop sending more. 0 skips
// the delay (tests, a service with no load balancer in front). A negative
// delay makes Serve return an error.
func WithShutdownDelay(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.invalid("guard: WithShutdownDelay(%v): want a duration of 0 or more", d)
			return
		}
		c.shutdownDelay = d
	})
}

// WithReadiness hands r to Serve, which makes it ready once it listens and
// not ready as soon as shutdown begins (see Readiness).
func WithReadiness(r *Readiness) Option {
	return optionFunc(func(c *config) { c.readiness = r })
}

// WithDrainTimeout sets how long Serve waits for in-flight requests to
// finish once shutdown has begun (default DefaultDrainTimeout). When it
// expires, the base context of every request is cancelled and the
// remaining connections are closed.
func WithDrainTimeout(d time.Duration) Option {
	return positiveDuration("WithDrainTimeout", d, func(c *config) { c.drainTimeout = d })
}

// WithAsyncDrainTimeout sets how long Serve waits for guard.Go work once
// the server has stopped (default DefaultAsyncDrainTimeout); then the work
// is cancelled (see Async.Shutdown).
func WithAsyncDrainTimeout(d time.Duration) Option {
	return positiveDuration("WithAsyncDrainTimeout", d, func(c *config) { c.asyncDrainTimeout = d })
}

// positiveDuration is an option that applies set when d is positive and
// records a misuse naming the option otherwise.
func positiveDuration(name string, d time.Duration, set func(*config)) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.invalid("guard: %s(%v): want a positive duration", name, d)
			return
		}
		set(c)
	})
}

// WithAsync hands a to Serve, which makes it reachable from every request
// (so guard.Go works without Async.Middleware) and drains it at shutdown,
// and to NewMonitor, which exports its counters.
func WithAsync(a *Async) Option {
	return optionFunc(func(c *config) { c.async = a })
}

// WithSignals sets the signals that make Serve shut down (default SIGINT
// and SIGTERM). WithSignals() with no signal disables signal handling:
// only the context passed to Serve stops it.
func WithSignals(sigs ...os.Signal) Option {
	return optionFunc(func(c *config) {
		c.signals = append([]os.Signal(nil), sigs...)
		c.signalsSet = true
	})
}

// WithAsyncLimit sets how many guard.Go functions an Async runs at once
// (default DefaultAsyncLimit). When the limit is reached, guard.Go returns
// ErrAsyncFull instead of starting another goroutine.
func WithAsyncLimit(n int) Option {
	return optionFunc(func(c *config) {
		if n <= 0 {
			c.invalid("guard: WithAsyncLimit(%d): want a positive limit", n)
			return
		}
		c.asyncLimit = n
	})
}

// WithAsyncTimeout sets the deadline of the context each guard.Go function
// receives (default DefaultAsyncTimeout).
func WithAsyncTimeout(d time.Duration) Option {
	return positiveDuration("WithAsyncTimeout", d, func(c *config) { c.asyncTimeout = d })
}

// WithRedactedHeaders adds header names whose values AccessLog replaces by
// "[REDACTED]", besides those it finds secret by their words (see
// AccessLog). A name matches case-insensitively, and also by its words:
// a one-word name ("ssn") as a word of any header name ("X-User-SSN"),
// a longer one ("x-tenant") as the same words ("X_Tenant").
func WithRedactedHeaders(names ...string) Option {
	return optionFunc(func(c *config) { c.redactHeaders = append(c.redactHeaders, names...) })
}

// WithRedactedQuery adds query parameter names (compared after unescaping,
// as WithRedactedHeaders compares header names) whose values AccessLog
// replaces by "[REDACTED]", besides those it finds secret by their words
// (see AccessLog).
func WithRedactedQuery(names ...string) Option {
	return optionFunc(func(c *config) { c.redactQuery = append(c.redactQuery, names...) })
}

// WithHeaderLogging makes AccessLog log request and response headers,
// redacted, as the groups req_headers and resp_headers.
func WithHeaderLogging() Option {
	return optionFunc(func(c *config) { c.logHeaders = true })
}

// WithBodyLogging makes AccessLog log the first max bytes of the request
// body that the handlers read and of the response body they wrote, as
// req_body and resp_body. Bodies are not redacted beyond the values of
// redacted headers and query parameters (a password in a JSON or form body
// is logged): do not enable it for routes whose bodies carry secrets. A max ≤ 0 leaves body logging off.
func WithBodyLogging(max int) Option {
	return optionFunc(func(c *config) {
		if max > 0 {
			c.logBodyMax = max
		}
	})
}

// WithTracerProvider sets the TracerProvider of Tracing. Without it
// Tracing uses a no-op provider, which still propagates an incoming trace
// context (so the access log shows the caller's trace ID) but records
// nothing.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tracerProvider = tp })
}

// WithPropagators sets the propagators Tracing extracts an incoming trace
// context with (default: W3C trace context and baggage).
func WithPropagators(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c *config) { c.propagators = p })
}

// WithMeterProvider sets the MeterProvider otelgin records its HTTP
// metrics on (default: a no-op provider; Monitor exports Prometheus
// metrics independently).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meterProvider = mp })
}

// WithOtelginOptions passes further options to otelgin.Middleware, after
// the ones Tracing sets (so they can override them).
func WithOtelginOptions(opts ...otelgin.Option) Option {
	return optionFunc(func(c *config) { c.otelginOpts = append(c.otelginOpts, opts...) })
}

// WithBuckets sets the buckets, in seconds, of NewMonitor's latency
// histogram (default DefaultBuckets).
func WithBuckets(b ...float64) Option {
	return optionFunc(func(c *config) { c.buckets = append([]float64(nil), b...) })
}

// WithLeakThreshold sets the number of goroutines from which LeakHandler
// flags a group (default DefaultLeakThreshold).
func WithLeakThreshold(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.leakThreshold = n
		}
	})
}
