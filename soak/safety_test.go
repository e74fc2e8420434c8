package soak

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/stats"
)

// countingServer serves 200 on 127.0.0.2 (or addr) and counts the
// connections it accepted and the requests it received.
type countingServer struct {
	*httptest.Server
	conns, requests atomic.Int64
}

func newCountingServer(t *testing.T, addr string) *countingServer {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s (this machine does not route all of 127.0.0.0/8?): %v", addr, err)
	}
	cs := &countingServer{}
	cs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.requests.Add(1)
		fmt.Fprintln(w, "ok")
	}))
	cs.Listener.Close()
	cs.Listener = l
	cs.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			cs.conns.Add(1)
		}
	}
	cs.Start()
	t.Cleanup(cs.Close)
	return cs
}

// A placeholder in the host part would let the requests go elsewhere than
// the loopback check saw: http://127.0.0.1:PORT{{seq}}@127.0.0.2:PORT2/x
// renders to a URL whose host is 127.0.0.2 (127.0.0.1:PORT0 becomes a
// user name). Such targets are refused before any traffic.
func TestPlaceholderInHostRefused(t *testing.T) {
	shop := newShop(t, true) // a working target on 127.0.0.1, with pprof
	other := newCountingServer(t, "127.0.0.2:0")
	_, shopPort, _ := net.SplitHostPort(strings.TrimPrefix(shop.URL, "http://"))
	for _, target := range []string{
		"GET http://127.0.0.1:" + shopPort + "{{seq}}@" + strings.TrimPrefix(other.URL, "http://") + "/x",
		"GET http://127.0.0.1:" + shopPort + "{{uuid}}@" + strings.TrimPrefix(other.URL, "http://") + "/x",
		"GET http://localhost{{seq}}.example.com/",
		"GET http://{{ seq }}127.0.0.1:" + shopPort + "/",
		"GET ht{{seq}}tp://127.0.0.1:" + shopPort + "/",
	} {
		t.Run(target, func(t *testing.T) {
			method, rawURL, _ := strings.Cut(target, " ")
			// The command line refuses it...
			if !strings.Contains(rawURL, " ") {
				if _, err := load.ParseTarget(target); err == nil || !strings.Contains(err.Error(), "placeholder") {
					t.Errorf("ParseTarget = %v, want a placeholder error", err)
				}
			}
			// ...and so does Run, given the target directly, after a good
			// one (before the fix, the second target of such a pair sent
			// its requests to 127.0.0.2).
			cfg := quick(shop.URL+"/clean", 2000)
			cfg.Targets = append(cfg.Targets, load.Target{Method: method, URL: rawURL})
			start := time.Now()
			rep, err := Run(context.Background(), cfg)
			if err == nil || rep != nil {
				t.Fatalf("Run = %v, %v; want an error", rep, err)
			}
			msg := err.Error()
			for _, want := range []string{"target 2 (" + target + "): ", "placeholder in the scheme, user or host", "only in the path, the query, headers and the body"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q\ndoes not contain %q", msg, want)
				}
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusing took %v", d)
			}
		})
	}
	if n, c := other.requests.Load(), other.conns.Load(); n != 0 || c != 0 {
		t.Errorf("127.0.0.2 got %d requests on %d connections, want none", n, c)
	}
	// Placeholders after the host are fine.
	for _, ok := range []string{"http://127.0.0.1:1/{{seq}}", "http://127.0.0.1:1?id={{uuid}}", "http://127.0.0.1:1#{{seq}}",
		"http://u:p@127.0.0.1:1/a/{{seq}}/b"} {
		if _, err := load.ParseTarget(ok); err != nil {
			t.Errorf("ParseTarget(%q) = %v", ok, err)
		}
	}
}

// The transports refuse, when they dial, an address that is not loopback;
// so do the reachability probe and the sampler, with an error naming
// --allow-remote and without the advice to start the service.
func TestDialTimeLoopbackOnly(t *testing.T) {
	// Name resolution cannot be faked offline: dial a literal remote
	// address, as a name whose DNS answer changed would be dialed.
	const remote = "10.1.2.3:80"
	start := time.Now()
	err := probeTarget(context.Background(), remote, false)
	if err == nil || !errors.Is(err, load.ErrNotLoopback) || !strings.Contains(err.Error(), "--allow-remote") ||
		strings.Contains(err.Error(), "Start it first") {
		t.Errorf("probeTarget(%s) = %v, want a loopback refusal", remote, err)
	}
	smp := newSampler("http://"+remote+"/debug/pprof", "", false)
	defer smp.close()
	err = smp.probePprof(context.Background())
	if err == nil || !errors.Is(err, load.ErrNotLoopback) || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("probePprof = %v, want a loopback refusal", err)
	}
	if strings.Count(err.Error(), "10.1.2.3") > 2 {
		t.Errorf("probePprof error repeats the address: %v", err)
	}
	smpM := newSampler("", "http://"+remote+"/metrics", false)
	defer smpM.close()
	if err := smpM.probeMetrics(context.Background()); err == nil || !errors.Is(err, load.ErrNotLoopback) {
		t.Errorf("probeMetrics = %v, want a loopback refusal", err)
	}
	// A refusal is immediate: nothing was attempted on the network (a real
	// connection attempt to 10.1.2.3 would time out or fail otherwise).
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusals took %v", d)
	}
}

// The sampler does not follow redirects: a pprof that redirects (here to
// another local server, which must see no request) is an error that says
// where to, and what to do.
func TestPprofRedirectRefused(t *testing.T) {
	elsewhere := newCountingServer(t, "127.0.0.1:0")
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusFound)
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/metrics", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	target := httptest.NewServer(mux)
	defer target.Close()

	_, err := Run(context.Background(), quick(target.URL+"/x", 2000))
	want := "pprof at " + target.URL + "/debug/pprof redirects to " + elsewhere.URL + "/debug/pprof/goroutine?debug=1: point --pprof at the target itself"
	if err == nil || err.Error() != want {
		t.Errorf("Run error = %v\nwant %s", err, want)
	}

	cfg := quick(target.URL+"/x", 2000)
	cfg.MetricsURL = target.URL + "/metrics"
	_, err = Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "redirects to "+elsewhere.URL+"/metrics: point --metrics at the target itself") {
		t.Errorf("Run error with --metrics = %v", err)
	}

	// Mid-run, a redirect is an error naming its destination.
	smp := newSampler(target.URL+"/debug/pprof", "", false)
	defer smp.close()
	if _, err := smp.sample(context.Background()); err == nil || !strings.Contains(err.Error(), "redirects to "+elsewhere.URL) {
		t.Errorf("sample = %v, want a redirect error", err)
	}
	if n := elsewhere.requests.Load(); n != 0 {
		t.Errorf("the redirect was followed: %d requests elsewhere", n)
	}
}

// A target that accepts connections but never answers fails within 5 s,
// with one clean sentence that names the URL once.
func TestStuckTarget(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		l.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	addr := l.Addr().String()
	start := time.Now()
	_, err = Run(context.Background(), quick("http://"+addr+"/x", 2000))
	d := time.Since(start)
	if err == nil {
		t.Fatal("Run succeeded against a target that never answers")
	}
	if d >= 5*time.Second {
		t.Errorf("failing took %v, want under 5 s", d)
	}
	msg := err.Error()
	want := "pprof at http://" + addr + "/debug/pprof did not answer within 4.5s"
	if !strings.HasPrefix(msg, want) || strings.Count(msg, addr) != 1 || strings.Contains(msg, "\n") ||
		strings.Contains(msg, "deadline exceeded") {
		t.Errorf("error %q\nwant one sentence starting %q, naming %s once", msg, want, addr)
	}
}

// Errors of Run are not prefixed with "soak: " (the command names itself),
// and a refused URL is shown as given.
func TestRunErrorMessages(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Targets: []load.Target{{URL: "http://10.1.2.3/"}}},
			"refusing to load target http://10.1.2.3/: 10.1.2.3 is not a loopback address; soak only loads services on this machine unless you pass --allow-remote"},
		{Config{Targets: []load.Target{{URL: "http://10.1.2.3/a/{{seq}}?q={{uuid}}"}}},
			"refusing to load target http://10.1.2.3/a/{{seq}}?q={{uuid}}: 10.1.2.3 is not a loopback address"},
		{Config{Targets: []load.Target{{URL: "/relative"}}},
			"target 1 (GET /relative): no scheme and host: write the whole URL, such as http://127.0.0.1:PORT/relative"},
		{Config{}, "no targets"},
	}
	for _, tt := range tests {
		_, err := Run(context.Background(), tt.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Run error = %v\nwant it to start with %s", err, tt.want)
		}
	}
}

// A run that stopped early (Ctrl-C) with fewer than MinCheckpoints
// checkpoints after the baseline may not come out stable.
func TestInterruptedNeverStable(t *testing.T) {
	s := newShop(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := quick(s.URL+"/clean", 4000)
	cfg.Progress = func(p Progress) {
		if p.Phase == "checkpoint" && p.Checkpoint == 7 {
			cancel()
		}
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || len(rep.Samples) != 7 {
		t.Fatalf("interrupted %v with %d samples, want 7", rep.Interrupted, len(rep.Samples))
	}
	if rep.Verdict != stats.Inconclusive {
		t.Errorf("verdict %s, want inconclusive", rep.Verdict)
	}
	if want := "stopped early after 7 checkpoints: too few to call it stable"; rep.Reason != want {
		t.Errorf("reason %q, want %q", rep.Reason, want)
	}
}

func TestQualify(t *testing.T) {
	// n checkpoints 200 requests apart.
	samples := func(n int) []Sample {
		s := make([]Sample, n)
		for i := range s {
			s[i].Requests = int64(200 * (i + 1))
		}
		return s
	}
	tiny := func(n int) []Sample { // 12 requests in all
		s := make([]Sample, n)
		for i := range s {
			s[i].Requests = int64(100 + i*12/(n-1))
		}
		return s
	}
	tests := []struct {
		name        string
		rep         Report
		verdict     stats.Verdict
		reason      string // prefix
		wantWarning bool
	}{
		{"interrupted, few, stable", Report{Verdict: stats.Stable, Reason: "flat", Interrupted: true, Samples: samples(6)},
			stats.Inconclusive, "stopped early after 6 checkpoints: too few to call it stable", false},
		{"interrupted, none", Report{Verdict: stats.Inconclusive, Reason: "only 0 usable checkpoints", Interrupted: true},
			stats.Inconclusive, "stopped early after 0 checkpoints: too few to call it stable", false},
		{"interrupted, few, leak", Report{Verdict: stats.Leak, Reason: "grows", Interrupted: true, Samples: samples(6)},
			stats.Leak, "stopped early after 6 checkpoints; grows", false},
		{"interrupted, enough, stable", Report{Verdict: stats.Stable, Reason: "flat", Interrupted: true, Samples: samples(MinCheckpoints + 1)},
			stats.Stable, "stopped early after 11 checkpoints; flat", false},
		{"complete, stable", Report{Verdict: stats.Stable, Reason: "flat", Samples: samples(13)},
			stats.Stable, "flat", false},
		// Too few requests between the first and last checkpoints: noise of
		// a few KB reads as hundreds of bytes per request.
		{"12 requests, leak", Report{Verdict: stats.Leak, Reason: "grows", Samples: tiny(11)},
			stats.Inconclusive, "only 12 requests between the first and the last checkpoint: a verdict needs at least 500", false},
		{"12 requests, stable", Report{Verdict: stats.Stable, Reason: "flat", Samples: tiny(11)},
			stats.Inconclusive, "only 12 requests between the first and the last checkpoint", false},
		{"errors, leak", Report{Verdict: stats.Leak, Reason: "grows", Samples: samples(11), Requests: 2000, Errors: 1990, ErrorRate: 0.995,
			StatusCodes: map[int]int64{200: 10, 500: 1500}, ErrorReasons: map[string]int64{"timeout": 490}},
			// A leak on the error path is a leak (issue 10).
			stats.Leak, "most requests answered 500 (1,500 of 2,000): the leak is on that path; grows", true},
		{"errors, stable", Report{Verdict: stats.Stable, Reason: "flat", Samples: samples(11), Requests: 2000, Errors: 2000, ErrorRate: 1,
			StatusCodes: map[int]int64{404: 2000}},
			stats.Inconclusive, "most requests failed (404: 2,000 of 2,000): the soak measured the error path — fix the target URL or the service first", true},
		{"half the errors", Report{Verdict: stats.Stable, Reason: "flat", Samples: samples(11), Requests: 2000, Errors: 1000, ErrorRate: 0.5,
			StatusCodes: map[int]int64{404: 1000, 200: 1000}},
			stats.Stable, "flat", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := tt.rep
			rep.qualify()
			if rep.Verdict != tt.verdict || !strings.HasPrefix(rep.Reason, tt.reason) {
				t.Errorf("= %s %q\nwant %s %q", rep.Verdict, rep.Reason, tt.verdict, tt.reason)
			}
			if got := len(rep.Warnings) > 0; got != tt.wantWarning {
				t.Errorf("warnings %q", rep.Warnings)
			}
		})
	}
}
