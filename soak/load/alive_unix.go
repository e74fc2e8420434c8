//go:build unix

package load

import (
	"net"
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
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true // never wait for the socket to become readable
	})
	return err == nil && open
}
