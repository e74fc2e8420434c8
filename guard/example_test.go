package guard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ginleak/ginleak/guard"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// exampleLogger logs JSON to stdout without the clock and latency, so that
// the output is deterministic.
func exampleLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == "latency") {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// The recommended stack, in order, on a plain gin engine.
func Example() {
	reg := prometheus.NewRegistry()
	async, err := guard.NewAsync(guard.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	mon, err := guard.NewMonitor(reg, guard.WithAsync(async))
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(
		guard.RequestID(),
		guard.Tracing("shop"), // add guard.WithTracerProvider(tp) to record spans
		guard.AccessLog(slog.New(slog.DiscardHandler)),
		mon.Middleware(),
		gin.Recovery(),
		guard.BodyLimit(1<<20),
		guard.Timeout(10*time.Second),
		async.Middleware(), // not needed under guard.Serve(..., guard.WithAsync(async))
	)
	r.GET("/items/:id", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"id": c.Param("id")}) })

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/items/7", nil))
	fmt.Println(rec.Code, rec.Body.String(), len(rec.Header().Get(guard.RequestIDHeader)))
	_ = async.Shutdown(context.Background())
	// Output: 200 {"id":"7"} 36
}

func ExampleNewServer() {
	srv := guard.NewServer(":8080", http.NotFoundHandler())
	fmt.Println(srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	// Output: 5s 30s 30s 2m0s 1048576
}

func ExampleServe() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := gin.New()
	r.GET("/stop", func(c *gin.Context) {
		c.String(http.StatusOK, "stopping")
		cancel() // in a real service: SIGTERM, or the end of main's context
	})
	done := make(chan error, 1)
	go func() {
		done <- guard.Serve(ctx, guard.NewServer("", r), guard.WithListener(ln),
			guard.WithShutdownDelay(0), // no load balancer to wait for here; see ExampleReadiness
			guard.WithLogger(slog.New(slog.DiscardHandler)))
	}()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + ln.Addr().String() + "/stop")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	fmt.Println("Serve returned:", <-done)
	client.CloseIdleConnections()
	// Output:
	// stopping
	// Serve returned: <nil>
}

func ExampleReadiness() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ready := guard.NewReadiness()
	r := gin.New()
	r.GET("/readyz", gin.WrapH(ready)) // the readiness probe of the Deployment
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })

	probe := func() {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	probe() // before Serve: not ready

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- guard.Serve(ctx, guard.NewServer("", r), guard.WithListener(ln),
			guard.WithReadiness(ready), guard.WithShutdownDelay(100*time.Millisecond),
			guard.WithLogger(slog.New(slog.DiscardHandler)))
	}()
	for !ready.Ready() {
		time.Sleep(time.Millisecond)
	}
	probe() // serving

	cancel() // SIGTERM in a real service
	for ready.Ready() {
		time.Sleep(time.Millisecond)
	}
	probe() // draining: still serving for the delay, but no longer ready
	fmt.Println("Serve returned:", <-done)
	// Output:
	// 503 not ready
	// 200 ready
	// 503 not ready
	// Serve returned: <nil>
}

func ExampleBodyLimit() {
	r := gin.New()
	r.Use(guard.BodyLimit(8))
	r.POST("/", func(c *gin.Context) {
		b, _ := io.ReadAll(c.Request.Body)
		c.String(http.StatusOK, "got %d bytes", len(b))
	})
	for _, body := range []string{"small", "far too large"} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// 200 got 5 bytes
	// 413 {"error":"request body larger than 8 bytes","status":413}
}

func ExampleCaptureBody() {
	r := gin.New()
	r.Use(guard.CaptureBody(1 << 10))
	r.POST("/hook", func(c *gin.Context) {
		raw, _ := guard.CapturedBody(c) // e.g. to check a signature
		var v struct{ Event string }
		_ = json.NewDecoder(c.Request.Body).Decode(&v) // the body is still whole
		c.String(http.StatusOK, "%d bytes, event %s", len(raw), v.Event)
	})
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(`{"event":"paid"}`)))
	fmt.Println(rec.Body.String())
	// Output: 16 bytes, event paid
}

func ExampleTimeout() {
	r := gin.New()
	r.Use(guard.Timeout(20 * time.Millisecond))
	r.GET("/slow", func(c *gin.Context) {
		select {
		case <-time.After(time.Second): // a query that honours the context
			c.String(http.StatusOK, "done")
		case <-c.Request.Context().Done():
		}
	})
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slow", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 504 {"error":"request timed out","status":504}
}

func ExampleRequestID() {
	r := gin.New()
	r.Use(guard.RequestID())
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, guard.RequestIDFrom(c)) })
	for _, sent := range []string{"order-42", "not valid!"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set(guard.RequestIDHeader, sent)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		got := rec.Header().Get(guard.RequestIDHeader)
		fmt.Println(got == rec.Body.String(), got == sent, len(got))
	}
	// Output:
	// true true 8
	// true false 36
}

func ExampleAccessLog() {
	r := gin.New()
	r.Use(guard.RequestID(), guard.AccessLog(exampleLogger(), guard.WithHeaderLogging()))
	r.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "hi") })
	req := httptest.NewRequest(http.MethodGet, "/users/7?token=s3cr3t&page=2", nil)
	req.Header.Set("Authorization", "Bearer s3cr3t-t0ken")
	req.Header.Set(guard.RequestIDHeader, "req-1")
	req.RemoteAddr = "192.0.2.1:1234"
	r.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// {"level":"INFO","msg":"http request","method":"GET","route":"/users/:id","path":"/users/7","query":"token=[REDACTED]&page=2","status":200,"bytes":2,"client_ip":"192.0.2.1","request_id":"req-1","req_headers":{"Authorization":"[REDACTED]","X-Request-Id":"req-1"},"resp_headers":{"Content-Type":"text/plain; charset=utf-8","X-Request-Id":"req-1"}}
}

func ExampleTracing() {
	r := gin.New()
	// Without WithTracerProvider nothing is recorded, but the caller's trace
	// context still reaches the handlers and the access log.
	r.Use(guard.Tracing("shop"), guard.AccessLog(exampleLogger()))
	r.GET("/", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.RemoteAddr = "192.0.2.1:1234"
	r.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// {"level":"INFO","msg":"http request","method":"GET","route":"/","path":"/","status":204,"bytes":0,"client_ip":"192.0.2.1","request_id":"","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}
}

func ExampleGo() {
	async, err := guard.NewAsync(guard.WithAsyncLimit(100), guard.WithAsyncTimeout(5*time.Second))
	if err != nil {
		panic(err)
	}
	sent := make(chan string, 1)
	r := gin.New()
	r.Use(guard.RequestID(), async.Middleware())
	r.POST("/orders", func(c *gin.Context) {
		// The function outlives the request: it gets a context with the
		// request's values but not its cancellation, and never sees c.
		err := guard.Go(c, "confirmation-mail", func(ctx context.Context) {
			sent <- "mail for " + guard.RequestIDFromContext(ctx)
		})
		if err != nil { // the limit is reached, or the server is stopping
			c.String(http.StatusServiceUnavailable, err.Error())
			return
		}
		c.Status(http.StatusAccepted)
	})
	req := httptest.NewRequest(http.MethodPost, "/orders", nil)
	req.Header.Set(guard.RequestIDHeader, "order-7")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	fmt.Println(rec.Code, <-sent)
	fmt.Println(async.Shutdown(context.Background()))
	// Output:
	// 202 mail for order-7
	// <nil>
}

func ExampleNewCache() {
	prices, err := guard.NewCache[string, int](10_000, time.Minute)
	if err != nil {
		panic(err)
	}
	defer prices.Close() // stops otter's clean-up goroutine

	load := func(ctx context.Context, sku string) (int, error) { return len(sku) * 100, nil } // a database query
	p, err := prices.GetOrLoad(context.Background(), "sku-1", load)
	fmt.Println(p, err)
	cached, ok := prices.Get("sku-1")
	fmt.Println(cached, ok)
	// Output:
	// 500 <nil>
	// 500 true
}

func ExampleNewMonitor() {
	reg := prometheus.NewRegistry()
	mon, err := guard.NewMonitor(reg)
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(mon.Middleware())
	r.GET("/items/:id", func(c *gin.Context) { c.Status(http.StatusOK) })
	for _, path := range []string{"/items/1", "/items/2", "/nope"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != guard.MetricRequestDuration {
			continue
		}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			fmt.Println(strings.Join(ls, " "), m.GetHistogram().GetSampleCount())
		}
	}
	// Output:
	// code=200 method=GET route=/items/:id 2
	// code=404 method=GET route=unmatched 1
}

func ExampleLeaks() {
	token := "9f86d081884c7d659a2feaa0c55ad015" // os.Getenv("DEBUG_TOKEN"): openssl rand -hex 32
	leaks, err := guard.Leaks(token, guard.WithLeakThreshold(500))
	if err != nil {
		panic(err)
	}
	debug := gin.New() // a separate engine, served on a private address
	debug.GET("/debug/leaks", gin.WrapH(leaks))

	for _, auth := range []string{"", "Bearer " + token} {
		req := httptest.NewRequest(http.MethodGet, "/debug/leaks?format=json", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		debug.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	_, err = guard.Leaks("debug")
	fmt.Println(err)
	// Output:
	// 401
	// 200
	// guard: Leaks: the token is 5 bytes long, want at least 16; generate one with `openssl rand -hex 32` or `head -c 32 /dev/urandom | base64`
}

func ExampleLeakHandler() {
	// LeakHandler checks no credentials: mount it only where every request
	// is already authenticated, here by BearerAuth on the whole group.
	auth, err := guard.BearerAuth("c2f1e0b7a9d84c3e")
	if err != nil {
		panic(err)
	}
	r := gin.New()
	debug := r.Group("/debug", auth)
	debug.GET("/leaks", gin.WrapH(guard.LeakHandler(guard.WithLeakThreshold(500))))

	req := httptest.NewRequest(http.MethodGet, "/debug/leaks?format=json", nil)
	req.Header.Set("Authorization", "Bearer c2f1e0b7a9d84c3e")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	var report struct {
		Goroutines int `json:"goroutines"`
		Threshold  int `json:"threshold"`
		Groups     []struct {
			CreatedBy struct{ Function string } `json:"created_by"`
			State     string                    `json:"state"`
			Count     int                       `json:"count"`
			Flagged   bool                      `json:"flagged"`
		} `json:"groups"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &report)
	fmt.Println(rec.Code, report.Threshold, report.Goroutines > 0, len(report.Groups) > 0)
	// Output: 200 500 true true
}

func ExamplePprof() {
	debug := gin.New() // a separate engine, served on a private address, without Timeout
	if err := guard.Pprof(debug, ""); err != nil {
		fmt.Println(err)
	}
	if err := guard.Pprof(debug, "s3cr3t-pprof-token"); err != nil {
		panic(err)
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer s3cr3t-pprof-token"} {
		req := httptest.NewRequest(http.MethodGet, "/debug/pprof/goroutine?debug=1", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		debug.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// guard: Pprof: empty token: refusing to protect endpoints with nothing; generate one with `openssl rand -hex 32` or `head -c 32 /dev/urandom | base64`
	// 401
	// 401
	// 200
}
