// Package seed holds the server snippet of chapter 2.2 of the seed document.
package seed

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func main() {
	r := gin.Default()
	r.GET("/ping", func(c *gin.Context) {
		c.JSON(200, gin.H{"message": "pong"})
	})

	srv := &http.Server{ // want `http\.Server literal sets neither ReadHeaderTimeout nor ReadTimeout`
		Addr:    ":8080",
		Handler: r, // Gin引擎作为Handler注入
	}
	srv.ListenAndServe()
}
