// Package leakprofile reads the Go runtime's goroutine leak profile — the
// goroutines the garbage collector has proven leaked — from a service's
// pprof endpoint (Fetch) or from the running process (Lookup), and compares
// two readings (Diff) into the goroutine_leak_profile object of the soak
// report.
//
// # What the runtime provides (read from the Go 1.27.3 sources)
//
// runtime/pprof registers a predefined profile named "goroutineleak"
// ("stack traces of all leaked goroutines") beside goroutine, heap, allocs
// and the others. In Go 1.27 it is always registered: no GOEXPERIMENT and
// no GODEBUG setting is needed. In Go 1.26 it exists only in binaries built
// with GOEXPERIMENT=goroutineleakprofile; in Go 1.25 and earlier it does not
// exist. pprof.Lookup("goroutineleak") is nil where it is missing.
//
// net/http/pprof serves every registered profile by name, so a Go 1.27
// service that mounts net/http/pprof (or guard.Pprof) serves
// /debug/pprof/goroutineleak with the usual parameters: debug=0 (default)
// a gzip-compressed profile.proto, debug=1 the legacy text form (one record
// per distinct stack: "N @ pc…" and a "#\tpc\tfunction+off\tfile:line" line
// per frame, leading runtime frames hidden), debug=2 every goroutine's
// stack as in a panic, the leaked ones with the state "(leaked)", and
// seconds=N a delta profile. For a name pprof does not know — every Go 1.26
// binary built without the experiment — net/http/pprof answers 404 with
// the header X-Go-Pprof: 1 and the body "Unknown profile".
//
// Writing the profile (Profile.WriteTo, hence every HTTP request for it)
// first runs a garbage collection cycle with leak detection and waits for
// it (runtime.goroutineLeakGC, under a lock so concurrent requests do not
// see each other's half-finished cycle); nothing has to call runtime.GC
// before. Each reading therefore costs the target one full GC cycle, like
// heap?gc=1.
//
// In that cycle the GC starts marking from globals and from the goroutines
// that may run. A goroutine that is waiting on a channel operation or a
// select (with at least one case), or on sync.Mutex, sync.RWMutex,
// sync.Cond or sync.WaitGroup, is marked only when the primitive it waits
// on is reachable from memory already marked. The goroutines left over
// when marking ends wait on primitives no running code can reach: they can
// never be woken, and the runtime gives them the status "leaked". A
// goroutine blocked on a nil channel or in an empty select{} is always
// left over (the main goroutine in select{} is not reported). Goroutines
// waiting on the network, in time.Sleep, in a system call or for the GC
// are never candidates.
// The proof is sound (a reported goroutine is leaked for good) but not
// complete: a goroutine blocked on a channel that is still referenced from
// somewhere — a global map, a live struct — is not reported, and one that
// has not yet reached its blocking operation is still runnable. Reading
// the profile again a moment later reports such late arrivals.
//
// # What this package reads, and its bounds
//
// Fetch and Lookup read the debug=1 text form, which is small (one record
// per distinct stack, not per goroutine) and is parsed as it streams: the
// answer is bounded to MaxBytes (64 MiB) as sent and again after a gzip
// Content-Encoding is undone, lines to 256 KiB, distinct stacks to
// MaxStacks (the goroutines of further stacks are counted in Result.Other),
// frames per stack to MaxFrames, and the distinct function and file names
// kept to 8 MiB. A header that is not "goroutineleak profile: total N", a
// count that does not parse or does not add up to N, or a line of any
// other shape is an error (ErrMalformed): nothing the target sends is
// trusted. Stacks that differ only in their pprof labels are one stack.
// Fetch is bounded in time by its context and by Timeout (30 s by
// default). It follows redirects only if the client does; a redirect
// answer is an error (the soak's client follows none).
//
// Lookup reads the profile of the running process with pprof.Lookup, for
// ginleaktest: on a test binary built by Go ≥ 1.27 a leaked goroutine of
// the handler under test is proven and named after a few hundred
// requests, whatever the statistics say.
//
// Fetch reports Available false, with a Reason and no error, when the
// target does not serve the profile (404): that is every service on Go
// 1.26 or earlier, and is not alarming. Other answers that are not 200
// (401, 403, 500, a redirect) and malformed bodies are errors.
//
// # The goroutine_leak_profile object of the soak report
//
// The soak reads the profile at the first checkpoint after warm-up and at
// the last one, and puts Diff(first, last) in the report:
//
//	"goroutine_leak_profile": {
//	  "available": true,
//	  "leaked": 3000,
//	  "start": 0,
//	  "growth": 3000,
//	  "sites": [
//	    {"function": "github.com/acme/shop.(*Shop).quote.func1",
//	     "file": "/src/shop/quote.go", "line": 37,
//	     "count": 3000, "growth": 3000,
//	     "stack": [{"function": "github.com/acme/shop.(*Shop).quote.func1",
//	                "file": "/src/shop/quote.go", "line": 37}]}
//	  ]
//	}
//
// available is false when the target does not serve the profile (Go ≤
// 1.26); reason then says why, and the other fields are zero and sites is
// []. leaked is the number of goroutines proven leaked at the last
// checkpoint, start the number at the first, growth the difference (the
// goroutines proven leaked during the run; it can be slightly negative
// only when the first reading caught a goroutine the last did not). sites
// lists the stacks leaked at the last checkpoint, most growth first, then
// most leaked (at most MaxSites): function, file and line name the first
// frame of the stack in the service's own code (not the standard library,
// the module cache or a vendor directory; the leaf frame when there is
// none), count is the goroutines leaked there at the last checkpoint,
// growth since the first, and stack the frames from the blocked call
// outwards (at most MaxSiteFrames). Report.Proven says whether the growth
// is more than a handful (MinProvenGrowth) of goroutines: a proven leak,
// whatever the statistics of a short run say.
package leakprofile
