// Package seed holds the snippets of chapter 3.3 of the seed document.
package seed

import (
	"context"
	"fmt"
)

// badExample: the goroutine waits on a channel nothing sends to or closes.
func badExample() {
	ch := make(chan int) // want `^channel ch: the goroutine's receive at line 13 blocks forever: nothing sends to or closes ch;`
	go func() {
		val := <-ch // 阻塞等待,但无人发送
		fmt.Println(val)
	}()
	// ch无发送者,goroutine永远阻塞
}

// goodExample: the goroutine leaves when the context is cancelled.
func goodExample() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	go func(ctx context.Context) {
		select {
		case <-ctx.Done():
			return // 上下文取消时退出
		}
	}(ctx)
}

// goodExampleWithChannel is the fix applied to badExample's channel.
func goodExampleWithChannel() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan int)
	go func() {
		select {
		case val := <-ch:
			fmt.Println(val)
		case <-ctx.Done():
			return
		}
	}()
}
