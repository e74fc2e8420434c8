//go:build !linux

package proc

import (
	"fmt"
	"runtime"
)

// ReadSample needs /proc: on this system it returns ErrNotSupported.
func ReadSample(pid int) (Sample, error) {
	return Sample{}, fmt.Errorf("read process %d: /proc on %s: %w (process metrics are read on Linux only)", pid, runtime.GOOS, ErrNotSupported)
}
