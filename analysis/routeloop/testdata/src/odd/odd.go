//go:build go1.21

// Package odd exercises unusual code: dot imports, aliases of gin types,
// generics, method values, function values and loops without variables.
package odd

import (
	"net/http"

	. "github.com/gin-gonic/gin"
)

type Eng = Engine
type Ctx = Context
type Routes = IRoutes

func dotImport(r *Eng, paths []string) {
	for _, p := range paths {
		r.GET(p, func(c *Ctx) { c.String(200, p) }) // want `loop variable p,`
	}
}

func aliasInterface(r Routes, paths []string) {
	for _, p := range paths {
		r.POST(p, func(c *Context) { c.String(200, p) }) // want `loop variable p,`
	}
}

func generic[R IRoutes](r R, paths []string) {
	for _, p := range paths {
		r.GET(p, func(c *Context) { c.String(200, p) }) // want `loop variable p,`
	}
}

func genericElems[T ~string](r *Engine, paths []T) {
	for _, p := range paths {
		r.GET(string(p), func(c *Context) { c.String(200, string(p)) }) // want `loop variable p,`
	}
}

// A method value hides the callee: not reported (documented limitation).
func methodValue(r *Engine, paths []string) {
	get := r.GET
	for _, p := range paths {
		get(p, func(c *Context) { c.String(200, p) })
	}
}

// A function value of the right type is not a registration.
func funcValue(register func(string, ...HandlerFunc) IRoutes, paths []string) {
	for _, p := range paths {
		register(p, func(c *Context) { c.String(200, p) })
	}
}

func conversions(paths []string) {
	for _, p := range paths {
		_ = HandlerFunc(func(c *Context) { c.String(200, p) })
		_ = len(p)
		_ = []byte(p)
	}
}

func noVars(r *Engine, ch chan string) {
	for range ch {
		r.GET("/", func(c *Context) {})
	}
	for {
		r.GET("/", func(c *Context) {})
		break
	}
	n := 0
	for n < 3 {
		r.GET("/", func(c *Context) { c.String(200, "%d", n) })
		n++
	}
}

func labeled(r *Engine, paths []string) {
outer:
	for _, p := range paths {
		for i := 0; i < 2; i++ {
			r.GET(p, func(c *Context) { c.String(200, p) }) // want `loop variable p,`
			continue outer
		}
	}
}

func channelRange(ch chan string) {
	for p := range ch {
		http.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(p)) }) // want `loop variable p,`
	}
}

func funcLitInLoopHeader(r *Engine) {
	for i := func() int { return 0 }(); i < 3; i++ {
		r.GET("/", func(c *Context) { c.String(200, "%d", i) }) // want `loop variable i,`
	}
}

type server struct{ r *Engine }

func (s *server) field(paths []string) {
	for _, p := range paths {
		s.r.Any(p, func(c *Context) { c.String(200, p) }) // want `loop variable p,`
	}
}

type embedded struct{ *Engine }

func (e embedded) promoted(paths []string) {
	for _, p := range paths {
		e.GET(p, func(c *Context) { c.String(200, p) }) // want `loop variable p,`
		e.Use(func(c *Context) { c.String(200, p) })    // want `loop variable p,`
	}
}
