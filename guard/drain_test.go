package guard

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadinessProbe(t *testing.T) {
	r := NewReadiness()
	for _, tt := range []struct {
		set  bool
		code int
		body string
	}{{false, 503, "not ready\n"}, {true, 200, "ready\n"}, {false, 503, "not ready\n"}} {
		r.set(tt.set)
		rec := serve(r, newGet("/readyz"))
		if rec.Code != tt.code || rec.Body.String() != tt.body || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("ready=%v: %d %q %v", tt.set, rec.Code, rec.Body, rec.Header())
		}
	}
	var nilReady *Readiness
	if nilReady.Ready() {
		t.Error("a nil Readiness is ready")
	}
	if err := Serve(context.Background(), NewServer("", nil), WithShutdownDelay(-time.Second)); err == nil ||
		!strings.Contains(err.Error(), "WithShutdownDelay(-1s)") {
		t.Errorf("negative delay: %v", err)
	}
}

func newGet(path string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	return req
}

// TestServeDrainPhase: once shutdown begins, readiness fails at once, but
// for the shutdown delay the server still serves — on kept-alive and on
// new connections — with "Connection: close" on every response; then it
// shuts down.
func TestServeDrainPhase(t *testing.T) {
	ready := NewReadiness()
	mux := http.NewServeMux()
	mux.Handle("GET /readyz", ready)
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Generous: the requests below must fit in it on a busy machine.
	const delay = 3 * time.Second
	url, _, done := startServe(t, ctx, mux, WithReadiness(ready), WithShutdownDelay(delay))
	waitFor(t, ready.Ready)
	client := newClient(t)
	get := func(path string) (int, bool) {
		t.Helper()
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Close
	}
	if code, closed := get("/work"); code != 200 || closed {
		t.Fatalf("before shutdown: %d, Connection: close %v", code, closed)
	}

	start := time.Now()
	cancel()
	waitFor(t, func() bool { return !ready.Ready() })
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readiness during the drain: %d, want 503", code)
	}
	if code, closed := get("/work"); code != 200 || !closed {
		t.Errorf("during the drain: %d, Connection: close %v; want 200 and close", code, closed)
	}
	fresh := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer fresh.CloseIdleConnections()
	if resp, err := fresh.Get(url + "/work"); err != nil {
		t.Errorf("new connection during the drain: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != 200 || !resp.Close {
			t.Errorf("new connection during the drain: %d, Connection: close %v", resp.StatusCode, resp.Close)
		}
	}
	if took := time.Since(start); took >= delay {
		t.Logf("the checks took %v, longer than the delay: the machine is very busy", took)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		if took := time.Since(start); took < delay {
			t.Errorf("Serve returned %v after the signal, before the %v delay", took, delay)
		}
	case <-time.After(delay + 20*time.Second):
		t.Fatal("Serve did not return")
	}
	if ready.Ready() {
		t.Error("ready after Serve returned")
	}
}

// TestShutdownLosesNoKeepAliveRequest sends POSTs on keep-alive
// connections through Serve's shutdown, trial after trial, and counts
// every request that did not get its answer.
//
// With no delay, Shutdown closes idle keep-alive connections at once, and
// a request a client is writing on one at that moment is lost ("connection
// reset by peer", "server closed idle connection"); requests sent after
// the listener closed are refused. HTTP/1.1 gives a server no way to close
// an idle connection without that race, so no server can avoid it for a
// client that keeps sending. What avoids it is the drain: readiness fails
// first, the load balancer stops sending, and responses meanwhile close
// their connections after themselves, so that when Shutdown comes nobody
// is sending. The client here behaves like one behind a load balancer:
// the balancer probes readiness every 10 ms on a new connection, as the
// kubelet does, and no new request starts once it has seen the backend
// fail. A request is lost only if a client decided to send just before
// the balancer saw the failure and then stalled for the whole delay (a
// second) before writing it — a stall of 100 probe periods. The client
// neither retries nor lets the transport replay a request (GetBody is
// nil): every failure counts.
func TestShutdownLosesNoKeepAliveRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("20 shutdowns of a second each")
	}
	const trials = 20
	var sent, closed int
	var lost []string
	for trial := range trials {
		r := drainTrial(t, 4, time.Second, 10*time.Millisecond)
		sent += r.sent
		closed += r.closed
		for _, l := range r.lost {
			lost = append(lost, fmt.Sprintf("trial %d: %s", trial, l))
		}
		if !r.saw503 {
			t.Errorf("trial %d: the balancer never saw readiness fail (503) before the listener closed", trial)
		}
	}
	t.Logf("%d trials: %d requests, %d answered with Connection: close during the drain, %d lost", trials, sent, closed, len(lost))
	if len(lost) > 0 {
		t.Errorf("%d of %d requests lost; first: %q", len(lost), sent, lost[:min(len(lost), 5)])
	}
	if closed == 0 {
		t.Error("no response during the drains said Connection: close")
	}
}

type drainResult struct {
	sent, closed int
	lost         []string
	saw503       bool
}

// drainTrial runs one server, workers keep-alive clients posting to it and
// a load balancer probing its readiness, shuts the server down once every
// worker has had answers on its connections, and reports what the clients
// saw.
func drainTrial(t *testing.T, workers int, delay, probeEvery time.Duration) drainResult {
	t.Helper()
	payload := strings.Repeat("x", 512)
	ready := NewReadiness()
	mux := http.NewServeMux()
	mux.Handle("GET /readyz", ready)
	mux.HandleFunc("POST /work", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		io.WriteString(w, strconv.FormatInt(n, 10))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, _, done := startServe(t, ctx, mux, WithReadiness(ready), WithShutdownDelay(delay), WithDrainTimeout(10*time.Second))
	waitFor(t, ready.Ready)

	// The load balancer: a probe on a new connection every probeEvery;
	// the first failure takes the backend out for good.
	var out, saw503 atomic.Bool
	probes := &http.Transport{DisableKeepAlives: true}
	defer probes.CloseIdleConnections()
	probe := &http.Client{Transport: probes, Timeout: 5 * time.Second}
	lbDone := make(chan struct{})
	go func() {
		defer close(lbDone)
		defer out.Store(true)
		tick := time.NewTicker(probeEvery)
		defer tick.Stop()
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); <-tick.C {
			resp, err := probe.Get(url + "/readyz")
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				saw503.Store(resp.StatusCode == http.StatusServiceUnavailable)
				return
			}
		}
	}()

	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	var mu sync.Mutex
	var res drainResult
	var answered atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for deadline := time.Now().Add(60 * time.Second); !out.Load() && time.Now().Before(deadline); {
				req, err := http.NewRequest(http.MethodPost, url+"/work", strings.NewReader(payload))
				if err != nil {
					panic(err)
				}
				req.GetBody = nil // the transport may not replay it: every failure counts
				resp, err := client.Do(req)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				mu.Lock()
				res.sent++
				switch {
				case err != nil:
					res.lost = append(res.lost, err.Error())
				case resp.StatusCode != 200 || string(body) != strconv.Itoa(len(payload)):
					res.lost = append(res.lost, fmt.Sprintf("%d %q", resp.StatusCode, body))
				case resp.Close:
					res.closed++
				}
				mu.Unlock()
				answered.Add(1)
			}
		}()
	}
	// Every worker has had answers on kept-alive connections.
	waitFor(t, func() bool { return answered.Load() >= int64(20*workers) || out.Load() })
	cancel() // the signal
	wg.Wait()
	<-lbDone
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(delay + 30*time.Second):
		t.Fatal("Serve did not return")
	}
	res.saw503 = saw503.Load()
	return res
}
