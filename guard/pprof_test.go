package guard

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/pprof/profile"
)

const testToken = "pprof-test-token-0123456789"

func pprofEngine(t *testing.T) *gin.Engine {
	t.Helper()
	r := gin.New()
	if err := Pprof(r, testToken); err != nil {
		t.Fatal(err)
	}
	return r
}

func pprofGet(h http.Handler, path, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return serve(h, req)
}

func TestPprofTokens(t *testing.T) {
	r := pprofEngine(t)
	paths := []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/symbol", "/debug/pprof/heap",
		"/debug/pprof/goroutine?debug=1", "/debug/pprof/profile?seconds=1", "/debug/pprof/trace?seconds=0.1"}
	for _, p := range paths {
		for _, auth := range []string{"", "Bearer", "Bearer wrong-token", "Basic " + testToken, "Bearer " + testToken + "x", testToken} {
			rec := pprofGet(r, p, auth)
			if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %q: status %d, want 401 with WWW-Authenticate", p, auth, rec.Code)
			}
			if strings.Contains(rec.Body.String(), "goroutine") {
				t.Errorf("%s with %q: profile data in a refused answer", p, auth)
			}
		}
	}
	for _, auth := range []string{"Bearer " + testToken, "bearer " + testToken, "BEARER  " + testToken} {
		if rec := pprofGet(r, "/debug/pprof/cmdline", auth); rec.Code != 200 {
			t.Errorf("right token as %q: status %d", auth, rec.Code)
		}
	}
}

func TestPprofEndpoints(t *testing.T) {
	r := pprofEngine(t)
	auth := "Bearer " + testToken
	names := []string{"allocs", "block", "goroutine", "heap", "mutex", "threadcreate"}
	if pprof.Lookup("goroutineleak") != nil {
		names = append(names, "goroutineleak")
	}
	index := pprofGet(r, "/debug/pprof/", auth)
	if index.Code != 200 {
		t.Fatalf("index: %d", index.Code)
	}
	for _, n := range names {
		if !strings.Contains(index.Body.String(), ">"+n+"<") {
			t.Errorf("index does not list %s", n)
		}
		rec := pprofGet(r, "/debug/pprof/"+n, auth)
		if rec.Code != 200 {
			t.Errorf("%s: status %d", n, rec.Code)
			continue
		}
		if _, err := profile.Parse(bytes.NewReader(rec.Body.Bytes())); err != nil {
			t.Errorf("%s: not a profile: %v", n, err)
		}
		if rec := pprofGet(r, "/debug/pprof/"+n+"?debug=1", auth); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("%s?debug=1: %d %s", n, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	if rec := pprofGet(r, "/debug/pprof/goroutineleak", auth); (pprof.Lookup("goroutineleak") == nil) != (rec.Code == 404) {
		t.Errorf("goroutineleak: status %d, runtime has it: %v", rec.Code, pprof.Lookup("goroutineleak") != nil)
	}
	if rec := pprofGet(r, "/debug/pprof/heap?gc=1", auth); rec.Code != 200 {
		t.Errorf("heap?gc=1: %d", rec.Code)
	}
	rec := pprofGet(r, "/debug/pprof/cmdline", auth)
	if !strings.Contains(rec.Body.String(), ".test") {
		t.Errorf("cmdline %q", rec.Body)
	}
	pc := fmt.Sprintf("%#x", reflect.ValueOf(symbolTarget).Pointer())
	rec = pprofGet(r, "/debug/pprof/symbol?"+pc, auth)
	if !strings.Contains(rec.Body.String(), "num_symbols: 1") || !strings.Contains(rec.Body.String(), "guard.symbolTarget") {
		t.Errorf("symbol (GET): %q", rec.Body)
	}
	req := httptest.NewRequest(http.MethodPost, "/debug/pprof/symbol", strings.NewReader(pc+"+0x0"))
	req.Header.Set("Authorization", auth)
	if rec := serve(r, req); !strings.Contains(rec.Body.String(), "guard.symbolTarget") {
		t.Errorf("symbol (POST): %q", rec.Body)
	}
	rec = pprofGet(r, "/debug/pprof/trace?seconds=0.1", auth)
	if rec.Code != 200 || rec.Body.Len() == 0 {
		t.Errorf("trace: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	rec = pprofGet(r, "/debug/pprof/heap?seconds=1", auth)
	if p, err := profile.Parse(bytes.NewReader(rec.Body.Bytes())); rec.Code != 200 || err != nil || p.DurationNanos < int64(900*time.Millisecond) {
		t.Errorf("delta heap profile: %d %v", rec.Code, err)
	}
	for _, bad := range []string{"?seconds=x", "?seconds=1&debug=1"} {
		if rec := pprofGet(r, "/debug/pprof/heap"+bad, auth); rec.Code != 400 {
			t.Errorf("heap%s: %d, want 400", bad, rec.Code)
		}
	}
}

func symbolTarget() {}

func TestPprofCPUProfileOutlivesWriteTimeout(t *testing.T) {
	r := pprofEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln := listen(t)
	srv := NewServer("", r)
	srv.WriteTimeout = 300 * time.Millisecond // shorter than the profile
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, srv, WithListener(ln), WithSignals(), WithShutdownDelay(0), WithLogger(discardLogger()))
	}()
	client := newClient(t)
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/debug/pprof/profile?seconds=1", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	var resp *http.Response
	waitFor(t, func() bool {
		var err error
		resp, err = client.Do(req)
		return err == nil
	})
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("profile: %d, %v", resp.StatusCode, err)
	}
	if _, err := profile.Parse(bytes.NewReader(body)); err != nil {
		t.Errorf("CPU profile: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func TestPprofRefusals(t *testing.T) {
	for _, tok := range []string{"", "with space", "tab\there"} {
		if err := Pprof(gin.New(), tok); err == nil {
			t.Errorf("token %q accepted", tok)
		}
	}
	if err := Pprof(nil, testToken); err == nil {
		t.Error("nil router accepted")
	}
	r := gin.New()
	r.GET("/debug/pprof/heap", func(*gin.Context) {})
	if err := Pprof(r, testToken); err == nil || !strings.Contains(err.Error(), "mounting") {
		t.Errorf("conflicting route: %v, want an error, not a panic", err)
	}
	// Nothing on http.DefaultServeMux.
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile"} {
		if _, pattern := http.DefaultServeMux.Handler(httptest.NewRequest(http.MethodGet, p, nil)); pattern != "" {
			t.Errorf("%s is served by http.DefaultServeMux (pattern %q)", p, pattern)
		}
	}
}
