package nethttp

import (
	"bytes"
	"encoding/json"
	"io"
	"io/ioutil"
	"log"
	"net/http"
)

type Event struct{ ID string }

func Handler(w http.ResponseWriter, r *http.Request) {
	var e Event
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
	raw, _ := io.ReadAll(r.Body) // want `io\.ReadAll reads the request body, which json\.NewDecoder already consumed at line 16: it gets an empty body — read the body once and reuse the bytes, or put them back with r\.Body = io\.NopCloser\(bytes\.NewReader\(body\)\) after the first read`
	log.Println(len(raw))
}

func Ioutil(w http.ResponseWriter, req *http.Request) {
	a, _ := ioutil.ReadAll(req.Body)
	b, _ := ioutil.ReadAll(io.LimitReader(req.Body, 1<<20)) // want `ioutil\.ReadAll reads the request body, which ioutil\.ReadAll already consumed`
	log.Println(len(a), len(b))
}

func Copy(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	io.Copy(&buf, r.Body)
	io.Copy(w, r.Body) // want `io\.Copy reads the request body, which io\.Copy already consumed`
}

func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := io.ReadAll(r.Body)
		r = r.WithContext(r.Context())
		b, _ := io.ReadAll(r.Body) // want `already consumed`
		log.Println(len(a), len(b))
		next.ServeHTTP(w, r)
	})
}

// --- not reported ---

func Restored(w http.ResponseWriter, r *http.Request) {
	a, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(a))
	var e Event
	_ = json.NewDecoder(r.Body).Decode(&e)
}

func NewRequest(w http.ResponseWriter, r *http.Request) {
	a, _ := io.ReadAll(r.Body)
	r, _ = http.NewRequest(http.MethodPost, "/", bytes.NewReader(a))
	b, _ := io.ReadAll(r.Body)
	log.Println(len(b))
}

func ByMethod(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPut:
		a, _ := io.ReadAll(r.Body)
		log.Println(len(a))
	case http.MethodPost:
		var e Event
		_ = json.NewDecoder(r.Body).Decode(&e)
	}
}

// Reading an upstream response twice is another matter.
func Proxy(w http.ResponseWriter, r *http.Request) {
	out, _ := http.NewRequest(http.MethodGet, "http://upstream", nil)
	a, _ := io.ReadAll(r.Body)
	b, _ := io.ReadAll(out.Body)
	log.Println(len(a), len(b))
}
