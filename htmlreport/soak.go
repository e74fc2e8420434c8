package htmlreport

import (
	"fmt"
	"github.com/ginleak/ginleak/internal/textfmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

// Colours of the series: one per run, then the fit.
const (
	colorRun   = "#1f5fbf"
	colorOther = "#d0650c"
	colorFit   = "#7a1fa2"
)

// Soak writes the page of one soak report.
func Soak(w io.Writer, rep *soak.Report) error {
	p := &page{
		Title:    "ginleak soak: " + strings.ToUpper(string(rep.Verdict)),
		Verdict:  string(rep.Verdict),
		Headline: strings.ToUpper(string(rep.Verdict)),
		Reason:   rep.Reason,
		Facts:    soakFacts(rep),
	}
	p.Sections = append(p.Sections, section{
		Title:  "Live heap and goroutines against requests",
		Note:   "Each point is a checkpoint (load paused, in-flight requests drained, heap read after a forced GC). The dashed line is the Theil–Sen fit with its confidence band; the grey band is the warm-up, which the verdict ignores.",
		Charts: signalCharts([]run{{"", colorRun, rep}}, true),
	})
	if extra := resourceCharts(rep); len(extra) > 0 {
		p.Sections = append(p.Sections, section{
			Title:  "Latency and the target process",
			Note:   "Latency of the load between checkpoints; the target's open file descriptors and resident memory when ginleak started it (--run).",
			Charts: extra,
		})
	}
	p.Sections = append(p.Sections, siteSections(rep)...)
	if lp := rep.GoroutineLeakProfile; lp != nil && lp.Available {
		s := section{Title: "Goroutines the runtime proved leaked (Go 1.27 goroutineleak profile)",
			Note: fmt.Sprintf("%d leaked at the last checkpoint, %+d during the run: blocked on something nothing else can reach.", lp.Leaked, lp.Growth)}
		if len(lp.Sites) > 0 {
			t := table{Head: []string{"function", "file:line", "leaked", "grown"}}
			for _, site := range lp.Sites {
				t.Rows = append(t.Rows, []cellv{{site.Function, "code"}, {loc(site.File, site.Line), "code"}, {strconv.Itoa(site.Count), "num"}, {strconv.Itoa(site.Growth), "num"}})
			}
			s.Tables = append(s.Tables, t)
		}
		p.Sections = append(p.Sections, s)
	}
	if len(rep.Faults) > 0 {
		t := table{Head: []string{"proxy", "upstream", "seed", "connections", "delayed", "reset", "blackholed", "down (refused / cut)"}}
		for _, f := range rep.Faults {
			st := f.Stats
			t.Rows = append(t.Rows, []cellv{{f.Listen, "code"}, {f.Upstream, "code"}, {strconv.FormatUint(f.Seed, 10), "num"},
				{group(st.Connections), "num"}, {group(st.Delayed), "num"}, {group(st.Reset), "num"}, {group(st.Blackholed), "num"},
				{group(st.RefusedDown) + " / " + group(st.CutDown), "num"}})
		}
		p.Sections = append(p.Sections, section{Title: "Faults injected", Note: "The fault proxies that ran in front of the target's dependencies (--fault).", Tables: []table{t}})
	}
	if sc := rep.SlowClients; sc != nil {
		s := section{Title: "Slow clients", Facts: []fact{
			{"opened", strconv.Itoa(sc.Opened)}, {"closed by the target", strconv.Itoa(sc.ClosedByTarget)},
			{"open at the end", strconv.Itoa(sc.OpenAtEnd)},
			{"closed after p50 / max", fmt.Sprintf("%.1f s / %.1f s", sc.CloseAfterS.P50, sc.CloseAfterS.Max)},
		}}
		if f := sc.Finding(); f != "" {
			s.Badge, s.List = "failed", []string{f}
		}
		p.Sections = append(p.Sections, s)
	}
	if len(rep.Warnings) > 0 || rep.SamplingAdvice != "" {
		s := section{Title: "Warnings", List: slices.Clone(rep.Warnings)}
		if rep.SamplingAdvice != "" {
			s.List = append(s.List, rep.SamplingAdvice)
		}
		p.Sections = append(p.Sections, s)
	}
	p.Footer = soakFooter(rep)
	return p.render(w)
}

func soakFacts(rep *soak.Report) []fact {
	fs := []fact{
		{"requests", group(rep.Requests)},
		{"errors", fmt.Sprintf("%s (%.1f%%)", group(rep.Errors), 100*rep.ErrorRate)},
		{"throughput", fmt.Sprintf("%s req/s", group(int64(math.Round(rep.ThroughputRPS))))},
		{"latency p50 / p99", fmt.Sprintf("%s / %s ms", ms(rep.Latency.P50), ms(rep.Latency.P99))},
	}
	if len(rep.Samples) >= 2 {
		fs = append(fs,
			fact{"heap " + string(rep.Heap.Verdict), fmt.Sprintf("%s B/request", signed(rep.Heap.BytesPerRequest))},
			fact{"goroutines " + string(rep.Goroutines.Verdict), fmt.Sprintf("%s per 1,000 requests", signed(1000*rep.Goroutines.PerRequest))})
	}
	if pr := rep.Process; pr != nil && pr.Supported {
		fs = append(fs,
			fact{"open fds " + string(pr.FDs.Verdict), fmt.Sprintf("%s per 1,000 requests", signed(1000*pr.FDs.PerRequest))},
			fact{"peak RSS / CPU", fmt.Sprintf("%s / %.2f cores", bytesText(float64(pr.PeakRSSBytes)), pr.CPUUtilisation)})
	}
	if rep.Aborted > 0 {
		fs = append(fs, fact{"aborted on purpose", group(rep.Aborted)})
	}
	return fs
}

func soakFooter(rep *soak.Report) []string {
	model := fmt.Sprintf("closed model, %d workers", rep.Concurrency)
	if rep.Model == "open" {
		model = fmt.Sprintf("open model, %g req/s", rep.Rate)
	}
	return []string{
		"targets: " + strings.Join(rep.Targets, ", "),
		fmt.Sprintf("%s, %d connections, samples from %s, %d checkpoints, run took %.1f s", model, rep.Connections, rep.Source, len(rep.Samples), rep.ElapsedSeconds),
	}
}

// run is one report in a chart, with its legend name and colour.
type run struct {
	name  string
	color string
	rep   *soak.Report
}

// signalCharts draws the heap and goroutine series of runs against
// requests. With one run it adds the fit and its band; with several it
// overlays them.
func signalCharts(runs []run, fit bool) []template.HTML {
	heap := Chart{Title: "Live heap after GC", XLabel: "requests completed", YLabel: "live heap (MiB)", ShadeLabel: "warm-up"}
	gor := Chart{Title: "Goroutines", XLabel: "requests completed", YLabel: "goroutines", ShadeLabel: "warm-up"}
	for _, r := range runs {
		if len(r.rep.Samples) == 0 {
			continue
		}
		xs, hs, gs := samples(r.rep)
		mib := make([]float64, len(hs))
		for i, h := range hs {
			mib[i] = h / (1 << 20)
		}
		name := func(s string) string { return strings.TrimSpace(r.name + " " + s) }
		heap.Series = append(heap.Series, Series{Name: name("live heap"), Color: r.color, X: xs, Y: mib, Points: true})
		gor.Series = append(gor.Series, Series{Name: name("goroutines"), Color: r.color, X: xs, Y: gs, Points: true})
		if fit && len(runs) == 1 && len(xs) >= 4 {
			heap.Series = append(heap.Series, fitSeries(xs, mib, r.rep.Heap.BytesPerRequestLow/(1<<20), r.rep.Heap.BytesPerRequestHigh/(1<<20)))
			gor.Series = append(gor.Series, fitSeries(xs, gs, r.rep.Goroutines.PerRequestLow, r.rep.Goroutines.PerRequestHigh))
		}
		if first := r.rep.Samples[0].Requests; first > 0 && heap.Shade == nil {
			heap.Shade = &Span{0, float64(first)}
			gor.Shade = &Span{0, float64(first)}
		}
	}
	if len(heap.Series) == 0 {
		return nil
	}
	return []template.HTML{heap.SVG(), gor.SVG()}
}

func samples(rep *soak.Report) (xs, hs, gs []float64) {
	for _, s := range rep.Samples {
		xs = append(xs, float64(s.Requests))
		hs = append(hs, float64(s.HeapBytes))
		gs = append(gs, float64(s.Goroutines))
	}
	return xs, hs, gs
}

// fitSeries is the Theil–Sen line of ys over xs (soak's own estimator)
// and the band between the confidence bounds of its slope, pivoting on the
// median point.
func fitSeries(xs, ys []float64, lo, hi float64) Series {
	slope, intercept := stats.TheilSen(xs, ys)
	x0, x1 := slices.Min(xs), slices.Max(xs)
	xm := (x0 + x1) / 2
	ym := intercept + slope*xm
	s := Series{Name: "fit (Theil–Sen, 98% band)", Color: colorFit, Dashed: true}
	for _, x := range []float64{x0, xm, x1} {
		s.X = append(s.X, x)
		s.Y = append(s.Y, intercept+slope*x)
		a, b := ym+lo*(x-xm), ym+hi*(x-xm)
		s.Low = append(s.Low, math.Min(a, b))
		s.High = append(s.High, math.Max(a, b))
	}
	return s
}

// siteSections lists the growing allocation sites and goroutine stacks.
func siteSections(rep *soak.Report) []section {
	var out []section
	if len(rep.HeapSites) > 0 {
		t := table{Head: []string{"function", "file:line", "live bytes grown", "objects", "known cause and fix"}}
		for _, s := range rep.HeapSites {
			t.Rows = append(t.Rows, []cellv{{s.Function, "code"}, {loc(s.File, s.Line), "code"}, {bytesText(float64(s.Bytes)), "num"}, {group(s.Objects), "num"}, {causeText(s.Cause), ""}})
		}
		out = append(out, section{Title: "Growing allocation sites", Note: "From the heap profile at the first checkpoint after warm-up against the last: the first frame in the target's own code.", Tables: []table{t}})
	}
	if len(rep.GoroutineSites) > 0 {
		t := table{Head: []string{"function", "file:line", "grown", "total", "state", "created by", "known cause and fix"}}
		for _, s := range rep.GoroutineSites {
			created := ""
			if s.CreatedBy != nil {
				created = s.CreatedBy.Function + " " + loc(s.CreatedBy.File, s.CreatedBy.Line)
			}
			t.Rows = append(t.Rows, []cellv{{s.Function, "code"}, {loc(s.File, s.Line), "code"}, {strconv.Itoa(s.Count), "num"}, {strconv.Itoa(s.Total), "num"}, {s.State, ""}, {created, "code"}, {causeText(s.Cause), ""}})
		}
		out = append(out, section{Title: "Growing goroutine stacks", Note: "From the goroutine dumps at the first checkpoint after warm-up and the last: where the goroutines are parked.", Tables: []table{t}})
	}
	return out
}

func loc(file string, line int) string {
	if file == "" {
		return ""
	}
	return filepath.ToSlash(file) + ":" + strconv.Itoa(line)
}

func ms(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func signed(v float64) string {
	if math.Abs(v) >= 100 {
		return fmt.Sprintf("%+.0f", v)
	}
	return fmt.Sprintf("%+.2f", v)
}

func bytesText(b float64) string {
	switch a := math.Abs(b); {
	case a >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case a >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case a >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

func group(n int64) string { return textfmt.Group(n) }

func causeText(c *soak.Cause) string {
	if c == nil {
		return ""
	}
	return c.Cause + ". Fix: " + c.Fix + " (" + c.Doc + ")"
}

// resourceCharts draws latency per checkpoint and, for a process ginleak
// started, its open fds and RSS against requests.
func resourceCharts(rep *soak.Report) []template.HTML {
	var out []template.HTML
	lat := Chart{Title: "Latency between checkpoints", XLabel: "requests completed", YLabel: "latency (ms)"}
	p50 := Series{Name: "p50", Color: colorRun, Points: true}
	p99 := Series{Name: "p99", Color: colorOther, Points: true}
	fds := Series{Name: "open fds", Color: colorRun, Points: true}
	rss := Series{Name: "RSS", Color: colorRun, Points: true}
	for _, s := range rep.Samples {
		x := float64(s.Requests)
		if s.Latency != nil {
			p50.X, p50.Y = append(p50.X, x), append(p50.Y, s.Latency.P50)
			p99.X, p99.Y = append(p99.X, x), append(p99.Y, s.Latency.P99)
		}
		if s.FDs > 0 {
			fds.X, fds.Y = append(fds.X, x), append(fds.Y, float64(s.FDs))
		}
		if s.RSSBytes > 0 {
			rss.X, rss.Y = append(rss.X, x), append(rss.Y, float64(s.RSSBytes)/(1<<20))
		}
	}
	if len(p50.X) >= 2 {
		lat.Series = []Series{p50, p99}
		out = append(out, lat.SVG())
	}
	if len(fds.X) >= 2 {
		out = append(out, Chart{Title: "Open file descriptors", XLabel: "requests completed", YLabel: "open fds", Series: []Series{fds}}.SVG())
	}
	if len(rss.X) >= 2 {
		out = append(out, Chart{Title: "Resident memory", XLabel: "requests completed", YLabel: "RSS (MiB)", Series: []Series{rss}}.SVG())
	}
	return out
}
