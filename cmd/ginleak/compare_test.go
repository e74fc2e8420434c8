package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/demo"
	"github.com/ginleak/ginleak/examples/leakyshop/shop"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

func writeReport(t *testing.T, dir, name string, edit func(*soak.Report)) string {
	t.Helper()
	r := &soak.Report{
		Verdict: stats.Stable, Requests: 5000, ThroughputRPS: 1000,
		Heap:       soak.HeapResult{Verdict: stats.Stable, BytesPerRequest: 1},
		Goroutines: soak.GoroutineResult{Verdict: stats.Stable},
		Latency:    soak.Latency{P50: 1, P90: 2, P99: 3, Max: 4},
		Model:      "closed", Concurrency: 4, Connections: 4,
		Targets: []string{"GET http://127.0.0.1:8080/api"},
		Samples: make([]soak.Sample, 10),
	}
	if edit != nil {
		edit(r)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	before := writeReport(t, dir, "before.json", func(r *soak.Report) { r.Verdict = stats.Leak })
	after := writeReport(t, dir, "after.json", func(r *soak.Report) { r.ThroughputRPS = 900; r.Latency.P99 = 6 })
	other := writeReport(t, dir, "other.json", func(r *soak.Report) { r.Targets = []string{"GET http://127.0.0.1:9090/x"} })
	notReport := filepath.Join(dir, "package.json")
	_ = os.WriteFile(notReport, []byte(`{"name":"x"}`), 0o644)

	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noStdout bool
	}{
		{"table", []string{before, after}, exitOK, []string{"throughput (req/s)", "-10.0%", "worse", "verdict", "leak", "stable", "better"}, nil, false},
		{"gate true", []string{"-fail-if", "throughput<95%", before, after}, exitFindings, []string{"✗ throughput<95%", "GATE FAILED", "90.0% of before"}, nil, false},
		{"gate false", []string{"-fail-if", "throughput<85%,verdict=leak", before, after}, exitOK, nil, nil, false},
		{"repeatable", []string{"-fail-if", "throughput<85%", "-fail-if", "p99>150%", before, after}, exitFindings, []string{"✗ p99>150%"}, nil, false},
		{"malformed", []string{"-fail-if", "tps<95%", before, after}, exitUsage, nil, []string{`unknown field "tps"`, "throughput, p50"}, true},
		{"not a report", []string{notReport, after}, exitUsage, nil, []string{"not a ginleak soak report", "package.json"}, true},
		{"missing file", []string{filepath.Join(dir, "nope.json"), after}, exitUsage, nil, []string{"nope.json"}, true},
		{"mismatch", []string{before, other}, exitUsage, nil, []string{"different", "--force"}, true},
		{"forced", []string{"-force", before, other}, exitOK, []string{"throughput"}, nil, false},
		{"one arg", []string{before}, exitUsage, nil, []string{"want BEFORE.json AFTER.json"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"compare"}, tt.args...), &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out.String(), errb.String())
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
			if tt.noStdout && out.Len() > 0 {
				t.Errorf("an error printed a table:\n%s", out.String())
			}
		})
	}
}

func TestCompareBaselineCommand(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "baseline")
	first := writeReport(t, dir, "r1.json", nil)
	faster := writeReport(t, dir, "r2.json", func(r *soak.Report) { r.ThroughputRPS = 1100 })
	slower := writeReport(t, dir, "r3.json", func(r *soak.Report) { r.ThroughputRPS = 1000 }) // 91% of the best
	leak := writeReport(t, dir, "r4.json", func(r *soak.Report) { r.ThroughputRPS = 2000; r.Verdict = stats.Leak })

	steps := []struct {
		report string
		code   int
		want   string
	}{
		{first, exitOK, "no baseline yet"},
		{faster, exitOK, "passed: kept"},
		{slower, exitFindings, "refused"},
		{leak, exitFindings, "✗ verdict=leak"},
		{faster, exitOK, "passed: kept"},
	}
	for i, s := range steps {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"compare", "-baseline", base, s.report}, &out, &errb)
		if code != s.code || !strings.Contains(out.String(), s.want) {
			t.Fatalf("step %d (%s): exit %d (want %d), stdout lacks %q?\n%s\n%s", i, filepath.Base(s.report), code, s.code, s.want, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"compare", "-baseline", base, first, faster}, &out, &errb); code != exitUsage {
		t.Errorf("-baseline with two reports: exit %d, want 2", code)
	}
}

func TestCompareDemoReports(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, fixedHeap float64) string {
		leaky := &soak.Report{Verdict: stats.Leak, Requests: 5000, ThroughputRPS: 900, Model: "closed", Concurrency: 16, Connections: 16,
			Heap: soak.HeapResult{Verdict: stats.Leak, BytesPerRequest: 1200}, Goroutines: soak.GoroutineResult{Verdict: stats.Stable},
			Targets: []string{"GET http://127.0.0.1:1/leaky/x"}, Samples: make([]soak.Sample, 10)}
		fixed := *leaky
		fixed.Verdict, fixed.Targets = stats.Stable, []string{"GET http://127.0.0.1:1/fixed/x"}
		fixed.Heap = soak.HeapResult{Verdict: stats.Stable, BytesPerRequest: fixedHeap}
		res := &demo.Result{Cases: 1, Rows: []demo.Row{{Case: shop.Case{Name: "globalcache", Title: "map cache"}, Leaky: leaky, Fixed: &fixed}}}
		p := filepath.Join(dir, name)
		if err := res.WriteReport(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, two := mk("d1.json", 2), mk("d2.json", 100)
	soakFile := writeReport(t, dir, "soak.json", nil)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{one}, exitOK, "== globalcache: map cache — leaky route before, fixed route after"},
		{[]string{"-fail-if", "verdict=leak", one}, exitOK, "verdict"},
		{[]string{"-fail-if", "heap_per_request>64B", two}, exitFindings, "✗ heap_per_request>64B"},
		{[]string{one, two}, exitOK, "fixed route, first run before, second after"},
		{[]string{"-fail-if", "heap_per_request>110%", one, two}, exitFindings, "GATE FAILED"},
		{[]string{one, soakFile}, exitUsage, ""},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"compare"}, tt.args...), &out, &errb)
		if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.want) {
			t.Errorf("%v: exit %d (want %d), output lacks %q:\n%s%s", tt.args, code, tt.code, tt.want, out.String(), errb.String())
		}
	}
}
