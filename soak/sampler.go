package soak

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ginleak/ginleak/soak/load"
)

// sampleTimeout bounds each request of a checkpoint: a forced GC and a
// profile of a large heap can take a few seconds.
const sampleTimeout = 30 * time.Second

// maxProfileBytes bounds a fetched profile or dump.
const maxProfileBytes = 256 << 20

// sampler reads the target's live heap and goroutine count, and fetches
// profiles, over one keep-alive connection so that its own requests cost
// the target the same at every checkpoint.
type sampler struct {
	client     *http.Client
	pprof      string // base URL without trailing slash; "" if unavailable
	metrics    string // Prometheus text URL; "" to sample pprof
	scratchBuf []byte
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
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
		IdleConnTimeout:     0,
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

// get fetches u and hands the body of a 200 answer to read; the body is
// drained afterwards so that the connection is kept. A redirect is not
// followed: it is a *redirectError.
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
	defer func() {
		_, _ = io.CopyBuffer(io.Discard, io.LimitReader(resp.Body, maxProfileBytes), s.scratchBuf)
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
		return &statusError{url: u, code: resp.StatusCode, status: resp.Status}
	}
	if err := read(io.LimitReader(resp.Body, maxProfileBytes)); err != nil {
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

// statusError is a non-200 answer.
type statusError struct {
	url    string
	code   int
	status string
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.status) }

// sample reads the live heap (after a forced GC, when read from pprof) and
// the goroutine count.
func (s *sampler) sample(ctx context.Context) (heap int64, goroutines int, err error) {
	if s.metrics != "" {
		return s.sampleMetrics(ctx)
	}
	heapURL := s.pprof + "/heap?gc=1&debug=1"
	err = s.get(ctx, heapURL, func(r io.Reader) error {
		heap, err = parseHeapAlloc(r)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("read live heap: %w", err)
	}
	goroutines, err = s.goroutineCount(ctx)
	if err != nil {
		return 0, 0, err
	}
	return heap, goroutines, nil
}

func (s *sampler) goroutineCount(ctx context.Context) (n int, err error) {
	err = s.get(ctx, s.pprof+"/goroutine?debug=1", func(r io.Reader) error {
		n, err = parseGoroutineTotal(r)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read goroutine count: %w", err)
	}
	return n, nil
}

// fetch returns the body of url (a profile or dump).
func (s *sampler) fetch(ctx context.Context, url string) ([]byte, error) {
	var b []byte
	err := s.get(ctx, url, func(r io.Reader) error {
		var err error
		b, err = io.ReadAll(r)
		return err
	})
	return b, err
}

// profiles fetches the heap profile (proto, after a forced GC) and the
// goroutine dump, for the diff at the end of the run.
func (s *sampler) profiles(ctx context.Context) (heap, goroutines []byte, err error) {
	if heap, err = s.fetch(ctx, s.pprof+"/heap?gc=1"); err != nil {
		return nil, nil, fmt.Errorf("fetch heap profile: %w", err)
	}
	if goroutines, err = s.fetch(ctx, s.pprof+"/goroutine?debug=2"); err != nil {
		return nil, nil, fmt.Errorf("fetch goroutine dump: %w", err)
	}
	return heap, goroutines, nil
}

// parseHeapAlloc finds "# HeapAlloc = N" in a debug=1 heap profile (the
// runtime.MemStats the handler appends after the forced GC).
func parseHeapAlloc(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if v, ok := bytes.CutPrefix(line, []byte("# HeapAlloc = ")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("bad HeapAlloc line %q", line)
			}
			return n, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no \"# HeapAlloc = \" line: not a debug=1 heap profile")
}

// parseGoroutineTotal reads "goroutine profile: total N" from the first line
// of a debug=1 goroutine profile.
func parseGoroutineTotal(r io.Reader) (int, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadString('\n')
	if err != nil && line == "" {
		return 0, fmt.Errorf("empty goroutine profile: %w", err)
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("not a debug=1 goroutine profile: first line %q", truncate(line, 60))
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("bad goroutine total %q", v)
	}
	return n, nil
}

// Prometheus metric names read from a --metrics endpoint.
const (
	metricGoroutines = "go_goroutines"
	metricHeapAlloc  = "go_memstats_heap_alloc_bytes"
	metricHeapInuse  = "go_memstats_heap_inuse_bytes"
)

func (s *sampler) sampleMetrics(ctx context.Context) (heap int64, goroutines int, err error) {
	err = s.get(ctx, s.metrics, func(r io.Reader) error {
		heap, goroutines, err = parseMetrics(r)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("read metrics: %w", err)
	}
	return heap, goroutines, nil
}

// parseMetrics reads go_goroutines and go_memstats_heap_alloc_bytes (or,
// without it, go_memstats_heap_inuse_bytes) from Prometheus text format.
func parseMetrics(r io.Reader) (heap int64, goroutines int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var haveG, haveAlloc, haveInuse bool
	var inuse int64
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
		if name != metricGoroutines && name != metricHeapAlloc && name != metricHeapInuse {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, 0, fmt.Errorf("metric %s: bad value %q", name, fields[0])
		}
		switch name {
		case metricGoroutines:
			goroutines, haveG = int(v), true
		case metricHeapAlloc:
			heap, haveAlloc = int64(v), true
		case metricHeapInuse:
			inuse, haveInuse = int64(v), true
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if !haveAlloc && haveInuse {
		heap, haveAlloc = inuse, true
	}
	if !haveG || !haveAlloc {
		return 0, 0, fmt.Errorf("no %s and %s (or %s) metrics: is this the Go collector of prometheus/client_golang?",
			metricGoroutines, metricHeapAlloc, metricHeapInuse)
	}
	return heap, goroutines, nil
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
