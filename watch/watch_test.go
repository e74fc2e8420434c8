package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ginleak/ginleak/soak/stats"
)

var testEnd = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fleet() []*fakeInstance {
	c := DefaultRequestsMetric
	return []*fakeInstance{
		{job: "api", inst: "leaky:80", rate: 20, heapPerReq: 200, noise: 2e6, counter: c},
		{job: "api", inst: "stable:80", rate: 20, noise: 2e6, counter: c},
		{job: "api", inst: "goroutines:80", rate: 20, gorPerReq: 0.05, noise: 2e6, counter: c},
		{job: "api", inst: "restart-late:80", rate: 20, heapPerReq: 200, noise: 2e6, counter: c, restartAt: 4 * 3600},
		{job: "api", inst: "restart-early:80", rate: 20, heapPerReq: 200, noise: 2e6, counter: c, restartAt: 3600},
		{job: "api", inst: "gap:80", rate: 20, heapPerReq: 200, noise: 2e6, counter: c, gapFrom: 2 * 3600, to: 3 * 3600},
		{job: "api", inst: "stale:80", rate: 20, noise: 2e6, counter: c, stopAt: 5 * 3600},
		{job: "web", inst: "fallbacks:80", rate: 20, heapPerReq: 200, noise: 2e6, counter: FallbackRequestsMetric, noLive: true},
		{job: "web", inst: "nocounter:80", rate: 20, noise: 2e6},
	}
}

func runFake(t *testing.T, p *fakeProm, opts ...Option) *Report {
	t.Helper()
	p.t0 = float64(testEnd.Add(-DefaultWindow).Unix())
	url := startFake(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Run(ctx, url, append([]Option{WithEnd(testEnd)}, opts...)...)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func find(t *testing.T, rep *Report, inst string) *Instance {
	t.Helper()
	for i := range rep.Instances {
		if rep.Instances[i].Instance == inst {
			return &rep.Instances[i]
		}
	}
	t.Fatalf("no instance %s in the report", inst)
	return nil
}

func TestRunVerdicts(t *testing.T) {
	p := &fakeProm{instances: fleet()}
	rep := runFake(t, p)
	tests := []struct {
		inst     string
		verdict  stats.Verdict
		signal   string  // the signal whose slope is checked
		slope    float64 // per request; 0: not checked
		segments int
		per      string
	}{
		{"leaky:80", stats.Leak, SignalHeap, 200, 1, "request"},
		{"stable:80", stats.Stable, "", 0, 1, "request"},
		{"goroutines:80", stats.Leak, SignalGoroutines, 0.05, 1, "request"},
		{"restart-late:80", stats.Leak, SignalHeap, 200, 2, "request"},
		{"restart-early:80", stats.Leak, SignalHeap, 200, 2, "request"},
		{"gap:80", stats.Leak, SignalHeap, 200, 1, "request"},
		{"stale:80", stats.Stable, "", 0, 1, "request"},
		{"fallbacks:80", stats.Leak, SignalHeap, 200, 1, "request"},
		{"nocounter:80", stats.Stable, "", 0, 1, "hour"},
	}
	for _, tt := range tests {
		t.Run(tt.inst, func(t *testing.T) {
			in := find(t, rep, tt.inst)
			if in.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s; signals %+v", in.Verdict, tt.verdict, in.Signals)
			}
			if in.Segments != tt.segments {
				t.Errorf("segments %d, want %d", in.Segments, tt.segments)
			}
			if in.Per != tt.per {
				t.Errorf("per %q, want %q", in.Per, tt.per)
			}
			if tt.slope != 0 {
				s := in.Signal(tt.signal)
				if rel := math.Abs(s.Slope-tt.slope) / tt.slope; rel > 0.10 {
					t.Errorf("%s slope %v, want %v within 10%%", tt.signal, s.Slope, tt.slope)
				}
			}
		})
	}
	if rep.Verdict != stats.Leak || rep.Leaking != 6 {
		t.Errorf("report verdict %s with %d leaking, want leak with 6", rep.Verdict, rep.Leaking)
	}
	// Leaking first.
	for i, in := range rep.Instances {
		if i < rep.Leaking && in.Verdict != stats.Leak {
			t.Errorf("instance %d (%s) is %s among the leaking ones", i, in.Instance, in.Verdict)
		}
	}
	late, early := find(t, rep, "restart-late:80"), find(t, rep, "restart-early:80")
	t0 := testEnd.Add(-DefaultWindow)
	if !late.Used.Start.Equal(t0) {
		t.Errorf("restart at 4h: used segment starts %v, want the first run from %v", late.Used.Start, t0)
	}
	if early.Used.Start.Before(t0.Add(time.Hour)) {
		t.Errorf("restart at 1h: used segment starts %v, want the second run, from %v", early.Used.Start, t0.Add(time.Hour))
	}
	if !strings.Contains(strings.Join(early.Notes, " "), "longest run") {
		t.Errorf("restart not explained: notes %q", early.Notes)
	}
	fb := find(t, rep, "fallbacks:80")
	if fb.HeapMetric != MetricHeapInuse || fb.RequestsMetric != FallbackRequestsMetric {
		t.Errorf("fallbacks: heap %s requests %s", fb.HeapMetric, fb.RequestsMetric)
	}
	if lk := find(t, rep, "leaky:80"); lk.HeapMetric != MetricHeapLive || lk.RequestsMetric != DefaultRequestsMetric {
		t.Errorf("leaky: heap %s requests %s", lk.HeapMetric, lk.RequestsMetric)
	}
	if st := find(t, rep, "stale:80"); !st.Stale {
		t.Errorf("stale instance not marked stale: last sample %v", st.LastSample)
	}
	if nc := find(t, rep, "nocounter:80"); !strings.Contains(strings.Join(nc.Notes, " "), "per hour") {
		t.Errorf("nocounter: notes %q do not say per hour", nc.Notes)
	}

	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if i, j := strings.Index(out, "api/leaky:80"), strings.Index(out, "api/stable:80"); i < 0 || j < 0 || i > j {
		t.Errorf("table does not list leaky before stable:\n%s", out)
	}
	for _, want := range []string{"LEAK", "STABLE", "HEAP GROWTH", "KiB/1k req", "longest run"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
}

// The queries are batched: their number does not grow with the instances.
func TestRunBatchesQueries(t *testing.T) {
	small := &fakeProm{instances: fleet()}
	runFake(t, small)
	var many []*fakeInstance
	for range 8 {
		many = append(many, fleet()...)
	}
	for i, f := range many {
		f.inst = f.inst + "-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	big := &fakeProm{instances: many}
	rep := runFake(t, big)
	if len(rep.Instances) != len(many) {
		t.Fatalf("%d instances analysed, want %d", len(rep.Instances), len(many))
	}
	if small.count() != big.count() || big.count() > 9 {
		t.Errorf("%d queries for %d instances, %d for %d; want the same, at most 9: %s",
			small.count(), len(fleet()), big.count(), len(many), big)
	}
}

func TestRunMemoryLimitProjection(t *testing.T) {
	p := &fakeProm{instances: fleet()[:2]}
	rep := runFake(t, p, WithMemoryLimit(1<<30))
	lk := find(t, rep, "leaky:80")
	// RSS now: 90 MB + 200 B × (1000 + 20/s × 6 h); growing 200 B × 20/s.
	rss := 90e6 + 200*(1000+20*6*3600.0)
	want := (1<<30 - rss) / (200 * 20)
	if lk.LimitSource != "--memory-limit" || math.Abs(lk.TimeToLimitSeconds-want)/want > 0.15 {
		t.Errorf("time to limit %v s (source %q), want about %v s", lk.TimeToLimitSeconds, lk.LimitSource, want)
	}
	if st := find(t, rep, "stable:80"); st.TimeToLimitSeconds != -1 {
		t.Errorf("stable instance projected to reach the limit in %v s", st.TimeToLimitSeconds)
	}
}

func TestRunRequestsMetricFlag(t *testing.T) {
	p := &fakeProm{instances: []*fakeInstance{
		{job: "api", inst: "a:80", rate: 20, heapPerReq: 200, noise: 2e6, counter: "my_requests_total"},
	}}
	rep := runFake(t, p, WithRequestsMetric("my_requests_total"), WithSelector(`{job="api"}`))
	in := find(t, rep, "a:80")
	if in.RequestsMetric != "my_requests_total" || in.Verdict != stats.Leak {
		t.Errorf("requests metric %q verdict %s", in.RequestsMetric, in.Verdict)
	}
	for _, q := range p.queries {
		if strings.Contains(q, FallbackRequestsMetric) {
			t.Errorf("queried the fallback %s although --requests-metric was given: %s", FallbackRequestsMetric, q)
		}
		if !strings.Contains(q, `job="api"`) && !strings.Contains(q, MetricContainerLimit) {
			t.Errorf("query without the selector: %s", q)
		}
	}
}

// A partial answer (a Thanos store down) is data, not an error, but the
// report must say so.
func TestRunWarnings(t *testing.T) {
	p := &fakeProm{instances: fleet()[:1], warning: "partial response: store 10.0.0.9:10901 unavailable"}
	rep := runFake(t, p)
	if len(rep.Warnings) == 0 || !strings.Contains(rep.Warnings[0], "store 10.0.0.9:10901 unavailable") {
		t.Fatalf("warnings %q", rep.Warnings)
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "warning: query") {
		t.Errorf("text report does not show the warning:\n%s", buf.String())
	}
}

func TestRunHeaders(t *testing.T) {
	p := &fakeProm{instances: fleet()[:1]}
	runFake(t, p, WithHeader("X-Scope-OrgID", "tenant-1"))
	for _, h := range p.headers {
		if h.Get("X-Scope-OrgID") != "tenant-1" {
			t.Fatalf("request without X-Scope-OrgID: %v", h)
		}
	}
}

func TestRunErrors(t *testing.T) {
	p := &fakeProm{instances: fleet()}
	p.t0 = float64(testEnd.Add(-DefaultWindow).Unix())
	url := startFake(t, p)
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	tests := []struct {
		name    string
		address string
		opts    []Option
		want    []string
		is      error
	}{
		{"unreachable", closed, nil, []string{"cannot reach Prometheus at " + closed, "refused"}, nil},
		{"not loopback", "http://192.0.2.1:9090", nil, []string{"not on this machine", "--allow-remote"}, nil},
		{"bad selector, server's message", url, []Option{WithSelector(`{job=~~"x"}`)},
			[]string{"rejected the query", "parse error: unexpected character inside braces"}, nil},
		{"no series", url, []Option{WithSelector(`{job="nope"}`)},
			[]string{"no series matched", `go_goroutines{job="nope"}`, `{job="nope"}`}, ErrNoSeries},
		{"injection", url, []Option{WithSelector(`{job="a"}) or vector(1) or (x{}`)}, []string{"one list of label matchers"}, nil},
		{"not braces", url, []Option{WithSelector(`job="a"`)}, []string{"label matchers in braces"}, nil},
		{"response too large", url, []Option{WithMaxResponseBytes(1000)}, []string{"response too large"}, nil},
		{"bad scheme", "ftp://127.0.0.1:9090", nil, []string{"want http://"}, nil},
		{"bad metric", url, []Option{WithRequestsMetric("a b")}, []string{"not a metric name"}, nil},
		{"too many points", url, []Option{WithWindow(90 * 24 * time.Hour), WithStep(time.Second)}, []string{"at most 11,000"}, nil},
		{"unknown floor", url, []Option{WithFloor("cpu", 1)}, []string{`unknown signal "cpu"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := Run(ctx, tt.address, append([]Option{WithEnd(testEnd)}, tt.opts...)...)
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestCheckSelector(t *testing.T) {
	tests := []struct {
		sel string
		ok  bool
	}{
		{"", true},
		{`{job="api"}`, true},
		{`{job="api",env=~"prod|canary"}`, true},
		{`{job="a}b"}`, true},   // a brace inside a string is data
		{`{job="a\"}"}`, true},  // an escaped quote does not end the string
		{"{job=`a}`}", true},    // raw strings
		{`{job="api"`, false},   // unterminated
		{`{job="api"}}`, false}, // a second closing brace
		{`{a="b"} or {c="d"}`, false},
		{`{job="unterminated}`, false},
		{`go_goroutines{job="api"}`, false}, // a metric name is not a selector
		{strings.Repeat("{", 5000), false},
	}
	for _, tt := range tests {
		if err := checkSelector(tt.sel); (err == nil) != tt.ok {
			t.Errorf("checkSelector(%q) = %v, want ok=%v", tt.sel, err, tt.ok)
		}
	}
}

func TestWriteJSONFile(t *testing.T) {
	p := &fakeProm{instances: fleet()[:2]}
	rep := runFake(t, p)
	dir := t.TempDir()
	path := filepath.Join(dir, "watch.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSONFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got Report
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if len(got.Instances) != 2 || got.Verdict != stats.Leak || len(got.Queries) == 0 {
		t.Errorf("decoded report: %d instances, verdict %s, %d queries", len(got.Instances), got.Verdict, len(got.Queries))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory has %d entries, want only the report (no temporary file left)", len(entries))
	}
	if err := rep.WriteJSONFile(filepath.Join(dir, "missing", "x.json")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}
