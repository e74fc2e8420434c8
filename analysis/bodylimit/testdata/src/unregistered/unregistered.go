package unregistered

import (
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Defined but never registered: it bounds nothing.
func limit(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

func Routes(r *gin.Engine) {
	r.POST("/upload", Upload)
}

func Upload(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body) // want `no size limit`
	log.Println(len(body))
}
