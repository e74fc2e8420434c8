// Package fields has maps, slices and sync.Maps held in fields of
// package-level struct variables.
package fields

import (
	"sync"

	"github.com/gin-gonic/gin"
)

var store = struct { // want `^package-level map store\.m grows on every request \(written at fields\.go:27 in handler Save\).*delete entries$` `^package-level slice store\.log grows on every request \(appended at fields\.go:28 in handler Save\).*ring buffer$`
	sync.Mutex
	m   map[string]int
	log []string
}{m: map[string]int{}}

type server struct {
	cache map[string][]byte
	seen  sync.Map
}

var srv = &server{cache: map[string][]byte{}} // want `package-level map srv\.cache grows .*written at fields\.go:32 in handler Cache\).*data race` `package-level sync\.Map srv\.seen grows .*stored at fields\.go:33 in handler Cache\)[^;]*$`

func Save(c *gin.Context) {
	store.Lock()
	defer store.Unlock()
	store.m[c.Query("k")]++
	store.log = append(store.log, c.Query("k"))
}

func Cache(c *gin.Context) {
	srv.cache[c.Query("k")] = nil
	srv.seen.Store(c.Query("k"), true)
}

// --- not reported ---------------------------------------------------------

// A field with a removal path.
var limits = struct{ m map[string]int }{m: map[string]int{}}

func Limit(c *gin.Context)   { limits.m[c.ClientIP()]++ }
func Unlimit(c *gin.Context) { delete(limits.m, c.ClientIP()) }

// The whole struct is reset.
var window = struct{ m map[string]int }{m: map[string]int{}}

func Window(c *gin.Context) { window.m[c.ClientIP()]++ }
func roll() {
	for {
		window = struct{ m map[string]int }{m: map[string]int{}}
	}
}

// A method of the package is called on it: it may trim its fields.
type registry struct {
	mu sync.Mutex
	m  map[string]int
}

func (r *registry) evict() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.m)
}

var reg = &registry{m: map[string]int{}}

func Reg(c *gin.Context) {
	reg.mu.Lock()
	reg.m[c.Query("k")] = 1
	reg.mu.Unlock()
	if len(reg.m) > 100 {
		reg.evict()
	}
}
