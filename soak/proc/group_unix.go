//go:build unix

package proc

import (
	"errors"
	"syscall"
)

// killAlive reports whether kill(-pgid, 0) finds the group. EPERM means it
// exists but belongs to someone else: alive.
func killAlive(pgid int) bool {
	err := syscall.Kill(-pgid, 0)
	return err == nil || !errors.Is(err, syscall.ESRCH)
}
