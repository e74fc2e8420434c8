package route

import (
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ginleak/ginleak/guard"
)

func limit(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

// A limit given to one route covers the handlers after it on that route
// only.
func Routes(r *gin.Engine) {
	r.POST("/limited", limit(1<<20), Limited)
	r.PUT("/factory", limit(1<<20), makeHandler())
	r.POST("/guarded", guard.BodyLimit(1<<10), func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body)
		log.Println(len(body))
	})
	r.POST("/audited", audit, Open)
	r.POST("/open", Open)
	// The factory called above limits nothing here.
	r.POST("/literal", func(c *gin.Context) {
		raw, _ := c.GetRawData() // want `no size limit`
		log.Println(len(raw))
	})
}

func Limited(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}

func makeHandler() gin.HandlerFunc {
	return func(c *gin.Context) {
		raw, _ := c.GetRawData()
		log.Println(len(raw))
	}
}

func Open(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body) // want `no size limit`
	log.Println(len(body))
}

// Registered before any limit on its route.
func audit(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body) // want `no size limit`
	log.Println(len(body))
	c.Next()
}
