package load

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// readBufferSize is each lean connection's read buffer: a whole answer
// of a typical API fits in one read; longer bodies are read through it.
const readBufferSize = 8 << 10

// idleCheck is how long a connection may sit unused before the lean
// client checks, without blocking, that the server has not closed it (a
// server's idle timeout between segments), as net/http's background
// reader notices it.
const idleCheck = time.Second

// errHalted fails a request that would start after its segment was
// cancelled.
var errHalted = errors.New("segment cancelled")

// aLongTimeAgo is a deadline that makes a blocked read or write return.
var aLongTimeAgo = time.Unix(1, 0)

// leanConn is one connection of a leanSender, to one address.
type leanConn struct {
	net.Conn
	r  *bufio.Reader
	pr *pollReader // what r reads from, when the platform has one
	// deadline is the deadline last set on the connection; zero means it
	// must be set before the next request (new connection, new segment,
	// an abort moment was set).
	deadline time.Time
	answered int       // answers read on it
	lastUsed time.Time // when its last request was sent
}

// leanSender is a worker's client on the lean path: HTTP/1.1 over its own
// connections, one per target address, each carrying one request at a
// time. A request is the target's pre-rendered bytes (placeholders
// filled in) written with one Write; its answer is read through a
// per-connection bufio.Reader and parsed in place. The request's timeout
// and its abort moment are deadlines on the connection: no goroutine,
// timer or context per request.
type leanSender struct {
	e       *Engine
	conns   []*leanConn     // by address index, nil until dialed
	readers []*bufio.Reader // by address index, kept across connections
	wbuf    []byte          // request rendering
	tmp     []byte          // templated body rendering
	uuid    uuidSource
	parser  answerParser
	segCtx  context.Context

	mu  sync.Mutex // orders arm against interrupt
	cur *leanConn  // the connection of the request in flight, for interrupt
}

func newLeanSender(e *Engine) *leanSender {
	return &leanSender{
		e:       e,
		conns:   make([]*leanConn, len(e.addrs)),
		readers: make([]*bufio.Reader, len(e.addrs)),
		wbuf:    make([]byte, 0, 512),
		uuid:    newUUIDs().next,
	}
}

func (s *leanSender) begin(segCtx context.Context) {
	s.segCtx = segCtx
	for _, c := range s.conns {
		if c != nil {
			c.deadline = time.Time{} // interrupt may have set one in the past
		}
	}
}

func (s *leanSender) end() {
	s.mu.Lock()
	s.cur = nil
	s.mu.Unlock()
}

func (s *leanSender) close() {
	for i, c := range s.conns {
		if c != nil {
			c.Close()
			s.conns[i] = nil
		}
	}
}

// interrupt makes the request in flight (if any) fail at once. The engine
// sets halted first, so a request armed after this fails in arm.
func (s *leanSender) interrupt() {
	s.mu.Lock()
	if s.cur != nil {
		s.cur.SetDeadline(aLongTimeAgo)
	}
	s.mu.Unlock()
}

func (s *leanSender) send(seq int64, abortAfter time.Duration, abort bool, hold func()) outcome {
	t := &s.e.lean[int(uint64(seq)%uint64(len(s.e.lean)))]
	req, tmp := t.appendRequest(s.wbuf[:0], s.tmp, s.uuid, seq)
	s.tmp = tmp
	if t.static == nil && cap(req) > cap(s.wbuf) {
		s.wbuf = req[:0] // keep the grown buffer
	}
	for attempt := 0; ; attempt++ {
		c, err := s.conn(t.host)
		if err != nil {
			return outcome{err: err}
		}
		reused := c.answered > 0
		now := time.Now()
		var abortAt time.Time
		if abort && abortAfter < s.e.timeout {
			abortAt = now.Add(abortAfter)
		}
		if err := s.arm(c, now, abortAt); err != nil {
			s.drop(t.host)
			return outcome{err: err}
		}
		status, head, keep, err := s.exchange(c, t.method, req, hold)
		if err == nil {
			if !keep {
				s.drop(t.host)
			}
			return outcome{status: status}
		}
		s.drop(t.host)
		switch {
		case !abortAt.IsZero() && errors.Is(err, os.ErrDeadlineExceeded) && !s.e.halted.Load():
			// The deadline was the abort moment: the client gave up and
			// closed the connection, as a browser tab closed mid-request.
			return outcome{aborted: true}
		case attempt == 0 && reused && !head && staleConn(err) && idempotent(t.method) && !s.e.halted.Load():
			// The server closed a kept-alive connection before this
			// request reached it (its idle timeout, say): send it again
			// on a new one, as net/http does.
			continue
		}
		return outcome{err: err}
	}
}

// exchange writes req on c and reads its answer to the end. head reports
// that a byte of the answer arrived; keep, that c can carry another
// request.
func (s *leanSender) exchange(c *leanConn, method string, req []byte, hold func()) (status int, head, keep bool, err error) {
	if c.pr != nil && c.r.Buffered() == 0 {
		c.pr.send(req) // written by the read that waits for the answer
	} else if _, err := c.Write(req); err != nil {
		return 0, false, false, err
	}
	p := &s.parser
	p.reset(method)
	err = readResponse(c.r, p, hold != nil)
	head = p.head
	if err == nil && hold != nil {
		hold()
		err = readResponse(c.r, p, false)
	}
	if err != nil {
		return 0, head, false, err
	}
	a := p.a
	c.answered++
	// Closed by the server, or bytes nobody asked for: the connection
	// cannot carry another request.
	return a.status, head, !a.close && c.r.Buffered() == 0, nil
}

// arm sets c's deadline for a request sent now: the abort moment when
// there is one, else now + timeout. A deadline already at least the
// timeout away is kept, so the deadline is set about every timeout/64 of
// time rather than on every request: a request's timeout is between
// Timeout and 1/64 more.
func (s *leanSender) arm(c *leanConn, now, abortAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.e.halted.Load() {
		return errHalted
	}
	s.cur = c
	c.lastUsed = now
	if !abortAt.IsZero() {
		c.deadline = time.Time{} // set again for the next request
		return c.SetDeadline(abortAt)
	}
	if c.deadline.Sub(now) >= s.e.timeout {
		return nil
	}
	c.deadline = now.Add(s.e.timeout + s.e.timeout/64)
	return c.SetDeadline(c.deadline)
}

// conn returns the connection to address i, dialing it when there is
// none or the one there was closed by the server while idle.
func (s *leanSender) conn(i int) (*leanConn, error) {
	if c := s.conns[i]; c != nil {
		if time.Since(c.lastUsed) < idleCheck {
			return c, nil
		}
		// Idle for a while: its deadline may have passed, which would fail
		// the peek; arm sets the next one.
		c.deadline = time.Time{}
		if c.SetDeadline(time.Time{}) == nil && alive(c.Conn) {
			return c, nil
		}
		s.drop(i)
	}
	nc, err := s.e.dial(s.segCtx, "tcp", s.e.addrs[i])
	if err != nil {
		return nil, err
	}
	var src io.Reader = nc
	pr := newPollReader(nc)
	if pr != nil {
		src = pr
	}
	r := s.readers[i]
	if r == nil {
		r = bufio.NewReaderSize(src, readBufferSize)
		s.readers[i] = r
	} else {
		r.Reset(src)
	}
	c := &leanConn{Conn: nc, r: r, pr: pr}
	s.conns[i] = c
	return c, nil
}

// drop closes the connection to address i, if any.
func (s *leanSender) drop(i int) {
	if c := s.conns[i]; c != nil {
		c.Close()
		s.conns[i] = nil
	}
}

// staleConn reports whether err is how a write or read fails on a
// connection the server had closed.
func staleConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
