package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pprofServer serves a trivial route and pprof on a private mux.
func pprofServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestSoakUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no target", []string{"soak"}, "no target"},
		{"bad warmup", []string{"soak", "-warmup", "soon", "http://127.0.0.1:1/"}, `-warmup "soon"`},
		{"bad target", []string{"soak", "GET"}, "target"},
		{"remote refused", []string{"soak", "-requests", "100", "http://192.0.2.1:8080/"}, "--allow-remote"},
		{"unreachable", []string{"soak", "-requests", "100", "http://127.0.0.1:1/"}, "127.0.0.1:1"},
		{"bad flag", []string{"soak", "-nosuch"}, "flag provided but not defined"},
		{"rate and concurrency", []string{"soak", "-rate", "50", "-concurrency", "4", "http://127.0.0.1:1/"}, "not both"},
		{"zero rate", []string{"soak", "-rate", "0", "http://127.0.0.1:1/"}, "-rate 0"},
		{"bad json path", []string{"soak", "-json", "/nonexistent/dir/r.json", "http://127.0.0.1:1/"}, "create JSON report"},
		{"missing targets file", []string{"soak", "-targets", "/nonexistent/targets.txt"}, "open targets file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			start := time.Now()
			code := run(context.Background(), tt.args, &out, &errb)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %s", code, exitUsage, errb.String())
			}
			if !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, errb.String())
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v: usage errors must fail fast", d)
			}
		})
	}
}

func TestSoakNoPprof(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	t.Cleanup(srv.Close)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"soak", "-requests", "200", srv.URL + "/"}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "net/http/pprof") {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and how to mount pprof", code, errb.String())
	}
}

func TestSoakStableWithJSON(t *testing.T) {
	srv := pprofServer(t)
	jsonPath := filepath.Join(t.TempDir(), "report.json")
	var out, errb bytes.Buffer
	// Flags after the target must work too.
	code := run(context.Background(), []string{"soak", srv.URL + "/ok", "-quiet", "-concurrency", "4", "-requests", "1200", "-warmup", "200", "-checkpoints", "10", "-json", jsonPath}, &out, &errb)
	if code != exitOK && code != exitInconclusive {
		t.Fatalf("exit %d on a route that allocates nothing per request\n%s\n%s", code, out.String(), errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("-quiet printed progress: %q", errb.String())
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	for _, key := range []string{"verdict", "requests", "errors", "heap", "goroutines", "heap_sites", "goroutine_sites", "latency_ms", "throughput_rps", "samples"} {
		if _, ok := rep[key]; !ok {
			t.Errorf("JSON report lacks %q", key)
		}
	}
	if n, _ := rep["requests"].(float64); n < 1200 {
		t.Errorf("requests = %v, want 1200", rep["requests"])
	}
	if samples, _ := rep["samples"].([]any); len(samples) < 11 {
		t.Errorf("%d samples, want the baseline and 10 checkpoints", len(samples))
	}
	if !strings.Contains(out.String(), "latency") {
		t.Errorf("text report missing:\n%s", out.String())
	}
}
