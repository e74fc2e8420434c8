package guarded

import (
	"io"
	"log"

	"github.com/gin-gonic/gin"
	"github.com/ginleak/ginleak/guard"
)

func Routes() *gin.Engine {
	r := gin.New()
	r.Use(guard.BodyLimit(1 << 20))
	r.POST("/upload", Upload)
	return r
}

// The engine limits every body.
func Upload(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}
