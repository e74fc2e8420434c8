// Package httpuse gives its limiting middleware to a router's Use, as chi
// and gorilla/mux take it, through a method value and an adapter: the
// package's reads are bounded.
package httpuse

import (
	"io"
	"log"
	"net/http"
)

// router stands in for chi.Router or *mux.Router.
type router struct{}

func (router) Use(mws ...func(http.Handler) http.Handler) {}

type server struct{ r router }

func (s *server) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		next.ServeHTTP(w, r)
	})
}

func (s *server) routes() {
	s.r.Use((s.limit))
}

func Upload(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	log.Println(len(body))
}
