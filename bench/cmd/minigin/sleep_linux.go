//go:build linux

package main

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// sleep sleeps d on a timerfd read through Go's poller: a kernel timer
// (without timer slack) makes it readable d later, and the poller's
// epoll wakes for it however idle the process is. time.Sleep's timers
// wake a process whose threads all sleep up to a millisecond late, and
// how late depends on how busy the process is, so a sleeping handler's
// latency, and with it the req/s of a target that is not saturated,
// would swing between runs.
func sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	const clockMonotonic, tfdNonblock, tfdCloexec = 1, syscall.O_NONBLOCK, syscall.O_CLOEXEC
	fd, _, errno := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, tfdNonblock|tfdCloexec, 0)
	if errno != 0 {
		time.Sleep(d)
		return
	}
	f := os.NewFile(fd, "timerfd")
	defer f.Close()
	// struct itimerspec: it_interval (zero: once), then it_value.
	spec := [2]syscall.Timespec{{}, syscall.NsecToTimespec(int64(d))}
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		time.Sleep(d)
		return
	}
	var expirations [8]byte
	f.Read(expirations[:])
}
