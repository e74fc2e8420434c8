package slowclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ginleak/ginleak/soak/load"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// server serves srv on a loopback port and counts the connections it has
// closed; the cleanup closes it.
func server(t *testing.T, srv *http.Server) (addr string, closed *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed = new(atomic.Int64)
	srv.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed.Add(1)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String(), closed
}

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

// waitFor polls cond, bounded by 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A server without ReadHeaderTimeout holds every slow client: a finding.
func TestBareServerHoldsThem(t *testing.T) {
	addr, closed := server(t, &http.Server{Handler: http.HandlerFunc(ok)})
	const n = 30
	p, err := Start(t.Context(), addr, n, WithInterval(50*time.Millisecond), WithHoldLimit(600*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// Hold past the limit (the limit counts from the last connection).
	waitFor(t, "a window past the hold limit", func() bool { return p.Result().Held == n })
	r := p.Stop()
	if r.Opened != n || r.ClosedByTarget != 0 || r.OpenAtEnd != n || r.Held != n || r.TooShort || r.Failed != 0 {
		t.Errorf("Result = %+v, want all %d opened, held and open at the end", r, n)
	}
	want := "slow clients: 30 of 30 held for 0.6 s: set http.Server.ReadHeaderTimeout or use guard.NewServer"
	if got := r.Finding(); got != want {
		t.Errorf("Finding = %q, want %q", got, want)
	}
	// Stop closed them all: the server sees every connection end.
	waitFor(t, "the server to see every connection closed", func() bool { return closed.Load() == n })
	if again := p.Stop(); again != r {
		t.Errorf("second Stop = %+v, want %+v", again, r)
	}
}

// A server with ReadHeaderTimeout, as guard.NewServer returns (5 s there,
// 200 ms here; guard has no option for it, and its other fields do not
// matter to slow headers), closes them: no finding.
func TestReadHeaderTimeoutClosesThem(t *testing.T) {
	const rht = 200 * time.Millisecond
	addr, _ := server(t, &http.Server{Handler: http.HandlerFunc(ok), ReadHeaderTimeout: rht})
	const n = 30
	p, err := Start(t.Context(), addr, n, WithInterval(50*time.Millisecond), WithHoldLimit(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to close every slow client", func() bool { return p.Result().ClosedByTarget == n })
	// Past the hold limit, so the finding is decided on the full limit.
	waitFor(t, "the hold limit to pass", func() bool { return p.Result().HoldLimitS >= 3 })
	r := p.Stop()
	if r.Opened != n || r.ClosedByTarget != n || r.OpenAtEnd != 0 || r.Held != 0 || r.HoldLimitS != 3 {
		t.Errorf("Result = %+v, want all %d closed by the target, none held", r, n)
	}
	// The server cannot close them before its timeout; the upper bound
	// is loose, it is not a speed claim.
	if r.CloseAfterS.P50 < rht.Seconds() || r.CloseAfterS.Max < r.CloseAfterS.P50 || r.CloseAfterS.Max > 3 {
		t.Errorf("close after = %+v, want between %v and 3 s", r.CloseAfterS, rht)
	}
	if f := r.Finding(); f != "" {
		t.Errorf("Finding = %q, want none", f)
	}
}

// The target receives a request line and headers that grow one byte per
// interval and never end.
func TestTrickle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		var buf bytes.Buffer
		_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
		b := make([]byte, 256)
		for !bytes.HasSuffix(buf.Bytes(), []byte("aaaa")) {
			n, err := c.Read(b)
			buf.Write(b[:n])
			if err != nil {
				break
			}
		}
		got <- buf.Bytes()
	}()
	p, err := Start(t.Context(), ln.Addr().String(), 1, WithInterval(20*time.Millisecond), WithPath("/slow"))
	if err != nil {
		t.Fatal(err)
	}
	b := <-got
	p.Stop()
	s := string(b)
	if !strings.HasPrefix(s, "GET /slow HTTP/1.1\r\nHost: "+ln.Addr().String()+"\r\n") || !strings.HasSuffix(s, "X-Ginleak-Slow: aaaa") || strings.Contains(s, "\r\n\r\n") {
		t.Errorf("the target received %q", s)
	}
}

// Cancelling the context closes every connection, without Stop.
func TestContextEndClosesAll(t *testing.T) {
	addr, closed := server(t, &http.Server{Handler: http.HandlerFunc(ok)})
	ctx, cancel := context.WithCancel(t.Context())
	const n = 25
	p, err := Start(ctx, addr, n, WithInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitFor(t, "the server to see every connection closed", func() bool { return closed.Load() == n })
	r := p.Stop()
	if r.Opened != n || r.OpenAtEnd != n || r.ClosedByTarget != 0 {
		t.Errorf("Result = %+v", r)
	}
	// A run of a moment is too short to tell with the default limit.
	if !r.TooShort || r.Held != 0 || r.Finding() != "" {
		t.Errorf("Result = %+v, Finding %q: want too short, no finding", r, r.Finding())
	}
}

func TestStartRefuses(t *testing.T) {
	tests := []struct {
		name string
		addr string
		n    int
		opts []Option
		want string
	}{
		{"too many", "127.0.0.1:1", MaxConns + 1, nil, "at most 10000"},
		{"none", "127.0.0.1:1", 0, nil, "want at least 1"},
		{"no port", "127.0.0.1", 1, nil, "want host:port"},
		{"remote", "192.0.2.1:80", 3, nil, "not a loopback address"},
		{"interval", "127.0.0.1:1", 1, []Option{WithInterval(0)}, "interval 0s"},
		{"hold limit", "127.0.0.1:1", 1, []Option{WithHoldLimit(-1)}, "hold limit"},
		{"path", "127.0.0.1:1", 1, []Option{WithPath("/a b")}, "path"},
		{"host", "127.0.0.1:1", 1, []Option{WithHost("a\r\nX: y")}, "host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Start(t.Context(), tt.addr, tt.n, tt.opts...)
			if err == nil {
				p.Stop()
				t.Fatal("Start accepted it")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.name == "remote" && !errors.Is(err, load.ErrNotLoopback) {
				t.Errorf("error %v does not wrap load.ErrNotLoopback", err)
			}
		})
	}
}

func TestNothingListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Start(t.Context(), addr, 5)
	if err == nil || !strings.Contains(err.Error(), "could not open any of 5 connections") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Start on a closed port: %v", err)
	}
}

func TestResultJSON(t *testing.T) {
	r := Result{Opened: 200, ClosedByTarget: 150, OpenAtEnd: 50, CloseAfterS: Quantiles{P50: 5.01, Max: 5.2}, HoldLimitS: 30, Held: 50}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"opened":200,"closed_by_target":150,"open_at_end":50,"close_after_s":{"p50":5.01,"max":5.2},"hold_limit_s":30,"held":50}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	if f := r.Finding(); f != "slow clients: 50 of 200 held for 30 s: set http.Server.ReadHeaderTimeout or use guard.NewServer" {
		t.Errorf("Finding = %q", f)
	}
}

func TestQuantiles(t *testing.T) {
	s := func(x ...float64) []time.Duration {
		var out []time.Duration
		for _, v := range x {
			out = append(out, time.Duration(v*float64(time.Second)))
		}
		return out
	}
	tests := []struct {
		in   []time.Duration
		want Quantiles
	}{
		{nil, Quantiles{}},
		{s(5), Quantiles{5, 5}},
		{s(7, 5, 6), Quantiles{6, 7}},
		{s(1, 4, 2, 3), Quantiles{2.5, 4}},
	}
	for _, tt := range tests {
		if got := quantiles(tt.in); got != tt.want {
			t.Errorf("quantiles(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
