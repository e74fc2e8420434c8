package fix

import (
	"log"
	"time"

	"github.com/gin-gonic/gin"
)

func useGin(c *gin.Context) {}

// The seed case: no fix, since a copy cannot write the response.
func AsyncHandler(c *gin.Context) { // want AsyncHandler:`escape in fix\.AsyncHandler: a goroutine uses it`
	data := "result"
	go func() { // want `\*gin\.Context c is used by a goroutine that can outlive the request; gin reuses the context for the next request — use c\.Copy\(\) or copy the values first; c\.JSON writes the response, which a copy cannot do: write it before the handler returns`
		time.Sleep(2 * time.Second)
		c.JSON(200, data)
	}()
	c.Status(204)
}

func goArg(c *gin.Context) {
	if c.Query("async") != "" {
		go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	}
}

func clash(c *gin.Context) {
	cCp := "taken"
	log.Println(cCp)
	go func() { // want `\*gin\.Context c is used by a goroutine`
		cCp2 := 1
		log.Println(c.FullPath(), cCp2)
	}()
}

func afterFunc(c *gin.Context) {
	time.AfterFunc(time.Second, func() { log.Println(c.FullPath()) }) // want `\*gin\.Context c is used by a time\.AfterFunc callback`
}

// No fix: the callback writes the response.
func afterFuncWrites(c *gin.Context) {
	time.AfterFunc(time.Second, func() { c.String(200, "late") }) // want `c\.String writes the response`
}

var current *gin.Context

func store(c *gin.Context) {
	current = c // want `\*gin\.Context c is stored in package-level variable current`
}

func sendInSelect(c *gin.Context, ch chan *gin.Context) {
	select {
	case ch <- c: // want `\*gin\.Context c is sent on a channel`
	case <-time.After(time.Second):
	}
}

func two(ctx, other *gin.Context) {
	go func() { // want `\*gin\.Context values ctx and other are used by a goroutine`
		useGin(ctx)
		useGin(other)
	}()
}

func oneLine(c *gin.Context) { go useGin(c) } // want `\*gin\.Context c is passed to a goroutine`

func method(c *gin.Context) {
	go c.Abort() // want `\*gin\.Context c is passed to a goroutine`
}

// No fix: the goroutine writes the response.
func methodWrites(c *gin.Context) {
	go c.JSON(200, nil) // want `c\.JSON writes the response`
}

type Server struct{ last *gin.Context }

func (s *Server) handle(c *gin.Context) {
	s.last = c // want `\*gin\.Context c is stored in s\.last through receiver s`
}

func inSwitch(c *gin.Context, mode int) {
	switch mode {
	case 1:
		go func() { useGin(c) }() // want `\*gin\.Context c is used by a goroutine`
	}
}

// No fix: the statement is labeled.
func labeled(c *gin.Context) {
L:
	go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	goto L
}

// Two findings of c in one function share one copy.
func twoFindings(c *gin.Context) {
	go func() { _ = c.Query("x") }()                         // want `\*gin\.Context c is used by a goroutine`
	time.AfterFunc(time.Second, func() { _ = c.Param("y") }) // want `\*gin\.Context c is used by a time\.AfterFunc callback`
	current = c                                              // want `\*gin\.Context c is stored in package-level variable current`
}

// The first copy dominates the later finding in a nested block.
func nested(c *gin.Context, ok bool) {
	go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	if ok {
		go func() { useGin(c) }() // want `\*gin\.Context c is used by a goroutine`
	}
}

// Sibling blocks: one insertion cannot serve both, so the copies get
// distinct names.
func siblings(c *gin.Context, ok bool) {
	if ok {
		go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	} else {
		go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	}
	go func() { useGin(c) }() // want `\*gin\.Context c is used by a goroutine`
}

// A finding with two variables, then one with only the first.
func mixed(ctx, other *gin.Context) {
	go func() { // want `\*gin\.Context values ctx and other are used by a goroutine`
		useGin(ctx)
		useGin(other)
	}()
	go useGin(ctx) // want `\*gin\.Context ctx is passed to a goroutine`
}

// A helper that only reads the context: the copy is enough.
func audit(c *gin.Context) { log.Println(c.ClientIP()) }

func goAudit(c *gin.Context) {
	go audit(c) // want `\*gin\.Context c is passed to a goroutine that can outlive the request: audit uses it at fix\.go:133 \(c\.ClientIP\)`
}

// A helper that writes the response, one call further down: a copy would
// panic there, so no fix.
func answer(c *gin.Context) { reply(c) }
func reply(c *gin.Context)  { c.String(200, "ok") }

func goAnswer(c *gin.Context) {
	go answer(c) // want `answer writes the response through it \(c\.String at fix\.go:142\), which a copy cannot do`
}
