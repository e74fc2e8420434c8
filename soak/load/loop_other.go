//go:build !linux

package load

import (
	"context"
	"time"
)

// loopSupported: the closed model's event loop is Linux-only (epoll);
// elsewhere each worker sends on its own goroutine.
const loopSupported = false

type loops struct{}

func newLoops(*Engine) *loops { return nil }

func (*loops) run(context.Context, time.Time, *closedClaims, int64) error { return nil }
func (*loops) interrupt()                                                 {}
func (*loops) close()                                                     {}
