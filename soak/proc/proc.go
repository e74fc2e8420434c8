package proc

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults of the options.
const (
	// DefaultReadyTimeout bounds the wait for the readiness URL: `go run`
	// compiles before it serves.
	DefaultReadyTimeout = 60 * time.Second
	// DefaultStopTimeout is how long Stop waits after SIGTERM before it
	// sends SIGKILL to the group.
	DefaultStopTimeout = 10 * time.Second
)

// ErrNotSupported is returned (wrapped) on systems where a part of this
// package cannot work: Start needs process groups (Unix), Sample needs
// /proc (Linux).
var ErrNotSupported = errors.New("not supported on this system")

// Option configures Start. As with go.uber.org/goleak there is a single
// option type.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	ready        string
	readyTimeout time.Duration
	stopTimeout  time.Duration
	logPath      string
	logLimit     int64
	env          []string
	envSet       bool
	dir          string
	errs         []error
}

// WithReady makes Start wait until rawURL answers HTTP before it returns.
// Any answer with a status below 500 counts: a 404 means the server is up
// (what it serves is the caller's next check, with a better message),
// while 5xx is what health endpoints answer until they are ready. The URL
// must be http or https on a loopback address. Without WithReady, Start
// returns as soon as the command has started, and Sample cannot find the
// service by its port (see the package documentation).
func WithReady(rawURL string) Option {
	return optionFunc(func(c *config) {
		u, err := url.Parse(rawURL)
		switch {
		case err != nil:
			c.errs = append(c.errs, fmt.Errorf("readiness URL %q: %w", rawURL, err))
		case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
			c.errs = append(c.errs, fmt.Errorf("readiness URL %q: want an http:// or https:// URL with a host, such as http://127.0.0.1:8080/debug/pprof/", rawURL))
		default:
			c.ready = rawURL
		}
	})
}

// WithReadyTimeout bounds the wait for the readiness URL (default 60 s).
func WithReadyTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("ready timeout %v: want a positive duration such as 60s", d))
			return
		}
		c.readyTimeout = d
	})
}

// WithStopTimeout sets how long Stop waits after SIGTERM before SIGKILL
// (default 10 s).
func WithStopTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("stop timeout %v: want a positive duration such as 10s", d))
			return
		}
		c.stopTimeout = d
	})
}

// WithLogFile writes the command's stdout and stderr to path, created or
// truncated. By default Start creates ginleak-run-*.log in os.TempDir.
func WithLogFile(path string) Option {
	return optionFunc(func(c *config) {
		if path == "" {
			c.errs = append(c.errs, errors.New("log file: empty path"))
			return
		}
		c.logPath = path
	})
}

// WithLogLimit bounds the log file to n bytes (default 64 MiB); output
// beyond it is dropped from the file, and the file says so. The last lines
// shown by ExitError are the real last lines either way.
func WithLogLimit(n int64) Option {
	return optionFunc(func(c *config) {
		if n <= 0 {
			c.errs = append(c.errs, fmt.Errorf("log limit %d: want a positive number of bytes", n))
			return
		}
		c.logLimit = n
	})
}

// WithEnv sets the command's environment (default os.Environ()); GODEBUG
// is merged into it as MergeGODEBUG says either way.
func WithEnv(env []string) Option {
	return optionFunc(func(c *config) {
		c.env = append([]string(nil), env...)
		c.envSet = true
	})
}

// WithDir sets the command's working directory (default: ginleak's).
func WithDir(dir string) Option {
	return optionFunc(func(c *config) { c.dir = dir })
}

func newConfig(opts []Option) *config {
	c := &config{
		readyTimeout: DefaultReadyTimeout,
		stopTimeout:  DefaultStopTimeout,
		logLimit:     DefaultLogLimit,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if !c.envSet {
		c.env = os.Environ()
	}
	return c
}

// ExitError is the error of a command that ended on its own: before it was
// ready (from Start) or while it was being soaked (from Err).
type ExitError struct {
	Command string
	PID     int
	// Status is the exit status as the shell reports it: "exit status 2",
	// "signal: killed".
	Status string
	// Code is the exit code, -1 when a signal ended it.
	Code int
	// BeforeReady is true when the command ended before the readiness URL
	// answered.
	BeforeReady bool
	// Log is the path of the log file; Tail its last lines (at most
	// TailLines).
	Log  string
	Tail []string
}

func (e *ExitError) Error() string {
	var b strings.Builder
	when := "while it was being soaked"
	if e.BeforeReady {
		when = "before it was ready"
	}
	fmt.Fprintf(&b, "the target command %q (pid %d) ended %s: %s", e.Command, e.PID, when, e.Status)
	if len(e.Tail) == 0 {
		fmt.Fprintf(&b, "; its log %s is empty", e.Log)
	} else {
		fmt.Fprintf(&b, "; last %d lines of its log %s:", len(e.Tail), e.Log)
		for _, l := range e.Tail {
			b.WriteString("\n  | ")
			b.WriteString(l)
		}
	}
	b.WriteString("\nRun the command by hand to see why it stops; it must keep serving in the foreground until it is stopped")
	return b.String()
}

// Sample is one reading of a process's resources.
type Sample struct {
	PID      int
	Command  string        // the process's name (comm), e.g. "api"
	RSSBytes int64         // resident set size
	CPU      time.Duration // user + system CPU time since the process started
	Threads  int
	FDs      int // open file descriptors
}
