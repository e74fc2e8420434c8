// Package bgcontext defines an Analyzer that reports context.Background()
// and context.TODO() used for a request's work inside its handler.
//
// # Analyzer bgcontext
//
// bgcontext: context.Background() or context.TODO() used for a request's work in its handler
//
// A handler that passes context.Background() to a database query, an
// outgoing request or any other context-taking call cuts the work off from
// the request: when the client goes away (or the server's WriteTimeout
// fires) the request's context is cancelled, but the query keeps running,
// holding the handler's goroutine, its buffers and a pooled connection
// until it finishes by itself. Under a burst of abandoned requests they
// pile up.
//
// Reported, at the Background()/TODO() call: one passed, directly or
// through a local variable assigned from it in the same function, as an
// argument whose parameter is a context.Context, in a call made
// synchronously inside a gin or net/http handler — a function with a
// *gin.Context parameter or with both an http.ResponseWriter and an
// *http.Request parameter, or a function literal inside one.
//
// One call away: a Background()/TODO() call in a function declaration
// with no request parameter is reported inside it, naming the handler it
// is reached from, when only request handling calls it (synchronous static
// calls from handlers, in the same package). Otherwise an exported
// function whose synchronous work reaches such a call carries a Fact, and
// a call of it (or of a same-package function other code also calls) from
// request handling is reported at the call, naming the function and the
// line of the Background() call, once per function and package. Facts
// flow to importing packages only, which is why the finding moves to the
// call across packages.
//
// Not reported: contexts that only reach a logger (a logging package's
// function, a method of a ...Logger type, a level-named function of a
// package whose path mentions "log"); context.WithoutCancel; the nil
// default if ctx == nil { ctx = context.Background() }; inside go and
// defer statements and functions passed to
// guard.Go, (*guard.Async).Go or time.AfterFunc (work meant to outlive the
// request); contexts bounded by context.WithTimeout, WithDeadline,
// WithTimeoutCause or WithDeadlineCause (context.WithCancel and WithValue
// do not bound anything and are reported); test files.
//
// The suggested fix replaces the call with c.Request.Context() (gin) or
// r.Context() (net/http), using the handler's parameter name. It is not
// offered when the parameter is unnamed or shadowed, or when the variable
// holding the background context also feeds a goroutine, a deferred call,
// a struct or a return value.
package bgcontext

// Doc is the analyzer's documentation.
const Doc = `bgcontext: context.Background() or context.TODO() used for a request's work in its handler

Work started with context.Background() or context.TODO() inside a request
handler is not cancelled when the client goes away: the query or outgoing
request keeps running and holds the handler's goroutine, buffers and
connections until it ends by itself. Reported: Background()/TODO() passed,
directly or through a local variable, to a context.Context parameter of a
call made synchronously in a gin or net/http handler, or in a helper only
request handling calls (reported in the helper, naming the handler); calls
from request handling of functions of the module whose work does so
(through facts; reported at the call). Not reported: loggers'
contexts, WithoutCancel, go and defer statements, functions passed to guard.Go, Async.Go or time.AfterFunc,
contexts bounded by context.WithTimeout/WithDeadline(Cause), test files.
The suggested fix passes c.Request.Context() or r.Context() instead.`
