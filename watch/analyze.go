package watch

import (
	"fmt"
	"strings"
	"time"

	"github.com/ginleak/ginleak/soak/stats"
)

// analyze decides on one instance: it builds the instance's timeline from
// the request counter (resets and start-time changes split it into
// segments), takes the longest segment, and runs soak's statistics on each
// signal over the requests served.
func analyze(cfg *config, d *data, k key, limit float64) Instance {
	in := Instance{Job: k.job, Instance: k.instance, Per: "request", TimeToLimitSeconds: -1}
	signals := []struct {
		name    string
		metric  string
		pts     []point
		decides bool
	}{
		{SignalHeap, d.heapName[k], d.heap[k], true},
		{SignalGoroutines, MetricGoroutines, d.gauges[SignalGoroutines][k], true},
		{SignalFDs, MetricOpenFDs, d.gauges[SignalFDs][k], true},
		{SignalRSS, MetricRSS, d.gauges[SignalRSS][k], false},
	}
	in.HeapMetric = d.heapName[k]
	var last int64
	all := make([][]point, 0, len(signals))
	for _, s := range signals {
		all = append(all, s.pts)
		if n := len(s.pts); n > 0 {
			last = max(last, s.pts[n-1].t)
		}
	}
	if last > 0 {
		in.LastSample = time.UnixMilli(last).UTC()
		if d.end-last > 2*d.step.Milliseconds() {
			in.Stale = true
			in.Notes = append(in.Notes, fmt.Sprintf("no sample since %s: the instance is gone or its scrapes fail; its values are the last seen",
				in.LastSample.Format(time.RFC3339)))
		}
	}

	counter, haveCounter := d.requests[k]
	if haveCounter && len(counter) > 0 {
		in.RequestsMetric = d.requestsName[k]
	} else {
		counter = nil
		in.Per = "hour"
		in.Notes = append(in.Notes, "no request counter: growth is measured per hour, not per request (pass --requests-metric)")
	}
	tl := buildTimeline(counter, d.starts[k], all)
	if len(tl.ts) == 0 {
		in.Verdict = stats.Inconclusive
		in.Notes = append(in.Notes, "no samples of the request counter in the window")
		for _, s := range signals {
			in.Signals = append(in.Signals, Signal{Name: s.name, Metric: s.metric, Verdict: stats.Inconclusive,
				Decides: s.decides, Current: lastValue(s.pts), Reason: "no request counter samples"})
		}
		return in
	}
	in.Segments = len(tl.segments)
	used := tl.longest()
	seg := tl.segments[used]
	if in.Segments > 1 {
		restarts := "1 restart"
		if in.Segments > 2 {
			restarts = fmt.Sprintf("%d restarts", in.Segments-1)
		}
		in.Notes = append(in.Notes, fmt.Sprintf("%s in the window: verdicts use the longest run, segment %d of %d (%s to %s)",
			restarts, used+1, in.Segments,
			time.UnixMilli(tl.ts[seg.from]).UTC().Format(time.RFC3339), time.UnixMilli(tl.ts[seg.to]).UTC().Format(time.RFC3339)))
	}
	in.Used = Span{Start: time.UnixMilli(tl.ts[seg.from]).UTC(), End: time.UnixMilli(tl.ts[seg.to]).UTC(), Points: seg.to - seg.from + 1}
	if tl.counter != nil {
		in.Requests = tl.counter[seg.to] - tl.counter[seg.from]
	}

	floors := cfg.floors
	if in.Per == "hour" {
		floors = cfg.hourFloors
	}
	var verdicts []stats.Verdict
	for _, s := range signals {
		sig := Signal{Name: s.name, Metric: s.metric, Decides: s.decides, Floor: floors[s.name], Current: lastValue(s.pts)}
		if len(s.pts) == 0 {
			sig.Verdict = stats.Inconclusive
			sig.Reason = "not exported"
			if s.decides && s.name != SignalFDs { // process_open_fds is Linux only: its absence decides nothing
				verdicts = append(verdicts, stats.Inconclusive)
			}
			in.Signals = append(in.Signals, sig)
			continue
		}
		xs, ys, _ := tl.xy(used, s.pts)
		sig.Samples = len(xs)
		rx, ry := reduce(xs, ys, cfg.points)
		t := stats.Analyze(rx, ry, stats.Criteria{MinSlope: sig.Floor})
		sig.Verdict, sig.Points = t.Verdict, t.N
		sig.Slope, sig.SlopeLow, sig.SlopeHigh, sig.P = t.Slope, t.SlopeLow, t.SlopeHigh, t.P
		sig.Reason = reword(t.Reason, in.Per)
		if t.N > 0 && t.N < stats.MinPoints {
			sig.Reason += "; widen --window or lower --step"
		}
		if s.decides {
			verdicts = append(verdicts, sig.Verdict)
		}
		in.Signals = append(in.Signals, sig)
	}
	in.Verdict = combine(verdicts)

	in.MemoryLimit = limit
	if limit > 0 {
		in.LimitSource = MetricContainerLimit
		if cfg.memoryLimit > 0 {
			in.LimitSource = "--memory-limit"
		}
		in.TimeToLimitSeconds = projection(&in, tl, seg, limit)
	}
	return in
}

// combine is the instance's verdict: leak when a deciding signal leaks,
// else inconclusive when one is, else stable.
func combine(vs []stats.Verdict) stats.Verdict {
	out := stats.Stable
	for _, v := range vs {
		switch v {
		case stats.Leak:
			return stats.Leak
		case stats.Inconclusive:
			out = stats.Inconclusive
		}
	}
	return out
}

// projection is the time, in seconds, until the memory reaches limit if
// the heap keeps growing at its slope and the instance keeps serving
// requests at the segment's average rate: from the current RSS (what a
// container limit counts) or, without it, the current heap. It is -1
// unless the heap leaks.
func projection(in *Instance, tl timeline, seg segment, limit float64) float64 {
	h := in.Signal(SignalHeap)
	if h == nil || h.Verdict != stats.Leak || !(h.Slope > 0) {
		return -1
	}
	base := h.Current
	if r := in.Signal(SignalRSS); r != nil && r.Current > 0 {
		base = r.Current
	}
	if base >= limit {
		return 0
	}
	secs := float64(tl.ts[seg.to]-tl.ts[seg.from]) / 1000
	if !(secs > 0) {
		return -1
	}
	perSecond := h.Slope / 3600 // per hour
	if in.Per == "request" {
		perSecond = h.Slope * in.Requests / secs
	}
	if !(perSecond > 0) {
		return -1
	}
	return (limit - base) / perSecond
}

// reword adapts soak's reasons, which give soak's flags as advice and say
// "per request", to watch: a longer window is what gives more data here.
func reword(reason, per string) string {
	reason = strings.ReplaceAll(reason, "e.g. double --duration or --requests", "e.g. a longer --window")
	if per != "request" {
		reason = strings.ReplaceAll(reason, "per request", "per "+per)
		reason = strings.ReplaceAll(reason, "request count", "time")
	}
	return reason
}

func lastValue(pts []point) float64 {
	for i := len(pts) - 1; i >= 0; i-- {
		if isFinite(pts[i].v) {
			return pts[i].v
		}
	}
	return 0 // JSON has no NaN; Points and Samples say there was nothing
}
