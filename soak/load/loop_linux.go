//go:build linux

package load

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"
)

// loopSupported: the closed model's event loop runs here.
const loopSupported = true

// loops are the closed model's event loops on Linux: each owns a share
// of the workers' connections as raw non-blocking descriptors in its own
// epoll set, and one goroutine drives all of them. A request costs a
// write and a read system call and, when it waits, a share of an
// epoll_wait; no goroutine parks or wakes per request, which is what
// the lean client's goroutine per worker still paid (bench/README.md).
type loops struct {
	e      *Engine
	groups []*loopGroup
}

// loopGroup is one event loop: its epoll set, an eventfd that interrupts
// it, and its slots.
type loopGroup struct {
	e      *Engine
	ep     int // epoll descriptor, -1 until opened
	wake   int // eventfd written by interrupt
	slots  []*loopSlot
	events []syscall.EpollEvent
	segCtx context.Context
	start  time.Time
	prime  bool // the segment is a Prime: no request is abandoned

	// Sleeping (wait): an epoll set that holds ep while the loop sleeps,
	// in Go's poller, its read deadline, and pollReady's results and
	// pollReady itself as a func value made once.
	sleepEp   int
	sleepf    *os.File
	sleepc    syscall.RawConn
	deadline  time.Time
	pollN     int
	pollErrno syscall.Errno
	readyFn   func(uintptr) bool

	active  int           // slots with a request in flight
	nextDue time.Duration // earliest deadline of a request in flight (since start)
	idle    bool          // the last wait slept longer than spinUseful: do not spin
	nap     napper
	spin    spinner
	answers int // answers taken, over all segments
}

// loopConn is a slot's connection to one address.
type loopConn struct {
	fd       int      // -1 when closed
	nc       net.Conn // what the dialer returned, its descriptor closed; closed with fd
	answered int
	lastUsed time.Time // when its last request was sent
}

// loopSlot is one worker's requests on an event loop: one request in
// flight at a time, on its own connection per target address.
type loopSlot struct {
	id    int
	w     *worker
	conns []loopConn

	// The request in flight.
	busy     bool
	seq      int64
	intended time.Duration
	t        *rendered
	req      []byte // its bytes; pending is what is not written yet
	pending  []byte
	due      time.Duration // its deadline (since start)
	aborting bool          // due is the abort moment, not the timeout
	reused   bool          // sent on a connection that had carried answers
	attempt  int
	parser   answerParser

	buf      []byte // the answer's bytes read and not yet parsed: buf[r:n]
	r, n     int
	wbuf     []byte
	tmp      []byte
	uuid     uuidSource
	primeSeq int64 // Prime: the one request to send; -1 when none
}

func newLoops(e *Engine) *loops {
	n := min(runtime.GOMAXPROCS(0), len(e.workers))
	l := &loops{e: e}
	for range n {
		l.groups = append(l.groups, &loopGroup{e: e, ep: -1, sleepEp: -1, wake: -1})
	}
	for i, w := range e.workers {
		g := l.groups[i%n]
		s := &loopSlot{id: len(g.slots), w: w, conns: make([]loopConn, len(e.addrs)), buf: make([]byte, readBufferSize), wbuf: make([]byte, 0, 512), uuid: newUUIDs().next, primeSeq: -1}
		for j := range s.conns {
			s.conns[j].fd = -1
		}
		g.slots = append(g.slots, s)
	}
	return l
}

// run runs one closed-model segment (claims) or one Prime (claims nil,
// slot i sends request seq0+i) on every group and returns when no
// request is in flight.
func (l *loops) run(segCtx context.Context, start time.Time, claims *closedClaims, seq0 int64) error {
	errs := make(chan error, len(l.groups))
	k := int64(0)
	for _, g := range l.groups {
		if err := g.open(); err != nil {
			return err
		}
		g.segCtx, g.start, g.prime = segCtx, start, claims == nil
		for _, s := range g.slots {
			s.primeSeq = -1
			if claims == nil {
				s.primeSeq = seq0 + k
				k++
			}
		}
	}
	// Workers were created in order and dealt to groups round-robin: the
	// prime numbers above follow the groups' order instead, which only
	// changes which connection sends which of the n requests.
	for _, g := range l.groups {
		go func() { errs <- g.run(claims) }()
	}
	var first error
	for range l.groups {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// interrupt wakes every loop so that it sees the engine halted.
func (l *loops) interrupt() {
	one := [8]byte{1}
	for _, g := range l.groups {
		if g.wake >= 0 {
			syscall.Write(g.wake, one[:])
		}
	}
}

// close closes every connection and the loops' descriptors.
func (l *loops) close() {
	for _, g := range l.groups {
		for _, s := range g.slots {
			for j := range s.conns {
				s.closeConn(j)
			}
		}
		if g.ep >= 0 {
			syscall.Close(g.ep)
			g.sleepf.Close() // closes g.sleepEp
			g.ep, g.sleepEp, g.sleepf, g.sleepc = -1, -1, nil, nil
		}
		if g.wake >= 0 {
			syscall.Close(g.wake)
			g.wake = -1
		}
	}
}

// open creates the group's epoll set and eventfd the first time.
func (g *loopGroup) open() error {
	if g.ep >= 0 {
		return nil
	}
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("load: epoll: %w", err)
	}
	r, _, errno := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if errno != 0 {
		syscall.Close(ep)
		return fmt.Errorf("load: eventfd: %w", errno)
	}
	wake := int(r)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: -1}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, wake, &ev); err != nil {
		syscall.Close(ep)
		syscall.Close(wake)
		return fmt.Errorf("load: epoll: %w", err)
	}
	// The loop sleeps in Go's poller (wait) on a second epoll set, which
	// holds the first only while the loop sleeps, and is then readable
	// once an event is ready: were the first in Go's poller all the time,
	// every answer would notify Go's epoll too, which cost the target and
	// the loop about 10% per request against minigin.
	sleepEp, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err == nil {
		err = syscall.SetNonblock(sleepEp, true)
		if err != nil {
			syscall.Close(sleepEp)
		}
	}
	if err != nil {
		syscall.Close(ep)
		syscall.Close(wake)
		return fmt.Errorf("load: epoll: %w", err)
	}
	sleepf := os.NewFile(uintptr(sleepEp), "epoll")
	sleepc, err := sleepf.SyscallConn()
	if err == nil {
		err = sleepf.SetReadDeadline(time.Time{}) // fails unless Go's poller took it
	}
	if err != nil {
		sleepf.Close()
		syscall.Close(ep)
		syscall.Close(wake)
		return fmt.Errorf("load: epoll in Go's poller: %w", err)
	}
	g.ep, g.sleepEp, g.sleepf, g.sleepc, g.wake = ep, sleepEp, sleepf, sleepc, wake
	g.readyFn = g.pollReady
	g.events = make([]syscall.EpollEvent, max(16, min(len(g.slots), 512)))
	return nil
}

// run is one loop's segment.
func (g *loopGroup) run(claims *closedClaims) error {
	var drain [8]byte
	syscall.Read(g.wake, drain[:]) // a wake-up left from an earlier segment
	g.active, g.nextDue, g.idle = 0, time.Duration(1<<63-1), false
	g.spin = spinner{score: spinTrust}
	g.nap.restart(g.answers, time.Since(g.start))
	for _, s := range g.slots {
		s.w.begin(g.segCtx, g.start)
		g.next(s, claims)
	}
	for g.active > 0 {
		n, err := g.wait()
		if err != nil {
			g.halt(err)
			return err
		}
		for _, ev := range g.events[:n] {
			if ev.Fd < 0 {
				syscall.Read(g.wake, drain[:])
				if g.e.halted.Load() {
					g.halt(errHalted)
				}
				continue
			}
			s := g.slots[ev.Fd]
			if s.busy && int(ev.Pad) == s.t.host {
				g.ready(s, claims)
			}
		}
		if g.e.halted.Load() {
			g.halt(errHalted)
		}
		if now := time.Since(g.start); now >= g.nextDue {
			g.expire(now, claims)
		}
	}
	return nil
}

// next starts the slot's next request, if it has one.
func (g *loopGroup) next(s *loopSlot, claims *closedClaims) {
	for {
		var seq int64
		if claims == nil {
			if s.primeSeq < 0 || g.e.halted.Load() {
				return
			}
			seq, s.primeSeq = s.primeSeq, -1
		} else {
			var ok bool
			if seq, ok = claims.next(); !ok {
				return
			}
		}
		e := g.e
		s.seq, s.intended, s.attempt = seq, time.Since(g.start), 0
		s.t = &e.lean[int(uint64(seq)%uint64(len(e.lean)))]
		req, tmp := s.t.appendRequest(s.wbuf[:0], s.tmp, s.uuid, seq)
		s.tmp = tmp
		if s.t.static == nil && cap(req) > cap(s.wbuf) {
			s.wbuf = req[:0]
		}
		s.req = req
		s.busy = true
		g.active++
		s.w.inFlight.Add(1)
		if g.send(s) {
			return // in flight
		}
		// It ended at once (its connection failed): count it and go on.
	}
}

// send writes the slot's request on its connection, dialing one when
// needed, and reports whether it is now in flight; when not, its outcome
// was counted.
func (g *loopGroup) send(s *loopSlot) bool {
	e := g.e
	for {
		host := s.t.host
		now := time.Since(g.start)
		if err := g.conn(s, host, now); err != nil {
			return g.finish(s, outcome{err: err})
		}
		c := &s.conns[host]
		c.lastUsed = g.start.Add(now)
		s.reused = c.answered > 0
		after, abort := e.abort.abortAt(s.seq)
		s.aborting = abort && after < e.timeout && !g.prime
		if s.aborting {
			s.due = now + after
		} else {
			s.due = now + e.timeout
		}
		g.nextDue = min(g.nextDue, s.due)
		s.parser.reset(s.t.method)
		s.r, s.n = 0, 0
		n, err := writeSome(c.fd, s.req)
		if err == nil {
			s.pending = s.req[n:]
			return true
		}
		if g.retry(s, os.NewSyscallError("write", err)) {
			continue
		}
		return false
	}
}

// conn makes sure the slot has a connection to address i: the one it has
// unless the server closed it while it sat idle, else a new one.
func (g *loopGroup) conn(s *loopSlot, i int, now time.Duration) error {
	c := &s.conns[i]
	if c.fd >= 0 {
		if g.start.Add(now).Sub(c.lastUsed) < idleCheck {
			return nil
		}
		if aliveFD(c.fd) {
			return nil
		}
		s.closeConn(i)
	}
	nc, err := g.e.dial(g.segCtx, "tcp", g.e.addrs[i])
	if err != nil {
		return err
	}
	fd, err := dupConn(nc)
	if err != nil {
		nc.Close()
		return err
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLOUT | syscall.EPOLLET&0xffffffff, Fd: int32(s.id), Pad: int32(i)}
	if err := syscall.EpollCtl(g.ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		syscall.Close(fd)
		nc.Close()
		return fmt.Errorf("load: epoll: %w", err)
	}
	*c = loopConn{fd: fd, nc: nc}
	return nil
}

// dupConn returns a close-on-exec duplicate of nc's descriptor, which
// shares its non-blocking mode, and closes the connection it was taken
// from: the socket stays open through the duplicate, outside Go's
// poller. A dialer's wrapper (with a NetConn method, as tls.Conn has) is
// unwrapped; the caller closes it when it closes the duplicate.
func dupConn(nc net.Conn) (int, error) {
	inner := nc
	for {
		if _, ok := inner.(syscall.Conn); ok {
			break
		}
		u, ok := inner.(interface{ NetConn() net.Conn })
		if !ok {
			return -1, fmt.Errorf("load: %T has no descriptor", nc)
		}
		inner = u.NetConn()
	}
	rc, err := inner.(syscall.Conn).SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var dupErr error
	err = rc.Control(func(s uintptr) {
		r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if errno != 0 {
			dupErr = os.NewSyscallError("fcntl", errno)
			return
		}
		fd = int(r)
	})
	if err == nil {
		err = dupErr
	}
	inner.Close()
	return fd, err
}

// ready reads what arrived for the slot's request and, when its answer is
// complete, counts it and starts the slot's next request.
func (g *loopGroup) ready(s *loopSlot, claims *closedClaims) {
	fd := s.conns[s.t.host].fd
	if len(s.pending) > 0 {
		n, err := writeSome(fd, s.pending)
		if err != nil {
			g.fail(s, os.NewSyscallError("write", err), claims)
			return
		}
		if s.pending = s.pending[n:]; len(s.pending) > 0 {
			return // wait until the socket takes more
		}
	}
	p := &s.parser
	for {
		m, err := readNB(fd, s.buf[s.n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return // the rest has not arrived yet
		case err != nil:
			g.fail(s, os.NewSyscallError("read", err), claims)
			return
		case m == 0:
			if err := p.eof(); err != nil {
				g.fail(s, err, claims)
				return
			}
		}
		s.n += m
		for !p.done() {
			k, err := p.feed(s.buf[s.r:s.n], s.r == 0 && s.n == len(s.buf))
			s.r += k
			if err != nil {
				g.fail(s, err, claims)
				return
			}
			if k == 0 {
				break
			}
		}
		if p.done() {
			g.complete(s, claims)
			return
		}
		if s.r > 0 {
			s.n = copy(s.buf, s.buf[s.r:s.n])
			s.r = 0
		}
		if s.n == len(s.buf) {
			// The parser takes a full buffer or fails; this is a bug.
			g.fail(s, malformed("answer stuck in a full buffer"), claims)
			return
		}
	}
}

// complete counts an answered request and starts the slot's next one.
func (g *loopGroup) complete(s *loopSlot, claims *closedClaims) {
	host := s.t.host
	g.answers++
	s.conns[host].answered++
	// Closed by the server, or bytes nobody asked for: the connection
	// cannot carry another request.
	if s.parser.a.close || s.r != s.n || len(s.pending) > 0 {
		s.closeConn(host)
	}
	g.finish(s, outcome{status: s.parser.a.status})
	g.next(s, claims)
}

// fail ends the slot's request with err: its connection is closed, and an
// idempotent request the server never saw on a kept-alive connection is
// sent again on a new one. Otherwise the slot goes on to its next request.
func (g *loopGroup) fail(s *loopSlot, err error, claims *closedClaims) {
	if g.retry(s, err) {
		if g.send(s) {
			return
		}
	}
	g.next(s, claims)
}

// retry closes the slot's connection after err and reports whether the
// request is to be sent again; when not, its outcome was counted.
func (g *loopGroup) retry(s *loopSlot, err error) bool {
	s.closeConn(s.t.host)
	if s.attempt == 0 && s.reused && !s.parser.head && staleConn(err) && idempotent(s.t.method) && !g.e.halted.Load() {
		s.attempt++
		return true
	}
	g.finish(s, outcome{err: err})
	return false
}

// finish counts the slot's request as ended with o.
func (g *loopGroup) finish(s *loopSlot, o outcome) bool {
	s.busy = false
	s.pending = nil
	g.active--
	s.w.inFlight.Add(-1)
	s.w.count(o, s.intended)
	return false
}

// expire ends the requests whose deadline passed: the abort moment
// abandons one (the client gave up, as a closed browser tab); the
// timeout fails it.
func (g *loopGroup) expire(now time.Duration, claims *closedClaims) {
	g.nextDue = time.Duration(1<<63 - 1)
	for _, s := range g.slots {
		if !s.busy {
			continue
		}
		if s.due > now {
			g.nextDue = min(g.nextDue, s.due)
			continue
		}
		s.closeConn(s.t.host)
		if s.aborting && !g.e.halted.Load() {
			g.finish(s, outcome{aborted: true})
		} else {
			g.finish(s, outcome{err: os.ErrDeadlineExceeded})
		}
		g.next(s, claims)
		if s.busy {
			g.nextDue = min(g.nextDue, s.due)
		}
	}
}

// halt ends every request in flight: the segment was cancelled, or the
// loop failed with err.
func (g *loopGroup) halt(err error) {
	for _, s := range g.slots {
		if s.busy {
			s.closeConn(s.t.host)
			g.finish(s, outcome{err: err})
		}
	}
}

// closeConn closes the slot's connection to address i, if any; closing
// the descriptor takes it out of the epoll set.
func (s *loopSlot) closeConn(i int) {
	if c := &s.conns[i]; c.fd >= 0 {
		syscall.Close(c.fd)
		c.nc.Close() // for a dialer's wrapper; its socket is closed already
		*c = loopConn{fd: -1}
	}
}
