// Package guard is a stub of github.com/ginleak/ginleak/guard for analyzer
// tests: the same package path and signatures, no logic.
package guard

import "github.com/gin-gonic/gin"

// BodyLimit refuses request bodies larger than n bytes.
func BodyLimit(n int64) gin.HandlerFunc { return func(c *gin.Context) { c.Next() } }

// CaptureBody reads the body once, up to max bytes, and puts it back.
func CaptureBody(max int64) gin.HandlerFunc { return func(c *gin.Context) { c.Next() } }
