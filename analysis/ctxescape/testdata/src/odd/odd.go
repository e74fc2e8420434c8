// Package odd exercises unusual code: aliases, generics, method values,
// nested goroutines, conversions, labels, blank and missing pieces.
package odd

import (
	"context"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

type Ctx = gin.Context
type PCtx = *gin.Context

// A defined type is not gin's type.
type MyCtx gin.Context

func useGin(c *gin.Context) {}
func useAny(v any)          {}

func aliasParam(c *Ctx) {
	go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
}

func aliasPointer(c PCtx) {
	go func() { useGin(c) }() // want `\*gin\.Context c is used by a goroutine`
}

func definedType(c *MyCtx) {
	go useAny(c)
}

func convertToDefined(c *gin.Context) {
	go useAny((*MyCtx)(c)) // want `\*gin\.Context c is passed to a goroutine`
}

func generic[T any](c *gin.Context, v T) {
	go func() { // want `\*gin\.Context c is used by a goroutine`
		useGin(c)
		_ = v
	}()
}

func genericCtx[C interface{ *gin.Context }](c C) {
	go func() { _ = c }()
}

// A method value stored in a local is not followed.
func methodValue(c *gin.Context) {
	h := c.JSON
	go h(200, nil)
}

// Method expressions bind nothing.
func methodExpr(c *gin.Context) {
	f := (*gin.Context).Abort
	go f(c) // want `\*gin\.Context c is passed to a goroutine`
}

// Only the outer goroutine is reported; the inner one and the send are the
// same escape.
func nested(c *gin.Context, ch chan *gin.Context) {
	go func() { // want `\*gin\.Context c is used by a goroutine`
		go func() {
			useGin(c)
		}()
		ch <- c
		time.AfterFunc(time.Second, func() { useGin(c) })
	}()
}

// A goroutine started inside a waited goroutine still counts on its own.
func nestedWaited(c *gin.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	}()
	wg.Wait()
}

func labeled(c *gin.Context) {
L:
	go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	goto L
}

func oneLine(c *gin.Context) { go useGin(c) } // want `\*gin\.Context c is passed to a goroutine`

func blankAndNil(c *gin.Context) {
	var nilCtx *gin.Context
	go useGin(nilCtx) // declared nil and never assigned
	_ = c
}

var pkgCtx *gin.Context

// A package-level context is reported where it is stored, not where read.
func readGlobal() {
	go useGin(pkgCtx)
}

func tupleAssign(c *gin.Context) (*gin.Context, bool) {
	var a, b *gin.Context
	a, b = c.Copy(), c
	go useGin(a)
	go useGin(b) // want `\*gin\.Context b is passed to a goroutine`
	return nil, false
}

func typeSwitch(v any) {
	switch c := v.(type) {
	case *gin.Context:
		go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	}
}

func rangeCtx(cs []*gin.Context) {
	for _, c := range cs {
		go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
	}
}

func contextWithValue(c *gin.Context) {
	// Derived contexts are calls: not followed.
	go func(ctx context.Context) { _ = ctx }(context.WithValue(c, "k", 1))
}

func goBuiltin(c *gin.Context) {
	ch := make(chan int)
	go close(ch)
	go println(c) // want `\*gin\.Context c is passed to a goroutine`
}

func funcValueGo(c *gin.Context, f func(*gin.Context)) {
	go f(c) // want `\*gin\.Context c is passed to a goroutine`
	go (func(*gin.Context))(nil)(nil)
}

type handler struct {
	ctx *gin.Context
}

// The field read inside the goroutine is not followed.
func (h *handler) fieldRead() {
	go func() { useGin(h.ctx) }()
}

// Multiple assignment with a call on the right.
func multi() (*gin.Context, error) { return nil, nil }

func multiAssign() {
	pkgCtx, _ = multi()
}

// A generic instantiation of time.AfterFunc-like helpers is not special.
func after[T any](d time.Duration, f func()) {}

func genericAfter(c *gin.Context) {
	after[int](time.Second, func() { useGin(c) })
}
