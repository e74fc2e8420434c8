package soak

import (
	"fmt"
	"time"

	"github.com/ginleak/ginleak/soak/stats"
)

// The sequential stop: a run whose leak verdict can no longer change ends
// early; stable needs the whole run.
const (
	// EarlyStopMinCheckpoints is the fewest checkpoints after the
	// baseline before a run may stop early.
	EarlyStopMinCheckpoints = 6
	// EarlyStopFloorFactor: the lower bound of the slope's interval must
	// be above this many times the floor.
	EarlyStopFloorFactor = 4
	// EarlyStopP is the Mann–Kendall p-value the trend must be below.
	EarlyStopP = 1e-4
	// EarlySegment is the load between two checkpoints the runner aims at
	// when early stop is on and the checkpoints were not given: with
	// checkpoints this close, a steady leak passes the rule after about
	// ten of them (the trend test needs ten points for p < 1e-4).
	EarlySegment = 500 * time.Millisecond
	// maxDenseCheckpoints bounds the checkpoints densify adds: each pauses
	// the load for a drain, the settle time and a sample.
	maxDenseCheckpoints = 60
)

// EarlyStopRule describes the rule for reports and docs.
const EarlyStopRule = "after at least 6 checkpoints, a signal's slope interval lies above 4× its floor and its trend test gives p < 1e-4 with no slow-down"

// earlyStop returns why the run may stop now, or "" when it must go on:
// a signal whose verdict is leak and can no longer change.
func earlyStop(samples []Sample, heapFloor, gorFloor, fdFloor float64) string {
	if len(samples) < EarlyStopMinCheckpoints+1 {
		return ""
	}
	xs := make([]float64, len(samples))
	hs := make([]float64, len(samples))
	gs := make([]float64, len(samples))
	fs := make([]float64, 0, len(samples))
	for i, s := range samples {
		xs[i], hs[i], gs[i] = float64(s.Requests), float64(s.HeapBytes), float64(s.Goroutines)
		if s.FDs > 0 {
			fs = append(fs, float64(s.FDs))
		}
	}
	for _, sig := range []struct {
		name  string
		verb  string
		ys    []float64
		floor float64
		scale float64
		unit  string
	}{
		{"the live heap", "grows", hs, heapFloor, 1, "B/request"},
		{"goroutines", "grow", gs, gorFloor, 1000, "per 1,000 requests"},
		{"open file descriptors", "grow", fs, fdFloor, 1000, "per 1,000 requests"},
	} {
		if len(sig.ys) != len(xs) || sig.floor <= 0 {
			continue
		}
		t := stats.Analyze(xs, sig.ys, stats.Criteria{MinSlope: sig.floor})
		if t.Verdict == stats.Leak && t.SlopeLow > EarlyStopFloorFactor*sig.floor && t.P < EarlyStopP {
			return fmt.Sprintf("after %d checkpoints: %s %s at least %s %s (over %d× the floor) with p=%s; the verdict can no longer change (--no-early-stop runs the whole length)",
				len(samples)-1, sig.name, sig.verb, num(sig.scale*t.SlopeLow), sig.unit, EarlyStopFloorFactor, num(t.P))
		}
	}
	return ""
}

// densify, with early stop on and the checkpoints left to their default,
// spreads checkpoints about EarlySegment apart over what is left of the
// run, so that a leak can be called after a few seconds of load. The
// warm-up's throughput sizes the segments of a run bounded by requests.
func (r *runner) densify(warmElapsed time.Duration) {
	if r.NoEarlyStop || r.checkpointsGiven {
		return
	}
	n := 0
	switch {
	case r.Duration > 0 && (r.Requests == 0 || r.rate() > 0):
		n = int((r.Duration - warmElapsed) / EarlySegment)
	case r.Requests > 0:
		tot := r.eng.Total()
		if tot.Elapsed <= 0 || tot.Requests == 0 {
			return
		}
		perSeg := float64(tot.Requests) / tot.Elapsed.Seconds() * EarlySegment.Seconds()
		left := r.Requests - tot.Requests
		n = int(float64(left) / max(perSeg, 1))
		n = min(n, int(left/MinSegmentRequests))
	}
	n = min(n, maxDenseCheckpoints)
	if n > r.Checkpoints {
		r.Checkpoints = n
	}
}
