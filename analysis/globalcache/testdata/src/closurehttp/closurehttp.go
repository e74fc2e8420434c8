// Package closurehttp has net/http handler literals that capture a growing
// local of the function that returns or registers them.
package closurehttp

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// --- reported -------------------------------------------------------------

// A func(next http.Handler) http.Handler middleware factory.
func Logging(next http.Handler) http.Handler {
	var paths []string // want `^slice paths, local to Logging and captured by a handler closure, grows on every request \(appended at closurehttp\.go:20 in handler func literal in Logging\) and nothing ever trims it: .*; the write is also a data race: no mutex is held$`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		next.ServeHTTP(w, r)
	})
}

// Registered with http.HandleFunc in main.
func main() {
	var mu sync.Mutex
	lastSeen := map[string]time.Time{} // want `map lastSeen, local to main .*written at closurehttp\.go:31 in handler func literal in main\)[^;]*$`
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lastSeen[r.RemoteAddr] = time.Now()
		mu.Unlock()
	})
	http.Handle("/log", Logging(http.NotFoundHandler()))
	_ = http.ListenAndServe(":8080", nil)
}

// Registered on a ServeMux.
func routes(mux *http.ServeMux) {
	var agents sync.Map // want `sync\.Map agents, local to routes .*stored at closurehttp\.go:42 in handler func literal in routes\)`
	mux.Handle("/ua", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agents.LoadOrStore(r.UserAgent(), struct{}{})
	}))
}

// Wrapped by a middleware of the package, then registered.
func wrapped() {
	hits := make(map[string]int) // want `map hits, local to wrapped .*written at closurehttp\.go:50 in handler func literal in wrapped\)`
	http.Handle("/w", Logging(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits[r.URL.Path]++
	})))
}

// The server's Handler.
func server() *http.Server {
	var bodies [][]byte // want `slice bodies, local to server .*appended at closurehttp\.go:58 in handler func literal in server\)`
	return &http.Server{Addr: ":8080", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bodies = append(bodies, []byte(r.URL.RawQuery))
	})}
}

// Served directly.
func serve() error {
	var ips []string // want `slice ips, local to serve .*appended at closurehttp\.go:66 in handler func literal in serve\)`
	return http.ListenAndServe(":8080", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ips = append(ips, r.RemoteAddr)
	}))
}

// A net/http handler wrapped for gin.
func ginRoutes(r *gin.Engine) {
	var refs []string // want `slice refs, local to ginRoutes .*appended at closurehttp\.go:74 in handler func literal in ginRoutes\)`
	r.GET("/ref", gin.WrapF(func(w http.ResponseWriter, req *http.Request) {
		refs = append(refs, req.Referer())
	}))
}

// Held in an http.Handler variable that is returned.
func asInterface() http.Handler {
	seen := map[string]bool{} // want `map seen, local to asInterface .*written at closurehttp\.go:82 in handler func literal in asInterface\)`
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen[r.URL.String()] = true
	})
	return h
}

// --- not reported ---------------------------------------------------------

// Per request.
func Serve(w http.ResponseWriter, r *http.Request) {
	var parts []string
	for k := range r.URL.Query() {
		parts = append(parts, k)
	}
	_, _ = w.Write([]byte(parts[0]))
}

// A handler made and called once, in a check.
func check() bool {
	var hits []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits = append(hits, r.URL.Path)
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	return len(hits) > 0
}

// A fixed-size array ring and a counter.
func ring() http.Handler {
	var mu sync.Mutex
	var last [64]string
	var i int
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last[i%len(last)] = r.URL.Path
		i++
		mu.Unlock()
	})
}

// Entries removed when the request ends.
func Inflight(next http.Handler) http.Handler {
	var mu sync.Mutex
	active := map[*http.Request]time.Time{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		active[r] = time.Now()
		mu.Unlock()
		defer func() {
			mu.Lock()
			delete(active, r)
			mu.Unlock()
		}()
		next.ServeHTTP(w, r)
	})
}

// Cleared by a loop in main after registering.
func mainLike() {
	var mu sync.Mutex
	seen := map[string]int{}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
	})
	for range time.Tick(time.Minute) {
		mu.Lock()
		clear(seen)
		mu.Unlock()
	}
}

// Wrapped by http.StripPrefix, then registered.
func stripped(mux *http.ServeMux) {
	var mu sync.Mutex
	files := map[string]int{} // want `map files, local to stripped .*written at closurehttp\.go:160 in handler func literal in stripped\)[^;]*$`
	mux.Handle("/static/", http.StripPrefix("/static", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		files[r.URL.Path]++
		mu.Unlock()
	})))
}
