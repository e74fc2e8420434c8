package soak

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ginleak/ginleak/internal/limitio"
	"github.com/ginleak/ginleak/soak/diagnose"
	"github.com/ginleak/ginleak/soak/leakprofile"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/profdiff"
)

// sampleTimeout bounds each request of a checkpoint: a forced GC and a
// profile of a large heap can take a few seconds. The run's own time bound
// (Config.Duration plus Grace) cuts it shorter when it comes first.
const sampleTimeout = 30 * time.Second

// Bounds of what the soak reads from the target's pprof and metrics
// endpoints, which may be broken or hostile. Text (the debug=1 heap and
// goroutine profiles, the debug=2 goroutine dump, Prometheus metrics) is
// parsed as it streams and never held: MaxTextBytes bounds the time spent
// on it, and lines are bounded (maxTextLine). The heap profile (protobuf)
// is held to be decoded: see profdiff.MaxHeapProfileBytes and
// profdiff.MaxHeapProfileCost. A response over a bound is an error that
// names the endpoint.
const (
	MaxTextBytes = 256 << 20
	maxTextLine  = 1 << 20
)

// sampler reads the target's live heap and goroutine count, and fetches
// profiles, over one keep-alive connection so that its own requests cost
// the target the same at every checkpoint.
type sampler struct {
	client     *http.Client
	pprof      string // base URL without trailing slash; "" if unavailable
	metrics    string // Prometheus text URL; "" to sample pprof
	scratchBuf []byte
	// owner decides which frames are the target's own code: ModulePath
	// from Config, GOROOT from the first goroutine dump (rootKnown).
	owner     diagnose.Owner
	rootKnown bool
}

// newSampler returns a sampler of pprofURL (or metricsURL, when set).
// Unless allowRemote, it refuses to connect to an address that is not
// loopback (checked at dial time: load.LoopbackOnly).
func newSampler(pprofURL, metricsURL string, allowRemote bool) *sampler {
	dialer := &net.Dialer{Timeout: 3 * time.Second}
	if !allowRemote {
		dialer.Control = load.LoopbackOnly
	}
	tr := &http.Transport{
		Proxy:       nil,
		DialContext: dialer.DialContext,
		// No transparent gzip: get decompresses a gzip Content-Encoding
		// itself, within the bounds.
		DisableCompression:     true,
		MaxResponseHeaderBytes: 1 << 20,
		MaxIdleConnsPerHost:    1,
		MaxConnsPerHost:        1,
		IdleConnTimeout:        0,
	}
	return &sampler{
		// Each request also carries sampleTimeout through its context; the
		// client's own Timeout is the same bound, for any call that forgets.
		// Redirects are not followed (they could lead anywhere, and the
		// samples must come from the target itself): get reports them.
		client: &http.Client{
			Transport: tr,
			Timeout:   sampleTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		pprof:      pprofURL,
		metrics:    metricsURL,
		scratchBuf: make([]byte, 32<<10),
	}
}

func (s *sampler) close() { s.client.CloseIdleConnections() }

// get fetches u and hands the body of a 200 answer, within MaxTextBytes
// (decompressed, when the answer is gzip-encoded), to read; the body is
// drained afterwards, within the same bound, so that the connection is
// kept. A redirect is not followed: it is a *redirectError.
func (s *sampler) get(ctx context.Context, u string, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, sampleTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// The *url.Error would name u a second time.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("GET %s: %w", u, err)
	}
	wire := limitio.Reader(resp.Body, MaxTextBytes, "the answer", profdiff.ErrTooLarge)
	defer func() {
		_, _ = io.CopyBuffer(io.Discard, wire, s.scratchBuf)
		resp.Body.Close()
	}()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		loc := resp.Header.Get("Location")
		if l, err := resp.Location(); err == nil {
			loc = l.String()
		}
		if loc == "" {
			loc = "nowhere (no Location header)"
		}
		return &redirectError{url: u, status: resp.Status, location: loc}
	}
	if resp.StatusCode != http.StatusOK {
		snippet := make([]byte, 256)
		n, _ := io.ReadFull(wire, snippet)
		return &statusError{url: u, code: resp.StatusCode, status: resp.Status, body: string(snippet[:n])}
	}
	var body io.Reader = wire
	if strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return fmt.Errorf("GET %s: gzip answer: %w", u, err)
		}
		defer zr.Close()
		body = limitio.Reader(zr, MaxTextBytes, "the decompressed answer", profdiff.ErrTooLarge)
	}
	if err := read(body); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// redirectError is a 3xx answer, which the sampler does not follow.
type redirectError struct {
	url, status, location string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("GET %s redirects to %s (%s): redirects are not followed; point --pprof or --metrics at the target itself",
		e.url, e.location, e.status)
}

// statusError is a non-200 answer; body holds its first bytes.
type statusError struct {
	url    string
	code   int
	status string
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.status) }

// reading is what one checkpoint reads from the target.
type reading struct {
	heap       int64
	goroutines int
	gc         gcInfo // metrics only
}

// sample reads the live heap (after a forced GC, when read from pprof) and
// the goroutine count.
func (s *sampler) sample(ctx context.Context) (reading, error) {
	if s.metrics != "" {
		return s.sampleMetrics(ctx)
	}
	var rd reading
	heapURL := s.pprof + "/heap?gc=1&debug=1"
	err := s.get(ctx, heapURL, func(r io.Reader) error {
		var err error
		rd.heap, err = parseHeapAlloc(heapURL, r)
		return err
	})
	if err != nil {
		return reading{}, fmt.Errorf("read live heap: %w", err)
	}
	rd.goroutines, err = s.goroutineCount(ctx)
	if err != nil {
		return reading{}, err
	}
	return rd, nil
}

func (s *sampler) goroutineCount(ctx context.Context) (n int, err error) {
	u := s.pprof + "/goroutine?debug=1"
	err = s.get(ctx, u, func(r io.Reader) error {
		n, err = parseGoroutineTotal(u, r)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read goroutine count: %w", err)
	}
	return n, nil
}

// snapshot is what the diff at the end of a run needs from one
// checkpoint: the heap profile and the goroutine dump, reduced as they
// are read (a few KB to a few MB, whatever the target sent).
type snapshot struct {
	heap       *profdiff.HeapSummary
	goroutines []profdiff.Group
	// leak is the goroutineleak profile (Go ≥ 1.27: the goroutines the GC
	// proved leaked); unavailable, without an error, on older targets.
	// leakErr is why it could not be read otherwise: a warning, not a
	// failure of the run.
	leak    leakprofile.Result
	leakErr error
}

// profiles fetches the goroutine dump and the heap profile (proto, after a
// forced GC), for the diff at the end of the run. The dump comes first: the
// GOROOT in its runtime frames decides, with the module path, which frames
// are the target's own code (s.owner) when the heap profile is reduced.
func (s *sampler) profiles(ctx context.Context) (*snapshot, error) {
	var snap snapshot
	dumpURL := s.pprof + "/goroutine?debug=2"
	err := s.get(ctx, dumpURL, func(r io.Reader) error {
		var err error
		snap.goroutines, err = profdiff.ReadGoroutineGroups(r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch goroutine dump: %w", err)
	}
	if !s.rootKnown {
		// Once: the base and the last snapshot must judge alike.
		s.owner.GOROOT, s.rootKnown = profdiff.GOROOTOf(snap.goroutines), true
	}
	heapURL := s.pprof + "/heap?gc=1"
	err = s.get(ctx, heapURL, func(r io.Reader) error {
		p, err := profdiff.ReadHeapProfile(r)
		if err != nil {
			return err
		}
		snap.heap, err = profdiff.SummarizeHeap(p, profdiff.WithOwnCode(s.ownCode()))
		if errors.Is(err, profdiff.ErrImpossibleValue) {
			return &valueError{url: heapURL, what: "an in-use heap sample", value: err.Error()}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch heap profile: %w", err)
	}
	// Last: the runtime runs a leak-detecting GC cycle for it, and the
	// goroutines the load left have had the longest to block.
	snap.leak, snap.leakErr = leakprofile.Fetch(ctx, s.client, s.pprof, leakprofile.Timeout(sampleTimeout))
	return &snap, nil
}

// ownCode is the test of the target's own code: not in its GOROOT, the
// module cache or a vendor directory, or in its main module.
func (s *sampler) ownCode() func(profdiff.Frame) bool { return profdiff.Owner(s.owner) }

// valueError is a value read from the target that cannot be true: a
// negative size or count, NaN, ±Inf, a fraction of a goroutine, a number
// past int64. It is a target error (the run fails), not noise to average.
type valueError struct {
	url, what, value string
}

func (e *valueError) Error() string {
	return fmt.Sprintf("%s reports %s of %s, which cannot be true: is this the Go service's own endpoint, unmodified by a proxy?",
		e.url, e.what, e.value)
}

// count validates v, read from url as what, as a non-negative integer that
// fits an int64.
func count(url, what string, v float64) (int64, error) {
	// 2^63 is exactly representable: anything at or above it overflows.
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v != math.Trunc(v) || v >= math.Exp2(63) {
		return 0, &valueError{url: url, what: what, value: strconv.FormatFloat(v, 'g', -1, 64)}
	}
	return int64(v), nil
}

// parseHeapAlloc finds "# HeapAlloc = N" in a debug=1 heap profile (the
// runtime.MemStats the handler appends after the forced GC) read from url.
func parseHeapAlloc(url string, r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxTextLine)
	for sc.Scan() {
		line := sc.Bytes()
		if v, ok := bytes.CutPrefix(line, []byte("# HeapAlloc = ")); ok {
			raw := string(bytes.TrimSpace(v))
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || n < 0 {
				return 0, &valueError{url: url, what: "HeapAlloc", value: strconv.Quote(truncate(raw, 40))}
			}
			return n, nil
		}
	}
	if err := scanErr(sc.Err()); err != nil {
		return 0, err
	}
	return 0, errors.New("no \"# HeapAlloc = \" line: not a debug=1 heap profile")
}

// scanErr turns a scanner's line-too-long error into one that says the
// bound.
func scanErr(err error) error {
	if errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("a line is longer than %s: %w", profdiff.Size(maxTextLine), profdiff.ErrTooLarge)
	}
	return err
}

// parseGoroutineTotal reads "goroutine profile: total N" from the first
// line of a debug=1 goroutine profile read from url.
func parseGoroutineTotal(url string, r io.Reader) (int, error) {
	br := bufio.NewReaderSize(r, 4096)
	line, err := br.ReadSlice('\n')
	if err != nil && len(line) == 0 {
		return 0, fmt.Errorf("empty goroutine profile: %w", err)
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(line)), "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("not a debug=1 goroutine profile: first line %q", truncate(string(line), 60))
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 1 || n > math.MaxInt32 {
		return 0, &valueError{url: url, what: "a goroutine total", value: strconv.Quote(truncate(v, 40))}
	}
	return int(n), nil
}

// Prometheus metric names read from a --metrics endpoint. The heap is the
// first of metricHeapLive (the live heap at the end of the last GC, from
// client_golang's runtime/metrics collector), metricHeapAlloc and
// metricHeapInuse the endpoint exports; the GC counters tell whether the
// latter two, which move with every allocation, were sampled across
// enough GC cycles to be more than GC noise.
const (
	metricGoroutines = "go_goroutines"
	metricHeapLive   = "go_gc_heap_live_bytes"
	metricHeapAlloc  = "go_memstats_heap_alloc_bytes"
	metricHeapInuse  = "go_memstats_heap_inuse_bytes"
	metricGCCycles   = "go_gc_cycles_total_gc_cycles_total"
	metricGCCount    = "go_gc_duration_seconds_count"
	metricLastGC     = "go_memstats_last_gc_time_seconds"
)

// gcInfo is what a metrics sample says about garbage collection.
type gcInfo struct {
	heapMetric string // the metric the heap was read from
	cycles     int64  // cumulative GC cycles, when haveCycles
	haveCycles bool
	lastGC     float64 // unix seconds of the last GC, when haveLastGC
	haveLastGC bool
}

func (s *sampler) sampleMetrics(ctx context.Context) (rd reading, err error) {
	err = s.get(ctx, s.metrics, func(r io.Reader) error {
		rd, err = parseMetrics(s.metrics, r)
		return err
	})
	if err != nil {
		return reading{}, fmt.Errorf("read metrics: %w", err)
	}
	return rd, nil
}

// parseMetrics reads the goroutine count, the heap and the GC counters
// (see metricHeapLive) from Prometheus text format read from url.
func parseMetrics(url string, r io.Reader) (reading, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxTextLine)
	vals := map[string]float64{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		// Labels would come before the value: go_goroutines{...} 12.
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
			if j := strings.LastIndexByte(line, '}'); j >= 0 {
				rest = line[j+1:]
			}
		}
		switch name {
		case metricGoroutines, metricHeapLive, metricHeapAlloc, metricHeapInuse, metricGCCycles, metricGCCount, metricLastGC:
		default:
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return reading{}, fmt.Errorf("metric %s: bad value %q", name, truncate(fields[0], 40))
		}
		vals[name] = v // ±Inf on overflow: refused below
	}
	if err := scanErr(sc.Err()); err != nil {
		return reading{}, err
	}
	var rd reading
	g, haveG := vals[metricGoroutines]
	for _, m := range []string{metricHeapLive, metricHeapAlloc, metricHeapInuse} {
		if _, ok := vals[m]; ok {
			rd.gc.heapMetric = m
			break
		}
	}
	if !haveG || rd.gc.heapMetric == "" {
		return reading{}, fmt.Errorf("no %s and %s (or %s, %s) metrics: is this the Go collector of prometheus/client_golang?",
			metricGoroutines, metricHeapAlloc, metricHeapLive, metricHeapInuse)
	}
	n, err := count(url, metricGoroutines, g)
	if err != nil {
		return reading{}, err
	}
	if n < 1 || n > math.MaxInt32 {
		return reading{}, &valueError{url: url, what: metricGoroutines, value: strconv.FormatInt(n, 10)}
	}
	rd.goroutines = int(n)
	if rd.heap, err = count(url, rd.gc.heapMetric, vals[rd.gc.heapMetric]); err != nil {
		return reading{}, err
	}
	for _, m := range []string{metricGCCycles, metricGCCount} {
		if v, ok := vals[m]; ok {
			if rd.gc.cycles, err = count(url, m, v); err != nil {
				return reading{}, err
			}
			rd.gc.haveCycles = true
			break
		}
	}
	if v, ok := vals[metricLastGC]; ok {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return reading{}, &valueError{url: url, what: metricLastGC, value: strconv.FormatFloat(v, 'g', -1, 64)}
		}
		rd.gc.lastGC, rd.gc.haveLastGC = v, true
	}
	return rd, nil
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
