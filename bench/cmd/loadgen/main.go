// Command loadgen drives ginleak's load engine (package soak/load) at one
// URL, without checkpoints, and prints one parseable line:
//
//	loadgen model=closed conns=64 requests=N errors=E elapsed_s=S rps=R p50_ms=A p99_ms=B cpu_us_per_req=C
//
// cpu_us_per_req is the process's user+system CPU time (getrusage) during
// the measured run divided by the requests it completed. The pool of
// connections is opened first (Engine.Prime, not measured), as ginleak soak
// does. With -segments K the run is split into K Engine.Run calls (with
// -pause between them), as a soak splits its load between checkpoints;
// elapsed_s and rps then count the time spent in segments, not the pauses.
//
// Usage:
//
//	loadgen -url http://127.0.0.1:8080/ping -c 64 -d 10s          # closed model, max throughput
//	loadgen -url http://127.0.0.1:8080/ping -c 64 -n 200000
//	loadgen -url http://127.0.0.1:8080/ping -c 64 -rate 20000 -d 10s  # open model
//	loadgen -url http://127.0.0.1:8080/ping -c 64 -n 200000 -segments 13 -pause 100ms
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"github.com/ginleak/ginleak/soak/load"
)

func main() {
	url := flag.String("url", "", "target `URL` (GET)")
	n := flag.Int64("n", 0, "requests to send (0: bounded by -d)")
	d := flag.Duration("d", 0, "duration of the run (0: bounded by -n; neither: 10s)")
	c := flag.Int("c", 64, "connections (closed model: also the workers)")
	rate := flag.Float64("rate", 0, "open model at `R` requests per second (0: closed model, each connection sends back to back)")
	timeout := flag.Duration("timeout", 10*time.Second, "timeout of each request")
	segments := flag.Int("segments", 1, "split the run into `K` segments (Engine.Run calls) of equal size, as a soak does between checkpoints")
	pause := flag.Duration("pause", 0, "idle time between segments (no request in flight)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measured run to `FILE`")
	flag.Parse()
	if *url == "" || flag.NArg() > 0 || *n < 0 || *d < 0 || *c <= 0 || *segments <= 0 || (*n > 0 && int64(*segments) > *n) {
		fmt.Fprintln(os.Stderr, "usage: loadgen -url URL [-n N | -d D] [-c C] [-rate R] [-segments K [-pause D]] [-cpuprofile FILE]")
		os.Exit(2)
	}
	if *n == 0 && *d == 0 {
		*d = 10 * time.Second
	}
	cfg := load.Config{
		Targets:     []load.Target{{Method: "GET", URL: *url}},
		Connections: *c,
		Timeout:     *timeout,
	}
	model := "closed"
	if *rate > 0 {
		model = "open"
		cfg.Rate = *rate
	} else {
		cfg.Concurrency = *c
	}
	eng, err := load.New(cfg)
	if err != nil {
		fail(err)
	}
	defer eng.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := eng.Prime(ctx); err != nil {
		fail(fmt.Errorf("opening the connections: %w", err))
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer f.Close()
	}
	cpu0 := cpuTime()
	res, err := run(ctx, eng, *n, *d, *segments, *pause)
	cpu := cpuTime() - cpu0
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		fail(err)
	}
	perReq := 0.0
	if res.Requests > 0 {
		perReq = float64(cpu) / float64(time.Microsecond) / float64(res.Requests)
	}
	fmt.Printf("loadgen model=%s conns=%d requests=%d errors=%d elapsed_s=%.3f rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_req=%.2f\n",
		model, *c, res.Requests, res.Errors, res.Elapsed.Seconds(), res.RequestRate(), res.Latency.P50, res.Latency.P99, perReq)
	if res.Errors > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: %d errors: status %v, transport %v\n", res.Errors, res.StatusCodes, res.ErrorReasons)
		os.Exit(1)
	}
}

// run sends n requests (or for d) in k segments with pause between them and
// sums the segments; Elapsed counts the segments only, not the pauses.
func run(ctx context.Context, eng *load.Engine, n int64, d time.Duration, k int, pause time.Duration) (load.Result, error) {
	var sum load.Result
	for i := 0; i < k; i++ {
		if i > 0 && pause > 0 {
			time.Sleep(pause)
		}
		seg := load.Segment{Duration: d / time.Duration(k)}
		if n > 0 {
			seg.Requests = n/int64(k) + btoi(int64(i) < n%int64(k))
		}
		res, err := eng.Run(ctx, seg)
		if err != nil {
			return sum, err
		}
		if k == 1 {
			return res, nil
		}
		sum.Requests += res.Requests
		sum.Errors += res.Errors
		sum.Elapsed += res.Elapsed
		sum.StatusCodes = merge(sum.StatusCodes, res.StatusCodes)
		sum.ErrorReasons = merge(sum.ErrorReasons, res.ErrorReasons)
	}
	// Latency over all segments: the engine's cumulative histogram, which
	// also holds the priming requests (as many as connections).
	sum.Latency = eng.Total().Latency
	return sum, nil
}

func merge[K comparable](dst, src map[K]int64) map[K]int64 {
	if dst == nil {
		dst = map[K]int64{}
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}

func btoi(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(2)
}
