package htmlreport

import (
	"fmt"
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
	p.Sections = append(p.Sections, siteSections(rep)...)
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
		t := table{Head: []string{"function", "file:line", "live bytes grown", "objects"}}
		for _, s := range rep.HeapSites {
			t.Rows = append(t.Rows, []cellv{{s.Function, "code"}, {loc(s.File, s.Line), "code"}, {bytesText(float64(s.Bytes)), "num"}, {group(s.Objects), "num"}})
		}
		out = append(out, section{Title: "Growing allocation sites", Note: "From the heap profile at the first checkpoint after warm-up against the last: the first frame in the target's own code.", Tables: []table{t}})
	}
	if len(rep.GoroutineSites) > 0 {
		t := table{Head: []string{"function", "file:line", "grown", "total", "state", "created by"}}
		for _, s := range rep.GoroutineSites {
			created := ""
			if s.CreatedBy != nil {
				created = s.CreatedBy.Function + " " + loc(s.CreatedBy.File, s.CreatedBy.Line)
			}
			t.Rows = append(t.Rows, []cellv{{s.Function, "code"}, {loc(s.File, s.Line), "code"}, {strconv.Itoa(s.Count), "num"}, {strconv.Itoa(s.Total), "num"}, {s.State, ""}, {created, "code"}})
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

func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
