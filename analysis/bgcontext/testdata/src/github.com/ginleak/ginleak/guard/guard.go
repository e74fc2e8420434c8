// Package guard is a stub of github.com/ginleak/ginleak/guard: the
// functions that run work meant to outlive a request.
package guard

import (
	"context"

	"github.com/gin-gonic/gin"
)

type Async struct{}

func Go(c *gin.Context, name string, fn func(ctx context.Context)) error { return nil }

func (a *Async) Go(parent context.Context, name string, fn func(ctx context.Context)) error {
	return nil
}
