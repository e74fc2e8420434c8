// Package soak proves a memory or goroutine leak under load and names the
// line that leaks. Run drives load at a service on this machine with the
// load engine (package load), pauses at checkpoints to read the service's
// live heap after a forced GC and its goroutine count (from pprof, or
// from Prometheus metrics), decides per signal with package stats whether
// they grow with the number of requests, and diffs the first and last heap
// profiles and goroutine dumps (package profdiff) to list the sites that
// grew.
//
// The load is built not to look like a leak itself: a fixed pool of
// connections opened before the first checkpoint, no request in flight
// while a checkpoint is read, and the same sampling requests at every
// checkpoint.
package soak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/profdiff"
	"github.com/ginleak/ginleak/soak/stats"
)

// Defaults used when a Config field is zero.
const (
	DefaultDuration       = 30 * time.Second
	DefaultWarmupFraction = 0.10
	DefaultCheckpoints    = 12
	// MinCheckpoints is the fewest checkpoints after warm-up Run accepts.
	MinCheckpoints = 10
	// DefaultHeapFloor is the heap effect-size floor, bytes per request.
	DefaultHeapFloor = stats.DefaultHeapMinSlope
	// DefaultGoroutineFloor is the goroutine floor, goroutines per request.
	DefaultGoroutineFloor = stats.DefaultGoroutineMinSlope
	// ErrorRateWarning is the error rate above which the report warns
	// that the verdict may not be about the code the user meant to test.
	ErrorRateWarning = 0.5
	// DefaultSettle is the pause between draining the load and reading a
	// checkpoint: long enough for bounded background work that requests
	// started (a notification with a 50 ms timeout) to end, so it is not
	// counted as growth, and short next to a checkpoint segment.
	DefaultSettle = 100 * time.Millisecond
	// TopSites is how many heap and goroutine sites the report lists.
	TopSites = 10
	// progressInterval is how often Config.Progress is called during load.
	progressInterval = 500 * time.Millisecond
)

// Config configures a soak. Only Targets is required.
type Config struct {
	// Targets are sent round-robin; see load.Target for {{seq}} and
	// {{uuid}}.
	Targets []load.Target
	// Rate is the open-model rate in requests per second (default 500).
	Rate float64
	// Concurrency > 0 selects the closed model with that many workers.
	Concurrency int
	// Connections caps connections and requests in flight (default 64;
	// Concurrency in the closed model).
	Connections int
	// Timeout bounds each request (default 10s).
	Timeout time.Duration

	// Duration and Requests bound the run, warm-up included; when both are
	// set the run ends at whichever comes first. Neither: 30s.
	Duration time.Duration
	Requests int64
	// Warmup and WarmupRequests set the warm-up explicitly (whichever
	// comes first when both are set); otherwise it is WarmupFraction of
	// the run (default 0.10, at most 0.9).
	Warmup         time.Duration
	WarmupRequests int64
	WarmupFraction float64
	// Checkpoints is the number of checkpoints after the baseline taken at
	// the end of warm-up (default 12, at least 10).
	Checkpoints int

	// Settle is how long to wait after in-flight requests drained before
	// each checkpoint is read (default DefaultSettle; negative: none).
	// Raise it when the service finishes work after the response for
	// longer than that.
	Settle time.Duration

	// PprofURL is where the target serves pprof (default: the first
	// target's origin + "/debug/pprof").
	PprofURL string
	// MetricsURL, when set, is read for samples instead of pprof
	// (Prometheus text: go_goroutines, go_memstats_heap_alloc_bytes).
	// There is no forced GC then, so samples are noisier. pprof is still
	// used for the site diff when it answers.
	MetricsURL string
	// AllowRemote permits targets that are not loopback addresses.
	AllowRemote bool

	// HeapFloor is the heap effect-size floor in bytes per request
	// (default 32); GoroutineFloor in goroutines per request (default
	// 0.01).
	HeapFloor      float64
	GoroutineFloor float64

	// Progress, when set, is called about every 500 ms during load and
	// after every checkpoint, never concurrently.
	Progress func(Progress)
}

// plan is a validated Config with defaults applied.
type plan struct {
	Config
	pprofURL string
}

func (c Config) plan(ctx context.Context) (*plan, error) {
	p := &plan{Config: c}
	if len(c.Targets) == 0 {
		return nil, errors.New("no targets")
	}
	for i, t := range c.Targets {
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("target %d (%s): %w", i+1, t, err)
		}
	}
	if c.Duration < 0 || c.Requests < 0 || c.Warmup < 0 || c.WarmupRequests < 0 || c.Checkpoints < 0 ||
		c.HeapFloor < 0 || c.GoroutineFloor < 0 || c.Rate < 0 || c.Concurrency < 0 || c.Connections < 0 || c.Timeout < 0 {
		return nil, errors.New("negative duration, count, rate or floor")
	}
	if p.Duration == 0 && p.Requests == 0 {
		p.Duration = DefaultDuration
	}
	if p.Checkpoints == 0 {
		p.Checkpoints = DefaultCheckpoints
	}
	if p.Checkpoints < MinCheckpoints {
		return nil, fmt.Errorf("%d checkpoints: need at least %d after warm-up for a trend test", p.Checkpoints, MinCheckpoints)
	}
	if p.WarmupFraction == 0 {
		p.WarmupFraction = DefaultWarmupFraction
	}
	if !(p.WarmupFraction > 0 && p.WarmupFraction <= 0.9) {
		return nil, fmt.Errorf("warm-up fraction %v: want a value in (0, 0.9]", p.WarmupFraction)
	}
	if p.Warmup == 0 && p.WarmupRequests == 0 {
		p.Warmup = time.Duration(float64(p.Duration) * p.WarmupFraction)
		p.WarmupRequests = int64(math.Ceil(float64(p.Requests) * p.WarmupFraction))
	}
	if p.Duration > 0 && p.Warmup >= p.Duration {
		return nil, fmt.Errorf("warm-up %v is not shorter than the run (%v)", p.Warmup, p.Duration)
	}
	if p.Requests > 0 {
		if p.WarmupRequests >= p.Requests {
			return nil, fmt.Errorf("warm-up of %d requests is not shorter than the run (%d)", p.WarmupRequests, p.Requests)
		}
		if left := p.Requests - p.WarmupRequests; left < int64(p.Checkpoints) {
			return nil, fmt.Errorf("%d requests after warm-up cannot fill %d checkpoints: give at least %d requests (a few thousand make a trend readable)", left, p.Checkpoints, p.WarmupRequests+int64(p.Checkpoints))
		}
	}
	switch {
	case p.Settle == 0:
		p.Settle = DefaultSettle
	case p.Settle < 0:
		p.Settle = 0
	}
	if p.HeapFloor == 0 {
		p.HeapFloor = DefaultHeapFloor
	}
	if p.GoroutineFloor == 0 {
		p.GoroutineFloor = DefaultGoroutineFloor
	}

	first, err := c.Targets[0].ParsedURL()
	if err != nil {
		return nil, fmt.Errorf("target 1: %w", err)
	}
	p.pprofURL = strings.TrimRight(c.PprofURL, "/")
	if p.pprofURL == "" {
		p.pprofURL = first.Scheme + "://" + first.Host + "/debug/pprof"
	}
	for _, raw := range []string{p.pprofURL, p.MetricsURL} {
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%q is not an http(s) URL", raw)
		}
	}
	if !c.AllowRemote {
		// Validate made sure that no placeholder can change a target's
		// host; the transports check every address they dial as well.
		for _, t := range c.Targets {
			u, err := t.ParsedURL()
			if err != nil {
				return nil, err
			}
			if err := checkHost(ctx, "target", t.URL, u.Hostname()); err != nil {
				return nil, err
			}
		}
		for _, chk := range []struct{ what, raw string }{{"pprof", p.pprofURL}, {"metrics", p.MetricsURL}} {
			if chk.raw == "" {
				continue
			}
			if err := checkLoopback(ctx, chk.what, chk.raw); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// Run soaks the targets and returns the report. It fails (nil report) on
// bad configuration, a remote target without AllowRemote, a target that
// cannot be reached or does not answer within 5 s, or a target without
// pprof (unless MetricsURL is set). Its errors do not name the soak: the
// caller does.
//
// When ctx is cancelled once the load has started, Run stops the load at
// once and returns the report so far, with Interrupted set, and a nil
// error; likewise, with a warning, when the target stops answering the
// checkpoints.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	// The checks before the load share one budget, so that a target that
	// cannot be reached, or accepts connections but never answers, fails
	// within 5 s in all.
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	p, err := cfg.plan(pctx)
	if err != nil {
		return nil, err
	}
	eng, err := load.New(load.Config{
		Targets:     p.Targets,
		Rate:        p.Rate,
		Concurrency: p.Concurrency,
		Connections: p.Connections,
		Timeout:     p.Timeout,
		AllowRemote: p.AllowRemote,
	})
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	for _, addr := range targetAddrs(p.Targets) {
		if err := probeTarget(pctx, addr, p.AllowRemote); err != nil {
			return nil, err
		}
	}
	smp := newSampler(p.pprofURL, p.MetricsURL, p.AllowRemote)
	defer smp.close()
	var warnings []string
	if err := smp.probePprof(pctx); err != nil {
		if p.MetricsURL == "" {
			return nil, err
		}
		warnings = append(warnings, "no heap or goroutine sites: "+firstLine(err.Error()))
		smp.pprof = ""
	}
	if p.MetricsURL != "" {
		if err := smp.probeMetrics(pctx); err != nil {
			return nil, err
		}
		warnings = append(warnings, "samples come from Prometheus metrics, without a forced GC: the heap series is noisier than with pprof")
	}
	cancel()

	r := &runner{plan: p, eng: eng, smp: smp, start: time.Now(), warnings: warnings}
	r.run(ctx)
	return r.report(), nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// targetAddrs lists the distinct host:port of the targets.
func targetAddrs(ts []load.Target) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range ts {
		u, err := t.ParsedURL()
		if err != nil {
			continue
		}
		a := hostPort(u)
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// runner holds the state of one soak.
type runner struct {
	*plan
	eng   *load.Engine
	smp   *sampler
	start time.Time

	samples     []Sample
	baseHeap    []byte // heap profile (proto) at the baseline checkpoint
	baseGor     []byte // goroutine dump at the baseline checkpoint
	lastHeap    []byte // the same at the last checkpoint
	lastGor     []byte
	interrupted bool
	warnings    []string
	lastSnap    load.Snapshot // for the progress rate
}

// run drives the phases; it records in r what stopped it early.
func (r *runner) run(ctx context.Context) {
	// Open every connection of the pool before the baseline: the target's
	// per-connection goroutines and buffers must not grow during the run.
	if _, err := r.eng.Prime(ctx); err != nil {
		r.stop(ctx, "warm-up", err)
		return
	}
	warm := load.Segment{Duration: r.Warmup}
	if r.WarmupRequests > 0 {
		// The priming requests count towards the warm-up.
		warm.Requests = r.WarmupRequests - r.eng.Total().Requests
		if warm.Requests <= 0 {
			warm = load.Segment{}
		}
	}
	if warm.Requests > 0 || warm.Duration > 0 {
		if !r.segment(ctx, "warm-up", warm) {
			return
		}
	}
	warmElapsed := r.eng.Total().Elapsed

	// Baseline: profiles first, so that the sample after them already
	// includes whatever fetching them costs the target (and, in process,
	// the soak itself).
	if r.smp.pprof != "" {
		h, g, err := r.smp.profiles(ctx)
		if err != nil {
			if ctx.Err() != nil {
				r.stop(ctx, "the baseline checkpoint", err)
				return
			}
			r.warnings = append(r.warnings, fmt.Sprintf("no sites: %v", err))
		}
		r.baseHeap, r.baseGor = h, g
	}
	if !r.checkpoint(ctx) {
		return
	}

	// The checkpoint segments split what is left of the run evenly.
	var segDur time.Duration
	if r.Duration > 0 {
		segDur = max((r.Duration-warmElapsed)/time.Duration(r.Checkpoints), time.Millisecond)
	}
	for i := 1; i <= r.Checkpoints; i++ {
		seg := load.Segment{Duration: segDur}
		if r.Requests > 0 {
			left := r.Requests - r.eng.Total().Requests
			seg.Requests = max(left/int64(r.Checkpoints-i+1), 1)
		}
		if !r.segment(ctx, "load", seg) || !r.checkpoint(ctx) {
			return
		}
	}
	if r.baseHeap != nil {
		h, g, err := r.smp.profiles(ctx)
		if err != nil {
			r.stop(ctx, "the final profiles", err)
			return
		}
		r.lastHeap, r.lastGor = h, g
	}
}

// stop records why the run stopped early: cancellation, or a failure of
// the load or of the target.
func (r *runner) stop(ctx context.Context, phase string, err error) {
	r.interrupted = true
	if ctx.Err() != nil {
		r.warnings = append(r.warnings, fmt.Sprintf("interrupted during %s", phase))
		return
	}
	r.warnings = append(r.warnings, fmt.Sprintf("stopped during %s: %v", phase, err))
}

// segment runs one load segment, reporting progress meanwhile. It returns
// false when the run must end.
func (r *runner) segment(ctx context.Context, phase string, seg load.Segment) bool {
	stopProgress := r.progressLoop(phase)
	_, err := r.eng.Run(ctx, seg)
	stopProgress()
	if err != nil {
		r.stop(ctx, phase, err)
		return false
	}
	return true
}

// checkpoint takes a sample; it returns false when the run must end.
func (r *runner) checkpoint(ctx context.Context) bool {
	if r.Settle > 0 {
		t := time.NewTimer(r.Settle)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			r.stop(ctx, fmt.Sprintf("checkpoint %d", len(r.samples)), ctx.Err())
			return false
		}
	}
	heap, gor, err := r.smp.sample(ctx)
	if err != nil {
		r.stop(ctx, fmt.Sprintf("checkpoint %d", len(r.samples)), err)
		return false
	}
	tot := r.eng.Total()
	r.samples = append(r.samples, Sample{
		Requests:       tot.Requests,
		ElapsedSeconds: time.Since(r.start).Seconds(),
		HeapBytes:      heap,
		Goroutines:     gor,
	})
	if r.Progress != nil {
		r.Progress(r.progress("checkpoint"))
	}
	return true
}

// progress builds a Progress from the engine's counters; RPS is the rate
// since the previous call.
func (r *runner) progress(phase string) Progress {
	s := r.eng.Snapshot()
	rps := 0.0
	if dt := (s.Elapsed - r.lastSnap.Elapsed).Seconds(); dt > 0 {
		rps = float64(s.Requests-r.lastSnap.Requests) / dt
	}
	r.lastSnap = s
	p := Progress{
		Phase:       phase,
		Elapsed:     time.Since(r.start),
		Requests:    s.Requests,
		Errors:      s.Errors,
		RPS:         rps,
		Checkpoint:  len(r.samples),
		Checkpoints: r.Checkpoints + 1,
	}
	if n := len(r.samples); n > 0 {
		p.HaveSample = true
		p.HeapBytes = r.samples[n-1].HeapBytes
		p.Goroutines = r.samples[n-1].Goroutines
	}
	return p
}

// progressLoop calls Progress every progressInterval until the returned
// function is called (which waits for the loop to end, so that Progress is
// never called concurrently).
func (r *runner) progressLoop(phase string) (stop func()) {
	if r.Progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				r.Progress(r.progress(phase))
			}
		}
	}()
	return func() { close(quit); <-done }
}

// report analyses the samples and profiles.
func (r *runner) report() *Report {
	tot := r.eng.Total()
	rep := &Report{
		Interrupted:    r.interrupted,
		Warnings:       r.warnings,
		Requests:       tot.Requests,
		Errors:         tot.Errors,
		BehindSchedule: tot.Behind,
		StatusCodes:    tot.StatusCodes,
		ErrorReasons:   tot.ErrorReasons,
		HeapSites:      []HeapSite{},
		GoroutineSites: []GoroutineSite{},
		Latency:        Latency(tot.Latency),
		ThroughputRPS:  finite(tot.RequestRate()),
		LoadSeconds:    tot.Elapsed.Seconds(),
		ElapsedSeconds: time.Since(r.start).Seconds(),
		Connections:    r.eng.Connections(),
		Source:         "pprof",
		Samples:        r.samples,
	}
	if rep.Samples == nil {
		rep.Samples = []Sample{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []string{}
	}
	if r.MetricsURL != "" {
		rep.Source = "metrics"
	}
	if r.Concurrency > 0 {
		rep.Model, rep.Concurrency = "closed", r.Concurrency
	} else {
		rep.Model, rep.Rate = "open", r.Rate
		if rep.Rate == 0 {
			rep.Rate = load.DefaultRate
		}
	}
	for _, t := range r.Targets {
		m := t.Method
		if m == "" {
			m = "GET"
		}
		rep.Targets = append(rep.Targets, m+" "+t.URL)
	}
	if tot.Requests > 0 {
		rep.ErrorRate = float64(tot.Errors) / float64(tot.Requests)
	}

	xs := make([]float64, len(r.samples))
	hs := make([]float64, len(r.samples))
	gs := make([]float64, len(r.samples))
	for i, s := range r.samples {
		xs[i], hs[i], gs[i] = float64(s.Requests), float64(s.HeapBytes), float64(s.Goroutines)
	}
	ht := stats.Analyze(xs, hs, stats.Criteria{MinSlope: r.HeapFloor})
	gt := stats.Analyze(xs, gs, stats.Criteria{MinSlope: r.GoroutineFloor})
	rep.Heap = HeapResult{
		Verdict: ht.Verdict, BytesPerRequest: finite(ht.Slope),
		BytesPerRequestLow: finite(ht.SlopeLow), BytesPerRequestHigh: finite(ht.SlopeHigh),
		PValue: finite(ht.P), Floor: r.HeapFloor, Reason: ht.Reason,
	}
	rep.Goroutines = GoroutineResult{
		Verdict: gt.Verdict, PerRequest: finite(gt.Slope),
		PerRequestLow: finite(gt.SlopeLow), PerRequestHigh: finite(gt.SlopeHigh),
		PValue: finite(gt.P), Floor: r.GoroutineFloor, Reason: gt.Reason,
	}
	if n := len(r.samples); n > 0 {
		rep.Heap.StartBytes, rep.Heap.EndBytes = r.samples[0].HeapBytes, r.samples[n-1].HeapBytes
		rep.Goroutines.Start, rep.Goroutines.End = r.samples[0].Goroutines, r.samples[n-1].Goroutines
	}
	rep.Verdict, rep.Reason = overall(ht, gt, r.HeapFloor, r.GoroutineFloor)
	rep.qualify()
	r.sites(rep)
	return rep
}

// qualify revises the verdict of overall for how the run went: a run that
// stopped before MinCheckpoints checkpoints after the baseline may show a
// leak but is never stable, and a run whose requests mostly failed measured
// the error path, not the code the user meant to test: it is inconclusive
// whatever the signals say.
func (rep *Report) qualify() {
	n := len(rep.Samples)
	if rep.Interrupted {
		if n < MinCheckpoints+1 && rep.Verdict != stats.Leak {
			rep.Verdict = stats.Inconclusive
			rep.Reason = fmt.Sprintf("stopped early after %d checkpoints: too few to call it stable", n)
		} else {
			rep.Reason = fmt.Sprintf("stopped early after %d checkpoints; %s", n, rep.Reason)
		}
	}
	if rep.ErrorRate > ErrorRateWarning {
		rep.Verdict = stats.Inconclusive
		rep.Reason = fmt.Sprintf("most requests failed (%s): the soak measured the error path — fix the target URL or the service first",
			rep.failureDetail())
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"%.0f%% of the requests failed: the heap and goroutine figures are about the error path, probably not the code you meant to test",
			100*rep.ErrorRate))
	}
}

// overall combines the two signals' verdicts.
func overall(heap, gor stats.Trend, heapFloor, gorFloor float64) (stats.Verdict, string) {
	hs := fmt.Sprintf("heap %s", heap.Reason)
	gs := fmt.Sprintf("goroutines %s", gor.Reason)
	switch {
	case heap.Verdict == stats.Leak && gor.Verdict == stats.Leak:
		return stats.Leak, fmt.Sprintf("the heap grows %s B/request and goroutines %s per 1,000 requests", num(heap.Slope), num(1000*gor.Slope))
	case heap.Verdict == stats.Leak:
		return stats.Leak, fmt.Sprintf("the live heap grows %s B/request (floor %s): %s", num(heap.Slope), num(heapFloor), heap.Reason)
	case gor.Verdict == stats.Leak:
		return stats.Leak, fmt.Sprintf("goroutines grow %s per 1,000 requests (floor %s): %s", num(1000*gor.Slope), num(1000*gorFloor), gor.Reason)
	case heap.Verdict == stats.Inconclusive && gor.Verdict == stats.Inconclusive:
		return stats.Inconclusive, hs + "; " + gs
	case heap.Verdict == stats.Inconclusive:
		return stats.Inconclusive, hs
	case gor.Verdict == stats.Inconclusive:
		return stats.Inconclusive, gs
	}
	return stats.Stable, fmt.Sprintf("neither the live heap (%s B/request) nor goroutines (%s per 1,000 requests) grow beyond the floors",
		num(heap.Slope), num(1000*gor.Slope))
}

// sites fills the growing heap and goroutine sites and the sampling advice.
func (r *runner) sites(rep *Report) {
	if r.baseHeap == nil || r.lastHeap == nil {
		if r.smp.pprof != "" && !r.interrupted {
			rep.Warnings = append(rep.Warnings, "no profiles to diff: no sites listed")
		}
		return
	}
	base, errB := profile.Parse(bytes.NewReader(r.baseHeap))
	last, errL := profile.Parse(bytes.NewReader(r.lastHeap))
	if err := errors.Join(errB, errL); err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("parse heap profiles: %v", err))
	} else {
		sites, err := profdiff.HeapSites(base, last, TopSites)
		if err != nil {
			rep.Warnings = append(rep.Warnings, err.Error())
		}
		for _, s := range sites {
			hs := HeapSite{Function: s.Function, File: s.File, Line: s.Line, Bytes: s.Bytes, Objects: s.Objects}
			if s.AllocFunction != "" && (s.AllocFunction != s.Function || s.AllocLine != s.Line) {
				hs.Alloc = &Frame{Function: s.AllocFunction, File: s.AllocFile, Line: s.AllocLine}
			}
			rep.HeapSites = append(rep.HeapSites, hs)
		}
		rep.MemProfileRate = profdiff.SamplingRate(last)
		if rep.Heap.Verdict != stats.Stable && len(r.samples) > 1 {
			n := len(r.samples)
			coarse, advice := profdiff.SamplingAdvice(rep.MemProfileRate, rep.Heap.BytesPerRequest,
				r.samples[n-1].Requests-r.samples[0].Requests)
			if coarse {
				rep.SamplingAdvice = advice
			}
		}
	}
	baseG, errB := profdiff.ParseGoroutines(bytes.NewReader(r.baseGor))
	lastG, errL := profdiff.ParseGoroutines(bytes.NewReader(r.lastGor))
	if err := errors.Join(errB, errL); err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("parse goroutine dumps: %v", err))
		return
	}
	for _, s := range profdiff.GoroutineSites(baseG, lastG, TopSites) {
		gs := GoroutineSite{Function: s.Function, File: s.File, Line: s.Line, Count: s.Count, Total: s.Total, State: s.State}
		if s.CreatedBy.Function != "" {
			gs.CreatedBy = &Frame{Function: s.CreatedBy.Function, File: s.CreatedBy.File, Line: s.CreatedBy.Line}
		}
		rep.GoroutineSites = append(rep.GoroutineSites, gs)
	}
}

// finite maps NaN and ±Inf (which JSON cannot hold) to 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// num formats a slope compactly: 4,096, 12.5, 32, 0.031.
func num(f float64) string {
	switch a := math.Abs(f); {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return "?"
	case a >= 100:
		return groupInt(int64(math.Round(f)))
	default:
		return fmt.Sprintf("%.3g", f)
	}
}
