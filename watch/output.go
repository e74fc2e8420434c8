package watch

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/renameio/v2"

	"github.com/ginleak/ginleak/soak/stats"
)

// MaxDetails bounds the instances whose reasons WriteText prints below the
// table (leaking first, then inconclusive); the JSON report has them all.
const MaxDetails = 25

// WriteText writes the report as a table, one line per instance, leaking
// first, followed by the reasons for the leaking and inconclusive ones.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "prometheus: %s\nselector:   %s\nwindow:     %s to %s, step %s\n\n",
		r.Prometheus, orAll(r.Selector), r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339), r.Step)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tVERDICT\tHEAP\tGOROUTINES\tFDS\tRSS\tHEAP GROWTH\tGOROUTINE GROWTH\tHEAP NOW\tGOROUTINES NOW\tTO LIMIT\tRESTARTS")
	for i := range r.Instances {
		in := &r.Instances[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n",
			key{in.Job, in.Instance}, verdictText(in.Verdict, in.Stale),
			in.verdict(SignalHeap), in.verdict(SignalGoroutines), in.verdict(SignalFDs), in.verdict(SignalRSS),
			in.growth(SignalHeap, true), in.growth(SignalGoroutines, false),
			in.current(SignalHeap, true), in.current(SignalGoroutines, false),
			in.toLimit(), max(0, in.Segments-1))
	}
	tw.Flush()
	fmt.Fprintf(ew, "\n%d instances: %d leaking, %d inconclusive, %d stable.\n", len(r.Instances), r.Leaking, r.Inconclusive, r.Stable)
	shown := 0
	for i := range r.Instances {
		in := &r.Instances[i]
		if in.Verdict == stats.Stable && len(in.Notes) == 0 {
			continue
		}
		if shown == MaxDetails {
			fmt.Fprintf(ew, "\n(details of the other instances are in the --json report)\n")
			break
		}
		shown++
		fmt.Fprintf(ew, "\n%s: %s", key{in.Job, in.Instance}, strings.ToUpper(string(in.Verdict)))
		if in.RequestsMetric != "" {
			fmt.Fprintf(ew, " (x: %s, %s requests; heap: %s)", in.RequestsMetric, count(in.Requests), in.HeapMetric)
		}
		fmt.Fprintln(ew)
		for i, site := range in.HeapSites {
			if i == 3 {
				break
			}
			fmt.Fprintf(ew, "  heap site: %s %s:%d (+%s)\n", site.Function, site.File, site.Line, bytesText(float64(site.Bytes)))
		}
		for i, site := range in.GoroutineSites {
			if i == 3 {
				break
			}
			fmt.Fprintf(ew, "  goroutine site: %s %s:%d (+%d, %s)\n", site.Function, site.File, site.Line, site.Count, site.State)
		}
		for _, n := range in.Notes {
			fmt.Fprintf(ew, "  note: %s\n", n)
		}
		if in.Verdict == stats.Stable {
			continue
		}
		for _, s := range in.Signals {
			if s.Verdict == stats.Stable {
				continue
			}
			fmt.Fprintf(ew, "  %s (%s): %s: %s\n", s.Name, s.Metric, s.Verdict, s.Reason)
		}
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(ew, "warning: %s\n", w)
	}
	return ew.err
}

func verdictText(v stats.Verdict, stale bool) string {
	s := strings.ToUpper(string(v))
	if stale {
		s += " (stale)"
	}
	return s
}

func (in *Instance) verdict(name string) string {
	s := in.Signal(name)
	if s == nil || (s.Samples == 0 && s.Reason == "not exported") {
		return "-"
	}
	return string(s.Verdict)
}

// growth is the slope per 1,000 requests (or per hour), "-" when the
// statistics had too few points to estimate it.
func (in *Instance) growth(name string, isBytes bool) string {
	s := in.Signal(name)
	if s == nil || s.Points < stats.MinPoints {
		return "-"
	}
	v, unit := s.Slope*1000, "/1k req"
	if in.Per != "request" {
		v, unit = s.Slope, "/h"
	}
	if isBytes {
		return bytesText(v) + unit
	}
	return numText(v) + unit
}

// numText formats a count compactly, without exponents.
func numText(v float64) string {
	if math.Abs(v) >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func (in *Instance) current(name string, isBytes bool) string {
	s := in.Signal(name)
	if s == nil || s.Reason == "not exported" {
		return "-"
	}
	if isBytes {
		return bytesText(s.Current)
	}
	return fmt.Sprintf("%.0f", s.Current)
}

func (in *Instance) toLimit() string {
	switch {
	case in.TimeToLimitSeconds < 0:
		return "-"
	case in.TimeToLimitSeconds == 0:
		return "reached"
	}
	return durationText(time.Duration(math.Min(in.TimeToLimitSeconds, 1e9) * float64(time.Second)))
}

// bytesText formats a byte count in binary units.
func bytesText(b float64) string {
	a := math.Abs(b)
	switch {
	case a >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case a >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case a >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

func durationText(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	case d >= time.Hour:
		return fmt.Sprintf("%.1fh", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%.0fm", d.Minutes())
	}
	return d.Round(time.Second).String()
}

func count(f float64) string {
	if f >= 1e6 {
		return fmt.Sprintf("%.1fM", f/1e6)
	}
	return fmt.Sprintf("%.0f", f)
}

// MarshalIndented returns the report as indented JSON.
func (r *Report) MarshalIndented() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteJSONFile writes the report to path as JSON, whole or not at all: a
// temporary file in the same directory renamed over it, so a reader (a
// dashboard, a cron job's next run) never sees half a report.
func (r *Report) WriteJSONFile(path string) error {
	b, err := r.MarshalIndented()
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(path, b, 0o644, renameio.WithTempDir(filepath.Dir(path))); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
