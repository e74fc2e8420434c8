package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// sender sends one worker's requests, one at a time, on the lean client
// (leanSender) or on net/http's Transport (stdSender).
type sender interface {
	// begin prepares for a segment; segCtx ends when the segment is
	// cancelled, and with it every request in flight.
	begin(segCtx context.Context)
	// send sends request seq to its target and reads the whole answer.
	// With abort, the request is abandoned abortAfter after it was sent
	// unless it was answered first. hold, when not nil, is called once the
	// answer's head arrived, before the answer is released (Prime).
	send(seq int64, abortAfter time.Duration, abort bool, hold func()) outcome
	// interrupt makes a request in flight fail at once; it is called from
	// another goroutine after the segment was cancelled.
	interrupt()
	// end releases what begin took; close closes the connections. Both
	// are called with no request in flight.
	end()
	close()
}

// outcome is how one request ended.
type outcome struct {
	status int
	err    error
	// aborted: abandoned on purpose (Config.Abort) before its answer was
	// read; neither an answer nor an error.
	aborted bool
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

// worker runs one sender's loop and counts what happens. Its state is
// touched only by its own goroutine during a segment, except the atomic
// counters.
type worker struct {
	e *Engine
	s sender

	// Live counters for Engine.Snapshot, reset by collect.
	requests, errors, behind, aborted, inFlight atomic.Int64
	_                                           [64]byte // keep workers' counters on separate cache lines

	seg segCounts

	segCtx context.Context
	start  time.Time
	lat    [latBuf]int64 // latencies (µs) not yet in the segment histogram
	nlat   int
}

func newWorker(e *Engine) *worker {
	w := &worker{e: e, seg: segCounts{status: map[int]int64{}, reasons: map[string]int64{}}}
	if e.lean != nil {
		w.s = newLeanSender(e)
	} else {
		w.s = newStdSender(e)
	}
	return w
}

// begin prepares the worker for a segment.
func (w *worker) begin(segCtx context.Context, start time.Time) {
	w.segCtx = segCtx
	w.start = start
	w.s.begin(segCtx)
}

func (w *worker) runOpen(tickets <-chan ticket) {
	defer w.s.end()
	for t := range tickets {
		if w.e.halted.Load() {
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

// runClosed sends requests back to back until the segment's claims run
// out (see closedClaims.next) or the segment is cancelled.
func (w *worker) runClosed(claims *closedClaims) {
	defer w.s.end()
	for {
		seq, ok := claims.next()
		if !ok {
			return
		}
		w.do(seq, time.Since(w.start))
	}
}

// closedClaims hands out the request numbers of a closed-model segment:
// until stopped, the segment's limit (if any) is claimed, or the segment
// is cancelled. allClaimed is called when the limit is reached.
type closedClaims struct {
	e          *Engine
	limit      int64 // requests in the segment, 0 for no limit
	seq0       int64 // the segment's first request number
	stopped    *atomic.Bool
	allClaimed func()
}

// next claims the next request number.
func (c *closedClaims) next() (int64, bool) {
	e := c.e
	if c.stopped.Load() || e.halted.Load() {
		return 0, false
	}
	seq := e.seq.Add(1) - 1
	if c.limit > 0 && seq-c.seq0 >= c.limit {
		e.seq.Add(-1) // keep the counter at the number sent
		c.allClaimed()
		return 0, false
	}
	if c.limit > 0 && seq-c.seq0 == c.limit-1 {
		c.allClaimed()
	}
	return seq, true
}

// primeOne sends one request and holds its answer until every worker
// received one (see Engine.Prime). A priming request is never abandoned.
func (w *worker) primeOne(seq int64, arrived *sync.WaitGroup, allArrived <-chan struct{}) {
	defer w.s.end()
	intended := time.Since(w.start)
	held := false
	hold := func() {
		held = true
		arrived.Done()
		select {
		case <-allArrived:
		case <-w.segCtx.Done():
		}
	}
	w.inFlight.Add(1)
	o := w.s.send(seq, 0, false, hold)
	w.inFlight.Add(-1)
	if !held {
		arrived.Done()
	}
	w.count(o, intended)
}

// do sends one request, abandoning it at its moment if the engine's Abort
// chose it, and counts its outcome.
func (w *worker) do(seq int64, intended time.Duration) {
	after, abort := w.e.abort.abortAt(seq)
	w.inFlight.Add(1)
	o := w.s.send(seq, after, abort, nil)
	w.inFlight.Add(-1)
	w.count(o, intended)
}

// count records a request's outcome; intended is when it was due.
func (w *worker) count(o outcome, intended time.Duration) {
	switch {
	case o.aborted:
		w.aborted.Add(1)
		w.seg.aborted++
	case o.err != nil:
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
		w.fail(reason(o.err))
	default:
		w.record(time.Since(w.start) - intended)
		w.requests.Add(1)
		w.seg.requests++
		w.seg.status[o.status]++
		if o.status < 200 || o.status > 299 {
			w.errors.Add(1)
			w.seg.errors++
		}
	}
}

// fail counts a transport error.
func (w *worker) fail(why string) {
	w.requests.Add(1)
	w.errors.Add(1)
	w.seg.requests++
	w.seg.errors++
	w.seg.reasons[why]++
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
