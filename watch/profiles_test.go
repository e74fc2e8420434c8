package watch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ginleak/ginleak/soak/stats"
)

// leakyProfiled returns a handler that grows the heap by 8 KiB and parks
// one goroutine per request until hold is closed.
func leakyProfiled(hold chan struct{}) http.HandlerFunc {
	var mu sync.Mutex
	var kept [][]byte
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		kept = append(kept, make([]byte, 8<<10))
		mu.Unlock()
		go func() { <-hold }()
	}
}

func TestProfileLeakingInstances(t *testing.T) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 4096
	defer func() { runtime.MemProfileRate = old }()
	const token = "0123456789abcdef-test-token"
	mux := http.NewServeMux()
	hold := make(chan struct{})
	defer close(hold)
	mux.HandleFunc("/leak", leakyProfiled(hold))
	mux.Handle("/debug/pprof/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		pprof.Index(w, r)
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	rep := &Report{Instances: []Instance{
		{Instance: addr, Verdict: stats.Leak},
		{Instance: addr, Verdict: stats.Stable}, // not profiled
	}}
	cfg := &config{}
	WithPprof(token, time.Hour, 0).apply(cfg)
	cfg.betweenReadings = func() { // 300 leaky requests between the readings
		for range 300 {
			if resp, err := srv.Client().Get(srv.URL + "/leak"); err == nil {
				resp.Body.Close()
			}
		}
	}
	profileLeaking(context.Background(), cfg, rep)

	in := rep.Instances[0]
	if len(in.GoroutineSites) == 0 || !strings.Contains(in.GoroutineSites[0].Function, "leakyProfiled") || in.GoroutineSites[0].Count < 250 {
		t.Errorf("goroutine sites %+v, want leakyProfiled first; notes %v", in.GoroutineSites, in.Notes)
	}
	found := false
	for _, s := range in.HeapSites {
		found = found || strings.Contains(s.Function, "leakyProfiled")
	}
	if !found {
		t.Errorf("heap sites %+v lack leakyProfiled; notes %v", in.HeapSites, in.Notes)
	}
	if st := rep.Instances[1]; st.HeapSites != nil || st.GoroutineSites != nil || len(st.Notes) != 0 {
		t.Errorf("a stable instance was profiled: %+v", st)
	}

	// A wrong token is a note on the instance, not an error of the run.
	rep = &Report{Instances: []Instance{{Instance: addr, Verdict: stats.Leak}}}
	cfg = &config{}
	WithPprof("wrong-token-0123456789", time.Millisecond, 1).apply(cfg)
	profileLeaking(context.Background(), cfg, rep)
	if n := rep.Instances[0].Notes; len(n) != 1 || !strings.Contains(n[0], "401") {
		t.Errorf("wrong token: notes %v", n)
	}
	// A remote instance is refused without AllowRemote, before any traffic.
	rep = &Report{Instances: []Instance{{Instance: "192.0.2.10:8080", Verdict: stats.Leak}}}
	profileLeaking(context.Background(), cfg, rep)
	if n := rep.Instances[0].Notes; len(n) != 1 || !strings.Contains(n[0], "loopback") {
		t.Errorf("remote instance: notes %v", n)
	}
}
