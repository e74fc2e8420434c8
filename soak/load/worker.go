package load

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// compiled is a Target prepared for fast sending.
type compiled struct {
	method string
	url    *url.URL // nil when urlTmpl is dynamic
	host   string   // Host header override
	header http.Header
	body   []byte

	urlTmpl    template // set when the URL has placeholders
	headerTmpl []headerTemplate
	bodyTmpl   template // set when the body has placeholders
}

type headerTemplate struct {
	key  string
	tmpl template
}

func compile(t Target) (compiled, error) {
	if err := t.Validate(); err != nil {
		return compiled{}, err
	}
	c := compiled{method: t.Method, body: t.Body}
	if c.method == "" {
		c.method = http.MethodGet
	}
	if ut := compileTemplate(t.URL); ut.dynamic() {
		c.urlTmpl = ut
	} else {
		u, err := parseTargetURL(t.URL)
		if err != nil {
			return compiled{}, err
		}
		c.url = u
	}
	c.header = http.Header{}
	for k, vs := range t.Header {
		key := http.CanonicalHeaderKey(k)
		if key == "Host" {
			if len(vs) > 0 {
				c.host = vs[0]
			}
			continue
		}
		for _, v := range vs {
			if vt := compileTemplate(v); vt.dynamic() {
				c.headerTmpl = append(c.headerTmpl, headerTemplate{key: key, tmpl: vt})
			} else {
				c.header[key] = append(c.header[key], v)
			}
		}
	}
	if bt := compileTemplate(string(t.Body)); bt.dynamic() {
		c.bodyTmpl = bt
		c.body = nil
	}
	return c, nil
}

// static reports whether every request of c is identical, so one
// *http.Request can be reused.
func (c *compiled) static() bool {
	return c.url != nil && len(c.headerTmpl) == 0 && c.bodyTmpl == nil && c.body == nil
}

// latBuf is how many latencies a worker buffers before taking the lock of
// the shared segment histogram.
const latBuf = 256

// segCounts are a worker's plain per-segment counters, read after the
// segment's goroutines finished.
type segCounts struct {
	requests, errors, behind, canceled, drained, aborted int64
	status                                               map[int]int64
	reasons                                              map[string]int64
}

// worker sends requests one at a time. Its state is touched only by its
// own goroutine during a segment, except the atomic counters.
type worker struct {
	e *Engine

	// Live counters for Engine.Snapshot, reset by collect.
	requests, errors, behind, aborted, inFlight atomic.Int64
	_                                           [64]byte // keep workers' counters on separate cache lines

	seg segCounts

	ctx    context.Context // per-worker request context, child of the segment's
	cancel context.CancelFunc
	segCtx context.Context
	timer  *time.Timer // per-request timeout, fires cancel
	// abandon fires cancel at a chosen request's abort moment, after
	// setting abandoned; both are nil when the engine aborts nothing.
	abandon   *time.Timer
	abandoned *atomic.Bool
	start     time.Time
	reqs      []*http.Request // reusable requests per static target, bound to ctx
	buf       []byte          // body drain buffer
	tmp       []byte          // template rendering
	lat       [latBuf]int64   // latencies (µs) not yet in the segment histogram
	nlat      int
}

func newWorker(e *Engine) *worker {
	return &worker{
		e:    e,
		buf:  make([]byte, 8<<10),
		reqs: make([]*http.Request, len(e.targets)),
		seg:  segCounts{status: map[int]int64{}, reasons: map[string]int64{}},
	}
}

// begin prepares the worker for a segment.
func (w *worker) begin(segCtx context.Context, start time.Time) {
	w.segCtx = segCtx
	w.start = start
	w.newContext()
}

// newContext makes a fresh request context (after a timeout cancelled the
// old one, or for a new segment) and drops the requests bound to the old.
func (w *worker) newContext() {
	w.stopTimers()
	ctx, cancel := context.WithCancel(w.segCtx)
	w.ctx, w.cancel = ctx, cancel
	w.timer = time.AfterFunc(time.Hour, cancel)
	w.timer.Stop()
	w.abandon, w.abandoned = nil, nil
	if w.e.abort.Rate > 0 {
		// Cancelling a request's context makes the transport close its
		// connection at once (pending or mid-body): what a client that
		// gives up does. The flag, set first, tells finish why.
		hit := new(atomic.Bool)
		w.abandoned = hit
		w.abandon = time.AfterFunc(time.Hour, func() {
			hit.Store(true)
			cancel()
		})
		w.abandon.Stop()
	}
	clear(w.reqs)
}

func (w *worker) stopTimers() {
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.abandon != nil {
		w.abandon.Stop()
	}
}

// end releases the segment's context.
func (w *worker) end() {
	w.stopTimers()
	w.cancel()
	clear(w.reqs)
}

func (w *worker) runOpen(tickets <-chan ticket) {
	defer w.end()
	for t := range tickets {
		if w.segCtx.Err() != nil {
			continue // cancelled: drop the rest of the schedule
		}
		sent := time.Since(w.start)
		if sent-t.intended > BehindThreshold {
			w.behind.Add(1)
			w.seg.behind++
		}
		w.do(t.seq, t.intended)
	}
}

// runClosed sends requests back to back until stopped, the segment's
// limit (if any) is claimed, or the segment is cancelled. allClaimed is
// called when the limit is reached.
func (w *worker) runClosed(limit, seq0 int64, stopped *atomic.Bool, allClaimed func()) {
	defer w.end()
	for !stopped.Load() && w.segCtx.Err() == nil {
		seq := w.e.seq.Add(1) - 1
		if limit > 0 && seq-seq0 >= limit {
			w.e.seq.Add(-1) // keep the counter at the number sent
			allClaimed()
			return
		}
		if limit > 0 && seq-seq0 == limit-1 {
			allClaimed()
		}
		w.do(seq, time.Since(w.start))
	}
}

// primeOne sends one request and holds its answer until every worker
// received one (see Engine.Prime).
func (w *worker) primeOne(seq int64, arrived *sync.WaitGroup, allArrived <-chan struct{}) {
	defer w.end()
	intended := time.Since(w.start)
	resp, _, err := w.roundTrip(seq, 0, false)
	arrived.Done()
	if err == nil {
		select {
		case <-allArrived:
		case <-w.segCtx.Done():
		}
	}
	w.finish(resp, err, intended, false)
}

// do sends one request, abandoning it at its moment if the engine's Abort
// chose it, and records its outcome.
func (w *worker) do(seq int64, intended time.Duration) {
	after, abort := w.e.abort.abortAt(seq)
	resp, armed, err := w.roundTrip(seq, after, abort && w.abandon != nil)
	w.finish(resp, err, intended, armed)
}

// roundTrip sends request seq. With abort, the request is abandoned after
// abortAfter unless it finished first; armed reports that the abort timer
// was set.
func (w *worker) roundTrip(seq int64, abortAfter time.Duration, abort bool) (resp *http.Response, armed bool, err error) {
	w.inFlight.Add(1)
	w.timer.Reset(w.e.timeout)
	req, err := w.request(seq)
	if err != nil {
		return nil, false, err
	}
	if abort {
		w.abandon.Reset(abortAfter)
	}
	resp, err = w.e.transport.RoundTrip(req)
	return resp, abort, err
}

// finish drains and closes the answer, then records the outcome. armed
// says the request's abort timer was set (see do).
func (w *worker) finish(resp *http.Response, err error, intended time.Duration, armed bool) {
	defer w.inFlight.Add(-1)
	if err == nil {
		// Read while the abort moment may still come: a client that gives
		// up mid-body closes the connection too.
		err = w.drainBody(resp.Body)
	}
	fired := !w.timer.Stop()
	abandoned := armed && !w.abandon.Stop()
	if fired || abandoned {
		// A timer cancelled w.ctx (or is about to): later requests need a
		// new one.
		defer w.newContext()
	}
	if abandoned && err != nil && w.abandoned.Load() {
		// Abandoned on purpose before the answer was read: neither an
		// answer nor an error. The flag is set before the cancel that
		// caused err, so it is seen here.
		clear(w.reqs)
		w.aborted.Add(1)
		w.seg.aborted++
		return
	}
	if err != nil {
		if w.segCtx.Err() != nil {
			if context.Cause(w.segCtx) == errDrained {
				// The engine gave up on it at the end of the segment: for
				// the target it is a request that timed out.
				w.seg.drained++
				w.fail(reason(context.DeadlineExceeded))
				return
			}
			w.seg.canceled++
			return
		}
		if fired && errors.Is(err, context.Canceled) {
			err = context.DeadlineExceeded
		}
		w.fail(reason(err))
		return
	}
	w.record(time.Since(w.start) - intended)
	w.requests.Add(1)
	w.seg.requests++
	w.seg.status[resp.StatusCode]++
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		w.errors.Add(1)
		w.seg.errors++
	}
}

// fail counts a transport error. The transport may still touch a failed
// request, so the cached requests are dropped rather than reused.
func (w *worker) fail(why string) {
	clear(w.reqs)
	w.requests.Add(1)
	w.errors.Add(1)
	w.seg.requests++
	w.seg.errors++
	w.seg.reasons[why]++
}

// drainBody reads and closes a response body, at most MaxBodyBytes of it:
// closing a body that was not read to its end closes the connection,
// which the transport replaces within the pool's limit.
func (w *worker) drainBody(body io.ReadCloser) error {
	var err error
	var n, total int64
	for {
		var k int
		k, err = body.Read(w.buf)
		n = int64(k)
		total += n
		if err != nil {
			break
		}
		if total > MaxBodyBytes {
			err = errBodyTooLarge
			break
		}
	}
	body.Close()
	if err == io.EOF {
		return nil
	}
	return err
}

// errBodyTooLarge fails a request whose body exceeds MaxBodyBytes.
var errBodyTooLarge = errors.New("response body over 64 MiB")

// request returns the request for seq: a reused one for static targets,
// a fresh one otherwise.
func (w *worker) request(seq int64) (*http.Request, error) {
	i := int(uint64(seq) % uint64(len(w.e.targets)))
	t := &w.e.targets[i]
	if t.static() {
		if r := w.reqs[i]; r != nil {
			return r, nil
		}
	}
	u := t.url
	if u == nil {
		w.tmp = appendTemplate(w.tmp[:0], t.urlTmpl, newUUID, seq)
		var err error
		if u, err = parseTargetURL(string(w.tmp)); err != nil {
			return nil, err
		}
	}
	r := &http.Request{
		Method:     t.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     t.header,
		Host:       t.host,
	}
	if r.Host == "" {
		r.Host = u.Host
	}
	if len(t.headerTmpl) > 0 {
		r.Header = t.header.Clone()
		for _, h := range t.headerTmpl {
			w.tmp = appendTemplate(w.tmp[:0], h.tmpl, newUUID, seq)
			r.Header[h.key] = append(r.Header[h.key], string(w.tmp))
		}
	}
	body := t.body
	if t.bodyTmpl != nil {
		body = appendTemplate(nil, t.bodyTmpl, newUUID, seq)
	}
	if body != nil {
		r.ContentLength = int64(len(body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		if len(body) == 0 {
			r.Body = http.NoBody
		}
	}
	r = r.WithContext(w.ctx)
	if t.static() {
		w.reqs[i] = r
	}
	return r, nil
}

func newUUID() [16]byte {
	u, err := uuid.NewRandom()
	if err != nil {
		return [16]byte{}
	}
	return u
}

// record buffers a latency; flush moves the buffer into the segment
// histogram.
func (w *worker) record(d time.Duration) {
	us := int64(d / time.Microsecond)
	if us < histMin {
		us = histMin
	} else if us > histMax {
		us = histMax
	}
	w.lat[w.nlat] = us
	w.nlat++
	if w.nlat == latBuf {
		w.e.recordLatencies(w.lat[:])
		w.nlat = 0
	}
}

// flush moves the buffered latencies into the segment histogram and
// returns the worker's segment counters, resetting them.
func (w *worker) flush() segCounts {
	if w.nlat > 0 {
		w.e.recordLatencies(w.lat[:w.nlat])
		w.nlat = 0
	}
	c := w.seg
	w.seg = segCounts{status: map[int]int64{}, reasons: map[string]int64{}}
	w.requests.Store(0)
	w.errors.Store(0)
	w.behind.Store(0)
	w.aborted.Store(0)
	return c
}
