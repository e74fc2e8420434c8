package load

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// server is a test target that tracks connections and concurrency.
type server struct {
	*httptest.Server
	open, maxOpen, accepted atomic.Int64
	active, maxActive       atomic.Int64
}

func setMax(m *atomic.Int64, v int64) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

func newServer(t testing.TB, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setMax(&s.maxActive, s.active.Add(1))
		defer s.active.Add(-1)
		h(w, r)
	}))
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.accepted.Add(1)
			setMax(&s.maxOpen, s.open.Add(1))
		case http.StateClosed, http.StateHijacked:
			s.open.Add(-1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

func newEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func get(url string) []Target { return []Target{{Method: "GET", URL: url}} }

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no targets", Config{}, "no targets"},
		{"negative", Config{Targets: get("http://127.0.0.1/"), Rate: -1}, "negative"},
		{"concurrency above connections", Config{Targets: get("http://127.0.0.1/"), Concurrency: 10, Connections: 5}, "exceeds connections"},
		{"bad target", Config{Targets: []Target{{URL: "nope"}}}, "target 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want containing %q", err, tt.want)
			}
		})
	}
	e := newEngine(t, Config{Targets: get("http://127.0.0.1/")})
	if _, err := e.Run(context.Background(), Segment{}); err == nil {
		t.Error("Run with an empty segment: want error")
	}
}

// The pool is fixed: however far behind schedule the engine falls, it
// never opens more connections or has more requests in flight than
// Connections.
func TestConnectionLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"open model far above capacity", Config{Rate: 20000, Connections: 4}},
		{"closed model", Config{Concurrency: 6, Connections: 6}},
		{"open model on net/http", Config{Rate: 20000, Connections: 4, NetHTTP: true}},
		{"closed model on net/http", Config{Concurrency: 6, Connections: 6, NetHTTP: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(2 * time.Millisecond)
				ok(w, r)
			})
			tc.cfg.Targets = get(s.URL + "/x")
			e := newEngine(t, tc.cfg)
			res, err := e.Run(context.Background(), Segment{Requests: 300})
			if err != nil {
				t.Fatal(err)
			}
			limit := int64(e.Connections())
			if res.Requests != 300 || res.Errors != 0 {
				t.Errorf("requests = %d, errors = %d (%v), want 300, 0", res.Requests, res.Errors, res.ErrorReasons)
			}
			if got := s.maxOpen.Load(); got > limit {
				t.Errorf("max open connections = %d, want ≤ %d", got, limit)
			}
			if got := s.accepted.Load(); got > limit {
				t.Errorf("connections accepted = %d, want ≤ %d (keep-alive pool)", got, limit)
			}
			if got := s.maxActive.Load(); got > limit {
				t.Errorf("max concurrent requests = %d, want ≤ %d", got, limit)
			}
			if tc.cfg.Rate > 0 && res.Behind == 0 {
				t.Errorf("behind = 0; at 20,000 req/s on 4 connections to a 2 ms handler most sends are late")
			}
			if res.Latency.P50 <= 0 || res.Latency.Max < res.Latency.P99 || res.Latency.P99 < res.Latency.P50 {
				t.Errorf("latency quantiles not ordered: %+v", res.Latency)
			}
		})
	}
}

func TestOpenModelRate(t *testing.T) {
	s := newServer(t, ok)
	e := newEngine(t, Config{Targets: get(s.URL), Rate: 200})
	res, err := e.Run(context.Background(), Segment{Duration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// 200 req/s for 0.5 s schedules exactly 100 sends (at 0, 5, ..., 495 ms);
	// a busy machine may get through fewer before the deadline.
	if res.Requests > 100 || res.Requests < 30 {
		t.Errorf("requests = %d, want ≤ 100 and well above 0", res.Requests)
	}
	// A request bound is exact.
	res, err = e.Run(context.Background(), Segment{Requests: 40})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 40 {
		t.Errorf("requests = %d, want 40", res.Requests)
	}
}

func TestSegmentsAccumulate(t *testing.T) {
	var seen sync.Map
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.URL.Path, true)
		ok(w, r)
	})
	for _, cfg := range []Config{{Rate: 5000}, {Concurrency: 3}} {
		seen.Clear()
		cfg.Targets = get(s.URL + "/{{seq}}")
		e := newEngine(t, cfg)
		var sum int64
		for i := 0; i < 3; i++ {
			res, err := e.Run(context.Background(), Segment{Requests: 25})
			if err != nil {
				t.Fatal(err)
			}
			sum += res.Requests
			if e.Snapshot().Running {
				t.Error("snapshot says running after Run returned")
			}
		}
		tot := e.Total()
		if sum != 75 || tot.Requests != 75 || tot.StatusCodes[200] != 75 || tot.Histogram == nil {
			t.Errorf("%+v: sum %d, total %+v", cfg, sum, tot)
		}
		if snap := e.Snapshot(); snap.Requests != 75 || snap.InFlight != 0 || snap.Elapsed <= 0 {
			t.Errorf("snapshot = %+v", snap)
		}
		if q := Quantiles(tot.Histogram); q != tot.Latency {
			t.Errorf("Quantiles(snapshot) = %+v, want %+v", q, tot.Latency)
		}
		// {{seq}} continues across segments: 0..74, each once.
		for i := 0; i < 75; i++ {
			if _, ok := seen.Load("/" + strconv.Itoa(i)); !ok {
				t.Errorf("%+v: request /%d not seen", cfg, i)
			}
		}
	}
}

func TestSubstitution(t *testing.T) {
	type got struct{ path, id, body string }
	var mu sync.Mutex
	var reqs []got
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.URL.Path, r.Header.Get("X-Id"), string(b)})
		mu.Unlock()
		ok(w, r)
	})
	e := newEngine(t, Config{Concurrency: 1, Targets: []Target{{
		Method: "POST",
		URL:    s.URL + "/item/{{seq}}",
		Header: http.Header{"X-Id": {"{{uuid}}"}, "X-Static": {"s"}},
		Body:   []byte(`{"n":{{seq}},"id":"{{uuid}}"}`),
	}}})
	if _, err := e.Run(context.Background(), Segment{Requests: 20}); err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 20 {
		t.Fatalf("server saw %d requests, want 20", len(reqs))
	}
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	ids := map[string]bool{}
	for i, r := range reqs {
		if want := "/item/" + strconv.Itoa(i); r.path != want {
			t.Errorf("request %d path = %q, want %q", i, r.path, want)
		}
		if !uuidRE.MatchString(r.id) {
			t.Errorf("request %d X-Id = %q, want a random UUID", i, r.id)
		}
		if ids[r.id] {
			t.Errorf("request %d: UUID %s repeated", i, r.id)
		}
		ids[r.id] = true
		prefix := `{"n":` + strconv.Itoa(i) + `,"id":"`
		if !strings.HasPrefix(r.body, prefix) || !uuidRE.MatchString(strings.TrimSuffix(strings.TrimPrefix(r.body, prefix), `"}`)) {
			t.Errorf("request %d body = %q", i, r.body)
		}
	}
}

func TestStaticBodyAndHost(t *testing.T) {
	var bad atomic.Int64
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != "payload" || r.Host != "shop.test" || r.Header.Get("X-A") != "1" || r.ContentLength != 7 {
			bad.Add(1)
		}
		ok(w, r)
	})
	e := newEngine(t, Config{Concurrency: 2, Targets: []Target{{
		Method: "PUT", URL: s.URL + "/b",
		Header: http.Header{"Host": {"shop.test"}, "X-A": {"1"}},
		Body:   []byte("payload"),
	}}})
	res, err := e.Run(context.Background(), Segment{Requests: 30})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 30 || res.Errors != 0 || bad.Load() != 0 {
		t.Errorf("requests %d errors %d, bad %d", res.Requests, res.Errors, bad.Load())
	}
}

func TestErrorsCounted(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/boom":
			w.WriteHeader(http.StatusInternalServerError)
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		default:
			ok(w, r)
		}
	})
	dead := closedPort(t)
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			e := newEngine(t, Config{Concurrency: 1, NetHTTP: cl.netHTTP, Targets: []Target{
				{URL: s.URL + "/ok"}, {URL: s.URL + "/missing"}, {URL: s.URL + "/boom"},
				{URL: s.URL + "/redirect"}, {URL: "http://" + dead + "/"},
			}})
			res, err := e.Run(context.Background(), Segment{Requests: 50})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 50 || res.Errors != 40 {
				t.Errorf("requests = %d errors = %d, want 50 and 40", res.Requests, res.Errors)
			}
			// Redirects are answers, never followed.
			want := map[int]int64{200: 10, 404: 10, 500: 10, 302: 10}
			for code, n := range want {
				if res.StatusCodes[code] != n {
					t.Errorf("status %d: %d, want %d (all: %v)", code, res.StatusCodes[code], n, res.StatusCodes)
				}
			}
			if res.ErrorReasons["connection refused"] != 10 {
				t.Errorf("reasons = %v, want 10 × connection refused", res.ErrorReasons)
			}
		})
	}
}

// closedPort returns a loopback address nobody listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		ok(w, r)
	})
	defer close(release)
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			e := newEngine(t, Config{Concurrency: 1, Timeout: 50 * time.Millisecond, NetHTTP: cl.netHTTP,
				Targets: []Target{{URL: s.URL + "/slow"}, {URL: s.URL + "/fast"}}})
			res, err := e.Run(context.Background(), Segment{Requests: 6})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 6 || res.Errors != 3 || res.ErrorReasons["timeout"] != 3 || res.StatusCodes[200] != 3 {
				t.Errorf("result = %+v, want 3 timeouts and 3 answers", res)
			}
		})
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	for _, cfg := range []Config{{Rate: 1000, Connections: 8}, {Concurrency: 8}, {Rate: 1000, Connections: 8, NetHTTP: true}, {Concurrency: 8, NetHTTP: true}} {
		cfg.Targets = get(s.URL)
		e := newEngine(t, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		res, err := e.Run(ctx, Segment{Duration: time.Minute})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Run took %v after cancel", d)
		}
		if res.Canceled == 0 || res.Requests != 0 {
			t.Errorf("result = %+v, want cancelled in-flight requests and none completed", res)
		}
		if snap := e.Snapshot(); snap.InFlight != 0 || snap.Running {
			t.Errorf("snapshot after cancel = %+v", snap)
		}
	}
}

func TestDrainTimeout(t *testing.T) {
	release := make(chan struct{})
	var hold atomic.Bool
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if hold.Load() {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	})
	defer close(release)
	for _, cl := range clients {
		for _, m := range models(4) {
			t.Run(cl.name+"/"+m.name, func(t *testing.T) {
				hold.Store(true)
				cfg := m.cfg
				cfg.Targets, cfg.DrainTimeout, cfg.NetHTTP = get(s.URL), 100*time.Millisecond, cl.netHTTP
				e := newEngine(t, cfg)
				res, err := e.Run(context.Background(), Segment{Requests: 3})
				if err != nil {
					t.Fatal(err)
				}
				// The requests the drain gave up on are timeouts for the
				// target, not requests that never happened.
				if res.Drained != 3 || res.Canceled != 0 || res.Requests != 3 || res.Errors != 3 || res.ErrorReasons["timeout"] != 3 {
					t.Errorf("result = %+v, want 3 requests timed out at the drain bound", res)
				}
				// The next segment starts afresh: the cancelled one does not
				// halt it.
				hold.Store(false)
				res, err = e.Run(context.Background(), Segment{Requests: 3})
				if err != nil || res.Requests != 3 || res.Errors != 0 {
					t.Errorf("segment after the drain: %v, %+v; want 3 answers", err, res)
				}
			})
		}
	}
}

// An endless response body fails its request at MaxBodyBytes instead of
// holding the worker until the request's timeout.
func TestEndlessBodyBounded(t *testing.T) {
	chunk := make([]byte, 1<<20)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		// Bounded: 4× the limit, or until the client goes away.
		for range 4 * MaxBodyBytes / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			e := newEngine(t, Config{Targets: get(s.URL), Concurrency: 1, Timeout: time.Minute, NetHTTP: cl.netHTTP})
			res, err := e.Run(context.Background(), Segment{Requests: 2})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 2 || res.Errors != 2 || res.ErrorReasons["response body over 64 MiB"] != 2 {
				t.Errorf("result = %+v, want 2 requests failed for their body size", res)
			}
		})
	}
}

func TestPrimeOpensPool(t *testing.T) {
	for _, cl := range clients {
		for _, m := range models(8) {
			t.Run(cl.name+"/"+m.name, func(t *testing.T) {
				s := newServer(t, ok)
				cfg := m.cfg
				cfg.Targets, cfg.NetHTTP = get(s.URL), cl.netHTTP
				e := newEngine(t, cfg)
				res, err := e.Prime(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if res.Requests != 8 || s.accepted.Load() != 8 {
					t.Errorf("prime: %d requests on %d connections, want 8 on 8", res.Requests, s.accepted.Load())
				}
				// The pool is kept: more load opens no new connection.
				if _, err := e.Run(context.Background(), Segment{Requests: 50}); err != nil {
					t.Fatal(err)
				}
				if got := s.accepted.Load(); got != 8 {
					t.Errorf("connections after load = %d, want 8", got)
				}
			})
		}
	}
}

// models are the open model (slower than its connections) and the closed
// model (the event loops on Linux, for the lean client), with n
// connections.
func models(n int) []struct {
	name string
	cfg  Config
} {
	return []struct {
		name string
		cfg  Config
	}{{"open", Config{Rate: 100, Connections: n}}, {"closed", Config{Concurrency: n}}}
}

func TestSnapshotWhileRunning(t *testing.T) {
	s := newServer(t, ok)
	e := newEngine(t, Config{Targets: get(s.URL), Rate: 400})
	done := make(chan struct{})
	var maxSeen int64
	var running bool
	go func() {
		defer close(done)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			snap := e.Snapshot()
			maxSeen = max(maxSeen, snap.Requests)
			running = running || snap.Running
			if snap.Requests >= 20 {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	if _, err := e.Run(context.Background(), Segment{Requests: 200}); err != nil {
		t.Fatal(err)
	}
	<-done
	if !running || maxSeen == 0 {
		t.Errorf("snapshot never saw the segment running (max requests %d)", maxSeen)
	}
}
