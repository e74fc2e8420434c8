//go:build go1.22

// This file upgrades itself to go1.22 in a go 1.21 module: per-iteration
// loop variables, nothing reported.

package routes

import (
	"log"

	"github.com/gin-gonic/gin"
)

func RegisterUpgraded(r *gin.Engine, routes []route) {
	for _, route := range routes {
		r.GET(route.path, func(c *gin.Context) {
			log.Println(route.target)
		})
	}
}
