// Package local holds helpers one call away from the handler in the same
// package: unexported, so their summaries never leave it.
package local

import (
	"errors"
	"log"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

type loginLog struct{ ip, agent string }

var logs = make(chan loginLog, 16)

func saveLoginLogs(c *gin.Context, err error) {
	if err != nil {
		log.Println(err)
	}
	logs <- loginLog{ip: c.ClientIP(), agent: c.Request.UserAgent()}
}

func login(c *gin.Context) {
	err := errors.New("bad password")
	go saveLoginLogs(c, err) // want `^\*gin\.Context c is passed to a goroutine that can outlive the request: saveLoginLogs uses it at local\.go:22 \(c\.ClientIP\); gin reuses the context for the next request — pass c\.Copy\(\) or the values it needs$`
	c.JSON(401, gin.H{"error": err.Error()})
}

type server struct{ mu sync.Mutex }

func (s *server) restart(c *gin.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	time.Sleep(time.Second)
	c.JSON(200, gin.H{"ok": true})
}

func (s *server) handleRestart(c *gin.Context) {
	go s.restart(c) // want `^\*gin\.Context c is passed to a goroutine that can outlive the request: server\.restart uses it at local\.go:37 \(c\.JSON\); gin reuses the context for the next request — pass c\.Copy\(\) or the values it needs; server\.restart writes the response through it \(c\.JSON at local\.go:37\), which a copy cannot do: write it before the handler returns$`
}

func (s *server) handleRestartSync(c *gin.Context) {
	s.restart(c) // the handler waits: c is still this request's
}

// notifyAsync starts the goroutine itself; its callers are reported too.
func notifyAsync(c *gin.Context) {
	go func() { // want `\*gin\.Context c is used by a goroutine`
		log.Println(c.Param("id"))
	}()
}

func notifyHandler(c *gin.Context) {
	notifyAsync(c) // want `^\*gin\.Context c is passed to notifyAsync, which lets it outlive the request: a goroutine uses it at local\.go:51; gin reuses the context for the next request — copy it in notifyAsync before it escapes, or pass c\.Copy\(\)$`
	c.Status(202)
}

// Three levels: each call that lets the context escape is reported, each
// naming the innermost line.
func level1(c *gin.Context) { level2(c) } // want `passed to level2, which lets it outlive the request: in level3, a goroutine uses it at local\.go:65`
func level2(c *gin.Context) { level3(c) } // want `passed to level3, which lets it outlive the request: a goroutine uses it at local\.go:65`
func level3(c *gin.Context) {
	go func() { _ = c.Query("q") }() // want `\*gin\.Context c is used by a goroutine`
}

func levels(c *gin.Context) {
	level1(c) // want `passed to level1, which lets it outlive the request: in level3, a goroutine uses it at local\.go:65`
}

// Recursion terminates.
func walk(c *gin.Context, n int) {
	if n > 0 {
		walk(c, n-1)
	}
	log.Println(c.Query("q"))
}

func recursive(c *gin.Context) {
	walk(c, 3)
	go walk(c.Copy(), 3)
}

// A helper that writes through another helper: no Copy fix for go.
func answer(c *gin.Context) { reply(c) }
func reply(c *gin.Context)  { c.String(200, "ok") }

func goAnswer(c *gin.Context) {
	go answer(c) // want `answer uses it at local\.go:86 \(c\); gin reuses the context for the next request — pass c\.Copy\(\) or the values it needs; answer writes the response through it \(c\.String at local\.go:87\), which a copy cannot do`
}

// Escape through a function value is not followed.
func viaValue(c *gin.Context) {
	f := notifyAsync
	f(c)
}

// A deferred call runs before the handler returns, but the goroutine it
// starts does not.
func deferred(c *gin.Context) {
	defer notifyAsync(c) // want `passed to notifyAsync, which lets it outlive the request`
}

// A per-request wrapper: storing into its receiver is reported where it
// happens, but a caller whose receiver is its own local value is not.
type reqWrapper struct{ c *gin.Context }

func (w *reqWrapper) set(c *gin.Context) {
	w.c = c // want `\*gin\.Context c is stored in w\.c through receiver w`
}

func (w *reqWrapper) init(c *gin.Context) {
	w.set(c) // want `passed to reqWrapper\.set, which lets it outlive the request: it is stored in w\.c through receiver w`
}

var shared = &reqWrapper{}

func wrapped(c *gin.Context) {
	w := &reqWrapper{}
	w.set(c)
	w.init(c)
	var v reqWrapper
	v.init(c)
	shared.init(c) // want `passed to reqWrapper\.init, which lets it outlive the request: in reqWrapper\.set, it is stored in w\.c through receiver w`
}
