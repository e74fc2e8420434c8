// Package caller calls the helpers of package helpers from its handlers.
package caller

import (
	"helpers"

	"github.com/gin-gonic/gin"
)

var svc = &helpers.Service{}

func login(c *gin.Context) {
	var err error
	go helpers.SaveLoginLogs(c, err) // want `^\*gin\.Context c is passed to a goroutine that can outlive the request: helpers\.SaveLoginLogs uses it at helpers\.go:18 \(c\.ClientIP\); gin reuses the context for the next request — pass c\.Copy\(\) or the values it needs$`
	c.Status(200)
}

func loginCopy(c *gin.Context) {
	var err error
	go helpers.SaveLoginLogs(c.Copy(), err) // a copy is the goroutine's own
	helpers.SaveLoginLogs(c, err)           // synchronous: the handler waits
	c.Status(200)
}

func restart(c *gin.Context) {
	go svc.Restart(c) // want `^\*gin\.Context c is passed to a goroutine that can outlive the request: helpers\.Service\.Restart uses it at helpers\.go:80 \(c\.JSON\); gin reuses the context for the next request — pass c\.Copy\(\) or the values it needs; helpers\.Service\.Restart writes the response through it \(c\.JSON at helpers\.go:80\), which a copy cannot do: write it before the handler returns$`
}

func restartSync(c *gin.Context) {
	svc.Restart(c) // sleeping, then writing, while the handler waits is fine
	helpers.Reply(c)
}

func async(c *gin.Context) {
	helpers.LogAsync(c) // want `^\*gin\.Context c is passed to helpers\.LogAsync, which lets it outlive the request: a goroutine uses it at helpers\.go:24; gin reuses the context for the next request — copy it in helpers\.LogAsync before it escapes, or pass c\.Copy\(\)$`
	helpers.LogAsync(c.Copy())
	c.Status(202)
}

func stored(c *gin.Context, ch chan *gin.Context) {
	helpers.Track(c)      // want `passed to helpers\.Track, which lets it outlive the request: it is stored in package-level variable last at helpers\.go:32`
	helpers.Wrap(c)       // want `passed to helpers\.Wrap, which lets it outlive the request: in helpers\.Track, it is stored in package-level variable last at helpers\.go:32`
	helpers.Notify(ch, c) // want `passed to helpers\.Notify, which lets it outlive the request: it is sent on a channel at helpers\.go:42`
	svc.Remember(c)       // want `passed to helpers\.Service\.Remember, which lets it outlive the request: it is stored in s\.ctx through receiver s at helpers\.go:86`
	helpers.Respond(c)    // want `passed to helpers\.Respond, which lets it outlive the request: in helpers\.respond, it is passed to a goroutine at helpers\.go:91`
}

func quiet(c *gin.Context) {
	helpers.Parallel(c) // waits for its goroutine
	helpers.Detached(c) // its goroutine is declared safe there
	helpers.Ignored(c, "x")
	go helpers.Ignored(c, "x") // want `^\*gin\.Context c is passed to a goroutine that can outlive the request; gin reuses`
	cp := c.Copy()
	helpers.LogAsync(cp)
	helpers.Track(c.Copy())
	own := &helpers.Service{}
	own.Remember(c) // the receiver is this handler's own value
}

// A handler literal: its parameter is the request's context too.
func routes(r *gin.Engine) {
	r.GET("/log", func(c *gin.Context) {
		helpers.LogAsync(c) // want `passed to helpers\.LogAsync`
	})
	r.GET("/go", func(c *gin.Context) {
		go func() { // want `\*gin\.Context c is used by a goroutine`
			helpers.LogAsync(c) // inside a reported goroutine: one finding
		}()
	})
}

// Method expressions take the receiver first.
func methodExpr(c *gin.Context) {
	(*helpers.Service).Remember(svc, c) // want `passed to helpers\.Service\.Remember`
	(*helpers.Service).Restart(svc, c)
}
