package shop

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/maypok86/otter/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ginleak/ginleak/guard"
)

// Defaults of [Options].
const (
	DefaultViewCacheSize  = 1000
	DefaultViewCacheTTL   = 5 * time.Minute
	DefaultRelayLatency   = 10 * time.Minute
	DefaultNotifyTimeout  = 50 * time.Millisecond
	DefaultQuoteLatency   = 20 * time.Millisecond
	DefaultQuotePatience  = 5 * time.Millisecond
	DefaultHistorySize    = 64
	DefaultMaxOrderBytes  = 64 << 10
	DefaultMaxBodyBytes   = 1 << 20
	DefaultRequestTimeout = 10 * time.Second
	DefaultCartCacheSize  = 10_000
	DefaultCartIdleExpiry = 30 * time.Minute
	DefaultReportLatency  = 5 * time.Millisecond

	// DefaultInventoryPatience and DefaultInventoryTimeout are the stock
	// routes' waits (case 6).
	DefaultInventoryPatience = 20 * time.Millisecond
	DefaultInventoryTimeout  = 50 * time.Millisecond
)

// Options configures a [Shop]. The zero value is what the demo runs.
type Options struct {
	// Logger receives the shop's own log lines (audit, undelivered mail,
	// panics of background work). Nil discards them.
	Logger *slog.Logger

	// AccessLog receives one line per request to /fixed/... (guard.AccessLog).
	// Nil, the default, logs nothing.
	AccessLog *slog.Logger

	// Done, when closed, lets the goroutines parked by /leaky/checkout
	// return, so that tests can end without leaking them. Nil, as in the
	// demo, never fires: those goroutines stay parked for good, which is the
	// leak the route shows. (The senders parked by /leaky/shipping/quote
	// cannot be released at all: any way out for them is exactly the fix.)
	Done <-chan struct{}

	// ViewCacheSize bounds the fixed product-view cache (entries); default
	// DefaultViewCacheSize. ViewCacheTTL is how long an entry lives after it
	// is written; default DefaultViewCacheTTL.
	ViewCacheSize int
	ViewCacheTTL  time.Duration

	// RelayLatency is how long the (simulated) mail relay takes to accept a
	// message: it is hung, so the default is DefaultRelayLatency.
	// NotifyTimeout bounds the fixed notifier; default DefaultNotifyTimeout.
	RelayLatency  time.Duration
	NotifyTimeout time.Duration

	// QuoteLatency is how long the (simulated) carrier takes to quote;
	// QuotePatience is how long the handler waits before it answers with
	// the flat rate. Defaults DefaultQuoteLatency and DefaultQuotePatience.
	QuoteLatency  time.Duration
	QuotePatience time.Duration

	// ReportLatency is how long the (simulated) report query of the
	// /…/report routes takes (case 7); default DefaultReportLatency.
	ReportLatency time.Duration

	// HistorySize is how many requests the fixed history keeps; default
	// DefaultHistorySize.
	HistorySize int

	// MaxOrderBytes bounds the body the fixed audit middleware captures
	// (guard.CaptureBody); default DefaultMaxOrderBytes. MaxBodyBytes
	// bounds every request body under /fixed (guard.BodyLimit); default
	// DefaultMaxBodyBytes.
	MaxOrderBytes int64
	MaxBodyBytes  int64

	// RequestTimeout is the deadline guard.Timeout puts on the context of
	// every request under /fixed; default DefaultRequestTimeout.
	RequestTimeout time.Duration

	// InventoryURL is the base URL of the inventory service the stock routes
	// call (case 6); empty, they answer the default stock at once.
	// InventoryPatience is how long the leaky handler waits for it (default
	// DefaultInventoryPatience); InventoryTimeout bounds the fixed handler's
	// call (default DefaultInventoryTimeout).
	InventoryURL      string
	InventoryPatience time.Duration
	InventoryTimeout  time.Duration

	// PprofToken, when not empty, puts /debug/pprof (guard.Pprof) and
	// /debug/leaks (guard.Leaks) behind "Authorization: Bearer
	// <PprofToken>"; guard refuses a token shorter than guard.MinTokenLen
	// or with spaces or invisible characters. Empty, the
	// default, serves both without authentication, because `ginleak soak`
	// and `ginleak demo` read the profiles without a token; a real service
	// must not do that.
	PprofToken string
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AccessLog == nil {
		o.AccessLog = slog.New(slog.DiscardHandler)
	}
	setDefault(&o.ViewCacheSize, DefaultViewCacheSize)
	setDefault(&o.ViewCacheTTL, DefaultViewCacheTTL)
	setDefault(&o.RelayLatency, DefaultRelayLatency)
	setDefault(&o.NotifyTimeout, DefaultNotifyTimeout)
	setDefault(&o.QuoteLatency, DefaultQuoteLatency)
	setDefault(&o.QuotePatience, DefaultQuotePatience)
	setDefault(&o.HistorySize, DefaultHistorySize)
	setDefault(&o.MaxOrderBytes, DefaultMaxOrderBytes)
	setDefault(&o.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&o.RequestTimeout, DefaultRequestTimeout)
	setDefault(&o.ReportLatency, DefaultReportLatency)
	setDefault(&o.InventoryPatience, DefaultInventoryPatience)
	setDefault(&o.InventoryTimeout, DefaultInventoryTimeout)
	return o
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Shop is one running shop: its data, its caches and its router.
type Shop struct {
	opts      Options
	log       *slog.Logger
	catalog   *catalog
	carts     *otter.Cache[string, *cart]
	views     *guard.Cache[string, []byte] // the fixed product-view cache (case 2)
	stock     *guard.Cache[string, []byte] // last good inventory answers (case 6)
	inventory *guard.Client                // the fixed stock route's client (case 6)
	bufs      sync.Pool                    // *bytes.Buffer for rendering views
	async     *guard.Async                 // background work of the fixed code (case 1)
	metrics   *prometheus.Registry         // served at /metrics
	monitor   *guard.Monitor
	outbox    outbox
	carrier   carrier
	orders    atomic.Int64 // orders placed, for order numbers
	nonce     string       // prefix of generated request IDs
	reqs      atomic.Int64 // requests seen, for request IDs
	router    *gin.Engine
}

// New builds a shop and its router. Call Close when done with it: the
// caches run a clean-up goroutine each. New fails when an option is
// invalid (a PprofToken with spaces, for instance).
func New(opts Options) (*Shop, error) {
	opts = opts.withDefaults()
	views, err := guard.NewCache[string, []byte](opts.ViewCacheSize, opts.ViewCacheTTL)
	if err != nil {
		return nil, fmt.Errorf("shop: product-view cache: %w", err)
	}
	stock, err := guard.NewCache[string, []byte](opts.ViewCacheSize, opts.ViewCacheTTL)
	if err != nil {
		views.Close()
		return nil, fmt.Errorf("shop: stock cache: %w", err)
	}
	async, err := guard.NewAsync(guard.WithLogger(opts.Logger))
	if err != nil {
		views.Close()
		stock.Close()
		return nil, fmt.Errorf("shop: background work: %w", err)
	}
	reg := prometheus.NewRegistry()
	mon, err := guard.NewMonitor(reg, guard.WithAsync(async))
	if err != nil {
		views.Close()
		stock.Close()
		return nil, fmt.Errorf("shop: metrics: %w", err)
	}
	inventory, err := guard.NewClient(guard.ClientMetrics(reg), guard.ClientBounds(guard.ClientSettings{
		Timeout: opts.InventoryTimeout,
		Breaker: guard.BreakerSettings{OpenTimeout: 5 * time.Second},
	}))
	if err != nil {
		views.Close()
		stock.Close()
		return nil, fmt.Errorf("shop: inventory client: %w", err)
	}
	s := &Shop{
		opts:    opts,
		log:     opts.Logger,
		catalog: newCatalog(),
		carts: otter.Must(&otter.Options[string, *cart]{
			MaximumSize:      DefaultCartCacheSize,
			ExpiryCalculator: otter.ExpiryAccessing[string, *cart](DefaultCartIdleExpiry),
		}),
		views:     views,
		stock:     stock,
		inventory: inventory,
		async:     async,
		metrics:   reg,
		monitor:   mon,
		outbox:    outbox{log: opts.Logger},
		carrier:   carrier{latency: opts.QuoteLatency},
		nonce:     strconv.FormatInt(time.Now().UnixNano()%1e9, 36),
	}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	if s.router, err = s.routes(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Router returns the shop's gin engine. It is an http.Handler: serve it with
// guard.NewServer and guard.Serve (see leakyshop's main), which give it
// timeouts and a graceful shutdown.
func (s *Shop) Router() *gin.Engine { return s.router }

// Async returns the shop's background work (the confirmation mails of the
// fixed checkouts). Hand it to guard.Serve with guard.WithAsync, so that a
// shutdown waits for it.
func (s *Shop) Async() *guard.Async { return s.async }

// Close waits briefly for the shop's background work (it is bounded by
// Options.NotifyTimeout) and stops the goroutines of its caches. It does
// not release the goroutines parked by /leaky routes; close Options.Done
// for that.
func (s *Shop) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.NotifyTimeout+time.Second)
	if err := s.async.Shutdown(ctx); err != nil {
		s.log.Warn("background work still running at close", "err", err)
	}
	cancel()
	s.carts.StopAllGoroutines()
	s.views.Close()
	s.stock.Close()
	s.inventory.HTTP.CloseIdleConnections()
}

// MailsSent is how many order confirmations the mail relay accepted.
func (s *Shop) MailsSent() int64 { return s.outbox.sent.Load() }

func (s *Shop) routes() (*gin.Engine, error) {
	r := gin.New()
	r.Use(gin.Recovery())

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	if err := s.mountDebug(r); err != nil {
		return nil, err
	}

	api := r.Group("/api", s.requestID(), s.async.Middleware())
	api.GET("/products", s.listProducts)
	api.GET("/products/:id", s.getProduct)
	api.POST("/carts", s.createCart)
	api.GET("/carts/:id", s.getCart)
	api.POST("/carts/:id/items", s.addCartItem)
	api.DELETE("/carts/:id/items/:product", s.removeCartItem)
	api.POST("/carts/:id/checkout", s.checkoutCart)

	// The leaky routes keep the shop's original, minimal middleware: what
	// leaks there is the handlers' own doing.
	leaky := r.Group("/leaky", s.requestID())
	// The fixed routes run behind guard's stack, in the order of
	// docs/guard.md (gin.Recovery is the engine's, above).
	fixed := r.Group("/fixed",
		guard.RequestID(),                 // the ID first, so every answer carries it
		guard.AccessLog(s.opts.AccessLog), // the final status, 413 and 504 included
		s.monitor.Middleware(),            // latency per route template
		s.async.Middleware(),              // guard.Go also without guard.Serve (tests)
		guard.BodyLimit(s.opts.MaxBodyBytes),
		guard.Timeout(s.opts.RequestTimeout),
	)

	// Case 1, ctxescape.
	leaky.POST("/checkout", s.leakyCheckout)
	fixed.POST("/checkout", s.fixedCheckout)

	// Case 2, globalcache.
	leaky.GET("/products/:id", s.leakyProductView)
	fixed.GET("/products/:id", s.fixedProductView)

	// Case 3, chanleak.
	leaky.GET("/shipping/quote", s.leakyShippingQuote)
	fixed.GET("/shipping/quote", s.fixedShippingQuote)

	// Case 4, history: the middleware wraps a group; the history itself is
	// shown outside it, so looking does not add to it.
	leakyRecord, leakyShow := leakyHistory()
	leaky.GET("/history", leakyShow)
	leaky.Group("/history", leakyRecord).GET("/products/:id", s.getProduct)
	fixedRecord, fixedShow := fixedHistory(s.opts.HistorySize)
	fixed.GET("/history", fixedShow)
	fixed.Group("/history", fixedRecord).GET("/products/:id", s.getProduct)

	// Case 6, dependency.
	leaky.GET("/stock/:id", s.leakyStock)
	fixed.GET("/stock/:id", s.fixedStock)

	// Case 5, bodyrestore.
	leaky.POST("/orders", leakyAuditBody(s.log), createOrder(s.opts.MaxOrderBytes))
	fixed.POST("/orders", guard.CaptureBody(s.opts.MaxOrderBytes), fixedAuditBody(s.log), createOrder(s.opts.MaxOrderBytes))

	// Case 7, clientgone: leaks only when clients give up (ginleak soak --abort).
	leaky.GET("/report", s.leakyReport)
	fixed.GET("/report", s.fixedReport)

	return r, nil
}

// mountDebug mounts /debug/pprof, /debug/leaks and /metrics on r. Without
// Options.PprofToken, pprof is net/http/pprof's handlers and the leak page
// is guard.LeakHandler, both unauthenticated, because `ginleak soak` reads
// them without a token (leakyshop's main then listens on loopback only);
// with it, guard.Pprof and guard.Leaks protect both with that token.
// /metrics is open, as for a Prometheus scraper on a private network.
func (s *Shop) mountDebug(r *gin.Engine) error {
	if tok := s.opts.PprofToken; tok != "" {
		leaks, err := guard.Leaks(tok)
		if err != nil {
			return fmt.Errorf("shop: pprof token: %w", err)
		}
		if err := guard.Pprof(r, tok); err != nil {
			return fmt.Errorf("shop: %w", err)
		}
		r.GET("/debug/leaks", gin.WrapH(leaks))
	} else {
		mountPprof(r)
		r.GET("/debug/leaks", gin.WrapH(guard.LeakHandler()))
	}
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{})))
	return nil
}

// requestIDKey is the gin context key of the request ID.
const requestIDKey = "request_id"

// requestID gives every request to /api and /leaky an ID (the client's
// X-Request-ID when it is sane, else a generated one), stores it in the
// context and echoes it. The /fixed routes use guard.RequestID instead,
// read with guard.RequestIDFrom and guard.RequestIDFromContext.
func (s *Shop) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !validRequestID(id) {
			id = s.nonce + "-" + strconv.FormatInt(s.reqs.Add(1), 10)
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

// mountPprof registers net/http/pprof's handlers on the gin router itself,
// without authentication, for `ginleak soak`. Importing net/http/pprof also
// registers them on http.DefaultServeMux, but leakyshop never serves that
// mux: only what is mounted here is reachable. A real service must not
// expose pprof without authentication: use guard.Pprof(router, token), as
// leakyshop does with -pprof-token.
func mountPprof(r gin.IRouter) {
	g := r.Group("/debug/pprof")
	g.GET("/", gin.WrapF(pprof.Index))
	g.GET("/cmdline", gin.WrapF(pprof.Cmdline))
	g.GET("/profile", gin.WrapF(pprof.Profile))
	g.GET("/symbol", gin.WrapF(pprof.Symbol))
	g.POST("/symbol", gin.WrapF(pprof.Symbol))
	g.GET("/trace", gin.WrapF(pprof.Trace))
	// Index serves every named profile (heap, goroutine, allocs, block,
	// mutex, threadcreate, and goroutineleak where the runtime has it),
	// with the gc= and debug= parameters.
	g.GET("/:name", gin.WrapF(pprof.Index))
}
