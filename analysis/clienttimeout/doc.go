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
// one through static calls. Transport-level timeouts do not bound reading
// the body, so a literal that only sets a Transport is still reported. Test
// files are not checked.
//
// The suggested fix for a literal adds Timeout: 10 * time.Second,
// importing "time" if the file does not.
package clienttimeout

// Doc is the analyzer's documentation.
const Doc = `clienttimeout: HTTP client without a timeout

An http.Client with no Timeout (http.DefaultClient included) waits forever
for a slow upstream, and the handler that called it holds its goroutine,
request and buffers for as long. Reported: http.Client composite literals
without a Timeout field whose variable is not given one later in the same
function, and http.Get, Head, Post, PostForm and http.DefaultClient.Do, Get,
Head, Post, PostForm called from a gin or net/http handler or a
same-package function a handler calls. Test files are not checked. The
suggested fix adds Timeout: 10 * time.Second to the literal.`
