// Package local holds abort helpers declared beside the handlers that call
// them.
package local

import (
	"errors"
	"log"

	"github.com/gin-gonic/gin"
)

func abort403(c *gin.Context) {
	_ = c.AbortWithError(403, errors.New("forbidden"))
}

func settings(c *gin.Context, admin bool) {
	if !admin {
		abort403(c) // want `^abort403 aborts with a response \(c\.AbortWithError at local\.go:13\) but does not stop the handler: execution continues to c\.JSON at line 20`
	}
	c.JSON(200, gin.H{})
}

type api struct{}

func (api) unauthorized(c *gin.Context, why string) {
	log.Println(why)
	c.AbortWithStatusJSON(401, gin.H{"error": why})
}

func (a api) profile(c *gin.Context) {
	if c.GetHeader("Authorization") == "" {
		a.unauthorized(c, "no token") // want `^api\.unauthorized aborts with a response \(c\.AbortWithStatusJSON at local\.go:27\)`
	}
	c.String(200, "me")
}

// A helper whose abort is conditional: callers cannot tell, so it aborts.
func requireAdmin(c *gin.Context) {
	if c.GetHeader("X-Admin") == "" {
		c.AbortWithStatus(403) // want `continues to c\.String at line 42`
	}
	c.String(200, "admin")
}

func admin(c *gin.Context) {
	requireAdmin(c) // want `requireAdmin aborts with a response \(c\.AbortWithStatus at local\.go:40\) but does not stop the handler: execution continues to c\.Status at line 47`
	c.Status(204)
}

// A helper with a result that aborts on one path only: not an abort.
func lookup(c *gin.Context) (string, bool) {
	id := c.Param("id")
	if id == "" {
		c.AbortWithStatus(404)
		return "", false
	}
	return id, true
}

func show(c *gin.Context) {
	id, ok := lookup(c)
	if !ok {
		return
	}
	c.String(200, id)
}

// A helper with a result that aborts or panics: every return aborts.
func mustFail(c *gin.Context, err error) error {
	if err == nil {
		panic("mustFail without an error")
	}
	c.AbortWithError(500, err)
	return err
}

func failing(c *gin.Context, err error) {
	if err != nil {
		_ = mustFail(c, err) // want `mustFail aborts with a response \(c\.AbortWithError at local\.go:73\)`
	}
	c.Status(200)
}

// Recursion terminates; a call back into a function being summarised
// counts as nothing.
func retry(c *gin.Context, n int) {
	if n == 0 {
		c.AbortWithStatus(503)
		return
	}
	retry(c, n-1)
}

func retrying(c *gin.Context) {
	retry(c, 3) // want `retry aborts with a response \(c\.AbortWithStatus at local\.go:88\)`
	c.Status(200)
}

// Function values are not followed.
func viaValue(c *gin.Context) {
	f := abort403
	f(c)
	c.JSON(200, nil)
}
