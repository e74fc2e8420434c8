// Package resp holds response helpers that package handlers calls: facts
// carry which of them abort with a response, and which write one.
package resp

import (
	"errors"

	"github.com/gin-gonic/gin"
)

// Abort403 aborts with an error response.
func Abort403(c *gin.Context, err error) { // want Abort403:`ginwrite\(param 0: write c\.AbortWithError at resp\.go:13; abort c\.AbortWithError at resp\.go:13\)`
	_ = c.AbortWithError(403, err)
}

// AbortJSON aborts with a JSON body.
func AbortJSON(c *gin.Context, code int, msg string) { // want AbortJSON:`abort c\.AbortWithStatusJSON at resp\.go:18`
	c.AbortWithStatusJSON(code, gin.H{"error": msg})
}

// Deny writes, then aborts: an abort with a response too.
func Deny(c *gin.Context) { // want Deny:`ginwrite\(param 0: write c\.JSON at resp\.go:23; abort c\.Abort at resp\.go:24, writing with c\.JSON at resp\.go:23\)`
	c.JSON(403, gin.H{"error": "denied"})
	c.Abort()
}

// Fail aborts on every path and returns the error.
func Fail(c *gin.Context, err error) error { // want Fail:`abort c\.AbortWithStatusJSON at resp\.go:29`
	c.AbortWithStatusJSON(500, gin.H{"error": err.Error()})
	return err
}

// BindOr400 aborts only when binding fails, and says so in its result:
// callers branch on it, so it is no abort for them.
func BindOr400(c *gin.Context, v any) bool { // want BindOr400:`ginwrite\(param 0: write c\.AbortWithStatus at resp\.go:37\)`
	if err := c.ShouldBind(v); err != nil {
		c.AbortWithStatus(400)
		return false
	}
	return true
}

// OK writes the success body.
func OK(c *gin.Context, data any) { // want OK:`ginwrite\(param 0: write c\.JSON at resp\.go:45\)`
	c.JSON(200, data)
}

// Forbid aborts through Abort403, one call further down.
func Forbid(c *gin.Context) { // want Forbid:`abort c\.AbortWithError at resp\.go:13`
	Abort403(c, errors.New("forbidden"))
}

// MarkAborted aborts without a response: the caller's write is the first.
func MarkAborted(c *gin.Context) { c.Abort() }

// Later writes only in a goroutine it starts: not its own work.
func Later(c *gin.Context) {
	go func() { c.JSON(200, nil) }()
}
