package watch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/ginleak/ginleak/soak/profdiff"
	"github.com/ginleak/ginleak/soak/stats"
)

// Signals, in the order of the report.
const (
	SignalHeap       = "heap"
	SignalGoroutines = "goroutines"
	SignalFDs        = "fds"
	SignalRSS        = "rss"
)

// Metrics read, besides the request counter.
const (
	MetricHeapLive       = "go_gc_heap_live_bytes"        // runtime/metrics' live heap, when exported
	MetricHeapInuse      = "go_memstats_heap_inuse_bytes" // the default Go collector's
	MetricGoroutines     = "go_goroutines"
	MetricOpenFDs        = "process_open_fds"
	MetricRSS            = "process_resident_memory_bytes"
	MetricStartTime      = "process_start_time_seconds"
	MetricContainerLimit = "container_spec_memory_limit_bytes"
)

// ErrNoSeries is wrapped by Run's error when the selector matched no
// instance exporting the Go collector's metrics.
var ErrNoSeries = errors.New("no series matched")

// Report is the result of Run.
type Report struct {
	Prometheus string    `json:"prometheus"`
	Selector   string    `json:"selector"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Step       string    `json:"step"`
	// Queries are the range and instant queries sent, in order.
	Queries []string `json:"queries"`
	// Verdict is leak when an instance leaks, inconclusive when none leaks
	// but one could not be decided, else stable.
	Verdict stats.Verdict `json:"verdict"`
	// Counts of instances by verdict.
	Leaking      int `json:"leaking"`
	Stable       int `json:"stable"`
	Inconclusive int `json:"inconclusive"`
	// Instances, leaking first, then inconclusive, then stable; within a
	// verdict by heap growth per request, largest first.
	Instances []Instance `json:"instances"`
	Warnings  []string   `json:"warnings,omitempty"`
}

// Instance is the verdict on one instance.
type Instance struct {
	Job      string        `json:"job"`
	Instance string        `json:"instance"`
	Verdict  stats.Verdict `json:"verdict"`
	// Per is the unit of x: "request" or "hour" (no request counter).
	Per            string `json:"per"`
	RequestsMetric string `json:"requests_metric,omitempty"`
	HeapMetric     string `json:"heap_metric,omitempty"`
	// Segments is the number of process lifetimes seen in the window
	// (restarts + 1); the verdicts use the longest, Used.
	Segments int  `json:"segments"`
	Used     Span `json:"used"`
	// Requests served in the segment used (0 without a counter).
	Requests float64 `json:"requests"`
	// LastSample is the last time any signal had a sample; Stale when it is
	// more than two steps before the end (the instance is gone, or its
	// scrapes fail).
	LastSample time.Time `json:"last_sample"`
	Stale      bool      `json:"stale,omitempty"`
	Signals    []Signal  `json:"signals"`
	// MemoryLimit is the limit a heap leak is projected against, and
	// LimitSource where it came from; TimeToLimitSeconds the projected time
	// until the memory reaches it at the current request rate (-1: no
	// projection, 0: already there).
	MemoryLimit        float64  `json:"memory_limit,omitempty"`
	LimitSource        string   `json:"limit_source,omitempty"`
	TimeToLimitSeconds float64  `json:"time_to_limit_seconds"`
	Notes              []string `json:"notes,omitempty"`
	// HeapSites and GoroutineSites are the growing sites from two pprof
	// readings (WithPprof), for the leaking instances profiled.
	HeapSites      []profdiff.Site          `json:"heap_sites,omitempty"`
	GoroutineSites []profdiff.GoroutineSite `json:"goroutine_sites,omitempty"`
}

// Span is a time span of samples.
type Span struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Points int       `json:"points"`
}

// Signal is one signal's trend on an instance.
type Signal struct {
	Name    string        `json:"name"`
	Metric  string        `json:"metric"`
	Verdict stats.Verdict `json:"verdict"`
	// Decides is false for RSS, reported but not used for the instance's
	// verdict: the Go runtime returns memory to the system lazily, so RSS
	// lags and overstates the heap.
	Decides bool `json:"decides"`
	// Slope is per Instance.Per, SlopeLow and SlopeHigh its interval.
	Slope     float64 `json:"slope"`
	SlopeLow  float64 `json:"slope_low"`
	SlopeHigh float64 `json:"slope_high"`
	Floor     float64 `json:"floor"`
	P         float64 `json:"p"`
	// Points is the number of points the statistics saw (after reduction),
	// Samples the samples of the segment.
	Points  int     `json:"points"`
	Samples int     `json:"samples"`
	Current float64 `json:"current"`
	Reason  string  `json:"reason"`
}

// Run queries Prometheus at address for the instances the selector matches
// and decides for each whether its heap, goroutines, open files or RSS grow
// with the requests it serves. The error is nil when at least one instance
// was analysed; it wraps ErrNoSeries when none matched.
func Run(ctx context.Context, address string, opts ...Option) (*Report, error) {
	cfg, err := newConfig(address, opts)
	if err != nil {
		return nil, err
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	start := cfg.end.Add(-cfg.window)
	r := v1.Range{Start: start, End: cfg.end, Step: cfg.step}
	rep := &Report{
		Prometheus: cfg.address, Selector: cfg.selector,
		Start: start.UTC(), End: cfg.end.UTC(), Step: cfg.step.String(),
	}
	d, err := fetch(ctx, c, cfg, r, rep)
	if err != nil {
		return nil, err
	}
	limits := containerLimits(ctx, c, cfg, d.keys, rep)

	rep.Instances = make([]Instance, len(d.keys))
	// The statistics are CPU-bound and independent per instance.
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				rep.Instances[i] = analyze(cfg, d, d.keys[i], limits[d.keys[i]])
			}
		})
	}
	for i := range d.keys {
		next <- i
	}
	close(next)
	wg.Wait()
	summarize(rep)
	if cfg.pprofToken != "" {
		profileLeaking(ctx, cfg, rep)
	}
	return rep, nil
}

// data holds the series of every query by instance.
type data struct {
	keys         []key
	requests     map[key][]point
	requestsName map[key]string
	heap         map[key][]point
	heapName     map[key]string
	gauges       map[string]map[key][]point // goroutines, fds, rss
	starts       map[key][]point
	end          int64
	step         time.Duration
}

// fetch runs the batched range queries: one per signal for the whole
// selector, plus one for a fallback metric when some instances lack the
// first choice.
func fetch(ctx context.Context, c *client, cfg *config, r v1.Range, rep *Report) (*data, error) {
	sel := cfg.selector
	reqMetric := cfg.requestsMetric
	if reqMetric == "" {
		reqMetric = DefaultRequestsMetric
	}
	qs := []string{
		gaugeQuery(MetricHeapLive, sel),
		gaugeQuery(MetricGoroutines, sel),
		gaugeQuery(MetricOpenFDs, sel),
		gaugeQuery(MetricRSS, sel),
		gaugeQuery(MetricStartTime, sel),
	}
	if !cfg.noRequests {
		qs = append(qs, counterQuery(reqMetric, sel))
	}
	res := c.runAll(ctx, qs, r)
	rep.Queries = append(rep.Queries, qs...)
	for _, x := range res {
		if x.err != nil {
			return nil, x.err
		}
		rep.Warnings = append(rep.Warnings, x.warnings...)
	}
	d := &data{
		heap: res[0].series, heapName: map[key]string{},
		gauges: map[string]map[key][]point{
			SignalGoroutines: res[1].series, SignalFDs: res[2].series, SignalRSS: res[3].series,
		},
		starts:       res[4].series,
		requests:     map[key][]point{},
		requestsName: map[key]string{},
		end:          r.End.UnixMilli(),
		step:         r.Step,
	}
	if !cfg.noRequests {
		d.requests = res[5].series
	}
	for k := range d.heap {
		d.heapName[k] = MetricHeapLive
	}
	for k := range d.requests {
		d.requestsName[k] = reqMetric
	}
	// The instances: those with the Go collector's goroutines or a heap.
	seen := map[key]bool{}
	for _, m := range []map[key][]point{d.heap, d.gauges[SignalGoroutines]} {
		for k := range m {
			seen[k] = true
		}
	}
	// Fallbacks, one query each for all the instances that need them.
	var fallbacks []string
	var needHeap, needReq bool
	for k := range seen {
		if _, ok := d.heap[k]; !ok {
			needHeap = true
		}
		if _, ok := d.requests[k]; !ok && !cfg.noRequests && cfg.requestsMetric == "" {
			needReq = true
		}
	}
	if len(seen) == 0 || needHeap {
		fallbacks = append(fallbacks, gaugeQuery(MetricHeapInuse, sel))
	}
	if needReq {
		fallbacks = append(fallbacks, counterQuery(FallbackRequestsMetric, sel))
	}
	if len(fallbacks) > 0 {
		fres := c.runAll(ctx, fallbacks, r)
		rep.Queries = append(rep.Queries, fallbacks...)
		for _, x := range fres {
			if x.err != nil {
				return nil, x.err
			}
			rep.Warnings = append(rep.Warnings, x.warnings...)
			into, names, name := d.heap, d.heapName, MetricHeapInuse
			if strings.Contains(x.query, FallbackRequestsMetric) {
				into, names, name = d.requests, d.requestsName, FallbackRequestsMetric
			}
			for k, s := range x.series {
				if _, ok := into[k]; !ok {
					into[k], names[k] = s, name
					seen[k] = true
				}
			}
		}
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("%w: Prometheus at %s has no %s, %s or %s series for selector %s between %s and %s (queried: %s); check --selector, and that the services export the Go collector's metrics",
			ErrNoSeries, cfg.address, MetricGoroutines, MetricHeapLive, MetricHeapInuse, orAll(sel),
			r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339), strings.Join(rep.Queries, "; "))
	}
	for k := range seen {
		d.keys = append(d.keys, k)
	}
	slices.SortFunc(d.keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.job, b.job), cmp.Compare(a.instance, b.instance))
	})
	return d, nil
}

func orAll(sel string) string {
	if sel == "" {
		return "(none: every instance)"
	}
	return sel
}

// containerLimits reads the containers' memory limits when no limit was
// given: container_spec_memory_limit_bytes (cAdvisor, labelled by namespace
// and pod) joined with the instances' own namespace and pod labels. It
// returns nil when there are none; its errors are warnings, not failures.
func containerLimits(ctx context.Context, c *client, cfg *config, keys []key, rep *Report) map[key]float64 {
	if cfg.memoryLimit > 0 {
		out := make(map[key]float64, len(keys))
		for _, k := range keys {
			out[k] = cfg.memoryLimit
		}
		return out
	}
	q := "max by (namespace, pod) (" + MetricContainerLimit + `{container!="",container!="POD"} > 0)`
	rep.Queries = append(rep.Queries, q)
	vec, err := c.queryInstant(ctx, q, cfg.end)
	if err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("container memory limits: %v", err))
		return nil
	}
	if len(vec) == 0 {
		return nil
	}
	byPod := map[[2]string]float64{}
	for _, s := range vec {
		byPod[[2]string{string(s.Metric["namespace"]), string(s.Metric["pod"])}] = float64(s.Value)
	}
	q2 := "group by (job, instance, namespace, pod) (" + withSelector(MetricGoroutines, cfg.selector) + ")"
	rep.Queries = append(rep.Queries, q2)
	pods, err := c.queryInstant(ctx, q2, cfg.end)
	if err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("pods of the instances: %v", err))
		return nil
	}
	out := map[key]float64{}
	for _, s := range pods {
		if l, ok := byPod[[2]string{string(s.Metric["namespace"]), string(s.Metric["pod"])}]; ok && s.Metric["pod"] != "" {
			out[key{job: string(s.Metric["job"]), instance: string(s.Metric["instance"])}] = l
		}
	}
	return out
}

// summarize counts the verdicts and orders the instances.
func summarize(rep *Report) {
	rank := map[stats.Verdict]int{stats.Leak: 0, stats.Inconclusive: 1, stats.Stable: 2}
	slices.SortStableFunc(rep.Instances, func(a, b Instance) int {
		if c := cmp.Compare(rank[a.Verdict], rank[b.Verdict]); c != 0 {
			return c
		}
		return cmp.Compare(b.slope(SignalHeap), a.slope(SignalHeap))
	})
	for _, in := range rep.Instances {
		switch in.Verdict {
		case stats.Leak:
			rep.Leaking++
		case stats.Stable:
			rep.Stable++
		default:
			rep.Inconclusive++
		}
	}
	switch {
	case rep.Leaking > 0:
		rep.Verdict = stats.Leak
	case rep.Inconclusive > 0:
		rep.Verdict = stats.Inconclusive
	default:
		rep.Verdict = stats.Stable
	}
}

// Signal returns the instance's signal by name, or nil.
func (in *Instance) Signal(name string) *Signal {
	for i := range in.Signals {
		if in.Signals[i].Name == name {
			return &in.Signals[i]
		}
	}
	return nil
}

func (in *Instance) slope(name string) float64 {
	if s := in.Signal(name); s != nil && isFinite(s.Slope) {
		return s.Slope
	}
	return math.Inf(-1)
}
