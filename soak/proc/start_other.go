//go:build !unix

package proc

import (
	"context"
	"fmt"
	"runtime"
)

// Process is a command started by Start; on this system Start always
// fails, and the methods exist so callers compile everywhere.
type Process struct{}

// Start needs Unix process groups: on this system it returns
// ErrNotSupported.
func Start(ctx context.Context, command string, opts ...Option) (*Process, error) {
	return nil, fmt.Errorf("start %q: process groups on %s: %w (start the service yourself and give its URL)", command, runtime.GOOS, ErrNotSupported)
}

func (p *Process) PID() int                { return 0 }
func (p *Process) LogPath() string         { return "" }
func (p *Process) Exited() <-chan struct{} { return nil }
func (p *Process) Err() error              { return nil }
func (p *Process) Stop() error             { return nil }
func (p *Process) TargetPID() (int, error) { return 0, ErrNotSupported }
func (p *Process) Sample() (Sample, error) { return Sample{}, ErrNotSupported }
