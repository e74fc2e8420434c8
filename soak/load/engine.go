package load

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Defaults used when a Config field is zero.
const (
	DefaultRate        = 500
	DefaultConnections = 64
	DefaultTimeout     = 10 * time.Second
	// MaxConnections bounds Connections and Concurrency.
	MaxConnections = 10000
)

// MaxBodyBytes bounds the response body read per request: a longer body
// fails the request (reason "response body over 64 MiB") and its
// connection is closed, so an endless body cannot hold a worker until its
// timeout.
const MaxBodyBytes = 64 << 20

// errDrained is the cause of a segment's cancellation when its drain
// timeout expired.
var errDrained = errors.New("still running when the drain timeout expired")

// BehindThreshold is how late a send may start, relative to its intended
// time in the open model, before it counts as behind schedule.
const BehindThreshold = 10 * time.Millisecond

// Histogram range, in microseconds: 1 µs to 1 hour, 3 significant digits.
const (
	histMin    = 1
	histMax    = int64(time.Hour / time.Microsecond)
	histDigits = 3
)

// Config configures an Engine.
type Config struct {
	// Targets are sent round-robin (request n uses Targets[n%len]).
	Targets []Target
	// Rate is the open-model request rate per second (default 500). It is
	// ignored when Concurrency > 0.
	Rate float64
	// Concurrency > 0 selects the closed model: that many workers, each
	// sending its next request when the previous one finished.
	Concurrency int
	// Connections caps the connections per host and the requests in
	// flight (default 64; Concurrency in the closed model).
	Connections int
	// Timeout bounds each request, body included (default 10s).
	Timeout time.Duration
	// DrainTimeout bounds the wait for in-flight requests at the end of a
	// segment; requests still running then are cancelled and counted as
	// failed with the reason "timeout" (Result.Drained; default Timeout).
	DrainTimeout time.Duration
	// TLSConfig is used for https targets; nil means the defaults.
	TLSConfig *tls.Config
	// AllowRemote permits connections to addresses that are not on this
	// machine. Without it every connection is checked when it is dialed
	// (after name resolution, see LoopbackOnly) and refused, before
	// anything is sent, unless its address is loopback.
	AllowRemote bool
	// Abort abandons a fraction of the requests mid-request (see Abort);
	// Engine.SetAbort changes it between segments.
	Abort Abort
	// NetHTTP sends with net/http's Transport even when every target is
	// plain http, which the lean client would send: for a target the lean
	// client does not get along with, or to compare the two.
	NetHTTP bool
}

// Segment bounds one Engine.Run: it ends after Requests requests were
// scheduled or after Duration, whichever comes first. At least one must
// be set.
type Segment struct {
	Requests int64
	Duration time.Duration
}

// Engine sends load. Create it with New; Run it one segment at a time
// (Run is not safe for concurrent use); Snapshot and Total may be called
// at any time from any goroutine. Close it when done.
type Engine struct {
	targets []compiled
	// lean holds the targets rendered for the lean client, nil when the
	// engine sends with transport instead; addrs are their distinct
	// addresses.
	lean      []rendered
	addrs     []string
	transport *http.Transport
	dial      func(ctx context.Context, network, address string) (net.Conn, error)
	conns     int
	model     model
	rate      float64
	timeout   time.Duration
	drain     time.Duration
	workers   []*worker
	// loops send the closed model's requests on the lean client where
	// the platform has an event loop (Linux), in place of the workers'
	// goroutines; nil otherwise.
	loops *loops
	abort Abort // changed only by SetAbort, between segments

	seq     atomic.Int64 // next request number, for {{seq}} and target choice
	running atomic.Bool
	halted  atomic.Bool  // the running segment was cancelled: start no request
	segNano atomic.Int64 // start of the running segment (unix ns), 0 if none
	doneNs  atomic.Int64 // elapsed of finished segments

	mu    sync.Mutex // guards total, hist and the reset of worker counters
	total Result
	hist  *hdrhistogram.Histogram // cumulative latencies, µs

	segMu   sync.Mutex // guards segHist
	segHist *hdrhistogram.Histogram
}

type model uint8

const (
	openModel model = iota
	closedModel
)

// New validates cfg and builds an Engine with its own tuned transport.
func New(cfg Config) (*Engine, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("no targets")
	}
	if !(cfg.Rate >= 0) || math.IsInf(cfg.Rate, 0) || cfg.Concurrency < 0 || cfg.Connections < 0 || cfg.Timeout < 0 || cfg.DrainTimeout < 0 {
		return nil, errors.New("negative or infinite rate, concurrency, connections or timeout")
	}
	if cfg.Connections > MaxConnections || cfg.Concurrency > MaxConnections {
		return nil, fmt.Errorf("at most %d connections", MaxConnections)
	}
	abort, err := cfg.Abort.validate()
	if err != nil {
		return nil, err
	}
	e := &Engine{timeout: cfg.Timeout, drain: cfg.DrainTimeout, abort: abort}
	if e.timeout == 0 {
		e.timeout = DefaultTimeout
	}
	if e.drain == 0 {
		e.drain = e.timeout
	}
	conns := cfg.Connections
	workers := 0
	if cfg.Concurrency > 0 {
		e.model = closedModel
		if conns == 0 {
			conns = cfg.Concurrency // a worker never holds more than one
		}
		if cfg.Concurrency > conns {
			return nil, fmt.Errorf("concurrency %d exceeds connections %d", cfg.Concurrency, conns)
		}
		workers = cfg.Concurrency
	} else {
		e.model = openModel
		e.rate = cfg.Rate
		if e.rate == 0 {
			e.rate = DefaultRate
		}
		if conns == 0 {
			conns = DefaultConnections
		}
		workers = conns
	}
	for i, t := range cfg.Targets {
		c, err := compile(t)
		if err != nil {
			return nil, fmt.Errorf("target %d (%s): %w", i+1, t, err)
		}
		e.targets = append(e.targets, c)
	}
	e.conns = conns
	e.dial = newDialer(cfg.AllowRemote).DialContext
	if !cfg.NetHTTP {
		if e.lean, e.addrs, err = renderAll(cfg.Targets); err != nil {
			return nil, err
		}
	}
	if e.lean == nil {
		e.transport = newTransport(conns, cfg.TLSConfig, func(ctx context.Context, network, address string) (net.Conn, error) {
			return e.dial(ctx, network, address)
		})
	}
	e.hist = hdrhistogram.New(histMin, histMax, histDigits)
	e.segHist = hdrhistogram.New(histMin, histMax, histDigits)
	e.total.StatusCodes = map[int]int64{}
	e.total.ErrorReasons = map[string]int64{}
	for i := 0; i < workers; i++ {
		e.workers = append(e.workers, newWorker(e))
	}
	if loopSupported && e.lean != nil && e.model == closedModel {
		e.loops = newLoops(e)
	}
	return e, nil
}

// renderAll renders every target for the lean client, or returns nil
// when one needs what only net/http speaks.
func renderAll(targets []Target) ([]rendered, []string, error) {
	var lean []rendered
	var addrs []string
	index := map[string]int{}
	for i, t := range targets {
		r, ok, err := renderTarget(t)
		if err != nil {
			return nil, nil, fmt.Errorf("target %d (%s): %w", i+1, t, err)
		}
		if !ok {
			return nil, nil, nil
		}
		n, seen := index[r.addr]
		if !seen {
			n = len(addrs)
			index[r.addr] = n
			addrs = append(addrs, r.addr)
		}
		r.host = n
		lean = append(lean, r)
	}
	return lean, addrs, nil
}

// newTransport is the net/http path's transport: at most conns
// connections per host, kept for the whole run.
func newTransport(conns int, tlsConfig *tls.Config, dial func(ctx context.Context, network, address string) (net.Conn, error)) *http.Transport {
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            newBoundedDial(conns, dial).DialContext,
		TLSClientConfig:        tlsConfig,
		TLSHandshakeTimeout:    5 * time.Second,
		DisableCompression:     true,
		MaxIdleConns:           0, // no global limit
		MaxIdleConnsPerHost:    conns,
		MaxConnsPerHost:        conns,
		IdleConnTimeout:        0, // keep the pool: a stable target keeps its connection goroutines
		MaxResponseHeaderBytes: 1 << 20,
		WriteBufferSize:        4 << 10,
		ReadBufferSize:         4 << 10,
	}
}

// Connections returns the connection (and in-flight) limit.
func (e *Engine) Connections() int { return e.conns }

// Lean reports whether the engine sends with its lean HTTP/1.1 client
// (every target plain http, Config.NetHTTP not set) rather than with
// net/http's Transport.
func (e *Engine) Lean() bool { return e.lean != nil }

// Close closes the engine's connections. The engine must not be running.
func (e *Engine) Close() {
	if e.loops != nil {
		e.loops.close()
	}
	for _, w := range e.workers {
		w.s.close()
	}
	if e.transport != nil {
		e.transport.CloseIdleConnections()
	}
}

// Snapshot returns the cumulative counters, the running segment included.
func (e *Engine) Snapshot() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := Snapshot{
		Elapsed:  time.Duration(e.doneNs.Load()),
		Requests: e.total.Requests,
		Errors:   e.total.Errors,
		Behind:   e.total.Behind,
		Aborted:  e.total.Aborted,
	}
	if start := e.segNano.Load(); start != 0 {
		s.Running = true
		s.Elapsed += time.Duration(time.Now().UnixNano() - start)
	}
	for _, w := range e.workers {
		s.Requests += w.requests.Load()
		s.Errors += w.errors.Load()
		s.Behind += w.behind.Load()
		s.Aborted += w.aborted.Load()
		s.InFlight += w.inFlight.Load()
	}
	return s
}

// Total returns the cumulative result of all finished segments.
func (e *Engine) Total() Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.total
	r.StatusCodes = copyMap(e.total.StatusCodes)
	r.ErrorReasons = copyMap(e.total.ErrorReasons)
	r.Latency = quantiles(e.hist)
	r.Histogram = e.hist.Export()
	return r
}

// Run sends one segment of load and returns its result. It stops
// scheduling when the segment's bound is reached, waits for in-flight
// requests (at most the drain timeout, then cancels them) and returns with
// no request running. The open-model schedule restarts with every segment.
//
// When ctx is cancelled, Run cancels the in-flight requests at once and
// returns the partial result with ctx's error.
func (e *Engine) Run(ctx context.Context, seg Segment) (Result, error) {
	if seg.Requests < 0 || seg.Duration < 0 || (seg.Requests == 0 && seg.Duration == 0) {
		return Result{}, errors.New("load: segment needs a positive request count or duration")
	}
	segCtx, cancel, release, start, err := e.begin(ctx, "Run")
	if err != nil {
		return Result{}, err
	}
	defer release()
	seg0 := e.seq.Load()

	// Closed model: stopped tells the workers to stop claiming requests;
	// claimed is closed when the last request of the segment was claimed.
	var stopped atomic.Bool
	claimed := make(chan struct{})
	var claimedOnce sync.Once
	allClaimed := func() { claimedOnce.Do(func() { close(claimed) }) }
	claims := &closedClaims{e: e, limit: seg.Requests, seq0: seg0, stopped: &stopped, allClaimed: allClaimed}
	var wg sync.WaitGroup
	var tickets chan ticket
	if e.model == openModel {
		tickets = make(chan ticket, len(e.workers))
	}
	var loopErr error
	if e.loops != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loopErr = e.loops.run(segCtx, start, claims, 0)
		}()
	} else {
		for _, w := range e.workers {
			w.begin(segCtx, start)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if e.model == openModel {
					w.runOpen(tickets)
				} else {
					w.runClosed(claims)
				}
			}()
		}
	}
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()

	if e.model == openModel {
		e.schedule(segCtx, seg, start, seg0, tickets)
		close(tickets)
	} else {
		var deadline <-chan time.Time
		if seg.Duration > 0 {
			t := time.NewTimer(seg.Duration)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-deadline:
		case <-claimed:
		case <-workersDone:
		case <-segCtx.Done():
		}
		stopped.Store(true)
	}

	// Drain: wait for in-flight requests, bounded.
	drain := time.NewTimer(e.drain)
	select {
	case <-workersDone:
	case <-drain.C:
		cancel(errDrained)
		<-workersDone
	case <-ctx.Done():
		cancel(nil)
		<-workersDone
	}
	drain.Stop()
	elapsed := time.Since(start)

	res := e.collect(elapsed)
	if loopErr != nil {
		return res, loopErr
	}
	return res, ctx.Err()
}

// ticket is one scheduled open-model request.
type ticket struct {
	seq      int64
	intended time.Duration // since segment start
}

// schedule emits the open-model tickets of one segment.
func (e *Engine) schedule(ctx context.Context, seg Segment, start time.Time, seq0 int64, tickets chan<- ticket) {
	interval := float64(time.Second) / e.rate
	var stop <-chan time.Time
	if seg.Duration > 0 {
		t := time.NewTimer(seg.Duration)
		defer t.Stop()
		stop = t.C
	}
	sleep := time.NewTimer(time.Hour)
	sleep.Stop()
	defer sleep.Stop()
	var i int64
	defer func() { e.seq.Store(seq0 + i) }()
	for ; seg.Requests == 0 || i < seg.Requests; i++ {
		due := time.Duration(float64(i) * interval)
		if seg.Duration > 0 && due >= seg.Duration {
			return
		}
		if wait := due - time.Since(start); wait > 0 {
			sleep.Reset(wait)
			select {
			case <-sleep.C:
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
		select {
		case tickets <- ticket{seq: seq0 + i, intended: due}:
		case <-stop:
			return
		case <-ctx.Done():
			return
		}
	}
}

// recordLatencies adds worker-buffered latencies to the segment histogram.
func (e *Engine) recordLatencies(us []int64) {
	e.segMu.Lock()
	for _, v := range us {
		_ = e.segHist.RecordValue(v) // values are clamped to the range
	}
	e.segMu.Unlock()
}

// collect merges the workers' segment results into the totals. The
// workers' goroutines have finished.
func (e *Engine) collect(elapsed time.Duration) Result {
	res := Result{
		Elapsed:      elapsed,
		StatusCodes:  map[int]int64{},
		ErrorReasons: map[string]int64{},
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.segNano.Store(0)
	e.doneNs.Add(int64(elapsed))
	for _, w := range e.workers {
		c := w.flush()
		res.Requests += c.requests
		res.Errors += c.errors
		res.Behind += c.behind
		res.Canceled += c.canceled
		res.Drained += c.drained
		res.Aborted += c.aborted
		for k, v := range c.status {
			res.StatusCodes[k] += v
		}
		for k, v := range c.reasons {
			res.ErrorReasons[k] += v
		}
	}
	e.segMu.Lock()
	res.Latency = quantiles(e.segHist)
	res.Histogram = e.segHist.Export()
	e.hist.Merge(e.segHist)
	e.segHist.Reset()
	e.segMu.Unlock()

	t := &e.total
	t.Requests += res.Requests
	t.Errors += res.Errors
	t.Behind += res.Behind
	t.Canceled += res.Canceled
	t.Drained += res.Drained
	t.Aborted += res.Aborted
	t.Elapsed += elapsed
	for k, v := range res.StatusCodes {
		t.StatusCodes[k] += v
	}
	for k, v := range res.ErrorReasons {
		t.ErrorReasons[k] += v
	}
	return res
}

// begin claims the engine for one segment (what names the caller in the
// error when a segment is already running) and starts its clock. cancel
// ends the segment early, interrupting the requests in flight; the caller
// calls release, once, when the segment's goroutines are done.
func (e *Engine) begin(ctx context.Context, what string) (segCtx context.Context, cancel context.CancelCauseFunc, release func(), start time.Time, err error) {
	if !e.running.CompareAndSwap(false, true) {
		return nil, nil, nil, time.Time{}, fmt.Errorf("load: %s called while a segment is running", what)
	}
	if err := ctx.Err(); err != nil {
		e.running.Store(false)
		return nil, nil, nil, time.Time{}, err
	}
	segCtx, cancel = context.WithCancelCause(ctx)
	// When the segment is cancelled, no request starts any more and the
	// ones in flight are interrupted. release stops the watcher (or waits
	// for it) before it cancels segCtx itself, so that the watcher never
	// halts the next segment.
	e.halted.Store(false)
	halted := make(chan struct{})
	stop := context.AfterFunc(segCtx, func() {
		defer close(halted)
		e.halted.Store(true)
		if e.loops != nil {
			e.loops.interrupt()
		}
		for _, w := range e.workers {
			w.s.interrupt()
		}
	})
	release = func() {
		if !stop() {
			<-halted
		}
		cancel(nil)
		e.running.Store(false)
	}
	start = time.Now()
	e.segNano.Store(start.UnixNano())
	return segCtx, cancel, release, start, nil
}

// Prime opens the whole connection pool: every worker sends one request at
// once and holds its answer until all have arrived, so each request needs
// its own connection. A soak primes before its first checkpoint so that the
// target's per-connection memory and goroutines do not grow during the
// measurement. The requests count as usual; with several target hosts the
// pool is spread over them.
func (e *Engine) Prime(ctx context.Context) (Result, error) {
	segCtx, cancel, release, start, err := e.begin(ctx, "Prime")
	if err != nil {
		return Result{}, err
	}
	defer release()
	n := len(e.workers)
	seq0 := e.seq.Add(int64(n)) - int64(n)
	var arrived, wg sync.WaitGroup
	var loopErr error
	if e.loops != nil {
		// Each slot of the event loops has its own connection: sending
		// one request on every slot at once opens them all.
		wg.Add(1)
		go func() {
			defer wg.Done()
			loopErr = e.loops.run(segCtx, start, nil, seq0)
		}()
	} else {
		arrived.Add(n)
		allArrived := make(chan struct{})
		go func() { arrived.Wait(); close(allArrived) }()
		for i, w := range e.workers {
			w.begin(segCtx, start)
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.primeOne(seq0+int64(i), &arrived, allArrived)
			}()
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		cancel(nil)
		<-done
	}
	elapsed := time.Since(start)
	res := e.collect(elapsed)
	if loopErr != nil {
		return res, loopErr
	}
	return res, ctx.Err()
}
