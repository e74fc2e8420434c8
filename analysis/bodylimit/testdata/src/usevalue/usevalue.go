package usevalue

import (
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

func limitBody(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
	c.Next()
}

func Routes(r *gin.Engine) {
	r.POST("/upload", limitBody, Upload)
}

func Upload(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}
