// Package guard holds the safe building blocks for Gin and net/http
// services, so that the right way to host and guard a service is the easy
// way: a server with timeouts and a graceful, bounded shutdown that drains
// keep-alive connections behind a load balancer; request
// body limits; a redacting access log; request IDs and tracing; request
// deadlines without goroutines; bounded, drained background work; a
// bounded TTL cache; Prometheus metrics, a goroutine-leak report and
// authenticated pprof.
//
// The package has no package-level mutable state: loggers, Prometheus
// registerers and tracer providers are passed in, and every value that
// holds state (Async, Monitor, Cache) is created by a constructor.
//
// # Recommended stack
//
// In this order (each middleware sees what the ones before it set up, and
// observes the outcome of the ones after it):
//
//	r := gin.New()
//	r.Use(
//		guard.RequestID(),                         // ID first, so everything can log it
//		guard.Tracing("shop", guard.WithTracerProvider(tp)),
//		guard.AccessLog(logger),                   // logs the final status, even after a panic
//		mon.Middleware(),                          // mon, _ := guard.NewMonitor(reg, guard.WithAsync(async))
//		gin.Recovery(),                            // turns panics into 500s the two above record
//		guard.BodyLimit(1<<20),
//		guard.Timeout(10*time.Second),
//	)
//	ready := guard.NewReadiness()
//	r.GET("/readyz", gin.WrapH(ready))         // 503 from the stop signal on
//	srv := guard.NewServer(":8080", r, guard.WithLogger(logger))
//	err := guard.Serve(ctx, srv, guard.WithAsync(async), guard.WithReadiness(ready), guard.WithLogger(logger))
//
// Handlers start background work with guard.Go(c, "name", fn), never with
// a bare go statement that captures c. The debug endpoints go on a router
// (or a separate private server) without Timeout: Pprof(router, token)
// and Leaks(token), with the same token.
//
// See docs/guard.md for each part, its costs and its limits.
package guard
