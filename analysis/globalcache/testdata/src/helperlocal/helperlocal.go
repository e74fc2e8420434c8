// Package helperlocal has maps and slices local to a function (or a method)
// and captured by a local helper closure that the same call runs: fresh on
// every call, they are not reported, even when a handler registered
// elsewhere reaches the function (issue 8 §2: six such locals in one real
// application were reported as growing on every request). Locals captured
// by a handler literal that is stored for later are reported.
package helperlocal

import (
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

type Node struct {
	Name     string
	Children []*Node
}

type Service struct {
	root  *Node
	onHit gin.HandlerFunc
}

// --- not reported ---------------------------------------------------------

// A method collecting with a recursive local helper.
func (s *Service) Count() int {
	var out []string
	var walk func(n *Node)
	walk = func(n *Node) {
		out = append(out, n.Name)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(s.root)
	return len(out)
}

// A function counting with a local helper, reached from a registered
// handler literal.
func index(c *gin.Context, q string) {
	m := map[string]int{}
	add := func(k string) { m[k]++ }
	for _, k := range strings.Fields(q) {
		add(k)
	}
	c.JSON(http.StatusOK, m)
}

// A helper closure holding a lock, as real code does.
func (s *Service) Tags(q string) string {
	var mu sync.Mutex
	seen := map[string]bool{}
	var tags []string
	note := func(t string) {
		mu.Lock()
		defer mu.Unlock()
		if !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	for _, t := range strings.Split(q, ",") {
		note(t)
	}
	sort.Strings(tags)
	return strings.Join(tags, ",")
}

// A local helper in the router set-up, run while routes are registered:
// paths grows once per route, at start-up.
func Register(r *gin.Engine, s *Service) {
	var paths []string
	get := func(p string, h gin.HandlerFunc) {
		paths = append(paths, p)
		r.GET(p, h)
	}
	get("/health", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/count", func(c *gin.Context) {
		c.JSON(http.StatusOK, s.Count())
	})
	r.GET("/index", func(c *gin.Context) {
		index(c, c.Query("q"))
	})
	r.GET("/tags", func(c *gin.Context) {
		c.String(http.StatusOK, s.Tags(c.Query("q")))
	})
	r.GET("/paths", func(c *gin.Context) {
		c.JSON(http.StatusOK, len(paths))
	})
}

// A middleware whose per-request local is grown by a helper closure: the
// handler literal is kept, but the local is made on every request.
func Audit() gin.HandlerFunc {
	return func(c *gin.Context) {
		var notes []string
		note := func(s string) { notes = append(notes, s) }
		note(c.FullPath())
		note(c.ClientIP())
		c.Set("notes", len(notes))
	}
}

// A factory calling itself from its handler: the inner call makes a fresh
// slice, which its own helper grows and nothing keeps.
func Echo(depth int) gin.HandlerFunc {
	var parts []string
	add := func(s string) { parts = append(parts, s) }
	add("start")
	return func(c *gin.Context) {
		if depth > 0 {
			Echo(depth - 1)(c)
		}
		c.String(http.StatusOK, "%d", len(parts))
	}
}

// --- reported -------------------------------------------------------------

// The same helper, called from a handler literal the function returns: one
// slice for the life of the server.
func Trail() gin.HandlerFunc {
	var mu sync.Mutex
	var trail []string // want `^slice trail, local to Trail and captured by a handler closure, grows on every request \(appended at helperlocal\.go:131 in add, reached from handler func literal in Trail\)[^;]*$`
	add := func(s string) { trail = append(trail, s) }
	return func(c *gin.Context) {
		mu.Lock()
		add(c.FullPath())
		mu.Unlock()
	}
}

// Stored for later in a field of a long-lived value.
func NewService(root *Node) *Service {
	s := &Service{root: root}
	hits := map[string]int{} // want `map hits, local to NewService and captured .*written at helperlocal\.go:144 in handler func literal in NewService\).*data race`
	s.onHit = func(c *gin.Context) {
		hits[c.ClientIP()]++
	}
	return s
}

// Stored for later in a field of a struct literal.
type Hooks struct {
	OnHit gin.HandlerFunc
}

func NewHooks() Hooks {
	var seen []string // want `slice seen, local to NewHooks and captured .*appended at helperlocal\.go:157 in handler func literal in NewHooks\)`
	return Hooks{OnHit: func(c *gin.Context) {
		seen = append(seen, c.FullPath())
	}}
}

// Stored for later in a package-level map of handlers, through a local
// variable.
var routes = map[string]http.HandlerFunc{}

func mount(name string) {
	var mu sync.Mutex
	bodies := map[string]int64{} // want `map bodies, local to mount and captured .*written at helperlocal\.go:170 in handler func literal in mount\)[^;]*$`
	h := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		bodies[r.RemoteAddr] += r.ContentLength
		mu.Unlock()
	}
	routes[name] = h
}
