package guard

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Benchmarks of the middleware on the fast path, each beside bare gin on
// the same route: the difference is the middleware's cost. Requests go
// through engine.ServeHTTP with a reusable writer, so that only the
// engine and the middleware allocate. bench/guard.sh runs them with
// -benchmem and prints the ratios.

// benchWriter is a reusable http.ResponseWriter.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

func (w *benchWriter) WriteHeader(code int) { w.code = code }

// resetBody is a request body that can be rewound without allocating.
type resetBody struct {
	bytes.Reader
	data []byte
}

func (b *resetBody) Close() error { return nil }
func (b *resetBody) rewind()      { b.Reset(b.data) }

func benchRoute(r *gin.Engine) {
	h := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	r.GET("/items/:id", h)
	r.POST("/items/:id", h)
}

func runBench(b *testing.B, r *gin.Engine, req *http.Request) {
	b.Helper()
	w := &benchWriter{h: http.Header{}}
	body, _ := req.Body.(*resetBody)
	r.ServeHTTP(w, req) // warm up: Monitor's label cache, pools
	if w.code != http.StatusOK {
		b.Fatalf("status %d", w.code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		if body != nil {
			body.rewind()
		}
		r.ServeHTTP(w, req)
	}
}

func getRequest() *http.Request { return httptest.NewRequest(http.MethodGet, "/items/42", nil) }

func postRequest() *http.Request {
	data := []byte(`{"name":"gopher","qty":3}`)
	body := &resetBody{data: data}
	body.rewind()
	req := httptest.NewRequest(http.MethodPost, "/items/42", nil)
	req.Body = body
	req.ContentLength = int64(len(data))
	return req
}

// stack returns the recommended stack measured against bare gin: RequestID,
// AccessLog (to logger), Monitor, Timeout and BodyLimit.
func stack(b *testing.B, logger *slog.Logger) *gin.Engine {
	b.Helper()
	mon, err := NewMonitor(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	r := gin.New()
	r.Use(RequestID(), AccessLog(logger), mon.Middleware(), Timeout(10*time.Second), BodyLimit(1<<20))
	benchRoute(r)
	return r
}

func BenchmarkBare(b *testing.B) {
	r := gin.New()
	benchRoute(r)
	runBench(b, r, getRequest())
}

// BenchmarkStack: the access log goes to slog.DiscardHandler, which is
// disabled: the record is never built.
func BenchmarkStack(b *testing.B) {
	runBench(b, stack(b, slog.New(slog.DiscardHandler)), getRequest())
}

// BenchmarkStackClientRequestID: the client sends a valid X-Request-ID,
// which RequestID reuses instead of generating one.
func BenchmarkStackClientRequestID(b *testing.B) {
	req := getRequest()
	req.Header.Set(RequestIDHeader, "client-chosen-id-123")
	runBench(b, stack(b, slog.New(slog.DiscardHandler)), req)
}

// BenchmarkStackJSONLog: the access log is enabled and encoded as JSON
// (to io.Discard) — what a service that keeps its access log pays.
func BenchmarkStackJSONLog(b *testing.B) {
	runBench(b, stack(b, slog.New(slog.NewJSONHandler(io.Discard, nil))), getRequest())
}

func BenchmarkRequestID(b *testing.B) {
	r := gin.New()
	r.Use(RequestID())
	benchRoute(r)
	runBench(b, r, getRequest())
}

func BenchmarkAccessLogDisabled(b *testing.B) {
	r := gin.New()
	r.Use(AccessLog(slog.New(slog.DiscardHandler)))
	benchRoute(r)
	runBench(b, r, getRequest())
}

func BenchmarkAccessLogJSON(b *testing.B) {
	r := gin.New()
	r.Use(AccessLog(slog.New(slog.NewJSONHandler(io.Discard, nil))))
	benchRoute(r)
	runBench(b, r, getRequest())
}

func BenchmarkMonitor(b *testing.B) {
	mon, err := NewMonitor(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	r := gin.New()
	r.Use(mon.Middleware())
	benchRoute(r)
	runBench(b, r, getRequest())
}

func BenchmarkTimeout(b *testing.B) {
	r := gin.New()
	r.Use(Timeout(10 * time.Second))
	benchRoute(r)
	runBench(b, r, getRequest())
}

// BenchmarkBodyLimit: a GET without a body.
func BenchmarkBodyLimit(b *testing.B) {
	r := gin.New()
	r.Use(BodyLimit(1 << 20))
	benchRoute(r)
	runBench(b, r, getRequest())
}

func BenchmarkBarePost(b *testing.B) {
	r := gin.New()
	benchRoute(r)
	runBench(b, r, postRequest())
}

// BenchmarkBodyLimitPost: a POST with a small declared Content-Length.
func BenchmarkBodyLimitPost(b *testing.B) {
	r := gin.New()
	r.Use(BodyLimit(1 << 20))
	benchRoute(r)
	runBench(b, r, postRequest())
}
