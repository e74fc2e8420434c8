// Package odd exercises unusual code: generics, dot imports, aliases, method
// values, named channel types, shadowed builtins.
package odd

import (
	"context"

	. "github.com/gin-gonic/gin"
)

type Ctx = Context

type Pipe chan int

func use(v ...any) {}

// Generic element type: reported, the fix keeps the type parameter.
func First[T any](ctx context.Context, f func() T) (T, bool) {
	ch := make(chan T) // want `make the channel buffered: make\(chan T, 1\)`
	go func() { ch <- f() }()
	select {
	case v := <-ch:
		return v, true
	case <-ctx.Done():
		var zero T
		return zero, false
	}
}

// A channel type parameter: not followed, no crash.
func TypeParamChan[C ~chan int](ctx context.Context) {
	c := make(C)
	go func() { c <- 1 }()
	select {
	case <-c:
	case <-ctx.Done():
	}
}

// A named channel type.
func Named(ctx context.Context) {
	p := make(Pipe) // want `unbuffered channel p: .* make\(Pipe, 1\)`
	go func() { p <- 1 }()
	select {
	case <-p:
	case <-ctx.Done():
	}
}

// Dot import and an alias of *gin.Context; a method value.
func Handler(c *Ctx) {
	json := c.JSON
	done := make(chan H) // want `takes its c.Request.Context\(\).Done\(\) case and returns`
	go func() { done <- H{"ok": true} }()
	select {
	case h := <-done:
		json(200, h)
	case <-c.Request.Context().Done():
	}
}

// var declarations and plain assignment.
func VarDecl(ctx context.Context) {
	var ch = make(chan int) // want `unbuffered channel ch`
	var ch2 chan int
	ch2 = make(chan int) // want `unbuffered channel ch2`
	go func() { ch <- 1 }()
	go func() { (ch2) <- 2 }()
	select {
	case <-(ch):
	case <-ctx.Done():
	}
	select {
	case <-ch2:
	case <-ctx.Done():
	}
}

// One variable, two channels: not followed.
func Reassigned(ctx context.Context, again bool) {
	ch := make(chan int)
	if again {
		ch = make(chan int)
	}
	go func() { ch <- 1 }()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// A shadowed close is an ordinary call: the channel escapes.
func ShadowedClose() {
	close := func(chan int) {}
	ch := make(chan int)
	go func() { use(<-ch) }()
	close(ch)
}

// A channel sent over a channel escapes; the outer one is served.
func ChanOfChan() {
	reqs := make(chan chan int, 1)
	reply := make(chan int)
	reqs <- reply
	go func() { use(<-reqs) }()
	go func() { reply <- 1 }()
}

// Receives in go statement arguments run in the function itself.
func GoArgs() {
	ch := make(chan int)
	go func() { ch <- 1 }()
	go use(<-ch)
}

// Blank and unnamed parameters, variadic literals, len and cap, nil checks.
// The receive under the nil check is conditional as far as the flow check
// knows.
func Misc(ctx context.Context) {
	ch := make(chan int) // want `when the function ends without receiving from ch`
	go func(_ chan int, xs ...chan int) { ch <- len(xs) + cap(ch) }(ch)
	if ch != nil {
		use(<-ch)
	}
	ch3 := make(chan int)
	go func(xs ...chan int) { xs[0] <- 1 }(ch3)
	select {
	case <-ch3:
	case <-ctx.Done():
	}
}

// A make outside any function body.
var global = make(chan int)

// A goroutine started inside a goroutine is not followed.
func Nested(ctx context.Context) {
	ch := make(chan int)
	go func() {
		go func() { ch <- 1 }()
	}()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// Empty select and goto do not crash the flow check.
func Goto(ctx context.Context, n int) {
	ch := make(chan int)
	go func() { ch <- 1 }()
again:
	if n > 0 {
		n--
		goto again
	}
	switch {
	case n < 0:
		select {}
	}
	for i := 0; ; i++ {
		if i > 3 {
			break
		}
		continue
	}
	<-ch
}
