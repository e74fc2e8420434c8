package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// Errors of guard.Go and Async.Go.
var (
	// ErrAsyncFull is returned when the Async already runs its limit of
	// functions: the work is refused rather than queued.
	ErrAsyncFull = errors.New("async work limit reached")
	// ErrAsyncClosed is returned once Async.Shutdown has been called.
	ErrAsyncClosed = errors.New("async work is shutting down")
	// ErrNoAsync is returned by guard.Go when no Async is reachable from
	// the gin context.
	ErrNoAsync = errors.New("no guard.Async in the request: serve with guard.Serve(ctx, srv, guard.WithAsync(a)) or add a.Middleware() to the engine")
)

// cancelGrace is how long Async.Shutdown waits, after cancelling the work
// still running at its deadline, for that work to return.
const cancelGrace = time.Second

// Async runs work that must outlive a request — sending a mail, writing an
// audit record — on bounded, accounted goroutines: each function gets a
// context that keeps the request's values but not its cancellation, has
// its own deadline, has its panics recovered and logged, and is waited for
// (then cancelled) at shutdown. Create one with NewAsync and share it; the
// zero value is not usable.
type Async struct {
	limit   int
	timeout time.Duration
	logger  *slog.Logger

	// base is cancelled by Shutdown when its deadline passes; every
	// function's context is cancelled with it.
	base       context.Context
	cancelBase context.CancelFunc

	mu      sync.Mutex
	running int
	closed  bool
	idle    chan struct{} // closed when running drops to 0 after Shutdown began

	rejected atomic.Int64
	panics   atomic.Int64
}

// NewAsync returns an Async. Options: WithAsyncLimit (default 1024
// functions at once), WithAsyncTimeout (default 30s per function) and
// WithLogger. It returns an error for invalid option values.
func NewAsync(opts ...Option) (*Async, error) {
	cfg := newConfig(opts)
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, fmt.Errorf("guard: NewAsync: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	return &Async{
		limit:      cfg.asyncLimit,
		timeout:    cfg.asyncTimeout,
		logger:     cfg.loggerOrDefault(),
		base:       base,
		cancelBase: cancel,
	}, nil
}

// asyncKey is the key of the Async in gin's keys and in request contexts.
type asyncKey struct{}

// Middleware returns middleware that makes a reachable from guard.Go.
// It is not needed when the server runs under Serve with WithAsync(a),
// which puts a in every request's context without a per-request cost.
func (a *Async) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(asyncKey{}, a)
		c.Next()
	}
}

// Go runs fn on a new goroutine after checking, without blocking, that the
// Async found from c (see Async.Middleware and WithAsync) has room; see
// Async.Go. It extracts what fn needs from c before it returns and never
// keeps c, which gin recycles for the next request.
//
// It returns ErrNoAsync (wrapped) if no Async is installed, ErrAsyncFull if
// the limit is reached and ErrAsyncClosed during shutdown; fn does not run
// then.
func Go(c *gin.Context, name string, fn func(ctx context.Context)) error {
	if c == nil || c.Request == nil {
		return fmt.Errorf("guard.Go(%q): nil gin context", name)
	}
	a := asyncFrom(c)
	if a == nil {
		return fmt.Errorf("guard.Go(%q): %w", name, ErrNoAsync)
	}
	return a.Go(c, name, fn)
}

func asyncFrom(c *gin.Context) *Async {
	if v, ok := c.Get(asyncKey{}); ok {
		if a, ok := v.(*Async); ok && a != nil {
			return a
		}
	}
	if a, ok := c.Request.Context().Value(asyncKey{}).(*Async); ok {
		return a
	}
	return nil
}

// Go runs fn(ctx) on a new goroutine, unless the Async already runs its
// limit of functions (ErrAsyncFull) or is shutting down (ErrAsyncClosed).
//
// ctx keeps the values of parent — the request's trace span, for instance
// — but not its cancellation or deadline: it is cancelled when fn's own
// timeout (WithAsyncTimeout) passes or when Shutdown gives up waiting.
// When parent is a *gin.Context, Go reads what it needs from it first
// (c.Request.Context(), a copy of c.Keys, which fn's ctx.Value returns for
// string keys, and the request ID) and does not keep it. A panic in fn is
// recovered, logged with its stack and counted.
func (a *Async) Go(parent context.Context, name string, fn func(ctx context.Context)) error {
	if a == nil || a.base == nil {
		return fmt.Errorf("guard: Go(%q): nil or zero Async: use NewAsync", name)
	}
	if fn == nil {
		return fmt.Errorf("guard: Go(%q): nil function", name)
	}
	if parent == nil {
		parent = context.Background()
	}
	a.mu.Lock()
	switch {
	case a.closed:
		a.mu.Unlock()
		a.rejected.Add(1)
		return fmt.Errorf("guard: Go(%q): %w", name, ErrAsyncClosed)
	case a.running >= a.limit:
		a.mu.Unlock()
		a.rejected.Add(1)
		return fmt.Errorf("guard: Go(%q): %w (%d running)", name, ErrAsyncFull, a.limit)
	}
	a.running++
	a.mu.Unlock()

	var values context.Context
	if gc, ok := parent.(*gin.Context); ok {
		if gc.Request == nil {
			a.done()
			return fmt.Errorf("guard: Go(%q): gin context without a request", name)
		}
		values = detach(gc)
	} else {
		values = context.WithoutCancel(parent)
	}
	ctx, cancel := context.WithTimeout(values, a.timeout)
	stop := context.AfterFunc(a.base, cancel)
	go a.run(ctx, cancel, stop, name, fn)
	return nil
}

func (a *Async) run(ctx context.Context, cancel context.CancelFunc, stop func() bool, name string, fn func(context.Context)) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			a.panics.Add(1)
			a.logger.ErrorContext(ctx, "guard: async work panicked",
				slog.String("work", name),
				slog.Any("panic", r),
				slog.String("stack", string(debug.Stack())))
		} else if err := ctx.Err(); err != nil {
			a.logger.WarnContext(ctx, "guard: async work returned after its context ended",
				slog.String("work", name),
				slog.Duration("elapsed", time.Since(start)),
				slog.String("cause", err.Error()))
		}
		stop()
		cancel()
		a.done()
	}()
	fn(ctx)
}

func (a *Async) done() {
	a.mu.Lock()
	a.running--
	if a.running == 0 && a.idle != nil {
		close(a.idle)
		a.idle = nil
	}
	a.mu.Unlock()
}

// detach returns a context with the values of c's request context, a copy
// of c's keys and the request ID, without the request's cancellation.
func detach(c *gin.Context) context.Context {
	d := &detachedCtx{Context: context.WithoutCancel(c.Request.Context()), requestID: RequestIDFrom(c)}
	if c.Keys != nil {
		d.keys = c.Copy().Keys
	}
	return d
}

type detachedCtx struct {
	context.Context
	keys      map[any]any
	requestID string
}

func (d *detachedCtx) Value(key any) any {
	switch k := key.(type) {
	case requestIDCtxKey:
		if d.requestID != "" {
			return d.requestID
		}
	case string:
		if v, ok := d.keys[k]; ok {
			return v
		}
	}
	return d.Context.Value(key)
}

// InFlight returns the number of functions running now.
func (a *Async) InFlight() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running
}

// Rejected returns how many calls to Go were refused (limit reached or
// shutting down).
func (a *Async) Rejected() int64 { return a.rejected.Load() }

// Panics returns how many functions have panicked.
func (a *Async) Panics() int64 { return a.panics.Load() }

// Shutdown stops accepting work and waits for the running functions to
// return. When ctx ends first, it cancels their contexts, waits up to one
// more second for them, and returns an error that says how many are still
// running (a function that ignores its context cannot be stopped). It
// returns nil once all have returned. Serve calls it after the server has
// stopped.
func (a *Async) Shutdown(ctx context.Context) error {
	if a == nil || a.base == nil {
		return nil
	}
	idle := a.close()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	a.cancelBase()
	t := time.NewTimer(cancelGrace)
	defer t.Stop()
	select {
	case <-idle:
		return nil
	case <-t.C:
	}
	n := a.InFlight()
	if n == 0 {
		return nil
	}
	return fmt.Errorf("guard: async shutdown: %d functions still running %v after being cancelled: %w", n, cancelGrace, ctx.Err())
}

// close marks a closed and returns a channel closed when no function runs,
// or nil if none runs now.
func (a *Async) close() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.running == 0 {
		return nil
	}
	if a.idle == nil {
		a.idle = make(chan struct{})
	}
	return a.idle
}
