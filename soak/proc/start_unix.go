//go:build unix

package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Waits that bound Stop beyond the stop timeout.
const (
	// killWait is how long Stop waits for the group to vanish after
	// SIGKILL, which the kernel delivers at once.
	killWait = 5 * time.Second
	// drainWait is how long the log copier may take to read what the
	// command wrote before it ended.
	drainWait = 2 * time.Second
	// pollEvery is how often Stop checks that the group is gone.
	pollEvery = 20 * time.Millisecond
)

// Process is a command started by Start. Its methods are safe for
// concurrent use.
type Process struct {
	command  string
	pid      int // of sh, the group leader: the group's id
	port     int // of the readiness URL; 0 without one
	logPath  string
	log      *logWriter
	logFile  *os.File
	pipe     *os.File // read end of the command's stdout and stderr
	stopWait time.Duration

	stopping atomic.Bool
	exited   chan struct{} // closed when sh has exited and been reaped
	state    *os.ProcessState
	waitErr  error
	byStop   bool // the exit followed Stop
	copied   chan struct{}

	stopOnce sync.Once
	stopErr  error
}

// Start runs command through `sh -c` in a new process group, with
// GODEBUG=memprofilerate=4096 merged into its environment and its output in
// a log file, and, with WithReady, waits until the service answers there.
//
// When Start returns an error, nothing it started is left running. When it
// returns a Process, the caller must call Stop on every path (defer it),
// also after Exited: Stop is what ends the grandchildren and closes the
// log. ctx bounds only the wait for readiness; cancelling it later does
// not stop the process.
func Start(ctx context.Context, command string, opts ...Option) (*Process, error) {
	cfg := newConfig(opts)
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, fmt.Errorf("start %q: %w", command, err)
	}
	if command == "" {
		return nil, errors.New("start: empty command: give the command that runs the service, such as \"go run ./cmd/api\"")
	}
	port := 0
	if cfg.ready != "" {
		port = urlPort(cfg.ready)
	}

	logFile, err := openLog(cfg.logPath)
	if err != nil {
		return nil, fmt.Errorf("start %q: %w", command, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %q: output pipe: %w", command, err)
	}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Env = mergeEnv(cfg.env)
	cmd.Dir = cfg.dir
	// The command writes straight into the pipe (an *os.File, so os/exec
	// starts no copier and Wait does not wait for grandchildren that keep
	// it open); this package copies it to the log.
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		logFile.Close()
		return nil, fmt.Errorf("start %q: %w", command, err)
	}
	w.Close() // the children hold their copies

	p := &Process{
		command:  command,
		pid:      cmd.Process.Pid,
		port:     port,
		logPath:  logFile.Name(),
		log:      newLogWriter(logFile, cfg.logLimit),
		logFile:  logFile,
		pipe:     r,
		stopWait: cfg.stopTimeout,
		exited:   make(chan struct{}),
		copied:   make(chan struct{}),
	}
	go func() {
		defer close(p.copied)
		_, _ = io.Copy(p.log, r)
	}()
	go func() {
		err := cmd.Wait()
		p.waitErr, p.state = err, cmd.ProcessState
		p.byStop = p.stopping.Load()
		close(p.exited)
	}()

	if cfg.ready != "" {
		if err := p.waitReady(ctx, cfg.ready, cfg.readyTimeout); err != nil {
			if serr := p.Stop(); serr != nil {
				err = errors.Join(err, serr)
			}
			return nil, err
		}
	}
	return p, nil
}

// openLog creates path, or a new temporary file when path is "".
func openLog(path string) (*os.File, error) {
	if path == "" {
		f, err := os.CreateTemp("", "ginleak-run-*.log")
		if err != nil {
			return nil, fmt.Errorf("create the log file: %w (set TMPDIR to a writable directory)", err)
		}
		return f, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create the log file: %w", err)
	}
	return f, nil
}

// urlPort returns the TCP port of rawURL, with the scheme's default.
func urlPort(rawURL string) int {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err == nil && n > 0 && n < 65536 {
			return n
		}
		return 0
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// PID is the process id of the started shell, which is also the id of the
// process group. The service's own process may be a descendant: see
// TargetPID.
func (p *Process) PID() int { return p.pid }

// LogPath is the file the command's stdout and stderr go to.
func (p *Process) LogPath() string { return p.logPath }

// Exited is closed when the started command has ended, on its own or
// because of Stop.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is nil while the command runs and after it ended because of Stop;
// after it ended on its own, an *ExitError with its status and the last
// lines of its log.
func (p *Process) Err() error {
	select {
	case <-p.exited:
	default:
		return nil
	}
	if p.byStop {
		return nil
	}
	return p.exitError(false)
}

func (p *Process) exitError(beforeReady bool) *ExitError {
	// Let the copier read what the command wrote last; a grandchild that
	// still holds the pipe must not block the report.
	select {
	case <-p.copied:
	case <-time.After(drainWait / 4):
	}
	e := &ExitError{
		Command:     p.command,
		PID:         p.pid,
		Status:      "exited",
		Code:        -1,
		BeforeReady: beforeReady,
		Log:         p.logPath,
		Tail:        p.log.tail(TailLines),
	}
	if p.state != nil {
		e.Status = p.state.String()
		e.Code = p.state.ExitCode()
	} else if p.waitErr != nil {
		e.Status = p.waitErr.Error()
	}
	return e
}

// Stop ends the command's whole process group: SIGTERM, and SIGKILL when
// processes of the group remain after the stop timeout. It then closes the
// log. It is idempotent (later calls return the first result) and safe to
// call concurrently and after the command has exited. It returns an error
// only when the group could not be ended.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() { p.stopErr = p.stop() })
	return p.stopErr
}

func (p *Process) stop() error {
	p.stopping.Store(true)
	var errs []error
	// Signal only a group that has members: once the group is empty its
	// id may be reused by an unrelated process.
	if groupAlive(p.pid) {
		signalGroup(p.pid, syscall.SIGTERM)
		if !waitGone(p.pid, p.stopWait) {
			signalGroup(p.pid, syscall.SIGKILL)
			if !waitGone(p.pid, killWait) {
				errs = append(errs, fmt.Errorf("stop %q: processes of group %d are still alive %v after SIGKILL; end them by hand with kill -KILL -- -%d",
					p.command, p.pid, killWait, p.pid))
			}
		}
	}
	select {
	case <-p.exited:
	case <-time.After(killWait):
		errs = append(errs, fmt.Errorf("stop %q: the shell (pid %d) was not reaped within %v", p.command, p.pid, killWait))
	}
	select {
	case <-p.copied:
	case <-time.After(drainWait):
		// A process outside the group holds the pipe: stop reading.
	}
	p.pipe.Close()
	<-p.copied
	if err := p.logFile.Close(); err != nil {
		errs = append(errs, fmt.Errorf("stop %q: close the log %s: %w", p.command, p.logPath, err))
	}
	return errors.Join(errs...)
}

func signalGroup(pgid int, sig syscall.Signal) {
	// ESRCH (the group ended meanwhile) is the outcome we want.
	_ = syscall.Kill(-pgid, sig)
}

// waitGone polls until the group has no live member or d has passed.
func waitGone(pgid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !groupAlive(pgid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollEvery)
	}
}
