package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// The synthetic soak the tests model: 12 checkpoints after a warm-up of
// 2,000 requests, up to 20,000 requests, on a 20 MB heap.
const (
	nPoints  = 12
	firstX   = 2000.0
	lastX    = 20000.0
	baseHeap = 20e6
)

func checkpoints(n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = firstX + float64(i)*(lastX-firstX)/float64(n-1)
	}
	return xs
}

// series evaluates f at the standard checkpoints and adds Gaussian noise σ.
func series(seed uint64, sigma float64, f func(i int, x float64) float64) (xs, ys []float64) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	xs = checkpoints(nPoints)
	ys = make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = f(i, x) + sigma*r.NormFloat64()
	}
	return xs, ys
}

func linear(b float64) func(int, float64) float64 {
	return func(_ int, x float64) float64 { return baseHeap + b*x }
}

func flat(int, float64) float64 { return baseHeap }

// plateau is a cache filling up: capacity c with time constant tau (a
// fraction of the run).
func plateau(c, tau float64) func(int, float64) float64 {
	return func(_ int, x float64) float64 {
		return baseHeap + c*(1-math.Exp(-(x-firstX)/(tau*(lastX-firstX))))
	}
}

// hardCap is an LRU cache of b bytes per request that is full at fraction at
// of the run.
func hardCap(b, at float64) func(int, float64) float64 {
	return func(_ int, x float64) float64 {
		return baseHeap + b*min(x-firstX, at*(lastX-firstX))
	}
}

// step jumps by h between checkpoints k-1 and k.
func step(k int, h float64) func(int, float64) float64 {
	return func(i int, _ float64) float64 {
		if i >= k {
			return baseHeap + h
		}
		return baseHeap
	}
}

func TestAnalyzeVerdicts(t *testing.T) {
	heap, gor := HeapCriteria(), GoroutineCriteria()
	type series2 struct{ xs, ys []float64 }
	mk := func(seed uint64, sigma float64, f func(int, float64) float64) series2 {
		xs, ys := series(seed, sigma, f)
		return series2{xs, ys}
	}
	goroutines := func(perReq float64, jitter int) series2 {
		r := rand.New(rand.NewPCG(3, 4))
		xs := checkpoints(nPoints)
		ys := make([]float64, len(xs))
		for i, x := range xs {
			ys[i] = float64(9 + int(perReq*x) + r.IntN(jitter+1))
		}
		return series2{xs, ys}
	}
	tests := []struct {
		name string
		s    series2
		c    Criteria
		want []Verdict // any of these
	}{
		{"linear leak 200 B/req", mk(1, 20e3, linear(200)), heap, []Verdict{Leak}},
		{"slow leak 64 B/req under 100 KB noise", mk(2, 100e3, linear(64)), heap, []Verdict{Leak}},
		{"step early", mk(3, 20e3, step(3, 3e6)), heap, []Verdict{Stable, Inconclusive}},
		{"step in the middle", mk(4, 20e3, step(6, 3e6)), heap, []Verdict{Stable, Inconclusive}},
		{"step between the halves, clean", mk(4, 0, step(6, 3e6)), heap, []Verdict{Stable, Inconclusive}},
		{"step late", mk(5, 20e3, step(8, 3e6)), heap, []Verdict{Stable, Inconclusive}},
		{"plateau: cache filling up", mk(6, 50e3, plateau(3e6, 0.25)), heap, []Verdict{Stable, Inconclusive}},
		{"plateau, clean", mk(6, 0, plateau(3e6, 0.33)), heap, []Verdict{Inconclusive}},
		{"lru full at 40%", mk(7, 50e3, hardCap(200, 0.4)), heap, []Verdict{Stable, Inconclusive}},
		{"flat with noise", mk(8, 200e3, flat), heap, []Verdict{Stable}},
		{"flat, clean", mk(8, 0, flat), heap, []Verdict{Stable}},
		{"below the floor: 8 B/req, clean", mk(9, 0, linear(8)), heap, []Verdict{Stable}},
		{"decreasing", mk(10, 50e3, linear(-100)), heap, []Verdict{Stable}},
		{"goroutine leak 1/req", goroutines(1, 2), gor, []Verdict{Leak}},
		{"goroutine leak 0.02/req", goroutines(0.02, 3), gor, []Verdict{Leak}},
		{"goroutines flat", goroutines(0, 3), gor, []Verdict{Stable}},
		{"goroutines below floor 0.001/req", goroutines(0.001, 0), gor, []Verdict{Stable}},
		{"too few points", series2{[]float64{1, 2, 3}, []float64{10, 20, 30}}, heap, []Verdict{Inconclusive}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Analyze(tt.s.xs, tt.s.ys, tt.c)
			ok := false
			for _, w := range tt.want {
				ok = ok || got.Verdict == w
			}
			if !ok {
				t.Errorf("verdict %q, want one of %q; trend %+v", got.Verdict, tt.want, got)
			}
			checkReason(t, got)
		})
	}
}

func checkReason(t *testing.T, tr Trend) {
	t.Helper()
	if tr.Reason == "" {
		t.Fatalf("empty reason for %q", tr.Verdict)
	}
	if r := []rune(tr.Reason)[0]; !unicode.IsLower(r) {
		t.Errorf("reason %q does not start lowercase", tr.Reason)
	}
	if strings.ContainsAny(tr.Reason, "\n") || strings.HasSuffix(tr.Reason, ".") {
		t.Errorf("reason %q is not one sentence without a final period", tr.Reason)
	}
}

func TestAnalyzeEstimates(t *testing.T) {
	xs, ys := series(1, 20e3, linear(200))
	tr := Analyze(xs, ys, HeapCriteria())
	if tr.Verdict != Leak {
		t.Fatalf("verdict %q: %s", tr.Verdict, tr.Reason)
	}
	if math.Abs(tr.Slope-200) > 15 {
		t.Errorf("slope %.1f, want 200 ± 15", tr.Slope)
	}
	if !(tr.SlopeLow <= tr.Slope && tr.Slope <= tr.SlopeHigh && tr.SlopeLow < 200 && 200 < tr.SlopeHigh) {
		t.Errorf("interval [%.1f, %.1f] around %.1f does not cover 200", tr.SlopeLow, tr.SlopeHigh, tr.Slope)
	}
	if math.Abs(tr.Intercept-baseHeap) > 200e3 {
		t.Errorf("intercept %.0f, want %.0f", tr.Intercept, baseHeap)
	}
	if tr.P >= 1e-4 || tr.MannKendallZ < 3.5 || tr.N != nPoints {
		t.Errorf("p=%g z=%g n=%d", tr.P, tr.MannKendallZ, tr.N)
	}
	for _, s := range []float64{tr.FirstHalfSlope, tr.SecondHalfSlope} {
		if math.Abs(s-200) > 40 {
			t.Errorf("half slope %.1f, want 200 ± 40", s)
		}
	}
	if !strings.Contains(tr.Reason, "steady growth") {
		t.Errorf("reason %q", tr.Reason)
	}

	xs, ys = series(1, 0, plateau(3e6, 0.33))
	tr = Analyze(xs, ys, HeapCriteria())
	if !strings.HasPrefix(tr.Reason, "growth slows down (second half 0.") || !strings.Contains(tr.Reason, "run longer") {
		t.Errorf("plateau reason %q", tr.Reason)
	}
	xs, ys = series(1, 0, step(9, 3e6))
	xs, ys = append(xs, 21000, 22000), append(ys, baseHeap+3e6, baseHeap+3e6) // more points after it
	tr = Analyze(xs, ys, HeapCriteria())
	if tr.Verdict == Leak {
		t.Errorf("late step: %+v", tr)
	}
}

// A step at any checkpoint, under noise, is never a leak.
func TestStepNeverLeak(t *testing.T) {
	for k := 1; k < nPoints; k++ {
		for seed := range uint64(100) {
			xs, ys := series(seed, 100e3, step(k, 3e6))
			if tr := Analyze(xs, ys, HeapCriteria()); tr.Verdict == Leak {
				t.Fatalf("step at checkpoint %d, seed %d: %s", k, seed, tr.Reason)
			}
		}
	}
}

// A bounded cache filling up is stable or inconclusive, never a leak, when
// it levels off within the run.
func TestCacheFillingNeverLeak(t *testing.T) {
	shapes := map[string]func(int, float64) float64{
		"exp tau=run/10":  plateau(3e6, 0.1),
		"exp tau=run/5":   plateau(3e6, 0.2),
		"exp tau=run/3":   plateau(3e6, 0.33),
		"lru full at 30%": hardCap(200, 0.3),
		"lru full at 50%": hardCap(200, 0.5),
		"lru full at 60%": hardCap(200, 0.6),
	}
	for name, f := range shapes {
		for seed := range uint64(200) {
			xs, ys := series(seed, 100e3, f)
			if tr := Analyze(xs, ys, HeapCriteria()); tr.Verdict == Leak {
				t.Fatalf("%s, seed %d: %s", name, seed, tr.Reason)
			}
		}
	}
}

// False positives on flat noise: none with the default floor, and at most
// 2.5% (the test level is 1%) with no floor at all.
func TestFlatNoiseFalsePositives(t *testing.T) {
	noFloor := HeapCriteria()
	noFloor.MinSlope = 0
	for _, tc := range []struct {
		name    string
		c       Criteria
		sigma   float64
		maxLeak int
	}{
		{"default floor, 200 KB noise", HeapCriteria(), 200e3, 0},
		{"default floor, 1 MB noise", HeapCriteria(), 1e6, 0},
		{"no floor", noFloor, 200e3, 5},
	} {
		leaks := 0
		for seed := range uint64(200) {
			xs, ys := series(seed+1000, tc.sigma, flat)
			if Analyze(xs, ys, tc.c).Verdict == Leak {
				leaks++
			}
		}
		if leaks > tc.maxLeak {
			t.Errorf("%s: %d of 200 flat series called leak, want at most %d", tc.name, leaks, tc.maxLeak)
		}
	}
}

// The sensitivity target: 64 B/request within 20,000 requests. With 100 KB of
// checkpoint noise about 97% of runs are flagged; require 90%.
func TestSlowLeakDetectionRate(t *testing.T) {
	flagged := 0
	for seed := range uint64(200) {
		xs, ys := series(seed+2000, 100e3, linear(64))
		if Analyze(xs, ys, HeapCriteria()).Verdict == Leak {
			flagged++
		}
	}
	if flagged < 180 {
		t.Errorf("64 B/request under 100 KB noise flagged in %d of 200 runs, want at least 180", flagged)
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	xs, ys := series(1, 20e3, linear(200))
	withNaN := append([]float64(nil), ys...)
	withNaN[3] = nan
	withInfX := append([]float64(nil), xs...)
	withInfX[5] = inf
	tests := []struct {
		name   string
		xs, ys []float64
		want   Verdict
		reason string
	}{
		{"nil", nil, nil, Inconclusive, "only 0 usable checkpoints"},
		{"mismatched", []float64{1, 2, 3, 4}, []float64{1, 2, 3}, Inconclusive, "mismatched"},
		{"all NaN", []float64{nan, nan, nan, nan, nan}, []float64{nan, 1, 2, 3, 4}, Inconclusive, "5 checkpoints with missing values dropped"},
		{"same x", []float64{5, 5, 5, 5, 5}, []float64{1, 2, 3, 4, 5}, Inconclusive, "same request count"},
		{"NaN y in a leak", xs, withNaN, Leak, "1 checkpoints with missing values dropped"},
		{"Inf x in a leak", withInfX, ys, Leak, "dropped"},
		{"constant", checkpoints(10), make([]float64, 10), Stable, "no significant"},
		{"huge values", checkpoints(6), []float64{1e300, -1e300, 1e300, -1e300, 1e300, -1e300}, Stable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Analyze(tt.xs, tt.ys, Criteria{MinSlope: math.NaN(), Alpha: -1, Confidence: 7, MinSlowdown: inf})
			if tr.Verdict != tt.want || !strings.Contains(tr.Reason, tt.reason) {
				t.Errorf("got %q %q, want %q containing %q", tr.Verdict, tr.Reason, tt.want, tt.reason)
			}
			checkReason(t, tr)
		})
	}
	// Unordered checkpoints are ordered by x.
	rx, ry := append([]float64(nil), xs...), append([]float64(nil), ys...)
	for i, j := 0, len(rx)-1; i < j; i, j = i+1, j-1 {
		rx[i], rx[j] = rx[j], rx[i]
		ry[i], ry[j] = ry[j], ry[i]
	}
	if a, b := Analyze(rx, ry, HeapCriteria()), Analyze(xs, ys, HeapCriteria()); a != b {
		t.Errorf("reversed input: %+v, want %+v", a, b)
	}
}

// Mann–Kendall needs 6 strictly rising points to reach p < 0.01 (n=5 gives
// about 0.014), which is why soaks need 10 or more checkpoints.
func TestMannKendallPointsNeeded(t *testing.T) {
	for n := 3; n <= 8; n++ {
		ys := make([]float64, n)
		for i := range ys {
			ys[i] = float64(i)
		}
		_, _, p := MannKendall(ys)
		if (p < 0.01) != (n >= 6) {
			t.Errorf("n=%d strictly rising: p=%.4f", n, p)
		}
	}
}

func TestMannKendall(t *testing.T) {
	rising := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		name    string
		ys      []float64
		s, z, p float64
	}{
		// S=45, Var=10·9·25/18=125, z=44/√125.
		{"rising 10", rising, 45, 44 / math.Sqrt(125), 4.15e-5},
		// Ties: S=4, Var=(4·3·13 − 2·2·1·9)/18 = 120/18.
		{"ties", []float64{1, 1, 2, 2}, 4, 3 / math.Sqrt(120.0/18), 0.1226},
		{"constant", []float64{3, 3, 3, 3}, 0, 0, 0.5},
		{"falling", []float64{4, 3, 2, 1}, -6, -5 / math.Sqrt(4*3*13/18.0), 0.9553},
		{"NaN skipped", []float64{1, math.NaN(), 2, math.Inf(-1), 3, 4}, 6, 5 / math.Sqrt(4*3*13/18.0), 0.0447},
		{"empty", nil, 0, 0, 0.5},
	}
	for _, tt := range tests {
		s, z, p := MannKendall(tt.ys)
		if s != tt.s || math.Abs(z-tt.z) > 1e-9 || math.Abs(p-tt.p) > 1e-3*math.Max(tt.p, 0.01) {
			t.Errorf("%s: got s=%v z=%v p=%v, want %v %v %v", tt.name, s, z, p, tt.s, tt.z, tt.p)
		}
	}
}

func TestTheilSen(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7}
	ys := []float64{8, 11, 14, 17, 20, 23, 26} // 3x + 5
	if s, i := TheilSen(xs, ys); s != 3 || i != 5 {
		t.Errorf("line: slope %v intercept %v", s, i)
	}
	ys[2] = 1e9 // one wild outlier moves nothing
	if s, i := TheilSen(xs, ys); s != 3 || i != 5 {
		t.Errorf("outlier: slope %v intercept %v", s, i)
	}
	if s, i := TheilSen([]float64{2, 2}, []float64{1, 5}); !math.IsNaN(s) || !math.IsNaN(i) {
		t.Errorf("no spread: %v %v", s, i)
	}
	if s, _ := TheilSen([]float64{1, 2, 3}, []float64{1, 2}); s != 1 {
		t.Errorf("extra x ignored: slope %v", s)
	}
}

// The Sen interval covers the true slope at about its nominal rate.
func TestSenIntervalCoverage(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5}
	if lo, hi := SenInterval(xs, []float64{2, 4, 6, 8, 10}, 0.95); lo != 2 || hi != 2 {
		t.Errorf("exact line: [%v, %v]", lo, hi)
	}
	if lo, hi := SenInterval(nil, nil, 0.95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("empty: [%v, %v]", lo, hi)
	}
	const runs = 500
	for _, conf := range []float64{0.9, 0.98} {
		covered, narrower := 0, 0
		for seed := range uint64(runs) {
			xs, ys := series(seed+3000, 100e3, linear(64))
			lo, hi := SenInterval(xs, ys, conf)
			if lo <= 64 && 64 <= hi {
				covered++
			}
			if wlo, whi := SenInterval(xs, ys, conf/2); whi-wlo <= hi-lo {
				narrower++
			}
		}
		if rate := float64(covered) / runs; rate < conf-0.05 {
			t.Errorf("confidence %.2f: covered %.3f of runs", conf, rate)
		}
		if narrower != runs {
			t.Errorf("lower confidence gave a wider interval in %d runs", runs-narrower)
		}
	}
}

func TestCriteriaDefaults(t *testing.T) {
	c := Criteria{}.withDefaults()
	if c.Alpha != DefaultAlpha || c.Confidence != DefaultConfidence || c.MinSlowdown != DefaultMinSlowdown || c.MinSlope != 0 {
		t.Errorf("defaults %+v", c)
	}
	if h := HeapCriteria(); h.MinSlope != 32 {
		t.Errorf("heap %+v", h)
	}
	if g := GoroutineCriteria(); g.MinSlope != 0.01 {
		t.Errorf("goroutines %+v", g)
	}
}
