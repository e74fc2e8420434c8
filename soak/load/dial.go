package load

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
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
