// Package fix holds the cases whose suggested fix gives the channel a buffer.
package fix

import (
	"context"
	"time"
)

type result struct{ n int }

func fetch() result { return result{} }

func withCtx(ctx context.Context) (result, error) {
	ch := make(chan result) // want `make the channel buffered: make\(chan result, 1\)`
	go func() { ch <- fetch() }()
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

func withTimer() *result {
	out := make(chan *result) // want `make the channel buffered: make\(chan \*result, 1\)`
	go func() {
		r := fetch()
		out <- &r
	}()
	select {
	case r := <-out:
		return r
	case <-time.After(time.Second):
		return nil
	}
}

// Two sends: reported, but the fix is not a buffer of one.
func twoSends(ctx context.Context) {
	ch := make(chan int) // want `give the channel a buffer for every send: make\(chan int, 2\)`
	go func() {
		ch <- 1
		ch <- 2
	}()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}
