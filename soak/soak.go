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
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ginleak/ginleak/fault"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/proc"
	"github.com/ginleak/ginleak/soak/slowclient"
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
	// PrimeTimeout bounds the first requests of a run, one per
	// connection, sent to open the connection pool.
	PrimeTimeout = 5 * time.Second
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
	// Drain bounds the wait for in-flight requests at each checkpoint
	// (default DefaultDrain, at most Timeout); the requests still running
	// then are cancelled and counted as timeouts.
	Drain time.Duration

	// Duration and Requests bound the run, warm-up included; when both are
	// set the run ends at whichever comes first. Neither: 30s. The run
	// also has a time bound, its planned length plus Grace (see Grace and
	// RequestsOnlyBound), so a target that never answers cannot keep it
	// going. At least MinRequests must fall after warm-up: plans that
	// cannot reach that are refused.
	Duration time.Duration
	Requests int64
	// Warmup and WarmupRequests set the warm-up explicitly (whichever
	// comes first when both are set); otherwise it is WarmupFraction of
	// the run (default 0.10, at most 0.9).
	Warmup         time.Duration
	WarmupRequests int64
	WarmupFraction float64
	// Checkpoints is the number of checkpoints after the baseline taken at
	// the end of warm-up (default 12, at least 10, at most
	// MaxCheckpoints, with at least MinSegment or MinSegmentRequests of
	// load between two).
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
	// (Prometheus text: go_goroutines, and go_gc_heap_live_bytes or
	// go_memstats_heap_alloc_bytes). There is no forced GC then: without
	// go_gc_heap_live_bytes, the heap signal needs at least MinGCCycles
	// GC cycles between checkpoints (go_gc_cycles_total_gc_cycles_total,
	// go_gc_duration_seconds_count, or a new go_memstats_last_gc_time_seconds)
	// and is inconclusive otherwise. pprof is still used for the site diff
	// when it answers.
	MetricsURL string
	// AllowRemote permits targets that are not loopback addresses.
	AllowRemote bool
	// NetHTTP sends the load with net/http's client even to plain http
	// targets, which the load engine's lean HTTP/1.1 client would send
	// (see load.Config.NetHTTP). Report.Client says which one ran.
	NetHTTP bool

	// ModulePath is the target's main module (debug.BuildInfo.Main.Path of
	// its binary), when known: its frames are the user's code even when
	// built with -trimpath. Without it, a frame is the user's when its
	// file is not in the target's GOROOT, the module cache or a vendor
	// directory (package diagnose, Owner).
	ModulePath string

	// Faults are fault proxies (package fault) that run for the length of
	// the soak, in front of the target's dependencies: the target must be
	// configured to call their Listen addresses. Loopback only unless
	// AllowRemote. What they did is in Report.Faults.
	Faults []fault.Config

	// HeapFloor is the heap effect-size floor in bytes per request
	// (default 32); GoroutineFloor in goroutines per request (default
	// 0.01).
	HeapFloor      float64
	GoroutineFloor float64

	// Progress, when set, is called about every 500 ms during load and
	// after every checkpoint, never concurrently.
	Progress func(Progress)

	// Abort abandons a fraction of the requests after warm-up, as clients
	// that give up do (load.Abort). After 0 means the warm-up's median
	// latency, at least load.MinAbortAfter.
	Abort load.Abort
	// SlowClients holds that many extra connections to the first target's
	// host for the whole run, each sending a header byte per second and
	// never the end of its headers (package slowclient), at most
	// slowclient.MaxConns. SlowTimeout is how long the target may hold
	// them before it is a finding (default 30 s, or the run if shorter).
	SlowClients int
	SlowTimeout time.Duration

	// Run, when set, is the command that runs the target (through sh -c,
	// in its own process group, with GODEBUG=memprofilerate=4096 merged
	// in). Run starts it, waits until Ready answers (default: the pprof
	// URL) for at most ReadyTimeout (default 60 s), soaks it and stops it
	// on every path. Its output goes to RunLog (default: a new file in the
	// temporary directory). With it, each checkpoint reads the process's
	// RSS, CPU time, threads and open descriptors, and open descriptors
	// are a third leak signal, with the floor FDFloor (default 0.001 per
	// request).
	Run          string
	Ready        string
	ReadyTimeout time.Duration
	RunLog       string
	FDFloor      float64

	// NoEarlyStop runs the whole planned length even when the verdict is
	// leak and can no longer change (see EarlyStopRule).
	NoEarlyStop bool
}

// Run soaks the targets and returns the report. It fails (nil report) on
// bad configuration, a remote target without AllowRemote, a target that
// cannot be reached or does not answer within 5 s, a target without
// pprof (unless MetricsURL is set), ctx cancelled before the load started,
// and a target that reports values that cannot be true (a negative heap,
// NaN, ...). Its errors do not name the soak: the caller does.
//
// When ctx is cancelled once the load has started, Run stops the load at
// once and returns the report so far, with Interrupted set, and a nil
// error; likewise, with a warning, when the target stops answering the
// checkpoints or the run reaches its time bound.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	// The checks before the load share one budget, so that a target that
	// cannot be reached, or accepts connections but never answers, fails
	// within 5 s in all.
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	p, err := cfg.plan(pctx)
	if err == nil {
		err = cfg.checkDrive()
	}
	if err != nil {
		return nil, interrupted(ctx, err)
	}
	faults, err := startFaults(ctx, p.Faults, p.AllowRemote)
	if err != nil {
		return nil, err
	}
	defer faults.close()
	eng, err := load.New(load.Config{
		Targets:      p.Targets,
		Rate:         p.Rate,
		Concurrency:  p.Concurrency,
		Connections:  p.Connections,
		Timeout:      p.Timeout,
		DrainTimeout: p.Drain,
		AllowRemote:  p.AllowRemote,
		NetHTTP:      p.NetHTTP,
		Abort:        p.Abort, // checked now, applied after warm-up (setAbort)
	})
	if err != nil {
		return nil, err
	}
	_ = eng.SetAbort(load.Abort{}) // cannot fail: no abort
	if p.FDFloor == 0 {
		p.FDFloor = DefaultFDFloor
	}
	defer eng.Close()

	var target *proc.Process
	if p.Run != "" {
		// The process is started before the checks of the target, and
		// their 5 s budget starts once it is ready.
		cancel()
		if target, err = p.startProcess(ctx); err != nil {
			return nil, interrupted(ctx, err)
		}
		defer target.Stop()
		pctx, cancel = context.WithTimeout(ctx, probeTimeout)
		defer cancel()
	}

	for _, addr := range targetAddrs(p.Targets) {
		if err := probeTarget(pctx, addr, p.AllowRemote); err != nil {
			return nil, interrupted(ctx, err)
		}
	}
	smp := newSampler(p.pprofURL, p.MetricsURL, p.AllowRemote)
	smp.owner.ModulePath = p.ModulePath // analysis side: own code (sampler.go)
	defer smp.close()
	var warnings []string
	if err := smp.probePprof(pctx); err != nil {
		if p.MetricsURL == "" || ctx.Err() != nil || isValueError(err) {
			return nil, interrupted(ctx, err)
		}
		warnings = append(warnings, "no heap or goroutine sites: "+firstLine(err.Error()))
		smp.pprof = ""
	}
	if p.MetricsURL != "" {
		if err := smp.probeMetrics(pctx); err != nil {
			return nil, interrupted(ctx, err)
		}
		warnings = append(warnings, "samples come from Prometheus metrics, without a forced GC: the heap series is noisier than with pprof")
	}
	cancel()

	start := time.Now()
	rctx, stop := context.WithDeadline(ctx, start.Add(p.bound))
	defer stop()
	r := &runner{plan: p, eng: eng, smp: smp, start: start, warnings: warnings, parent: ctx, proc: target,
		checkpointsGiven: cfg.Checkpoints != 0}
	if target != nil {
		// The target ending on its own stops the load at once.
		var cancelRun context.CancelCauseFunc
		rctx, cancelRun = context.WithCancelCause(rctx)
		defer cancelRun(nil)
		go func() {
			select {
			case <-target.Exited():
				cancelRun(errTargetExited)
			case <-rctx.Done():
			}
		}()
	}
	r.run(rctx)
	if r.slow != nil {
		r.slow.Stop() // closed on every path, also when the run failed
	}
	if target != nil {
		if err := target.Err(); err != nil {
			return nil, err
		}
	}
	if r.fatal != nil {
		return nil, r.fatal
	}
	rep := r.report()
	r.drive(rep)
	rep.Faults = faults.report(p.Faults)
	return rep, nil
}

// ErrInterrupted is returned by Run when its context is cancelled before
// the load started (Ctrl-C during the checks of the target).
var ErrInterrupted = errors.New("interrupted before the load started")

// interrupted returns ErrInterrupted instead of err when ctx was cancelled:
// the error it caused (a failed probe) says nothing about the target.
func interrupted(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ErrInterrupted
	}
	return err
}

func isValueError(err error) bool {
	var ve *valueError
	return errors.As(err, &ve)
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
	gcs         []gcInfo  // per sample, metrics only
	base, last  *snapshot // profiles at the baseline and the last checkpoint
	interrupted bool
	warnings    []string
	lastSnap    load.Snapshot   // for the progress rate
	parent      context.Context // Run's context, without the time bound
	lastLatency load.Latency    // of the last load segment, for its checkpoint

	slow            *slowclient.Pool // Config.SlowClients
	proc            *proc.Process    // Config.Run
	procPID         int              // the process Sample measures
	procUnsupported bool
	procErrs        int
	earlyStop       string // why the run stopped early, once certain
	// checkpointsGiven: Config.Checkpoints was set, densify keeps it.
	checkpointsGiven bool
	// fatal, when set, fails Run: the target reported values that cannot
	// be true.
	fatal error
}

// run drives the phases; it records in r what stopped it early.
func (r *runner) run(ctx context.Context) {
	// Open every connection of the pool before the baseline: the target's
	// per-connection goroutines and buffers must not grow during the run.
	// A target that does not answer them in PrimeTimeout will not make a
	// soak either: say so now rather than at the time bound.
	pctx, cancel := context.WithTimeout(ctx, PrimeTimeout)
	_, err := r.eng.Prime(pctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			r.interrupted = true
			r.warnings = append(r.warnings, fmt.Sprintf(
				"stopped during warm-up: the target did not answer the first %d requests (one per connection) within %v: is the handler stuck, or much slower than -timeout?",
				r.eng.Connections(), PrimeTimeout))
			return
		}
		r.stop(ctx, "warm-up", err)
		return
	}
	if err := r.startSlowClients(ctx); err != nil {
		r.fatal = err
		r.interrupted = true
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
	r.densify(warmElapsed)
	if err := r.setAbort(r.eng.Total()); err != nil {
		r.fatal = err
		return
	}

	// Baseline: profiles first, so that the sample after them already
	// includes whatever fetching them costs the target (and, in process,
	// the soak itself).
	if r.smp.pprof != "" {
		snap, err := r.smp.profiles(ctx)
		if err != nil {
			if ctx.Err() != nil || isValueError(err) {
				r.stop(ctx, "the baseline checkpoint", err)
				return
			}
			r.warnings = append(r.warnings, fmt.Sprintf("no sites: %v", err))
		}
		r.base = snap
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
		if !r.NoEarlyStop && i < r.Checkpoints {
			if why := earlyStop(r.samples, r.HeapFloor, r.GoroutineFloor, r.FDFloor); why != "" {
				r.earlyStop = why
				break
			}
		}
	}
	if r.base != nil {
		snap, err := r.smp.profiles(ctx)
		if err != nil {
			r.stop(ctx, "the final profiles", err)
			return
		}
		r.last = snap
	}
}

// stop records why the run stopped early: cancellation, the time bound, a
// failure of the load or of the target. A value that cannot be true is
// fatal: Run fails with it.
func (r *runner) stop(ctx context.Context, phase string, err error) {
	r.interrupted = true
	switch {
	case isValueError(err):
		r.fatal = err
	case r.parent.Err() != nil:
		r.warnings = append(r.warnings, fmt.Sprintf("interrupted during %s", phase))
	case ctx.Err() != nil:
		r.warnings = append(r.warnings, fmt.Sprintf(
			"stopped during %s at the time bound of the run (%v: its planned length plus the grace): requests or checkpoints took longer than planned%s",
			phase, r.bound.Round(time.Millisecond), r.slowHint()))
	default:
		r.warnings = append(r.warnings, fmt.Sprintf("stopped during %s: %v", phase, err))
	}
}

// slowHint says what made the run slow, when the engine's counters show it.
func (r *runner) slowHint() string {
	tot := r.eng.Total()
	if tot.Drained > 0 {
		return fmt.Sprintf("; %s requests were still running at checkpoints after %v and were counted as timeouts: the target answers slowly or not at all",
			groupInt(tot.Drained), r.Drain)
	}
	if n := tot.ErrorReasons["timeout"]; n > 0 {
		return fmt.Sprintf("; %s requests timed out", groupInt(n))
	}
	return ""
}

// segment runs one load segment, reporting progress meanwhile. It returns
// false when the run must end.
func (r *runner) segment(ctx context.Context, phase string, seg load.Segment) bool {
	stopProgress := r.progressLoop(phase)
	res, err := r.eng.Run(ctx, seg)
	stopProgress()
	r.lastLatency = res.Latency
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
	rd, err := r.smp.sample(ctx)
	if err != nil {
		r.stop(ctx, fmt.Sprintf("checkpoint %d", len(r.samples)), err)
		return false
	}
	tot := r.eng.Total()
	smp := Sample{
		Requests:       tot.Requests,
		ElapsedSeconds: time.Since(r.start).Seconds(),
		HeapBytes:      rd.heap,
		Goroutines:     rd.goroutines,
	}
	if rd.gc.haveCycles {
		smp.GCCycles = rd.gc.cycles
	}
	if l := r.lastLatency; l.P50 > 0 {
		smp.Latency = &SampleLatency{P50: l.P50, P99: l.P99}
	}
	r.sampleProcess(&smp)
	r.samples = append(r.samples, smp)
	r.gcs = append(r.gcs, rd.gc)
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
