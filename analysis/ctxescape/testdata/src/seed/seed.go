// Package seed holds the snippets of the seed document (chapters 1-3) that
// concern a *gin.Context outliving its request.
package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"
)

// Chapter 1: "goroutine 中持有 Context 引用导致泄漏" — the leaking handler.
func AsyncHandler(c *gin.Context) { // want AsyncHandler:`ginctx\(param 0: use c\.JSON at seed\.go:19; write c\.JSON at seed\.go:19; escape in seed\.AsyncHandler: a goroutine uses it at seed\.go:19\)`
	data := "result"
	// 错误:在 goroutine 中直接使用 c
	go func() { // want `\*gin\.Context c is used by a goroutine that can outlive the request; gin reuses the context for the next request — use c\.Copy\(\) or copy the values first`
		time.Sleep(2 * time.Second)
		c.JSON(200, data) // 可能访问已释放资源
	}()
	c.Status(204)
}

// Chapter 1, table row "风险行为": go func() { c.JSON(200, data) }().
func RiskyRow(c *gin.Context) { // want RiskyRow:`escape in seed\.RiskyRow: a goroutine uses it at seed\.go:27`
	data := gin.H{"ok": true}
	go func() { c.JSON(200, data) }() // want `\*gin\.Context c is used by a goroutine`
}

// Chapter 1, "正确做法": extract the data, do not hold c.
func AsyncHandlerFixed(c *gin.Context) { // want AsyncHandlerFixed:`ginctx\(param 0: use c\.Query at seed\.go:33; write c\.Status at seed\.go:38\)`
	data := "result"
	id := c.Query("id")
	go func() {
		time.Sleep(2 * time.Second)
		fmt.Println(data, id)
	}()
	c.Status(204)
}

// Chapter 3.3 "goodExample" adapted to a handler: the goroutine gets a
// context.Context derived from the request, evaluated before the go
// statement, and exits when it is cancelled.
func GoodExample(c *gin.Context) { // want GoodExample:`ginctx\(param 0: use c\.Request at seed\.go:45\)`
	ctx, cancel := context.WithCancel(c.Request.Context())
	defer cancel()
	go func(ctx context.Context) {
		<-ctx.Done()
	}(ctx)
}

// The same with the *gin.Context itself handed over as the context.Context:
// the goroutine keeps the pooled object.
func GoodExampleMisused(c *gin.Context) { // want GoodExampleMisused:`escape in seed\.GoodExampleMisused: it is passed to a goroutine at seed\.go:57`
	go func(ctx context.Context) { // want `\*gin\.Context c is passed to a goroutine that can outlive the request; gin reuses the context for the next request — pass c\.Copy\(\) or the values it needs`
		<-ctx.Done()
	}(c)
}
