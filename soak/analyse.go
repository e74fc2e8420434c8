package soak

import (
	"fmt"
	"math"
	"time"

	"github.com/ginleak/ginleak/soak/diagnose"
	"github.com/ginleak/ginleak/soak/leakprofile"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/profdiff"
	"github.com/ginleak/ginleak/soak/stats"
)

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
		Client:         clientName(r.eng),
		Drained:        tot.Drained,
		TimeBoundS:     r.bound.Seconds(),
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
		if n := len(r.gcs); n > 0 {
			rep.HeapMetric = r.gcs[n-1].heapMetric
		}
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
	if r.MetricsURL != "" {
		if why := gcNoise(r.gcs); why != "" && ht.Verdict != stats.Inconclusive {
			ht.Verdict, ht.Cause, ht.Reason = stats.Inconclusive, stats.CauseTooFew, why
		}
	}
	rep.Heap = HeapResult{
		Verdict: ht.Verdict, BytesPerRequest: finite(ht.Slope),
		BytesPerRequestLow: finite(ht.SlopeLow), BytesPerRequestHigh: finite(ht.SlopeHigh),
		PValue: finite(ht.P), Floor: r.HeapFloor, Reason: ht.Reason,
	}
	rep.Goroutines = countResult(gt, r.GoroutineFloor, 0, 0) // Start and End below
	if n := len(r.samples); n > 0 {
		rep.Heap.StartBytes, rep.Heap.EndBytes = r.samples[0].HeapBytes, r.samples[n-1].HeapBytes
		rep.Goroutines.Start, rep.Goroutines.End = r.samples[0].Goroutines, r.samples[n-1].Goroutines
	}
	rep.Verdict, rep.Reason = overall(ht, gt, r.HeapFloor, r.GoroutineFloor)
	r.leakProfile(rep)
	rep.qualify()
	r.sites(rep)
	return rep
}

// qualify revises the verdict of overall for how the run went: a run with
// fewer than MinRequests requests between its first and last checkpoint is
// inconclusive whatever the signals say (a few requests make noise look
// like a slope); a run that stopped before MinCheckpoints checkpoints
// after the baseline may show a leak but is never stable; goroutines the
// runtime proved leaked during the run (more than
// leakprofile.MinProvenGrowth) are a leak however short the run; and a run whose
// requests mostly failed measured the error path: growth there is a leak
// on that path (leaks live on error paths more than anywhere), but no
// growth says nothing about the code the user meant to test, so it is
// inconclusive, never stable.
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
	var measured int64
	if n > 1 {
		measured = rep.Samples[n-1].Requests - rep.Samples[0].Requests
	}
	if measured < MinRequests && rep.Verdict != stats.Inconclusive {
		rep.Verdict = stats.Inconclusive
		rep.Reason = fmt.Sprintf("only %s requests between the first and the last checkpoint: a verdict needs at least %s — run longer (raise --duration or --requests)",
			groupInt(measured), groupInt(MinRequests))
	}
	if lp := rep.GoroutineLeakProfile; lp != nil && lp.Proven() {
		proof := rep.provenLeak()
		if rep.Verdict == stats.Leak {
			rep.Reason += "; " + proof
		} else {
			rep.Verdict, rep.Reason = stats.Leak, proof+"; the statistics alone: "+rep.Reason
		}
	}
	if rep.ErrorRate > ErrorRateWarning && rep.Verdict == stats.Leak {
		path := rep.errorPath()
		rep.Reason = path + ": the leak is on that path; " + rep.Reason
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"%.0f%% of the requests failed (%s): the leak is on the error path; once it is fixed, soak the path that succeeds too",
			100*rep.ErrorRate, rep.failureDetail()))
	} else if rep.ErrorRate > ErrorRateWarning {
		rep.Verdict = stats.Inconclusive
		rep.Reason = fmt.Sprintf("most requests failed (%s): the soak measured the error path — fix the target URL or the service first",
			rep.failureDetail())
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"%.0f%% of the requests failed: the heap and goroutine figures are about the error path, probably not the code you meant to test",
			100*rep.ErrorRate))
	}
}

// leakProfile compares the goroutineleak profiles of the first and the
// last checkpoint (Go ≥ 1.27 targets serve it; older ones do not, which
// is said in the JSON only).
func (r *runner) leakProfile(rep *Report) {
	if r.base == nil || r.last == nil {
		return
	}
	for _, err := range []error{r.base.leakErr, r.last.leakErr} {
		if err != nil {
			rep.Warnings = append(rep.Warnings, "goroutineleak profile not read: "+firstLine(err.Error()))
		}
	}
	own := func(f leakprofile.Frame) bool { return r.smp.owner.Own(diagnose.Frame(f)) }
	lp := leakprofile.Diff(r.base.leak, r.last.leak, leakprofile.WithOwnCode(own))
	rep.GoroutineLeakProfile = &lp
}

// provenLeak says what the goroutineleak profile proved.
func (rep *Report) provenLeak() string {
	lp := rep.GoroutineLeakProfile
	s := fmt.Sprintf("the Go runtime proved %s goroutines leaked during the run (goroutineleak profile: blocked on what nothing can reach any more)",
		groupInt(int64(lp.Growth)))
	if len(lp.Sites) > 0 && lp.Sites[0].Growth > 0 {
		top := lp.Sites[0]
		s += fmt.Sprintf(", %s of them in %s (%s)", groupInt(int64(top.Growth)), top.Function, location(top.File, top.Line))
	}
	return s
}

// MinGCCycles is how many GC cycles a --metrics run needs between two
// checkpoints when the heap comes from go_memstats_heap_alloc_bytes or
// go_memstats_heap_inuse_bytes: those move with every allocation and drop
// at every GC, so a run within one GC cycle looks like steady growth.
const MinGCCycles = 2

// gcNoise returns why the metrics heap series cannot be told from GC noise,
// or "" when it can: it is the live heap after GC, or enough GC cycles ran
// between every two checkpoints.
func gcNoise(gcs []gcInfo) string {
	if len(gcs) < 2 || gcs[len(gcs)-1].heapMetric == metricHeapLive {
		return ""
	}
	metric := gcs[len(gcs)-1].heapMetric
	fewest, at := int64(math.MaxInt64), 0
	for i := 1; i < len(gcs); i++ {
		a, b := gcs[i-1], gcs[i]
		var n int64
		switch {
		case a.haveCycles && b.haveCycles:
			n = b.cycles - a.cycles
		case a.haveLastGC && b.haveLastGC:
			// Only tells whether a GC ran: at least one, or none.
			if b.lastGC != a.lastGC {
				n = MinGCCycles
			}
		default:
			return fmt.Sprintf("the heap comes from %s, which moves with every allocation, and the metrics show no GC counter (%s, %s or %s): "+
				"without a forced GC, growth cannot be told from GC noise — export %s (client_golang's runtime/metrics collector) or use pprof",
				metric, metricGCCycles, metricGCCount, metricLastGC, metricHeapLive)
		}
		if n < fewest {
			fewest, at = n, i
		}
	}
	if fewest >= MinGCCycles {
		return ""
	}
	return fmt.Sprintf("only %d GC cycles between checkpoints %d and %d (%s needs at least %d between every two without a forced GC, or growth cannot be told from GC noise): "+
		"run longer per checkpoint (raise --duration), export %s, or use pprof",
		max(fewest, 0), at-1, at, metric, MinGCCycles, metricHeapLive)
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
	return stats.Stable, stableReason(heap, gor, heapFloor, gorFloor)
}

// stableReason says why both signals are stable, with the test that
// decided each: not significant (whatever the point estimate), or
// significant but below the floor.
func stableReason(heap, gor stats.Trend, heapFloor, gorFloor float64) string {
	phrase := func(name, s string, t stats.Trend, scale float64, unit string, floor float64) string {
		if t.Cause == stats.CauseBelowFloor {
			return fmt.Sprintf("%s grow%s %s %s, below the floor of %s", name, s, num(scale*t.Slope), unit, num(scale*floor))
		}
		return fmt.Sprintf("%s show%s no significant growth (slope %s %s, mann-kendall p=%s, interval %s to %s)",
			name, s, num(scale*t.Slope), unit, num(t.P), num(scale*t.SlopeLow), num(scale*t.SlopeHigh))
	}
	return "stable: " + phrase("the live heap", "s", heap, 1, "B/request", heapFloor) + "; " +
		phrase("goroutines", "", gor, 1000, "per 1,000 requests", gorFloor)
}

// sites fills the growing heap and goroutine sites, their causes and the
// sampling advice.
func (r *runner) sites(rep *Report) {
	if r.base == nil || r.last == nil {
		if r.smp.pprof != "" && !r.interrupted {
			rep.Warnings = append(rep.Warnings, "no profiles to diff: no sites listed")
		}
		return
	}
	own := profdiff.WithOwnCode(r.smp.ownCode())
	var heap []profdiff.Site
	if r.base.heap != nil && r.last.heap != nil {
		var err error
		// All of them: a goroutine site's caller may be in any (below).
		heap, err = profdiff.DiffHeap(r.base.heap, r.last.heap, 0)
		if err != nil {
			rep.Warnings = append(rep.Warnings, err.Error())
		}
		for _, s := range heap {
			if s.GoroutineRecord {
				// The runtime's records of new goroutines: the
				// goroutine sites name whose.
				rep.GoroutineHeapBytes += s.Bytes
				continue
			}
			if len(rep.HeapSites) == TopSites {
				continue
			}
			hs := HeapSite{Function: s.Function, File: s.File, Line: s.Line, Bytes: s.Bytes, Objects: s.Objects, Cause: reportCause(s.Cause)}
			if s.AllocFunction != "" && (s.AllocFunction != s.Function || s.AllocLine != s.Line) {
				hs.Alloc = &Frame{Function: s.AllocFunction, File: s.AllocFile, Line: s.AllocLine}
			}
			rep.HeapSites = append(rep.HeapSites, hs)
		}
		rep.MemProfileRate = r.last.heap.Period
		if rep.Heap.Verdict != stats.Stable && len(r.samples) > 1 {
			n := len(r.samples)
			coarse, advice := profdiff.SamplingAdvice(rep.MemProfileRate, rep.Heap.BytesPerRequest,
				r.samples[n-1].Requests-r.samples[0].Requests)
			if coarse {
				rep.SamplingAdvice = advice
			}
		}
	}
	gsites := profdiff.DiffGroups(r.base.goroutines, r.last.goroutines, TopSites, own)
	profdiff.CallersFromHeap(gsites, heap)
	for _, s := range gsites {
		gs := GoroutineSite{Function: s.Function, File: s.File, Line: s.Line, Count: s.Count, Total: s.Total, State: s.State,
			Cause: reportCause(s.Cause)}
		if s.CreatedBy.Function != "" {
			gs.CreatedBy = &Frame{Function: s.CreatedBy.Function, File: s.CreatedBy.File, Line: s.CreatedBy.Line}
		}
		rep.GoroutineSites = append(rep.GoroutineSites, gs)
	}
}

// reportCause is the report's form of a cause of package diagnose.
func reportCause(c *diagnose.Cause) *Cause {
	if c == nil {
		return nil
	}
	out := &Cause{ID: c.ID, Cause: c.Cause, Fix: c.Fix, Doc: c.Doc}
	if c.Frame.Function != "" {
		out.Frame = &Frame{Function: c.Frame.Function, File: c.Frame.File, Line: c.Frame.Line}
	}
	if c.Caller.Function != "" {
		out.Caller = &Frame{Function: c.Caller.Function, File: c.Caller.File, Line: c.Caller.Line}
	}
	return out
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

// clientName names the load engine's client in the report.
func clientName(e *load.Engine) string {
	if e.Lean() {
		return "lean"
	}
	return "net/http"
}
