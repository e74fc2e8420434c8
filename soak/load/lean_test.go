package load

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clients are the engine's two paths, for tests that must hold on both.
var clients = []struct {
	name    string
	netHTTP bool
}{{"lean", false}, {"net-http", true}}

// rawServer is a loopback HTTP/1.1 server written on net.Conn, so a test
// controls the bytes of every answer. answer returns the raw answer to
// request n (counted from 0 over all connections) and whether to close
// the connection after writing it.
type rawServer struct {
	ln       net.Listener
	accepted atomic.Int64
	served   atomic.Int64
	wg       sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
}

func newRawServer(t testing.TB, answer func(n int64, req *http.Request) (raw string, closeAfter bool)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					raw, closeAfter := answer(s.served.Add(1)-1, req)
					io.Copy(io.Discard, req.Body)
					if _, err := io.WriteString(c, raw); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) url(path string) string { return "http://" + s.ln.Addr().String() + path }

const pong = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong"

func TestLeanChosen(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		want bool
	}{
		{"http", Config{Targets: get("http://127.0.0.1:1/")}, true},
		{"https", Config{Targets: get("https://127.0.0.1:1/")}, false},
		{"one https among http", Config{Targets: []Target{{URL: "http://127.0.0.1:1/"}, {URL: "https://127.0.0.1:1/"}}}, false},
		{"NetHTTP asked", Config{Targets: get("http://127.0.0.1:1/"), NetHTTP: true}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := newEngine(t, tt.cfg).Lean(); got != tt.want {
				t.Errorf("Lean() = %v, want %v", got, tt.want)
			}
			// The closed model's event loops: on Linux, lean client only.
			tt.cfg.Concurrency = 2
			if got, want := newEngine(t, tt.cfg).loops != nil, tt.want && runtime.GOOS == "linux"; got != want {
				t.Errorf("closed model on event loops = %v, want %v", got, want)
			}
		})
	}
}

// A request body larger than the socket's buffers is written in parts as
// the target reads it, and an answer larger than the read buffer is read
// in parts; both ways the bytes arrive whole.
func TestLeanLargeBodies(t *testing.T) {
	const reqSize, respSize = 8 << 20, 3 << 20
	body := bytes.Repeat([]byte("0123456789abcdef"), reqSize/16)
	answer := bytes.Repeat([]byte("x"), respSize)
	var bad atomic.Int64
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil || !bytes.Equal(b, body) {
			bad.Add(1)
		}
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		}
		w.Write(answer)
	})
	for _, q := range []string{"", "?chunked=1"} {
		e := newEngine(t, Config{Concurrency: 2, Targets: []Target{{Method: "POST", URL: s.URL + "/" + q, Body: body}}})
		res, err := e.Run(context.Background(), Segment{Requests: 6})
		if err != nil || res.StatusCodes[200] != 6 || res.Errors != 0 {
			t.Errorf("%q: %v, %+v; want 6 answered", q, err, res)
		}
	}
	if n := bad.Load(); n != 0 {
		t.Errorf("%d request bodies arrived changed", n)
	}
}

// What the target receives is the same on both paths: method, request
// target, Host, headers and body, for static and templated targets.
func TestLeanSendsWhatNetHTTPSends(t *testing.T) {
	type seen struct {
		method, uri, host, body string
		header                  http.Header
		length                  int64
	}
	targets := []Target{
		{URL: "/plain"},
		{Method: "POST", URL: "/item/{{seq}}?q={{ uuid }}&x=a%20b#frag{{seq}}",
			Header: http.Header{"X-Id": {"{{uuid}}"}, "X-Static": {"s", "t"}, "Content-Type": {"application/json"}},
			Body:   []byte(`{"n":{{seq}}}`)},
		{Method: "PUT", URL: "/b", Header: http.Header{"Host": {"shop.test"}, "User-Agent": {"mine/1"}}, Body: []byte("payload")},
		{URL: "/agent", Header: http.Header{"user-agent": {"lower/{{seq}}"}}},
		{Method: "POST", URL: "/nobody"},
		{Method: "GET", URL: "/emptybody", Body: []byte{}},
		{Method: "DELETE", URL: "/path with space/ü"},
		{Method: "HEAD", URL: "/head", Header: http.Header{"Content-Length": {"99"}, "Connection": {"keep-alive"}}},
	}
	uuidRE := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	mask := func(s string) string { return uuidRE.ReplaceAllString(s, "UUID") }
	record := func(netHTTP bool) []seen {
		var mu sync.Mutex
		var got []seen
		s := newRawServer(t, func(n int64, r *http.Request) (string, bool) {
			b, _ := io.ReadAll(r.Body)
			h := http.Header{}
			for k, vs := range r.Header {
				for _, v := range vs {
					h.Add(k, mask(v))
				}
			}
			mu.Lock()
			got = append(got, seen{r.Method, mask(r.RequestURI), r.Host, mask(string(b)), h, r.ContentLength})
			mu.Unlock()
			if r.Method == "HEAD" {
				return "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", false
			}
			return pong, false
		})
		var ts []Target
		for _, t := range targets {
			t.URL = s.url(t.URL)
			if t.Header.Get("Host") == "" {
				// The same Host on both servers, so the two can be compared.
				t.Header = t.Header.Clone()
				if t.Header == nil {
					t.Header = http.Header{}
				}
				t.Header.Set("Host", "target.test:8080")
			}
			ts = append(ts, t)
		}
		e := newEngine(t, Config{Targets: ts, Concurrency: 1, NetHTTP: netHTTP})
		if e.Lean() == netHTTP {
			t.Fatalf("NetHTTP %v: Lean() = %v", netHTTP, e.Lean())
		}
		res, err := e.Run(context.Background(), Segment{Requests: int64(2 * len(targets))})
		if err != nil || res.Errors != 0 {
			t.Fatalf("NetHTTP %v: %v %+v", netHTTP, err, res)
		}
		return got
	}
	lean, std := record(false), record(true)
	// Only what a request needs: no User-Agent unless the target sets one.
	if ua := lean[0].header.Get("User-Agent"); ua != "" {
		t.Errorf("User-Agent %q sent by default", ua)
	}
	if len(lean) != len(std) {
		t.Fatalf("lean sent %d requests, net/http %d", len(lean), len(std))
	}
	for i := range lean {
		l, s := lean[i], std[i]
		if l.method != s.method || l.uri != s.uri || l.host != s.host || l.body != s.body || l.length != s.length {
			t.Errorf("request %d: lean %q %q host %q body %q length %d; net/http %q %q host %q body %q length %d",
				i, l.method, l.uri, l.host, l.body, l.length, s.method, s.uri, s.host, s.body, s.length)
		}
		if !headersEqual(l.header, s.header) {
			t.Errorf("request %d (%s %s): lean headers %v, net/http %v", i, l.method, l.uri, l.header, s.header)
		}
	}
}

func headersEqual(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		if !slices.Equal(va, b[k]) {
			return false
		}
	}
	return true
}

// How a server frames its answers, and when it ends connections, does
// not turn answers into errors; each connection it ends is replaced.
func TestLeanServerFraming(t *testing.T) {
	long := strings.Repeat("x", 3*readBufferSize)
	for _, tt := range []struct {
		name     string
		answer   func(n int64) (string, bool)
		accepted func(n int64) bool // of n requests
	}{
		{"keep-alive", func(int64) (string, bool) { return pong, false }, func(a int64) bool { return a <= 2 }},
		{"chunked", func(int64) (string, bool) {
			return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npong\r\n" + "6000\r\n" + long + "\r\n0\r\n\r\n", false
		}, func(a int64) bool { return a <= 2 }},
		{"connection close", func(int64) (string, bool) {
			return "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\npong", true
		}, func(a int64) bool { return a == 60 }},
		{"HTTP/1.0", func(int64) (string, bool) { return "HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\npong", true }, func(a int64) bool { return a == 60 }},
		{"body until close", func(int64) (string, bool) { return "HTTP/1.1 200 OK\r\n\r\n" + long, true }, func(a int64) bool { return a == 60 }},
		{"interim answer", func(int64) (string, bool) { return "HTTP/1.1 103 Early Hints\r\n\r\n" + pong, false }, func(a int64) bool { return a <= 2 }},
		// A server that ends a kept-alive connection after every third
		// answer without saying so: GETs are sent again on a new one.
		{"silent close after 3", func(n int64) (string, bool) { return pong, n%3 == 2 }, func(a int64) bool { return a >= 20 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newRawServer(t, func(n int64, _ *http.Request) (string, bool) { return tt.answer(n) })
			e := newEngine(t, Config{Targets: get(s.url("/x")), Concurrency: 2})
			res, err := e.Run(context.Background(), Segment{Requests: 60})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 60 || res.Errors != 0 || res.StatusCodes[200] != 60 {
				t.Errorf("result = %+v, want 60 answers with 200", res)
			}
			if a := s.accepted.Load(); !tt.accepted(a) {
				t.Errorf("%d connections accepted for 60 requests", a)
			}
		})
	}
}

// Answers that are not HTTP fail with a reason that says so, and never
// hold the worker.
func TestLeanMalformedAnswers(t *testing.T) {
	s := newRawServer(t, func(int64, *http.Request) (string, bool) { return "SSH-2.0-OpenSSH_9.6\r\n", false })
	e := newEngine(t, Config{Targets: get(s.url("/")), Concurrency: 1})
	res, err := e.Run(context.Background(), Segment{Requests: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 5 || res.Errors != 5 || res.ErrorReasons["malformed response"] != 5 {
		t.Errorf("result = %+v, want 5 malformed responses", res)
	}
}

// A server's idle timeout closes the kept-alive connections between two
// segments; the next segment finds them closed before sending and dials
// new ones, so even requests that cannot be sent twice do not fail.
func TestLeanIdleConnectionClosedByServer(t *testing.T) {
	var accepted atomic.Int64
	s := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	s.Config.IdleTimeout = 100 * time.Millisecond
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			accepted.Add(1)
		}
	}
	s.Start()
	defer s.Close()
	e := newEngine(t, Config{Targets: []Target{{Method: "POST", URL: s.URL, Body: []byte("x")}}, Concurrency: 4})
	if !e.Lean() {
		t.Fatal("not on the lean path")
	}
	for i := range 2 {
		res, err := e.Run(context.Background(), Segment{Requests: 40})
		if err != nil || res.Errors != 0 {
			t.Fatalf("segment %d: %v, %+v", i, err, res)
		}
		time.Sleep(idleCheck + 200*time.Millisecond)
	}
	if a := accepted.Load(); a > 8 {
		t.Errorf("%d connections for 2 segments of 4, want at most 8", a)
	}
}

// The lean path allocates nothing per request: the process's allocations
// over a whole segment, server included (it is written to allocate
// nothing per request either), stay below one per request.
func TestLeanAllocatesNothingPerRequest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				answerEach(c, []byte(pong))
			}()
		}
	}()
	for _, tt := range []struct {
		name   string
		target Target
	}{
		{"static", Target{URL: "http://" + ln.Addr().String() + "/ping"}},
		{"templated", Target{Method: "POST", URL: "http://" + ln.Addr().String() + "/item/{{seq}}",
			Header: http.Header{"X-Id": {"{{uuid}}"}}, Body: []byte(`{"n":{{seq}}}`)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Config{Targets: []Target{tt.target}, Concurrency: 4})
			if _, err := e.Prime(context.Background()); err != nil {
				t.Fatal(err)
			}
			const n = 5000
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			res, err := e.Run(context.Background(), Segment{Requests: n})
			runtime.ReadMemStats(&after)
			if err != nil || res.Errors != 0 || res.Requests != n {
				t.Fatalf("%v, %+v", err, res)
			}
			if per := float64(after.Mallocs-before.Mallocs) / n; per > 1 {
				t.Errorf("%.2f allocations per request, want at most 1", per)
			}
		})
	}
}

// answerEach writes answer after each request read from c (a request
// ends at its blank line, plus its Content-Length), allocating nothing.
func answerEach(c net.Conn, answer []byte) {
	buf := make([]byte, 16<<10)
	have := 0
	for {
		n, err := c.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		for {
			end := bytes.Index(buf[:have], []byte("\r\n\r\n"))
			if end < 0 {
				break
			}
			size := end + 4 + bodyLength(buf[:end])
			if size > have {
				break
			}
			copy(buf, buf[size:have])
			have -= size
			if _, err := c.Write(answer); err != nil {
				return
			}
		}
		if have == len(buf) {
			return
		}
	}
}

// bodyLength finds the Content-Length in a request head.
func bodyLength(head []byte) int {
	const key = "\r\nContent-Length: "
	i := bytes.Index(head, []byte(key))
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range head[i+len(key):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
