package shop

// Signals a soak of a leaky route is expected to show growing.
const (
	SignalHeap       = "heap"
	SignalGoroutines = "goroutines"
)

// Case describes one leak of the seed as leakyshop serves it: the pair of
// routes, how to call them, and what `ginleak vet` and `ginleak soak` are
// expected to say about the leaky one. Tools such as `ginleak demo` drive
// the routes from this table instead of hard-coding paths.
type Case struct {
	// Name is the case's short name, e.g. "ctxescape".
	Name string
	// Title is one line for a table, e.g. "goroutine keeps *gin.Context".
	Title string
	// Seed is the section of the seed document the case comes from.
	Seed string
	// Rule is the `ginleak vet` rule expected to report the leaky code, or
	// "" when no rule covers it (see Note).
	Rule string
	// File is the file of package shop holding both handlers, e.g.
	// "case1_ctxescape.go".
	File string

	// Method is the HTTP method of both routes.
	Method string
	// LeakyPath and FixedPath are the routes' paths with their query. They
	// may contain {{seq}} and {{uuid}}, to be replaced per request, for
	// cases whose leak is keyed per request.
	LeakyPath, FixedPath string
	// Body and ContentType are sent with every request when Body is not "".
	Body, ContentType string

	// Signal is what a soak of the leaky route is expected to find growing:
	// SignalHeap or SignalGoroutines ("" for behavioural cases).
	Signal string
	// LeakyFunc names the function expected in the top growing site of a
	// soak of the leaky route, for Signal: the first frame of the site's
	// stack in leakyshop's own code. It is the identifier of the function as
	// written in File, e.g. "leakyCheckout"; the name in a profile carries
	// the import path, a receiver, the function that inlined it and .funcN
	// suffixes for closures (".../shop.(*Shop).leakyCheckout.func1",
	// ".../shop.(*Shop).routes.leakyHistory.func3"), so match it with
	// strings.Contains.
	LeakyFunc string

	// Behavioural marks a correctness bug, checked by request and response
	// instead of a soak: the leaky route answers LeakyStatus, the fixed one
	// FixedStatus, both with JSON carrying "received_bytes" (0 for the
	// leaky route, len(Body) for the fixed one).
	Behavioural              bool
	LeakyStatus, FixedStatus int

	// Dependency, when set, is the fault spec (package fault's ParseSpec
	// keys, e.g. "latency=1h") of the inventory service the demo starts
	// for the case, behind a fault proxy; leakyshop gets its address with
	// -inventory-url.
	Dependency string

	// Note says anything a reader of the demo's table should know.
	Note string
}

// Cases returns leakyshop's cases, numbered as their files: 1 ctxescape,
// 2 globalcache, 3 chanleak, 4 history, 6 dependency, 5 bodyrestore.
func Cases() []Case {
	return []Case{
		{
			Name:        "ctxescape",
			Title:       "goroutine keeps *gin.Context and outlives the response",
			Seed:        "1.2",
			Rule:        "ctxescape",
			File:        "case1_ctxescape.go",
			Method:      "POST",
			LeakyPath:   "/leaky/checkout",
			FixedPath:   "/fixed/checkout",
			Body:        `{"email":"ada@example.com","items":[{"product_id":"p-1001","quantity":2},{"product_id":"p-1007","quantity":1}]}`,
			ContentType: "application/json",
			Signal:      SignalGoroutines,
			LeakyFunc:   "leakyCheckout",
			Note:        "one goroutine parked per request (and its captured heap); the fixed route's mail runs under guard.Go and ends within 50 ms",
		},
		{
			Name:      "globalcache",
			Title:     "package-level map cache keyed per session, never evicted",
			Seed:      "3.2",
			Rule:      "globalcache",
			File:      "case2_globalcache.go",
			Method:    "GET",
			LeakyPath: "/leaky/products/p-1001?session={{seq}}",
			FixedPath: "/fixed/products/p-1001?session={{seq}}",
			Signal:    SignalHeap,
			LeakyFunc: "leakyProductView",
			Note:      "about 1.2 KiB per new session; the fixed guard.NewCache (otter v2) fills up to 1,000 entries and stays there",
		},
		{
			Name:      "chanleak",
			Title:     "forgotten sender on an unbuffered channel",
			Seed:      "3.3",
			Rule:      "chanleak",
			File:      "case3_chanleak.go",
			Method:    "GET",
			LeakyPath: "/leaky/shipping/quote?zip=10115&weight_g=1200",
			FixedPath: "/fixed/shipping/quote?zip=10115&weight_g=1200",
			Signal:    SignalGoroutines,
			LeakyFunc: "leakyShippingQuote",
			Note:      "the handler waits 5 ms, the carrier takes 20 ms: one blocked sender per request",
		},
		{
			Name:      "history",
			Title:     "middleware closure keeps a copy of every request",
			Seed:      "3.1",
			Rule:      "globalcache",
			File:      "case4_history.go",
			Method:    "GET",
			LeakyPath: "/leaky/history/products/p-1001",
			FixedPath: "/fixed/history/products/p-1001",
			Signal:    SignalHeap,
			LeakyFunc: "leakyHistory",
			Note:      "about 600 B per request: the closure keeps the slice alive for the life of the server; the fixed middleware keeps a ring of 64",
		},
		{
			Name:       "dependency",
			Title:      "outbound call without a timeout piles up behind a hung dependency",
			Seed:       "5",
			Rule:       "clienttimeout",
			File:       "case6_dependency.go",
			Method:     "GET",
			LeakyPath:  "/leaky/stock/p-1001",
			FixedPath:  "/fixed/stock/p-1001",
			Signal:     SignalGoroutines,
			LeakyFunc:  "leakyStock",
			Dependency: "latency=1h",
			Note:       "the inventory service behind `ginleak fault` with an hour of latency: http.Get leaves a goroutine and a connection per request; guard.Client gives up after 50 ms, then its breaker opens and the default answers at once",
		},
		{
			Name:        "bodyrestore",
			Title:       "middleware reads the body without restoring it",
			Seed:        "1.1",
			Rule:        "bodyrestore",
			File:        "case5_bodyrestore.go",
			Method:      "POST",
			LeakyPath:   "/leaky/orders",
			FixedPath:   "/fixed/orders",
			Body:        `{"items":[{"product_id":"p-1001","quantity":1},{"product_id":"p-1002","quantity":3}]}`,
			ContentType: "application/json",
			Behavioural: true,
			LeakyStatus: 400,
			FixedStatus: 200,
			Note:        "a correctness bug, not a leak: the handler behind the leaky middleware gets an empty body (400), so a soak of the leaky route counts every request as an error; the fixed route reads it through guard.CaptureBody",
		},
	}
}
