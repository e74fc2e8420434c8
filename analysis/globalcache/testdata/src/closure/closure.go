// Package closure has maps, sync.Maps and slices local to a function and
// captured by a handler literal it returns or registers: the closure keeps
// them alive as long as the handler is registered (seed chapter 3.1).
package closure

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

type record struct {
	At   time.Time
	Path string
}

// --- reported -------------------------------------------------------------

// Seed 3.1 in Go: the middleware's closure holds a slice that lives as long
// as the middleware and only grows.
func History() gin.HandlerFunc {
	var seen []record // want `^slice seen, local to History and captured by a handler closure, grows on every request \(appended at closure\.go:31 in handler func literal in History\) and nothing ever trims it: the closure keeps it alive as long as the handler is registered \(for the life of the server\), so memory grows without bound — cap its length, trim or reset it, or use a bounded ring buffer$`
	var mu sync.Mutex
	return func(c *gin.Context) {
		mu.Lock()
		seen = append(seen, record{At: time.Now(), Path: c.FullPath()})
		mu.Unlock()
		c.Next()
	}
}

// leakyshop's case 4: the literals are assigned to named results.
func leakyHistory() (rec, show gin.HandlerFunc) {
	var (
		mu   sync.Mutex
		seen []record // want `^slice seen, local to leakyHistory and captured by a handler closure, grows on every request \(appended at closure\.go:46 in handler func literal in leakyHistory\).*ring buffer$`
	)
	rec = func(c *gin.Context) {
		r := record{At: time.Now(), Path: c.Request.URL.Path}
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		c.Next()
	}
	show = func(c *gin.Context) {
		mu.Lock()
		n := len(seen)
		recent := append([]record{}, seen[max(0, n-10):]...)
		mu.Unlock()
		c.JSON(http.StatusOK, gin.H{"seen": n, "recent": recent})
	}
	return rec, show
}

// No mutex: the map write is also a data race.
func Counter() gin.HandlerFunc {
	hits := map[string]int{} // want `^map hits, local to Counter and captured by a handler closure, grows on every request \(written at closure\.go:64 in handler func literal in Counter\) and nothing ever deletes from it: the closure keeps it alive .* or delete entries; the write is also a data race: no mutex is held$`
	return func(c *gin.Context) {
		hits[c.ClientIP()]++
	}
}

// Registered with r.Use: a sync.Map is never a race.
func setup(r *gin.Engine) {
	var clients sync.Map // want `^sync\.Map clients, local to setup and captured by a handler closure, grows on every request \(stored at closure\.go:72 in handler func literal in setup\)[^;]*$`
	r.Use(func(c *gin.Context) {
		clients.Store(c.ClientIP(), time.Now())
	})
}

// A handler literal registered in main captures main's local.
func main() {
	r := gin.Default()
	byID := make(map[string][]byte) // want `map byID, local to main and captured .*written at closure\.go:81 in handler func literal in main\).*data race`
	r.GET("/items/:id", func(c *gin.Context) {
		byID[c.Param("id")] = []byte(c.Query("v"))
	})
	setup(r)
	r.Use(History(), Counter())
}

// Stored in a local variable that is then registered.
func viaLocal(r *gin.RouterGroup) {
	var paths []string // want `slice paths, local to viaLocal .*appended at closure\.go:91 in handler func literal in viaLocal\).*data race`
	h := func(c *gin.Context) {
		paths = append(paths, c.FullPath())
	}
	r.GET("/a", h)
}

// Copied and converted before it is returned.
func viaCopy() gin.HandlerFunc {
	var mu sync.Mutex
	agents := map[string]bool{} // want `map agents, local to viaCopy .*written at closure\.go:103 in handler func literal in viaCopy\)[^;]*$`
	h := func(c *gin.Context) {
		mu.Lock()
		defer mu.Unlock()
		agents[c.GetHeader("User-Agent")] = true
	}
	h2 := gin.HandlerFunc(h)
	return h2
}

// Grown through a closure the handler calls, under the handler's lock.
func viaHelper() gin.HandlerFunc {
	var mu sync.Mutex
	var log []string // want `slice log, local to viaHelper .*appended at closure\.go:114 in add, reached from handler func literal in viaHelper\)[^;]*$`
	add := func(s string) {
		log = append(log, s)
	}
	return func(c *gin.Context) {
		mu.Lock()
		add(c.FullPath())
		mu.Unlock()
	}
}

// A goroutine does not hold the handler's lock.
func async() gin.HandlerFunc {
	var mu sync.Mutex
	var queue []string // want `slice queue, local to async .*appended at closure\.go:132 in handler func literal in async\).*data race: no mutex is held$`
	return func(c *gin.Context) {
		mu.Lock()
		defer mu.Unlock()
		p := c.FullPath()
		go func() {
			queue = append(queue, p)
		}()
	}
}

// Made in the factory's body: initialisation, not a reset.
func preallocated() gin.HandlerFunc {
	var ids []string // want `slice ids, local to preallocated .*appended at closure\.go:142 in handler func literal in preallocated\)`
	ids = make([]string, 0, 1024)
	return func(c *gin.Context) {
		ids = append(ids, c.Query("id"))
	}
}

// A factory that is itself a function literal.
var factory = func() gin.HandlerFunc {
	var seen []string // want `slice seen, local to a func literal in factory .*appended at closure\.go:150 in handler func literal in factory\)`
	return func(c *gin.Context) {
		seen = append(seen, c.ClientIP())
	}
}

// Suppressed with a reason.
func suppressed() gin.HandlerFunc {
	//ginleak:ignore globalcache bounded by the number of routes
	byRoute := map[string]int{}
	return func(c *gin.Context) { byRoute[c.FullPath()]++ }
}

// --- not reported ---------------------------------------------------------

// leakyshop's fixed history: a fixed-size ring and a counter.
func fixedHistory(size int) (rec, show gin.HandlerFunc) {
	var (
		mu    sync.Mutex
		ring  = make([]record, size)
		total int64
	)
	rec = func(c *gin.Context) {
		mu.Lock()
		ring[total%int64(size)] = record{At: time.Now(), Path: c.Request.URL.Path}
		total++
		mu.Unlock()
		c.Next()
	}
	show = func(c *gin.Context) {
		mu.Lock()
		kept := int(min(total, int64(size)))
		out := []record{}
		for i := 0; i < kept; i++ {
			out = append(out, ring[(total-int64(kept)+int64(i))%int64(size)])
		}
		mu.Unlock()
		c.JSON(http.StatusOK, out)
	}
	return rec, show
}

// Seed 3.1's capture, literally: a big buffer captured, read, never grown.
func createClosure() gin.HandlerFunc {
	data := make([]byte, 1_000_000)
	return func(c *gin.Context) {
		c.String(http.StatusOK, "Data length: %d", len(data))
	}
}

// A handler-local slice: it lives for one request.
func List(c *gin.Context) {
	var out []string
	each := func(s string) { out = append(out, s) }
	for _, s := range strings.Split(c.Query("q"), ",") {
		each(s)
	}
	c.JSON(http.StatusOK, out)
}

// Captured by a handler literal that is neither returned nor registered.
func runLocally() {
	var seen []string
	h := func(c *gin.Context) { seen = append(seen, c.FullPath()) }
	h(&gin.Context{})
	fmt.Println(len(seen))
}

// Passed to a function of the package that does not keep it.
func apply(h gin.HandlerFunc) { h(&gin.Context{}) }

func passed() {
	m := map[string]int{}
	apply(func(c *gin.Context) { m[c.FullPath()]++ })
	fmt.Println(len(m))
}

// Counters.
func counters() gin.HandlerFunc {
	var n int64
	var hits atomic.Int64
	return func(c *gin.Context) {
		n++
		hits.Add(1)
	}
}

// Trimmed in the literal.
func capped() gin.HandlerFunc {
	var mu sync.Mutex
	var recent []string
	return func(c *gin.Context) {
		mu.Lock()
		defer mu.Unlock()
		recent = append(recent, c.FullPath())
		if len(recent) > 100 {
			recent = recent[1:]
		}
	}
}

// Reset by a janitor the factory starts.
func janitor() gin.HandlerFunc {
	var mu sync.Mutex
	seen := map[string]time.Time{}
	go func() {
		for range time.Tick(time.Minute) {
			mu.Lock()
			seen = map[string]time.Time{}
			mu.Unlock()
		}
	}()
	return func(c *gin.Context) {
		mu.Lock()
		seen[c.ClientIP()] = time.Now()
		mu.Unlock()
	}
}

// Deleted from by another registered literal.
func sessions(r *gin.Engine) {
	var mu sync.Mutex
	live := map[string]string{}
	r.POST("/login", func(c *gin.Context) {
		mu.Lock()
		live[c.Query("tok")] = c.Query("user")
		mu.Unlock()
	})
	r.POST("/logout", func(c *gin.Context) {
		mu.Lock()
		delete(live, c.Query("tok"))
		mu.Unlock()
	})
}

// A sync.Map the literal deletes from.
func inflight() gin.HandlerFunc {
	var active sync.Map
	return func(c *gin.Context) {
		active.Store(c.Request, time.Now())
		defer active.Delete(c.Request)
		c.Next()
	}
}

// A constant key.
func stats() gin.HandlerFunc {
	var mu sync.Mutex
	m := map[string]int{}
	return func(c *gin.Context) {
		mu.Lock()
		m["requests"]++
		mu.Unlock()
	}
}

// Handed back to the caller, who may trim it.
func withStore() (gin.HandlerFunc, map[string]int) {
	m := map[string]int{}
	return func(c *gin.Context) { m[c.FullPath()]++ }, m
}

// A parameter: the caller shares the map and may trim it.
func withMap(m map[string]int) gin.HandlerFunc {
	return func(c *gin.Context) { m[c.FullPath()]++ }
}

// Written only in the factory, not per request.
func preload(r *gin.Engine) {
	names := map[string]string{}
	for _, k := range []string{"a", "b"} {
		names[k] = k
	}
	r.GET("/name", func(c *gin.Context) { c.String(http.StatusOK, names[c.Query("k")]) })
}

// --- more cases -----------------------------------------------------------

// Stored in a package-level variable: kept for the life of the process.
var tracker gin.HandlerFunc

func init() {
	var hosts []string // want `slice hosts, local to init and captured .*appended at closure\.go:332 in handler func literal in init\)`
	tracker = func(c *gin.Context) {
		hosts = append(hosts, c.Request.Host)
	}
}

// Not reported: handed to a function of the package, which may trim it.
func trim(s *[]string) { *s = (*s)[:0] }

func byAddress() gin.HandlerFunc {
	var seen []string
	return func(c *gin.Context) {
		seen = append(seen, c.FullPath())
		if len(seen) > 100 {
			trim(&seen)
		}
	}
}

func evict(m map[string]int) {
	for k := range m {
		delete(m, k)
	}
}

func byArgument() gin.HandlerFunc {
	m := map[string]int{}
	return func(c *gin.Context) {
		m[c.FullPath()]++
		if len(m) > 100 {
			evict(m)
		}
	}
}

// Not reported: the literal is appended to a chain (not followed).
func chain() gin.HandlersChain {
	var seen []string
	return gin.HandlersChain{func(c *gin.Context) { seen = append(seen, c.FullPath()) }}
}
