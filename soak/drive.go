package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/proc"
	"github.com/ginleak/ginleak/soak/slowclient"
	"github.com/ginleak/ginleak/soak/stats"
)

// What the runner does besides plain load: clients that give up
// (Config.Abort), slow clients (Config.SlowClients), a target it starts
// itself (Config.Run) and the process signals that come with it.

// DefaultFDFloor is the open-descriptor effect-size floor, descriptors per
// request: an upstream response body never closed leaks one per request.
const DefaultFDFloor = 0.001

// SlowClients is what the slow connections saw (package slowclient).
type SlowClients = slowclient.Result

// SampleLatency holds latency quantiles of the load between two
// checkpoints, in milliseconds.
type SampleLatency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// ProcessReport describes the target process started by Config.Run.
type ProcessReport struct {
	PID     int    `json:"pid"`
	Command string `json:"command"`
	// Log is the file holding its output.
	Log string `json:"log"`
	// Supported is false where the process cannot be read (not Linux):
	// the figures below are then zero.
	Supported    bool  `json:"supported"`
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// CPUSeconds is the CPU time it used between the first and the last
	// checkpoint; CPUUtilisation that over the wall time between them (1
	// is one core busy).
	CPUSeconds     float64  `json:"cpu_seconds"`
	CPUUtilisation float64  `json:"cpu_utilisation"`
	Threads        int      `json:"threads"`
	FDs            FDResult `json:"fds"`
}

// FDResult is the verdict on the process's open file descriptors, a leak
// signal with the same statistics as the heap and the goroutines.
type FDResult = CountResult

// errTargetExited cancels the run when the process of Config.Run ends.
var errTargetExited = errors.New("the target process exited")

// startProcess starts Config.Run and waits until it answers at the
// readiness URL. The caller stops it on every path.
func (p *plan) startProcess(ctx context.Context) (*proc.Process, error) {
	ready := p.Ready
	if ready == "" {
		ready = p.pprofURL + "/"
		if p.MetricsURL != "" {
			ready = p.MetricsURL
		}
	}
	opts := []proc.Option{proc.WithReady(ready)}
	if p.ReadyTimeout > 0 {
		opts = append(opts, proc.WithReadyTimeout(p.ReadyTimeout))
	}
	if p.RunLog != "" {
		opts = append(opts, proc.WithLogFile(p.RunLog))
	}
	return proc.Start(ctx, p.Run, opts...)
}

// checkDrive validates the driving options of a Config.
func (c Config) checkDrive() error {
	if c.SlowClients < 0 || c.SlowClients > slowclient.MaxConns {
		return fmt.Errorf("%d slow clients: want 0 to %d (each is a descriptor and a goroutine here and in the target; a few hundred show whether the server closes them)",
			c.SlowClients, slowclient.MaxConns)
	}
	if c.SlowTimeout < 0 {
		return fmt.Errorf("slow-client timeout %v: want a positive duration (0 for the default, %v)", c.SlowTimeout, slowclient.DefaultHoldLimit)
	}
	if c.ReadyTimeout < 0 {
		return fmt.Errorf("ready timeout %v: want a positive duration (0 for the default, %v)", c.ReadyTimeout, proc.DefaultReadyTimeout)
	}
	if math.IsNaN(c.FDFloor) || math.IsInf(c.FDFloor, 0) || c.FDFloor < 0 {
		return fmt.Errorf("fd floor %v: want a finite number, at least 0 (0 for the default)", c.FDFloor)
	}
	if c.Run == "" && (c.Ready != "" || c.RunLog != "") {
		return errors.New("a readiness URL or a log file without a command to run: give the command too (--run)")
	}
	return nil
}

// startSlowClients opens the slow connections to the first target's
// host, with its path and Host header.
func (r *runner) startSlowClients(ctx context.Context) error {
	if r.SlowClients == 0 {
		return nil
	}
	u, err := r.Targets[0].ParsedURL()
	if err != nil {
		return err
	}
	opts := []slowclient.Option{slowclient.WithPath(pathOf(u))}
	if r.SlowTimeout > 0 {
		opts = append(opts, slowclient.WithHoldLimit(r.SlowTimeout))
	}
	pool, err := slowclient.Start(ctx, hostPort(u), r.SlowClients, opts...)
	if err != nil {
		return err
	}
	r.slow = pool
	return nil
}

func pathOf(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" || strings.Contains(p, "{{") {
		p = "/"
	}
	return p
}

// setAbort turns the aborts on after warm-up: with no After given, a
// client gives up within the warm-up's median latency (at least 1 ms), so
// that most of the abandoned requests leave while their handler runs.
func (r *runner) setAbort(warm load.Result) error {
	a := r.Abort
	if a.Rate == 0 {
		return nil
	}
	if a.After == 0 {
		a.After = max(time.Duration(warm.Latency.P50*float64(time.Millisecond)), load.MinAbortAfter)
	}
	return r.eng.SetAbort(a)
}

// sampleProcess adds the target process's resources to s.
func (r *runner) sampleProcess(s *Sample) {
	if r.proc == nil || r.procUnsupported {
		return
	}
	ps, err := r.proc.Sample()
	if err != nil {
		if errors.Is(err, proc.ErrNotSupported) {
			r.procUnsupported = true
			r.warnings = append(r.warnings, "the target process's resources (RSS, CPU, threads, open files) are read from /proc, which this system does not have: no fds signal")
			return
		}
		r.procErrs++
		if r.procErrs == 1 {
			r.warnings = append(r.warnings, fmt.Sprintf("reading the target process: %v", err))
		}
		return
	}
	s.FDs, s.RSSBytes, s.Threads = ps.FDs, ps.RSSBytes, ps.Threads
	s.CPUSeconds = ps.CPU.Seconds()
	r.procPID = ps.PID
}

// drive adds to rep what the driving options measured, and their effect
// on the verdict: an fd leak is a leak, slow clients held are a finding.
func (r *runner) drive(rep *Report) {
	tot := r.eng.Total()
	if a := r.eng.Abort(); a.Rate > 0 {
		rep.Aborted = tot.Aborted
		if sent := tot.Requests + tot.Aborted; sent > 0 {
			rep.AbortRate = float64(tot.Aborted) / float64(sent)
		}
		rep.AbortSeed = a.Seed
		rep.AbortAfterMs = float64(a.After) / float64(time.Millisecond)
	}
	if r.slow != nil {
		res := r.slow.Stop()
		rep.SlowClients = &res
		if f := res.Finding(); f != "" {
			rep.Findings = append(rep.Findings, f)
		}
	}
	if r.earlyStop != "" {
		rep.EarlyStop = r.earlyStop
	}
	if r.proc != nil {
		r.processReport(rep)
	}
}

// processReport fills rep.Process and folds the fds signal into the
// verdict.
func (r *runner) processReport(rep *Report) {
	pr := &ProcessReport{PID: r.proc.PID(), Command: r.Run, Log: r.proc.LogPath(), Supported: !r.procUnsupported}
	if r.procPID != 0 {
		pr.PID = r.procPID
	}
	rep.Process = pr
	if r.procUnsupported || len(r.samples) == 0 {
		return
	}
	first, last := r.samples[0], r.samples[len(r.samples)-1]
	xs := make([]float64, 0, len(r.samples))
	fds := make([]float64, 0, len(r.samples))
	for _, s := range r.samples {
		pr.PeakRSSBytes = max(pr.PeakRSSBytes, s.RSSBytes)
		pr.Threads = max(pr.Threads, s.Threads)
		if s.FDs > 0 {
			xs, fds = append(xs, float64(s.Requests)), append(fds, float64(s.FDs))
		}
	}
	pr.CPUSeconds = last.CPUSeconds - first.CPUSeconds
	if wall := last.ElapsedSeconds - first.ElapsedSeconds; wall > 0 {
		pr.CPUUtilisation = finite(pr.CPUSeconds / wall)
	}
	ft := stats.Analyze(xs, fds, stats.Criteria{MinSlope: r.FDFloor})
	pr.FDs = countResult(ft, r.FDFloor, first.FDs, last.FDs)
	var measured int64
	if n := len(rep.Samples); n > 1 {
		measured = rep.Samples[n-1].Requests - rep.Samples[0].Requests
	}
	switch {
	case ft.Verdict == stats.Leak && rep.Verdict != stats.Leak && measured >= MinRequests:
		rep.Verdict = stats.Leak
		rep.Reason = fmt.Sprintf("open file descriptors grow %s per 1,000 requests (%d -> %d, floor %s): %s; %s",
			num(1000*ft.Slope), first.FDs, last.FDs, num(1000*r.FDFloor), ft.Reason, rep.Reason)
	case ft.Verdict == stats.Leak && rep.Verdict == stats.Leak:
		rep.Reason += fmt.Sprintf("; open file descriptors grow %s per 1,000 requests (%d -> %d)", num(1000*ft.Slope), first.FDs, last.FDs)
	case ft.Verdict == stats.Inconclusive && rep.Verdict == stats.Stable:
		rep.Verdict = stats.Inconclusive
		rep.Reason = "open file descriptors " + ft.Reason + "; " + rep.Reason
	}
}

// WriteDriveText writes, after WriteText, what the driving options
// measured: aborts, slow clients, the target process, an early stop.
func (r *Report) WriteDriveText(w io.Writer) error {
	ew := &errWriter{w: w}
	p := ew.printf
	if r.AbortSeed != 0 {
		p("\n  aborted     %s (%.1f%% of requests sent; each within %s of sending; --abort-seed %d repeats them)\n",
			groupInt(r.Aborted), 100*r.AbortRate, formatMs(r.AbortAfterMs), r.AbortSeed)
	}
	if s := r.SlowClients; s != nil {
		p("\n  slow clients %d opened, %d closed by the target (after %s median, %s max), %d open at the end\n",
			s.Opened, s.ClosedByTarget, formatSec(s.CloseAfterS.P50), formatSec(s.CloseAfterS.Max), s.OpenAtEnd)
		if s.TooShort {
			p("               the run was too short to tell whether the target closes them (under %.0f s)\n", slowclient.MinWindow.Seconds())
		}
		if s.Failed > 0 {
			p("               %d could not be opened: %s\n", s.Failed, s.FailReason)
		}
	}
	if pr := r.Process; pr != nil {
		p("\n  process     pid %d, log %s\n", pr.PID, pr.Log)
		if pr.Supported {
			p("              peak RSS %s, CPU %.1fs (%.0f%% of a core), %d threads\n",
				formatBytes(float64(pr.PeakRSSBytes)), pr.CPUSeconds, 100*pr.CPUUtilisation, pr.Threads)
			p("  fds         %-12s %s per 1,000 requests (%s to %s)   %d -> %d\n", pr.FDs.Verdict,
				signed(1000*pr.FDs.PerRequest, 2), signed(1000*pr.FDs.PerRequestLow, 2), signed(1000*pr.FDs.PerRequestHigh, 2),
				pr.FDs.Start, pr.FDs.End)
		}
	}
	if r.EarlyStop != "" {
		p("\n  early stop  %s\n", r.EarlyStop)
	}
	for _, f := range r.Findings {
		p("\nFINDING: %s\n", f)
	}
	return ew.err
}

func formatSec(s float64) string {
	if s == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fs", s)
}
