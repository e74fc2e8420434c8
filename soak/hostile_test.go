package soak

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/stats"
)

// hostile serves pprof on a private mux, and handler on /x.
func hostile(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/x", handler)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// A handler that hangs on some requests (until the test ends) cannot keep
// a run past its time bound: each checkpoint gives up on the requests
// still running after the drain wait and counts them as timeouts (before,
// each checkpoint waited for the per-request timeout). One that never
// answers at all is given up on at the first requests.
func TestHangingHandlerBounded(t *testing.T) {
	var n atomic.Int64
	hang := func(every int64, release chan struct{}) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1)%every == 0 {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}
		}
	}
	for _, tt := range []struct {
		name    string
		every   int64
		warning string
	}{
		{"one in 50 hangs", 50, ""},
		{"all hang", 1, "did not answer the first 8 requests (one per connection) within 5s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := hostile(t, hang(tt.every, release))
			t.Cleanup(func() { close(release) }) // runs before srv.Close, which waits for handlers
			cfg := Config{
				Targets:     []load.Target{{URL: srv.URL + "/x"}},
				Rate:        500,
				Connections: 8,
				Duration:    4 * time.Second,
				Checkpoints: 10,
				Timeout:     time.Minute,
			}
			start := time.Now()
			rep := run(t, cfg)
			took := time.Since(start)
			bound := cfg.Duration + Grace(cfg.Duration)
			if took > bound+3*time.Second {
				t.Errorf("run took %v, want within its bound %v (and a little)", took, bound)
			}
			if rep.TimeBoundS != bound.Seconds() {
				t.Errorf("time_bound_s %v, want %v", rep.TimeBoundS, bound.Seconds())
			}
			if rep.Verdict != stats.Inconclusive && tt.warning != "" {
				t.Errorf("verdict %s (%s), want inconclusive", rep.Verdict, rep.Reason)
			}
			if tt.warning != "" {
				if !strings.Contains(strings.Join(rep.Warnings, "\n"), tt.warning) {
					t.Errorf("warnings %q, want %q", rep.Warnings, tt.warning)
				}
				return
			}
			if rep.Drained == 0 || rep.ErrorReasons["timeout"] < rep.Drained {
				t.Errorf("drained %d, timeouts %d: the requests given up on must count as timeouts", rep.Drained, rep.ErrorReasons["timeout"])
			}
		})
	}
}

// fakeMetrics serves Prometheus text from the current values of m.
type fakeMetrics struct {
	mu    sync.Mutex
	lines func(n int) string // n: how many times it was read
	n     int
}

func (f *fakeMetrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.n++
	s := f.lines(f.n)
	f.mu.Unlock()
	fmt.Fprint(w, s)
}

func metricsTarget(t *testing.T, lines func(n int) string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/metrics", &fakeMetrics{lines: lines})
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func metricsRun(t *testing.T, srv *httptest.Server) *Report {
	t.Helper()
	cfg := quick(srv.URL+"/x", 2000)
	cfg.MetricsURL = srv.URL + "/metrics"
	return run(t, cfg)
}

// Without a forced GC, go_memstats_heap_alloc_bytes rises with every
// allocation until the next GC: a run inside one GC cycle looked like a
// leak. It is inconclusive now unless enough GC cycles ran, and the live
// heap after GC is used when exported.
func TestMetricsGCNoise(t *testing.T) {
	// The heap grows 10 KB per read: allocations between GCs.
	rising := func(gc string) func(int) string {
		return func(n int) string {
			return fmt.Sprintf("go_goroutines 10\ngo_memstats_heap_alloc_bytes %d\n%s", 4<<20+n*10000, gc)
		}
	}
	tests := []struct {
		name    string
		lines   func(int) string
		verdict stats.Verdict
		reason  string
	}{
		{"no GC counter", rising(""), stats.Inconclusive, "no GC counter"},
		{"no GC cycle", rising("go_gc_cycles_total_gc_cycles_total 7\n"), stats.Inconclusive, "only 0 GC cycles between checkpoints"},
		{"one GC per checkpoint", func(n int) string {
			return rising(fmt.Sprintf("go_gc_duration_seconds_count %d\n", n))(n)
		}, stats.Inconclusive, "only 1 GC cycles between checkpoints"},
		{"same last GC", rising("go_memstats_last_gc_time_seconds 1.7e9\n"), stats.Inconclusive, "only 0 GC cycles"},
		// Enough cycles: the growth is taken as measured (a leak here).
		{"many GCs", func(n int) string {
			return rising(fmt.Sprintf("go_gc_cycles_total_gc_cycles_total %d\n", 5*n))(n)
		}, stats.Leak, ""},
		// The live heap after GC is flat: stable, whatever heap_alloc does.
		{"live heap", func(n int) string {
			return rising("go_gc_heap_live_bytes 3e6\n")(n)
		}, stats.Stable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := metricsRun(t, metricsTarget(t, tt.lines))
			if rep.Heap.Verdict != tt.verdict || !strings.Contains(rep.Heap.Reason, tt.reason) {
				t.Errorf("heap %s (%s), want %s with %q", rep.Heap.Verdict, rep.Heap.Reason, tt.verdict, tt.reason)
			}
		})
	}
}

// Values that cannot be true fail the run as a target error naming the
// endpoint and the value, instead of becoming "-8388608.0 TiB" and a
// verdict; mid-run as well as at the first read.
func TestImpossibleValues(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines func(int) string
		want  string
	}{
		{"negative heap", func(int) string { return "go_goroutines 10\ngo_memstats_heap_alloc_bytes -9.223372036854776e+18\n" },
			"/metrics reports go_memstats_heap_alloc_bytes of -9.223372036854776e+18, which cannot be true"},
		{"NaN goroutines", func(int) string { return "go_goroutines NaN\ngo_gc_heap_live_bytes 1e6\n" }, "go_goroutines of NaN"},
		{"Inf mid-run", func(n int) string {
			if n > 4 {
				return "go_goroutines 10\ngo_gc_heap_live_bytes +Inf\n"
			}
			return "go_goroutines 10\ngo_gc_heap_live_bytes 1e6\n"
		}, "go_gc_heap_live_bytes of +Inf"},
		{"past int64", func(int) string { return "go_goroutines 10\ngo_gc_heap_live_bytes 1e19\n" }, "of 1e+19"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := metricsTarget(t, tt.lines)
			cfg := quick(srv.URL+"/x", 2000)
			cfg.MetricsURL = srv.URL + "/metrics"
			rep, err := Run(context.Background(), cfg)
			if err == nil || rep != nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, %v; want an error containing %q", rep, err, tt.want)
			}
		})
	}
}

// Probe failures say what happened and the fix that applies, not "Mount
// pprof": a TLS client on a plain-HTTP port, a server that hangs up,
// Ctrl-C during the checks.
func TestProbeHints(t *testing.T) {
	plain := hostile(t, func(w http.ResponseWriter, r *http.Request) {})
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	hangup := hangupServer(t)

	tests := []struct {
		name, url string
		want      string
	}{
		{"https to plain", strings.Replace(plain.URL, "http://", "https://", 1) + "/x", "the server speaks plain HTTP, not TLS: write http:// instead of https://"},
		{"http to TLS", strings.Replace(tlsSrv.URL, "https://", "http://", 1) + "/x", "the server speaks TLS (HTTPS): write https:// instead of http://"},
		{"hang-up", "http://" + hangup + "/x", "the server closed the connection without answering"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), quick(tt.url, 2000))
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "Mount pprof") {
				t.Errorf("Run error = %v\nwant %q and no pprof advice", err, tt.want)
			}
		})
	}

	// Ctrl-C while the target is being checked (a target that accepts
	// connections and never answers keeps the check waiting).
	stuck := stuckServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err := Run(ctx, quick("http://"+stuck+"/x", 2000))
	if !errors.Is(err, ErrInterrupted) || strings.Contains(err.Error(), "Mount pprof") {
		t.Errorf("Run error = %v, want ErrInterrupted", err)
	}
}

// hangupServer accepts connections and closes them at once.
func hangupServer(t *testing.T) string {
	t.Helper()
	return acceptLoop(t, func(c net.Conn) { c.Close() })
}

// stuckServer accepts connections and never answers (until the test ends).
func stuckServer(t *testing.T) string {
	t.Helper()
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return acceptLoop(t, func(c net.Conn) { mu.Lock(); conns = append(conns, c); mu.Unlock() })
}

func acceptLoop(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for accepted.Load() < 10000 {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			handle(c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

// The stable message says which test decided, with numbers that agree
// with it: a slope above the floor that is not significant is "no
// significant growth", never "not beyond the floors".
func TestStableReason(t *testing.T) {
	noise := stats.Trend{Verdict: stats.Stable, Cause: stats.CauseNoTrend, Slope: 293, SlopeLow: -150, SlopeHigh: 700, P: 0.21}
	small := stats.Trend{Verdict: stats.Stable, Cause: stats.CauseBelowFloor, Slope: 0.00002, SlopeLow: 0.00001, SlopeHigh: 0.00003, P: 0.001}
	v, reason := overall(noise, small, 32, 0.01)
	want := "stable: the live heap shows no significant growth (slope 293 B/request, mann-kendall p=0.21, interval -150 to 700); goroutines grow 0.02 per 1,000 requests, below the floor of 10"
	if v != stats.Stable || reason != want {
		t.Errorf("overall = %s %q\nwant %q", v, reason, want)
	}
}
