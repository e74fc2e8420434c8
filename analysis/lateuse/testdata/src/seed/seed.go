// Package seed holds Gin analogues of chapter 2.3 of the seed document
// (middleware registration order decides the request chain; a wrong order
// can bypass authentication). The chapter's example is Koa; in Gin, Use
// only reaches routes registered after it.
package seed

import (
	"log"
	"time"

	"github.com/gin-gonic/gin"
)

// requestLogger is the chapter's "A" middleware: it logs around the rest
// of the chain (the onion model).
func requestLogger() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		log.Println("A - request start")
		c.Next()
		log.Println("A - response end", time.Since(start))
	}
}

func authentication() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetHeader("Authorization") == "" {
			c.AbortWithStatus(401)
			return
		}
		c.Next()
	}
}

func business(c *gin.Context) { c.String(200, "Hello") }

// Leaking: the logger and the authentication are registered after the
// business route, which therefore runs neither.
func wrongOrder() *gin.Engine {
	r := gin.New()
	r.GET("/hello", business)
	r.Use(requestLogger())  // want `r\.Use\(requestLogger\(\)\) comes after GET /hello was registered on r: .* it runs without this middleware — move Use before the routes`
	r.Use(authentication()) // want `r\.Use\(authentication\(\)\) comes after GET /hello .* likely an authentication bypass`
	return r
}

// Fixed: logger, then authentication, then business, as in the chapter's
// flow chart; the health check stays public on purpose.
func rightOrder() *gin.Engine {
	r := gin.New()
	r.GET("/healthz", func(c *gin.Context) { c.Status(200) })
	r.Use(requestLogger())
	r.Use(authentication())
	r.GET("/hello", business)
	return r
}
