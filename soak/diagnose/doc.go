// Package diagnose names the cause of a leak from the stacks that grew,
// for the library stacks every Go team meets: goroutines piling up in
// net/http.(*persistConn).readLoop mean HTTP client responses whose body
// is never closed, goroutines in database/sql.(*DB).connectionOpener mean
// a sql.DB opened per request, and so on. The table (Rules) maps a stack to
// a cause, a fix and a section of docs/known-leaks.md.
//
// ForGoroutine classifies a goroutine stack (from
// /debug/pprof/goroutine?debug=2); ForHeap classifies a heap allocation stack by the library function the
// user's code called (the frame just inside the first own frame), so that
// an allocation made deep in net/http for a request is not mistaken for the
// context.WithCancelCause net/http calls on its own. Cause.WithCallerFrom
// finds, in heap stacks, the user's frame that made the call a goroutine
// stack cannot show (a persistConn goroutine is created by the Transport,
// not by the code that sent the request).
//
// Owner decides which frames are the user's: not in GOROOT, not in the
// module cache, not vendored — or in the target's main module.
//
// The package only computes; it imports no other package of ginleak, so it
// can be wired into soak, ginleaktest and the CLI alike.
package diagnose
