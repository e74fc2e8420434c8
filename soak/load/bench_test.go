//go:build unix

package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkEngine measures the engine's maximum throughput on its lean
// client and on net/http's; one op is one request. Metrics: req/s, p99-ms
// (latency), cpu-µs/req (process CPU time per request) and allocs/op (0
// on the lean client against a server in another process).
//
// By default the target is an in-process httptest server, so CPU time and
// allocations include the server's. For the generator alone, point it at a
// server in another process (pinned to another core):
//
//	GINLEAK_BENCH_URL=http://127.0.0.1:8080/ping GINLEAK_BENCH_CONNECTIONS=64 \
//	  taskset -c 1 go test -run '^$' -bench Engine -benchtime 200000x ./soak/load
func BenchmarkEngine(b *testing.B) {
	url := os.Getenv("GINLEAK_BENCH_URL")
	if url == "" {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "pong")
		}))
		defer s.Close()
		url = s.URL + "/ping"
	}
	conns := 64
	if v := os.Getenv("GINLEAK_BENCH_CONNECTIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("GINLEAK_BENCH_CONNECTIONS=%q: want a positive integer", v)
		}
		conns = n
	}
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		// Closed model: every connection sends back to back (like wrk).
		{"closed", Config{Concurrency: conns, Connections: conns}},
		// Open model far above capacity: the schedule is always behind, so
		// this is the open model's maximum, scheduler overhead included.
		{"open", Config{Rate: 1e7, Connections: conns}},
		// The same on net/http's Transport, the path https targets take.
		{"closed-nethttp", Config{Concurrency: conns, Connections: conns, NetHTTP: true}},
		{"open-nethttp", Config{Rate: 1e7, Connections: conns, NetHTTP: true}},
	} {
		b.Run(bc.name+"-c"+strconv.Itoa(conns), func(b *testing.B) {
			bc.cfg.Targets = []Target{{Method: "GET", URL: url}}
			e, err := New(bc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			if _, err := e.Prime(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			res, err := e.Run(context.Background(), Segment{Requests: int64(b.N)})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if res.Errors > 0 {
				b.Fatalf("%d errors: %v %v", res.Errors, res.StatusCodes, res.ErrorReasons)
			}
			cpu := cpuTime() - cpu0
			b.ReportMetric(res.RequestRate(), "req/s")
			b.ReportMetric(res.Latency.P99, "p99-ms")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/req")
		})
	}
}

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
