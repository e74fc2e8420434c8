//go:build unix && !linux

package proc

import (
	"fmt"
	"runtime"
)

// groupAlive reports whether kill finds group pgid. Without /proc a
// zombie counts as alive until it is reaped.
func groupAlive(pgid int) bool { return killAlive(pgid) }

// TargetPID returns the started shell's pid: without /proc the process
// tree is not read.
func (p *Process) TargetPID() (int, error) { return p.pid, nil }

// Sample needs /proc: on this system it returns ErrNotSupported.
func (p *Process) Sample() (Sample, error) {
	return Sample{}, fmt.Errorf("sample the target: /proc on %s: %w (process metrics are read on Linux only)", runtime.GOOS, ErrNotSupported)
}
