package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// ErrNotLoopback is wrapped by the error of a connection refused by
// LoopbackOnly.
var ErrNotLoopback = errors.New("not a loopback address")

// LoopbackOnly is a net.Dialer Control function that refuses, before
// anything is sent, a connection whose remote address is not on this
// machine: a loopback address, or the unspecified address (which reaches
// this host). It checks the address actually dialed, after name
// resolution, so a name whose DNS answer changed after an up-front check
// is still refused.
func LoopbackOnly(network, address string, _ syscall.RawConn) error {
	return checkDialAddress(address)
}

func checkDialAddress(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip, err := netip.ParseAddr(host)
	if err == nil {
		ip = ip.Unmap()
		if ip.IsLoopback() || ip.IsUnspecified() {
			return nil
		}
	}
	return fmt.Errorf("refusing to connect to %s: %w; only services on this machine are loaded unless you pass --allow-remote",
		address, ErrNotLoopback)
}

// newDialer returns the dialer of the engine's transport: loopback only
// unless allowRemote.
func newDialer(allowRemote bool) *net.Dialer {
	d := &net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}
	if !allowRemote {
		d.Control = LoopbackOnly
	}
	return d
}

// boundedDial caps the open connections per dialed address at limit.
// http.Transport.MaxConnsPerHost already caps its own count, but it
// releases a connection's slot just before it closes the socket, so when
// aborted requests close connections all the time a replacement could be
// dialed while the old socket is still open. The slot here is released
// only once the socket is closed, so the target never sees more than
// limit connections from the engine.
type boundedDial struct {
	limit int
	dial  func(ctx context.Context, network, address string) (net.Conn, error)

	mu    sync.Mutex
	slots map[string]chan struct{}
}

func newBoundedDial(limit int, dial func(ctx context.Context, network, address string) (net.Conn, error)) *boundedDial {
	return &boundedDial{limit: limit, dial: dial, slots: map[string]chan struct{}{}}
}

func (b *boundedDial) slot(address string) chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.slots[address]
	if !ok {
		s = make(chan struct{}, b.limit)
		b.slots[address] = s
	}
	return s
}

// DialContext waits for a free slot for address (or ctx), then dials.
func (b *boundedDial) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	s := b.slot(address)
	select {
	case s <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c, err := b.dial(ctx, network, address)
	if err != nil {
		<-s
		return nil, err
	}
	return &slotConn{Conn: c, release: sync.OnceFunc(func() { <-s })}, nil
}

// slotConn gives its slot back when it is closed.
type slotConn struct {
	net.Conn
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
