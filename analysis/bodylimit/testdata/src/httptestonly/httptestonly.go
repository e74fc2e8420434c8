// Package httptestonly applies its limiting middleware only in a test: no
// production request is bounded by it.
package httptestonly

import (
	"io"
	"log"
	"net/http"
)

func limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		next.ServeHTTP(w, r)
	})
}

func Upload(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // want `io\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}
