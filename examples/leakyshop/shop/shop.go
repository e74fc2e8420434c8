package shop

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/maypok86/otter/v2"
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
	DefaultCartCacheSize  = 10_000
	DefaultCartIdleExpiry = 30 * time.Minute
)

// Options configures a [Shop]. The zero value is what the demo runs.
type Options struct {
	// Logger receives the shop's own log lines (audit, undelivered mail).
	// Nil discards them.
	Logger *slog.Logger

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

	// HistorySize is how many requests the fixed history keeps; default
	// DefaultHistorySize.
	HistorySize int

	// MaxOrderBytes bounds the body the fixed audit middleware reads;
	// default DefaultMaxOrderBytes.
	MaxOrderBytes int64
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	setDefault(&o.ViewCacheSize, DefaultViewCacheSize)
	setDefault(&o.ViewCacheTTL, DefaultViewCacheTTL)
	setDefault(&o.RelayLatency, DefaultRelayLatency)
	setDefault(&o.NotifyTimeout, DefaultNotifyTimeout)
	setDefault(&o.QuoteLatency, DefaultQuoteLatency)
	setDefault(&o.QuotePatience, DefaultQuotePatience)
	setDefault(&o.HistorySize, DefaultHistorySize)
	setDefault(&o.MaxOrderBytes, DefaultMaxOrderBytes)
	return o
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Shop is one running shop: its data, its caches and its router.
type Shop struct {
	opts    Options
	log     *slog.Logger
	catalog *catalog
	carts   *otter.Cache[string, *cart]
	views   *otter.Cache[string, []byte] // the fixed product-view cache (case 2)
	bufs    sync.Pool                    // *bytes.Buffer for rendering views
	outbox  outbox
	carrier carrier
	orders  atomic.Int64 // orders placed, for order numbers
	nonce   string       // prefix of generated request IDs
	reqs    atomic.Int64 // requests seen, for request IDs
	router  *gin.Engine
}

// New builds a shop and its router. Call Close when done with it: the fixed
// caches run a clean-up goroutine each.
func New(opts Options) *Shop {
	opts = opts.withDefaults()
	s := &Shop{
		opts:    opts,
		log:     opts.Logger,
		catalog: newCatalog(),
		carts: otter.Must(&otter.Options[string, *cart]{
			MaximumSize:      DefaultCartCacheSize,
			ExpiryCalculator: otter.ExpiryAccessing[string, *cart](DefaultCartIdleExpiry),
		}),
		views: otter.Must(&otter.Options[string, []byte]{
			MaximumSize:      opts.ViewCacheSize,
			ExpiryCalculator: otter.ExpiryWriting[string, []byte](opts.ViewCacheTTL),
		}),
		outbox:  outbox{log: opts.Logger},
		carrier: carrier{latency: opts.QuoteLatency},
		nonce:   strconv.FormatInt(time.Now().UnixNano()%1e9, 36),
	}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	s.router = s.routes()
	return s
}

// Router returns the shop's gin engine. It is an http.Handler: serve it with
// an http.Server that has timeouts (see leakyshop's main).
func (s *Shop) Router() *gin.Engine { return s.router }

// Close stops the goroutines of the shop's caches. It does not release the
// goroutines parked by /leaky routes; close Options.Done for that.
func (s *Shop) Close() {
	s.carts.StopAllGoroutines()
	s.views.StopAllGoroutines()
}

// MailsSent is how many order confirmations the mail relay accepted.
func (s *Shop) MailsSent() int64 { return s.outbox.sent.Load() }

func (s *Shop) routes() *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery(), s.requestID())

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	mountPprof(r)

	api := r.Group("/api")
	api.GET("/products", s.listProducts)
	api.GET("/products/:id", s.getProduct)
	api.POST("/carts", s.createCart)
	api.GET("/carts/:id", s.getCart)
	api.POST("/carts/:id/items", s.addCartItem)
	api.DELETE("/carts/:id/items/:product", s.removeCartItem)
	api.POST("/carts/:id/checkout", s.checkoutCart)

	leaky := r.Group("/leaky")
	fixed := r.Group("/fixed")

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

	// Case 5, bodyrestore.
	leaky.POST("/orders", leakyAuditBody(s.log), createOrder(s.opts.MaxOrderBytes))
	fixed.POST("/orders", fixedAuditBody(s.log, s.opts.MaxOrderBytes), createOrder(s.opts.MaxOrderBytes))

	return r
}

// requestIDKey is the gin context key of the request ID.
const requestIDKey = "request_id"

// requestID gives every request an ID (the client's X-Request-ID when it is
// sane, else a generated one), stores it in the context and echoes it.
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

// mountPprof registers net/http/pprof's handlers on the gin router itself.
// Importing net/http/pprof also registers them on http.DefaultServeMux, but
// leakyshop never serves that mux: only what is mounted here is reachable.
// A real service must not expose pprof without authentication.
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
