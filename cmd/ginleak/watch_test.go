package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ginleak/ginleak/soak/proc"
	"github.com/ginleak/ginleak/soak/stats"
	"github.com/ginleak/ginleak/watch"
)

func TestWatchUsageErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, exitOK, ""},
		{"bad flag", []string{"--nope"}, exitUsage, "flag provided but not defined"},
		{"extra args", []string{"api"}, exitUsage, "unexpected arguments"},
		{"bad size", []string{"--memory-limit", "lots"}, exitUsage, "not a size"},
		{"bad header", []string{"--header", "no-colon"}, exitUsage, "NAME: VALUE"},
		{"bad selector", []string{"--prometheus", closed, "--selector", `job="api"`}, exitUsage, "label matchers in braces"},
		{"unreachable", []string{"--prometheus", closed}, exitUsage, "cannot reach Prometheus"},
		{"remote refused", []string{"--prometheus", "http://192.0.2.1:9090"}, exitUsage, "--allow-remote"},
		{"bad end", []string{"--end", "yesterday"}, exitUsage, "neither an RFC 3339 time"},
		{"short window", []string{"--prometheus", closed, "--window", "10s"}, exitUsage, "window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code := runWatch(ctx, tt.args, &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"512MiB", 512 << 20, true},
		{"2GiB", 2 << 30, true},
		{"1e9", 1e9, true},
		{"1.5 GB", 1.5e9, true},
		{"100B", 100, true},
		{"0", 0, false},
		{"-1GiB", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"9e30", 0, false},
		{"GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseSize(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseEnd(t *testing.T) {
	want := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, in := range []string{"2026-03-01T12:00:00Z", "2026-03-01T13:00:00+01:00", strconv.FormatInt(want.Unix(), 10)} {
		got, err := parseEnd(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseEnd(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "now", "-5", "1e20"} {
		if _, err := parseEnd(in); err == nil {
			t.Errorf("parseEnd(%q) succeeded", in)
		}
	}
}

func TestWatchExit(t *testing.T) {
	for v, want := range map[stats.Verdict]int{stats.Leak: exitFindings, stats.Stable: exitOK, stats.Inconclusive: exitInconclusive} {
		if got := watchExit(v); got != want {
			t.Errorf("watchExit(%s) = %d, want %d", v, got, want)
		}
	}
}

// TestWatchRealPrometheus runs a real Prometheus server (Debian's package,
// which .ci/run installs) scraping three leakyshop instances every second:
// one loaded on a route that leaks a goroutine per request, one on its
// fixed twin, one on the leaky route and restarted halfway. watch must call
// the first leak, the second stable, and judge the third on its longest
// run.
func TestWatchRealPrometheus(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no prometheus binary in PATH; .ci/run installs Debian's package prometheus")
		}
		t.Skip("no prometheus binary in PATH (apt-get install prometheus; see deploy/check.sh); skipping the real-Prometheus test")
	}
	if testing.Short() {
		t.Skip("-short: skipping the 40 s real-Prometheus test")
	}
	dir := t.TempDir()
	shopBin := filepath.Join(dir, "leakyshop")
	build := exec.Command("go", "build", "-o", shopBin, "github.com/ginleak/ginleak/examples/leakyshop")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build leakyshop: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ports := freePorts(t, 4)
	addr := func(i int) string { return fmt.Sprintf("127.0.0.1:%d", ports[i]) }
	// GOGC=10 makes go_memstats_heap_inuse_bytes (leakyshop has no
	// go_gc_heap_live_bytes) follow the live heap closely: many small
	// collections instead of a slow saw-tooth that a 30 s run could
	// mistake for a trend.
	env := append(os.Environ(), "GOGC=10")
	startShop := func(i int, name string) *proc.Process {
		p, err := proc.Start(ctx, "exec "+shopBin+" -addr "+addr(i)+" -memprofilerate 0",
			proc.WithReady("http://"+addr(i)+"/healthz"), proc.WithReadyTimeout(30*time.Second),
			proc.WithStopTimeout(5*time.Second), proc.WithEnv(env),
			proc.WithLogFile(filepath.Join(dir, name+".log")))
		if err != nil {
			t.Fatalf("start leakyshop %s: %v", name, err)
		}
		t.Cleanup(func() { p.Stop() })
		return p
	}
	startShop(0, "leaky")
	startShop(1, "fixed")
	restarted := startShop(2, "restarted")

	// Warm every instance up before Prometheus sees it: a new process's
	// heap grows to its working size in the first requests.
	leaky := "/leaky/shipping/quote?zip=10115&weight_g=1200"
	fixed := "/fixed/shipping/quote?zip=10115&weight_g=1200"
	var wg sync.WaitGroup
	for i, path := range []string{fixed, fixed, fixed} {
		wg.Go(func() { loadLoop(ctx, 300, 3*time.Second, "http://"+addr(i)+path) })
	}
	wg.Wait()

	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: shop
    static_configs:
      - targets: [%q, %q, %q]
`, addr(0), addr(1), addr(2))
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	promURL := "http://" + addr(3)
	prom, err := proc.Start(ctx, "exec "+promBin+" --config.file="+cfgPath+" --storage.tsdb.path="+filepath.Join(dir, "tsdb")+
		" --web.listen-address="+addr(3)+" --log.level=warn",
		proc.WithReady(promURL+"/-/ready"), proc.WithReadyTimeout(30*time.Second),
		proc.WithStopTimeout(5*time.Second), proc.WithLogFile(filepath.Join(dir, "prometheus.log")))
	if err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() { prom.Stop() })
	begin := time.Now()

	// The load: about 30 s on the leaky and the fixed instance; the third
	// gets 10 s, a restart, then the rest, so its second run is longer.
	const total, first = 30 * time.Second, 10 * time.Second
	// Only leakyshop's /fixed routes are behind guard.Monitor, whose
	// counter is x: the leaky instances get a fixed request after each leaky
	// one, so the counter counts half their traffic, in proportion, as a
	// counter of some routes does in production.
	wg.Go(func() { loadLoop(ctx, 6000, total, "http://"+addr(0)+leaky, "http://"+addr(0)+fixed) })
	wg.Go(func() { loadLoop(ctx, 6000, total, "http://"+addr(1)+fixed) })
	loadLoop(ctx, 2000, first, "http://"+addr(2)+leaky, "http://"+addr(2)+fixed)
	if err := restarted.Stop(); err != nil {
		t.Logf("stopping the restarted instance: %v", err)
	}
	startShop(2, "restarted-2")
	restartedAt := time.Now()
	loadLoop(ctx, 6000, total-time.Since(begin), "http://"+addr(2)+leaky, "http://"+addr(2)+fixed)
	wg.Wait()
	time.Sleep(2500 * time.Millisecond) // the last scrapes

	jsonPath := filepath.Join(dir, "watch.json")
	var out, errb bytes.Buffer
	code := runWatch(ctx, []string{"--prometheus", promURL, "--selector", `{job="shop"}`,
		"--window", "1m", "--step", "1s", "--json", jsonPath, "--html", filepath.Join(dir, "watch.html")}, &out, &errb)
	t.Logf("ginleak watch:\n%s%s", out.String(), errb.String())
	if code != exitFindings {
		t.Errorf("exit %d, want %d (a leak)", code, exitFindings)
	}
	if page, err := os.ReadFile(filepath.Join(dir, "watch.html")); err != nil || !strings.Contains(string(page), "LEAK") {
		t.Errorf("--html: %v", err)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep watch.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("--json: %v", err)
	}
	byAddr := map[string]watch.Instance{}
	for _, in := range rep.Instances {
		byAddr[in.Instance] = in
	}
	if len(byAddr) != 3 {
		t.Fatalf("%d instances in the report, want 3", len(byAddr))
	}
	lk, fx, rs := byAddr[addr(0)], byAddr[addr(1)], byAddr[addr(2)]
	if lk.Verdict != stats.Leak || lk.Signal(watch.SignalGoroutines).Verdict != stats.Leak {
		t.Errorf("leaky instance: %s, goroutines %+v", lk.Verdict, lk.Signal(watch.SignalGoroutines))
	}
	// One goroutine per leaky request, one leaky request per counted one.
	if g := lk.Signal(watch.SignalGoroutines); g.Slope < 0.7 || g.Slope > 1.2 {
		t.Errorf("leaky instance: %.3f goroutines per request, want about 1", g.Slope)
	}
	if fx.Verdict != stats.Stable {
		t.Errorf("fixed instance: %s, want stable; signals %+v", fx.Verdict, fx.Signals)
	}
	if rs.Segments != 2 {
		t.Errorf("restarted instance: %d segments, want 2", rs.Segments)
	}
	if rs.Used.Start.Before(restartedAt.Add(-2 * time.Second)) {
		t.Errorf("restarted instance: verdict on the run from %v, want the longer run after the restart at %v", rs.Used.Start, restartedAt)
	}
	if rs.Verdict != stats.Leak {
		t.Errorf("restarted instance: %s, want leak (its longer run leaks); signals %+v", rs.Verdict, rs.Signals)
	}
	// guard.Monitor exports the live heap after GC, which watch prefers.
	if lk.RequestsMetric != watch.DefaultRequestsMetric || lk.HeapMetric != watch.MetricHeapLive {
		t.Errorf("metrics used: requests %q heap %q", lk.RequestsMetric, lk.HeapMetric)
	}
	if !strings.Contains(out.String(), "restart in the window") {
		t.Errorf("the table does not explain the restart")
	}
}

// loadLoop sends GET to the urls in turn, one request after another, at
// most n requests, for at most d, and at most every 4 ms; errors (a
// restarting target) are tolerated.
func loadLoop(ctx context.Context, n int, d time.Duration, urls ...string) {
	ctx, cancel := context.WithTimeout(ctx, max(d, 0))
	defer cancel()
	c := &http.Client{Timeout: 2 * time.Second}
	defer c.CloseIdleConnections()
	tick := time.NewTicker(4 * time.Millisecond)
	defer tick.Stop()
	for i := range n {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, urls[i%len(urls)], nil)
		resp, err := c.Do(req)
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
	}
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}
