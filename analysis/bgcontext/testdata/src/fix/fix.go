package fix

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"
)

var db *sql.DB

func load(ctx context.Context, id string) error { return nil }

func Get(c *gin.Context) {
	_ = load(context.Background(), c.Param("id")) // want `passed to load`
}

func Local(ctx *gin.Context) {
	bg := context.TODO() // want `passed to load through bg`
	_ = load(bg, "x")
}

func Nested(c *gin.Context) {
	func() {
		_, _ = db.ExecContext(context.Background(), "x") // want `passed to db\.ExecContext`
	}()
}

func Plain(w http.ResponseWriter, req *http.Request) {
	out, _ := http.NewRequestWithContext(context.Background(), "GET", "http://u", nil) // want `passed to http\.NewRequestWithContext`
	_ = out
}

// No fix: the parameter is unnamed or shadowed.
func Unnamed(_ *gin.Context) {
	_ = load(context.Background(), "x") // want `passed to load`
}

func Shadowed(c *gin.Context) {
	if c := 0; c == 0 {
		_ = load(context.Background(), "x") // want `passed to load`
	}
}

// No fix: the same value also feeds a goroutine or a deferred cleanup,
// which the request's context would cancel.
func SharedGo(c *gin.Context) {
	ctx := context.Background() // want `passed to load through ctx`
	go func() { _ = load(ctx, "detached") }()
	_ = load(ctx, "x")
}

func SharedDefer(c *gin.Context) {
	ctx := context.TODO() // want `passed to load through ctx`
	_ = load(ctx, "x")
	defer load(ctx, "cleanup")
}

type job struct{ ctx context.Context }

func SharedStruct(c *gin.Context) (j job) {
	ctx := context.Background() // want `passed to load through ctx`
	_ = load(ctx, "x")
	return job{ctx: ctx}
}

// Reassigned before its other use: the fix is safe.
func Reassigned(c *gin.Context) {
	ctx := context.Background() // want `passed to load through ctx`
	_ = load(ctx, "x")
	ctx = context.WithoutCancel(c.Request.Context())
	go func() { _ = load(ctx, "detached") }()
}
