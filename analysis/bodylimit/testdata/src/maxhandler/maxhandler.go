package maxhandler

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

func Server() *http.Server {
	r := gin.New()
	r.POST("/upload", Upload)
	return &http.Server{Handler: http.MaxBytesHandler(r, 1<<20)}
}

func Upload(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	c.Data(http.StatusOK, "application/octet-stream", body)
}
