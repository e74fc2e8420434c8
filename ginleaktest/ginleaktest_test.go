package ginleaktest_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/goleak"

	"github.com/ginleak/ginleak/ginleaktest"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

const memProfileRate = 64 << 10

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	// One heap sample per 64 KiB allocated: a leak of 2 KiB per request over
	// the 2,700 requests after warm-up leaves about 80 samples, plenty to
	// name its site. Finer rates cost more: every sampled site stays in the
	// process's heap profile, which each checkpoint reads.
	runtime.MemProfileRate = memProfileRate
	goleak.VerifyTestMain(m)
}

// recorder is a testing.TB that records Errorf, Fatalf and Logf instead of
// failing the test; everything else goes to the real test. Its Fatalf ends
// the goroutine, as the real one does, so use it through record.
type recorder struct {
	testing.TB
	mu                   sync.Mutex
	errors, fatals, logs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) { r.add(&r.errors, format, args) }

func (r *recorder) Logf(format string, args ...any) { r.add(&r.logs, format, args) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.add(&r.fatals, format, args)
	runtime.Goexit()
}

func (r *recorder) add(to *[]string, format string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*to = append(*to, fmt.Sprintf(format, args...))
}

// record runs f with a recorder around t in a goroutine of its own (Fatalf
// ends it) and returns the recorder once f is done.
func record(t *testing.T, f func(tb testing.TB)) *recorder {
	t.Helper()
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
	if testing.Verbose() {
		for _, s := range append(append(rec.fatals, rec.errors...), rec.logs...) {
			t.Logf("recorded: %s", s)
		}
	}
	return rec
}

// heapLeaker keeps 2 KiB per request for as long as the handler lives.
func heapLeaker() http.Handler {
	var mu sync.Mutex
	var kept [][]byte
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 2048)
		mu.Lock()
		kept = append(kept, b)
		mu.Unlock()
		io.WriteString(w, "ok")
	})
}

// clean allocates per request but keeps nothing. It counts the requests
// that reached it with another path than want.
func clean(want string, strays *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != want {
			strays.Add(1)
		}
		buf := make([]byte, 2048)
		fmt.Fprintf(w, "ok %d", len(buf))
	})
}

// goroutineLeaker starts a goroutine per request that blocks until release
// is closed.
func goroutineLeaker(release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		go func() { <-release }()
		io.WriteString(w, "ok")
	})
}

func TestLeaksHeap(t *testing.T) {
	var rep *soak.Report
	ginleaktest.Leaks(t, heapLeaker(), ginleaktest.Report(func(r *soak.Report) { rep = r }))
	if rep == nil {
		t.Fatal("Report was not called")
	}
	if rep.Heap.Verdict != stats.Leak || rep.Heap.BytesPerRequest < 1800 || rep.Heap.BytesPerRequest > 5000 {
		t.Errorf("heap %s at %.0f B/request, want a leak of about 2,048", rep.Heap.Verdict, rep.Heap.BytesPerRequest)
	}
	if len(rep.HeapSites) == 0 || !strings.Contains(rep.HeapSites[0].Function, "heapLeaker") ||
		!strings.HasSuffix(rep.HeapSites[0].File, "ginleaktest_test.go") {
		t.Errorf("heap sites %+v, want heapLeaker in ginleaktest_test.go first", rep.HeapSites)
	}
	// The soak stops early once a leak is certain (rep.EarlyStop says so).
	full := rep.Requests >= ginleaktest.DefaultRequests && len(rep.Samples) == ginleaktest.DefaultCheckpoints+1
	if !full && rep.EarlyStop == "" || rep.Concurrency != ginleaktest.DefaultConcurrency || rep.Errors != 0 {
		t.Errorf("%d requests, %d samples, concurrency %d, %d errors", rep.Requests, len(rep.Samples), rep.Concurrency, rep.Errors)
	}
	if rep.MemProfileRate != memProfileRate || rep.SamplingAdvice != "" {
		t.Errorf("mem profile rate %d, advice %q", rep.MemProfileRate, rep.SamplingAdvice)
	}
}

func TestNoLeakFailsOnHeapLeak(t *testing.T) {
	rec := record(t, func(tb testing.TB) { ginleaktest.NoLeak(tb, heapLeaker()) })
	if len(rec.fatals) != 0 || len(rec.errors) != 1 {
		t.Fatalf("fatals %q, errors %q; want one error", rec.fatals, rec.errors)
	}
	msg := rec.errors[0]
	for _, want := range []string{"the handler leaks", "LEAK: ", "Top growing allocation sites", "heapLeaker", "ginleaktest_test.go:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestLeaksFailsWhenClean(t *testing.T) {
	var strays atomic.Int64
	rec := record(t, func(tb testing.TB) {
		ginleaktest.Leaks(tb, clean("/items/1", &strays), ginleaktest.Request("", "/items/1", nil, nil),
			ginleaktest.Requests(1000))
	})
	if len(rec.fatals) != 0 || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "want a leak, the verdict is stable") {
		t.Fatalf("fatals %q, errors %q; want one error: the verdict is stable", rec.fatals, rec.errors)
	}
	if n := strays.Load(); n != 0 {
		t.Errorf("%d requests (pprof's?) reached the handler with another path than /items/1", n)
	}
}

func TestLeaksGoroutines(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var rep *soak.Report
	ginleaktest.Leaks(t, goroutineLeaker(release), ginleaktest.Requests(2000),
		ginleaktest.Report(func(r *soak.Report) { rep = r }))
	if rep == nil {
		t.Fatal("Report was not called")
	}
	if rep.Goroutines.Verdict != stats.Leak || rep.Goroutines.PerRequest < 0.9 || rep.Goroutines.PerRequest > 1.1 {
		t.Errorf("goroutines %s at %.3f per request, want a leak of 1", rep.Goroutines.Verdict, rep.Goroutines.PerRequest)
	}
	if len(rep.GoroutineSites) == 0 {
		t.Fatal("no goroutine sites")
	}
	top := rep.GoroutineSites[0]
	if !strings.Contains(top.Function, "goroutineLeaker") || top.State != "chan receive" ||
		!strings.HasSuffix(top.File, "ginleaktest_test.go") {
		t.Errorf("top goroutine site %+v, want goroutineLeaker in chan receive", top)
	}
	if top.CreatedBy == nil || !strings.Contains(top.CreatedBy.Function, "goroutineLeaker") {
		t.Errorf("created by %+v, want goroutineLeaker", top.CreatedBy)
	}
}

// A clean gin engine passes NoLeak. The test also checks that the options
// reach the soak, that pprof's requests never reach the handler, and that
// MemProfileRate is in force during the soak and restored afterwards.
func TestNoLeakGin(t *testing.T) {
	var strays atomic.Int64
	r := gin.New()
	r.POST("/orders/:id", func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<10)
		body, err := io.ReadAll(c.Request.Body)
		if err != nil || !bytes.Equal(body, []byte(`{"qty":1}`)) || c.GetHeader("X-Tenant") != "acme" || c.Param("id") == "" {
			c.Status(http.StatusBadRequest)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"id": c.Param("id")})
	})
	r.NoRoute(func(c *gin.Context) {
		strays.Add(1)
		c.Status(http.StatusNotFound)
	})
	before := runtime.MemProfileRate
	var rep *soak.Report
	ginleaktest.NoLeak(t, r,
		ginleaktest.Request(http.MethodPost, "/orders/{{seq}}", []byte(`{"qty":1}`), http.Header{"X-Tenant": {"acme"}}),
		ginleaktest.Requests(2000), ginleaktest.Concurrency(4), ginleaktest.Checkpoints(11),
		ginleaktest.HeapFloor(64), ginleaktest.GoroutineFloor(0.02), ginleaktest.MemProfileRate(8192),
		ginleaktest.Report(func(r *soak.Report) { rep = r }))
	if rep == nil || rep.Verdict != stats.Stable {
		t.Fatalf("report %+v, want stable", rep)
	}
	if rep.Errors != 0 || rep.StatusCodes[http.StatusCreated] != rep.Requests || rep.Requests < 2000 {
		t.Errorf("%d requests, %d errors, status codes %v", rep.Requests, rep.Errors, rep.StatusCodes)
	}
	if n := strays.Load(); n != 0 {
		t.Errorf("%d requests reached the engine's NoRoute", n)
	}
	if rep.Concurrency != 4 || len(rep.Samples) != 12 || rep.Heap.Floor != 64 || rep.Goroutines.Floor != 0.02 {
		t.Errorf("concurrency %d, %d samples, floors %v and %v", rep.Concurrency, len(rep.Samples), rep.Heap.Floor, rep.Goroutines.Floor)
	}
	if rep.MemProfileRate != 8192 || runtime.MemProfileRate != before {
		t.Errorf("mem profile rate %d during the soak, %d after (was %d)", rep.MemProfileRate, runtime.MemProfileRate, before)
	}
	if got := os.Getenv(ginleaktest.EnvSoak); got != t.Name() {
		t.Errorf("%s = %q, want %q", ginleaktest.EnvSoak, got, t.Name())
	}
}

// Most requests failing is a broken test, not an inconclusive soak. Enough
// requests that the test process's own heap noise (tens of KB under -race)
// stays far below the floor per request: 600 once read as a 45 B/request
// "leak" on the 404 path.
func TestFailedRequests(t *testing.T) {
	rec := record(t, func(tb testing.TB) {
		ginleaktest.NoLeak(tb, http.NotFoundHandler(), ginleaktest.Requests(4000))
	})
	if len(rec.fatals) != 0 || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "100% of the 4000 requests failed") {
		t.Fatalf("fatals %q, errors %q; want one error about failed requests", rec.fatals, rec.errors)
	}
}

// forgottenSender gives up on a slow dependency after 2 ms, answers 504 and
// leaves the dependency's goroutine blocked on its unbuffered send; the
// sends are received by release, at the end of the test.
type forgottenSender struct {
	mu      sync.Mutex
	pending []chan int
}

func (f *forgottenSender) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	answer := make(chan int)
	f.mu.Lock()
	f.pending = append(f.pending, answer)
	f.mu.Unlock()
	go func() {
		time.Sleep(10 * time.Millisecond) // the slow dependency
		answer <- 42
	}()
	select {
	case <-answer:
		io.WriteString(w, "ok")
	case <-time.After(2 * time.Millisecond):
		http.Error(w, "dependency timed out", http.StatusGatewayTimeout)
	}
}

func (f *forgottenSender) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.pending {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
		}
	}
	f.pending = nil
}

// A leak on the error path is a leak: every request answers 504 and leaves
// a goroutine behind. NoLeak fails with the leak (not with "the requests
// failed"), Leaks passes.
func TestErrorPathLeak(t *testing.T) {
	fs := &forgottenSender{}
	defer fs.release()
	rec := record(t, func(tb testing.TB) { ginleaktest.NoLeak(tb, fs, ginleaktest.Requests(1500)) })
	if len(rec.fatals) != 0 || len(rec.errors) != 1 {
		t.Fatalf("NoLeak: fatals %q, errors %q; want one error", rec.fatals, rec.errors)
	}
	for _, want := range []string{"the handler leaks", "most requests answered 504", "the leak is on that path", "forgottenSender).ServeHTTP.func1", "forgotten-sender"} {
		if !strings.Contains(rec.errors[0], want) {
			t.Errorf("NoLeak's error lacks %q:\n%s", want, rec.errors[0])
		}
	}
	fs.release()
	rec = record(t, func(tb testing.TB) { ginleaktest.Leaks(tb, fs, ginleaktest.Requests(1500)) })
	if len(rec.fatals) != 0 || len(rec.errors) != 0 || len(rec.logs) == 0 || !strings.Contains(rec.logs[0], "leak, as expected") {
		t.Errorf("Leaks: fatals %q, errors %q, logs %q; want it to pass", rec.fatals, rec.errors, rec.logs)
	}
}

// Bad use fails at once with t.Fatalf, before any load, and nothing runs
// after it.
func TestFatal(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for _, tt := range []struct {
		name    string
		handler http.Handler
		opts    []ginleaktest.Option
		want    string
	}{
		{"nil handler", nil, nil, "nil handler"},
		{"requests", ok, []ginleaktest.Option{ginleaktest.Requests(0)}, "Requests(0)"},
		{"concurrency", ok, []ginleaktest.Option{ginleaktest.Concurrency(-1)}, "Concurrency(-1)"},
		{"checkpoints", ok, []ginleaktest.Option{ginleaktest.Checkpoints(3)}, "Checkpoints(3): want at least 10"},
		{"floors", ok, []ginleaktest.Option{ginleaktest.HeapFloor(0), ginleaktest.GoroutineFloor(-1)}, "HeapFloor(0): want a positive number; GoroutineFloor(-1)"},
		{"rate", ok, []ginleaktest.Option{ginleaktest.MemProfileRate(0)}, "MemProfileRate(0)"},
		{"relative path", ok, []ginleaktest.Option{ginleaktest.Request("GET", "items", nil, nil)}, "must start with /"},
		{"pprof path", ok, []ginleaktest.Option{ginleaktest.Request("GET", "/debug/pprof/heap", nil, nil)}, "pprof mux"},
		{"soak error", ok, []ginleaktest.Option{ginleaktest.Requests(11)}, "soak: 9 requests after warm-up are too few for a verdict: it needs at least 500"},
		{"bad target", ok, []ginleaktest.Option{ginleaktest.Request("NOT A METHOD", "/", nil, nil)}, "soak: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, assert := range []func(testing.TB, http.Handler, ...ginleaktest.Option){ginleaktest.NoLeak, ginleaktest.Leaks} {
				called := false
				opts := append(tt.opts, ginleaktest.Report(func(*soak.Report) { called = true }))
				rec := record(t, func(tb testing.TB) { assert(tb, tt.handler, opts...) })
				if len(rec.fatals) != 1 || !strings.Contains(rec.fatals[0], tt.want) || len(rec.errors) != 0 || called {
					t.Errorf("fatals %q, errors %q, report called %v; want one fatal with %q", rec.fatals, rec.errors, called, tt.want)
				}
			}
		})
	}
}

func TestParallelRefused(t *testing.T) {
	t.Run("parallel", func(t *testing.T) {
		t.Parallel()
		rec := record(t, func(tb testing.TB) {
			ginleaktest.NoLeak(tb, http.NotFoundHandler())
		})
		if len(rec.fatals) != 1 || !strings.Contains(rec.fatals[0], "must not run in parallel") || len(rec.errors) != 0 {
			t.Errorf("fatals %q, errors %q; want one fatal about t.Parallel", rec.fatals, rec.errors)
		}
	})
}
