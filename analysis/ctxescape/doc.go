// Package ctxescape defines an Analyzer that reports a *gin.Context that
// outlives the request it belongs to.
//
// # Analyzer ctxescape
//
// ctxescape: *gin.Context outlives its request
//
// Gin takes a *gin.Context from a sync.Pool for every request and puts it
// back when the handler chain returns; the next request resets and reuses
// the same object. Code that still holds the context after the handler has
// returned reads the next request's data, writes to the next request's
// response, races with it, and keeps the old request's values reachable.
//
// Reported, at the go statement, the call, the assignment or the send:
//
//   - a function literal run by a go statement, time.AfterFunc,
//     errgroup.Group.Go or TryGo, or sync.WaitGroup.Go that refers to a
//     *gin.Context declared outside the literal;
//   - a *gin.Context passed to a go call: as an argument (also when the
//     parameter is a context.Context or any), inside a composite literal or
//     append, or as the receiver of a method value (go c.Next());
//   - a *gin.Context assigned to a package-level variable or anything
//     reached from one, to a variable declared outside the function that
//     owns the context (a handler closure capturing state from the function
//     that registered it), or to a field reached from a method's receiver
//     through a pointer (s.ctx = c with a pointer receiver s);
//   - a *gin.Context sent on a channel.
//
// Not reported: variables that only ever hold the result of c.Copy();
// values extracted before the go statement and go-call arguments that are
// evaluated expressions (c.Query("x"), c.Request.Context()); assignments
// to locals, parameters and fields of value receivers (per-call copies);
// defer closures; and goroutines the function waits for before it returns:
// a sync.WaitGroup.Wait, errgroup.Group.Wait (also deferred) or a receive
// from a channel the goroutine uses, in the same block as the go statement
// or an enclosing one, after it, with no return statement in between.
//
// Helpers one call away: every function with a *gin.Context parameter is
// summarised (first use, response writes, escapes) and exported functions
// carry the summary as a Fact. A go statement that starts a summarised
// function names the line where it uses the context, and gets no Copy
// fix if the function writes the response through it; a synchronous call
// that passes the request's context to a function that lets it escape is
// reported at the call, naming the function and the line inside it.
// Functions that only use the context synchronously (even after a sleep)
// are fine to call: the handler waits for them.
//
// The suggested fix inserts cCp := c.Copy() on its own line before the
// statement and rewrites the uses of c inside the goroutine, the go-call
// arguments, or the stored or sent value to cCp.
package ctxescape

// Doc is the analyzer's documentation.
const Doc = `ctxescape: *gin.Context outlives its request

Gin takes a *gin.Context from a sync.Pool for every request and reuses it for
the next request once the handler chain returns. A context referenced by a
goroutine or a time.AfterFunc callback, passed to a go call, stored in a
package-level variable or in a field reached through a pointer receiver, or
sent on a channel can be used after that point: it then reads and writes the
next request's data. Use c.Copy() (or copy the values you need) before the
statement. Goroutines the function waits for (sync.WaitGroup.Wait,
errgroup.Group.Wait) before any return are not reported. Helpers are
followed with facts: a call that passes the request's context to a
function that lets it escape is reported at the call, and go helper(c)
names where the helper uses it.`
