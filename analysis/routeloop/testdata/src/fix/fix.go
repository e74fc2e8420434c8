//go:build go1.21

package fix

import (
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

type route struct{ path, target string }

func seed(r *gin.Engine, routes []route) {
	for _, route := range routes {
		r.GET(route.path, func(c *gin.Context) {
			log.Println(route.target) // want `loop variable route,`
		})
	}
}

// Several references and several registrations in one loop: one copy.
func several(r *gin.Engine, routes []route) {
	for _, rt := range routes {
		r.GET(rt.path, func(c *gin.Context) {
			log.Println(rt.target) // want `loop variable rt,`
			log.Println(rt.path)
		})
		r.POST(rt.path, func(c *gin.Context) {
			log.Println(rt.target) // want `loop variable rt,`
		})
	}
}

// Key and value captured by different literals: one edit copies both.
func keyValue(g *gin.RouterGroup, m map[string]string) {
	for path, target := range m {
		g.GET(path, func(c *gin.Context) { c.String(http.StatusOK, target) }) // want `loop variable target,`
		g.POST(path, func(c *gin.Context) { c.String(http.StatusOK, path) })  // want `loop variable path,`
	}
}

// Nested loops: each variable is copied at the top of its own loop.
func nested(r *gin.Engine, groups map[string][]route) {
	for prefix, routes := range groups {
		for _, rt := range routes {
			r.GET(prefix+rt.path, func(c *gin.Context) {
				log.Println(prefix, rt.target) // want `loop variable prefix,` `loop variable rt,`
			})
		}
	}
}

func threeClause(paths []string) {
	for i := 0; i < len(paths); i++ {
		http.HandleFunc(paths[i], func(w http.ResponseWriter, r *http.Request) {
			log.Println(paths[i]) // want `loop variable i,`
		})
	}
}

// The body advances i: a copy would stop the loop from progressing, so no
// fix is offered.
func advancedInBody(paths []string) {
	for i := 0; i < len(paths); {
		http.HandleFunc(paths[i], func(w http.ResponseWriter, r *http.Request) {
			log.Println(paths[i]) // want `loop variable i,`
		})
		i++
	}
}

// The body already declares the name: a copy would not compile.
func redeclared(r *gin.Engine, routes []route) {
	for _, rt := range routes {
		r.GET(rt.path, func(c *gin.Context) { log.Println(rt.target) }) // want `loop variable rt,`
		rt := rt.path
		_ = rt
	}
}

// The body takes i's address and advances it through the pointer: no fix.
func addressTaken(paths []string) {
	for i := 0; i < len(paths); {
		http.HandleFunc(paths[i], func(w http.ResponseWriter, r *http.Request) {
			log.Println(paths[i]) // want `loop variable i,`
		})
		p := &i
		*p++
	}
}
