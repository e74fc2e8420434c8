// Package helpers holds helpers that take the *gin.Context of the handler
// calling them; package caller calls them. Facts carry what each does with
// the context across the package boundary.
package helpers

import (
	"log"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// SaveLoginLogs only uses c synchronously: fine when called, not when
// started with go.
func SaveLoginLogs(c *gin.Context, err error) { // want SaveLoginLogs:`ginctx\(param 0: use c\.ClientIP at helpers\.go:18\)`
	log.Println(err)
	log.Println(c.ClientIP())
}

// LogAsync hands c to a goroutine itself.
func LogAsync(c *gin.Context) { // want LogAsync:`escape in helpers\.LogAsync: a goroutine uses it at helpers\.go:24`
	go func() { // want `\*gin\.Context c is used by a goroutine`
		log.Println(c.FullPath())
	}()
}

var last *gin.Context

// Track stores c in a package-level variable.
func Track(c *gin.Context) { // want Track:`escape in helpers\.Track: it is stored in package-level variable last at helpers\.go:32`
	last = c // want `\*gin\.Context c is stored in package-level variable last`
}

// Wrap passes c on to Track: it escapes one call further down.
func Wrap(c *gin.Context) { // want Wrap:`escape in helpers\.Track: it is stored in package-level variable last at helpers\.go:32`
	Track(c) // want `^\*gin\.Context c is passed to Track, which lets it outlive the request: it is stored in package-level variable last at helpers\.go:32; gin reuses the context for the next request — copy it in Track before it escapes, or pass c\.Copy\(\)$`
}

// Notify sends c on a channel.
func Notify(ch chan<- *gin.Context, c *gin.Context) { // want Notify:`escape in helpers\.Notify: it is sent on a channel`
	ch <- c // want `\*gin\.Context c is sent on a channel`
}

// Reply sleeps, then writes: fine while the handler waits for it.
func Reply(c *gin.Context) { // want Reply:`use c\.JSON at helpers\.go:48; write c\.JSON at helpers\.go:48\)`
	time.Sleep(10 * time.Millisecond)
	c.JSON(200, nil)
}

// Parallel waits for its goroutine: c does not escape.
func Parallel(c *gin.Context) { // want Parallel:`ginctx\(param 0: use c\.FullPath at helpers\.go:57\)`
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		log.Println(c.FullPath())
	}()
	wg.Wait()
}

// Detached starts a goroutine its author declared safe: its callers are
// not reported either.
func Detached(c *gin.Context) { // want Detached:`ginctx\(param 0: use c at helpers\.go:66\)`
	//ginleak:ignore ctxescape the goroutine only reads c before the handler's reply, which waits on a channel
	go SaveLoginLogs(c, nil)
}

// Ignored does not use its context at all.
func Ignored(_ *gin.Context, msg string) { log.Println(msg) }

type Service struct {
	mu  sync.Mutex
	ctx *gin.Context
}

// Restart sleeps, then answers through c.
func (s *Service) Restart(c *gin.Context) { // want Restart:`use c\.JSON at helpers\.go:80; write c\.JSON at helpers\.go:80\)`
	time.Sleep(10 * time.Millisecond)
	c.JSON(200, gin.H{"restarted": true})
}

// Remember keeps c in a field reached through the pointer receiver.
func (s *Service) Remember(c *gin.Context) { // want Remember:`escape in helpers\.Service\.Remember: it is stored in s\.ctx through receiver s`
	s.mu.Lock()
	s.ctx = c // want `\*gin\.Context c is stored in s\.ctx through receiver s`
	s.mu.Unlock()
}

// respond is not exported: no fact leaves the package.
func respond(c *gin.Context) { go c.Status(204) } // want `\*gin\.Context c is passed to a goroutine`

// Respond calls respond: its own fact says where c escapes.
func Respond(c *gin.Context) { // want Respond:`escape in helpers\.respond: it is passed to a goroutine at helpers\.go:91`
	respond(c) // want `\*gin\.Context c is passed to respond, which lets it outlive the request: it is passed to a goroutine at helpers\.go:91`
}
