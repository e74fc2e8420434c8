package guard

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Timeout returns middleware that gives the request context a deadline d
// from now and answers 504 Gateway Timeout with a JSON error when the
// handlers return after the deadline without having written anything.
//
// Unlike gin-contrib/timeout it starts no goroutine and buffers nothing:
// the handlers run on the request's goroutine and write straight to the
// connection. The deadline only helps if they honour it — pass
// c.Request.Context() to database calls, HTTP clients and the like; a
// handler that ignores its context runs to its end, and if it has written
// by then its response stands. (gin-contrib/timeout runs the handler in
// another goroutine and buffers its output; after a timeout that goroutine
// keeps running, and keeps using a gin.Context and a response writer that
// the timeout path has also written to — the cause of that project's
// reports of "concurrent map writes" crashes, data races and mixed
// responses, issues #15, #34, #60 and #73, some fixed since; see
// docs/guard.md.)
//
// The context is cancelled when the middleware returns, so work started by
// the handler that must outlive the response has to use guard.Go. A
// d ≤ 0 disables the middleware.
//
// Cost: one allocation per request, holding the deadline context and the
// shallow copy of the request that carries it (http.Request's context can
// only be replaced by copying the request, and neither can be pooled: the
// handler may keep them). The context creates its timer, done channel and
// registration with the parent context only when Done is first called, so
// handlers that never wait on their context skip that cost;
// context.WithTimeout would spend four more allocations and a timer on
// every request. Err reads the clock, so it is right without the timer.
func Timeout(d time.Duration) gin.HandlerFunc {
	if d <= 0 {
		return func(c *gin.Context) { c.Next() }
	}
	// A method value rather than a closure: the closure of an inlined
	// Timeout would be compiled again in the caller, where the compiler
	// does not inline Request.WithContext, which then allocates.
	return timeout(d).handle
}

type timeout time.Duration

func (d timeout) handle(c *gin.Context) {
	r := c.Request
	st := &timeoutState{}
	st.ctx.parent = r.Context()
	st.ctx.deadline = time.Now().Add(time.Duration(d))
	if pd, ok := st.ctx.parent.Deadline(); ok && pd.Before(st.ctx.deadline) {
		st.ctx.deadline = pd
	}
	st.req = *r.WithContext(&st.ctx) // inlined: the copy is made in st
	c.Request = &st.req
	defer st.ctx.finish(context.Canceled)
	c.Next()
	if !c.Writer.Written() && st.ctx.Err() == context.DeadlineExceeded {
		abortJSON(c, http.StatusGatewayTimeout, "request timed out")
	}
}

// timeoutState is the one allocation of Timeout: the request's deadline
// context and the shallow copy of the request that carries it.
type timeoutState struct {
	ctx deadlineCtx
	req http.Request
}
