package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

// Better says which direction of change is an improvement.
type Better int

// The directions a metric can improve in.
const (
	Lower  Better = iota // latency, errors, growth
	Higher               // throughput
)

// Metric is one row of the table: how to read it from a report and which way
// is better.
type Metric struct {
	// Field is the name used in gate conditions, e.g. "p99".
	Field string
	// Label is what the table shows, e.g. "latency p99".
	Label string
	// Unit is the unit of Value's result: "req/s", "ms", "%", "B", "".
	Unit   string
	Better Better
	// Value reads the metric; ok is false when the report does not carry
	// it (it is then shown as missing, never as zero).
	Value func(*soak.Report) (v float64, ok bool)
}

// Metrics are the numeric rows, in table order. The verdict row follows them.
var Metrics = []Metric{
	{"throughput", "throughput", "req/s", Higher, always(func(r *soak.Report) float64 { return r.ThroughputRPS })},
	{"p50", "latency p50", "ms", Lower, always(func(r *soak.Report) float64 { return r.Latency.P50 })},
	{"p90", "latency p90", "ms", Lower, always(func(r *soak.Report) float64 { return r.Latency.P90 })},
	{"p99", "latency p99", "ms", Lower, always(func(r *soak.Report) float64 { return r.Latency.P99 })},
	{"max", "latency max", "ms", Lower, always(func(r *soak.Report) float64 { return r.Latency.Max })},
	{"error_rate", "error rate", "%", Lower, always(func(r *soak.Report) float64 { return 100 * r.ErrorRate })},
	{"heap_per_request", "heap per request", "B", Lower, measured(func(r *soak.Report) (stats.Verdict, float64) {
		return r.Heap.Verdict, r.Heap.BytesPerRequest
	})},
	{"goroutines_per_1k", "goroutines per 1,000 requests", "", Lower, measured(func(r *soak.Report) (stats.Verdict, float64) {
		return r.Goroutines.Verdict, 1000 * r.Goroutines.PerRequest
	})},
	// The target process's figures exist only for soak --run on Linux.
	{"fds_per_1k", "open fds per 1,000 requests", "", Lower, process(func(p *soak.ProcessReport) (float64, bool) {
		return 1000 * p.FDs.PerRequest, p.FDs.Verdict != ""
	})},
	{"peak_rss", "peak RSS", "B", Lower, process(func(p *soak.ProcessReport) (float64, bool) {
		return float64(p.PeakRSSBytes), p.PeakRSSBytes > 0
	})},
	{"cpu", "CPU utilisation (cores)", "", Lower, process(func(p *soak.ProcessReport) (float64, bool) {
		return p.CPUUtilisation, p.CPUSeconds > 0
	})},
}

// process reads a figure of the process soak --run started.
func process(f func(*soak.ProcessReport) (float64, bool)) func(*soak.Report) (float64, bool) {
	return func(r *soak.Report) (float64, bool) {
		if r.Process == nil || !r.Process.Supported {
			return 0, false
		}
		return f(r.Process)
	}
}

func always(f func(*soak.Report) float64) func(*soak.Report) (float64, bool) {
	return func(r *soak.Report) (float64, bool) { return f(r), true }
}

// measured reads a signal's slope, which exists only when the signal got a
// verdict (a run with no checkpoint has none).
func measured(f func(*soak.Report) (stats.Verdict, float64)) func(*soak.Report) (float64, bool) {
	return func(r *soak.Report) (float64, bool) {
		v, x := f(r)
		return x, v != "" && len(r.Samples) >= 2
	}
}

// LookupMetric finds a metric by its field name.
func LookupMetric(field string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Field == field {
			return m, true
		}
	}
	return Metric{}, false
}

// Row is one metric of both reports.
type Row struct {
	Metric
	Before, After       float64
	HasBefore, HasAfter bool
}

// Change is the relative change from Before to After in percent; ok is false
// when either value is missing or Before is zero (no percentage exists).
func (r Row) Change() (pct float64, ok bool) {
	if !r.HasBefore || !r.HasAfter || r.Before == 0 {
		return 0, false
	}
	return 100 * (r.After - r.Before) / math.Abs(r.Before), true
}

// sameWithin is the relative change under which a row is called "same":
// run-to-run noise of a loopback soak is larger than this.
const sameWithin = 1.0 // percent

// Outcome is "better", "worse", "same" or "" when it cannot be told.
func (r Row) Outcome() string {
	if !r.HasBefore || !r.HasAfter {
		return ""
	}
	d := r.After - r.Before
	if pct, ok := r.Change(); ok && math.Abs(pct) < sameWithin || d == 0 {
		return "same"
	}
	if (d < 0) == (r.Better == Lower) {
		return "better"
	}
	return "worse"
}

// Table is two reports side by side.
type Table struct {
	Before, After *soak.Report
	Rows          []Row
}

// Option configures New.
type Option func(*options)

type options struct{ force bool }

// Force compares reports of different targets or load models, which New
// otherwise refuses.
func Force() Option { return func(o *options) { o.force = true } }

// New builds the table of before against after. It refuses reports of
// different targets or load models unless Force is given, since their
// numbers do not measure the same thing.
func New(before, after *soak.Report, opts ...Option) (*Table, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if before == nil || after == nil {
		return nil, fmt.Errorf("compare: two reports are needed")
	}
	if !o.force {
		if diff := Identity(before).diff(Identity(after)); diff != "" {
			return nil, fmt.Errorf("the reports measure different things (%s): compare runs of one target and load model, or pass --force", diff)
		}
	}
	t := &Table{Before: before, After: after}
	for _, m := range Metrics {
		b, hb := m.Value(before)
		a, ha := m.Value(after)
		t.Rows = append(t.Rows, Row{Metric: m, Before: b, After: a, HasBefore: hb, HasAfter: ha})
	}
	return t, nil
}

// Key identifies what a report measured: its targets and load model.
type Key struct {
	Targets     []string `json:"targets"`
	Model       string   `json:"model"`
	Rate        float64  `json:"rate,omitempty"`
	Concurrency int      `json:"concurrency,omitempty"`
	Connections int      `json:"connections"`
}

// Identity is the Key of rep, with its targets sorted.
func Identity(rep *soak.Report) Key {
	ts := slices.Clone(rep.Targets)
	slices.Sort(ts)
	return Key{Targets: ts, Model: rep.Model, Rate: rep.Rate, Concurrency: rep.Concurrency, Connections: rep.Connections}
}

// diff names the first difference between k and o, or "".
func (k Key) diff(o Key) string {
	switch {
	case !slices.Equal(k.Targets, o.Targets):
		return fmt.Sprintf("targets %s vs %s", strings.Join(k.Targets, ", "), strings.Join(o.Targets, ", "))
	case k.Model != o.Model:
		return fmt.Sprintf("load model %s vs %s", k.Model, o.Model)
	case k.Rate != o.Rate:
		return fmt.Sprintf("rate %g vs %g req/s", k.Rate, o.Rate)
	case k.Concurrency != o.Concurrency:
		return fmt.Sprintf("concurrency %d vs %d", k.Concurrency, o.Concurrency)
	case k.Connections != o.Connections:
		return fmt.Sprintf("connections %d vs %d", k.Connections, o.Connections)
	}
	return ""
}

// VerdictOutcome says whether the verdict got better or worse: stable is
// better than inconclusive, which is better than leak.
func (t *Table) VerdictOutcome() string {
	rank := map[stats.Verdict]int{stats.Leak: 0, stats.Inconclusive: 1, stats.Stable: 2}
	b, a := rank[t.Before.Verdict], rank[t.After.Verdict]
	switch {
	case a > b:
		return "better"
	case a < b:
		return "worse"
	}
	return "same"
}
