// Package routes is a module at go 1.21 (its go.mod go line), with no
// build constraints: the version comes from the module.
package routes

import (
	"log"

	"github.com/gin-gonic/gin"
)

type route struct{ path, target string }

func Register(r *gin.Engine, routes []route) {
	for _, route := range routes {
		r.GET(route.path, func(c *gin.Context) {
			log.Println(route.target) // want `loop variable route,`
		})
	}
}

func RegisterFactory(r *gin.Engine, routes []route) {
	for _, route := range routes {
		r.GET(route.path, func(target string) gin.HandlerFunc {
			return func(c *gin.Context) { log.Println(target) }
		}(route.target))
	}
}
