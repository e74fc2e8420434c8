package guard

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// flaky is an upstream whose status can be switched.
type flaky struct {
	status atomic.Int32
	calls  atomic.Int32
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	w.WriteHeader(int(f.status.Load()))
	io.WriteString(w, "body "+r.URL.Path)
}

func TestBreakerTransitionsAndMetrics(t *testing.T) {
	up := &flaky{}
	up.status.Store(500)
	srv := httptest.NewServer(up)
	defer srv.Close()
	reg := prometheus.NewRegistry()
	c, err := NewClient(ClientMetrics(reg), ClientBounds(ClientSettings{
		Breaker: BreakerSettings{ConsecutiveFailures: 3, OpenTimeout: 300 * time.Millisecond},
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.HTTP.CloseIdleConnections()
	host := mustHost(t, srv.URL)
	get := func() (int, error) {
		resp, err := c.HTTP.Get(srv.URL + "/x")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for i := range 3 {
		if code, err := get(); err != nil || code != 500 {
			t.Fatalf("call %d: %d, %v; want the 500 passed through", i, code, err)
		}
	}
	if got := c.BreakerState(host); got != "open" {
		t.Fatalf("after 3 failures: %s, want open", got)
	}
	if _, err := get(); !errors.Is(err, ErrBreakerOpen) {
		t.Fatalf("call while open: %v, want ErrBreakerOpen", err)
	}
	if up.calls.Load() != 3 {
		t.Errorf("the open breaker let a call through: %d upstream calls", up.calls.Load())
	}
	if v := testutil.ToFloat64(c.breakers.rejected.WithLabelValues(host)); v != 1 {
		t.Errorf("rejected %v, want 1", v)
	}
	if v := testutil.ToFloat64(c.breakers.state.WithLabelValues(host)); v != 2 {
		t.Errorf("state gauge %v, want 2 (open)", v)
	}
	// After the open timeout one call goes through; it succeeds and closes
	// the breaker.
	up.status.Store(200)
	deadline := time.Now().Add(10 * time.Second)
	for c.BreakerState(host) == "open" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if code, err := get(); err != nil || code != 200 {
		t.Fatalf("half-open call: %d, %v", code, err)
	}
	if got := c.BreakerState(host); got != "closed" {
		t.Errorf("after a good half-open call: %s, want closed", got)
	}
	for _, tr := range [][2]string{{"closed", "open"}, {"open", "half-open"}, {"half-open", "closed"}} {
		if v := testutil.ToFloat64(c.breakers.transitions.WithLabelValues(host, tr[0], tr[1])); v != 1 {
			t.Errorf("transitions %s->%s: %v, want 1", tr[0], tr[1], v)
		}
	}
	if n, err := testutil.GatherAndCount(reg, MetricBreakerState, MetricBreakerTransitions, MetricBreakerRejected); err != nil || n == 0 {
		t.Errorf("metrics not in the registry: %d, %v", n, err)
	}
}

func mustHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestFallback(t *testing.T) {
	up := &flaky{}
	up.status.Store(200)
	srv := httptest.NewServer(up)
	defer srv.Close()
	c, err := NewClient(ClientBounds(ClientSettings{Breaker: BreakerSettings{ConsecutiveFailures: 2, OpenTimeout: time.Hour}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.HTTP.CloseIdleConnections()
	cache, err := NewCache[string, []byte](10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	fb := Fallback{Cache: cache, Default: []byte("default")}
	ctx := context.Background()

	res, err := c.GetWithFallback(ctx, srv.URL+"/a", fb)
	if err != nil || res.Source != FromUpstream || string(res.Body) != "body /a" {
		t.Fatalf("healthy: %+v, %v", res, err)
	}
	up.status.Store(503)
	res, err = c.GetWithFallback(ctx, srv.URL+"/a", fb)
	if err != nil || res.Source != FromCache || string(res.Body) != "body /a" || res.Err == nil {
		t.Fatalf("5xx with a cached answer: %+v, %v; want the cached body and the reason", res, err)
	}
	res, err = c.GetWithFallback(ctx, srv.URL+"/b", fb)
	if err != nil || res.Source != FromDefault || string(res.Body) != "default" {
		t.Fatalf("5xx, nothing cached: %+v, %v; want the default", res, err)
	}
	// Two failures opened the breaker: the next call never reaches the
	// upstream and is still answered from the cache.
	calls := up.calls.Load()
	res, err = c.GetWithFallback(ctx, srv.URL+"/a", fb)
	if err != nil || res.Source != FromCache || !errors.Is(res.Err, ErrBreakerOpen) {
		t.Fatalf("open breaker: %+v, %v", res, err)
	}
	if up.calls.Load() != calls {
		t.Error("the open breaker let the call through")
	}
	// Without cache or default the error comes back.
	if _, err := c.GetWithFallback(ctx, srv.URL+"/c", Fallback{}); !errors.Is(err, ErrBreakerOpen) {
		t.Errorf("no fallback: %v, want ErrBreakerOpen", err)
	}
	// A 4xx is the caller's answer, not a failure to paper over.
	up2 := &flaky{}
	up2.status.Store(404)
	srv2 := httptest.NewServer(up2)
	defer srv2.Close()
	res, err = c.GetWithFallback(ctx, srv2.URL+"/missing", fb)
	if err != nil || res.Source != FromUpstream || res.Status != 404 {
		t.Errorf("404: %+v, %v", res, err)
	}
}

func TestClientTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := NewClient(ClientBounds(ClientSettings{ResponseHeaderTimeout: 100 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.HTTP.CloseIdleConnections()
	_, err = c.HTTP.Get(srv.URL)
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("a hung upstream: %v, want a response header timeout", err)
	}

	for _, s := range []ClientSettings{
		{Timeout: -1}, {DialTimeout: -time.Second}, {MaxConnsPerHost: -1},
		{Breaker: BreakerSettings{FailureRatio: 2}}, {Breaker: BreakerSettings{FailureRatio: -0.1}},
	} {
		if _, err := NewClient(ClientBounds(s)); err == nil {
			t.Errorf("NewClient(%+v) accepted it", s)
		}
	}
	c2, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	tr := c2.breakers.base.(*deadlineTransport).next.(*http.Transport)
	if c2.Timeout() != DefaultClientTimeout || tr.ResponseHeaderTimeout != DefaultClientResponseHeaderTimeout ||
		tr.TLSHandshakeTimeout != DefaultClientTLSHandshakeTimeout || tr.MaxConnsPerHost != DefaultClientMaxConnsPerHost || tr.IdleConnTimeout == 0 {
		t.Errorf("defaults not set: timeout %v, transport %+v", c2.Timeout(), tr)
	}

	// The overall deadline covers the body: an upstream that sends headers
	// and then stalls is cut off.
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer stall.Close()
	c3, err := NewClient(ClientBounds(ClientSettings{Timeout: 150 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer c3.HTTP.CloseIdleConnections()
	resp, err := c3.HTTP.Get(stall.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a stalled body: %v, want the overall deadline", err)
	}
}

// TestOutboundCancelsWhenClientLeaves: a handler calls a slow upstream with
// Outbound(c); the inbound client gives up; the upstream must see its
// request's context end (the call did not outlive the request).
func TestOutboundCancelsWhenClientLeaves(t *testing.T) {
	upstreamEnded := make(chan error, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			upstreamEnded <- r.Context().Err()
		case <-time.After(20 * time.Second):
			upstreamEnded <- errors.New("the upstream call was never cancelled")
		}
	}))
	defer up.Close()
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer c.HTTP.CloseIdleConnections()
	r := gin.New()
	r.GET("/", func(gc *gin.Context) {
		req, _ := http.NewRequestWithContext(Outbound(gc), http.MethodGet, up.URL, nil)
		if resp, err := c.HTTP.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	front := httptest.NewServer(r)
	defer front.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, front.URL, nil)
	if _, err := front.Client().Do(req); err == nil {
		t.Fatal("the inbound request finished although the upstream hangs")
	}
	select {
	case err := <-upstreamEnded:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("upstream: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the upstream call outlived the inbound request")
	}
	// The cancellation is not the upstream's fault: the breaker stays closed.
	if got := c.BreakerState(mustHost(t, up.URL)); got != "closed" {
		t.Errorf("breaker %s after a client cancellation, want closed", got)
	}
}
