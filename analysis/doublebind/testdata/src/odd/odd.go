package odd

import (
	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
)

type Ctx = gin.Context

type T struct{ A int }

// An alias of the context type is the context type.
func Alias(c *Ctx) {
	var a, b T
	_ = c.ShouldBindJSON(&a)
	_ = c.ShouldBindYAML(&b) // want `c\.ShouldBindYAML reads the request body, which c\.ShouldBindJSON already consumed`
}

// Generic helpers that take a context are checked like handlers.
func Bind2[X any, Y any](c *gin.Context) (X, Y) {
	var x X
	var y Y
	_ = c.ShouldBindJSON(&x)
	_ = c.ShouldBindJSON(&y) // want `already consumed`
	return x, y
}

// Method values are not followed (no crash).
func MethodValue(c *gin.Context) {
	var a, b T
	bind := c.ShouldBindJSON
	_ = bind(&a)
	_ = bind(&b)
	with := (*gin.Context).ShouldBindJSON
	_ = with(c, &a)
}

// Parenthesised receivers and a context inside a struct.
type wrapper struct{ *gin.Context }

func Embedded(w wrapper) {
	var a, b T
	_ = (w.Context).ShouldBindJSON(&a)
	_ = w.ShouldBindJSON(&b) // the receiver text differs: not matched
}

func Parens(c *gin.Context) {
	var a, b T
	_ = (c).ShouldBindJSON(&a)
	_ = (c.ShouldBindJSON)(&b) // want `already consumed`
}

// Odd arities and nil bindings do not crash.
func Odd(c *gin.Context) {
	var a T
	_ = c.ShouldBindWith(&a, nil)
	_ = c.ShouldBindBodyWith(&a, nil)
	var bb binding.BindingBody
	_ = c.ShouldBindWith(&a, bb) // want `c\.ShouldBindWith reads the request body, which c\.ShouldBindBodyWith already consumed at line 57: .* use c\.ShouldBindBodyWith\(&v, bb\) for this bind too`
	_ = c.ShouldBindWith(&a, bb) // want `already consumed`
}

// Labels, goto and select in the graph.
func Flow(c *gin.Context, ch chan int) {
	var a T
	i := 0
again:
	if i > 0 {
		_ = c.ShouldBindJSON(&a) // want `c\.ShouldBindJSON reads the request body, which c\.ShouldBindJSON already consumed at line 74 on an earlier pass: `
		return
	}
	select {
	case <-ch:
		_ = c.ShouldBindJSON(&a) // want `c\.ShouldBindJSON reads the request body on every iteration of the loop`
	default:
	}
	i++
	goto again
}
