package slowclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/ginleak/ginleak/soak/load"
)

// Limits and defaults.
const (
	// MaxConns bounds N: each connection is a descriptor and a goroutine
	// here and in the target, and the default descriptor limit of many
	// systems is near it.
	MaxConns = 10000
	// DefaultInterval is the pause between two header bytes.
	DefaultInterval = time.Second
	// DefaultHoldLimit is how long a server may hold a slow client
	// before it is a finding; guard.NewServer closes them after 5 s.
	DefaultHoldLimit = 30 * time.Second
	// MinWindow is the shortest hold that can be a finding when the run
	// is shorter than the hold limit: below it a server with a sound
	// ReadHeaderTimeout (guard.NewServer's 5 s) may not have acted yet.
	MinWindow = 10 * time.Second
	// dialTimeout bounds each connection attempt, fillTimeout all of them.
	dialTimeout = 3 * time.Second
	fillTimeout = 10 * time.Second
	// dialParallel bounds the connection attempts in flight.
	dialParallel = 64
)

// Option configures Start. As with go.uber.org/goleak there is a single
// option type.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	interval  time.Duration
	holdLimit time.Duration
	path      string
	host      string
	errs      []error
}

// WithInterval sets the pause between two header bytes (default 1 s).
func WithInterval(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("interval %v: want a positive duration such as 1s", d))
			return
		}
		c.interval = d
	})
}

// WithHoldLimit sets how long the server may hold a slow client before
// Result.Finding reports it (default 30 s, --slow-timeout).
func WithHoldLimit(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("hold limit %v: want a positive duration such as 30s", d))
			return
		}
		c.holdLimit = d
	})
}

// WithPath sets the request target of the request line (default "/").
func WithPath(path string) Option {
	return optionFunc(func(c *config) {
		if path == "" || path[0] != '/' || containsCtl(path) {
			c.errs = append(c.errs, fmt.Errorf("path %q: want an absolute path without spaces or control characters, such as /", path))
			return
		}
		c.path = path
	})
}

// WithHost sets the Host header (default: the address dialed).
func WithHost(host string) Option {
	return optionFunc(func(c *config) {
		if host == "" || containsCtl(host) {
			c.errs = append(c.errs, fmt.Errorf("host %q: want a host name without spaces or control characters", host))
			return
		}
		c.host = host
	})
}

func containsCtl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// Pool is a set of slow connections started by Start. Its methods are
// safe for concurrent use.
type Pool struct {
	addr     string
	n        int
	interval time.Duration
	limit    time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	conns    []*conn
	failed   int
	failErr  error
	filled   time.Time // when the last connection attempt ended
	stopping bool
	stopped  time.Time

	stopOnce sync.Once
	result   Result
}

type conn struct {
	nc       net.Conn
	opened   time.Time
	closed   time.Duration // after how long the target closed it; 0 while open
	byTarget bool
}

// Start opens n slow connections to addr (host:port of a service on this
// machine) and keeps them trickling until Stop or until ctx ends. It
// returns once every connection has been attempted (bounded by 10 s in
// all); connections that could not be opened are counted in
// Result.Failed. It fails when n is out of range, addr is not a loopback
// address, or no connection could be opened.
func Start(ctx context.Context, addr string, n int, opts ...Option) (*Pool, error) {
	cfg := &config{interval: DefaultInterval, holdLimit: DefaultHoldLimit, path: "/"}
	for _, o := range opts {
		if o != nil {
			o.apply(cfg)
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, fmt.Errorf("slow clients: %w", err)
	}
	switch {
	case n <= 0:
		return nil, fmt.Errorf("slow clients: %d connections: want at least 1", n)
	case n > MaxConns:
		return nil, fmt.Errorf("slow clients: %d connections: at most %d, each is a descriptor and a goroutine here and in the target, and a few hundred already show whether the server closes them", n, MaxConns)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("slow clients: target address %q: %w (want host:port, such as 127.0.0.1:8080)", addr, err)
	}
	if cfg.host == "" {
		cfg.host = addr
	}
	head := []byte("GET " + cfg.path + " HTTP/1.1\r\nHost: " + cfg.host +
		"\r\nUser-Agent: ginleak-slowclient\r\nX-Ginleak-Slow: ")

	pctx, cancel := context.WithCancel(ctx)
	p := &Pool{addr: addr, n: n, interval: cfg.interval, limit: cfg.holdLimit, ctx: pctx, cancel: cancel}
	if err := p.fill(head); err != nil {
		p.Stop()
		return nil, err
	}
	// Closing the connections is what ends their goroutines at once.
	context.AfterFunc(pctx, p.closeAll)
	return p, nil
}

// fill opens the connections, dialParallel at a time.
func (p *Pool) fill(head []byte) error {
	ctx, cancel := context.WithTimeout(p.ctx, fillTimeout)
	defer cancel()
	d := &net.Dialer{Timeout: dialTimeout, Control: load.LoopbackOnly}
	sem := make(chan struct{}, dialParallel)
	var wg sync.WaitGroup
	var refused error
	var refusedOnce sync.Once
	for range p.n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			p.mu.Lock()
			p.failed++
			p.failErr = cmpErr(p.failErr, fmt.Errorf("not opened within %v: %w", fillTimeout, context.Cause(ctx)))
			p.mu.Unlock()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			nc, err := d.DialContext(ctx, "tcp", p.addr)
			if err == nil {
				_ = nc.SetWriteDeadline(time.Now().Add(dialTimeout))
				if _, werr := nc.Write(head); werr != nil {
					nc.Close()
					err = werr
				}
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			if err != nil {
				if errors.Is(err, load.ErrNotLoopback) {
					refusedOnce.Do(func() { refused = err; cancel() })
				}
				p.failed++
				p.failErr = cmpErr(p.failErr, err)
				return
			}
			c := &conn{nc: nc, opened: time.Now()}
			p.conns = append(p.conns, c)
			p.wg.Go(func() { p.hold(c) })
		})
	}
	wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.filled = time.Now()
	switch {
	case refused != nil:
		return fmt.Errorf("slow clients: %w", unwrapOp(refused))
	case len(p.conns) == 0:
		return fmt.Errorf("slow clients: could not open any of %d connections to %s: %w", p.n, p.addr, p.failErr)
	}
	return nil
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// hold trickles one header byte per interval on c and watches for the
// target closing it: a read that ends before its deadline means the
// target closed the connection or answered (a 400 or 408), which ends the
// request either way.
func (p *Pool) hold(c *conn) {
	buf := make([]byte, 512)
	b := []byte{'a'}
	for {
		_ = c.nc.SetReadDeadline(time.Now().Add(p.interval))
		_, err := c.nc.Read(buf)
		var ne net.Error
		if err != nil && errors.As(err, &ne) && ne.Timeout() {
			_ = c.nc.SetWriteDeadline(time.Now().Add(p.interval))
			if _, err = c.nc.Write(b); err == nil {
				continue
			}
		}
		p.mu.Lock()
		if !p.stopping {
			c.closed, c.byTarget = max(time.Since(c.opened), time.Nanosecond), true
		}
		p.mu.Unlock()
		c.nc.Close()
		return
	}
}

// closeAll marks the end of the run and closes every connection.
func (p *Pool) closeAll() {
	p.mu.Lock()
	if !p.stopping {
		p.stopping, p.stopped = true, time.Now()
	}
	conns := p.conns
	p.mu.Unlock()
	for _, c := range conns {
		c.nc.Close()
	}
}

// Stop closes every connection, waits for their goroutines and returns the
// final Result. Later calls return the same Result.
func (p *Pool) Stop() Result {
	p.stopOnce.Do(func() {
		p.cancel()
		p.closeAll()
		p.wg.Wait()
		p.result = p.Result()
	})
	return p.result
}

// unwrapOp returns the innermost error of a dial, without the "dial tcp
// ADDR:" layers.
func unwrapOp(err error) error {
	for {
		var op *net.OpError
		if !errors.As(err, &op) || op.Err == nil {
			return err
		}
		err = op.Err
	}
}
