package a

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginleak/ginleak/guard"
	"golang.org/x/sync/errgroup"
)

var db *sql.DB

type store struct{ db *sql.DB }

func (s *store) Load(ctx context.Context, id string) error { return nil }

func audit(ctx context.Context, msg string) {}

func fetchAll(ctx context.Context, ids ...string) {}

// Positive cases.

func Query(c *gin.Context) {
	rows, err := db.QueryContext(context.Background(), "SELECT 1") // want `context\.Background\(\) passed to db\.QueryContext in a request handler: the work is not cancelled when the client goes away and keeps holding the handler's goroutine and memory — pass c\.Request\.Context\(\)`
	if err == nil {
		rows.Close()
	}
}

func Todo(c *gin.Context) {
	req, _ := http.NewRequestWithContext(context.TODO(), "GET", "http://upstream", nil) // want `context\.TODO\(\) passed to http\.NewRequestWithContext in a request handler`
	_ = req
}

func ViaLocal(ctx *gin.Context) {
	bg := context.Background() // want `context\.Background\(\) passed to s\.Load through bg in a request handler: .* — pass ctx\.Request\.Context\(\)`
	s := &store{db: db}
	_ = s.Load(bg, ctx.Param("id"))
	_ = s.Load(bg, "again") // reported once, at the Background call
}

func ViaVar(c *gin.Context) {
	var ctx = context.Background() // want `context\.Background\(\) passed to audit through ctx`
	audit(ctx, "x")
}

func WithCancel(c *gin.Context) {
	ctx, cancel := context.WithCancel(context.Background()) // want `context\.Background\(\) passed to context\.WithCancel in a request handler`
	defer cancel()
	audit(ctx, "x")
}

func WithValue(c *gin.Context) {
	ctx := context.Background() // want `context\.Background\(\) passed to context\.WithValue through ctx`
	ctx = context.WithValue(ctx, "k", "v")
	audit(ctx, "x")
}

func Variadic(c *gin.Context) {
	fetchAll(context.Background(), "a", "b") // want `passed to fetchAll in a request handler`
}

func Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		audit(context.Background(), c.FullPath()) // want `passed to audit in a request handler`
		c.Next()
	}
}

// A helper that has the request's *gin.Context is request handling too.
func helper(c *gin.Context, id string) error {
	return (&store{}).Load(context.Background(), id) // want `passed to \(&store\{\}\)\.Load in a request handler`
}

// Work in a closure the handler runs synchronously.
func Closure(c *gin.Context) {
	run := func() { audit(context.Background(), "sync") } // want `passed to audit in a request handler`
	run()
}

// errgroup work is waited for by the handler: still the request's work.
func Group(c *gin.Context) {
	g, ctx := errgroup.WithContext(context.Background()) // want `passed to errgroup\.WithContext in a request handler`
	g.Go(func() error { audit(ctx, "x"); return nil })
	_ = g.Wait()
}

func Suppressed(c *gin.Context) {
	//ginleak:ignore bgcontext the audit record must be written even if the client leaves
	audit(context.Background(), "kept")
}

// Negative cases.

func Good(c *gin.Context) {
	rows, err := db.QueryContext(c.Request.Context(), "SELECT 1")
	if err == nil {
		rows.Close()
	}
}

func Timeout(c *gin.Context) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	audit(ctx, "bounded")
}

func TimeoutViaLocal(c *gin.Context) {
	ctx := context.Background()
	ctx, cancel := context.WithDeadline(ctx, time.Now().Add(time.Second))
	defer cancel()
	audit(ctx, "bounded")
}

func Goroutine(c *gin.Context) {
	go audit(context.Background(), "detached")
	go func() {
		audit(context.Background(), "detached")
	}()
	bg := context.Background()
	go audit(bg, "detached")
}

func Guarded(c *gin.Context, a *guard.Async) {
	_ = guard.Go(c, "mail", func(ctx context.Context) {
		audit(context.Background(), "detached")
	})
	_ = a.Go(context.Background(), "mail", func(ctx context.Context) {})
	time.AfterFunc(time.Second, func() { audit(context.Background(), "later") })
}

func Deferred(c *gin.Context) {
	// Cleanup must run even when the request was cancelled.
	defer audit(context.Background(), "cleanup")
	defer func() { audit(context.TODO(), "cleanup") }()
}

func NotPassed(c *gin.Context) {
	ctx := context.Background()
	_ = ctx
	var keep any = context.Background() // not a context-taking call
	_ = keep
}

func Reassigned(c *gin.Context) {
	ctx := context.Background()
	ctx = c.Request.Context()
	audit(ctx, "request's")
}

// Not a handler: a background job or main may use Background.
func job() {
	audit(context.Background(), "job")
}

func Register(r *gin.Engine) { // want Register:`bgwork\(context\.Background\(\) to audit in a\.Register at a\.go:162\)`
	ctx := context.Background() // outside the handler: the handler does not assign it
	r.GET("/", func(c *gin.Context) { audit(ctx, "captured") })
	audit(context.Background(), "startup")
}
