// Package httpfactory makes its middleware with a factory and wraps the
// mux with the factory's result: the package's reads are bounded.
package httpfactory

import (
	"io"
	"log"
	"net/http"
)

func limit(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

func Serve() error {
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", Upload)
	srv := &http.Server{Handler: limit(1 << 20)(mux)}
	return srv.ListenAndServe()
}

func Upload(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	log.Println(len(body))
}
