// Package ginleaktest asserts inside go test that a Gin engine or any
// net/http handler does not leak memory or goroutines under load.
//
//	func TestCheckoutNoLeak(t *testing.T) {
//		ginleaktest.NoLeak(t, newEngine(),
//			ginleaktest.Request("POST", "/checkout", body, header),
//			ginleaktest.Requests(5000))
//	}
//
// NoLeak serves the handler on an httptest server on 127.0.0.1, beside a
// private pprof mux under /debug/pprof/ (never http.DefaultServeMux), and
// soaks it with package soak, the engine of "ginleak soak": a fixed pool of
// connections, a post-GC heap and goroutine checkpoint after every slice of
// the load, a trend test per signal, and a diff of the first and last heap
// profiles and goroutine dumps. It fails the test when the verdict is leak,
// printing the report with the allocation sites and goroutine stacks that
// grew. Leaks is the inverse, for testing leak detection itself or for
// documenting a known leak.
//
// # The heap measured is the test process's own
//
// The handler runs in the test process, so everything the process holds
// counts, not only what the handler holds. Therefore:
//
//   - Do not allocate in the test while NoLeak runs (no goroutine of the
//     test that keeps collecting data, no growing log buffer).
//   - Do not run the test in parallel with other tests. NoLeak and Leaks
//     call t.Setenv (GINLEAKTEST_SOAK is set to the test's name until the
//     test ends), which makes a later t.Parallel panic, and they fail the
//     test at once when it, or one of its parents, already called
//     t.Parallel. Tests of the package that are not parallel never overlap
//     with the soak.
//   - Goroutines that earlier tests left running count too; they only
//     matter when they keep growing during the soak.
//   - Set runtime.MemProfileRate at the start of TestMain, fine enough to
//     name the site of the leak you look for: the heap profile diff needs
//     about 20 samples of the growth, so the rate should be at most the
//     leak's bytes per request times the requests, divided by 20 (64 KiB
//     for 2 KiB per request over 3,000 requests; 4096 for a leak near the
//     32 B/request floor). The default, 512 KiB, is too coarse for a short
//     soak; the report's sampling advice says when the rate was. The
//     MemProfileRate option sets it for one call and restores it.
//   - Finer rates and more soaks per test binary make each soak slower:
//     every sampled allocation site stays in the process's heap profile,
//     which each checkpoint reads (a few seconds per soak under -race).
//
// An inconclusive verdict (growth that is significant but not steady, as
// after a one-off step) does not fail NoLeak: the report is logged with the
// advice to raise Requests. A leak on the error path is a leak: when most
// requests failed and the heap or the goroutines grew, NoLeak fails and
// Leaks passes, and the report says which status code the requests got.
// A soak whose requests mostly failed (wrong path or method, a handler that
// answers 4xx or 5xx) and found no leak measured the error path, not the
// code the test meant to check: that fails both NoLeak and Leaks.
//
// On Go 1.27 and later the runtime proves some goroutine leaks itself (the
// goroutineleak profile: goroutines blocked on what nothing can reach),
// and the private pprof mux serves that profile from this process: more
// than a handful of goroutines proven leaked during the soak is a leak
// even when the soak is too short for the statistics, and the report's
// GoroutineLeakProfile names their site.
package ginleaktest
