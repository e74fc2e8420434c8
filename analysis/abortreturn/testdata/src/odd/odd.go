// Package odd exercises unusual code: dot imports, aliases, generics,
// method values, contexts in fields, labels, goto, select and type switches.
package odd

import (
	. "github.com/gin-gonic/gin"
)

type Ctx = Context

func dotAlias(c *Ctx) {
	if c.Query("x") == "" {
		c.AbortWithStatus(400) // want `continues to c\.JSON`
	}
	c.JSON(200, H{})
}

func generic[T any](c *Context, v T) {
	if c.Query("x") == "" {
		c.AbortWithStatus(400) // want `continues to c\.JSON`
	}
	c.JSON(200, v)
}

// Method values hide the calls: not reported (limitation).
func methodValues(c *Context) {
	abort := c.AbortWithStatus
	write := c.JSON
	if c.Query("x") == "" {
		abort(400)
	}
	write(200, H{})
}

type handler struct{ c *Context }

func (h handler) serve() {
	if h.c.Query("x") == "" {
		h.c.AbortWithStatus(400) // want `h\.c\.AbortWithStatus does not stop the handler: execution continues to h\.c\.JSON`
	}
	h.c.JSON(200, H{})
}

func labels(c *Context, items []int) {
outer:
	for _, i := range items {
		for range items {
			if i < 0 {
				c.AbortWithStatus(400) // want `continues to c\.JSON`
				break outer
			}
		}
	}
	c.JSON(200, items)
}

func gotoDone(c *Context) {
	if c.Query("x") == "" {
		c.AbortWithStatus(400)
		goto done
	}
	c.JSON(200, H{})
done:
}

func selects(c *Context, ch chan int) {
	select {
	case <-ch:
		c.AbortWithStatus(400) // want `continues to c\.Status`
	default:
	}
	c.Status(200)
}

func typeSwitch(c *Context, v any) {
	switch v.(type) {
	case int:
		c.AbortWithStatus(400)
		return
	case string:
		c.AbortWithStatus(400) // want `continues to c\.Status`
	}
	c.Status(200)
}

// A handler literal is its own function.
func literal(r *Engine) {
	r.GET("/", func(c *Context) {
		func() {
			c.AbortWithStatus(400)
		}()
		c.JSON(200, H{})
	})
}

// Abort calls on something that is not a gin context.
type fake struct{}

func (fake) AbortWithStatus(int) {}
func (fake) JSON(int, any)       {}

func lookalike(f fake) {
	f.AbortWithStatus(400)
	f.JSON(200, nil)
}

// An abort in an if statement's init is checked, without a fix.
func expression(c *Context, err error) {
	if e := c.AbortWithError(500, err); e != nil { // want `continues to c\.JSON`
		c.JSON(500, H{})
	}
	c.Abort()
}
