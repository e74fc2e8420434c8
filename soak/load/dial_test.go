package load

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:80", true},
		{"127.0.0.2:80", true},
		{"127.255.255.254:8080", true},
		{"[::1]:80", true},
		{"[::ffff:127.0.0.1]:80", true},
		{"0.0.0.0:80", true}, // reaches this host
		{"[::]:80", true},
		{"10.1.2.3:80", false},
		{"192.168.1.10:8080", false},
		{"192.0.2.1:443", false},
		{"[2001:db8::1]:80", false},
		{"[::ffff:10.1.2.3]:80", false},
		{"[fe80::1%eth0]:80", false},
		{"example.com:80", false}, // not an address: never dialed as such
		{"garbage", false},
	}
	for _, tt := range tests {
		err := LoopbackOnly("tcp", tt.addr, nil)
		if (err == nil) != tt.ok {
			t.Errorf("LoopbackOnly(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrNotLoopback) || !strings.Contains(err.Error(), "--allow-remote") || !strings.Contains(err.Error(), tt.addr) {
				t.Errorf("LoopbackOnly(%s) = %q: want ErrNotLoopback, the address and --allow-remote", tt.addr, err)
			}
		}
	}
}

// The engine's transport refuses a remote address when it dials, before
// anything is sent: the request fails at once with its own reason (a real
// attempt to reach 10.1.2.3 offline would time out or fail otherwise).
func TestEngineRefusesRemoteAtDial(t *testing.T) {
	e, err := New(Config{Targets: []Target{{URL: "http://10.1.2.3:80/x"}}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	start := time.Now()
	res, err := e.Run(context.Background(), Segment{Requests: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	if res.Requests != 3 || res.Errors != 3 || res.ErrorReasons["refused: not loopback (needs --allow-remote)"] != 3 {
		t.Errorf("requests %d errors %d reasons %v", res.Requests, res.Errors, res.ErrorReasons)
	}

	// A loopback target is dialed as usual.
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer s.Close()
	e2, err := New(Config{Targets: []Target{{URL: s.URL}}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if res, err := e2.Run(context.Background(), Segment{Requests: 3}); err != nil || res.Errors != 0 {
		t.Errorf("loopback: %v, %+v", err, res)
	}

	// AllowRemote lifts the check.
	if d := newDialer(true); d.Control != nil {
		t.Error("AllowRemote: the dialer still checks addresses")
	}
	if d := newDialer(false); d.Control == nil {
		t.Error("the dialer does not check addresses")
	}
}

// LoopbackOnly fits net.Dialer.Control.
var _ = net.Dialer{Control: LoopbackOnly}

// A slot is given back only when its socket is closed, so a dial for a
// replacement waits for the close instead of overlapping it.
func TestBoundedDialWaitsForClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	var d net.Dialer
	b := newBoundedDial(2, d.DialContext)
	addr := ln.Addr().String()
	var conns []net.Conn
	for range 2 {
		c, err := b.DialContext(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if c, err := b.DialContext(ctx, "tcp", addr); err == nil {
		c.Close()
		t.Fatal("third dial with a limit of 2: want it to wait until the context ends")
	}
	// Closing twice gives back one slot only.
	conns[0].Close()
	conns[0].Close()
	c, err := b.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if c, err := b.DialContext(ctx2, "tcp", addr); err == nil {
		c.Close()
		t.Fatal("a double close gave back two slots")
	}
	conns[1].Close()
	// Slots are kept per address dialed.
	if len(b.slots) != 1 {
		t.Errorf("slots for %d addresses, want 1", len(b.slots))
	}
}
