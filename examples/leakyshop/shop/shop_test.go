package shop

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestProducts(t *testing.T) {
	s := newShop(t, Options{})
	h := s.Router()

	w := serve(t, h, "GET", "/api/products", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /api/products: %d %s", w.Code, w.Body)
	}
	list := decode[struct{ Products []Product }](t, w)
	if len(list.Products) != 24 {
		t.Errorf("%d products, want 24", len(list.Products))
	}

	tests := []struct {
		id   string
		code int
		name string
	}{
		{"p-1001", http.StatusOK, "Classic Espresso Cup"},
		{"p-1024", http.StatusOK, "Nordic Desk Lamp"},
		{"p-0999", http.StatusNotFound, ""},
		{"nope", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		w := serve(t, h, "GET", "/api/products/"+tt.id, "")
		if w.Code != tt.code {
			t.Errorf("GET /api/products/%s: %d, want %d", tt.id, w.Code, tt.code)
			continue
		}
		if tt.code == http.StatusOK {
			if p := decode[Product](t, w); p.Name != tt.name || p.PriceCents <= 0 {
				t.Errorf("GET /api/products/%s: %+v, want name %q and a price", tt.id, p, tt.name)
			}
		}
	}
}

func TestCartAndCheckout(t *testing.T) {
	s := newShop(t, Options{RelayLatency: 1}) // the relay answers at once
	h := s.Router()

	w := serve(t, h, "POST", "/api/carts", "")
	if w.Code != http.StatusCreated {
		t.Fatalf("POST /api/carts: %d %s", w.Code, w.Body)
	}
	cartURL := "/api/carts/" + decode[CartView](t, w).ID

	steps := []struct {
		method, path, body string
		code               int
	}{
		{"POST", cartURL + "/items", `{"product_id":"p-1001","quantity":2}`, http.StatusOK},
		{"POST", cartURL + "/items", `{"product_id":"p-1001","quantity":1}`, http.StatusOK},
		{"POST", cartURL + "/items", `{"product_id":"p-1010","quantity":1}`, http.StatusOK},
		{"POST", cartURL + "/items", `{"product_id":"p-1003","quantity":4}`, http.StatusOK},
		{"DELETE", cartURL + "/items/p-1003", "", http.StatusOK},
		{"POST", cartURL + "/items", `{"product_id":"p-9999","quantity":1}`, http.StatusNotFound},
		{"POST", cartURL + "/items", `{"product_id":"p-1001","quantity":0}`, http.StatusBadRequest},
		{"POST", cartURL + "/items", `{"product_id":"p-1001","quantity":98}`, http.StatusUnprocessableEntity},
		{"POST", cartURL + "/items", `not json`, http.StatusBadRequest},
		{"GET", "/api/carts/c-unknown", "", http.StatusNotFound},
		{"POST", cartURL + "/checkout", `{"email":"not an address"}`, http.StatusBadRequest},
	}
	for _, st := range steps {
		if w := serve(t, h, st.method, st.path, st.body); w.Code != st.code {
			t.Errorf("%s %s %s: %d %s, want %d", st.method, st.path, st.body, w.Code, w.Body, st.code)
		}
	}

	w = serve(t, h, "GET", cartURL, "")
	got := decode[CartView](t, w)
	want := []LineItem{{"p-1001", 3}, {"p-1010", 1}}
	if len(got.Items) != len(want) || got.Items[0] != want[0] || got.Items[1] != want[1] {
		t.Fatalf("cart items %+v, want %+v", got.Items, want)
	}

	w = serve(t, h, "POST", cartURL+"/checkout", `{"email":"ada@example.com"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("checkout: %d %s", w.Code, w.Body)
	}
	order := decode[Order](t, w)
	p1, _ := s.catalog.get("p-1001")
	p10, _ := s.catalog.get("p-1010")
	if wantTotal := 3*p1.PriceCents + p10.PriceCents; order.TotalCents != wantTotal || len(order.Lines) != 2 || order.Email != "ada@example.com" {
		t.Errorf("order %+v, want 2 lines totalling %d for ada@example.com", order, wantTotal)
	}
	if w := serve(t, h, "GET", cartURL, ""); w.Code != http.StatusNotFound {
		t.Errorf("cart after checkout: %d, want 404", w.Code)
	}
	if !waitFor(5*time.Second, func() bool { return s.MailsSent() == 1 }) {
		t.Errorf("%d confirmations sent, want 1", s.MailsSent())
	}

	// An empty cart cannot be checked out.
	w = serve(t, h, "POST", "/api/carts", "")
	empty := "/api/carts/" + decode[CartView](t, w).ID
	if w := serve(t, h, "POST", empty+"/checkout", `{"email":"ada@example.com"}`); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("checkout of an empty cart: %d, want 422", w.Code)
	}
}

func TestRequestID(t *testing.T) {
	s := newShop(t, Options{})
	// /api and /leaky: the shop's own request IDs.
	tests := []struct {
		sent string
		keep bool
	}{
		{"abc-123_X.y", true},
		{"", false},
		{"has space", false},
		{strings.Repeat("a", 65), false},
		{"<script>", false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/api/products/p-1001", nil)
		if tt.sent != "" {
			req.Header.Set("X-Request-ID", tt.sent)
		}
		w := httptest.NewRecorder()
		s.Router().ServeHTTP(w, req)
		got := w.Header().Get("X-Request-ID")
		if tt.keep != (got == tt.sent) || got == "" || !validRequestID(got) {
			t.Errorf("sent %q, got %q (keep %v)", tt.sent, got, tt.keep)
		}
		if !tt.keep && seen[got] {
			t.Errorf("generated request ID %q twice", got)
		}
		seen[got] = true
	}

	// /fixed: guard.RequestID, one ID per request (a client's valid one,
	// else a UUID).
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, tt := range []struct {
		sent string
		keep bool
	}{{"abc-123_X.y:z", true}, {"", false}, {"<script>", false}} {
		req := httptest.NewRequest("GET", "/fixed/products/p-1001", nil)
		if tt.sent != "" {
			req.Header.Set("X-Request-ID", tt.sent)
		}
		w := httptest.NewRecorder()
		s.Router().ServeHTTP(w, req)
		got := w.Header().Values("X-Request-ID")
		if len(got) != 1 || tt.keep != (got[0] == tt.sent) || !tt.keep && !uuid.MatchString(got[0]) {
			t.Errorf("/fixed: sent %q, got %q (keep %v)", tt.sent, got, tt.keep)
		}
	}
}

// TestFixedStack checks guard's middleware on /fixed: the access log (one
// record per /fixed request, with the route template and the request ID,
// none for /leaky), the metrics per route template, and that guard.Go's
// work gets the request ID extracted before it started.
func TestFixedStack(t *testing.T) {
	var logBuf, accessBuf syncBuffer
	s := newShop(t, Options{
		Logger:       slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AccessLog:    slog.New(slog.NewJSONHandler(&accessBuf, nil)),
		RelayLatency: time.Millisecond,
	})
	h := s.Router()

	w := serve(t, h, "GET", "/fixed/products/p-1001?session=s1", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /fixed/products: %d", w.Code)
	}
	id := w.Header().Get("X-Request-ID")
	serve(t, h, "GET", "/leaky/products/p-1001?session=stack-test", "")
	serve(t, h, "GET", "/api/products/p-1001", "")
	w = serve(t, h, "POST", "/fixed/checkout", `{"email":"ada@example.com","items":[{"product_id":"p-1001","quantity":1}]}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("POST /fixed/checkout: %d %s", w.Code, w.Body)
	}
	checkoutID := w.Header().Get("X-Request-ID")

	var records []map[string]any
	for line := range strings.Lines(accessBuf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("access log line %q: %v", line, err)
		}
		records = append(records, rec)
	}
	if len(records) != 2 {
		t.Fatalf("%d access log records, want 2 (the /fixed requests only):\n%s", len(records), accessBuf.String())
	}
	if r := records[0]; r["route"] != "/fixed/products/:id" || r["status"] != 200.0 || r["request_id"] != id || r["msg"] != "http request" {
		t.Errorf("access log record %v", r)
	}

	// The mail goes out from guard.Go with the request ID it had.
	if !waitFor(5*time.Second, func() bool { return s.MailsSent() == 1 }) {
		t.Fatalf("%d mails sent, want 1", s.MailsSent())
	}
	if !strings.Contains(logBuf.String(), `"msg":"order confirmation sent"`) || !strings.Contains(logBuf.String(), `"request_id":"`+checkoutID+`"`) {
		t.Errorf("no confirmation logged with request ID %s:\n%s", checkoutID, logBuf.String())
	}

	m := serve(t, h, "GET", "/metrics", "")
	if m.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", m.Code)
	}
	for _, want := range []string{
		`ginleak_http_request_duration_seconds_count{code="200",method="GET",route="/fixed/products/:id"} 1`,
		`ginleak_http_request_duration_seconds_count{code="201",method="POST",route="/fixed/checkout"} 1`,
		"ginleak_http_requests_in_flight 0",
		"ginleak_async_in_flight ",
		"go_goroutines ",
	} {
		if !strings.Contains(m.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(m.Body.String(), `route="/leaky`) || strings.Contains(m.Body.String(), "session=") {
		t.Errorf("/metrics counts other routes or raw paths")
	}
}

// TestFixedTimeout: guard.Timeout's deadline reaches the carrier call of
// the fixed quote, which then stops waiting.
func TestFixedTimeout(t *testing.T) {
	s := newShop(t, Options{RequestTimeout: 50 * time.Millisecond, QuoteLatency: time.Minute, QuotePatience: time.Minute})
	start := time.Now()
	w := serve(t, s.Router(), "GET", "/fixed/shipping/quote?zip=10115", "")
	if took := time.Since(start); took > 10*time.Second || w.Code != http.StatusOK {
		t.Errorf("%d after %v, want 200 soon after the 50ms deadline", w.Code, took)
	}
}

func TestLeakPage(t *testing.T) {
	s := newShop(t, Options{})
	w := serve(t, s.Router(), "GET", "/debug/leaks?format=json", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /debug/leaks: %d %s", w.Code, w.Body)
	}
	v := decode[struct {
		Goroutines int `json:"goroutines"`
		Threshold  int `json:"threshold"`
	}](t, w)
	if v.Goroutines < 1 || v.Threshold != 100 {
		t.Errorf("leak page %+v", v)
	}
}

func TestPprofToken(t *testing.T) {
	for _, bad := range []string{"has space", "s3cret-t0ken", "\u00a0"} { // space, 12 bytes, a lone NBSP
		if _, err := New(Options{PprofToken: bad}); err == nil {
			t.Fatalf("New accepted the token %q", bad)
		}
	}
	const token = "s3cret-t0ken-0123456789"
	s := newShop(t, Options{PprofToken: token})
	for _, path := range []string{"/debug/pprof/heap", "/debug/pprof/goroutine?debug=1", "/debug/leaks"} {
		for _, tt := range []struct {
			auth string
			code int
		}{{"", 401}, {"Bearer wrong", 401}, {"Bearer " + token, 200}} {
			req := newRequest("GET", path, "")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			w := newRecorder()
			s.Router().ServeHTTP(w, req)
			if w.Code != tt.code {
				t.Errorf("GET %s with %q: %d, want %d", path, tt.auth, w.Code, tt.code)
			}
		}
	}
	// The shop itself needs no token.
	if w := serve(t, s.Router(), "GET", "/fixed/products/p-1001", ""); w.Code != http.StatusOK {
		t.Errorf("GET /fixed/products/p-1001: %d", w.Code)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
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

// TestPprofMounted checks that the profiles the soak reads are served by the
// router itself, over a real loopback server.
func TestPprofMounted(t *testing.T) {
	s := newShop(t, Options{})
	srv := httptest.NewServer(s.Router())
	t.Cleanup(srv.Close)
	client := srv.Client()
	t.Cleanup(client.CloseIdleConnections)

	tests := []struct {
		path string
		want []byte // a prefix of the body
	}{
		{"/debug/pprof/", []byte("<html>")},
		{"/debug/pprof/heap?gc=1", []byte{0x1f, 0x8b}}, // gzipped protobuf
		{"/debug/pprof/goroutine", []byte{0x1f, 0x8b}},
		{"/debug/pprof/goroutine?debug=1", []byte("goroutine profile: total ")},
		{"/debug/pprof/allocs?debug=1", []byte("heap profile: ")},
		{"/debug/pprof/cmdline", nil},
		{"/debug/pprof/symbol", []byte("num_symbols: ")},
	}
	for _, tt := range tests {
		resp, err := client.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("GET %s: read body: %v", tt.path, err)
		}
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, tt.want) {
			t.Errorf("GET %s: %d %q…, want 200 starting %q", tt.path, resp.StatusCode, body[:min(len(body), 40)], tt.want)
		}
	}
	if w := serve(t, s.Router(), "GET", "/debug/pprof/nosuchprofile", ""); w.Code != http.StatusNotFound {
		t.Errorf("unknown profile: %d, want 404", w.Code)
	}
}

// TestCasesTable checks the table tools rely on: every file exists and
// declares its functions, and every route answers as the table says.
func TestCasesTable(t *testing.T) {
	done := make(chan struct{})
	s := newShop(t, Options{Done: done})
	defer close(done) // releases the goroutine /leaky/checkout parks
	h := s.Router()

	names := map[string]bool{}
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			if names[c.Name] {
				t.Errorf("duplicate case name")
			}
			names[c.Name] = true
			if c.Title == "" || c.Seed == "" || c.Method == "" || c.Note == "" {
				t.Errorf("incomplete case: %+v", c)
			}
			if !strings.HasPrefix(c.LeakyPath, "/leaky/") || !strings.HasPrefix(c.FixedPath, "/fixed/") {
				t.Errorf("paths %q, %q: want /leaky/… and /fixed/…", c.LeakyPath, c.FixedPath)
			}
			if (c.Body == "") != (c.ContentType == "") {
				t.Errorf("Body and ContentType go together")
			}
			src, err := os.ReadFile(c.File)
			if err != nil {
				t.Fatalf("case file: %v", err)
			}
			if c.Behavioural {
				if c.Signal != "" || c.LeakyFunc != "" || c.LeakyStatus == 0 || c.FixedStatus == 0 {
					t.Errorf("behavioural case wants statuses and no signal: %+v", c)
				}
			} else {
				if c.Signal != SignalHeap && c.Signal != SignalGoroutines {
					t.Errorf("signal %q", c.Signal)
				}
				decl := regexp.MustCompile(`(?m)^func (\(s \*Shop\) )?` + regexp.QuoteMeta(c.LeakyFunc) + `\(`)
				if c.LeakyFunc == "" || !decl.Match(src) {
					t.Errorf("%s does not declare LeakyFunc %q", c.File, c.LeakyFunc)
				}
			}

			for _, route := range []struct {
				path string
				want int
			}{{c.LeakyPath, c.LeakyStatus}, {c.FixedPath, c.FixedStatus}} {
				path := strings.NewReplacer("{{seq}}", "1", "{{uuid}}", "6f1c2a4e-0d7b-4c55-9a53-1f6f3b0e2d11").Replace(route.path)
				w := serve(t, h, c.Method, path, c.Body)
				if route.want == 0 && (w.Code < 200 || w.Code > 299) || route.want != 0 && w.Code != route.want {
					t.Errorf("%s %s: %d %s, want %v", c.Method, path, w.Code, w.Body, max(route.want, 200))
				}
			}
		})
	}
}
