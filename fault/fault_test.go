package fault_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ginleak/ginleak/fault"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echo is an upstream that answers every line with the same line.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, line); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func start(t *testing.T, cfg fault.Config) *fault.Proxy {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	p, err := fault.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// roundTrip sends one line through addr and waits for it to come back.
func roundTrip(addr string, timeout time.Duration) (time.Duration, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	begin := time.Now()
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, err
	}
	if line != "ping\n" {
		return 0, errors.New("wrong answer " + line)
	}
	return time.Since(begin), nil
}

func TestForwardsUnchanged(t *testing.T) {
	p := start(t, fault.Config{Upstream: echo(t)})
	for range 20 {
		if _, err := roundTrip(p.Addr(), 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	s := settled(t, p)
	if s.Connections != 20 || s.Reset != 0 || s.BytesDown != 100 || s.BytesUp != 100 {
		t.Errorf("stats %+v, want 20 connections and 100 bytes each way", s)
	}
}

// settled waits (bounded) until the proxy has finished with every closed
// connection, so that its byte counts are final.
func settled(t *testing.T, p *fault.Proxy) fault.Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := p.Stats()
		if s.Open == 0 || time.Now().After(deadline) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLatency(t *testing.T) {
	const latency, jitter = 150 * time.Millisecond, 50 * time.Millisecond
	p := start(t, fault.Config{Upstream: echo(t), Latency: latency, Jitter: jitter, Seed: 7})
	for range 5 {
		d, err := roundTrip(p.Addr(), 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// Only a lower bound is certain on a busy machine.
		if d < latency-jitter {
			t.Errorf("round trip %v, want at least %v", d, latency-jitter)
		}
	}
	if s := p.Stats(); s.Delayed != 5 {
		t.Errorf("delayed %d chunks, want 5", s.Delayed)
	}
}

func TestResetAll(t *testing.T) {
	p := start(t, fault.Config{Upstream: echo(t), Reset: 1})
	for range 5 {
		_, err := roundTrip(p.Addr(), 5*time.Second)
		if err == nil {
			t.Fatal("a reset connection answered")
		}
		if !isReset(err) {
			t.Errorf("err %v, want a connection reset or EOF", err)
		}
	}
	if s := settled(t, p); s.Reset != 5 || s.BytesUp != 0 {
		t.Errorf("stats %+v, want 5 resets and nothing forwarded", s)
	}
}

func isReset(err error) bool {
	return errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "broken pipe")
}

func TestBlackhole(t *testing.T) {
	p := start(t, fault.Config{Upstream: echo(t), Blackhole: 1})
	_, err := roundTrip(p.Addr(), 300*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err %v, want a timeout: a blackholed connection never answers", err)
	}
	if s := p.Stats(); s.Blackholed != 1 || s.BytesDown != 0 {
		t.Errorf("stats %+v", s)
	}
	// Close ends the held connection (goleak checks the goroutines).
}

func TestFractionsAreSeededAndNearTheirRate(t *testing.T) {
	up := echo(t)
	counts := func() fault.Stats {
		p := start(t, fault.Config{Upstream: up, Reset: 0.3, Seed: 42})
		for range 200 {
			_, _ = roundTrip(p.Addr(), 5*time.Second)
		}
		s := p.Stats()
		p.Close()
		return s
	}
	a, b := counts(), counts()
	// Binomial(200, 0.3): mean 60, sd 6.5; ±5 sd.
	if math.Abs(float64(a.Reset)-60) > 33 {
		t.Errorf("%d of 200 reset at 30%%", a.Reset)
	}
	if a.Reset != b.Reset {
		t.Errorf("same seed, different resets: %d and %d", a.Reset, b.Reset)
	}
}

func TestDownWindows(t *testing.T) {
	// Down for the last 400 ms of every 800 ms. Rather than guess the phase
	// from the wall clock, compare what clients saw with what the proxy
	// counted.
	p := start(t, fault.Config{Upstream: echo(t), Down: fault.Down{For: 400 * time.Millisecond, Every: 800 * time.Millisecond}})
	failed, ok := 0, 0
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := roundTrip(p.Addr(), 2*time.Second); err != nil {
			failed++
		} else {
			ok++
		}
		time.Sleep(40 * time.Millisecond)
	}
	s := p.Stats()
	if ok == 0 || failed == 0 {
		t.Fatalf("%d answered, %d failed over 2 s of 400ms-in-800ms outages: want both", ok, failed)
	}
	if int64(failed) != s.RefusedDown+s.CutDown {
		t.Errorf("clients saw %d failures, the proxy counted %d refused and %d cut", failed, s.RefusedDown, s.CutDown)
	}
}

func TestOutageCutsOpenConnections(t *testing.T) {
	p := start(t, fault.Config{Upstream: echo(t), Down: fault.Down{For: 200 * time.Millisecond, Every: 2 * time.Second}})
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The outage begins 1.8 s after the start; the connection must be cut
	// then, not before.
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, _ = io.WriteString(c, "ping\n")
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("before the outage: %q, %v", line, err)
	}
	_, err = r.ReadString('\n')
	if err == nil {
		t.Fatal("the connection survived the outage")
	}
	if s := p.Stats(); s.CutDown != 1 {
		t.Errorf("cut %d connections, want 1", s.CutDown)
	}
}

func TestUpstreamUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	p := start(t, fault.Config{Upstream: addr})
	if _, err := roundTrip(p.Addr(), 5*time.Second); err == nil {
		t.Fatal("answered without an upstream")
	}
	if s := p.Stats(); s.DialErrors != 1 {
		t.Errorf("dial errors %d, want 1", s.DialErrors)
	}
}

func TestConfigRefused(t *testing.T) {
	base := fault.Config{Listen: "127.0.0.1:0", Upstream: "127.0.0.1:1"}
	tests := []struct {
		name string
		edit func(*fault.Config)
		want string
	}{
		{"no listen", func(c *fault.Config) { c.Listen = "" }, "listen"},
		{"no upstream", func(c *fault.Config) { c.Upstream = "" }, "upstream"},
		{"remote upstream", func(c *fault.Config) { c.Upstream = "192.0.2.1:80" }, "--allow-remote"},
		{"remote listen", func(c *fault.Config) { c.Listen = "0.0.0.0:0" }, "--allow-remote"},
		{"name upstream", func(c *fault.Config) { c.Upstream = "db.internal:5432" }, "not an IP address"},
		{"NaN reset", func(c *fault.Config) { c.Reset = math.NaN() }, "fraction"},
		{"reset > 1", func(c *fault.Config) { c.Reset = 1.5 }, "fraction"},
		{"sum > 1", func(c *fault.Config) { c.Reset, c.Blackhole = 0.6, 0.6 }, "more than every"},
		{"negative latency", func(c *fault.Config) { c.Latency = -1 }, "negative"},
		{"jitter alone", func(c *fault.Config) { c.Jitter = time.Second }, "jitter without latency"},
		{"down half", func(c *fault.Config) { c.Down.For = time.Second }, "both"},
		{"down longer", func(c *fault.Config) { c.Down = fault.Down{For: 2 * time.Second, Every: time.Second} }, "longer than its period"},
	}
	for _, tt := range tests {
		cfg := base
		tt.edit(&cfg)
		_, err := fault.Start(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want one saying %q", tt.name, err, tt.want)
		}
	}
	// AllowRemote lifts the address check; nothing is dialled by Start.
	cfg := base
	cfg.Upstream, cfg.AllowRemote = "192.0.2.1:80", true
	p, err := fault.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("with AllowRemote: %v", err)
	}
	p.Close()
}

func TestContextEndsProxy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p, err := fault.Start(ctx, fault.Config{Listen: "127.0.0.1:0", Upstream: echo(t), Blackhole: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cancel()
	p.Close() // waits for every goroutine, the held connection's included
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Error("the listener is still open after the context ended")
	}
}

func TestParseSpec(t *testing.T) {
	cfg, err := fault.ParseSpec("127.0.0.1:9001=127.0.0.1:9000,latency=2s,jitter=500ms,reset=5%,blackhole=0.02,down=10s/60s,seed=9")
	if err != nil {
		t.Fatal(err)
	}
	want := fault.Config{Listen: "127.0.0.1:9001", Upstream: "127.0.0.1:9000", Latency: 2 * time.Second, Jitter: 500 * time.Millisecond,
		Reset: 0.05, Blackhole: 0.02, Down: fault.Down{For: 10 * time.Second, Every: time.Minute}, Seed: 9}
	if cfg != want {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
	for _, bad := range []string{
		"", "127.0.0.1:9001", "=127.0.0.1:9000", "127.0.0.1:9001=127.0.0.1:9000,latency",
		"127.0.0.1:9001=127.0.0.1:9000,latency=fast", "127.0.0.1:9001=127.0.0.1:9000,reset=150%",
		"127.0.0.1:9001=127.0.0.1:9000,reset=NaN", "127.0.0.1:9001=127.0.0.1:9000,down=10s",
		"127.0.0.1:9001=127.0.0.1:9000,colour=red", "127.0.0.1:9001=10.0.0.8:9000",
	} {
		if _, err := fault.ParseSpec(bad); err == nil {
			t.Errorf("ParseSpec(%q) accepted it", bad)
		}
	}
}
