package usemw

import (
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

func limit(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

func Routes(r *gin.Engine) {
	api := r.Group("/api")
	api.Use(limit(1 << 20))
	api.POST("/upload", func(c *gin.Context) {
		raw, _ := c.GetRawData()
		log.Println(len(raw))
	})
}

// Registered nowhere in the package: the limit is on one group, not the
// engine, so it does not cover a handler whose router is unknown.
func Upload(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}
