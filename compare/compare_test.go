package compare_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/compare"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

// report returns a plausible report of one target; edit sets what a case
// varies.
func report(edit func(*soak.Report)) *soak.Report {
	r := &soak.Report{
		Verdict:       stats.Stable,
		Requests:      10000,
		Errors:        10,
		ErrorRate:     0.001,
		Heap:          soak.HeapResult{Verdict: stats.Stable, BytesPerRequest: 2},
		Goroutines:    soak.GoroutineResult{Verdict: stats.Stable, PerRequest: 0},
		Latency:       soak.Latency{P50: 1, P90: 2, P99: 4, Max: 9},
		ThroughputRPS: 1000,
		Model:         "closed",
		Concurrency:   4,
		Connections:   4,
		Targets:       []string{"GET http://127.0.0.1:8080/api"},
		Samples:       make([]soak.Sample, 10),
	}
	if edit != nil {
		edit(r)
	}
	return r
}

func encode(t *testing.T, r *soak.Report) []byte {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func row(t *testing.T, tab *compare.Table, field string) compare.Row {
	t.Helper()
	for _, r := range tab.Rows {
		if r.Field == field {
			return r
		}
	}
	t.Fatalf("no row %q", field)
	return compare.Row{}
}

func TestTableRows(t *testing.T) {
	before := report(func(r *soak.Report) {
		r.Verdict = stats.Leak
		r.Heap = soak.HeapResult{Verdict: stats.Leak, BytesPerRequest: 1200}
		r.Latency.P99 = 10
	})
	after := report(func(r *soak.Report) { r.ThroughputRPS = 1100; r.Latency.P99 = 5 })
	tab, err := compare.New(before, after)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field   string
		change  float64
		outcome string
	}{
		{"throughput", 10, "better"},
		{"p99", -50, "better"},
		{"p50", 0, "same"},
		{"heap_per_request", -100 * 1198.0 / 1200, "better"},
	}
	for _, tt := range tests {
		r := row(t, tab, tt.field)
		pct, ok := r.Change()
		if !ok || pct < tt.change-0.01 || pct > tt.change+0.01 {
			t.Errorf("%s: change %v (ok %v), want %v", tt.field, pct, ok, tt.change)
		}
		if got := r.Outcome(); got != tt.outcome {
			t.Errorf("%s: outcome %q, want %q", tt.field, got, tt.outcome)
		}
	}
	if got := tab.VerdictOutcome(); got != "better" {
		t.Errorf("verdict outcome %q, want better", got)
	}
	// Worse in the direction that matters: throughput down, latency up.
	worse, err := compare.New(after, before)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"throughput", "p99", "heap_per_request"} {
		if got := row(t, worse, f).Outcome(); got != "worse" {
			t.Errorf("%s reversed: outcome %q, want worse", f, got)
		}
	}
	var out bytes.Buffer
	if err := tab.WriteText(&out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"throughput (req/s)", "1,000", "1,100", "+10.0%", "better ↑", "latency p99 (ms)", "-50.0%", "better ↓", "verdict", "leak", "stable"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
}

func TestProcessRows(t *testing.T) {
	withProc := func(rss int64, fds float64) func(*soak.Report) {
		return func(r *soak.Report) {
			r.Process = &soak.ProcessReport{Supported: true, PeakRSSBytes: rss, CPUSeconds: 3, CPUUtilisation: 0.8,
				FDs: soak.FDResult{Verdict: stats.Stable, PerRequest: fds}}
		}
	}
	tab, err := compare.New(report(withProc(200<<20, 0.01)), report(withProc(100<<20, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if r := row(t, tab, "peak_rss"); !r.HasBefore || r.Outcome() != "better" {
		t.Errorf("peak_rss row %+v", r)
	}
	if r := row(t, tab, "fds_per_1k"); r.Before != 10 || r.After != 0 {
		t.Errorf("fds row %+v", r)
	}
	g, _ := compare.ParseConditions("peak_rss>150MiB")
	if fails, err := compare.Gate(g).Check(tab); err != nil || len(fails) != 0 {
		t.Errorf("peak_rss>150MiB on 100 MiB: %v, %v", fails, err)
	}
	// Without soak --run the rows are missing, not zero.
	plain, _ := compare.New(report(nil), report(nil))
	if r := row(t, plain, "cpu"); r.HasBefore || r.HasAfter {
		t.Errorf("cpu row without a process: %+v", r)
	}
}

func TestMissingIsNotZero(t *testing.T) {
	// A run with no checkpoint has no slopes: its rows say missing.
	before := report(func(r *soak.Report) {
		r.Samples = nil
		r.Heap = soak.HeapResult{}
		r.Goroutines = soak.GoroutineResult{}
	})
	tab, err := compare.New(before, report(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := row(t, tab, "heap_per_request")
	if r.HasBefore || !r.HasAfter {
		t.Fatalf("heap row has before %v after %v, want false true", r.HasBefore, r.HasAfter)
	}
	if _, ok := r.Change(); ok || r.Outcome() != "" {
		t.Errorf("a missing value got a change or an outcome")
	}
	var out bytes.Buffer
	_ = tab.WriteText(&out, nil)
	if !strings.Contains(out.String(), "missing") {
		t.Errorf("text does not say missing:\n%s", out.String())
	}
	// A gate on a missing value is an error, never a pass.
	g, _ := compare.ParseConditions("heap_per_request>64B")
	swapped, _ := compare.New(report(nil), before)
	if _, err := compare.Gate(g).Check(swapped); err == nil {
		t.Error("a condition on a value the after report lacks passed")
	}
}

func TestNewRefusesDifferentRuns(t *testing.T) {
	base := report(nil)
	for name, edit := range map[string]func(*soak.Report){
		"target":      func(r *soak.Report) { r.Targets = []string{"GET http://127.0.0.1:8080/other"} },
		"model":       func(r *soak.Report) { r.Model = "open"; r.Rate = 500; r.Concurrency = 0 },
		"concurrency": func(r *soak.Report) { r.Concurrency = 8 },
	} {
		other := report(edit)
		if _, err := compare.New(base, other); err == nil || !strings.Contains(err.Error(), "--force") {
			t.Errorf("%s: err %v, want a refusal that names --force", name, err)
		}
		if _, err := compare.New(base, other, compare.Force()); err != nil {
			t.Errorf("%s with Force: %v", name, err)
		}
	}
	// Target order does not matter.
	two := report(func(r *soak.Report) {
		r.Targets = []string{"GET http://127.0.0.1:8080/a", "GET http://127.0.0.1:8080/b"}
	})
	owt := report(func(r *soak.Report) {
		r.Targets = []string{"GET http://127.0.0.1:8080/b", "GET http://127.0.0.1:8080/a"}
	})
	if _, err := compare.New(two, owt); err != nil {
		t.Errorf("same targets in another order: %v", err)
	}
}

func TestGate(t *testing.T) {
	before := report(nil)
	after := report(func(r *soak.Report) {
		r.ThroughputRPS = 940          // 94% of before
		r.Latency.P99 = 4.5            // 112.5%
		r.ErrorRate = 0.02             // 2%
		r.Heap.BytesPerRequest = 100   // absolute
		r.Goroutines.PerRequest = 1e-3 // 1 per 1,000
		r.Verdict = stats.Leak
	})
	tab, err := compare.New(before, after)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cond string
		fail bool
	}{
		{"throughput<95%", true},
		{"throughput<90%", false},
		{"throughput<900", false},
		{"throughput<=940", true},
		{"p99>110%", true},
		{"p99>120%", false},
		{"p99>4ms", true},
		{"p99>1s", false},
		{"p50>100%", false},
		{"max>=100%", true},
		{"error_rate>1%", true},
		{"error_rate>5%", false},
		{"heap_per_request>64B", true},
		{"heap_per_request>1KiB", false},
		{"heap_per_request>0.1kb", false},
		{"goroutines_per_1k>0.5", true},
		{"goroutines_per_1k>2", false},
		{"verdict=leak", true},
		{"verdict=stable", false},
		{"verdict!=stable", true},
		{"verdict!=leak", false},
	}
	for _, tt := range tests {
		g, err := compare.ParseConditions(tt.cond)
		if err != nil {
			t.Errorf("%s: %v", tt.cond, err)
			continue
		}
		fails, err := compare.Gate(g).Check(tab)
		if err != nil {
			t.Errorf("%s: %v", tt.cond, err)
			continue
		}
		if got := len(fails) > 0; got != tt.fail {
			t.Errorf("%s: failed=%v, want %v", tt.cond, got, tt.fail)
		}
	}
	// Several at once: the failing rows are marked in the text.
	g, err := compare.ParseConditions(compare.DefaultBaselineGate + ",p99>200%")
	if err != nil {
		t.Fatal(err)
	}
	fails, err := compare.Gate(g).Check(tab)
	if err != nil || len(fails) != 2 {
		t.Fatalf("default gate: %d failures, err %v; want 2", len(fails), err)
	}
	var out bytes.Buffer
	_ = tab.WriteText(&out, fails)
	for _, want := range []string{"✗ throughput<95%", "✗ verdict=leak", "GATE FAILED", "94.0% of before"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseConditionsRejects(t *testing.T) {
	for _, in := range []string{
		"", ",", "throughput", "throughput<", "tps<95%", "throughput=95%", "verdict<leak",
		"verdict=broken", "p99>-5ms", "p99>NaN", "p99>Inf", "heap_per_request>5parsecs", "p99>5B",
		"throughput<95%,", "error_rate>1e999",
	} {
		if _, err := compare.ParseConditions(in); err == nil {
			t.Errorf("ParseConditions(%q) accepted it", in)
		} else if in == "tps<95%" && !strings.Contains(err.Error(), "throughput") {
			t.Errorf("unknown field error does not list the fields: %v", err)
		}
	}
}

func TestDecode(t *testing.T) {
	good := encode(t, report(nil))
	if _, err := compare.Decode(bytes.NewReader(good)); err != nil {
		t.Fatalf("a good report: %v", err)
	}
	newer := bytes.Replace(good, []byte(`{`), []byte(`{"schema":99,`), 1)
	if _, err := compare.Decode(bytes.NewReader(newer)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer schema: %v", err)
	}
	badVerdict := bytes.Replace(good, []byte(`"verdict":"stable"`), []byte(`"verdict":"fine"`), 1)
	for name, in := range map[string][]byte{
		"empty":          nil,
		"binary":         {0x1f, 0x8b, 0, 0, 0xff},
		"array":          []byte(`[1,2,3]`),
		"other JSON":     []byte(`{"name":"package.json"}`),
		"bad verdict":    badVerdict,
		"negative rate":  bytes.Replace(good, []byte(`"throughput_rps":1000`), []byte(`"throughput_rps":-1`), 1),
		"wrong type":     bytes.Replace(good, []byte(`"requests":10000`), []byte(`"requests":"many"`), 1),
		"truncated":      good[:len(good)/2],
		"errors>request": bytes.Replace(good, []byte(`"errors":10`), []byte(`"errors":20000`), 1),
	} {
		_, err := compare.Decode(bytes.NewReader(in))
		if !errors.Is(err, compare.ErrNotReport) {
			t.Errorf("%s: err %v, want ErrNotReport", name, err)
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("%s: error is %d bytes; it must not echo the input", name, len(err.Error()))
		}
	}
	huge := bytes.Repeat([]byte(" "), compare.MaxReportBytes+10)
	if _, err := compare.Decode(bytes.NewReader(huge)); !errors.Is(err, compare.ErrNotReport) {
		t.Errorf("huge input: %v", err)
	}
	if _, err := compare.Load(filepath.Join(t.TempDir(), "nope.json")); err == nil || !os.IsNotExist(errors.Unwrap(err)) {
		t.Errorf("missing file: %v", err)
	}
}
