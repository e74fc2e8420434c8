// Package bodylimit defines an Analyzer that reports a handler reading the
// whole request body with no bound on its size.
//
// # Analyzer bodylimit
//
// bodylimit: the whole request body is read with no size limit
//
// io.ReadAll (or ioutil.ReadAll) on c.Request.Body or r.Body, and
// c.GetRawData, keep reading until the client stops sending and hold every
// byte in memory. Neither gin nor net/http limits the size of a request
// body, so one large (or endless, chunked) request grows the handler's
// buffer until the process runs out of memory; a few concurrent ones do it
// faster.
//
// A read in a gin or net/http handler or middleware (a function with a
// *gin.Context parameter or with both an http.ResponseWriter and an
// *http.Request, or a literal inside one) is reported unless its size is
// bounded:
//
//   - the argument is wrapped: io.ReadAll(io.LimitReader(r.Body, n)),
//     io.ReadAll(http.MaxBytesReader(w, r.Body, n));
//   - earlier in the function (or a function around the literal) a request
//     body is replaced by one that contains http.MaxBytesReader or
//     io.LimitReader, or the context or request is passed to a
//     same-package function containing http.MaxBytesReader;
//   - the package bounds every request: it registers with Use or Group on
//     a gin router a limiting middleware (guard.BodyLimit,
//     guard.CaptureBody from github.com/ginleak/ginleak/guard, or a
//     literal, same-package function or factory calling
//     http.MaxBytesReader), calls guard.BodyLimit or guard.CaptureBody
//     other than as a route's middleware, calls http.MaxBytesHandler, or
//     applies a net/http middleware of its own (a function calling
//     ServeHTTP) that calls http.MaxBytesReader: calls it with a handler
//     or mux to wrap, gives it to a Use or With call, or builds its
//     ServeHTTP type with a composite literal; a middleware defined but not
//     applied bounds nothing;
//   - the read is in a handler registered after a limiting middleware on
//     one route: r.POST("/upload", limit(1<<20), Upload).
//
// The package-wide check is an approximation: it does not know which
// engine or group a handler ends up on.
//
// Test files (_test.go) are not checked, and limits applied in them do not
// count: a test's mock server that reads its whole body is no production
// hazard.
//
// The suggested fix inserts c.Request.Body = http.MaxBytesReader(c.Writer,
// c.Request.Body, 1<<20) (r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
// in a net/http handler) on the line before the statement that reads,
// adding the net/http import if missing.
package bodylimit

// Doc is the analyzer's documentation.
const Doc = `bodylimit: the whole request body is read with no size limit

io.ReadAll or ioutil.ReadAll on c.Request.Body or r.Body, and c.GetRawData,
hold the whole request body in memory, and neither gin nor net/http bounds
its size: one large or endless request can exhaust the process's memory.
Reads in gin and net/http handlers are reported unless the argument is
wrapped in io.LimitReader or http.MaxBytesReader, the request body was
replaced by an http.MaxBytesReader earlier in the function, the handler
follows a limiting middleware on its route, or the package registers a body
limit for every request (guard.BodyLimit, guard.CaptureBody,
http.MaxBytesHandler, or its own middleware calling http.MaxBytesReader
given to Use or, for a net/http one, wrapped around a handler or mux).
Test files are not checked. Wrap the body: c.Request.Body =
http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20).`
