// Package recovered holds goroutines whose deferred recover handler sends
// on the channel the body sends on: the two sends are exclusive.
package recovered

import (
	"context"
	"errors"
	"fmt"
)

var errPanic = errors.New("panic")

// Negative: the body's only send is its last statement, and the handler
// sends only when the body panicked before it: one send, buffer 1.
func Run(ctx context.Context, fn func(context.Context) error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("%w: %v", errPanic, r)
			}
		}()
		done <- fn(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Negative: recover() tested directly, and an early return after a send.
func RunEarly(ctx context.Context, fn func(context.Context) error, check func() error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if recover() != nil {
				done <- errPanic
			}
		}()
		if err := check(); err != nil {
			done <- err
			return
		}
		done <- fn(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Positive: unbuffered, the single send still blocks; the fix is a buffer
// of one, which is enough now.
func RunUnbuffered(ctx context.Context, fn func(context.Context) error) error {
	done := make(chan error) // want `unbuffered channel done: the goroutine's send at line 63 blocks forever when the select at line 68 takes its ctx\.Done\(\) case and returns; .* — make the channel buffered: make\(chan error, 1\)`
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- errPanic
			}
		}()
		done <- fn(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Positive: the body can panic after its send (in log), and then the
// handler sends a second value: two sends, buffer 1.
func RunThenLog(ctx context.Context, fn func(context.Context) error, log func()) error {
	done := make(chan error, 1) // want `channel done \(buffer 1\): the goroutines?'s? sends? at line 83 .* make\(chan error, 2\)`
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- errPanic
			}
		}()
		done <- fn(ctx)
		log()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
