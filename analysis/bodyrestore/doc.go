// Package bodyrestore defines an Analyzer that reports middleware which
// reads the request body and passes the request on without assigning a new
// body.
//
// # Analyzer bodyrestore
//
// bodyrestore: middleware consumes the request body without restoring it
//
// An http.Request body is a one-shot stream. A middleware (a function that
// calls c.Next() on a *gin.Context, or calls ServeHTTP on a handler or a
// handler-typed function value, such as next.ServeHTTP(w, r) inside a
// func(http.Handler) http.Handler) that drains it with io.ReadAll,
// ioutil.ReadAll, io.Copy/CopyN/CopyBuffer or c.GetRawData leaves an empty,
// already-read body to every later handler, which then fails to bind or
// silently sees no data.
//
// A read is reported when a pass-on call follows it in the same function
// and no assignment to a request's Body (or of a whole new request) lies
// between the two, directly or inside a same-package helper that is passed
// the context or the request. Handlers at the end of the chain, reads whose
// block returns before the pass-on, and c.ShouldBindBodyWith are not
// reported.
//
// The suggested fix inserts req.Body = io.NopCloser(bytes.NewReader(v))
// after the read when its bytes are kept in a variable v (or v.Bytes() for
// io.Copy into a bytes.Buffer), adding the bytes and io imports if needed.
package bodyrestore

// Doc is the analyzer's documentation.
const Doc = `bodyrestore: middleware consumes the request body without restoring it

An http.Request body is a stream that can be read once. A middleware (a
function that calls c.Next() on a *gin.Context, or passes the request to
the next handler with next.ServeHTTP(w, r) or next(w, r)) that reads the
body with io.ReadAll, ioutil.ReadAll, io.Copy, io.CopyN, io.CopyBuffer or
c.GetRawData and then passes the request on without assigning a new body
leaves every later handler an empty body: binding fails or sees no data.

A read is reported when a pass-on call follows it in the same function and
no assignment to a request's Body (or of a whole new request other than
r.WithContext / r.Clone) lies between them, directly, in a nested closure
called in place, or in a same-package helper that is passed the context or
the request. An assignment before the read (such as wrapping the body in
http.MaxBytesReader) or in a deferred or go'd function does not count.
Handlers at the end of the chain, reads in a branch that returns before the
pass-on, and c.ShouldBindBodyWith (which caches the body) are not reported.

The suggested fix inserts c.Request.Body = io.NopCloser(bytes.NewReader(body))
after the read when the bytes are kept in a variable (buf.Bytes() for an
io.Copy into a bytes.Buffer), adding the bytes and io imports if missing.`
