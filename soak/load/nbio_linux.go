//go:build linux && !race

package load

import (
	"syscall"
	"unsafe"
)

// readNB and writeNB are read(2) and write(2) on a non-blocking socket.
// They do not tell the scheduler about the call (a raw system call):
// the call never waits, so there is nothing for it to hand the thread
// over for, and skipping that hand-over is a measurable share of the
// generator's CPU per request on loopback. Race builds use syscall's
// wrappers (nbio_other.go): the race detector learns from them that what
// a server did before it answered happened before the answer was read.
func readNB(fd int, b []byte) (int, error) {
	return rawIO(syscall.SYS_READ, fd, b)
}

func writeNB(fd int, b []byte) (int, error) {
	return rawIO(syscall.SYS_WRITE, fd, b)
}

func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	r, _, errno := syscall.RawSyscall(trap, uintptr(fd), uintptr(p), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}
