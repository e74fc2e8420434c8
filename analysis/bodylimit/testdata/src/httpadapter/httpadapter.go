// Package httpadapter gives a net/http middleware factory's result to a
// gin engine's Use through an adapter (as github.com/gwatts/gin-adapter
// does): the package's reads are bounded.
package httpadapter

import (
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

func limit(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// wrap stands in for adapter.Wrap.
func wrap(mw func(http.Handler) http.Handler) gin.HandlerFunc { return nil }

func Routes(r *gin.Engine) {
	r.Use(wrap(limit(1 << 20)))
	r.POST("/upload", Upload)
}

func Upload(c *gin.Context) {
	raw, _ := c.GetRawData()
	log.Println(len(raw))
	_, _ = io.ReadAll(c.Request.Body)
}
