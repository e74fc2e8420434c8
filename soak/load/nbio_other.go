//go:build unix && (!linux || race)

package load

import "syscall"

// readNB and writeNB are read(2) and write(2) on a non-blocking socket,
// through syscall's wrappers: off Linux, and in race builds, where the
// wrappers tell the race detector about the I/O (nbio_linux.go).
func readNB(fd int, b []byte) (int, error) { return syscall.Read(fd, b) }

func writeNB(fd int, b []byte) (int, error) { return syscall.Write(fd, b) }
