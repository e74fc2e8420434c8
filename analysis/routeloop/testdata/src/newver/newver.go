//go:build go1.22

// Package newver holds the same code as package a in a file at go1.22,
// where every iteration has its own variables: nothing is reported.
package newver

import (
	"fmt"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

type route struct{ path, target string }

// Seed (chapter 1): every handler logs the last route's target.
func seedBad(r *gin.Engine, routes []route) {
	for _, route := range routes {
		// 错误:匿名函数共享 route 变量
		r.GET(route.path, func(c *gin.Context) {
			log.Println(route.target)
		})
	}
}

// Seed (chapter 1), fixed: the value is passed to a factory.
func seedGood(r *gin.Engine, routes []route) {
	for _, route := range routes {
		r.GET(route.path, func(target string) gin.HandlerFunc {
			return func(c *gin.Context) {
				log.Println(target)
			}
		}(route.target))
	}
}

func shadowCopy(r *gin.Engine, routes []route) {
	for _, route := range routes {
		route := route
		r.GET(route.path, func(c *gin.Context) {
			log.Println(route.target)
		})
	}
}

func keyAndValue(g *gin.RouterGroup, m map[string]string) {
	for path, target := range m {
		g.POST(path, func(c *gin.Context) {
			c.String(http.StatusOK, path+target)
		})
	}
}

func onlyKey(g *gin.RouterGroup, m map[string]string) {
	for path, target := range m {
		g.PUT(path, func(c *gin.Context) { // the value is not captured
			c.String(http.StatusOK, "%s", c.Param(path))
		})
		_ = target
	}
}

func threeClause(paths []string) {
	for i := 0; i < len(paths); i++ {
		http.HandleFunc(paths[i], func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, paths[i])
		})
	}
}

func muxHandleFunc(mux *http.ServeMux, paths []string) {
	for _, p := range paths {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, p)
		})
	}
}

func muxHandle(mux *http.ServeMux, paths []string) {
	for _, p := range paths {
		mux.Handle(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, p)
		}))
	}
}

func httpHandle(paths []string) {
	for _, p := range paths {
		http.Handle(p, (http.HandlerFunc)(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, p)
		}))
	}
}

func useMiddleware(g *gin.RouterGroup, headers []string) {
	for _, h := range headers {
		g.Use(func(c *gin.Context) {
			c.Header(h, "1")
			c.Next()
		})
	}
}

func interfaces(rs gin.IRoutes, rr gin.IRouter, paths []string) {
	for _, p := range paths {
		rs.Any(p, func(c *gin.Context) { c.String(200, p) })
		rr.Handle("GET", p, func(c *gin.Context) { c.String(200, p) })
		rr.Match([]string{"GET", "HEAD"}, p, func(c *gin.Context) { c.String(200, p) })
	}
}

func allVerbs(e *gin.Engine, paths []string) {
	for _, p := range paths {
		e.DELETE("/", func(c *gin.Context) { c.String(200, p) })
		e.PATCH("/", func(c *gin.Context) { c.String(200, p) })
		e.HEAD("/", func(c *gin.Context) { c.String(200, p) })
		e.OPTIONS("/", func(c *gin.Context) { c.String(200, p) })
		e.Handle("GET", "/", func(c *gin.Context) { c.String(200, p) })
	}
}

// Only the first reference in a literal is reported.
func manyRefs(r *gin.Engine, routes []route) {
	for _, rt := range routes {
		r.GET(rt.path, func(c *gin.Context) {
			log.Println(rt.target)
			log.Println(rt.target, rt.path)
		})
	}
}

// A goroutine inside the handler still sees the shared variable.
func nestedLiteral(r *gin.Engine, routes []route) {
	for _, rt := range routes {
		r.GET(rt.path, func(c *gin.Context) {
			go func() {
				log.Println(rt.target)
			}()
		})
	}
}

func outerLoop(r *gin.Engine, groups map[string][]route) {
	for prefix, routes := range groups {
		g := r.Group(prefix)
		for _, rt := range routes {
			g.GET(rt.path, func(c *gin.Context) {
				log.Println(prefix, rt.target)
			})
		}
	}
}

func wrapF(r *gin.Engine, paths []string) {
	for _, p := range paths {
		r.GET(p, gin.WrapF(func(w http.ResponseWriter, req *http.Request) {
			fmt.Fprint(w, p)
		}))
	}
}

func ginHandlerFunc(r *gin.Engine, paths []string) {
	for _, p := range paths {
		r.GET(p, gin.HandlerFunc(func(c *gin.Context) {
			c.String(200, p)
		}))
	}
}

// The registration sits in a closure called inside the loop.
func inClosure(r *gin.Engine, paths []string) {
	for _, p := range paths {
		func() {
			r.GET(p, func(c *gin.Context) { c.String(200, p) })
		}()
	}
}

func pathArgOnly(r *gin.Engine, routes []route, h gin.HandlerFunc) {
	for _, rt := range routes {
		r.GET(rt.path, h)
		r.GET(rt.path, func(c *gin.Context) { c.Status(204) })
	}
}

func declaredOutside(r *gin.Engine, routes []route) {
	var rt route
	var i int
	for i, rt = range routes {
		r.GET(rt.path, func(c *gin.Context) { log.Println(rt.target, i) }) // shared in every Go version: not this rule
	}
}

func namedHandler(r *gin.Engine, routes []route) {
	for _, rt := range routes {
		r.GET(rt.path, handler)
	}
}

func handler(c *gin.Context) {}

func perIterationLocal(r *gin.Engine, routes []route) {
	for _, rt := range routes {
		target := rt.target
		r.GET(rt.path, func(c *gin.Context) { log.Println(target) })
	}
}

type myRouter struct{}

func (myRouter) GET(path string, h ...gin.HandlerFunc) {}

func notGin(m myRouter, routes []route) {
	for _, rt := range routes {
		m.GET(rt.path, func(c *gin.Context) { log.Println(rt.target) })
	}
}

func notRegistration(routes []route) {
	for _, rt := range routes {
		go func() { log.Println(rt.target) }()
		defer func() { log.Println(rt.target) }()
		run(func() { log.Println(rt.target) })
	}
}

func run(f func()) { f() }

func paramShadows(r *gin.Engine, cs []*gin.Context) {
	for _, c := range cs {
		r.GET("/", func(c *gin.Context) { c.Next() })
		_ = c
	}
}

// The literal is registered before the loop starts.
func notInBody(r *gin.Engine) {
	for _, h := range []gin.IRoutes{r.GET("/", func(c *gin.Context) {})} {
		_ = h
	}
	for i := 0; i < 1; i++ {
		r.GET("/", func(c *gin.Context) {})
	}
}

func suppressed(r *gin.Engine, routes []route) {
	for _, rt := range routes {
		r.GET(rt.path, func(c *gin.Context) {
			//ginleak:ignore routeloop registered once per process, last route is intended
			log.Println(rt.target)
		})
		r.GET(rt.path, func(c *gin.Context) {
			log.Println(rt.target) //ginleak:ignore GL1003 the id works too
		})
	}
}
