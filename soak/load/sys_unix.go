//go:build unix

package load

import (
	"io"
	"net"
	"os"
	"syscall"
)

// alive reports whether c is still open for reading with nothing to
// read: a peek that does not wait. A connection the server closed reads
// end of file; one with bytes nobody asked for is no use either.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := false
	err = rc.Read(func(fd uintptr) bool {
		open = aliveFD(int(fd))
		return true // never wait for the socket to become readable
	})
	return err == nil && open
}

// aliveFD is alive on a descriptor.
func aliveFD(fd int) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(fd, b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
}

// pollReader reads a connection through its syscall.RawConn and sends
// each request from inside the read: net.Conn's Read after a Write would
// first make a read system call that fails with EAGAIN, since the answer
// is almost never there yet (one wasted system call per request, seen on
// 86% of them). Writing from within RawConn.Read, after the poller was
// armed for reading, lets the read wait for the answer instead; the
// answer cannot come before the request, so its readiness is not missed.
type pollReader struct {
	conn net.Conn
	rc   syscall.RawConn
	fn   func(fd uintptr) bool // r.step, bound once: no allocation per call

	pending []byte // the request to write before the next read
	rest    []byte // what a short write left, written with conn.Write
	p       []byte
	n       int
	err     error
}

// newPollReader returns a reader of c that can send requests, or nil when
// c has no raw access (then requests are written and c read as usual).
func newPollReader(c net.Conn) *pollReader {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &pollReader{conn: c, rc: rc}
	r.fn = r.step
	return r
}

// send makes the next Read write req first, then wait for the answer.
func (r *pollReader) send(req []byte) { r.pending = req }

func (r *pollReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.p, r.n, r.err = p, 0, nil
	err := r.rc.Read(r.fn) // honours the connection's deadline
	r.p = nil
	if err == nil && r.err == nil && r.rest != nil {
		// A short write (a body larger than the socket's buffer): the
		// rest goes through the connection, which waits as it must.
		rest := r.rest
		r.rest = nil
		if _, err := r.conn.Write(rest); err != nil {
			return 0, err
		}
		return r.Read(p)
	}
	r.pending = nil
	if err != nil {
		return 0, err
	}
	if r.err != nil {
		return r.n, r.err
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	return r.n, nil
}

// step is called by RawConn.Read until it returns true; false waits for
// the socket to become readable.
func (r *pollReader) step(fd uintptr) bool {
	if req := r.pending; req != nil {
		r.pending = nil
		n, err := writeSome(int(fd), req)
		switch {
		case err != nil:
			r.err = os.NewSyscallError("write", err)
			return true
		case n < len(req):
			r.rest = req[n:]
			return true
		}
		return false // sent: wait for the answer
	}
	for {
		n, err := readNB(int(fd), r.p)
		switch err {
		case nil:
			r.n = n
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.err = os.NewSyscallError("read", err)
		return true
	}
}

// writeSome writes as much of b as the socket takes without waiting.
func writeSome(fd int, b []byte) (int, error) {
	for {
		n, err := writeNB(fd, b)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		}
		return 0, err
	}
}
