package soak

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/soak/stats"
)

func TestParseHeapAlloc(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr string
	}{
		{"memstats tail", "heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1\n\n# runtime.MemStats\n# Alloc = 999\n# TotalAlloc = 5\n# HeapAlloc = 123456\n# HeapSys = 1\n", 123456, ""},
		{"no memstats", "heap profile: 0: 0 [0: 0] @ heap/1048576\n", 0, "no \"# HeapAlloc"},
		{"bad number", "# HeapAlloc = lots\n", 0, `http://t/heap reports HeapAlloc of "lots", which cannot be true`},
		{"negative", "# HeapAlloc = -8388608\n", 0, `HeapAlloc of "-8388608", which cannot be true`},
		{"past int64", "# HeapAlloc = 9223372036854775808\n", 0, `HeapAlloc of "9223372036854775808"`},
		{"html", "<html>not found</html>", 0, "not a debug=1 heap profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHeapAlloc("http://t/heap", strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("= %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestParseGoroutineTotal(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr string
	}{
		{"goroutine profile: total 42\n7 @ 0x1 0x2\n", 42, ""},
		{"goroutine profile: total 3", 3, ""},
		{"", 0, "empty"},
		{"404 page not found\n", 0, "not a debug=1 goroutine profile"},
		{"goroutine profile: total x\n", 0, `http://t/g reports a goroutine total of "x", which cannot be true`},
		{"goroutine profile: total -3\n", 0, `a goroutine total of "-3"`},
		{"goroutine profile: total 0\n", 0, `a goroutine total of "0"`},
	}
	for _, tt := range tests {
		got, err := parseGoroutineTotal("http://t/g", strings.NewReader(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseMetrics(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		heap      int64
		gor       int
		wantErrIn string
	}{
		{"client_golang", "# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines 17\n" +
			"go_memstats_heap_alloc_bytes 1.234567e+06\ngo_memstats_heap_inuse_bytes 2e+06\n", 1234567, 17, ""},
		{"inuse only, labels", "go_goroutines{instance=\"a\"} 5\ngo_memstats_heap_inuse_bytes{x=\"y z\"} 4096 1700000000\n", 4096, 5, ""},
		{"missing", "go_goroutines 5\n", 0, 0, "no go_goroutines and go_memstats_heap_alloc_bytes"},
		{"bad value", "go_goroutines many\n", 0, 0, "bad value"},
		{"live heap first", "go_goroutines 5\ngo_memstats_heap_alloc_bytes 9e6\ngo_gc_heap_live_bytes 4e6\n", 4000000, 5, ""},
		// Values that cannot be true are target errors naming the endpoint
		// and the value.
		{"negative heap", "go_goroutines 5\ngo_memstats_heap_alloc_bytes -9.223372036854776e+18\n", 0, 0,
			"http://t/metrics reports go_memstats_heap_alloc_bytes of -9.223372036854776e+18, which cannot be true"},
		{"NaN", "go_goroutines NaN\ngo_memstats_heap_alloc_bytes 1\n", 0, 0, "go_goroutines of NaN"},
		{"+Inf", "go_goroutines 5\ngo_memstats_heap_alloc_bytes +Inf\n", 0, 0, "go_memstats_heap_alloc_bytes of +Inf"},
		{"overflow", "go_goroutines 5\ngo_memstats_heap_alloc_bytes 1e400\n", 0, 0, "go_memstats_heap_alloc_bytes of +Inf"},
		{"past int64", "go_goroutines 5\ngo_memstats_heap_alloc_bytes 9.3e18\n", 0, 0, "of 9.3e+18"},
		{"negative goroutines", "go_goroutines -4\ngo_memstats_heap_alloc_bytes 1\n", 0, 0, "go_goroutines of -4"},
		{"fraction of a goroutine", "go_goroutines 2.5\ngo_memstats_heap_alloc_bytes 1\n", 0, 0, "go_goroutines of 2.5"},
		{"no goroutine", "go_goroutines 0\ngo_memstats_heap_alloc_bytes 1\n", 0, 0, "go_goroutines of 0"},
		{"negative gc count", "go_goroutines 3\ngo_memstats_heap_alloc_bytes 1\ngo_gc_duration_seconds_count -1\n", 0, 0, "go_gc_duration_seconds_count of -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := parseMetrics("http://t/metrics", strings.NewReader(tt.in))
			heap, gor := rd.heap, rd.goroutines
			if tt.wantErrIn != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrIn) {
					t.Fatalf("err = %v, want %q", err, tt.wantErrIn)
				}
				return
			}
			if err != nil || heap != tt.heap || gor != tt.gor {
				t.Fatalf("= %d, %d, %v; want %d, %d", heap, gor, err, tt.heap, tt.gor)
			}
		})
	}
}

func sampleReport() *Report {
	return &Report{
		Verdict: stats.Leak, Reason: "the live heap grows 4,096 B/request",
		Warnings: []string{}, Requests: 20000, Errors: 12, ErrorRate: 0.0006, BehindSchedule: 3,
		StatusCodes:  map[int]int64{200: 19990, 500: 2},
		ErrorReasons: map[string]int64{"timeout": 10},
		Heap: HeapResult{Verdict: stats.Leak, BytesPerRequest: 4096, BytesPerRequestLow: 4000,
			BytesPerRequestHigh: 4200, StartBytes: 10 << 20, EndBytes: 90 << 20, PValue: 1e-5, Floor: 32},
		Goroutines: GoroutineResult{Verdict: stats.Stable, Start: 20, End: 20, PValue: 0.5, Floor: 0.01},
		HeapSites: []HeapSite{{Function: "main.leaky.func1", File: "/src/main.go", Line: 42, Bytes: 80 << 20, Objects: 20000,
			Alloc: &Frame{Function: "encoding/json.Unmarshal", File: "/go/json.go", Line: 1}}},
		GoroutineSites: []GoroutineSite{{Function: "main.wait", File: "/src/main.go", Line: 50, Count: 7, Total: 7,
			State: "chan send", CreatedBy: &Frame{Function: "main.handler", File: "/src/main.go", Line: 48}}},
		MemProfileRate: 524288, SamplingAdvice: "restart the target with GODEBUG=memprofilerate=4096",
		Latency:       Latency{P50: 0.4, P90: 0.9, P99: 2.5, Max: 12},
		ThroughputRPS: 498.7, LoadSeconds: 40.1, ElapsedSeconds: 41.5,
		Model: "open", Rate: 500, Connections: 64, Source: "pprof",
		Targets: []string{"GET http://127.0.0.1:8080/leaky/cache?id={{seq}}"},
		Samples: []Sample{{Requests: 2000, ElapsedSeconds: 4.1, HeapBytes: 10 << 20, Goroutines: 20},
			{Requests: 20000, ElapsedSeconds: 41.5, HeapBytes: 90 << 20, Goroutines: 20}},
	}
}

// The JSON schema documented in docs/soak-json.md: these names must not
// change.
func TestReportJSONSchema(t *testing.T) {
	b, err := json.Marshal(sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"verdict", "requests", "errors", "heap", "goroutines", "heap_sites",
		"goroutine_sites", "latency_ms", "throughput_rps", "samples"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing top-level key %q", k)
		}
	}
	sub := func(key string, want ...string) {
		t.Helper()
		var obj map[string]any
		switch v := m[key].(type) {
		case map[string]any:
			obj = v
		case []any:
			obj = v[0].(map[string]any)
		}
		for _, k := range want {
			if _, ok := obj[k]; !ok {
				t.Errorf("%s: missing key %q (have %v)", key, k, keys(obj))
			}
		}
	}
	sub("heap", "verdict", "bytes_per_request", "start_bytes", "end_bytes")
	sub("goroutines", "verdict", "per_request", "start", "end")
	sub("heap_sites", "function", "file", "line", "bytes")
	sub("goroutine_sites", "function", "file", "line", "count", "created_by")
	sub("latency_ms", "p50", "p90", "p99", "max")
	sub("samples", "requests", "elapsed_s", "heap_bytes", "goroutines")
	if m["verdict"] != "leak" {
		t.Errorf("verdict = %v", m["verdict"])
	}

	// An empty report still marshals lists as [], not null.
	empty, err := json.Marshal(&Report{HeapSites: []HeapSite{}, GoroutineSites: []GoroutineSite{}, Samples: []Sample{}, Warnings: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"heap_sites":[]`, `"goroutine_sites":[]`, `"samples":[]`} {
		if !bytes.Contains(empty, []byte(k)) {
			t.Errorf("empty report lacks %s: %s", k, empty)
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "LEAK: the live heap grows 4,096 B/request\n") {
		t.Errorf("the verdict must come first:\n%s", out)
	}
	for _, want := range []string{
		"+4,096.0 B/request", "10.0 MiB -> 90.0 MiB",
		"+0.00 per 1,000 requests", "20 -> 20",
		"p50 0.40 ms  p90 0.90 ms  p99 2.50 ms  max 12.0 ms",
		"499 req/s", "open model at 500 req/s, 64 connections",
		"errors      12 (0.1%)  500: 2, timeout: 10",
		"behind      3 sends",
		"80.0 MiB", "20,000 objects  main.leaky.func1", "/src/main.go:42",
		"allocated in encoding/json.Unmarshal",
		"Advice: restart the target with GODEBUG=memprofilerate=4096",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	// The goroutine signal is stable: its sites are not shown.
	if strings.Contains(out, "main.wait") {
		t.Errorf("stable signal's sites shown:\n%s", out)
	}
}

func TestOverall(t *testing.T) {
	tr := func(v stats.Verdict) stats.Trend {
		return stats.Trend{Verdict: v, Slope: 1, Reason: string(v) + " because"}
	}
	tests := []struct {
		heap, gor stats.Verdict
		want      stats.Verdict
	}{
		{stats.Leak, stats.Stable, stats.Leak},
		{stats.Stable, stats.Leak, stats.Leak},
		{stats.Inconclusive, stats.Leak, stats.Leak},
		{stats.Leak, stats.Leak, stats.Leak},
		{stats.Inconclusive, stats.Stable, stats.Inconclusive},
		{stats.Stable, stats.Inconclusive, stats.Inconclusive},
		{stats.Stable, stats.Stable, stats.Stable},
	}
	for _, tt := range tests {
		got, reason := overall(tr(tt.heap), tr(tt.gor), 32, 0.01)
		if got != tt.want || reason == "" {
			t.Errorf("overall(%s, %s) = %s %q, want %s", tt.heap, tt.gor, got, reason, tt.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{groupInt(0), "0"}, {groupInt(999), "999"}, {groupInt(1000), "1,000"}, {groupInt(-1234567), "-1,234,567"},
		{signed(4096, 1), "+4,096.0"}, {signed(-0.0001, 2), "+0.00"}, {signed(-12.5, 1), "-12.5"}, {signed(math.NaN(), 1), "?"},
		{formatBytes(512), "512 B"}, {formatBytes(1536), "1.5 KiB"}, {formatBytes(-3 << 20), "-3.0 MiB"},
		{num(4096.4), "4,096"}, {num(12.34), "12.3"}, {num(32), "32"}, {num(0.01234), "0.0123"},
		{formatMs(0.391), "0.39 ms"}, {formatMs(38.94), "38.9 ms"}, {formatMs(250), "250 ms"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if finite(math.Inf(1)) != 0 || finite(math.NaN()) != 0 || finite(2) != 2 {
		t.Error("finite")
	}
}

// A run interrupted before two checkpoints measured nothing: the report
// says so instead of printing zeros as if they were measured.
func TestWriteTextNoCheckpoint(t *testing.T) {
	for _, n := range []int{0, 1} {
		rep := &Report{
			Verdict: stats.Inconclusive, Reason: "stopped early after 0 checkpoints: too few to call it stable",
			Interrupted: true, Model: "open", Rate: 500, Source: "pprof", Samples: make([]Sample, n),
			Heap: HeapResult{Verdict: stats.Inconclusive}, Goroutines: GoroutineResult{Verdict: stats.Inconclusive},
		}
		var b bytes.Buffer
		if err := rep.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"  heap        n/a (no checkpoint)\n", "  goroutines  n/a (no checkpoint)\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("%d samples: missing %q in\n%s", n, want, out)
			}
		}
		for _, bad := range []string{"0 B -> 0 B", "0 -> 0", "B/request", "per 1,000 requests"} {
			if strings.Contains(out, bad) {
				t.Errorf("%d samples: %q printed as if measured:\n%s", n, bad, out)
			}
		}
	}
}
