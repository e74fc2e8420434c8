package nethttp

import (
	"io"
	"log"
	"net/http"
)

// --- reported ---

func Handler(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // want `io\.ReadAll reads the whole request body with no size limit: one large request can exhaust memory — wrap it: r\.Body = http\.MaxBytesReader\(w, r\.Body, 1<<20\), or wrap the handler in http\.MaxBytesHandler`
	w.Write(body)
}

type Server struct{}

func (s *Server) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body) // want `wrap it: req\.Body = http\.MaxBytesReader\(rw, req\.Body, 1<<20\)`
	log.Println(len(body))
}

func Logging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // want `no size limit`
		log.Println(len(body))
		next.ServeHTTP(w, r)
	})
}

func Unnamed(_ http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // want `wrap it: r\.Body = http\.MaxBytesReader\(w, r\.Body, 1<<20\)`
	log.Println(len(body))
}

// --- not reported ---

func Limited(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	w.Write(body)
}

func Wrapped(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	w.Write(body)
}
