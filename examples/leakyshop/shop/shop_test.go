package shop

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
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
		req := httptest.NewRequest("GET", "/healthz", nil)
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
