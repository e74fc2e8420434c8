package watch

import (
	"math"
	"slices"
	"time"

	"github.com/ginleak/ginleak/soak/stats"
)

// point is one sample of a range query: a step timestamp (milliseconds
// since the epoch, as Prometheus returns them) and a value.
type point struct {
	t int64
	v float64
}

// segment is a span of one process's life inside the window: the indexes
// [from, to] of the instance's timeline, with x measured from its start.
type segment struct {
	from, to int // inclusive indexes into timeline.ts
	// afterRestart: the segment starts at a restart seen inside the window,
	// so its first points are the new process warming up.
	afterRestart bool
}

// timeline is an instance's x axis: the step timestamps at which the
// request counter (or, without one, any signal) has a sample, and x at
// each, the requests served since the start of its segment (or the hours
// since it, without a counter).
type timeline struct {
	ts       []int64
	counter  []float64 // raw counter values; nil without a counter
	segments []segment
}

// buildTimeline splits an instance's samples into segments, one per
// process lifetime. A new segment starts where the request counter goes
// down (a reset) or process_start_time_seconds changes; gaps (steps with no
// sample: a failed scrape, a stale series) are left as gaps, never filled.
// counter may be nil (no request counter): then the timestamps are the
// union of the signals' and only start-time changes split. starts may be
// nil.
func buildTimeline(counter []point, starts []point, signals [][]point) timeline {
	var tl timeline
	if counter != nil {
		for _, p := range counter {
			if isFinite(p.v) {
				tl.ts = append(tl.ts, p.t)
				tl.counter = append(tl.counter, p.v)
			}
		}
	} else {
		seen := map[int64]bool{}
		for _, s := range signals {
			for _, p := range s {
				if isFinite(p.v) && !seen[p.t] {
					seen[p.t] = true
					tl.ts = append(tl.ts, p.t)
				}
			}
		}
		slices.Sort(tl.ts)
	}
	if len(tl.ts) == 0 {
		return tl
	}
	// The start time in force at each timestamp: the latest sample at or
	// before it. A change between two consecutive known values is a
	// restart, wherever in the gap it happened.
	startAt := func(i int) (float64, bool) { return 0, false }
	if len(starts) > 0 {
		j := -1
		lastT := int64(math.MinInt64)
		startAt = func(i int) (float64, bool) {
			t := tl.ts[i]
			if t < lastT { // calls come in increasing order; restart the scan otherwise
				j = -1
			}
			lastT = t
			for j+1 < len(starts) && starts[j+1].t <= t {
				j++
			}
			if j < 0 {
				return 0, false
			}
			return starts[j].v, true
		}
	}
	seg := segment{from: 0}
	prevStart, havePrev := startAt(0)
	for i := 1; i < len(tl.ts); i++ {
		restart := tl.counter != nil && tl.counter[i] < tl.counter[i-1]
		if s, ok := startAt(i); ok {
			// Start times are floats (seconds, from /proc): only a change of
			// more than a second is a new process, not rounding.
			if havePrev && math.Abs(s-prevStart) > 1 {
				restart = true
			}
			prevStart, havePrev = s, true
		}
		if restart {
			seg.to = i - 1
			tl.segments = append(tl.segments, seg)
			seg = segment{from: i, afterRestart: true}
		}
	}
	seg.to = len(tl.ts) - 1
	tl.segments = append(tl.segments, seg)
	return tl
}

// longest returns the index of the segment with the most timestamps (the
// later one on a tie: it describes the process running now).
func (tl timeline) longest() int {
	best := -1
	for i, s := range tl.segments {
		if best < 0 || s.to-s.from >= tl.segments[best].to-tl.segments[best].from {
			best = i
		}
	}
	return best
}

// warmupFraction of a segment that starts at a restart is left out: the new
// process's heap and goroutines grow to their working level, which is not a
// leak. Soak leaves out the same fraction of its run.
const warmupFraction = 0.10

// xy returns the pairs (x, y) of signal on segment k of the timeline: x the
// requests since the segment's first used timestamp (or hours, without a
// counter), y the signal's value at the same step. Steps where the signal
// has no sample are skipped, not interpolated. It also returns the
// timestamps used.
func (tl timeline) xy(k int, signal []point) (xs, ys []float64, ts []int64) {
	seg := tl.segments[k]
	from := seg.from
	if seg.afterRestart {
		span := tl.ts[seg.to] - tl.ts[seg.from]
		cut := tl.ts[seg.from] + int64(warmupFraction*float64(span))
		for from < seg.to && tl.ts[from] < cut {
			from++
		}
	}
	vals := make(map[int64]float64, len(signal))
	for _, p := range signal {
		if isFinite(p.v) {
			vals[p.t] = p.v
		}
	}
	for i := from; i <= seg.to; i++ {
		y, ok := vals[tl.ts[i]]
		if !ok {
			continue
		}
		var x float64
		if tl.counter != nil {
			x = tl.counter[i] - tl.counter[from]
		} else {
			x = float64(tl.ts[i]-tl.ts[from]) / float64(time.Hour/time.Millisecond)
		}
		xs = append(xs, x)
		ys = append(ys, y)
		ts = append(ts, tl.ts[i])
	}
	return xs, ys, ts
}

// reduce shrinks a series to at most n points for the statistics, whose
// cost grows with the square of the points: consecutive runs of points
// become one point, the median x and the median y of the run. Medians keep
// the rank-based statistics robust (one odd scrape moves nothing) and
// smooth the heap's saw-tooth between garbage collections. Series with n
// points or fewer are returned as they are.
func reduce(xs, ys []float64, n int) ([]float64, []float64) {
	if n <= 0 || len(xs) <= n {
		return xs, ys
	}
	rx := make([]float64, 0, n)
	ry := make([]float64, 0, n)
	for b := range n {
		lo, hi := b*len(xs)/n, (b+1)*len(xs)/n
		if hi <= lo {
			continue
		}
		rx = append(rx, stats.Median(xs[lo:hi]))
		ry = append(ry, stats.Median(ys[lo:hi]))
	}
	return rx, ry
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
