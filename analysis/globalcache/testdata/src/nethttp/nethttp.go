package nethttp

import (
	"io"
	"net/http"
	"sync"
	"time"
)

var uploads []string // want `^package-level slice uploads grows on every request \(appended at nethttp\.go:13 in handler Upload\) and nothing ever trims it.*data race: no mutex is held$`

func Upload(w http.ResponseWriter, r *http.Request) {
	uploads = append(uploads, r.URL.Path)
}

type api struct{ mu sync.Mutex }

var counts = map[string]int{} // want `package-level map counts grows on every request \(written at nethttp\.go:23 in handler api\.ServeHTTP\)[^;]*$`

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	counts[r.URL.Path]++
}

var lastSeen = map[string]time.Time{} // want `package-level map lastSeen grows on every request \(written at nethttp\.go:30 in handler func literal in Logging\).*data race`

func Logging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lastSeen[r.RemoteAddr] = time.Now()
		next.ServeHTTP(w, r)
	})
}

var agents sync.Map // want `package-level sync\.Map agents grows on every request \(stored at nethttp\.go:39 in handler func literal in main\)`

func main() {
	http.HandleFunc("/ua", func(w http.ResponseWriter, r *http.Request) {
		agents.Swap(r.UserAgent(), time.Now())
	})
	http.Handle("/log", Logging(&api{}))
}

// Calling through a method of a package type is followed too.
type store struct{}

var keys = map[string]bool{} // want `written at nethttp\.go:49 in store\.add, reached from handler Keys\)`

func (store) add(k string) { keys[k] = true }

func Keys(w http.ResponseWriter, r *http.Request) { store{}.add(r.URL.Query().Get("k")) }

// --- not reported ---------------------------------------------------------

// Not a handler: the signature differs.
var written = map[string]int{}

func dump(w io.Writer, r *http.Request) { written[r.URL.Path]++ }

// A handler that trims as it goes.
var queue []string

func Enqueue(w http.ResponseWriter, r *http.Request) {
	queue = append(queue, r.URL.Path)
	for len(queue) > 10 {
		queue = queue[1:]
	}
}

// Reset by a background loop in main: a removal path.
var window = map[string]int{}

func Window(w http.ResponseWriter, r *http.Request) { window[r.URL.Path]++ }

func reset() {
	for range time.Tick(time.Minute) {
		window = map[string]int{}
	}
}

// A sync.Map with an eviction.
var conns sync.Map

func Conn(w http.ResponseWriter, r *http.Request) {
	conns.Store(r.RemoteAddr, 1)
	defer conns.CompareAndDelete(r.RemoteAddr, 1)
}

// sync.Map Clear (Go 1.23).
var memo sync.Map

func Memo(w http.ResponseWriter, r *http.Request) { memo.LoadOrStore(r.URL.Path, 1) }
func flush()                                      { memo.Clear() }
