// Package stats decides whether a soak series is a leak.
//
// A series is a list of checkpoints (x, y): x is the number of requests the
// target had completed, y a signal read after a forced GC — live heap bytes
// or the goroutine count. Analyze calls it a leak only when the growth is
// (1) significant — Mann–Kendall trend test, one-sided p < Alpha, and the
// lower end of the Theil–Sen confidence interval above zero; (2) large —
// the Theil–Sen slope per request at least the effect-size floor MinSlope;
// and (3) steady, judged on the Theil–Sen slopes s1 and s2 of the first and
// second halves and s of the whole series, with m = MinSlowdown:
//
//   - no slow-down: s2 ≥ m·s1 (a cache filling up levels off);
//   - no sharp speed-up: s1 ≥ (m/2)·s2 (a one-off step late in the run, or
//     a leak that only just started, is flat in the first half);
//   - growth within the halves: max(s1, s2) ≥ m·s (a one-off step between
//     the halves leaves both flat while the overall slope is large).
//
// Growth that is significant and large but not steady is Inconclusive, with
// the advice to run longer; everything else is Stable.
//
// Limits, measured on synthetic series of 12 checkpoints over 18,000
// requests with Gaussian noise σ (see the tests): a 64 B/request leak is
// flagged about 97% of the time at σ = 100 KB but only about 70% at
// σ = 200 KB (the rest come out inconclusive: the half slopes get noisy),
// so keep the checkpoint noise low (read the exact live heap after a forced
// GC with no request in flight) and use more checkpoints when it is not. A
// cache that is still filling at the end of the run (time constant of at
// least half the run) is indistinguishable from a leak by any test on the
// series alone; under noise it can come out leak: run longer.
//
// Everything here is rank based (Theil–Sen, Mann–Kendall), so single
// outlying checkpoints — a GC that ran late, a burst of buffers — move the
// verdict little, and no distribution of the noise is assumed.
package stats

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Verdict is the outcome of Analyze for one signal.
type Verdict string

// The verdicts Analyze returns.
const (
	Leak         Verdict = "leak"         // significant, large and steady growth
	Stable       Verdict = "stable"       // no significant growth, or growth below the floor
	Inconclusive Verdict = "inconclusive" // too little data, or growth that slows down or jumps
)

// Cause is the test of Analyze that decided a Trend's verdict.
type Cause string

// The causes of a verdict.
const (
	CauseTooFew     Cause = "too few points" // inconclusive: too few usable points or no spread in x
	CauseNoTrend    Cause = "no trend"       // stable: not significant (Mann–Kendall or the slope's interval)
	CauseBelowFloor Cause = "below floor"    // stable: significant, but the slope is below MinSlope
	CauseUnsteady   Cause = "unsteady"       // inconclusive: slows down, speeds up or steps
	CauseGrowth     Cause = "steady growth"  // leak
)

// Default criteria values, used by Analyze for zero or out-of-range fields.
const (
	DefaultAlpha       = 0.01 // Mann–Kendall significance level (one-sided)
	DefaultConfidence  = 0.98 // two-sided Theil–Sen interval; its lower end is a one-sided 99% bound
	DefaultMinSlowdown = 0.5  // second-half slope must be ≥ 0.5 × first-half slope

	DefaultHeapMinSlope      = 32   // bytes per request
	DefaultGoroutineMinSlope = 0.01 // goroutines per request
)

// MinPoints is the fewest usable checkpoints Analyze decides on; with fewer
// it returns Inconclusive. Note that Mann–Kendall cannot reach p < 0.01 with
// fewer than 6 points even when they rise strictly (n = 5 gives p ≈ 0.014),
// so a soak needs at least 6, and better 10 or more, checkpoints.
const MinPoints = 4

// Criteria are the thresholds of Analyze. Zero values of Alpha, Confidence
// and MinSlowdown (or values outside their range) mean the defaults.
type Criteria struct {
	// MinSlope is the effect-size floor in units of y per x (e.g. 32 bytes
	// per request). The Theil–Sen point estimate must reach it. Zero means
	// no floor beyond "positive".
	MinSlope float64
	// Alpha is the Mann–Kendall significance level for an increasing
	// trend, in (0, 0.5); default 0.01.
	Alpha float64
	// Confidence is the two-sided level of the Theil–Sen slope interval,
	// in (0, 1); default 0.98. A leak needs the interval's lower end above
	// zero. The floor is tested on the point estimate, not on the lower
	// end: requiring SlopeLow ≥ MinSlope would halve the sensitivity under
	// noise. With the default, the lower end is a one-sided 99% bound, the
	// same evidence level as Alpha, so the two tests agree instead of the
	// interval silently tightening Alpha.
	Confidence float64
	// MinSlowdown: the second half's slope must be at least MinSlowdown ×
	// the first half's, and the larger half slope at least MinSlowdown ×
	// the overall slope; in (0, 1]; default 0.5.
	MinSlowdown float64
}

// HeapCriteria returns the default criteria for live heap bytes per request.
func HeapCriteria() Criteria { return Criteria{MinSlope: DefaultHeapMinSlope} }

// GoroutineCriteria returns the default criteria for goroutines per request.
func GoroutineCriteria() Criteria { return Criteria{MinSlope: DefaultGoroutineMinSlope} }

// withDefaults fills zero or out-of-range fields.
func (c Criteria) withDefaults() Criteria {
	if !(c.Alpha > 0 && c.Alpha < 0.5) {
		c.Alpha = DefaultAlpha
	}
	if !(c.Confidence > 0 && c.Confidence < 1) {
		c.Confidence = DefaultConfidence
	}
	if !(c.MinSlowdown > 0 && c.MinSlowdown <= 1) {
		c.MinSlowdown = DefaultMinSlowdown
	}
	if !(c.MinSlope >= 0) || math.IsInf(c.MinSlope, 0) { // negative or NaN
		c.MinSlope = 0
	}
	return c
}

// Trend is the result of Analyze. Slopes are in units of y per x.
type Trend struct {
	Verdict Verdict
	// N is the number of checkpoints used (finite x and y).
	N int
	// Slope is the Theil–Sen slope; SlopeLow and SlopeHigh its
	// distribution-free confidence interval at Criteria.Confidence.
	Slope, SlopeLow, SlopeHigh float64
	// Intercept is the Theil–Sen intercept, median(y − Slope·x).
	Intercept float64
	// MannKendallZ is the normal score of the Mann–Kendall S statistic, P
	// the one-sided p-value for an increasing trend.
	MannKendallZ, P float64
	// FirstHalfSlope and SecondHalfSlope are Theil–Sen slopes of the first
	// and second halves of the checkpoints (they share the middle point
	// when N is odd).
	FirstHalfSlope, SecondHalfSlope float64
	// Cause is the test that decided the verdict; Reason says it in words.
	Cause Cause
	// Reason is one lowercase sentence saying why this verdict.
	Reason string
}

// TheilSen returns the Theil–Sen estimator of y = intercept + slope·x: the
// median of the slopes of all pairs with distinct x, and the median of
// y − slope·x. Pairs with non-finite values are skipped. It returns NaN,
// NaN when no pair has distinct x.
func TheilSen(xs, ys []float64) (slope, intercept float64) {
	xs, ys = finitePairs(xs, ys)
	slopes := pairSlopes(xs, ys)
	if len(slopes) == 0 {
		return math.NaN(), math.NaN()
	}
	slope = Median(slopes)
	res := make([]float64, len(xs))
	for i := range xs {
		res[i] = ys[i] - slope*xs[i]
	}
	return slope, Median(res)
}

// SenInterval returns the distribution-free confidence interval of the
// Theil–Sen slope at the given two-sided confidence (Sen 1968; Gilbert
// 1987, §16.5): with N' pairwise slopes sorted and C = z(1−α/2)·√Var(S),
// where Var(S) is the tie-corrected Mann–Kendall variance, the bounds are
// the slopes of rank (N'−C)/2 and (N'+C)/2 + 1, interpolated between ranks
// and clamped to the smallest and largest slope. A confidence outside
// (0, 1) means DefaultConfidence. It returns NaN, NaN when no pair has
// distinct x.
func SenInterval(xs, ys []float64, confidence float64) (lo, hi float64) {
	if !(confidence > 0 && confidence < 1) {
		confidence = DefaultConfidence
	}
	xs, ys = finitePairs(xs, ys)
	slopes := pairSlopes(xs, ys)
	if len(slopes) == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(slopes)
	_, ys = sortByX(xs, ys)
	c := normalQuantile(1-(1-confidence)/2) * math.Sqrt(mkVariance(ys))
	n := float64(len(slopes))
	return rank(slopes, (n-c)/2), rank(slopes, (n+c)/2+1)
}

// MannKendall returns the Mann–Kendall statistic S of ys taken in order,
// its normal score z (continuity corrected, with the variance corrected for
// tied values) and the one-sided p-value for an increasing trend. Non-finite
// values are skipped. With no variance (fewer than two distinct values) z
// is 0 and p is 0.5.
func MannKendall(ys []float64) (s, z, p float64) {
	ys = finite(ys)
	for i := range ys {
		for j := i + 1; j < len(ys); j++ {
			switch {
			case ys[j] > ys[i]:
				s++
			case ys[j] < ys[i]:
				s--
			}
		}
	}
	v := mkVariance(ys)
	if v <= 0 {
		return s, 0, 0.5
	}
	switch {
	case s > 0:
		z = (s - 1) / math.Sqrt(v)
	case s < 0:
		z = (s + 1) / math.Sqrt(v)
	}
	return s, z, 0.5 * math.Erfc(z/math.Sqrt2)
}

// Analyze decides whether the series ys over xs is a leak (see the package
// documentation for the rule). Points with a non-finite x or y are dropped;
// the rest are ordered by x. Fewer than MinPoints usable points, mismatched
// lengths or no spread in x give Inconclusive with a reason; Analyze never
// panics.
func Analyze(xs, ys []float64, c Criteria) Trend {
	c = c.withDefaults()
	if len(xs) != len(ys) {
		return Trend{Verdict: Inconclusive, Cause: CauseTooFew, Reason: fmt.Sprintf(
			"mismatched series: %d request counts but %d values", len(xs), len(ys))}
	}
	fx, fy := finitePairs(xs, ys)
	fx, fy = sortByX(fx, fy)
	t := Trend{N: len(fx)}
	dropped := ""
	if d := len(xs) - len(fx); d > 0 {
		dropped = fmt.Sprintf(" (%d checkpoints with missing values dropped)", d)
	}
	if len(fx) < MinPoints {
		t.Verdict, t.Cause = Inconclusive, CauseTooFew
		t.Reason = fmt.Sprintf("only %d usable checkpoints%s; need at least %d (10 or more is better)",
			len(fx), dropped, MinPoints)
		return t
	}
	if fx[0] == fx[len(fx)-1] {
		t.Verdict, t.Cause = Inconclusive, CauseTooFew
		t.Reason = "all checkpoints are at the same request count" + dropped + "; no slope can be measured"
		return t
	}
	t.Slope, t.Intercept = TheilSen(fx, fy)
	t.SlopeLow, t.SlopeHigh = SenInterval(fx, fy, c.Confidence)
	_, t.MannKendallZ, t.P = MannKendall(fy)
	n := len(fx)
	t.FirstHalfSlope = halfSlope(fx[:(n+1)/2], fy[:(n+1)/2])
	t.SecondHalfSlope = halfSlope(fx[n/2:], fy[n/2:])

	ci := fmt.Sprintf("%.0f%% ci %s to %s", 100*c.Confidence, num(t.SlopeLow), num(t.SlopeHigh))
	switch {
	case !(t.P < c.Alpha):
		t.Verdict, t.Cause = Stable, CauseNoTrend
		t.Reason = fmt.Sprintf("no significant upward trend: mann-kendall p=%s (needs < %s), slope %s per request%s",
			num(t.P), num(c.Alpha), num(t.Slope), dropped)
	case !(t.SlopeLow > 0):
		t.Verdict, t.Cause = Stable, CauseNoTrend
		t.Reason = fmt.Sprintf("no significant upward trend: the slope's %s includes zero (mann-kendall p=%s)%s",
			ci, num(t.P), dropped)
	case !(t.Slope >= c.MinSlope):
		t.Verdict, t.Cause = Stable, CauseBelowFloor
		t.Reason = fmt.Sprintf("significant but small growth: %s per request (%s) is below the floor of %s%s",
			num(t.Slope), ci, num(c.MinSlope), dropped)
	case !(t.SecondHalfSlope >= c.MinSlowdown*t.FirstHalfSlope):
		t.Verdict, t.Cause = Inconclusive, CauseUnsteady
		t.Reason = fmt.Sprintf("growth slows down (second half %s× the first): run longer, e.g. double --duration or --requests, to see whether it levels off%s",
			ratio(t.SecondHalfSlope, t.FirstHalfSlope), dropped)
	case !(t.FirstHalfSlope >= c.MinSlowdown/2*t.SecondHalfSlope):
		t.Verdict, t.Cause = Inconclusive, CauseUnsteady
		t.Reason = fmt.Sprintf("growth speeds up (first half %s× the second), as after a late one-off step or a leak that started late: run longer, e.g. double --duration or --requests%s",
			ratio(t.FirstHalfSlope, t.SecondHalfSlope), dropped)
	case !(math.Max(t.FirstHalfSlope, t.SecondHalfSlope) >= c.MinSlowdown*t.Slope):
		t.Verdict, t.Cause = Inconclusive, CauseUnsteady
		t.Reason = fmt.Sprintf("growth is not steady: neither half grows more than %s× the overall slope, as after a one-off step between them: run longer, e.g. double --duration or --requests%s",
			ratio(math.Max(t.FirstHalfSlope, t.SecondHalfSlope), t.Slope), dropped)
	default:
		t.Verdict, t.Cause = Leak, CauseGrowth
		halves := "second half " + ratio(t.SecondHalfSlope, t.FirstHalfSlope) + "× the first"
		if !(t.FirstHalfSlope > 0) {
			halves = "growth starts in the second half"
		}
		t.Reason = fmt.Sprintf("steady growth of %s per request (%s, floor %s), mann-kendall p=%s, %s%s",
			num(t.Slope), ci, num(c.MinSlope), num(t.P), halves, dropped)
	}
	return t
}

// halfSlope is the Theil–Sen slope of a half, 0 when it has no spread in x.
func halfSlope(xs, ys []float64) float64 {
	s, _ := TheilSen(xs, ys)
	if math.IsNaN(s) {
		return 0
	}
	return s
}

// mkVariance is the Mann–Kendall variance of S with the correction for
// groups of tied values: [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18.
func mkVariance(ys []float64) float64 {
	n := float64(len(ys))
	v := n * (n - 1) * (2*n + 5)
	sorted := slices.Clone(ys)
	slices.Sort(sorted)
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		if t := float64(j - i); t > 1 {
			v -= t * (t - 1) * (2*t + 5)
		}
		i = j
	}
	return v / 18
}

// pairSlopes returns the slopes of all pairs with distinct x.
func pairSlopes(xs, ys []float64) []float64 {
	var out []float64
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if dx := xs[j] - xs[i]; dx != 0 {
				out = append(out, (ys[j]-ys[i])/dx)
			}
		}
	}
	return out
}

// finitePairs returns the pairs where both values are finite. Extra values
// of the longer slice are ignored.
func finitePairs(xs, ys []float64) ([]float64, []float64) {
	n := min(len(xs), len(ys))
	fx := make([]float64, 0, n)
	fy := make([]float64, 0, n)
	for i := range n {
		if isFinite(xs[i]) && isFinite(ys[i]) {
			fx = append(fx, xs[i])
			fy = append(fy, ys[i])
		}
	}
	return fx, fy
}

func finite(ys []float64) []float64 {
	out := make([]float64, 0, len(ys))
	for _, y := range ys {
		if isFinite(y) {
			out = append(out, y)
		}
	}
	return out
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// sortByX returns copies of the pairs ordered by x (stable).
func sortByX(xs, ys []float64) ([]float64, []float64) {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(xs[a], xs[b]) })
	sx := make([]float64, len(xs))
	sy := make([]float64, len(ys))
	for i, k := range idx {
		sx[i], sy[i] = xs[k], ys[k]
	}
	return sx, sy
}

// Median is the median of v (which it does not reorder); NaN for none.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// rank returns the value at 1-based fractional rank r of the sorted slice,
// interpolating linearly and clamping to its ends.
func rank(sorted []float64, r float64) float64 {
	n := len(sorted)
	switch {
	case math.IsNaN(r) || r <= 1:
		return sorted[0]
	case r >= float64(n):
		return sorted[n-1]
	}
	i := int(math.Floor(r))
	f := r - float64(i)
	return sorted[i-1] + f*(sorted[i]-sorted[i-1])
}

// normalQuantile is the inverse of the standard normal CDF.
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// num formats a number compactly for reasons.
func num(f float64) string {
	switch a := math.Abs(f); {
	case a >= 1000 && a < 1e12:
		return fmt.Sprintf("%.0f", f)
	case a != 0 && a < 0.001:
		return fmt.Sprintf("%.2g", f)
	}
	return fmt.Sprintf("%.3g", f)
}

// ratio formats a/b, or "n/a" when b is not positive.
func ratio(a, b float64) string {
	if !(b > 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}
