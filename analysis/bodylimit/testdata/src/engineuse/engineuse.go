// Package engineuse: a limit on the engine still covers every handler,
// traced or not, and groups made from the engine.
package engineuse

import (
	"io"
	"log"

	"github.com/gin-gonic/gin"
	"github.com/ginleak/ginleak/guard"
)

func Routes() *gin.Engine {
	r := gin.Default()
	r.Use(guard.BodyLimit(1 << 20))
	api := r.Group("/api")
	api.POST("/upload", upload)
	return r
}

// Negative: a group of the limited engine.
func upload(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}

// Negative: untraced, but the engine is limited.
func Untraced(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}
