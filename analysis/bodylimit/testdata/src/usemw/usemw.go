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

func Upload(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}
