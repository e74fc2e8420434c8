// Package clienttimeout defines an Analyzer that reports HTTP clients that
// have no timeout.
//
// # Analyzer clienttimeout
//
// clienttimeout: HTTP client without a timeout
//
// An http.Client whose Timeout is zero waits as long as the upstream likes:
// for the connection, the response headers and the whole body. A handler
// that calls a slow or stuck upstream through such a client holds its
// goroutine, the request, its buffers and the connection until the upstream
// answers, so a slow dependency turns into unbounded memory growth.
// http.DefaultClient, which http.Get, Head, Post and PostForm use, has no
// timeout.
//
// Reported: an http.Client composite literal (value or pointer) anywhere
// in the package that does not set Timeout, unless the variable or field it
// is assigned to gets a Timeout later in the same function (a package-level
// variable: anywhere in the package); and calls of http.Get, http.Head,
// http.Post, http.PostForm and http.DefaultClient.Do, Get, Head, Post and
// PostForm made from request handling: in a gin or net/http handler (a
// function with a *gin.Context parameter or with an http.ResponseWriter and
// an *http.Request parameter), or in a same-package function reached from
// one through static calls. Test files are not checked.
//
// Not reported: a client literal whose Transport sets ResponseHeaderTimeout —
// an http.Transport literal in place, or a variable given one (in its
// literal or by an assignment tr.ResponseHeaderTimeout = d). A client made
// for long transfers (uploads to object storage, downloads) is right to have
// no overall Timeout, which would cut a large body short; it is bounded at
// the connection instead, with a context deadline on each request.
//
// A literal is offered two fixes: Timeout: 10 * time.Second (the one
// ginleak vet -fix applies), importing "time" if the file does not; and,
// when the literal sets no Transport, a Transport with the settings of
// http.DefaultTransport plus ResponseHeaderTimeout, importing net and time.
package clienttimeout

// Doc is the analyzer's documentation.
const Doc = `clienttimeout: HTTP client without a timeout

An http.Client with no Timeout (http.DefaultClient included) waits forever
for a slow upstream, and the handler that called it holds its goroutine,
request and buffers for as long. Reported: http.Client composite literals
without a Timeout field whose variable is not given one later in the same
function, and http.Get, Head, Post, PostForm and http.DefaultClient.Do, Get,
Head, Post, PostForm called from a gin or net/http handler or a
same-package function a handler calls. A client whose Transport sets
ResponseHeaderTimeout (one made for long transfers, bounded at the
connection and by each request's context) is not reported. Test files are
not checked. The suggested fixes add Timeout: 10 * time.Second to the
literal, or a Transport with dial, TLS and response-header timeouts.`
