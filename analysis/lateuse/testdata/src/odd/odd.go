// Package odd exercises unusual code: dot imports, aliases of gin types,
// generics, method values, non-constant paths and invalid code shapes.
package odd

import (
	. "github.com/gin-gonic/gin"
)

type Eng = Engine
type Group = RouterGroup
type Routes = IRoutes

func Session() HandlerFunc { return nil }

func dotAlias(r *Eng) {
	r.GET("/orders", nil)
	r.Use(Session()) // want `likely an authentication bypass`
}

func aliasGroup(g *Group, prefix string) {
	g.GET(prefix+"/x", nil)
	g.Use(Logger()) // want `comes after GET prefix \+ "/x" was registered on g`
}

func generic[R Routes](r R) {
	r.GET("/orders", nil)
	r.Use(Logger()) // want `comes after GET /orders was registered on r`
}

// A method value hides the registration: not reported (limitation).
func methodValue(r *Engine) {
	get := r.GET
	get("/orders", nil)
	r.Use(Session())
}

// Routers that are not variables are not tracked.
func newEngine() *Engine { return New() }

func notVariables() {
	newEngine().GET("/orders", nil)
	newEngine().Use(Session())
	m := map[string]*Engine{}
	m["a"].GET("/x", nil)
	m["a"].Use(Session())
}

// The embedded RouterGroup is the engine's own chain.
func embedded(e *Engine) {
	e.RouterGroup.GET("/orders", nil)
	e.Use(Session()) // want `comes after GET /orders was registered on e`
}

// An empty group path and a Handle with a variable method.
func emptyPath(r *Engine, method string) {
	r.Group("")
	r.Handle(method, "/x")
	r.Use(Logger()) // want `comes after group "" and method /x were registered on r`
}

type notRouter struct{}

func (notRouter) GET(string) {}
func (notRouter) Use(...any) {}

func lookalike(r notRouter) {
	r.GET("/orders")
	r.Use(Session())
}

var global = New()

func init() {
	global.GET("/orders", nil)
}

// Registrations in another function are not seen (limitation).
func packageLevel() {
	global.Use(Session())
}
