package soak

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ginleak/ginleak/soak/leakprofile"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/stats"
)

// Report is the outcome of a soak. Its JSON form is documented in
// docs/soak-json.md; the fields named there keep their names.
type Report struct {
	// Verdict is the overall verdict: leak if either signal leaks, else
	// inconclusive if either is, else stable.
	Verdict stats.Verdict `json:"verdict"`
	// Reason says why, in one or two sentences.
	Reason string `json:"reason"`
	// Interrupted is set when the run stopped early (cancelled, or the
	// target stopped answering); the verdict uses the samples taken.
	Interrupted bool `json:"interrupted"`
	// Warnings holds things the user should know (high error rate, no
	// profiles, ...).
	Warnings []string `json:"warnings"`

	Requests       int64   `json:"requests"`
	Errors         int64   `json:"errors"`
	ErrorRate      float64 `json:"error_rate"`
	BehindSchedule int64   `json:"behind_schedule"`
	// Drained counts the requests still running when a checkpoint's drain
	// wait ended: cancelled, and counted in Errors as timeouts.
	Drained      int64            `json:"drained"`
	StatusCodes  map[int]int64    `json:"status_codes"`
	ErrorReasons map[string]int64 `json:"error_reasons"`

	Heap       HeapResult      `json:"heap"`
	Goroutines GoroutineResult `json:"goroutines"`

	HeapSites      []HeapSite      `json:"heap_sites"`
	GoroutineSites []GoroutineSite `json:"goroutine_sites"`
	// GoroutineHeapBytes is the growth of the live heap held by the
	// runtime's records of new goroutines (runtime.newproc1), left out of
	// HeapSites: it comes with leaked goroutines, which GoroutineSites
	// name.
	GoroutineHeapBytes int64 `json:"goroutine_heap_bytes,omitempty"`
	// GoroutineLeakProfile compares the runtime's goroutineleak profile
	// (Go ≥ 1.27: goroutines the GC proved leaked) at the first and the
	// last checkpoint; available is false for older targets. Absent when
	// no profiles were read (metrics only, or the run stopped early).
	GoroutineLeakProfile *leakprofile.Report `json:"goroutine_leak_profile,omitempty"`
	// MemProfileRate is the target's heap sampling rate in bytes (0 when
	// no heap profile was read); SamplingAdvice is set when it is too
	// coarse to attribute the measured growth.
	MemProfileRate int64  `json:"mem_profile_rate"`
	SamplingAdvice string `json:"sampling_advice,omitempty"`

	Latency       Latency `json:"latency_ms"`
	ThroughputRPS float64 `json:"throughput_rps"`
	// LoadSeconds is the time spent sending load; ElapsedSeconds the wall
	// time of the run, checkpoints included; TimeBoundS the most it was
	// allowed (planned length plus Grace).
	LoadSeconds    float64 `json:"load_s"`
	ElapsedSeconds float64 `json:"elapsed_s"`
	TimeBoundS     float64 `json:"time_bound_s"`

	// Model is "open" (Rate in req/s) or "closed" (Concurrency workers).
	Model       string  `json:"model"`
	Rate        float64 `json:"rate,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	Connections int     `json:"connections"`
	// Client is the load engine's client: "lean" (its own HTTP/1.1
	// client) or "net/http" (https targets, or Config.NetHTTP).
	Client string `json:"client"`
	// Source is where samples come from: "pprof" or "metrics".
	Source string `json:"source"`
	// HeapMetric is, for Source "metrics", the metric the heap was read
	// from: go_gc_heap_live_bytes, go_memstats_heap_alloc_bytes or
	// go_memstats_heap_inuse_bytes.
	HeapMetric string   `json:"heap_metric,omitempty"`
	Targets    []string `json:"targets"`

	Samples []Sample `json:"samples"`

	// Driving side (soak/drive.go): what the run did besides plain load.
	// Aborted counts requests abandoned on purpose (Config.Abort), in
	// neither Requests nor Errors; AbortRate is their share of all
	// requests sent; AbortSeed and AbortAfterMs repeat the run.
	Aborted      int64   `json:"aborted,omitempty"`
	AbortRate    float64 `json:"abort_rate,omitempty"`
	AbortSeed    uint64  `json:"abort_seed,omitempty"`
	AbortAfterMs float64 `json:"abort_after_ms,omitempty"`
	// SlowClients is what the slow connections saw (Config.SlowClients);
	// Findings holds the problems found besides a leak (slow clients held).
	SlowClients *SlowClients `json:"slow_clients,omitempty"`
	Findings    []string     `json:"findings,omitempty"`
	// Process is the target process started by Config.Run.
	Process *ProcessReport `json:"process,omitempty"`
	// Faults is what the fault proxies of Config.Faults did.
	Faults []FaultReport `json:"faults,omitempty"`
	// EarlyStop says why the run stopped before its planned end, once its
	// verdict could no longer change.
	EarlyStop string `json:"early_stop,omitempty"`
}

// HeapResult is the verdict on the live heap.
type HeapResult struct {
	Verdict stats.Verdict `json:"verdict"`
	// BytesPerRequest is the Theil–Sen slope; Low and High its confidence
	// interval.
	BytesPerRequest     float64 `json:"bytes_per_request"`
	BytesPerRequestLow  float64 `json:"bytes_per_request_low"`
	BytesPerRequestHigh float64 `json:"bytes_per_request_high"`
	StartBytes          int64   `json:"start_bytes"`
	EndBytes            int64   `json:"end_bytes"`
	// PValue is the one-sided Mann–Kendall p-value of an upward trend.
	PValue float64 `json:"p_value"`
	// Floor is the effect-size floor in bytes per request.
	Floor  float64 `json:"floor"`
	Reason string  `json:"reason"`
}

// GoroutineResult is the verdict on the goroutine count.
type GoroutineResult = CountResult

// CountResult is the verdict on a count that grows per request: the
// goroutines, and the open file descriptors of a target started by --run.
type CountResult struct {
	Verdict        stats.Verdict `json:"verdict"`
	PerRequest     float64       `json:"per_request"`
	PerRequestLow  float64       `json:"per_request_low"`
	PerRequestHigh float64       `json:"per_request_high"`
	Start          int           `json:"start"`
	End            int           `json:"end"`
	PValue         float64       `json:"p_value"`
	Floor          float64       `json:"floor"`
	Reason         string        `json:"reason"`
}

// countResult is t as a CountResult; the slopes are made finite for JSON.
func countResult(t stats.Trend, floor float64, start, end int) CountResult {
	return CountResult{
		Verdict: t.Verdict, PerRequest: finite(t.Slope), PerRequestLow: finite(t.SlopeLow),
		PerRequestHigh: finite(t.SlopeHigh), Start: start, End: end, PValue: finite(t.P),
		Floor: floor, Reason: t.Reason,
	}
}

// HeapSite is an allocation site whose live bytes grew between the first
// and the last checkpoint: the first frame in the target's own code.
type HeapSite struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Bytes    int64  `json:"bytes"`
	Objects  int64  `json:"objects"`
	// Alloc is the frame that allocated, when it differs from the site.
	Alloc *Frame `json:"alloc,omitempty"`
	// Cause names the known library cause of the growth (docs/known-leaks.md),
	// when the site's code called a library function the table knows.
	Cause *Cause `json:"cause,omitempty"`
}

// GoroutineSite is a stack whose goroutine count grew between the first
// and the last checkpoint.
type GoroutineSite struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	// Count is the growth; Total the count at the last checkpoint.
	Count     int    `json:"count"`
	Total     int    `json:"total"`
	State     string `json:"state"`
	CreatedBy *Frame `json:"created_by,omitempty"`
	// Cause names the known cause of such stacks (docs/known-leaks.md),
	// when the table knows it.
	Cause *Cause `json:"cause,omitempty"`
}

// Cause is a row of the table of known leaks (package soak/diagnose)
// applied to a site: what the stack means and what to change.
type Cause struct {
	// ID is the rule's stable ID, the anchor of its section in Doc.
	ID    string `json:"id"`
	Cause string `json:"cause"`
	Fix   string `json:"fix"`
	Doc   string `json:"doc"`
	// Frame is the library frame the rule matched.
	Frame *Frame `json:"frame,omitempty"`
	// Caller is the user's frame that made the call, when known (for
	// goroutines of an HTTP client connection, from the heap profile).
	Caller *Frame `json:"caller,omitempty"`
}

// Frame is a source location.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// Latency holds latency quantiles in milliseconds, measured from each
// request's intended send time in the open model.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Sample is one checkpoint.
type Sample struct {
	// Requests is the number of requests completed when it was taken.
	Requests int64 `json:"requests"`
	// ElapsedSeconds is the wall time since the start of the run.
	ElapsedSeconds float64 `json:"elapsed_s"`
	HeapBytes      int64   `json:"heap_bytes"`
	Goroutines     int     `json:"goroutines"`
	// GCCycles is the target's cumulative GC cycle count, when its
	// metrics export one (Source "metrics").
	GCCycles int64 `json:"gc_cycles,omitempty"`
	// Latency is the latency of the load since the previous checkpoint.
	Latency *SampleLatency `json:"latency_ms,omitempty"`
	// The target process's resources (Config.Run, Linux).
	FDs        int     `json:"fds,omitempty"`
	RSSBytes   int64   `json:"rss_bytes,omitempty"`
	CPUSeconds float64 `json:"cpu_s,omitempty"`
	Threads    int     `json:"threads,omitempty"`
}

// Progress is a live view of a running soak, passed to Config.Progress.
type Progress struct {
	// Phase is "warm-up", "load" or "checkpoint".
	Phase string
	// Elapsed is the wall time since the run started.
	Elapsed  time.Duration
	Requests int64
	Errors   int64
	// RPS is the request rate over the last interval.
	RPS float64
	// Checkpoint is the number of checkpoints taken so far, out of
	// Checkpoints (the first, after warm-up, is the baseline).
	Checkpoint, Checkpoints int
	// HaveSample tells whether HeapBytes and Goroutines (the last
	// checkpoint's) are set.
	HaveSample bool
	HeapBytes  int64
	Goroutines int
}

// FormatProgress renders p as one short line for a terminal status line
// (the caller rewrites it with \r).
func FormatProgress(p Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %6.1fs  %s req  %s req/s  %s errors", p.Phase, p.Elapsed.Seconds(),
		groupInt(p.Requests), groupInt(int64(math.Round(p.RPS))), groupInt(p.Errors))
	if p.HaveSample {
		fmt.Fprintf(&b, "  heap %s  goroutines %s", formatBytes(float64(p.HeapBytes)), groupInt(int64(p.Goroutines)))
	}
	fmt.Fprintf(&b, "  checkpoint %d/%d", p.Checkpoint, p.Checkpoints)
	return b.String()
}

// maxTextSites is how many sites of each kind WriteText lists.
const maxTextSites = 5

// WriteText writes the report for a terminal: the verdict first, then the
// slopes, latency, throughput, errors and the top growing sites.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	p := ew.printf
	p("%s: %s\n", strings.ToUpper(string(r.Verdict)), r.Reason)
	if r.Interrupted {
		p("(the run stopped early; the verdict uses the %d checkpoints taken)\n", len(r.Samples))
	}
	p("\n")
	if len(r.Samples) < 2 {
		// Nothing was measured: zeros would read as a measurement.
		p("  heap        n/a (no checkpoint)\n")
		p("  goroutines  n/a (no checkpoint)\n")
	} else {
		p("  heap        %-12s %s B/request (%s to %s)   %s -> %s\n",
			r.Heap.Verdict, signed(r.Heap.BytesPerRequest, 1), signed(r.Heap.BytesPerRequestLow, 1),
			signed(r.Heap.BytesPerRequestHigh, 1), formatBytes(float64(r.Heap.StartBytes)), formatBytes(float64(r.Heap.EndBytes)))
		p("  goroutines  %-12s %s per 1,000 requests (%s to %s)   %s -> %s\n",
			r.Goroutines.Verdict, signed(1000*r.Goroutines.PerRequest, 2), signed(1000*r.Goroutines.PerRequestLow, 2),
			signed(1000*r.Goroutines.PerRequestHigh, 2), groupInt(int64(r.Goroutines.Start)), groupInt(int64(r.Goroutines.End)))
	}
	p("\n")
	p("  latency     p50 %s  p90 %s  p99 %s  max %s\n",
		formatMs(r.Latency.P50), formatMs(r.Latency.P90), formatMs(r.Latency.P99), formatMs(r.Latency.Max))
	model := r.Model + " model"
	if r.Model == "open" {
		model = fmt.Sprintf("open model at %s req/s", groupInt(int64(math.Round(r.Rate))))
	} else if r.Model == "closed" {
		model = fmt.Sprintf("closed model, %d workers", r.Concurrency)
	}
	p("  throughput  %s req/s (%s requests in %.1fs of load, %s, %d connections)\n",
		groupInt(int64(math.Round(r.ThroughputRPS))), groupInt(r.Requests), r.LoadSeconds, model, r.Connections)
	p("  errors      %s (%.1f%%)%s\n", groupInt(r.Errors), 100*r.ErrorRate, r.errorDetail())
	p("  behind      %s sends started more than %v late\n", groupInt(r.BehindSchedule), load.BehindThreshold)
	p("  checkpoints %d (%s), run took %.1fs\n", len(r.Samples), r.Source, r.ElapsedSeconds)

	if len(r.HeapSites) > 0 && r.Heap.Verdict != stats.Stable {
		p("\nTop growing allocation sites (heap profile diff, first vs last checkpoint):\n")
		for _, s := range r.HeapSites[:min(len(r.HeapSites), maxTextSites)] {
			p("  %10s  %8s objects  %s\n", formatBytes(float64(s.Bytes)), groupInt(s.Objects), s.Function)
			p("  %10s  %8s          %s\n", "", "", location(s.File, s.Line))
			if s.Alloc != nil {
				p("  %10s  %8s          allocated in %s (%s)\n", "", "", s.Alloc.Function, location(s.Alloc.File, s.Alloc.Line))
			}
			for _, line := range s.Cause.lines() {
				p("  %10s  %8s          %s\n", "", "", line)
			}
		}
	}
	if r.GoroutineHeapBytes > 0 && r.Goroutines.Verdict != stats.Stable {
		p("\n  %s more is the runtime's records of the new goroutines (runtime.newproc1): see the goroutine stacks\n",
			formatBytes(float64(r.GoroutineHeapBytes)))
	}
	if len(r.GoroutineSites) > 0 && r.Goroutines.Verdict != stats.Stable {
		p("\nTop growing goroutine stacks (goroutine dump diff, first vs last checkpoint):\n")
		for _, s := range r.GoroutineSites[:min(len(r.GoroutineSites), maxTextSites)] {
			p("  %+8d  [%s]  %s\n", s.Count, s.State, s.Function)
			p("  %8s  %s\n", "", location(s.File, s.Line))
			if s.CreatedBy != nil {
				p("  %8s  created by %s (%s)\n", "", s.CreatedBy.Function, location(s.CreatedBy.File, s.CreatedBy.Line))
			}
			for _, line := range s.Cause.lines() {
				p("  %8s  %s\n", "", line)
			}
		}
	}
	if lp := r.GoroutineLeakProfile; lp != nil && lp.Available && lp.Leaked > 0 {
		// Older targets do not serve the profile: nothing to say.
		p("\nGoroutines the runtime proved leaked (goroutineleak profile): %s at the last checkpoint, %s more than at the first\n",
			groupInt(int64(lp.Leaked)), groupInt(int64(lp.Growth)))
		for _, s := range lp.Sites[:min(len(lp.Sites), maxTextSites)] {
			p("  %+8d  %s\n", s.Growth, s.Function)
			p("  %8s  %s (%s leaked there)\n", "", location(s.File, s.Line), groupInt(int64(s.Count)))
		}
	}
	if r.SamplingAdvice != "" {
		p("\nAdvice: %s\n", r.SamplingAdvice)
	}
	if len(r.Warnings) > 0 {
		p("\n")
		for _, wn := range r.Warnings {
			p("warning: %s\n", wn)
		}
	}
	return ew.err
}

// lines are a cause as the text report prints it under its site: what it
// means (and which call of the user's made it, when known), then the fix.
func (c *Cause) lines() []string {
	if c == nil {
		return nil
	}
	what := "cause: " + c.Cause
	if c.Caller != nil {
		what += fmt.Sprintf(" (called from %s, %s)", c.Caller.Function, location(c.Caller.File, c.Caller.Line))
	}
	return []string{what, "fix: " + c.Fix + " (" + c.Doc + ")"}
}

func (r *Report) errorDetail() string {
	parts := r.errorParts()
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, ", ")
}

// failureDetail says which requests failed, out of all: "404: 2,000 of
// 2,000", or "1,900 of 2,000: 404: 1,500, timeout: 400".
func (r *Report) failureDetail() string {
	parts := r.errorParts()
	of := groupInt(r.Errors) + " of " + groupInt(r.Requests)
	switch len(parts) {
	case 0:
		return of
	case 1:
		return parts[0] + " of " + groupInt(r.Requests)
	}
	return of + ": " + strings.Join(parts, ", ")
}

// errorPath names what most requests got, for a leak found while most
// failed: "most requests answered 504 (1,990 of 2,000)" when one status
// code (or transport error: "most requests failed with timeout (…)") got
// more than half of them, else "most requests failed (…)" with the
// breakdown.
func (r *Report) errorPath() string {
	var bestCode int
	var best int64
	for c, n := range r.StatusCodes {
		if (c < 200 || c > 299) && (n > best || n == best && c < bestCode) {
			bestCode, best = c, n
		}
	}
	var bestReason string
	for k, n := range r.ErrorReasons {
		if n > best || n == best && bestCode == 0 && k < bestReason {
			bestReason, best, bestCode = k, n, 0
		}
	}
	if r.Requests > 0 && 2*best > r.Requests {
		of := groupInt(best) + " of " + groupInt(r.Requests)
		if bestCode != 0 {
			return fmt.Sprintf("most requests answered %d (%s)", bestCode, of)
		}
		return fmt.Sprintf("most requests failed with %s (%s)", bestReason, of)
	}
	return "most requests failed (" + r.failureDetail() + ")"
}

// errorParts lists the failures by status code, then by transport error:
// "404: 2,000".
func (r *Report) errorParts() []string {
	var parts []string
	codes := make([]int, 0, len(r.StatusCodes))
	for c := range r.StatusCodes {
		if c < 200 || c > 299 {
			codes = append(codes, c)
		}
	}
	sort.Ints(codes)
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d: %s", c, groupInt(r.StatusCodes[c])))
	}
	reasons := make([]string, 0, len(r.ErrorReasons))
	for k := range r.ErrorReasons {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		parts = append(parts, fmt.Sprintf("%s: %s", k, groupInt(r.ErrorReasons[k])))
	}
	return parts
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func location(file string, line int) string {
	if file == "" {
		return "?"
	}
	return file + ":" + strconv.Itoa(line)
}

// groupInt formats n with thousands separators: 12,345.
func groupInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// signed formats f with a sign and digits decimals, grouping thousands.
func signed(f float64, digits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', digits, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(intPart, 10, 64)
	out := groupInt(n)
	if frac != "" {
		out += "." + frac
	}
	if f < 0 && strings.Trim(s, "0.") != "" {
		return "-" + out
	}
	return "+" + out
}

// formatBytes formats a byte count with a binary unit.
func formatBytes(b float64) string {
	neg := b < 0
	if neg {
		b = -b
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	var s string
	if i == 0 {
		s = fmt.Sprintf("%.0f %s", b, units[i])
	} else {
		s = fmt.Sprintf("%.1f %s", b, units[i])
	}
	if neg {
		return "-" + s
	}
	return s
}

func formatMs(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	default:
		return fmt.Sprintf("%.2f ms", ms)
	}
}
