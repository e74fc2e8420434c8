// Package shop is leakyshop's library half: a small Gin shop (products,
// carts, checkout; every piece of data in memory) that also serves, side by
// side, a /leaky/... and a /fixed/... route for each run-time leak of the
// document ginleak was built from (the seed):
//
//	case         seed  leaky route                        what leaks
//	ctxescape    1.2   POST /leaky/checkout               a goroutine keeps *gin.Context and waits forever
//	globalcache  3.2   GET  /leaky/products/:id?session=  a package-level map caches a view per session
//	chanleak     3.3   GET  /leaky/shipping/quote         a sender blocks on an unbuffered channel
//	history      3.1   GET  /leaky/history/products/:id   a middleware closure keeps every request
//	bodyrestore  1.1   POST /leaky/orders                 a middleware eats the body (a correctness bug)
//	clientgone   3.3   GET  /leaky/report                 a sender blocks once its client gave up (only then)
//
// Each case lives in its own file (case1_ctxescape.go ... case7_clientgone.go)
// holding both handlers, with comments on the mechanism. [Cases] describes
// them for tools, such as `ginleak demo`, that drive the routes and check the
// verdicts without hard-coding paths.
//
// The leaky code is deliberately wrong and is what `ginleak vet` must report;
// the fixed code is what it must accept. The fixed routes use
// github.com/ginleak/ginleak/guard where it has the piece (guard.Go,
// guard.NewCache, guard.CaptureBody, and its middleware stack on /fixed).
// Everything else in the package is meant to be ordinary, correct Gin code.
package shop
