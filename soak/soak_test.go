package soak

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/goleak"

	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/stats"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		// The test binary doubles as a target started by Config.Run.
		os.Exit(runHelper(mode))
	}
	gin.SetMode(gin.ReleaseMode)
	// Sample the test process's heap finely so that the leak site is named
	// reliably from a short run (the soak advises the same to users).
	runtime.MemProfileRate = 16 << 10
	goleak.VerifyTestMain(m)
}

// shop is an in-test gin service with pprof on a private mux and routes
// that leak heap, leak goroutines, or do not leak.
type shop struct {
	*httptest.Server
	mu     sync.Mutex
	leaked [][]byte
	block  chan struct{} // closed at the end of the test: releases the goroutines
}

func newShop(t *testing.T, withPprof bool) *shop {
	t.Helper()
	s := &shop{block: make(chan struct{})}
	r := gin.New()
	if withPprof {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		r.GET("/debug/pprof/*any", gin.WrapH(mux))
	}
	r.GET("/leak", leakyHandler(s))
	r.GET("/clean", cleanHandler)
	r.GET("/goroutine", goroutineLeakHandler(s.block))
	r.GET("/metrics", metricsHandler)
	r.GET("/missing", func(c *gin.Context) { c.Status(http.StatusNotFound) })
	s.Server = httptest.NewServer(r)
	t.Cleanup(s.Close)
	t.Cleanup(func() { close(s.block) }) // runs first: the server's Close waits for handlers
	return s
}

// leakyHandler keeps 4 KiB per request forever.
func leakyHandler(s *shop) gin.HandlerFunc {
	return func(c *gin.Context) {
		b := make([]byte, 4096)
		s.mu.Lock()
		s.leaked = append(s.leaked, b)
		s.mu.Unlock()
		c.String(http.StatusOK, "ok")
	}
}

// cleanHandler allocates per request but keeps nothing.
func cleanHandler(c *gin.Context) {
	buf := make([]byte, 4096)
	c.String(http.StatusOK, "ok %d", len(buf))
}

// goroutineLeakHandler starts a goroutine per request that blocks until
// block is closed.
func goroutineLeakHandler(block chan struct{}) gin.HandlerFunc {
	return func(c *gin.Context) {
		go blockForever(block)
		c.String(http.StatusOK, "ok")
	}
}

func blockForever(block chan struct{}) { <-block }

// metricsHandler serves the two Go collector metrics soak reads.
func metricsHandler(c *gin.Context) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	c.String(http.StatusOK, "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n"+
		"go_memstats_heap_alloc_bytes %g\n", runtime.NumGoroutine(), float64(ms.HeapAlloc))
}

// quick is a short soak: closed model, 10 checkpoints.
func quick(url string, requests int64) Config {
	return Config{
		Targets:     []load.Target{{Method: "GET", URL: url}},
		Concurrency: 4,
		Requests:    requests,
		Checkpoints: 10,
	}
}

func run(t *testing.T, cfg Config) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if testing.Verbose() {
		_ = rep.WriteText(os.Stdout)
	}
	return rep
}

func TestHeapLeak(t *testing.T) {
	s := newShop(t, true)
	cfg := quick(s.URL+"/leak", 3000)
	cfg.NoEarlyStop = true // the whole run: every checkpoint and request below
	rep := run(t, cfg)
	if rep.Verdict != stats.Leak || rep.Heap.Verdict != stats.Leak {
		t.Fatalf("verdict %s, heap %s (%s); want leak", rep.Verdict, rep.Heap.Verdict, rep.Reason)
	}
	// 4 KiB plus the growing slice of slices: at least 4 KiB per request.
	if rep.Heap.BytesPerRequest < 3500 || rep.Heap.BytesPerRequest > 8000 {
		t.Errorf("heap slope = %.0f B/request, want about 4,096", rep.Heap.BytesPerRequest)
	}
	if len(rep.Samples) != 11 {
		t.Errorf("%d samples, want 11 (baseline + 10)", len(rep.Samples))
	}
	if rep.Requests < 3000 || rep.Errors != 0 || rep.Interrupted {
		t.Errorf("requests %d errors %d interrupted %v", rep.Requests, rep.Errors, rep.Interrupted)
	}
	if len(rep.HeapSites) == 0 || !strings.Contains(rep.HeapSites[0].Function, "leakyHandler") {
		t.Fatalf("top heap site = %+v, want leakyHandler", rep.HeapSites)
	}
	if !strings.HasSuffix(rep.HeapSites[0].File, "soak_test.go") || rep.HeapSites[0].Line == 0 {
		t.Errorf("top heap site at %s:%d, want soak_test.go", rep.HeapSites[0].File, rep.HeapSites[0].Line)
	}
	if rep.MemProfileRate != 16<<10 || rep.SamplingAdvice != "" {
		t.Errorf("mem profile rate %d, advice %q", rep.MemProfileRate, rep.SamplingAdvice)
	}
}

// Stable on either of the engine's clients, and the report says which.
func TestStable(t *testing.T) {
	s := newShop(t, true)
	for _, client := range []string{"lean", "net/http"} {
		t.Run(strings.ReplaceAll(client, "/", "-"), func(t *testing.T) {
			cfg := quick(s.URL+"/clean", 3000)
			cfg.NetHTTP = client == "net/http"
			rep := run(t, cfg)
			if rep.Verdict != stats.Stable {
				t.Fatalf("verdict %s (%s); want stable", rep.Verdict, rep.Reason)
			}
			if rep.Heap.Verdict != stats.Stable || rep.Goroutines.Verdict != stats.Stable {
				t.Errorf("heap %s, goroutines %s", rep.Heap.Verdict, rep.Goroutines.Verdict)
			}
			if rep.Goroutines.Start != rep.Goroutines.End {
				t.Errorf("goroutines %d -> %d; the fixed pool should keep them constant", rep.Goroutines.Start, rep.Goroutines.End)
			}
			if rep.Client != client {
				t.Errorf("client %q, want %q", rep.Client, client)
			}
		})
	}
}

func TestStableOpenModel(t *testing.T) {
	s := newShop(t, true)
	cfg := quick(s.URL+"/clean", 2500)
	cfg.Concurrency, cfg.Rate, cfg.Connections = 0, 2500, 8
	rep := run(t, cfg)
	if rep.Verdict != stats.Stable {
		t.Fatalf("verdict %s (%s); want stable", rep.Verdict, rep.Reason)
	}
	if rep.Model != "open" || rep.Rate != 2500 || rep.Connections != 8 {
		t.Errorf("model %s rate %v connections %d", rep.Model, rep.Rate, rep.Connections)
	}
}

func TestGoroutineLeak(t *testing.T) {
	s := newShop(t, true)
	rep := run(t, quick(s.URL+"/goroutine", 2000))
	if rep.Verdict != stats.Leak || rep.Goroutines.Verdict != stats.Leak {
		t.Fatalf("verdict %s, goroutines %s (%s); want leak", rep.Verdict, rep.Goroutines.Verdict, rep.Reason)
	}
	if rep.Goroutines.PerRequest < 0.9 || rep.Goroutines.PerRequest > 1.1 {
		t.Errorf("goroutines per request = %.3f, want 1", rep.Goroutines.PerRequest)
	}
	if len(rep.GoroutineSites) == 0 {
		t.Fatal("no goroutine sites")
	}
	top := rep.GoroutineSites[0]
	if !strings.Contains(top.Function, "blockForever") || top.State != "chan receive" {
		t.Errorf("top goroutine site = %+v, want blockForever in chan receive", top)
	}
	if top.CreatedBy == nil || !strings.Contains(top.CreatedBy.Function, "goroutineLeakHandler") {
		t.Errorf("created by = %+v, want goroutineLeakHandler", top.CreatedBy)
	}
	// Baseline to last: the requests after warm-up each left one.
	if got, want := top.Count, int(rep.Samples[len(rep.Samples)-1].Requests-rep.Samples[0].Requests); got < want*9/10 || got > want {
		t.Errorf("goroutine growth %d, want about %d", got, want)
	}
}

func TestInterrupt(t *testing.T) {
	s := newShop(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := quick(s.URL+"/clean", 0)
	cfg.Concurrency, cfg.Rate = 0, 300
	cfg.Duration, cfg.Warmup = 10*time.Second, 300*time.Millisecond
	var calls int
	var cancelled time.Time
	cfg.Progress = func(p Progress) {
		calls++
		if FormatProgress(p) == "" {
			t.Error("empty progress line")
		}
		// Ctrl-C in the middle of the load after the third checkpoint.
		if p.Phase == "load" && p.Checkpoint == 3 && cancelled.IsZero() {
			cancelled = time.Now()
			cancel()
		}
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.IsZero() {
		t.Fatal("never cancelled")
	}
	if d := time.Since(cancelled); d > 5*time.Second {
		t.Errorf("Run returned %v after cancel", d)
	}
	if !rep.Interrupted || len(rep.Samples) != 3 || !strings.Contains(rep.Reason, "stopped early") {
		t.Errorf("interrupted %v, %d samples, reason %q", rep.Interrupted, len(rep.Samples), rep.Reason)
	}
	if rep.Verdict != stats.Inconclusive || rep.Requests == 0 {
		t.Errorf("verdict %s from 3 samples and %d requests, want inconclusive", rep.Verdict, rep.Requests)
	}
	if calls < 4 {
		t.Errorf("progress called %d times", calls)
	}
}

func TestMetricsSource(t *testing.T) {
	s := newShop(t, false)
	cfg := quick(s.URL+"/clean", 1500)
	cfg.MetricsURL = s.URL + "/metrics"
	rep := run(t, cfg)
	if rep.Source != "metrics" || len(rep.Samples) != 11 || rep.Interrupted {
		t.Fatalf("source %s, %d samples, interrupted %v", rep.Source, len(rep.Samples), rep.Interrupted)
	}
	if len(rep.HeapSites) != 0 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "no heap or goroutine sites") {
		t.Errorf("warnings %q", rep.Warnings)
	}
	if rep.Samples[0].Goroutines == 0 || rep.Samples[0].HeapBytes == 0 {
		t.Errorf("empty sample %+v", rep.Samples[0])
	}
}

// When most requests fail, the soak measured the error path: whatever the
// signals say, the verdict is inconclusive, never stable.
func TestHighErrorRateInconclusive(t *testing.T) {
	s := newShop(t, true)
	rep := run(t, quick(s.URL+"/missing", 2000))
	if rep.Requests != 2000 || rep.Errors != rep.Requests || rep.StatusCodes[404] != rep.Requests {
		t.Errorf("errors %d of %d, codes %v", rep.Errors, rep.Requests, rep.StatusCodes)
	}
	if rep.Verdict != stats.Inconclusive {
		t.Errorf("verdict %s, want inconclusive", rep.Verdict)
	}
	const want = "most requests failed (404: 2,000 of 2,000): the soak measured the error path — fix the target URL or the service first"
	if !strings.HasPrefix(rep.Reason, want) {
		t.Errorf("reason %q\nwant it to start with %q", rep.Reason, want)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "100% of the requests failed") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

func TestRunErrors(t *testing.T) {
	noPprof := newShop(t, false)
	dead := closedAddr(t)
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"no targets", Config{}, []string{"no targets"}},
		{"remote", quick("http://192.0.2.10:8080/x", 2000), []string{"192.0.2.10", "--allow-remote"}},
		{"remote pprof", func() Config {
			c := quick(noPprof.URL+"/clean", 2000)
			c.PprofURL = "http://10.1.2.3/debug/pprof"
			return c
		}(), []string{"pprof", "--allow-remote"}},
		{"unreachable", quick("http://"+dead+"/", 2000), []string{"cannot reach the target at " + dead, "go run ./examples/leakyshop -addr " + dead}},
		{"no pprof", quick(noPprof.URL+"/clean", 2000), []string{
			"no pprof at " + noPprof.URL + "/debug/pprof", "404",
			`import _ "net/http/pprof"`,
			`r.GET("/debug/pprof/*any", gin.WrapH(http.DefaultServeMux))`,
			`mux.Handle("/debug/pprof/", http.DefaultServeMux)`,
		}},
		{"few checkpoints", func() Config { c := quick(noPprof.URL, 2000); c.Checkpoints = 5; return c }(), []string{"at least 10"}},
		{"too few requests", quick(noPprof.URL, 10), []string{"9 requests after warm-up are too few for a verdict: it needs at least 500"}},
		{"bad warm-up", func() Config { c := quick(noPprof.URL, 2000); c.WarmupFraction = 1.5; return c }(), []string{"warm-up fraction"}},
		{"warm-up too long", Config{Targets: quick(noPprof.URL, 1).Targets, Duration: time.Second, Warmup: 2 * time.Second}, []string{"not shorter"}},
		{"bad target", Config{Targets: []load.Target{{URL: "localhost:8080"}}}, []string{"no scheme"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			rep, err := Run(context.Background(), tt.cfg)
			if err == nil || rep != nil {
				t.Fatalf("Run = %v, %v; want an error", rep, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if d := time.Since(start); d > 6*time.Second {
				t.Errorf("failing took %v, want within 5 s", d)
			}
		})
	}
}

func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080/", true},
		{"http://127.1.2.3/", true},
		{"http://[::1]:8080/", true},
		{"http://localhost:8080/", true},
		{"http://LOCALHOST./", true},
		{"http://shop.localhost/", true},
		{"http://10.0.0.1/", false},
		{"http://[2001:db8::1]/", false},
		{"https://192.0.2.1:443/", false},
		{"http://0.0.0.0:8080/", true}, // "this host"
		{"http://[::]:8080/", true},
	}
	for _, tt := range tests {
		err := checkLoopback(context.Background(), "target", tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("checkLoopback(%s) = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("error %q does not mention --allow-remote", err)
		}
	}
	// AllowRemote lifts the refusal (plan does not touch the network).
	cfg := Config{Targets: []load.Target{{URL: "http://192.0.2.1/"}}, AllowRemote: true}
	if _, err := cfg.plan(context.Background()); err != nil {
		t.Errorf("AllowRemote: plan = %v", err)
	}
}

func ExampleFormatProgress() {
	fmt.Println(FormatProgress(Progress{
		Phase: "load", Elapsed: 12300 * time.Millisecond, Requests: 6150, Errors: 2, RPS: 499.6,
		Checkpoint: 4, Checkpoints: 13, HaveSample: true, HeapBytes: 12 << 20, Goroutines: 87,
	}))
	// Output: load         12.3s  6,150 req  500 req/s  2 errors  heap 12.0 MiB  goroutines 87  checkpoint 4/13
}
