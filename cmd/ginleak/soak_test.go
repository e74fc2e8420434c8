package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	rpprof "runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// pprofServer serves a trivial route and pprof on a private mux.
func pprofServer(t *testing.T, routes ...func(*http.ServeMux)) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	for _, add := range routes {
		add(mux)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestSoakUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no target", []string{"soak"}, "no target"},
		{"bad warmup", []string{"soak", "-warmup", "soon", "http://127.0.0.1:1/"}, `-warmup "soon"`},
		{"bad target", []string{"soak", "GET"}, "target"},
		{"remote refused", []string{"soak", "-requests", "1000", "http://192.0.2.1:8080/"}, "--allow-remote"},
		{"unreachable", []string{"soak", "-requests", "1000", "http://127.0.0.1:1/"}, "127.0.0.1:1"},
		{"bad flag", []string{"soak", "-nosuch"}, "flag provided but not defined"},
		{"rate and concurrency", []string{"soak", "-rate", "50", "-concurrency", "4", "http://127.0.0.1:1/"}, "not both"},
		{"zero rate", []string{"soak", "-rate", "0", "http://127.0.0.1:1/"}, "-rate 0: give a positive"},
		{"negative rate", []string{"soak", "-rate", "-5", "http://127.0.0.1:1/"}, "-rate -5: give a positive"},
		{"NaN heap floor", []string{"soak", "-heap-floor", "NaN", "http://127.0.0.1:1/"}, "-heap-floor NaN: give a positive, finite number"},
		{"Inf goroutine floor", []string{"soak", "-goroutine-floor", "Inf", "http://127.0.0.1:1/"}, "-goroutine-floor +Inf"},
		{"negative floor", []string{"soak", "-heap-floor", "-1", "http://127.0.0.1:1/"}, "-heap-floor -1"},
		{"zero concurrency", []string{"soak", "-concurrency", "0", "http://127.0.0.1:1/"}, "-concurrency 0: give a positive number of workers for the closed model, or leave the flag out for the open model"},
		{"negative timeout", []string{"soak", "-timeout", "-1s", "http://127.0.0.1:1/"}, "-timeout -1s: give a positive duration"},
		{"zero duration", []string{"soak", "-duration", "0s", "http://127.0.0.1:1/"}, "-duration 0s: give a positive duration"},
		{"negative settle", []string{"soak", "-settle", "-1s", "http://127.0.0.1:1/"}, "-settle -1s"},
		{"checkpoints too dense", []string{"soak", "-checkpoints", "100000", "-duration", "5s", "http://127.0.0.1:1/"}, "100000 checkpoints: at most 1000"},
		{"checkpoints too close", []string{"soak", "-checkpoints", "100", "-duration", "5s", "http://127.0.0.1:1/"}, "leave 45ms between checkpoints: each needs at least 200ms of load (use at most 22 checkpoints"},
		{"rate too slow for requests", []string{"soak", "-rate", "1e-9", "-requests", "3000", "http://127.0.0.1:1/"}, "3,000 requests at 1e-09 req/s would take"},
		{"rate too slow for duration", []string{"soak", "-rate", "10", "-requests", "3000", "-duration", "5s", "http://127.0.0.1:1/"}, "at 10 req/s, 5s sends at most 50 requests, fewer than the 3,000 asked for"},
		{"too few requests", []string{"soak", "-requests", "15", "http://127.0.0.1:1/"}, "13 requests after warm-up are too few for a verdict: it needs at least 500"},
		{"too short", []string{"soak", "-duration", "1ms", "http://127.0.0.1:1/"}, "between checkpoints: each needs at least 200ms"},
		{"binary targets file", []string{"soak", "-targets", os.Args[0]}, "binary data, not text"},
		{"bad json path", []string{"soak", "-json", "/nonexistent/dir/r.json", "http://127.0.0.1:1/"}, "create JSON report"},
		{"missing targets file", []string{"soak", "-targets", "/nonexistent/targets.txt"}, "open targets file"},
		{"abort above 100%", []string{"soak", "-abort", "120%", "http://127.0.0.1:1/"}, `-abort "120%": want a percentage from 0% to 100%`},
		{"abort not a number", []string{"soak", "-abort", "lots", "http://127.0.0.1:1/"}, `-abort "lots"`},
		{"abort-after alone", []string{"soak", "-abort-after", "5ms", "http://127.0.0.1:1/"}, "-abort-after and -abort-seed go with -abort P%"},
		{"zero abort-after", []string{"soak", "-abort", "30%", "-abort-after", "0s", "http://127.0.0.1:1/"}, "-abort-after 0s: give a positive duration"},
		{"too many slow clients", []string{"soak", "-slow-clients", "10001", "http://127.0.0.1:1/"}, "-slow-clients 10001: give 1 to 10000"},
		{"slow-timeout alone", []string{"soak", "-slow-timeout", "5s", "http://127.0.0.1:1/"}, "-slow-timeout goes with -slow-clients N"},
		{"ready without run", []string{"soak", "-ready", "http://127.0.0.1:1/", "http://127.0.0.1:1/"}, "go with -run CMD"},
		{"run exits at once", []string{"soak", "-run", "echo started; echo failing >&2; exit 7", "http://127.0.0.1:1/"}, "exit status 7"},
		{"run exits: its log shown", []string{"soak", "-run", "echo started; echo failing >&2; exit 7", "http://127.0.0.1:1/"}, "\n  | failing\n"},
		{"run never ready", []string{"soak", "-run", "sleep 30", "-ready-timeout", "500ms", "http://127.0.0.1:1/"}, "500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			start := time.Now()
			code := run(context.Background(), tt.args, &out, &errb)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %s", code, exitUsage, errb.String())
			}
			if !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, errb.String())
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v: usage errors must fail fast", d)
			}
			if n := len(errb.String()); n > 2000 {
				t.Errorf("stderr is %d bytes: errors are summarised", n)
			}
		})
	}
}

func TestSoakNoPprof(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	t.Cleanup(srv.Close)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"soak", "-requests", "1000", srv.URL + "/"}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "net/http/pprof") {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and how to mount pprof", code, errb.String())
	}
}

// --net-http sends with Go's client, and the report says so.
func TestSoakNetHTTPFlag(t *testing.T) {
	srv := pprofServer(t)
	jsonPath := filepath.Join(t.TempDir(), "report.json")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"soak", "-net-http", "-quiet", "-concurrency", "4", "-requests", "1200", "-warmup", "200", "-json", jsonPath, srv.URL + "/ok"}, &out, &errb)
	if code != exitOK && code != exitInconclusive {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(data, &rep); err != nil || rep["client"] != "net/http" {
		t.Errorf("client = %v (%v), want net/http", rep["client"], err)
	}
}

func TestSoakStableWithJSON(t *testing.T) {
	srv := pprofServer(t)
	jsonPath := filepath.Join(t.TempDir(), "report.json")
	var out, errb bytes.Buffer
	// Flags after the target must work too.
	code := run(context.Background(), []string{"soak", srv.URL + "/ok", "-quiet", "-concurrency", "4", "-requests", "1200", "-warmup", "200", "-checkpoints", "10", "-json", jsonPath}, &out, &errb)
	if code != exitOK && code != exitInconclusive {
		t.Fatalf("exit %d on a route that allocates nothing per request\n%s\n%s", code, out.String(), errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("-quiet printed progress: %q", errb.String())
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	for _, key := range []string{"verdict", "requests", "errors", "heap", "goroutines", "heap_sites", "goroutine_sites", "latency_ms", "throughput_rps", "samples"} {
		if _, ok := rep[key]; !ok {
			t.Errorf("JSON report lacks %q", key)
		}
	}
	if n, _ := rep["requests"].(float64); n < 1200 {
		t.Errorf("requests = %v, want 1200", rep["requests"])
	}
	if samples, _ := rep["samples"].([]any); len(samples) < 11 {
		t.Errorf("%d samples, want the baseline and 10 checkpoints", len(samples))
	}
	if rep["client"] != "lean" {
		t.Errorf("client = %v, want lean for a plain http target", rep["client"])
	}
	if !strings.Contains(out.String(), "latency") {
		t.Errorf("text report missing:\n%s", out.String())
	}
}

// A run that fails, for a bad flag or an unreachable target, leaves an
// existing JSON report as it was; a run that succeeds replaces it whole,
// and no temporary file is left behind.
func TestSoakJSONNeverTruncated(t *testing.T) {
	srv := pprofServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	const old = `{"verdict": "stable", "previous": true}`
	if err := os.WriteFile(path, []byte(old), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"soak", "-json", path, "-heap-floor", "NaN", srv.URL + "/ok"},
		{"soak", "-json", path, "-goroutine-floor", "Inf", srv.URL + "/ok"},
		{"soak", "-json", path, "-requests", "1000", "http://" + closedAddr(t) + "/"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != exitUsage {
			t.Errorf("%q: exit %d, want 2; stderr %s", args, code, errb.String())
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != old {
			t.Fatalf("%q: report is now %q (%v), want it untouched", args, b, err)
		}
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"soak", "-json", path, "-quiet", "-concurrency", "2", "-requests", "800", "-checkpoints", "10", srv.URL + "/ok"}, &out, &errb)
	if code == exitUsage {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(path)
	var rep map[string]any
	if err != nil || json.Unmarshal(b, &rep) != nil || rep["previous"] != nil || rep["verdict"] == nil {
		t.Errorf("report after a run: %.200s (%v)", b, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("report mode %v (%v), want the existing 0640 kept", fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the report's folder, want only the report", len(entries))
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

// rssChildEnv, when set, makes TestSoakRSSChild run ginleak with the
// arguments it holds (separated by \x1f) and exit with its code: the parent
// test measures that process.
const rssChildEnv = "GINLEAK_SOAK_RSS_CHILD"

func TestSoakRSSChild(t *testing.T) {
	args := os.Getenv(rssChildEnv)
	if args == "" {
		t.Skip("run by TestSoakPeakRSSHostileTarget")
	}
	os.Exit(run(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
}

// maxPeakRSS is the most memory ginleak soak may use, whatever the target
// sends.
const maxPeakRSS = 600 << 20

// The soak's memory stays bounded whatever the target sends: a gzip bomb
// as heap profile (1.4 MB took the tool to 3.4 GB before), 300 MB of
// garbage, a goroutine dump of one endless line, gzip-encoded bombs. The
// tool runs as a child process (this test binary, re-executed) so its peak
// RSS can be read from the kernel when it exits.
func TestSoakPeakRSSHostileTarget(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS of a child is read from Linux's /proc")
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				t.Skip("the race detector multiplies memory use: peak RSS is measured without -race")
			}
		}
	}
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 16<<20))
	zw.Close()
	bomb := bytes.Repeat(member.Bytes(), 100) // 1.6 MB that expands to 1.6 GiB
	var realHeap bytes.Buffer
	if err := rpprof.Lookup("heap").WriteTo(&realHeap, 0); err != nil {
		t.Fatal(err)
	}
	// endless writes up to n bytes of b repeated, until the client leaves.
	endless := func(w io.Writer, b []byte, n int) {
		for sent := 0; sent < n; sent += len(b) {
			if _, err := w.Write(b); err != nil {
				return
			}
		}
	}
	bigHeap := deepHeapProfile(t, 24000, 200)
	mb := bytes.Repeat([]byte("a"), 1<<20)
	newlines := bytes.Repeat([]byte("\n"), 1<<20)
	type behaviour struct{ heap, dump, metrics http.HandlerFunc }
	realHeapH := func(w http.ResponseWriter, r *http.Request) { w.Write(realHeap.Bytes()) }
	goodDump := func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\n")
	}
	gzipBomb := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	}
	tests := []struct {
		name     string
		b        behaviour
		wantExit int
		want     string
	}{
		{"heap gzip bomb", behaviour{heap: func(w http.ResponseWriter, r *http.Request) { w.Write(bomb) }, dump: goodDump},
			-1, "the decompressed heap profile is larger than 64 MiB"},
		{"heap garbage", behaviour{heap: func(w http.ResponseWriter, r *http.Request) { endless(w, newlines, 300<<20) }, dump: goodDump},
			-1, "the heap profile as sent is larger than 64 MiB"},
		{"endless dump line", behaviour{heap: realHeapH, dump: func(w http.ResponseWriter, r *http.Request) { endless(w, mb, 300<<20) }},
			-1, "a line is longer than 1 MiB"},
		{"dump gzip bomb", behaviour{heap: realHeapH, dump: gzipBomb}, -1, "a line is longer than 1 MiB"},
		{"metrics gzip bomb", behaviour{metrics: gzipBomb}, exitUsage, "metrics at"},
		{"metrics endless", behaviour{metrics: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "go_goroutines 3\ngo_gc_heap_live_bytes 1e6\n")
			endless(w, newlines, 300<<20)
		}}, exitUsage, "metrics at"},
		// A valid profile just under the decoding bound: the most memory
		// a profile may legitimately take.
		{"heap at the decoding bound", behaviour{heap: func(w http.ResponseWriter, r *http.Request) { w.Write(bigHeap) }, dump: goodDump},
			-1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
			mux.HandleFunc("/debug/pprof/goroutine", func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("debug") == "2" {
					tt.b.dump(w, r)
					return
				}
				fmt.Fprint(w, "goroutine profile: total 5\n")
			})
			mux.HandleFunc("/debug/pprof/heap", func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("debug") == "1" {
					fmt.Fprint(w, "heap profile: 0: 0 [0: 0] @ heap/1\n\n# HeapAlloc = 1000000\n")
					return
				}
				tt.b.heap(w, r)
			})
			if tt.b.metrics != nil {
				mux.HandleFunc("/metrics", tt.b.metrics)
			}
			srv := httptest.NewServer(mux)
			defer srv.Close()
			args := []string{"soak", "-quiet", "-concurrency", "2", "-requests", "700", "-checkpoints", "10", "-timeout", "20s"}
			if tt.b.metrics != nil {
				args = append(args, "-metrics", srv.URL+"/metrics", "-pprof", srv.URL+"/nopprof")
			}
			args = append(args, srv.URL+"/x")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSoakRSSChild$")
			cmd.Env = append(os.Environ(), rssChildEnv+"="+strings.Join(args, "\x1f"))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The child's rusage peak includes this process's own peak RSS
			// (Linux records the old memory's high-water mark at exec), so
			// read the child's own high-water mark, VmHWM, while it runs:
			// it only grows, and the last read misses at most 20 ms.
			hwm := make(chan int64)
			go func() { hwm <- pollHWM(cmd.Process.Pid) }()
			err := cmd.Wait()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatalf("run the child: %v", err)
			}
			code := cmd.ProcessState.ExitCode()
			rss := <-hwm
			upper := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
			t.Logf("exit %d, peak RSS %d MiB (rusage, with this process's peak: %d MiB)", code, rss>>20, upper>>20)
			if rss == 0 {
				t.Fatal("could not read the child's VmHWM")
			}
			if rss > maxPeakRSS {
				t.Errorf("peak RSS %d MiB, want under %d MiB", rss>>20, maxPeakRSS>>20)
			}
			if tt.wantExit >= 0 && code != tt.wantExit || tt.wantExit < 0 && (code == exitUsage || code < 0) {
				t.Errorf("exit %d, want %d (-1: a verdict)\n%s", code, tt.wantExit, out.String())
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out.String())
			}
		})
	}
}

// deepHeapProfile is a valid heap profile of n samples d frames deep,
// gzip-compressed.
func deepHeapProfile(t *testing.T, n, d int) []byte {
	t.Helper()
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"}, Period: 4096,
	}
	for i := range d {
		fn := &profile.Function{ID: uint64(i + 1), Name: fmt.Sprintf("main.f%d", i), Filename: "/a.go"}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, &profile.Location{ID: uint64(i + 1), Line: []profile.Line{{Function: fn, Line: int64(i)}}})
	}
	for i := range n {
		p.Sample = append(p.Sample, &profile.Sample{Location: p.Location[i%2:], Value: []int64{1, 4096}})
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pollHWM reads VmHWM (peak RSS) of process pid every 20 ms until the
// process is gone, and returns the last value read, in bytes.
func pollHWM(pid int) int64 {
	var last int64
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return last
		}
		var kb int64
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			}
		}
		if kb == 0 { // a zombie: exited, not yet reaped
			return last
		}
		last = kb << 10
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSoakFaultAndHTML: a handler that calls its dependency through the
// fault proxy soak starts with --fault; the report says what the proxy did,
// and --html writes the page.
func TestSoakFaultAndHTML(t *testing.T) {
	dep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(dep.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for the proxy
	if err != nil {
		t.Fatal(err)
	}
	proxyAddr := ln.Addr().String()
	ln.Close()
	client := &http.Client{Timeout: 5 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	srv := pprofServer(t, func(mux *http.ServeMux) {
		mux.HandleFunc("/dep", func(w http.ResponseWriter, r *http.Request) {
			resp, err := client.Get("http://" + proxyAddr + "/")
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	})
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"soak", "-quiet", "-concurrency", "4", "-requests", "1200", "-warmup", "200",
		"-fault", proxyAddr + "=" + dep.Listener.Addr().String() + ",latency=1ms,seed=3", "-json", jsonPath, "-html", htmlPath, srv.URL + "/dep"}, &out, &errb)
	if code == exitUsage {
		t.Fatalf("exit 2:\n%s\n%s", out.String(), errb.String())
	}
	var rep struct {
		Faults []struct {
			Listen string `json:"listen"`
			Seed   uint64 `json:"seed"`
			Stats  struct {
				Connections, Delayed int64
			} `json:"stats"`
		} `json:"faults"`
		Errors int64 `json:"errors"`
	}
	data, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Faults) != 1 || rep.Faults[0].Listen != proxyAddr || rep.Faults[0].Seed != 3 ||
		rep.Faults[0].Stats.Connections == 0 || rep.Faults[0].Stats.Delayed < 1000 {
		t.Errorf("faults %+v: want the proxy at %s with seed 3, its connections and delayed chunks", rep.Faults, proxyAddr)
	}
	if rep.Errors > 0 {
		t.Errorf("%d errors through the proxy", rep.Errors)
	}
	if !strings.Contains(out.String(), "fault       "+proxyAddr) {
		t.Errorf("text report lacks the fault line:\n%s", out.String())
	}
	page, err := os.ReadFile(htmlPath)
	if err != nil || !strings.Contains(string(page), "<svg") {
		t.Errorf("HTML page: %v, %d bytes", err, len(page))
	}
	// A folder that does not exist fails before the soak.
	errb.Reset()
	if code := run(context.Background(), []string{"soak", "-html", "/nonexistent/dir/r.html", srv.URL + "/dep"}, &out, &errb); code != exitUsage ||
		!strings.Contains(errb.String(), "folder does not exist") {
		t.Errorf("bad -html path: exit %d, %s", code, errb.String())
	}
}
