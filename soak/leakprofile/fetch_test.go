package leakprofile

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	netpprof "net/http/pprof"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// noRedirects is the kind of client the soak passes: redirects are
// answers, not followed.
var noRedirects = &http.Client{
	Timeout: time.Minute,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h) // 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL + "/debug/pprof"
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// repeatReader yields s over and over, n bytes in all.
type repeatReader struct {
	s   string
	off int
	n   int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	k := 0
	for k < len(p) {
		c := copy(p[k:], r.s[r.off:])
		k += c
		r.off = (r.off + c) % len(r.s)
	}
	r.n -= int64(k)
	return k, nil
}

func TestFetch(t *testing.T) {
	leakyshop := readTestdata(t, "leakyshop-go1.27.3.txt")
	record := "1 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n\n"
	// The hostile answers are measured against a bound of 1 MiB instead
	// of MaxBytes (64 MiB), which takes seconds under -race; the reader
	// is the same. A gzip stream of well-formed records: about 8 KiB on
	// the wire, 16 MiB decompressed.
	const bound = 1 << 20
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	io.WriteString(zw, "goroutineleak profile: total 1000000000\n")
	if _, err := io.Copy(zw, &repeatReader{s: record, n: 16 << 20}); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	if bomb.Len() > bound/16 {
		t.Fatalf("the bomb is %d bytes compressed", bomb.Len())
	}

	tests := []struct {
		name      string
		handler   http.HandlerFunc
		available bool
		leaked    int
		wantErr   error  // errors.Is
		errText   string // in the error message
	}{
		{
			name: "profile",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/debug/pprof/goroutineleak" || r.URL.RawQuery != "debug=1" {
					http.Error(w, "wrong URL "+r.URL.String(), http.StatusBadRequest)
					return
				}
				io.WriteString(w, leakyshop)
			},
			available: true, leaked: 50,
		},
		{
			name: "gzip encoded profile",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gzipped(t, leakyshop))
			},
			available: true, leaked: 50,
		},
		{
			// What net/http/pprof of Go 1.26 answers.
			name: "unknown profile",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Go-Pprof", "1")
				http.Error(w, "Unknown profile", http.StatusNotFound)
			},
		},
		{
			name:    "not found by the router",
			handler: http.NotFound,
		},
		{
			name: "unauthorised",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "bearer token required", http.StatusUnauthorized)
			},
			errText: "401 Unauthorized: \"bearer token required\"",
		},
		{
			name: "server error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, strings.Repeat("x", 1<<20), http.StatusInternalServerError)
			},
			errText: "500 Internal Server Error",
		},
		{
			name: "redirect",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://192.0.2.1/debug/pprof/goroutineleak", http.StatusFound)
			},
			errText: "redirects are not followed",
		},
		{
			name: "html page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "<!doctype html><title>shop</title>")
			},
			wantErr: ErrMalformed,
		},
		{
			name: "bad gzip",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				io.WriteString(w, "not gzip at all")
			},
			errText: "gzip",
		},
		{
			name: "gzip bomb",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(bomb.Bytes())
			},
			wantErr: ErrTooLarge,
		},
		{
			// Well-formed records, endlessly: cut at MaxBytes.
			name: "huge",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "goroutineleak profile: total 1000000000\n")
				io.Copy(w, &repeatReader{s: record, n: 4 * bound})
			},
			wantErr: ErrTooLarge,
		},
	}
	// The soak's client undoes a gzip Content-Encoding itself (Fetch
	// bounds it); a default one lets the transport do it (Fetch bounds
	// what comes out).
	clients := map[string]*http.Client{
		"transport gzip": noRedirects,
		"own gzip": {
			Transport: &http.Transport{DisableCompression: true},
			Timeout:   time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
	for _, tt := range tests {
		for cname, client := range clients {
			t.Run(tt.name+"/"+cname, func(t *testing.T) {
				base := serve(t, tt.handler)
				res, err := Fetch(context.Background(), client, base, withMaxBytes(bound))
				switch {
				case tt.wantErr != nil:
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("err = %v, want %v", err, tt.wantErr)
					}
				case tt.errText != "":
					if err == nil || !strings.Contains(err.Error(), tt.errText) {
						t.Fatalf("err = %v, want one with %q", err, tt.errText)
					}
				case err != nil:
					t.Fatalf("unexpected error %v", err)
				}
				if res.Available != tt.available || res.Leaked != tt.leaked {
					t.Errorf("available=%v leaked=%d, want %v %d", res.Available, res.Leaked, tt.available, tt.leaked)
				}
				if err == nil && !res.Available && !strings.Contains(res.Reason, "Go 1.27") {
					t.Errorf("reason %q does not say what serves the profile", res.Reason)
				}
			})
		}
	}
}

// Without options, the bounds are the documented ones.
func TestDefaultOptions(t *testing.T) {
	if o := defaultOptions(); o.maxBytes != MaxBytes || o.timeout != DefaultTimeout {
		t.Errorf("defaults %+v, want MaxBytes and DefaultTimeout", o)
	}
	o := defaultOptions()
	Timeout(0).apply(&o)
	if o.timeout != DefaultTimeout {
		t.Errorf("Timeout(0) set %v", o.timeout)
	}
}

// A target that never answers costs Timeout, not forever.
func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	base := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	_, err := Fetch(context.Background(), noRedirects, base, Timeout(50*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline", err)
	}
}

func TestFetchBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080/debug/pprof", "ftp://127.0.0.1/debug/pprof", "http:///debug/pprof", "http://[::1"} {
		if _, err := Fetch(context.Background(), noRedirects, u); err == nil {
			t.Errorf("Fetch(%q): no error", u)
		}
	}
}

func TestProfileURL(t *testing.T) {
	tests := map[string]string{
		"http://127.0.0.1:8080/debug/pprof":            "http://127.0.0.1:8080/debug/pprof/goroutineleak?debug=1",
		"http://127.0.0.1:8080/debug/pprof/":           "http://127.0.0.1:8080/debug/pprof/goroutineleak?debug=1",
		"http://[::1]:8080/x/debug/pprof?token=a#frag": "http://[::1]:8080/x/debug/pprof/goroutineleak?debug=1",
	}
	for in, want := range tests {
		got, err := profileURL(in)
		if err != nil || got != want {
			t.Errorf("profileURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// net/http/pprof of the Go that runs this test: Available exactly when
// runtime/pprof has the profile (Go ≥ 1.27), never an error.
func TestFetchNetHTTPPprof(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", netpprof.Index)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := Fetch(context.Background(), noRedirects, srv.URL+"/debug/pprof")
	if err != nil {
		t.Fatal(err)
	}
	if want := pprof.Lookup(ProfileName) != nil; res.Available != want {
		t.Fatalf("available = %v (%s), want %v", res.Available, res.Reason, want)
	}
}
