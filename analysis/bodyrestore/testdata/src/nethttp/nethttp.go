package nethttp

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
)

// --- reported ---

func Logging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body) // want `request body is read by io\.ReadAll here but not restored before next\.ServeHTTP\(w, r\) at line 21; later handlers see an empty body — assign r\.Body = io\.NopCloser\(bytes\.NewReader\(body\)\) after reading`
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		log.Printf("%s", body)
		next.ServeHTTP(w, r)
	})
}

// r = r.WithContext(...) keeps the drained body.
func WithValue(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // want `before next\.ServeHTTP\(w, r\)`
		r = r.WithContext(context.WithValue(r.Context(), "body", body))
		next.ServeHTTP(w, r)
	})
}

// A handler-typed function value.
func Func(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, r.Body); err != nil { // want `read by io\.Copy here but not restored before next\(w, r\)`
			return
		}
		next(w, r)
	}
}

// A handler stored in a struct.
type mw struct{ next http.Handler }

func (m *mw) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.CopyN(io.Discard, r.Body, 1024) // want `read by io\.CopyN here but not restored before m\.next\.ServeHTTP\(w, r\)`
	m.next.ServeHTTP(w, r)
}

// A mux is a handler too.
func Mux(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body) // want `before mux\.ServeHTTP\(w, r\)`
		log.Println(len(b))
		mux.ServeHTTP(w, r)
	}
}

// A request copied with WithContext shares the drained body.
func Copied(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body) // want `read by io\.ReadAll`
		log.Println(len(b))
		r2 := r.WithContext(context.Background())
		next.ServeHTTP(w, r2)
	})
}

// --- not reported ---

func Restored(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func RestoredCopy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		io.Copy(&buf, r.Body)
		r.Body = io.NopCloser(&buf)
		next.ServeHTTP(w, r)
	})
}

// The end of the chain.
func Echo(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Write(b)
}

// A handler that rejects before passing on.
func Reject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > 1<<20 {
			io.Copy(io.Discard, r.Body)
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func replaceBody(r *http.Request, b []byte) {
	r.Body = io.NopCloser(bytes.NewReader(b))
}

func Helper(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		replaceBody(r, b)
		next.ServeHTTP(w, r)
	})
}

// Calling a declared handler function is a helper, not the chain.
func Handle(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	Echo(w, r)
	log.Println(len(b))
}

// A recursive helper does not loop forever.
func loop(r *http.Request, n int) {
	if n > 0 {
		loop(r, n-1)
	}
}

func Recursive(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body) // want `read by io\.ReadAll`
		loop(r, len(b))
		next.ServeHTTP(w, r)
	})
}
