package htmlreport_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/compare"
	"github.com/ginleak/ginleak/htmlreport"
	"github.com/ginleak/ginleak/internal/browsertest"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/profdiff"
	"github.com/ginleak/ginleak/soak/stats"
	"github.com/ginleak/ginleak/watch"
)

// leakyReport is a report with a steady heap leak, 12 checkpoints and
// names that need escaping.
func leakyReport() *soak.Report {
	r := &soak.Report{
		Verdict:       stats.Leak,
		Reason:        "the live heap grows 1,280 B/request <script>alert(1)</script>",
		Requests:      6000,
		ThroughputRPS: 2500,
		Latency:       soak.Latency{P50: 0.4, P90: 1.2, P99: 3.5, Max: 9},
		Heap:          soak.HeapResult{Verdict: stats.Leak, BytesPerRequest: 1280, BytesPerRequestLow: 1200, BytesPerRequestHigh: 1350},
		Goroutines:    soak.GoroutineResult{Verdict: stats.Stable},
		HeapSites:     []soak.HeapSite{{Function: "main.(*Shop).leakyProductView", File: "/src/shop/case2.go", Line: 53, Bytes: 4 << 20, Objects: 3644}},
		GoroutineSites: []soak.GoroutineSite{{Function: "main.sender<&>", File: "/src/shop/case3.go", Line: 40, Count: 900, Total: 910, State: "chan send",
			CreatedBy: &soak.Frame{Function: "main.quote", File: "/src/shop/case3.go", Line: 30}}},
		Model: "closed", Concurrency: 8, Connections: 8, Source: "pprof",
		Targets: []string{"GET http://127.0.0.1:8080/leaky/products/p-1001?session={{uuid}}"},
	}
	for i := range 12 {
		n := int64(600 + i*450)
		r.Samples = append(r.Samples, soak.Sample{Requests: n, HeapBytes: 2<<20 + n*1280 + int64(i%3)*4096, Goroutines: 30 + i%2})
	}
	return r
}

func stableReport() *soak.Report {
	r := leakyReport()
	r.Verdict, r.Reason = stats.Stable, "neither signal grows"
	r.Heap = soak.HeapResult{Verdict: stats.Stable, BytesPerRequest: 0.3}
	r.HeapSites, r.GoroutineSites = nil, nil
	for i := range r.Samples {
		r.Samples[i].HeapBytes = 2<<20 + int64(i%2)*1024
	}
	return r
}

var externalRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:|//)|@import|url\(`)

func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	if strings.Contains(page, "<script") {
		t.Error("the page has a <script> element")
	}
	if m := externalRef.FindString(page); m != "" {
		t.Errorf("the page loads something from outside: %q", m)
	}
}

func TestSoakPage(t *testing.T) {
	var b bytes.Buffer
	if err := htmlreport.Soak(&b, leakyReport()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	checkSelfContained(t, page)
	for _, want := range []string{
		"LEAK", "1,280 B/request", "main.(*Shop).leakyProductView", "/src/shop/case2.go:53",
		"main.sender&lt;&amp;&gt;", "chan send", "live heap (MiB)", "requests completed", "warm-up",
		"&lt;script&gt;alert(1)&lt;/script&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 2 {
		t.Errorf("%d charts, want 2 (heap, goroutines)", n)
	}
	if !strings.Contains(page, "stroke-dasharray") || !strings.Contains(page, "<polygon") {
		t.Error("no fit line or confidence band")
	}
}

func TestSoakPageWithProcessAndCauses(t *testing.T) {
	r := leakyReport()
	r.HeapSites[0].Cause = &soak.Cause{ID: "http-body-not-closed", Cause: "bodies never closed", Fix: "defer resp.Body.Close()", Doc: "docs/known-leaks.md#http-body-not-closed"}
	r.Process = &soak.ProcessReport{Supported: true, PeakRSSBytes: 90 << 20, CPUUtilisation: 0.7, CPUSeconds: 2,
		FDs: soak.FDResult{Verdict: stats.Leak, PerRequest: 1}}
	for i := range r.Samples {
		r.Samples[i].Latency = &soak.SampleLatency{P50: 0.4, P99: 2 + float64(i)/10}
		r.Samples[i].FDs = 20 + i*450
		r.Samples[i].RSSBytes = int64(40<<20 + i<<20)
	}
	r.Aborted = 123
	var b bytes.Buffer
	if err := htmlreport.Soak(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	checkSelfContained(t, page)
	if n := strings.Count(page, "<svg"); n != 5 {
		t.Errorf("%d charts, want 5 (heap, goroutines, latency, fds, RSS)", n)
	}
	for _, want := range []string{"bodies never closed", "defer resp.Body.Close()", "open fds leak", "90.0 MiB / 0.70 cores", "aborted on purpose", "latency (ms)", "RSS (MiB)"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestHostileValuesMakeValidCharts(t *testing.T) {
	// Non-finite and degenerate data must not produce NaN in a path or a
	// divide by zero in the scale.
	c := htmlreport.Chart{Title: "t", XLabel: "x", YLabel: "y", Series: []htmlreport.Series{
		{Name: "nan", Color: "#000", X: []float64{0, 1, 2, math.NaN()}, Y: []float64{math.Inf(1), 5, 5, 1}},
		{Name: "one", Color: "#111", X: []float64{3}, Y: []float64{5}, Points: true},
		{Name: "short", Color: "#222", X: []float64{1, 2, 3}, Y: []float64{1}},
	}}
	svg := string(c.SVG())
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(svg, bad) {
			t.Errorf("svg contains %s:\n%s", bad, svg)
		}
	}
	empty := string(htmlreport.Chart{Title: "empty"}.SVG())
	if strings.Contains(empty, "NaN") || !strings.HasSuffix(empty, "</svg>") {
		t.Errorf("empty chart: %s", empty)
	}
	// A report with no checkpoint renders without charts.
	r := leakyReport()
	r.Samples = nil
	var b bytes.Buffer
	if err := htmlreport.Soak(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<svg") {
		t.Error("a report without samples has charts")
	}
}

func TestComparePage(t *testing.T) {
	tab, err := compare.New(leakyReport(), stableReport())
	if err != nil {
		t.Fatal(err)
	}
	g, _ := compare.ParseConditions("verdict=leak,heap_per_request>64B")
	fails, _ := compare.Gate(g).Check(tab)
	var b bytes.Buffer
	if err := htmlreport.Compare(&b, tab, fails, true); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	checkSelfContained(t, page)
	for _, want := range []string{"GATE PASSED", "heap per request (B)", "better", "before live heap", "after live heap", "leak", "stable"} {
		if !strings.Contains(page, want) {
			t.Errorf("compare page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 2 {
		t.Errorf("%d charts, want 2", n)
	}
	// The regression fails the gate.
	back, _ := compare.New(stableReport(), leakyReport())
	fails, _ = compare.Gate(g).Check(back)
	b.Reset()
	_ = htmlreport.Compare(&b, back, fails, true)
	if !strings.Contains(b.String(), "GATE FAILED") || !strings.Contains(b.String(), "verdict=leak") {
		t.Error("a failed gate is not shown as failed")
	}
}

func TestWriteFileKeepsOldPageOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.html")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := htmlreport.WriteFile(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "<html>half a page")
		return errors.New("render failed")
	})
	if err == nil {
		t.Fatal("a failed render reported success")
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("a failed render changed the file to %q", data)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestBrowserRendersSoakAndCompare(t *testing.T) {
	dir := t.TempDir()
	soakPage := filepath.Join(dir, "soak.html")
	if err := htmlreport.WriteFile(soakPage, func(w io.Writer) error { return htmlreport.Soak(w, leakyReport()) }); err != nil {
		t.Fatal(err)
	}
	browsertest.Check(t, soakPage, browsertest.Want{
		Texts:  []string{"LEAK", "main.(*Shop).leakyProductView", "main.sender<&>"},
		Charts: 2, MaxBytes: 200 << 10, Colors: []string{"#1f5fbf"},
	})
}

func TestWatchPage(t *testing.T) {
	rep := &watch.Report{Prometheus: "http://127.0.0.1:9090", Selector: `{job="api"}`, Step: "30s",
		Verdict: stats.Leak, Leaking: 1, Stable: 1, Queries: []string{"sum by (job, instance) (go_goroutines{job=\"api\"})"},
		Instances: []watch.Instance{
			{Job: "api", Instance: "10.0.0.1:8080", Verdict: stats.Leak, Per: "request", TimeToLimitSeconds: 7200,
				GoroutineSites: []profdiff.GoroutineSite{{Function: "main.worker", File: "/src/w.go", Line: 9, Count: 300, State: "chan send"}},
				Notes:          []string{"1 restart in the window"}, Signals: []watch.Signal{
					{Name: watch.SignalHeap, Verdict: stats.Leak, Slope: 2.5},
					{Name: watch.SignalGoroutines, Verdict: stats.Stable}}},
			{Job: "api", Instance: "10.0.0.2:8080", Verdict: stats.Stable, Per: "request", TimeToLimitSeconds: -1,
				Signals: []watch.Signal{{Name: watch.SignalHeap, Verdict: stats.Stable, Slope: 0.01}}},
		}}
	var b bytes.Buffer
	if err := htmlreport.Watch(&b, rep); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	checkSelfContained(t, page)
	for _, want := range []string{"LEAK", "1 leaking", "api/10.0.0.1:8080", "leak: 2.4 KiB/1k req", "2h0m0s", "1 restart in the window", "go_goroutines", "Growing sites of api/10.0.0.1:8080", "main.worker", "/src/w.go:9"} {
		if !strings.Contains(page, want) {
			t.Errorf("watch page lacks %q", want)
		}
	}
}
