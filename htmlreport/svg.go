package htmlreport

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Chart is one line chart. Its SVG is self-contained, with axis labels,
// ticks and a legend.
type Chart struct {
	Title          string
	XLabel, YLabel string // with units, e.g. "requests", "live heap (MiB)"
	Series         []Series
	// Shade is an x range drawn as a grey band, e.g. the warm-up.
	Shade *Span
	// ShadeLabel names it in the legend.
	ShadeLabel string
}

// Span is an x range.
type Span struct{ From, To float64 }

// Series is one line of a chart.
type Series struct {
	Name  string
	Color string
	X, Y  []float64
	// Points draws a marker at every point (checkpoints).
	Points bool
	// Dashed draws the line dashed (fits).
	Dashed bool
	// Low and High, when set, draw a filled band between them at X.
	Low, High []float64
}

// Chart geometry, in SVG user units; the viewBox scales it to the page.
const (
	chartW, chartH                   = 640.0, 300.0
	padLeft, padRight, padTop, padBo = 78.0, 16.0, 34.0, 48.0
)

// SVG renders the chart. Non-finite values are dropped, so a hostile report
// cannot produce an invalid path.
func (c Chart) SVG() template.HTML {
	xmin, xmax, ymin, ymax := c.bounds()
	xt := niceTicks(xmin, xmax, 6)
	yt := niceTicks(ymin, ymax, 5)
	xmin, xmax = math.Min(xmin, xt[0]), math.Max(xmax, xt[len(xt)-1])
	ymin, ymax = math.Min(ymin, yt[0]), math.Max(ymax, yt[len(yt)-1])
	px := func(x float64) float64 { return padLeft + (x-xmin)/(xmax-xmin)*(chartW-padLeft-padRight) }
	py := func(y float64) float64 { return chartH - padBo - (y-ymin)/(ymax-ymin)*(chartH-padTop-padBo) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" role="img" aria-label="%s" class="chart">`,
		chartW, chartH, esc(c.Title))
	fmt.Fprintf(&b, `<text x="%g" y="18" class="title">%s</text>`, padLeft, esc(c.Title))
	if c.Shade != nil {
		x0, x1 := px(math.Max(c.Shade.From, xmin)), px(math.Min(c.Shade.To, xmax))
		if x1 > x0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%g" width="%.1f" height="%g" fill="#e8e8e8"/>`, x0, padTop, x1-x0, chartH-padTop-padBo)
		}
	}
	// Grid and ticks.
	for _, t := range yt {
		y := py(t)
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#ddd"/>`, padLeft, y, chartW-padRight, y)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" class="tick" text-anchor="end">%s</text>`, padLeft-6, y+4, tickLabel(t))
	}
	for _, t := range xt {
		x := px(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#999"/>`, x, chartH-padBo, x, chartH-padBo+4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" class="tick" text-anchor="middle">%s</text>`, x, chartH-padBo+17, tickLabel(t))
	}
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/>`, padLeft, chartH-padBo, chartW-padRight, chartH-padBo)
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/>`, padLeft, padTop, padLeft, chartH-padBo)
	fmt.Fprintf(&b, `<text x="%g" y="%g" class="axis" text-anchor="middle">%s</text>`, (padLeft+chartW-padRight)/2, chartH-8, esc(c.XLabel))
	fmt.Fprintf(&b, `<text x="14" y="%g" class="axis" text-anchor="middle" transform="rotate(-90 14 %g)">%s</text>`,
		(padTop+chartH-padBo)/2, (padTop+chartH-padBo)/2, esc(c.YLabel))

	for _, s := range c.Series {
		if len(s.Low) == len(s.X) && len(s.High) == len(s.X) {
			var pts []string
			for i := range s.X {
				if finite(s.X[i], s.High[i]) {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.X[i]), py(s.High[i])))
				}
			}
			for i := len(s.X) - 1; i >= 0; i-- {
				if finite(s.X[i], s.Low[i]) {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.X[i]), py(s.Low[i])))
				}
			}
			if len(pts) > 2 {
				fmt.Fprintf(&b, `<polygon points="%s" fill="%s" fill-opacity="0.15" stroke="none"/>`, strings.Join(pts, " "), s.Color)
			}
		}
		var d strings.Builder
		for i := range s.X {
			if i >= len(s.Y) || !finite(s.X[i], s.Y[i]) {
				continue
			}
			cmd := "L"
			if d.Len() == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f ", cmd, px(s.X[i]), py(s.Y[i]))
		}
		if d.Len() == 0 {
			continue
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, strings.TrimSpace(d.String()), s.Color, dash)
		if s.Points {
			for i := range s.X {
				if i < len(s.Y) && finite(s.X[i], s.Y[i]) {
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, px(s.X[i]), py(s.Y[i]), s.Color)
				}
			}
		}
	}
	c.legend(&b)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from escaped text and numbers only
}

func (c Chart) legend(b *strings.Builder) {
	x := chartW - padRight
	y := 18.0
	type entry struct{ name, color, dash string }
	var es []entry
	for _, s := range c.Series {
		if s.Name != "" {
			d := ""
			if s.Dashed {
				d = ` stroke-dasharray="6 4"`
			}
			es = append(es, entry{s.Name, s.Color, d})
		}
	}
	if c.Shade != nil && c.ShadeLabel != "" {
		es = append(es, entry{c.ShadeLabel, "#cfcfcf", ""})
	}
	// Right-aligned, right to left.
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		w := 7*float64(len([]rune(e.name))) + 30
		x -= w
		fmt.Fprintf(b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="%s" stroke-width="3"%s/>`, x, y-4, x+18, y-4, e.color, e.dash)
		fmt.Fprintf(b, `<text x="%.1f" y="%g" class="legend">%s</text>`, x+22, y, esc(e.name))
	}
}

// bounds is the data range of every series, never empty or degenerate.
func (c Chart) bounds() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	see := func(x, y float64) {
		if !finite(x, y) {
			return
		}
		xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
		ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
	}
	for _, s := range c.Series {
		for i := range s.X {
			if i < len(s.Y) {
				see(s.X[i], s.Y[i])
			}
			if i < len(s.Low) && i < len(s.High) {
				see(s.X[i], s.Low[i])
				see(s.X[i], s.High[i])
			}
		}
	}
	if c.Shade != nil && finite(c.Shade.From, c.Shade.To) {
		xmin = math.Min(xmin, c.Shade.From)
	}
	if math.IsInf(xmin, 1) {
		return 0, 1, 0, 1
	}
	if ymin > 0 {
		// From zero: a stable count of 30 to 31 goroutines must not look
		// like a saw-tooth, and growth still shows as a slope.
		ymin = 0
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	if ymax == ymin {
		ymin, ymax = ymin-1, ymax+1
		if ymin < 0 && ymax > 0 && ymin >= -1 {
			ymin = 0
		}
	}
	return xmin, xmax, ymin, ymax
}

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	span := hi - lo
	step := math.Pow(10, math.Floor(math.Log10(span/float64(n))))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if span/(step*m) <= float64(n) {
			step *= m
			break
		}
	}
	start := math.Floor(lo/step) * step
	var out []float64
	for v := start; v <= hi+step*0.5 && len(out) < 2*n+2; v += step {
		out = append(out, v)
	}
	if len(out) < 2 {
		out = append(out, start+step)
	}
	return out
}

// tickLabel writes large values with k/M suffixes and small ones with just
// enough digits.
func tickLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trim(v/1e9) + "G"
	case a >= 1e6:
		return trim(v/1e6) + "M"
	case a >= 1e4:
		return trim(v/1e3) + "k"
	}
	return trim(v)
}

func trim(v float64) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func esc(s string) string { return template.HTMLEscapeString(s) }
