// Package seed holds Gin versions of the seed document's chapter 4.3
// ("实现安全的中间件设计模式以避免泄漏"): a logging middleware must not
// write the Authorization or Cookie headers. The chapter's example is
// JavaScript; these are its Gin analogues.
package seed

import (
	"io"
	"log"
	"log/slog"
	"strings"

	"github.com/gin-gonic/gin"
)

// LeakyLogging logs every request header, credentials included.
func LeakyLogging() gin.HandlerFunc {
	return func(c *gin.Context) {
		headers := map[string]string{}
		for k, v := range c.Request.Header {
			headers[k] = strings.Join(v, ",")
		}
		log.Printf("method=%s url=%s headers=%v ip=%s", // want `the values of every header in c\.Request\.Header \(in headers\) reach log\.Printf`
			c.Request.Method, c.Request.URL, headers, c.ClientIP())
		c.Next()
	}
}

// LeakyLoggingShort does the same with the header map itself.
func LeakyLoggingShort(c *gin.Context) {
	slog.Info("request", "method", c.Request.Method, "headers", c.Request.Header) // want `the request headers c\.Request\.Header reach slog\.Info`
	c.Next()
}

// SafeLogging is the chapter's fix: build safeHeaders without the
// Authorization and Cookie headers, then log them.
func SafeLogging() gin.HandlerFunc {
	return func(c *gin.Context) {
		safeHeaders := map[string]string{}
		for key, values := range c.Request.Header {
			switch strings.ToLower(key) {
			case "authorization", "cookie":
				continue
			}
			safeHeaders[key] = strings.Join(values, ",")
		}
		log.Printf("method=%s url=%s headers=%v ip=%s",
			c.Request.Method, c.Request.URL, safeHeaders, c.ClientIP())
		c.Next()
	}
}

// sensitive is the denylist the chapter's reduce uses.
var sensitive = map[string]bool{"authorization": true, "cookie": true}

// SafeLoggingDenylist filters through a lookup table.
func SafeLoggingDenylist(c *gin.Context) {
	safeHeaders := make(map[string][]string, len(c.Request.Header))
	for key, values := range c.Request.Header {
		if !sensitive[strings.ToLower(key)] {
			safeHeaders[key] = values
		}
	}
	slog.Info("request",
		"method", c.Request.Method,
		"url", c.Request.URL.String(),
		"headers", safeHeaders,
		"ip", c.ClientIP())
	c.Next()
}

// BadMiddleware is chapter 1's first snippet. It logs the raw request body,
// which chapter 4.3 also advises against, but a body is not one of the
// credential sources this rule knows (bodyrestore reports the unrestored
// body): not reported.
func BadMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body)
		log.Printf("Request body: %s", body)
		c.Next()
	}
}
