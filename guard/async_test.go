package guard

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

type ctxKey string

func newTestAsync(t *testing.T, opts ...Option) (*Async, *logSink) {
	t.Helper()
	logger, sink := newJSONLogger(slog.LevelDebug)
	a, err := NewAsync(append([]Option{WithLogger(logger)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return a, sink
}

func TestGoWithoutAsync(t *testing.T) {
	r := gin.New()
	var err error
	r.GET("/", func(c *gin.Context) { err = Go(c, "mail", func(context.Context) {}) })
	serve(r, httptest.NewRequest(http.MethodGet, "/", nil))
	if !errors.Is(err, ErrNoAsync) || !strings.Contains(err.Error(), "Middleware") {
		t.Errorf("err = %v, want ErrNoAsync naming the middleware", err)
	}
	if err := Go(nil, "x", func(context.Context) {}); err == nil {
		t.Error("Go(nil, ...) returned nil")
	}
}

func TestGoDetachesFromRequest(t *testing.T) {
	a, _ := newTestAsync(t)
	r := gin.New()
	r.Use(RequestID(), a.Middleware())
	type seen struct {
		value, key, id string
		errAtStart     error
		deadline       time.Duration
	}
	got := make(chan seen, 1)
	release := make(chan struct{})
	r.GET("/", func(c *gin.Context) {
		c.Set("user", "gopher")
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), ctxKey("tenant"), "acme"))
		err := Go(c, "audit", func(ctx context.Context) {
			<-release // runs after the request has ended
			dl, _ := ctx.Deadline()
			s := seen{errAtStart: ctx.Err(), deadline: time.Until(dl), id: RequestIDFromContext(ctx)}
			s.value, _ = ctx.Value(ctxKey("tenant")).(string)
			s.key, _ = ctx.Value("user").(string)
			got <- s
		})
		if err != nil {
			t.Error(err)
		}
		c.Status(204)
	})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx)
	req.Header.Set(RequestIDHeader, "req-42")
	serve(r, req)
	cancel() // the request is over and its context cancelled
	close(release)
	s := <-got
	if s.errAtStart != nil || s.value != "acme" || s.key != "gopher" || s.id != "req-42" {
		t.Errorf("async context: %+v; want no error, tenant acme, key gopher, ID req-42", s)
	}
	if s.deadline <= 0 || s.deadline > DefaultAsyncTimeout {
		t.Errorf("deadline in %v, want within %v", s.deadline, DefaultAsyncTimeout)
	}
}

func TestAsyncGoFromGinContextDoesNotKeepIt(t *testing.T) {
	a, _ := newTestAsync(t)
	r := gin.New()
	done := make(chan context.Context, 1)
	r.GET("/", func(c *gin.Context) {
		// Passing c itself as the parent: Async.Go must extract, not keep, it.
		if err := a.Go(c, "x", func(ctx context.Context) { done <- ctx }); err != nil {
			t.Error(err)
		}
	})
	serve(r, httptest.NewRequest(http.MethodGet, "/", nil))
	ctx := <-done
	if _, ok := ctx.(*gin.Context); ok {
		t.Fatal("the function got the *gin.Context")
	}
	if v := ctx.Value(gin.ContextKey); v != nil {
		t.Fatalf("the function's context reaches the gin context (%T)", v)
	}
}

func TestAsyncLimitAndTimeout(t *testing.T) {
	a, sink := newTestAsync(t, WithAsyncLimit(2), WithAsyncTimeout(50*time.Millisecond))
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		if err := a.Go(context.Background(), "slow", func(ctx context.Context) {
			defer wg.Done()
			<-ctx.Done()
			errs <- ctx.Err()
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Go(context.Background(), "third", func(context.Context) {}); !errors.Is(err, ErrAsyncFull) {
		t.Errorf("third Go: %v, want ErrAsyncFull", err)
	}
	if a.Rejected() != 1 {
		t.Errorf("Rejected = %d, want 1", a.Rejected())
	}
	wg.Wait()
	for range 2 {
		if err := <-errs; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("function's context ended with %v, want its own deadline", err)
		}
	}
	waitFor(t, func() bool { return a.InFlight() == 0 })
	if err := a.Go(context.Background(), "after", func(context.Context) {}); err != nil {
		t.Errorf("Go after the slots freed: %v", err)
	}
	waitFor(t, func() bool { return strings.Count(sink.String(), "returned after its context ended") == 2 })
}

func TestAsyncPanic(t *testing.T) {
	a, sink := newTestAsync(t)
	if err := a.Go(context.Background(), "boom", func(context.Context) { panic("kaboom") }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return a.Panics() == 1 && a.InFlight() == 0 })
	recs := sink.records(t)
	if len(recs) != 1 || recs[0]["work"] != "boom" || recs[0]["panic"] != "kaboom" ||
		!strings.Contains(recs[0]["stack"].(string), "TestAsyncPanic") {
		t.Errorf("log records %v, want one with work, panic and stack", recs)
	}
}

func TestAsyncShutdown(t *testing.T) {
	a, err := NewAsync(WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	finished := make(chan struct{})
	cancelled := make(chan error, 1)
	_ = a.Go(context.Background(), "quick", func(context.Context) {
		time.Sleep(20 * time.Millisecond)
		close(finished)
	})
	_ = a.Go(context.Background(), "waits", func(ctx context.Context) {
		<-ctx.Done()
		cancelled <- ctx.Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := a.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v, want nil: the waiting function returns once cancelled", err)
	}
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("Shutdown returned after %v, before its deadline", el)
	}
	<-finished
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("waiting function ended with %v, want context.Canceled", err)
	}
	if err := a.Go(context.Background(), "late", func(context.Context) {}); !errors.Is(err, ErrAsyncClosed) {
		t.Errorf("Go after Shutdown: %v, want ErrAsyncClosed", err)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

func TestAsyncShutdownStubbornFunction(t *testing.T) {
	a, err := NewAsync(WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	_ = a.Go(context.Background(), "stubborn", func(context.Context) { <-release }) // ignores ctx
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	err = a.Shutdown(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 functions still running") {
		t.Errorf("Shutdown: %v, want an error naming the function still running", err)
	}
	close(release)
	waitFor(t, func() bool { return a.InFlight() == 0 })
}

func TestNewAsyncInvalid(t *testing.T) {
	for _, o := range []Option{WithAsyncLimit(0), WithAsyncTimeout(-time.Second)} {
		if _, err := NewAsync(o); err == nil {
			t.Error("NewAsync accepted an invalid option")
		}
	}
	var zero Async
	if err := zero.Go(context.Background(), "x", func(context.Context) {}); err == nil {
		t.Error("zero Async accepted work")
	}
	a, _ := newTestAsync(t)
	if err := a.Go(context.Background(), "x", nil); err == nil {
		t.Error("nil function accepted")
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
