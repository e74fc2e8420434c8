package htmlreport

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ginleak/ginleak/watch"
)

// Watch writes the page of a fleet check: the fleet's verdict, then one row
// per instance (leaking first) with each signal's verdict and growth, the
// projected time to the memory limit and the notes (restarts, staleness).
func Watch(w io.Writer, rep *watch.Report) error {
	p := &page{
		Title:    "ginleak watch: " + strings.ToUpper(string(rep.Verdict)),
		Verdict:  string(rep.Verdict),
		Headline: strings.ToUpper(string(rep.Verdict)),
		Reason: fmt.Sprintf("%d instances: %d leaking, %d inconclusive, %d stable",
			len(rep.Instances), rep.Leaking, rep.Inconclusive, rep.Stable),
		Facts: []fact{
			{"Prometheus", rep.Prometheus}, {"selector", rep.Selector},
			{"window", fmt.Sprintf("%s to %s, step %s", rep.Start.Format(time.RFC3339), rep.End.Format(time.RFC3339), rep.Step)},
		},
	}
	t := table{Head: []string{"instance", "verdict", "heap", "goroutines", "open fds", "RSS", "time to memory limit", "notes"}}
	for _, in := range rep.Instances {
		row := []cellv{{in.Job + "/" + in.Instance, "code"}, {string(in.Verdict), verdictClass(string(in.Verdict))}}
		for _, name := range []string{watch.SignalHeap, watch.SignalGoroutines, watch.SignalFDs, watch.SignalRSS} {
			row = append(row, cellv{signalText(in, name), ""})
		}
		ttl := "—"
		switch {
		case in.TimeToLimitSeconds == 0:
			ttl = "at the limit"
		case in.TimeToLimitSeconds > 0:
			ttl = (time.Duration(in.TimeToLimitSeconds) * time.Second).Round(time.Minute).String()
		}
		notes := in.Notes
		if in.Stale {
			notes = append([]string{"stale: no sample for the last steps"}, notes...)
		}
		row = append(row, cellv{ttl, "num"}, cellv{strings.Join(notes, "; "), ""})
		t.Rows = append(t.Rows, row)
	}
	p.Sections = append(p.Sections, section{
		Title:  "Instances, leaking first",
		Note:   "Growth of each signal per 1,000 requests served (per hour without a request counter), with soak's statistics: Theil–Sen slope, Mann–Kendall trend, effect-size floor. A restart splits an instance's series; the longest run decides.",
		Tables: []table{t},
	})
	for _, in := range rep.Instances {
		if len(in.HeapSites) == 0 && len(in.GoroutineSites) == 0 {
			continue
		}
		sec := section{Title: "Growing sites of " + in.Job + "/" + in.Instance,
			Note: "From two pprof readings of the instance (--pprof-token)."}
		if len(in.HeapSites) > 0 {
			t := table{Caption: "allocation sites", Head: []string{"function", "file:line", "live bytes grown"}}
			for _, s := range in.HeapSites {
				t.Rows = append(t.Rows, []cellv{{s.Function, "code"}, {loc(s.File, s.Line), "code"}, {bytesText(float64(s.Bytes)), "num"}})
			}
			sec.Tables = append(sec.Tables, t)
		}
		if len(in.GoroutineSites) > 0 {
			t := table{Caption: "goroutine stacks", Head: []string{"function", "file:line", "grown", "state"}}
			for _, s := range in.GoroutineSites {
				t.Rows = append(t.Rows, []cellv{{s.Function, "code"}, {loc(s.File, s.Line), "code"}, {fmt.Sprint(s.Count), "num"}, {s.State, ""}})
			}
			sec.Tables = append(sec.Tables, t)
		}
		p.Sections = append(p.Sections, sec)
	}
	if len(rep.Warnings) > 0 {
		p.Sections = append(p.Sections, section{Title: "Warnings", List: rep.Warnings})
	}
	p.Footer = append([]string{"queries:"}, rep.Queries...)
	return p.render(w)
}

func signalText(in watch.Instance, name string) string {
	s := in.Signal(name)
	if s == nil || s.Verdict == "" {
		return "—"
	}
	scale, unit := 1000.0, "/1k req"
	if in.Per == "hour" {
		scale, unit = 1, "/h"
	}
	v := s.Slope * scale
	if name == watch.SignalHeap || name == watch.SignalRSS {
		return fmt.Sprintf("%s: %s%s", s.Verdict, bytesText(v), unit)
	}
	return fmt.Sprintf("%s: %s%s", s.Verdict, signed(v), unit)
}

func verdictClass(v string) string {
	switch v {
	case "leak":
		return "bad"
	case "stable":
		return "good"
	}
	return ""
}
