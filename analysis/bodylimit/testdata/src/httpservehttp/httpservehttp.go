// Package httpservehttp bounds bodies in a ServeHTTP method of its own type
// and builds that type around its mux: the package's reads are bounded.
package httpservehttp

import (
	"io"
	"log"
	"net/http"
)

type limiter struct {
	next http.Handler
	n    int64
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, l.n)
	l.next.ServeHTTP(w, r)
}

func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", Upload)
	return &limiter{next: mux, n: 1 << 20}
}

func Upload(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	log.Println(len(body))
}
