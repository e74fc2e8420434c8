// Package abortreturn defines an Analyzer that reports gin aborts that do
// not stop the handler before it writes the response again.
//
// # Analyzer abortreturn
//
// abortreturn: abort without return, then the response is written again
//
// Context.Abort and its variants only set the context's handler index so
// that the handlers after the current one do not run; they do not stop the
// current function. Code after the abort keeps running, and if it writes
// the response again (c.JSON, c.String, c.Status, another AbortWith...,
// c.Writer.Write) the client gets the abort's status with a second body
// appended, or the success body, while gin logs "Headers were already
// written".
//
// For each c.AbortWithStatus, AbortWithStatusJSON, AbortWithStatusPureJSON
// or AbortWithError statement, the analyzer builds the function's control
// flow graph (golang.org/x/tools/go/cfg) and reports the abort when a path
// from it reaches a call that writes the response through the same
// context. Writes in branches that cannot follow the abort (the else of
// the if that aborts), branches guarded by !c.IsAborted(), and code after
// return, panic, os.Exit or log.Fatal are not reached. A plain c.Abort()
// writes nothing itself: its response is the write just before it, or the
// first write after it in the same block (c.Abort(); c.JSON(401, ...)),
// and the check starts from that write; a plain Abort with neither is not
// checked. c.Next() after an abort runs nothing and is not a write.
//
// Helpers count: every function with a *gin.Context parameter is
// summarised (callee first, once per function) as writing the response
// through it, and as aborting with a response — on some path for a
// function without results, on every path to a return for one with
// results, whose callers branch on them. A call of a function that aborts
// with a response (abort403(c)) is an abort, a call of one that writes
// is a write. Exported functions carry their summary as a Fact, so
// helpers in another package of the module are followed too. Function
// values, interfaces and helpers of other modules are not followed.
//
// The suggested fix inserts return after the statement that writes the
// abort's response, in functions without results.
package abortreturn

// Doc is the analyzer's documentation.
const Doc = `abortreturn: abort without return, then the response is written again

c.Abort() and the c.AbortWith... methods only stop the handlers after the
current one; the current function keeps running. Reported: an abort from
which some path in the same function reaches another write of the response
through the same context (c.JSON, c.String, c.Data, c.Status, c.Redirect,
c.HTML, another AbortWith..., c.Writer.Write...), found on the function's
control-flow graph, so writes in mutually exclusive branches are not
counted. A plain c.Abort() is paired with the write next to it in the same
block. c.Next() is not a write. Helpers that abort with a response
(func abort403(c *gin.Context) { c.AbortWithError(403, err) }) are aborts,
and helpers that write are writes, also across packages of the module
(facts). The suggested fix adds return after the abort.`
