// Chapter 3.3 of the seed document: context.Background() hard-coded where
// the parent's context should be passed ("使用context.Background()硬编码 →
// 传递上级context,保持链路连通").
package seed

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"
)

func worker(ctx context.Context, out chan<- int) {
	select {
	case <-ctx.Done():
	case out <- 1:
	}
}

// Bad: the handler hard-codes context.Background() for the work it waits
// for, so the work is not cancelled with the request.
func BadHandler(c *gin.Context) {
	ctx, cancel := context.WithCancel(context.Background()) // want `context\.Background\(\) passed to context\.WithCancel in a request handler`
	defer cancel()
	out := make(chan int)
	go worker(ctx, out)
	fmt.Println(<-out)
}

// Good: the request's context is passed down.
func GoodHandler(c *gin.Context) {
	ctx, cancel := context.WithCancel(c.Request.Context())
	defer cancel()
	out := make(chan int)
	go worker(ctx, out)
	select {
	case v := <-out:
		fmt.Println(v)
	case <-ctx.Done():
	}
}

// The seed's goodExample, outside any handler: not request handling.
func goodExample() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	go func(ctx context.Context) {
		select {
		case <-ctx.Done():
			return
		}
	}(ctx)
}
