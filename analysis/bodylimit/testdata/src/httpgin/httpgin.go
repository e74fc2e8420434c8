// Package httpgin wraps a whole gin engine in a net/http middleware, a
// handler function in another: the package's reads are bounded.
package httpgin

import (
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

func limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		next.ServeHTTP(w, r)
	})
}

func Serve() error {
	r := gin.New()
	r.POST("/upload", Upload)
	return http.ListenAndServe(":8080", limit(r))
}

func Upload(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}
