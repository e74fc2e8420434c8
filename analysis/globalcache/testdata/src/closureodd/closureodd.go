// Package closureodd exercises captured locals with dot imports, aliases,
// generics, methods, aliases of shared maps and odd assignments.
package closureodd

import (
	"maps"
	"sync"

	. "github.com/gin-gonic/gin"
)

type Ctx = Context

type Handler = HandlerFunc

// A dot import and an alias of the handler type.
func Dotted() Handler {
	byUser := map[string]int{} // want `map byUser, local to Dotted .*written at closureodd\.go:20 in handler func literal in Dotted\)`
	return func(c *Ctx) {
		byUser[c.Param("u")]++
	}
}

// A generic factory.
func Keyed[K comparable](key func(*Context) K) HandlerFunc {
	seen := make(map[K]int) // want `map seen, local to Keyed .*written at closureodd\.go:28 in handler func literal in Keyed\)`
	return func(c *Context) {
		seen[key(c)]++
	}
}

// A factory method.
type Server struct {
	mu    sync.Mutex
	cache map[string][]byte
}

func (s *Server) History() HandlerFunc {
	var seen []string // want `slice seen, local to Server\.History .*appended at closureodd\.go:42 in handler func literal in Server\.History\)[^;]*$`
	return func(c *Context) {
		s.mu.Lock()
		seen = append(seen, c.FullPath())
		s.mu.Unlock()
	}
}

// Cloned: a fresh map.
func Cloned(base map[string]int) HandlerFunc {
	m := maps.Clone(base) // want `map m, local to Cloned .*written at closureodd\.go:51 in handler func literal in Cloned\)`
	return func(c *Context) {
		m[c.Param("x")] = 1
	}
}

// A pointer to a fresh sync.Map.
func Pointer() HandlerFunc {
	sm := &sync.Map{} // want `sync\.Map sm, local to Pointer .*stored at closureodd\.go:59 in handler func literal in Pointer\)`
	return func(c *Context) {
		sm.Swap(c.Param("x"), 1)
	}
}

// --- not reported ---------------------------------------------------------

// A map shared with its owner, which may evict from it.
func (s *Server) Cached() HandlerFunc {
	cache := s.cache
	return func(c *Context) {
		s.mu.Lock()
		cache[c.Param("k")] = nil
		s.mu.Unlock()
	}
}

func (s *Server) evict() {
	s.mu.Lock()
	clear(s.cache)
	s.mu.Unlock()
}

// Reassigned from a shared map in the factory.
func (s *Server) Reassigned() HandlerFunc {
	var cache map[string][]byte
	cache = s.cache
	return func(c *Context) {
		cache[c.Param("k")] = nil
	}
}

// Range and type switch variables alias the caller's maps.
func Ranged(ms []map[string]int) []HandlerFunc {
	var hs []HandlerFunc
	for _, m := range ms {
		hs = append(hs, func(c *Context) { m[c.Param("k")]++ })
	}
	return hs
}

func Switched(x any) HandlerFunc {
	switch m := x.(type) {
	case map[string]int:
		return func(c *Context) { m[c.Param("k")]++ }
	}
	return nil
}

// Multi-value definitions are not known to be fresh.
func pair() (map[string]int, error) { return map[string]int{}, nil }

func MultiValue() HandlerFunc {
	m, err := pair()
	if err != nil {
		return nil
	}
	return func(c *Context) { m[c.Param("k")]++ }
}

// A method value and a handler value do not confuse the walk.
func Values() HandlerFunc {
	var seen []string
	return func(c *Context) {
		j := c.JSON
		j(200, len(seen))
	}
}

// The same variable assigned two literals, the second calling the first.
func Twice() HandlerFunc {
	var f func(string)
	f = func(string) {}
	g := f
	f = func(s string) { g(s) }
	return func(c *Context) { f(c.Param("x")) }
}

// Blank and unused locals.
func Blank() HandlerFunc {
	var _ = map[string]int{}
	unused := []string{}
	_ = unused
	return func(c *Context) {}
}

// A literal calling itself through its variable.
func Recursive() HandlerFunc {
	var seen []int
	var walk func(n int)
	walk = func(n int) {
		if n > 0 {
			walk(n - 1)
		}
	}
	return func(c *Context) {
		walk(len(seen))
	}
}
