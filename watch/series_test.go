package watch

import (
	"math"
	"slices"
	"testing"
)

// pts builds points at t = 0, 1000, 2000, ... ms from values; NaN marks a
// missing step (no point at all).
func pts(vals ...float64) []point {
	var out []point
	for i, v := range vals {
		if math.IsNaN(v) {
			continue
		}
		out = append(out, point{t: int64(i) * 1000, v: v})
	}
	return out
}

var nan = math.NaN()

func TestBuildTimelineSegments(t *testing.T) {
	type span struct{ from, to int }
	tests := []struct {
		name    string
		counter []point
		starts  []point
		signals [][]point
		want    []span
		longest int
	}{
		{
			name:    "one process",
			counter: pts(0, 10, 20, 30, 40),
			starts:  pts(100, 100, 100, 100, 100),
			want:    []span{{0, 4}},
		},
		{
			name:    "counter reset splits",
			counter: pts(100, 110, 120, 5, 15, 25, 35),
			want:    []span{{0, 2}, {3, 6}},
			longest: 1,
		},
		{
			name: "start time change splits even when the counter grew past its old value",
			// The process restarted during a gap and served more requests
			// than before by the next scrape.
			counter: pts(10, 20, nan, nan, 500, 510),
			starts:  pts(100, 100, nan, nan, 400, 400),
			want:    []span{{0, 1}, {2, 3}},
			longest: 1,
		},
		{
			name:    "start time jitter below a second is not a restart",
			counter: pts(0, 10, 20, 30),
			starts:  pts(100.2, 100.7, 100.4, 100.2),
			want:    []span{{0, 3}},
		},
		{
			name:    "longest wins, earlier segment",
			counter: pts(0, 10, 20, 30, 40, 1, 2),
			want:    []span{{0, 4}, {5, 6}},
			longest: 0,
		},
		{
			name:    "gaps are not segments",
			counter: pts(0, nan, nan, 30, 40, nan, 60),
			want:    []span{{0, 3}}, // 4 timestamps: 0, 3, 4, 6
		},
		{
			name:    "no counter: timestamps of the signals, split on start time",
			signals: [][]point{pts(1, 2, nan, 4), pts(nan, 2, 3, nan)},
			starts:  pts(100, 100, 200, 200),
			want:    []span{{0, 1}, {2, 3}},
			longest: 1,
		},
		{
			name: "no samples",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := buildTimeline(tt.counter, tt.starts, tt.signals)
			var got []span
			for _, s := range tl.segments {
				got = append(got, span{s.from, s.to})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("segments = %v, want %v", got, tt.want)
			}
			if len(tt.want) > 0 {
				if l := tl.longest(); l != tt.longest {
					t.Errorf("longest = %d, want %d", l, tt.longest)
				}
				for i, s := range tl.segments {
					if s.afterRestart != (i > 0) {
						t.Errorf("segment %d afterRestart = %v", i, s.afterRestart)
					}
				}
			}
		})
	}
}

func TestTimelineXY(t *testing.T) {
	// Counter with a reset at index 3; the signal misses a step in the
	// second segment, which must be skipped, not filled.
	counter := pts(100, 110, 120, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
	signal := pts(1, 2, 3, 10, 11, 12, nan, 14, 15, 16, 17, 18, 19, 20)
	tl := buildTimeline(counter, nil, nil)
	if len(tl.segments) != 2 {
		t.Fatalf("segments = %d, want 2", len(tl.segments))
	}
	xs, ys, ts := tl.xy(0, signal)
	if !slices.Equal(xs, []float64{0, 10, 20}) || !slices.Equal(ys, []float64{1, 2, 3}) {
		t.Errorf("segment 0: xs %v ys %v", xs, ys)
	}
	xs, ys, ts = tl.xy(1, signal)
	// Segment 1 spans 10 s (indexes 3..13): the first 10% (1 s) is warm-up,
	// so it starts at index 4, with x measured from there.
	if ts[0] != 4000 || xs[0] != 0 {
		t.Errorf("segment 1 starts at t=%d x=%v, want t=4000 x=0 (warm-up left out)", ts[0], xs[0])
	}
	if slices.Contains(ts, 6000) {
		t.Errorf("segment 1 has the missing step 6000: %v", ts)
	}
	if len(xs) != 9 || xs[len(xs)-1] != 90 || ys[len(ys)-1] != 20 {
		t.Errorf("segment 1: xs %v ys %v", xs, ys)
	}
}

func TestTimelineXYHours(t *testing.T) {
	hour := int64(3600 * 1000)
	sig := []point{{0, 1}, {hour, 2}, {2 * hour, 3}}
	tl := buildTimeline(nil, nil, [][]point{sig})
	xs, _, _ := tl.xy(0, sig)
	if !slices.Equal(xs, []float64{0, 1, 2}) {
		t.Errorf("xs = %v, want hours 0 1 2", xs)
	}
}

func TestReduce(t *testing.T) {
	tests := []struct {
		name   string
		n, max int
		wantN  int
	}{
		{"short is untouched", 10, 60, 10},
		{"exact", 60, 60, 60},
		{"long", 721, 60, 60},
		{"barely long", 61, 60, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xs := make([]float64, tt.n)
			ys := make([]float64, tt.n)
			for i := range xs {
				xs[i] = float64(i)
				ys[i] = 2 * float64(i)
				if i%7 == 3 {
					ys[i] = 1e9 // an outlier: medians must ignore it
				}
			}
			rx, ry := reduce(xs, ys, tt.max)
			if len(rx) != tt.wantN || len(ry) != tt.wantN {
				t.Fatalf("len = %d,%d, want %d", len(rx), len(ry), tt.wantN)
			}
			if tt.n/tt.max < 3 {
				return // a median of one or two points cannot drop an outlier
			}
			for i := range rx {
				if !slices.IsSorted(rx) {
					t.Fatalf("x not increasing: %v", rx)
				}
				if ry[i] > 2*rx[i]+2*float64(tt.n/tt.max+1) {
					t.Fatalf("point %d: y=%v for x=%v; outlier leaked through the median", i, ry[i], rx[i])
				}
			}
		})
	}
}
