// Package httpunused has net/http middleware that bound the body but are
// never applied: they silence nothing.
package httpunused

import (
	"io"
	"log"
	"net/http"
)

// Defined, never used.
func limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		next.ServeHTTP(w, r)
	})
}

// Referred to, but not applied: stored in a blank, called with nil.
var _ = limit

func wrapsNothing() { _ = limit(nil) }

// A ServeHTTP middleware whose type is never built with a handler.
type limiter struct{ next http.Handler }

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	l.next.ServeHTTP(w, r)
}

var _ = &limiter{}

// Given to something that is not Use or With.
func register(mws map[string]func(http.Handler) http.Handler) { mws["limit"] = limit }

func Mux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", Upload)
	return mux
}

func Upload(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // want `io\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}
