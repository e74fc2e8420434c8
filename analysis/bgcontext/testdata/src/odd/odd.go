package odd

import (
	"context"
	. "context"
	ctxpkg "context"

	"github.com/gin-gonic/gin"
)

type Ctx = gin.Context

type loader interface {
	Load(ctx context.Context) error
}

func use(ctx context.Context) {}

func generic[C context.Context](c C) {}

// An alias of gin.Context is still a handler.
func Aliased(c *Ctx) {
	use(ctxpkg.Background()) // want `context\.Background\(\) passed to use in a request handler`
}

// Dot import.
func Dotted(c *gin.Context) {
	use(Background()) // want `passed to use in a request handler`
	use(TODO())       // want `context\.TODO\(\) passed to use`
}

// Interface method, method value, function value, generic function.
func Dynamic(c *gin.Context, l loader) {
	_ = l.Load(context.Background()) // want `passed to l\.Load in a request handler`
	f := l.Load
	_ = f(context.Background())                        // want `passed to f in a request handler`
	generic(context.Background())                      // want `passed to generic in a request handler`
	generic[context.Context](context.Background())     // want `passed to generic\[context\.Context\] in a request handler`
	func(ctx context.Context) {}(context.Background()) // want `passed to a function literal in a request handler`
}

// Not context-taking: conversions, builtins, any parameters, spreads.
func NotContext(c *gin.Context) {
	_ = context.Context(context.Background())
	xs := append([]context.Context{}, context.Background())
	_ = xs
	var anyf func(any)
	if anyf != nil {
		anyf(context.Background())
	}
	var bg context.Context = context.Background()
	p := &bg // address taken: assignments unknown
	use(bg)
	_ = p
	bgs := []context.Context{context.Background()}
	many := func(cs ...context.Context) {}
	many(bgs...)
}

// Generic handler-ish function.
func GenericHandler[T any](c *gin.Context, v T) {
	use(context.Background()) // want `passed to use in a request handler`
}

// Nested handler: the inner one owns its calls.
func Outer(c *gin.Context) {
	inner := func(c2 *gin.Context) {
		use(context.Background()) // want `pass c2\.Request\.Context\(\)`
	}
	inner(c)
}

// Package-level context: not a local, not followed.
var pkgBG = context.Background()

func PkgLevel(c *gin.Context) {
	use(pkgBG)
}

// Method values of context functions are not calls of them.
func MethodValue(c *gin.Context) {
	bg := context.Background
	use(bg())
	h := c.JSON
	_ = h
}

// The request parameter is shadowed: reported, no fix.
func Shadowed(c *gin.Context) {
	{
		c := 1
		_ = c
		use(context.Background()) // want `pass c\.Request\.Context\(\)`
	}
}
