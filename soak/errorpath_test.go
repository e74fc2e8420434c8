package soak

import (
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ginleak/ginleak/soak/leakprofile"
	"github.com/ginleak/ginleak/soak/stats"
)

// forgottenSender is the seed's error-path leak: a handler that asks a
// slow dependency in a goroutine, gives up after 2 ms with a 504, and
// leaves the goroutine blocked on its unbuffered send for good.
type forgottenSender struct {
	mu      sync.Mutex
	pending []chan int // the channels nobody receives from, drained at the end
}

// slowDependency answers after 10 ms, far past the handler's patience.
func slowDependency() int {
	time.Sleep(10 * time.Millisecond)
	return 42
}

func (f *forgottenSender) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	answer := make(chan int) // unbuffered: the send blocks once the handler left
	f.mu.Lock()
	f.pending = append(f.pending, answer)
	f.mu.Unlock()
	go func() {
		answer <- slowDependency()
	}()
	select {
	case v := <-answer:
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte{byte(v)})
	case <-time.After(2 * time.Millisecond):
		http.Error(w, "dependency timed out", http.StatusGatewayTimeout)
	}
}

// release receives the sends the handler gave up on, so that no goroutine
// outlives the test (goleak).
func (f *forgottenSender) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.pending {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
		}
	}
	f.pending = nil
}

func newForgottenSender(t *testing.T) *httptest.Server {
	t.Helper()
	fs := &forgottenSender{}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.Handle("/quote", fs)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(fs.release) // runs first
	return srv
}

// A leak on the error path is a leak: every request answers 504 and leaves
// a goroutine behind; the verdict is leak, with the goroutine's site and
// the status code the leaking requests got.
func TestErrorPathLeak(t *testing.T) {
	srv := newForgottenSender(t)
	rep := run(t, quick(srv.URL+"/quote", 2000))
	if rep.ErrorRate < 0.9 || rep.StatusCodes[http.StatusGatewayTimeout] < rep.Requests*9/10 {
		t.Fatalf("error rate %.2f, codes %v: the handler should answer 504", rep.ErrorRate, rep.StatusCodes)
	}
	if rep.Verdict != stats.Leak || rep.Goroutines.Verdict != stats.Leak {
		t.Fatalf("verdict %s, goroutines %s (%s); want leak", rep.Verdict, rep.Goroutines.Verdict, rep.Reason)
	}
	if !strings.Contains(rep.Reason, "most requests answered 504") || !strings.Contains(rep.Reason, "the leak is on that path") {
		t.Errorf("reason %q does not name the status code of the leaking requests", rep.Reason)
	}
	if len(rep.GoroutineSites) == 0 {
		t.Fatal("no goroutine sites")
	}
	top := rep.GoroutineSites[0]
	if !strings.Contains(top.Function, "forgottenSender).ServeHTTP.func1") || top.State != "chan send" ||
		!strings.HasSuffix(top.File, "errorpath_test.go") {
		t.Errorf("top goroutine site = %+v, want the handler's goroutine blocked in chan send", top)
	}
	if want := int(rep.Samples[len(rep.Samples)-1].Requests - rep.Samples[0].Requests); top.Count < want*9/10 {
		t.Errorf("goroutine growth %d, want about %d", top.Count, want)
	}
	if top.Cause == nil || top.Cause.ID != "forgotten-sender" {
		t.Errorf("top goroutine site's cause = %+v, want forgotten-sender", top.Cause)
	}
	// The goroutines' own structures are not the user's heap sites.
	if len(rep.HeapSites) > 0 && strings.HasPrefix(rep.HeapSites[0].Function, "runtime.") {
		t.Errorf("top heap site = %+v: the runtime's, not the user's", rep.HeapSites[0])
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"LEAK: ", "most requests answered 504", "forgotten-sender"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
}

// The verdict on runs whose requests mostly failed, and on goroutines the
// runtime proved leaked.
func TestQualifyErrorPathAndProof(t *testing.T) {
	samples := func(n int, step int64) []Sample {
		s := make([]Sample, n)
		for i := range s {
			s[i].Requests = step * int64(i+1)
		}
		return s
	}
	proven := func(growth int) *leakprofile.Report {
		return &leakprofile.Report{Available: true, Leaked: growth + 2, Start: 2, Growth: growth,
			Sites: []leakprofile.Site{{Function: "main.quote.func1", File: "/src/quote.go", Line: 37, Count: growth, Growth: growth}}}
	}
	tests := []struct {
		name    string
		rep     Report
		verdict stats.Verdict
		reason  string // prefix
	}{
		{"504s and growth: a leak on that path", Report{Verdict: stats.Leak, Reason: "goroutines grow", Samples: samples(11, 200),
			Requests: 2000, Errors: 2000, ErrorRate: 1, StatusCodes: map[int]int64{504: 2000}},
			stats.Leak, "most requests answered 504 (2,000 of 2,000): the leak is on that path; goroutines grow"},
		{"timeouts and growth", Report{Verdict: stats.Leak, Reason: "grows", Samples: samples(11, 200),
			Requests: 2000, Errors: 1900, ErrorRate: 0.95, StatusCodes: map[int]int64{200: 100}, ErrorReasons: map[string]int64{"timeout": 1900}},
			stats.Leak, "most requests failed with timeout (1,900 of 2,000): the leak is on that path"},
		{"mixed failures and growth", Report{Verdict: stats.Leak, Reason: "grows", Samples: samples(11, 200),
			Requests: 2000, Errors: 1800, ErrorRate: 0.9, StatusCodes: map[int]int64{200: 200, 500: 900, 503: 900}},
			stats.Leak, "most requests failed (1,800 of 2,000: 500: 900, 503: 900): the leak is on that path"},
		{"504s and no growth: never stable", Report{Verdict: stats.Stable, Reason: "flat", Samples: samples(11, 200),
			Requests: 2000, Errors: 2000, ErrorRate: 1, StatusCodes: map[int]int64{504: 2000}},
			stats.Inconclusive, "most requests failed (504: 2,000 of 2,000): the soak measured the error path"},
		// The runtime's proof needs no trend: a short run is a leak.
		{"proven, too few requests", Report{Verdict: stats.Stable, Reason: "flat", Samples: samples(11, 20), GoroutineLeakProfile: proven(180)},
			stats.Leak, "the Go runtime proved 180 goroutines leaked during the run (goroutineleak profile: blocked on what nothing can reach any more), 180 of them in main.quote.func1 (/src/quote.go:37); the statistics alone: only 200 requests"},
		{"proven, stopped early", Report{Verdict: stats.Stable, Reason: "flat", Interrupted: true, Samples: samples(4, 200), GoroutineLeakProfile: proven(600)},
			stats.Leak, "the Go runtime proved 600 goroutines leaked"},
		{"proven and measured", Report{Verdict: stats.Leak, Reason: "goroutines grow", Samples: samples(11, 200), GoroutineLeakProfile: proven(2000)},
			stats.Leak, "goroutines grow; the Go runtime proved 2,000 goroutines leaked"},
		{"proven on the error path", Report{Verdict: stats.Inconclusive, Reason: "noisy", Samples: samples(11, 200), GoroutineLeakProfile: proven(2000),
			Requests: 2000, Errors: 2000, ErrorRate: 1, StatusCodes: map[int]int64{504: 2000}},
			stats.Leak, "most requests answered 504 (2,000 of 2,000): the leak is on that path; the Go runtime proved 2,000"},
		{"a handful is not proof", Report{Verdict: stats.Stable, Reason: "flat", Samples: samples(11, 200), GoroutineLeakProfile: proven(leakprofile.MinProvenGrowth)},
			stats.Stable, "flat"},
		{"a Go 1.26 target", Report{Verdict: stats.Stable, Reason: "flat", Samples: samples(11, 200),
			GoroutineLeakProfile: &leakprofile.Report{Reason: "the target does not serve the goroutineleak profile", Sites: []leakprofile.Site{}}},
			stats.Stable, "flat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := tt.rep
			rep.qualify()
			if rep.Verdict != tt.verdict || !strings.HasPrefix(rep.Reason, tt.reason) {
				t.Errorf("= %s %q\nwant %s %q", rep.Verdict, rep.Reason, tt.verdict, tt.reason)
			}
			var b strings.Builder
			if err := rep.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if lp := rep.GoroutineLeakProfile; lp != nil && !lp.Available && strings.Contains(b.String(), "goroutineleak") {
				t.Errorf("the text report mentions the profile a Go 1.26 target does not serve:\n%s", b.String())
			}
			if lp := rep.GoroutineLeakProfile; lp != nil && lp.Available && !strings.Contains(b.String(), "Goroutines the runtime proved leaked") {
				t.Errorf("the text report lacks the proven goroutines:\n%s", b.String())
			}
		})
	}
}
