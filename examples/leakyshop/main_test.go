package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a bytes.Buffer safe for the writer in run and the reader in
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunServesAndShutsDown is the contract with `ginleak demo`: one line
// "leakyshop listening on http://ADDR" on stdout with the real port, the
// shop and pprof served there, and a clean exit when the context ends.
func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"-addr", "127.0.0.1:0"}, pw, &stderr)
		pw.Close()
	}()

	lines := bufio.NewScanner(pr)
	got := make(chan string, 1)
	go func() {
		first := ""
		for lines.Scan() { // drain, so run never blocks on stdout
			if first == "" {
				first = lines.Text()
				got <- first
			}
		}
		close(got)
	}()
	var line string
	select {
	case line = <-got:
	case <-time.After(10 * time.Second):
		t.Fatalf("no listening line within 10s; stderr: %s", stderr.String())
	}
	m := regexp.MustCompile(`^leakyshop listening on (http://127\.0\.0\.1:[1-9][0-9]*)$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("first stdout line %q, want %q", line, "leakyshop listening on http://127.0.0.1:PORT")
	}
	base := m[1]

	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	for _, tt := range []struct{ method, path, body string }{
		{"GET", "/healthz", ""},
		{"GET", "/api/products/p-1001", ""},
		{"GET", "/debug/pprof/heap?gc=1", ""},
		{"GET", "/debug/pprof/goroutine?debug=1", ""},
		{"POST", "/fixed/orders", `{"items":[{"product_id":"p-1001","quantity":1}]}`},
		{"GET", "/metrics", ""},
		{"GET", "/debug/leaks", ""},
		// Last: its confirmation mail (guard.Go, 50 ms against a hung
		// relay) may still be in flight at the shutdown, which waits for it.
		{"POST", "/fixed/checkout", `{"email":"ada@example.com","items":[{"product_id":"p-1001","quantity":1}]}`},
	} {
		req, err := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Errorf("%s %s: %d, want 2xx", tt.method, tt.path, resp.StatusCode)
		}
	}

	// `ginleak demo` gives an idle leakyshop 2 s to exit after SIGINT.
	cancel()
	start := time.Now()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit code %d after shutdown, want 0; stderr: %s", c, stderr.String())
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("run took %v to shut down, want under 2s", took)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return within 15s of the shutdown")
	}
	for range got {
	}
	if strings.Contains(stderr.String(), "listening on") {
		t.Errorf("listening line also on stderr")
	}
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"extra argument", []string{"serve"}, "unexpected arguments"},
		{"bad address", []string{"-addr", "127.0.0.1:99999"}, "listen on 127.0.0.1:99999"},
		{"negative rate", []string{"-memprofilerate", "-1"}, "-memprofilerate must be 0 or more"},
		{"empty cache", []string{"-view-cache-size", "0"}, "-view-cache-size must be 1 or more"},
		{"bad token", []string{"-pprof-token", "two words"}, "-pprof-token: guard: BearerAuth: the token contains spaces"},
		{"short token", []string{"-pprof-token", "s3cret"}, "-pprof-token: guard: BearerAuth: the token is 6 bytes long, want at least 16"},
		{"lone non-breaking space", []string{"-pprof-token", "\u00a0"}, "U+00A0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			if c := run(context.Background(), tt.args, &stdout, &stderr); c != 2 {
				t.Errorf("exit code %d, want 2", c)
			}
			if !strings.Contains(stderr.String(), tt.want) || stdout.String() != "" {
				t.Errorf("stdout %q, stderr %q; want stderr to contain %q", stdout.String(), stderr.String(), tt.want)
			}
		})
	}
}

func TestRunBadTokenFromEnvironment(t *testing.T) {
	t.Setenv("LEAKYSHOP_PPROF_TOKEN", "bad\ttoken")
	var stdout, stderr syncBuffer
	if c := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, &stdout, &stderr); c != 2 {
		t.Errorf("exit code %d, want 2; stderr %q", c, stderr.String())
	}
	if stdout.String() != "" || !strings.Contains(stderr.String(), "-pprof-token") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// TestRunRefusesRemoteAddress: without -allow-remote, an address that is
// not loopback is refused before anything is bound (the check only parses,
// so no traffic leaves the machine), with the reason and the flag to pass.
func TestRunRefusesRemoteAddress(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"0.0.0.0:8080", "0.0.0.0 listens on every interface"},
		{":8080", "an empty host listens on every interface"},
		{"[::]:8080", ":: listens on every interface"},
		{"[::ffff:0.0.0.0]:8080", "0.0.0.0 listens on every interface"},
		{"192.0.2.1:8080", "192.0.2.1 is not a loopback address"},
		{"[2001:db8::1]:8080", "2001:db8::1 is not a loopback address"},
		{"example.com:8080", `"example.com" is not an IP address or localhost`},
		{"shop.localhost.example:0", "is not an IP address or localhost"},
		{"8080", "not host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			var stdout, stderr syncBuffer
			if c := run(context.Background(), []string{"-addr", tt.addr}, &stdout, &stderr); c != 2 {
				t.Errorf("exit code %d, want 2; stderr %q", c, stderr.String())
			}
			msg := stderr.String()
			if stdout.String() != "" || !strings.Contains(msg, tt.want) || !strings.Contains(msg, "-allow-remote") ||
				!strings.Contains(msg, "-addr "+tt.addr) {
				t.Errorf("stdout %q, stderr %q; want %q and -allow-remote", stdout.String(), msg, tt.want)
			}
		})
	}
}

// TestRunAllowRemoteWarns: -allow-remote lets such an address through, with
// a warning when pprof has no token. The port is invalid, so the listen
// fails and nothing is bound.
func TestRunAllowRemoteWarns(t *testing.T) {
	for _, tt := range []struct {
		args []string
		warn bool
	}{
		{[]string{"-allow-remote", "-addr", "0.0.0.0:99999"}, true},
		{[]string{"-allow-remote", "-pprof-token", "0123456789abcdef0123", "-addr", "0.0.0.0:99999"}, false},
	} {
		var stdout, stderr syncBuffer
		if c := run(context.Background(), tt.args, &stdout, &stderr); c != 2 {
			t.Errorf("%q: exit code %d, want 2", tt.args, c)
		}
		msg := stderr.String()
		if !strings.Contains(msg, "listen on 0.0.0.0:99999") {
			t.Errorf("%q: stderr %q, want the listen error (the address was let through)", tt.args, msg)
		}
		if got := strings.Contains(msg, "WARNING: -allow-remote without -pprof-token"); got != tt.warn {
			t.Errorf("%q: warning %v, want %v; stderr %q", tt.args, got, tt.warn, msg)
		}
	}
}

func TestCheckListenAddr(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "127.8.9.10:80", "[::1]:0", "localhost:0", "LocalHost:8080",
		"[::ffff:127.0.0.1]:0", "[::1%lo]:0"} {
		if err := checkListenAddr(addr); err != nil {
			t.Errorf("checkListenAddr(%q) = %v, want nil", addr, err)
		}
	}
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "10.0.0.1:0", "169.254.1.1:0", "host:0", "", "127.0.0.1"} {
		if err := checkListenAddr(addr); err == nil {
			t.Errorf("checkListenAddr(%q) = nil, want a refusal", addr)
		}
	}
}

// startRun runs leakyshop with args until the test ends and returns the
// URLs of its stdout lines that match prefixes, in order.
func startRun(t *testing.T, args []string, prefixes ...string) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, args, pw, &stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case c := <-code:
			if c != 0 {
				t.Errorf("exit code %d, want 0; stderr: %s", c, stderr.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("run did not return within 15s of the shutdown")
		}
	})
	lines := make(chan string, 8)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // drained below or unwanted
			}
		}
	}()
	var urls []string
	for _, p := range prefixes {
		select {
		case line := <-lines:
			u, ok := strings.CutPrefix(line, p)
			if !ok || !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`).MatchString(u) {
				t.Fatalf("stdout line %q, want %q", line, p+"http://127.0.0.1:PORT")
			}
			urls = append(urls, u)
		case <-time.After(10 * time.Second):
			t.Fatalf("no %q line within 10s; stderr: %s", p, stderr.String())
		}
	}
	return urls
}

// slowClient opens a connection to url's host that sends a request line
// and part of a header, never the end of the headers.
func slowClient(t *testing.T, url string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: shop\r\nX-Slow: a"); err != nil {
		t.Fatal(err)
	}
	return c
}

// closedWithin reports whether the server closed c within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c) // a 408 answer, if any, then EOF
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// -bare-addr serves the same shop a second time, on a bare http.Server:
// a client that never finishes its headers is closed by the guard server
// (its ReadHeaderTimeout, shortened here) and held by the bare one.
func TestBareServerPair(t *testing.T) {
	t.Setenv("GINLEAK_SERVER_READ_HEADER_TIMEOUT", "200ms")
	urls := startRun(t, []string{"-addr", "127.0.0.1:0", "-bare-addr", "127.0.0.1:0"},
		"leakyshop listening on ", "leakyshop bare server listening on ")
	guarded, bare := urls[0], urls[1]
	if guarded == bare {
		t.Fatalf("both servers on %s", bare)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	for _, u := range urls {
		resp, err := client.Get(u + "/leaky/report")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s/leaky/report: %d, want 200", u, resp.StatusCode)
		}
	}
	g, b := slowClient(t, guarded), slowClient(t, bare)
	if !closedWithin(g, 5*time.Second) {
		t.Error("the guard server held a client with unfinished headers for 5 s; ReadHeaderTimeout is 200ms")
	}
	if closedWithin(b, time.Second) {
		t.Error("the bare server closed a client with unfinished headers; it has no timeout")
	}
	// The bare server's held connection does not delay the shutdown
	// (checked by startRun's clean-up).
}

func TestBareAddrRefusedWhenRemote(t *testing.T) {
	var stdout, stderr syncBuffer
	if c := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-bare-addr", "0.0.0.0:0"}, &stdout, &stderr); c != 2 {
		t.Errorf("exit code %d, want 2", c)
	}
	if msg := stderr.String(); stdout.String() != "" || !strings.Contains(msg, "-bare-addr 0.0.0.0:0: 0.0.0.0 listens on every interface") ||
		!strings.Contains(msg, "-allow-remote") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), msg)
	}
	stdout, stderr = syncBuffer{}, syncBuffer{}
	if c := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-bare-addr", "127.0.0.1:99999"}, &stdout, &stderr); c != 2 {
		t.Errorf("bad port: exit code %d, want 2", c)
	}
	if !strings.Contains(stderr.String(), "listen on 127.0.0.1:99999") {
		t.Errorf("bad port: stderr %q", stderr.String())
	}
}
