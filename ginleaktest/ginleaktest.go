package ginleaktest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"runtime"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/stats"
)

// Defaults of the options.
const (
	DefaultRequests    = 3000
	DefaultConcurrency = 8
	DefaultCheckpoints = soak.MinCheckpoints
)

// EnvSoak is the environment variable NoLeak and Leaks set, with t.Setenv,
// to the name of the test until it ends. Setting it is what keeps the test
// from running in parallel with others (see the package documentation).
const EnvSoak = "GINLEAKTEST_SOAK"

// pprofPrefix is where the private pprof mux is mounted.
const pprofPrefix = "/debug/pprof/"

// NoLeak soaks handler in-process: it serves handler and a private pprof
// mux on an httptest server (127.0.0.1), drives load at it with soak.Run,
// and fails t (t.Errorf, with the report's verdict, reason and top growing
// sites) when the verdict is leak, also when most requests failed: a leak
// on the error path is a leak. An inconclusive verdict is logged, not
// failed, with the advice to raise Requests; a soak whose requests mostly
// failed and that found no leak fails t (it measured the error path, not
// the handler). Bad options, a test that runs in parallel and errors from
// soak.Run fail t with t.Fatalf.
//
// See the package documentation for what the test must not do during the
// soak: the heap measured is the test process's own.
func NoLeak(t testing.TB, handler http.Handler, opts ...Option) {
	t.Helper()
	rep, ok := run(t, handler, opts)
	if !ok {
		return
	}
	switch {
	case rep.Verdict == stats.Leak:
		t.Errorf("ginleaktest: the handler leaks under load (%d requests, %d checkpoints):\n%s",
			rep.Requests, len(rep.Samples), text(rep))
	case rep.ErrorRate > soak.ErrorRateWarning:
		t.Errorf("ginleaktest: %s", failedRequests(rep))
	case rep.Verdict == stats.Inconclusive:
		t.Logf("ginleaktest: inconclusive, not failing the test; raise Requests (now %d) for a longer soak that tells a leak from a one-off step:\n%s",
			rep.Requests, text(rep))
	default:
		t.Logf("ginleaktest: %s after %d requests: %s", rep.Verdict, rep.Requests, rep.Reason)
	}
}

// Leaks is the inverse of NoLeak, for tests of leak detection itself and
// for documenting a known leak: it fails t (t.Errorf, with the report)
// unless the verdict is leak, and logs the report when it is. A leak on
// the error path (most requests failed) passes too.
func Leaks(t testing.TB, handler http.Handler, opts ...Option) {
	t.Helper()
	rep, ok := run(t, handler, opts)
	if !ok {
		return
	}
	switch {
	case rep.Verdict == stats.Leak:
		t.Logf("ginleaktest: leak, as expected:\n%s", text(rep))
	case rep.ErrorRate > soak.ErrorRateWarning:
		t.Errorf("ginleaktest: %s", failedRequests(rep))
	case rep.Verdict != stats.Leak:
		t.Errorf("ginleaktest: want a leak, the verdict is %s after %d requests:\n%s", rep.Verdict, rep.Requests, text(rep))
	default:
		t.Logf("ginleaktest: leak, as expected:\n%s", text(rep))
	}
}

// Option configures NoLeak and Leaks.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	targets        []load.Target // paths, not URLs, until run
	requests       int64
	concurrency    int
	checkpoints    int
	heapFloor      float64
	goroutineFloor float64
	memProfileRate int
	report         func(*soak.Report)
	errs           []string
}

// Request adds a request to send: method (empty means GET) to path, which
// starts with "/" and may hold soak's placeholders {{seq}} and {{uuid}},
// with body and header (both may be nil) on every request. Given more than
// once, the requests are sent round-robin. The default is GET /.
func Request(method, path string, body []byte, header http.Header) Option {
	return optionFunc(func(o *options) {
		switch {
		case !strings.HasPrefix(path, "/"):
			o.errs = append(o.errs, fmt.Sprintf("Request(%q, %q): the path must start with /", method, path))
			return
		case path+"/" == pprofPrefix || strings.HasPrefix(path, pprofPrefix):
			o.errs = append(o.errs, fmt.Sprintf("Request(%q, %q): %s is the soak's own pprof mux, not the handler", method, path, pprofPrefix))
			return
		}
		if method == "" {
			method = http.MethodGet
		}
		o.targets = append(o.targets, load.Target{
			Method: method,
			URL:    path,
			Body:   bytes.Clone(body),
			Header: header.Clone(),
		})
	})
}

// Requests sets the number of requests of the soak, warm-up (a tenth)
// included; the default is DefaultRequests. Raise it when the verdict is
// inconclusive or the leak is small.
func Requests(n int64) Option {
	return optionFunc(func(o *options) {
		if n <= 0 {
			o.errs = append(o.errs, fmt.Sprintf("Requests(%d): want a positive number", n))
		}
		o.requests = n
	})
}

// Concurrency sets the number of workers, each with its own keep-alive
// connection, sending requests back to back; the default is
// DefaultConcurrency.
func Concurrency(c int) Option {
	return optionFunc(func(o *options) {
		if c <= 0 {
			o.errs = append(o.errs, fmt.Sprintf("Concurrency(%d): want a positive number", c))
		}
		o.concurrency = c
	})
}

// Checkpoints sets the number of checkpoints after the baseline, at least
// soak.MinCheckpoints (the default).
func Checkpoints(n int) Option {
	return optionFunc(func(o *options) {
		if n < soak.MinCheckpoints {
			o.errs = append(o.errs, fmt.Sprintf("Checkpoints(%d): want at least %d", n, soak.MinCheckpoints))
		}
		o.checkpoints = n
	})
}

// HeapFloor sets the heap growth below which there is no leak, in bytes
// per request (default soak.DefaultHeapFloor).
func HeapFloor(bytesPerRequest float64) Option {
	return optionFunc(func(o *options) {
		if !(bytesPerRequest > 0) {
			o.errs = append(o.errs, fmt.Sprintf("HeapFloor(%v): want a positive number", bytesPerRequest))
		}
		o.heapFloor = bytesPerRequest
	})
}

// GoroutineFloor sets the goroutine growth below which there is no leak,
// in goroutines per request (default soak.DefaultGoroutineFloor).
func GoroutineFloor(perRequest float64) Option {
	return optionFunc(func(o *options) {
		if !(perRequest > 0) {
			o.errs = append(o.errs, fmt.Sprintf("GoroutineFloor(%v): want a positive number", perRequest))
		}
		o.goroutineFloor = perRequest
	})
}

// MemProfileRate sets runtime.MemProfileRate (one heap profile sample per
// rate bytes allocated, on average) for the soak and restores it
// afterwards. Setting it once in TestMain is better: the heap profile
// scales what was sampled before the change by the new rate.
func MemProfileRate(rate int) Option {
	return optionFunc(func(o *options) {
		if rate <= 0 {
			o.errs = append(o.errs, fmt.Sprintf("MemProfileRate(%d): want a positive number", rate))
		}
		o.memProfileRate = rate
	})
}

// Report hands f the soak's report before NoLeak or Leaks judges it, for
// further checks (Report.HeapSites, Report.GoroutineSites, ...).
func Report(f func(*soak.Report)) Option {
	return optionFunc(func(o *options) { o.report = f })
}

// run applies opts, soaks handler and returns the report; false when it
// failed t with t.Fatalf.
func run(t testing.TB, handler http.Handler, opts []Option) (*soak.Report, bool) {
	t.Helper()
	if handler == nil {
		t.Fatalf("ginleaktest: nil handler")
		return nil, false
	}
	o := options{requests: DefaultRequests, concurrency: DefaultConcurrency, checkpoints: DefaultCheckpoints}
	for _, opt := range opts {
		opt.apply(&o)
	}
	if len(o.errs) > 0 {
		t.Fatalf("ginleaktest: %s", strings.Join(o.errs, "; "))
		return nil, false
	}
	if len(o.targets) == 0 {
		o.targets = []load.Target{{Method: http.MethodGet, URL: "/"}}
	}
	if !exclusive(t) {
		return nil, false
	}

	if o.memProfileRate > 0 {
		// Set before the server starts and restored after it closed: its
		// pprof handlers read the rate.
		old := runtime.MemProfileRate
		runtime.MemProfileRate = o.memProfileRate
		defer func() { runtime.MemProfileRate = old }()
	}
	srv := httptest.NewServer(withPprof(handler))
	defer srv.Close()

	targets := make([]load.Target, len(o.targets))
	for i, tg := range o.targets {
		tg.URL = srv.URL + tg.URL
		targets[i] = tg
	}
	rep, err := soak.Run(t.Context(), soak.Config{
		Targets:        targets,
		Concurrency:    o.concurrency,
		Requests:       o.requests,
		Checkpoints:    o.checkpoints,
		HeapFloor:      o.heapFloor,
		GoroutineFloor: o.goroutineFloor,
		PprofURL:       srv.URL + strings.TrimSuffix(pprofPrefix, "/"),
	})
	if err != nil {
		t.Fatalf("ginleaktest: soak: %v", err)
		return nil, false
	}
	if o.report != nil {
		o.report(rep)
	}
	return rep, true
}

// exclusive makes sure that the test does not run in parallel with other
// tests, now or later: t.Setenv panics in a test that called t.Parallel (or
// whose parent did), and makes a later t.Parallel panic.
func exclusive(t testing.TB) (ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("ginleaktest: %v: the soak measures the heap and goroutines of the whole test process, "+
				"so the test must not run in parallel with others (remove t.Parallel)", r)
			ok = false
		}
	}()
	t.Setenv(EnvSoak, t.Name())
	return true
}

// withPprof routes /debug/pprof/ to a private pprof mux and everything else
// to h.
func withPprof(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(pprofPrefix, pprof.Index) // named profiles: heap, goroutine, ...
	mux.HandleFunc(pprofPrefix+"cmdline", pprof.Cmdline)
	mux.HandleFunc(pprofPrefix+"profile", pprof.Profile)
	mux.HandleFunc(pprofPrefix+"symbol", pprof.Symbol)
	mux.HandleFunc(pprofPrefix+"trace", pprof.Trace)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path+"/" == pprofPrefix || strings.HasPrefix(r.URL.Path, pprofPrefix) {
			mux.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// text is the report as ginleak soak prints it.
func text(rep *soak.Report) string {
	var b strings.Builder
	_ = rep.WriteText(&b) // a strings.Builder does not fail
	return strings.TrimRight(b.String(), "\n")
}

// failedRequests says that the soak measured the error path.
func failedRequests(rep *soak.Report) string {
	return fmt.Sprintf("%.0f%% of the %d requests failed: the soak measured the error path, not the handler; "+
		"check the Request method and path (the verdict, %s, does not count):\n%s",
		100*rep.ErrorRate, rep.Requests, rep.Verdict, text(rep))
}
