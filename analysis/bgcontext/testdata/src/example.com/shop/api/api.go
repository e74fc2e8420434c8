// Package api holds the handlers: Background() work one call away, in
// helpers of this package and in functions of package store.
package api

import (
	"context"
	"database/sql"
	"log/slog"

	"example.com/shop/logger"
	"example.com/shop/logutil"
	"example.com/shop/store"
	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog/log"
)

var db *sql.DB

var st *store.Store

// Same package, only request handling calls it: reported in the helper,
// naming the first handler that reaches it.
func loadSettings() string {
	var name string
	_ = db.QueryRowContext(context.Background(), "SELECT name FROM settings").Scan(&name) // want `context\.Background\(\) passed to db\.QueryRowContext from request handling \(loadSettings, reached from handler Home\): the work is not cancelled when the client goes away and keeps holding the handler's goroutine and memory — give loadSettings a context\.Context parameter and pass it c\.Request\.Context\(\)`
	return name
}

func Home(c *gin.Context)    { c.JSON(200, loadSettings()) }
func About(c *gin.Context)   { c.JSON(200, loadSettings()) }
func Contact(c *gin.Context) { c.JSON(200, loadSettings()) }

// Two calls away, through a local variable.
func Orders(c *gin.Context) { c.JSON(200, listOrders()) }

func listOrders() []string { return queryOrders("open") }

func queryOrders(state string) []string {
	ctx := context.TODO() // want `context\.TODO\(\) passed to db\.QueryContext through ctx from request handling \(queryOrders, reached from handler Orders\)`
	rows, err := db.QueryContext(ctx, "SELECT id FROM orders WHERE state = ?", state)
	if err == nil {
		rows.Close()
	}
	return nil
}

// A helper with a context parameter that ignores it.
type API struct{}

func (a *API) Profile(c *gin.Context) { a.profile(c.Request.Context(), c.Param("id")) }

func (a *API) profile(ctx context.Context, id string) {
	_, _ = db.ExecContext(context.Background(), "SELECT ?", id) // want `from request handling \(API\.profile, reached from handler API\.Profile\): .* — use the context API\.profile is given instead, and give it c\.Request\.Context\(\)`
}

// Package store: reported at the call in the handler, once per function,
// naming the line of the Background() call.
func Settings(c *gin.Context) {
	s, _ := st.Settings() // want `st\.Settings, called in a request handler, passes context\.Background\(\) to s\.db\.QueryRowContext \(in store\.Store\.Settings at store\.go:21\): the work is not cancelled when the client goes away and keeps holding the handler's goroutine and memory — give st\.Settings a context\.Context parameter and pass it c\.Request\.Context\(\) \(and at 2 other calls from request handling in this package\)`
	c.JSON(200, s)
}

func Theme(c *gin.Context) {
	s, _ := st.Settings()
	c.JSON(200, s)
}

func Lang(c *gin.Context) {
	s, _ := st.Settings()
	c.JSON(200, s)
}

func Get(c *gin.Context) {
	c.String(200, store.Get(st, c.Param("k"))) // want `store\.Get, called in a request handler, passes context\.TODO\(\) to s\.db\.ExecContext \(in store\.get at store\.go:31\)`
}

func Chained(c *gin.Context) {
	c.String(200, store.Chained(st)) // want `store\.Chained, called in a request handler, passes context\.TODO\(\) to s\.db\.ExecContext \(in store\.get at store\.go:31\)`
}

func Bump(c *gin.Context) {
	_ = st.WithCtx(c.Request.Context()) // want `st\.WithCtx, called in a request handler, .* — use the context st\.WithCtx is given instead, and give it c\.Request\.Context\(\)`
}

// A same-package helper that calls package store: the call inside it is
// reported, naming the handler.
func Fetch(c *gin.Context) { c.String(200, fetch(c.Param("k"))) }

func fetch(k string) string {
	return store.Get(st, k) + "!"
}

// Same package, also called outside request handling (a job): Background
// may be right for the job, so the helper itself is not reported; the
// handler's synchronous call of it is. Job is exported and carries a fact.
func refresh() {
	_, _ = db.ExecContext(context.Background(), "REFRESH MATERIALIZED VIEW stats")
}

func Job() { refresh() } // want Job:`bgwork\(context\.Background\(\) to db\.ExecContext in api\.refresh at api\.go:97\)`

func Stats(c *gin.Context) {
	refresh() // want `refresh, called in a request handler, passes context\.Background\(\) to db\.ExecContext \(in api\.refresh at api\.go:97\)`
}

func Routes(r *gin.Engine) {
	r.GET("/stats/again", func(c *gin.Context) {
		_ = c
	})
}

// Negative cases.

// Started on its own goroutine or deferred by the handler: detached work.
func warm() {
	_, _ = db.ExecContext(context.Background(), "SELECT 1")
}

func flush() {
	_, _ = db.ExecContext(context.Background(), "SELECT 2")
}

func Warm(c *gin.Context) {
	go warm()
	defer flush()
}

// Passed as a value (a callback that may run anywhere) and called by a
// handler: not reported in the helper; the call is (see Stats), so the
// value use alone is not.
func sweep() {
	_, _ = db.ExecContext(context.Background(), "DELETE FROM sessions")
}

func Schedule(every func(func())) { every(sweep) }

// Not called at all: not request handling.
func unused() {
	_, _ = db.ExecContext(context.Background(), "SELECT 3")
}

// Store functions that do no unbounded background work.
func Quiet(c *gin.Context) {
	store.Logged("x")
	_ = st.Bounded()
	st.Detached()
	_ = st.Given(c.Request.Context())
}

// Loggers only read values from the context: never reported.
type AppLogger struct{}

func (l *AppLogger) Info(ctx context.Context, msg string) {}

func Logs(c *gin.Context) {
	logger.Debugf(context.Background(), "id %s", c.Param("id"))
	slog.InfoContext(context.Background(), "hello")
	slog.Default().ErrorContext(context.TODO(), "oops")
	log.Ctx(context.Background()).Info().Msg("x")
	ctx := context.Background()
	l := log.Ctx(ctx)
	_ = l.WithContext(ctx)
	(&AppLogger{}).Info(context.Background(), "y")
	logHelper()
}

func logHelper() {
	logger.Info(context.Background(), "from a helper")
	logutil.Trace("from a helper")
	logutil.TraceContext(context.WithValue(context.Background(), ctxKey{}, 1), "derived for the logger")
}

type ctxKey struct{}

// A nil context defaults to Background, and the refresh is detached on
// purpose with WithoutCancel: neither is reported.
func (a *API) Show(c *gin.Context) { a.refreshOnRead(c.Request.Context()) }

func (a *API) refreshOnRead(ctx context.Context) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx = context.WithoutCancel(ctx)
	_, _ = db.ExecContext(ctx, "SELECT 1")
}

func Detach(c *gin.Context) {
	_, _ = db.ExecContext(context.WithoutCancel(context.Background()), "SELECT 2")
}

var _ = unused
