// Package handlers calls the helpers of package resp.
package handlers

import (
	"errors"
	"resp"

	"github.com/gin-gonic/gin"
)

var errBad = errors.New("bad")

func get(c *gin.Context) {
	if c.Query("id") == "" {
		resp.Abort403(c, errBad) // want `^resp\.Abort403 aborts with a response \(c\.AbortWithError at resp\.go:13\) but does not stop the handler: execution continues to c\.JSON at line 17, which writes a second response \(gin logs "headers were already written"\) — add return after the call to resp\.Abort403$`
	}
	c.JSON(200, gin.H{"id": c.Query("id")})
}

func list(c *gin.Context) {
	if c.Query("page") == "" {
		resp.AbortJSON(c, 400, "page") // want `^resp\.AbortJSON aborts with a response \(c\.AbortWithStatusJSON at resp\.go:18\) but does not stop the handler: execution continues to resp\.OK at line 24 \(it writes with c\.JSON at resp\.go:45\), which writes a second response`
	}
	resp.OK(c, []string{})
}

func deny(c *gin.Context, admin bool) {
	if !admin {
		resp.Deny(c) // want `resp\.Deny aborts with a response \(c\.Abort at resp\.go:24, writing with c\.JSON at resp\.go:23\) but does not stop the handler: execution continues to c\.String at line 31`
	}
	c.String(200, "welcome")
}

func fail(c *gin.Context, err error) {
	if err != nil {
		_ = resp.Fail(c, err) // want `resp\.Fail aborts with a response`
	}
	c.Status(204)
}

func forbid(c *gin.Context, ok bool) {
	if !ok {
		resp.Forbid(c) // want `resp\.Forbid aborts with a response \(c\.AbortWithError at resp\.go:13\)`
	}
	c.JSON(200, nil)
}

// A direct abort followed by a helper that writes.
func directThenHelper(c *gin.Context) {
	if c.GetHeader("X-Token") == "" {
		c.AbortWithStatus(401) // want `^c\.AbortWithStatus does not stop the handler: execution continues to resp\.OK at line 53 \(it writes with c\.JSON at resp\.go:45\), which writes a second response`
	}
	resp.OK(c, nil)
}

// Two helper aborts in a row: the second is the second write.
func twoHelpers(c *gin.Context, a, b bool) {
	if a {
		resp.Abort403(c, errBad) // want `continues to resp\.AbortJSON at line 62 \(it writes with c\.AbortWithStatusJSON at resp\.go:18\)`
	}
	if b {
		resp.AbortJSON(c, 400, "b")
	}
}

// ---- quiet ----

func returns(c *gin.Context) {
	if c.Query("id") == "" {
		resp.Abort403(c, errBad)
		return
	}
	c.JSON(200, nil)
}

func branches(c *gin.Context, v any) {
	if !resp.BindOr400(c, v) {
		return
	}
	ok := resp.BindOr400(c, v)
	if !ok {
		return
	}
	c.JSON(200, v)
}

func checked(c *gin.Context) {
	resp.Abort403(c, errBad)
	if c.IsAborted() {
		return
	}
	c.JSON(200, nil)
}

func exclusive(c *gin.Context, err error) {
	if err != nil {
		resp.Abort403(c, err)
	} else {
		resp.OK(c, nil)
	}
}

func plainAbort(c *gin.Context) {
	resp.MarkAborted(c)
	c.JSON(200, nil)
}

func copyOnly(c *gin.Context) {
	resp.Abort403(c.Copy(), errBad) // another context: the copy
	c.JSON(200, nil)
}

func later(c *gin.Context) {
	resp.Later(c)
	c.JSON(200, nil)
}

func last(c *gin.Context, err error) {
	c.Header("X", "y")
	resp.Abort403(c, err)
}
