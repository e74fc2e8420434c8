package fault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ginleak/ginleak/soak/load"
)

// Config describes the proxy and its faults.
type Config struct {
	// Listen is the address to listen on, e.g. "127.0.0.1:9001" (port 0
	// picks a free one; see Proxy.Addr).
	Listen string
	// Upstream is the dependency's address, e.g. "127.0.0.1:9000".
	Upstream string

	// Latency delays every chunk from the upstream by Latency plus a
	// uniform random amount in [-Jitter, +Jitter] (never below zero).
	Latency, Jitter time.Duration
	// Reset and Blackhole are fractions of connections, 0 to 1.
	Reset, Blackhole float64
	// Down takes the upstream away for Down.For out of every Down.Every.
	Down Down
	// Seed makes the random choices repeatable; 0 picks one (see
	// Proxy.Seed).
	Seed uint64
	// AllowRemote permits non-loopback listen and upstream addresses.
	AllowRemote bool
	// DialTimeout bounds connecting to the upstream (default 3 s).
	DialTimeout time.Duration
}

// Down is a recurring outage: the last For of every Every.
type Down struct{ For, Every time.Duration }

// Stats counts what the proxy did.
type Stats struct {
	Connections int64 `json:"connections"` // accepted
	Delayed     int64 `json:"delayed"`     // chunks held for Latency
	Reset       int64 `json:"reset"`       // connections reset by the Reset fraction
	Blackholed  int64 `json:"blackholed"`  // connections ignored by the Blackhole fraction
	RefusedDown int64 `json:"refused_down"`
	CutDown     int64 `json:"cut_down"`    // open connections cut when an outage began
	DialErrors  int64 `json:"dial_errors"` // the upstream could not be reached
	BytesUp     int64 `json:"bytes_up"`    // client to upstream
	BytesDown   int64 `json:"bytes_down"`  // upstream to client
	Open        int64 `json:"open"`        // connections open now
}

func (c Config) validate() error {
	frac := func(name string, f float64) error {
		if !(f >= 0 && f <= 1) { // also refuses NaN
			return fmt.Errorf("fault: %s %v: want a fraction from 0 to 1 (a percentage from 0%% to 100%%)", name, f)
		}
		return nil
	}
	switch {
	case c.Listen == "":
		return errors.New("fault: no listen address (e.g. 127.0.0.1:9001)")
	case c.Upstream == "":
		return errors.New("fault: no upstream address (e.g. 127.0.0.1:9000)")
	case c.Latency < 0 || c.Jitter < 0:
		return fmt.Errorf("fault: latency %v and jitter %v must not be negative", c.Latency, c.Jitter)
	case c.Jitter > 0 && c.Latency == 0:
		return errors.New("fault: jitter without latency: set a latency for the jitter to vary around")
	case c.Down.For < 0 || c.Down.Every < 0 || (c.Down.For > 0) != (c.Down.Every > 0):
		return fmt.Errorf("fault: down %v/%v: want both FOR and EVERY positive (e.g. 10s/60s), or neither", c.Down.For, c.Down.Every)
	case c.Down.For > c.Down.Every:
		return fmt.Errorf("fault: down %v of every %v: the outage cannot be longer than its period", c.Down.For, c.Down.Every)
	case c.DialTimeout < 0:
		return fmt.Errorf("fault: dial timeout %v must not be negative", c.DialTimeout)
	}
	if err := frac("reset", c.Reset); err != nil {
		return err
	}
	if err := frac("blackhole", c.Blackhole); err != nil {
		return err
	}
	if c.Reset+c.Blackhole > 1 {
		return fmt.Errorf("fault: reset %v%% plus blackhole %v%% is more than every connection", 100*c.Reset, 100*c.Blackhole)
	}
	if !c.AllowRemote {
		for _, a := range []struct{ what, addr string }{{"listen", c.Listen}, {"upstream", c.Upstream}} {
			if err := loopbackAddr(a.addr); err != nil {
				return fmt.Errorf("fault: %s address %s: %v; the proxy only serves this machine unless you pass --allow-remote", a.what, a.addr, err)
			}
		}
	}
	return nil
}

// loopbackAddr accepts host:port whose host is a loopback IP or localhost;
// names are not resolved here (the dialer checks what it dials).
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%q is not an IP address or localhost", host)
	}
	if !ip.Unmap().IsLoopback() {
		return errors.New("not a loopback address")
	}
	return nil
}

// Proxy is a running fault proxy.
type Proxy struct {
	cfg   Config
	seed  uint64
	ln    net.Listener
	start time.Time
	dial  *net.Dialer

	mu    sync.Mutex
	rng   *rand.Rand
	conns map[*pair]struct{}
	stats Stats

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
}

// pair is one client connection and its upstream connection (nil until
// dialled, or for a blackholed connection).
type pair struct{ client, upstream net.Conn }

// Start validates cfg, listens, and serves until ctx ends or Close.
func Start(ctx context.Context, cfg Config) (*Proxy, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 3 * time.Second
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64() | 1
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("fault: listen %s: %w", cfg.Listen, err)
	}
	p := &Proxy{
		cfg: cfg, seed: seed, ln: ln, start: time.Now(),
		dial:  &net.Dialer{Timeout: cfg.DialTimeout},
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		conns: map[*pair]struct{}{},
	}
	if !cfg.AllowRemote {
		p.dial.Control = load.LoopbackOnly
	}
	p.ctx, p.cancel = context.WithCancel(ctx)
	p.wg.Add(1)
	go p.accept()
	if cfg.Down.Every > 0 {
		p.wg.Add(1)
		go p.outages()
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		<-p.ctx.Done()
		p.shut()
	}()
	return p, nil
}

// Addr is the address the proxy listens on.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Seed is the seed of the random choices, to repeat a drill.
func (p *Proxy) Seed() uint64 { return p.seed }

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Open = int64(len(p.conns))
	return s
}

// Close stops the proxy: the listener and every connection are closed and
// every goroutine has returned when it returns.
func (p *Proxy) Close() error {
	p.cancel()
	p.wg.Wait()
	return nil
}

func (p *Proxy) shut() {
	p.closed.Store(true)
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.close()
	}
	p.mu.Unlock()
}

func (c *pair) close() {
	c.client.Close()
	if c.upstream != nil {
		c.upstream.Close()
	}
}

// down reports whether now falls in an outage: the last For of each Every.
func (p *Proxy) down(now time.Time) bool {
	d := p.cfg.Down
	if d.Every == 0 {
		return false
	}
	return now.Sub(p.start)%d.Every >= d.Every-d.For
}

// outages cuts every open connection when an outage begins.
func (p *Proxy) outages() {
	defer p.wg.Done()
	d := p.cfg.Down
	for {
		elapsed := time.Since(p.start)
		next := elapsed - elapsed%d.Every + d.Every - d.For
		if next <= elapsed {
			next += d.Every
		}
		t := time.NewTimer(next - elapsed)
		select {
		case <-p.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		p.mu.Lock()
		for c := range p.conns {
			c.close()
			p.stats.CutDown++
		}
		p.mu.Unlock()
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			if p.closed.Load() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Too many open files and the like: back off briefly rather
			// than spin.
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		p.wg.Add(1)
		go p.serve(conn)
	}
}

// fate is what happens to one connection.
type fate int

const (
	forward fate = iota
	reset
	blackhole
	refusedDown
)

func (p *Proxy) choose() fate {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Connections++
	if p.down(time.Now()) {
		p.stats.RefusedDown++
		return refusedDown
	}
	switch r := p.rng.Float64(); {
	case r < p.cfg.Reset:
		p.stats.Reset++
		return reset
	case r < p.cfg.Reset+p.cfg.Blackhole:
		p.stats.Blackholed++
		return blackhole
	}
	return forward
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	c := &pair{client: client}
	switch p.choose() {
	case reset, refusedDown:
		resetConn(client)
		return
	case blackhole:
		if !p.track(c) {
			return
		}
		defer p.untrack(c)
		_, _ = io.Copy(io.Discard, client) // until the client or the proxy closes
		return
	}
	up, err := p.dial.DialContext(p.ctx, "tcp", p.cfg.Upstream)
	if err != nil {
		p.mu.Lock()
		p.stats.DialErrors++
		p.mu.Unlock()
		resetConn(client)
		return
	}
	c.upstream = up
	if !p.track(c) {
		return
	}
	defer p.untrack(c)
	done := make(chan struct{})
	go func() {
		n, _ := io.Copy(up, client)
		p.add(&p.stats.BytesUp, n)
		closeWrite(up)
		close(done)
	}()
	p.copyDown(client, up)
	// The upstream finished (or the client went away): close both, which
	// also ends the other direction's copy. Request/response protocols do
	// not need the client's half of a half-closed connection.
	c.close()
	<-done
}

// track registers c, or closes it and returns false when the proxy is
// shutting down.
func (p *Proxy) track(c *pair) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		c.close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c *pair) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.close()
}

func (p *Proxy) add(n *int64, v int64) {
	p.mu.Lock()
	*n += v
	p.mu.Unlock()
}

// copyDown forwards upstream to client, holding every chunk for the latency.
func (p *Proxy) copyDown(client, up net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := up.Read(buf)
		if n > 0 {
			if d := p.delay(); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-p.ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
			p.add(&p.stats.BytesDown, int64(n))
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) delay() time.Duration {
	if p.cfg.Latency == 0 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Delayed++
	d := p.cfg.Latency
	if j := p.cfg.Jitter; j > 0 {
		d += time.Duration(p.rng.Int64N(int64(2*j)+1)) - j
	}
	return max(d, 0)
}

// resetConn closes c with a TCP reset instead of an orderly close, as a
// crashed or firewalled dependency does.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}
