package a

import (
	"maps"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// --- reported -------------------------------------------------------------

var sessions = map[string]string{} // want `^package-level map sessions grows on every request \(written at a\.go:17 in handler Login\) and nothing ever deletes from it: memory grows without bound — use a bounded TTL/LRU cache \(e\.g\. github\.com/maypok86/otter/v2\) or delete entries; the write is also a data race: no mutex is held$`

func Login(c *gin.Context) {
	tok := c.Query("token")
	sessions[tok] = c.PostForm("user")
	c.Status(204)
}

var (
	mu   sync.Mutex
	hits = map[string]int{} // want `package-level map hits grows on every request \(written at a\.go:29 in handler Count\) and nothing ever deletes from it: memory grows without bound — use a bounded TTL/LRU cache \(e\.g\. github\.com/maypok86/otter/v2\) or delete entries$`
)

func Count(c *gin.Context) {
	mu.Lock()
	defer mu.Unlock()
	hits[c.ClientIP()]++
}

var visitors sync.Map // want `^package-level sync\.Map visitors grows on every request \(stored at a\.go:36 in handler func literal in Track\) and nothing ever deletes from it: memory grows without bound — use a bounded TTL/LRU cache \(e\.g\. github\.com/maypok86/otter/v2\) or delete entries$`

func Track() gin.HandlerFunc {
	return func(c *gin.Context) {
		visitors.Store(c.ClientIP(), time.Now())
		c.Next()
	}
}

var accessLog []string // want `^package-level slice accessLog grows on every request \(appended at a\.go:44 in handler Audit\) and nothing ever trims it: memory grows without bound — cap its length, trim or reset it, or use a bounded ring buffer; the write is also a data race: no mutex is held$`

func Audit(c *gin.Context) {
	accessLog = append(accessLog, c.FullPath())
}

// Transitively: handler -> record -> store.
var index = map[string]int{} // want `written at a\.go:55 in store, reached from handler Search\).*data race`

func Search(c *gin.Context) { record(c.Query("q")) }

func record(q string) { store(q, len(q)) }

func store(k string, v int) {
	index[k] = v
}

var tokens = &sync.Map{} // want `package-level sync\.Map tokens grows .*stored at a\.go:61 in handler Issue\)`

func Issue(c *gin.Context) {
	_, _ = tokens.LoadOrStore(c.Query("id"), struct{}{})
}

// A constant key does not bound a value that is itself appended to.
var byKey = map[string][]string{} // want `package-level map byKey grows .*written at a\.go:68 in handler Collect\)`

func Collect(c *gin.Context) {
	byKey["all"] = append(byKey["all"], c.Query("v"))
}

// The inner maps grow; nothing deletes from them.
var perUser = map[string]map[string]int{} // want `package-level map perUser grows .*written at a\.go:76 in handler Visit\)`

func Visit(c *gin.Context) {
	if perUser[c.Param("u")] != nil {
		perUser[c.Param("u")][c.FullPath()]++
	}
}

// A goroutine does not hold the handler's lock.
var (
	bgMu    sync.Mutex
	pending = map[string]bool{} // want `package-level map pending grows .*written at a\.go:91 in handler Enqueue\).*data race`
)

func Enqueue(c *gin.Context) {
	bgMu.Lock()
	defer bgMu.Unlock()
	id := c.Query("id")
	go func() {
		pending[id] = true
	}()
}

var merged = map[string]string{} // want `package-level map merged grows .*written at a\.go:98 in handler Merge\)`

func Merge(c *gin.Context) {
	maps.Copy(merged, map[string]string{c.Query("k"): c.Query("v")})
}

// A handler literal registered in main is a handler.
var byRoute = map[string]int{} // want `package-level map byRoute grows .*written at a\.go:107 in handler func literal in main\)`

func main() {
	r := gin.Default()
	r.GET("/x", func(c *gin.Context) {
		byRoute[c.Param("id")] = 1
	})
	r.GET("/login", Login)
}

// Reassigned only in init: that is initialisation, not a reset.
var registry map[string]string // want `package-level map registry grows .*written at a\.go:117 in handler Register\)`

func init() { registry = make(map[string]string) }

func Register(c *gin.Context) { registry[c.Query("name")] = c.Query("addr") }

// Suppressed with a reason.
//
//ginleak:ignore globalcache bounded by the number of tenants
var tenants = map[string]int{}

func Tenant(c *gin.Context) { tenants[c.Query("t")]++ }

var quiet = map[string]int{} //ginleak:ignore GL1004 bounded by the number of routes

func Quiet(c *gin.Context) { quiet[c.FullPath()]++ }

// --- not reported ---------------------------------------------------------

// Written only during package initialisation and in init.
var mime = map[string]string{".html": "text/html"}

func init() { mime[".css"] = "text/css" }

// Read by handlers, never written by them.
func Mime(c *gin.Context) { c.String(200, mime[c.Query("ext")]) }

// A removal path anywhere in the package.
var live = map[string]time.Time{}

func Open(c *gin.Context)  { live[c.Query("id")] = time.Now() }
func Close(c *gin.Context) { delete(live, c.Query("id")) }

var liveSM sync.Map

func OpenSM(c *gin.Context) { liveSM.Store(c.Query("id"), 1) }
func sweep()                { liveSM.Range(func(k, v any) bool { liveSM.Delete(k); return true }) }

var taken sync.Map

func Take(c *gin.Context) { taken.Store(c.Query("id"), 1) }
func Done(c *gin.Context) { taken.LoadAndDelete(c.Query("id")) }

var recent []string

func Remember(c *gin.Context) {
	recent = append(recent, c.Query("q"))
	if len(recent) > 100 {
		recent = recent[1:]
	}
}

var batch []string

func Add(c *gin.Context) { batch = append(batch, c.Query("q")) }

func flush() { batch = batch[:0] }

var ring []string

func Push(c *gin.Context) { ring = append(ring[:0], c.Query("q")) }

var cleared = map[string]int{}

func Put(c *gin.Context) { cleared[c.Query("k")] = 1 }
func reset()             { clear(cleared) }

var tooBig = map[string]int{}

func Grow(c *gin.Context) {
	if len(tooBig) > 1000 {
		tooBig = make(map[string]int)
	}
	tooBig[c.Query("k")] = 1
}

var filtered = map[string]int{}

func Filter(c *gin.Context) { filtered[c.Query("k")] = 1 }
func expire() {
	maps.DeleteFunc(filtered, func(k string, v int) bool { return v > 10 })
}

// Bounded keys: a constant, or a bool.
var stats = map[string]int{}

func Stat(c *gin.Context) {
	stats["requests"]++
	stats["bytes"] += 10
}

var flags = map[bool]int{}

func Flag(c *gin.Context) { flags[c.Query("x") == ""]++ }

// Slice elements overwritten in place do not grow the slice.
var slots = make([]string, 8)

func Slot(c *gin.Context) { slots[len(c.Query("x"))%8] = c.Query("x") }

// Written only by main and by a background function no handler calls.
var config = map[string]string{}

func background() { config["k"] = "v" }

func init() { go background() }

// Local maps are not package-level.
func Local(c *gin.Context) {
	m := map[string]int{}
	m[c.Query("k")] = 1
	c.JSON(200, m)
}

// Handed to a function of the package, which may trim it.
var pruned = map[string]int{}

func Prune(c *gin.Context) {
	pruned[c.Query("k")] = 1
	prune(pruned)
}

func prune(m map[string]int) {
	for k := range m {
		delete(m, k)
	}
}

// Returned by a getter: its callers may trim it.
var exported = map[string]int{}

func Exported() map[string]int { return exported }

func Export(c *gin.Context) { exported[c.Query("k")] = 1 }

// Copied into a local alias, which may be trimmed.
var aliased = map[string]int{}

func Alias(c *gin.Context) {
	aliased[c.Query("k")] = 1
	m := aliased
	delete(m, "x")
}

// Rendering a map in a response is a read.
var shown = map[string]int{"a": 1}

func Show(c *gin.Context) { c.JSON(200, gin.H{"shown": shown}) }

// Filled once, lazily, from a request: not per request.
var (
	lazyOnce sync.Once
	lazy     = map[string]int{}
)

func Lazy(c *gin.Context) {
	lazyOnce.Do(func() {
		lazy[c.Query("first")] = 0
		fill()
	})
	c.JSON(200, lazy[c.Query("k")])
}

func fill() { lazy["a"+"b"] = 1; lazy[string(rune(len(lazy)))] = 2 }

var lazyValue = sync.OnceValue(func() int { lazySlice = append(lazySlice, "x"); return 1 })

var lazySlice []string

func LazyValue(c *gin.Context) { c.JSON(200, lazyValue()) }
