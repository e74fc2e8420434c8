package soak

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"slices"
	"sync"
	"testing"

	"github.com/ginleak/ginleak/soak/stats"
)

// earlyStopRuns > 0 runs TestEarlyStopDisagreement: that many soaks per
// leak size, each replayed through the early-stop rule.
//
//	go test ./soak -run TestEarlyStopDisagreement -earlystop-runs 50 -v -timeout 60m
var earlyStopRuns = flag.Int("earlystop-runs", 0, "runs per leak size of TestEarlyStopDisagreement (0: skip)")

// TestEarlyStopDisagreement measures how often the early stop would
// disagree with the full run: each soak runs its whole length
// (NoEarlyStop), then the rule is replayed on every prefix of its samples;
// where it would have stopped, its verdict (leak) is compared with the
// full run's. It also reports the median seconds to the verdict with and
// without the early stop. The numbers go in docs/soak-early-stop.md.
func TestEarlyStopDisagreement(t *testing.T) {
	if *earlyStopRuns <= 0 {
		t.Skip("measurement: give -earlystop-runs N")
	}
	for _, size := range []int{0, 16, 32, 64, 128, 500, 4096} {
		var mu sync.Mutex
		var kept [][]byte
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
			b := make([]byte, 1024)
			if size > 0 {
				mu.Lock()
				kept = append(kept, make([]byte, size))
				mu.Unlock()
			}
			fmt.Fprintf(w, "ok %d", len(b))
		})
		srv := httptest.NewServer(mux)
		var stopped, disagree, fullLeak int
		var early, full []float64
		for range *earlyStopRuns {
			cfg := quick(srv.URL+"/x", 4000)
			cfg.Checkpoints = 20
			cfg.NoEarlyStop = true
			rep := run(t, cfg)
			if rep.Verdict == stats.Leak {
				fullLeak++
			}
			n := len(rep.Samples)
			full = append(full, rep.Samples[n-1].ElapsedSeconds)
			at := n - 1
			for k := EarlyStopMinCheckpoints + 1; k < n; k++ {
				if earlyStop(rep.Samples[:k], rep.Heap.Floor, rep.Goroutines.Floor, DefaultFDFloor) != "" {
					at = k - 1
					stopped++
					if rep.Verdict != stats.Leak {
						disagree++
						t.Logf("size %d: early stop at checkpoint %d, full run %s (%s)", size, k-1, rep.Verdict, rep.Reason)
					}
					break
				}
			}
			early = append(early, rep.Samples[at].ElapsedSeconds)
			mu.Lock()
			kept = nil
			mu.Unlock()
		}
		srv.Close()
		t.Logf("leak %5d B/request: %d runs, full run leak %d, early stop %d, disagreements %d; median seconds to verdict %.2f early, %.2f full",
			size, *earlyStopRuns, fullLeak, stopped, disagree, median(early), median(full))
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
