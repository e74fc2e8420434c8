package shop

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const checkoutBody = `{"email":"ada@example.com","items":[{"product_id":"p-1001","quantity":2}]}`

// Case 1, ctxescape.

func TestCtxEscapeLeakyParksGoroutines(t *testing.T) {
	const n = 40
	done := make(chan struct{})
	s := newShop(t, Options{Done: done})
	const fn = "(*Shop).leakyCheckout.func1"
	base := goroutinesIn(fn, "")

	for i := range n {
		if w := serve(t, s.Router(), "POST", "/leaky/checkout", checkoutBody); w.Code != http.StatusCreated {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
	}
	// Every request parked a goroutine that is still there well after the
	// responses were sent.
	time.Sleep(100 * time.Millisecond)
	if got := goroutinesIn(fn, "") - base; got < n*8/10 {
		t.Fatalf("%d parked goroutines after %d requests, want at least %d", got, n, n*8/10)
	}
	if s.MailsSent() != 0 {
		t.Errorf("%d mails sent through a hung relay", s.MailsSent())
	}

	close(done)
	if !waitFor(5*time.Second, func() bool { return goroutinesIn(fn, "") <= base }) {
		t.Errorf("%d goroutines still parked after Done was closed", goroutinesIn(fn, "")-base)
	}
	if !waitFor(5*time.Second, func() bool { return s.MailsSent() == n }) {
		t.Errorf("%d mails sent once released, want %d", s.MailsSent(), n)
	}
}

func TestCtxEscapeFixedLeavesNoGoroutine(t *testing.T) {
	tests := []struct {
		name      string
		relay     time.Duration
		wantMails int64
	}{
		{"hung relay: gives up after 50ms", 0, 0}, // the default: ten minutes
		{"fast relay: delivers", time.Millisecond, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			const n = 20
			s := mustNew(t, Options{RelayLatency: tt.relay})
			defer s.Close()
			for i := range n {
				if w := serve(t, s.Router(), "POST", "/fixed/checkout", checkoutBody); w.Code != http.StatusCreated {
					t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
				}
			}
			// guard.Go's goroutines end within NotifyTimeout (50 ms).
			if !waitFor(5*time.Second, func() bool {
				return s.Async().InFlight() == 0 && goroutinesIn("(*Shop).sendConfirmation", "") == 0
			}) {
				t.Fatalf("notifier goroutines still running after 5s")
			}
			if r := s.Async().Rejected(); r != 0 {
				t.Errorf("guard.Go refused %d confirmations", r)
			}
			if got := s.MailsSent(); got != tt.wantMails {
				t.Errorf("%d mails sent, want %d", got, tt.wantMails)
			}
		})
	}
}

func TestCheckoutAnswersAlike(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	s := newShop(t, Options{Done: done})
	tests := []struct {
		body string
		code int
	}{
		{checkoutBody, http.StatusCreated},
		{`{"email":"ada@example.com","items":[]}`, http.StatusUnprocessableEntity},
		{`{"email":"ada@example.com","items":[{"product_id":"p-0000","quantity":1}]}`, http.StatusUnprocessableEntity},
		{`{"email":"ada@example.com","items":[{"product_id":"p-1001","quantity":0}]}`, http.StatusBadRequest},
		{`{"items":[{"product_id":"p-1001","quantity":1}]}`, http.StatusBadRequest},
		{`{`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		for _, path := range []string{"/leaky/checkout", "/fixed/checkout"} {
			w := serve(t, s.Router(), "POST", path, tt.body)
			if w.Code != tt.code {
				t.Errorf("POST %s %s: %d %s, want %d", path, tt.body, w.Code, w.Body, tt.code)
				continue
			}
			if w.Code == http.StatusCreated {
				o := decode[Order](t, w)
				if o.TotalCents != 2*990 || !strings.HasPrefix(o.ID, "o-") {
					t.Errorf("POST %s: order %+v", path, o)
				}
			}
		}
	}
}

// Case 2, globalcache.

func viewCacheLen() int {
	viewCacheMu.Lock()
	defer viewCacheMu.Unlock()
	return len(viewCache)
}

func TestGlobalCacheLeakyGrowsPerSession(t *testing.T) {
	s := newShop(t, Options{})
	const n = 300
	prefix := fmt.Sprintf("%s-%d-", t.Name(), time.Now().UnixNano()) // fresh keys: the map outlives tests
	before := viewCacheLen()
	for i := range n {
		w := serve(t, s.Router(), "GET", fmt.Sprintf("/leaky/products/p-1002?session=%s%d", prefix, i), "")
		if w.Code != http.StatusOK || w.Header().Get("X-Cache") != "miss" {
			t.Fatalf("request %d: %d X-Cache %q", i, w.Code, w.Header().Get("X-Cache"))
		}
	}
	if got := viewCacheLen() - before; got != n {
		t.Errorf("cache grew by %d entries for %d sessions, want %d", got, n, n)
	}
	// A returning session is a hit and adds nothing.
	w := serve(t, s.Router(), "GET", "/leaky/products/p-1002?session="+prefix+"0", "")
	if w.Header().Get("X-Cache") != "hit" || viewCacheLen()-before != n {
		t.Errorf("returning session: X-Cache %q, growth %d", w.Header().Get("X-Cache"), viewCacheLen()-before)
	}
}

func TestGlobalCacheFixedStaysBounded(t *testing.T) {
	s := newShop(t, Options{})
	const n = 5000
	for i := range n {
		w := serve(t, s.Router(), "GET", fmt.Sprintf("/fixed/products/p-1003?session=s%d", i), "")
		if w.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	// otter evicts in its maintenance, shortly after the writes.
	if !waitFor(5*time.Second, func() bool { got := s.views.Len(); return got > 0 && got <= DefaultViewCacheSize }) {
		t.Errorf("cache holds %d entries after %d sessions, want 1…%d", s.views.Len(), n, DefaultViewCacheSize)
	}
	// Recent sessions are hits.
	if w := serve(t, s.Router(), "GET", "/fixed/products/p-1003?session=s4999", ""); w.Header().Get("X-Cache") != "hit" {
		t.Errorf("latest session: X-Cache %q, want hit", w.Header().Get("X-Cache"))
	}
}

func TestProductViewSameForBoth(t *testing.T) {
	s := newShop(t, Options{})
	session := fmt.Sprintf("same-%d", time.Now().UnixNano())
	leaky := serve(t, s.Router(), "GET", "/leaky/products/p-1004?session="+session, "")
	fixed := serve(t, s.Router(), "GET", "/fixed/products/p-1004?session="+session, "")
	if leaky.Code != http.StatusOK || leaky.Body.String() != fixed.Body.String() {
		t.Fatalf("leaky %d %q\nfixed %d %q", leaky.Code, leaky.Body, fixed.Code, fixed.Body)
	}
	v := decode[ProductView](t, leaky)
	if v.Product.ID != "p-1004" || v.Session != session || len(v.Related) != 5 {
		t.Errorf("view %+v", v)
	}
	// Each entry must be big enough for a short soak to see it clearly.
	if leaky.Body.Len() < 1024 {
		t.Errorf("view is %d bytes, want at least 1 KiB", leaky.Body.Len())
	}
	for _, path := range []string{"/leaky/products/nope", "/fixed/products/nope"} {
		if w := serve(t, s.Router(), "GET", path, ""); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
}

// Case 3, chanleak.

func TestChanLeakLeakyBlocksSenders(t *testing.T) {
	s := newShop(t, Options{})
	const n = 30
	base := goroutinesIn(leakyQuoteSender, "chan send")
	for i := range n {
		w := serve(t, s.Router(), "GET", "/leaky/shipping/quote?zip=10115&weight_g=1200", "")
		if w.Code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
	}
	// The carrier answers after 20 ms; from then on the senders are
	// blocked for good.
	if !waitFor(5*time.Second, func() bool { return goroutinesIn(leakyQuoteSender, "chan send")-base >= n*8/10 }) {
		t.Fatalf("%d senders blocked after %d requests, want at least %d", goroutinesIn(leakyQuoteSender, "chan send")-base, n, n*8/10)
	}
	time.Sleep(100 * time.Millisecond)
	if got := goroutinesIn(leakyQuoteSender, "chan send") - base; got < n*8/10 {
		t.Errorf("%d senders still blocked 100ms later, want at least %d", got, n*8/10)
	}
}

func TestChanLeakFixedLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := mustNew(t, Options{})
	defer s.Close()
	for i := range 30 {
		w := serve(t, s.Router(), "GET", "/fixed/shipping/quote?zip=10115&weight_g=1200", "")
		if w.Code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
	}
}

func TestShippingQuote(t *testing.T) {
	// A patient handler gets the carrier's price; an impatient one the
	// flat rate. Bad input is refused the same way by both routes.
	tests := []struct {
		name          string
		opts          Options
		query         string
		code          int
		wantEstimated bool
	}{
		{"patient", Options{QuoteLatency: time.Millisecond, QuotePatience: 10 * time.Second}, "zip=10115&weight_g=1200", 200, false},
		{"impatient", Options{QuoteLatency: 10 * time.Second, QuotePatience: time.Millisecond}, "zip=10115", 200, true},
		{"bad zip", Options{}, "zip=1011", 400, false},
		{"letters", Options{}, "zip=1011x", 400, false},
		{"bad weight", Options{}, "zip=10115&weight_g=0", 400, false},
		{"too heavy", Options{}, "zip=10115&weight_g=40000", 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShop(t, tt.opts)
			// Only the fixed route: the leaky one would park a sender per
			// impatient request.
			w := serve(t, s.Router(), "GET", "/fixed/shipping/quote?"+tt.query, "")
			if w.Code != tt.code {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tt.code)
			}
			if tt.code != 200 {
				return
			}
			q := decode[ShippingQuote](t, w)
			if q.Estimated != tt.wantEstimated || q.Cents <= 0 || q.Zip != "10115" {
				t.Errorf("quote %+v, want estimated %v", q, tt.wantEstimated)
			}
		})
	}
	if !waitFor(5*time.Second, func() bool { return goroutinesIn("(*Shop).fixedShippingQuote.func1", "") == 0 }) {
		t.Errorf("quote workers still running")
	}
}

// Case 4, history.

func TestHistory(t *testing.T) {
	const n = 200
	tests := []struct {
		prefix   string
		wantKept int
	}{
		{"/leaky", n},
		{"/fixed", DefaultHistorySize},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			s := newShop(t, Options{})
			for i := range n {
				req := fmt.Sprintf("%s/history/products/p-10%02d?i=%d", tt.prefix, 1+i%24, i)
				r := serve(t, s.Router(), "GET", req, "")
				if r.Code != http.StatusOK {
					t.Fatalf("GET %s: %d", req, r.Code)
				}
			}
			// Looking at the history does not add to it.
			serve(t, s.Router(), "GET", tt.prefix+"/history", "")
			v := decode[HistoryView](t, serve(t, s.Router(), "GET", tt.prefix+"/history", ""))
			if v.Seen != n || v.Kept != tt.wantKept {
				t.Errorf("seen %d kept %d, want %d and %d", v.Seen, v.Kept, n, tt.wantKept)
			}
			if len(v.Recent) != historyShown || v.Recent[historyShown-1].Query != fmt.Sprintf("i=%d", n-1) || v.Recent[0].Query != fmt.Sprintf("i=%d", n-historyShown) {
				t.Errorf("recent records, oldest first: %+v", v.Recent)
			}
		})
	}
}

func TestHistoryDropsCredentials(t *testing.T) {
	for _, prefix := range []string{"/leaky", "/fixed"} {
		s := newShop(t, Options{})
		req := newRequest("GET", prefix+"/history/products/p-1001", "")
		req.Header.Set("Authorization", "Bearer secret")
		req.Header.Set("Cookie", "session=secret")
		req.Header.Set("X-Api-Key", "secret")
		req.Header.Set("Accept-Language", "de")
		s.Router().ServeHTTP(newRecorder(), req)
		w := serve(t, s.Router(), "GET", prefix+"/history", "")
		if strings.Contains(w.Body.String(), "secret") || !strings.Contains(w.Body.String(), `"Accept-Language":["de"]`) {
			t.Errorf("%s/history: %s", prefix, w.Body)
		}
	}
}

func TestHistoryConcurrent(t *testing.T) {
	// Under -race: both middlewares are safe for concurrent requests.
	s := newShop(t, Options{})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				for _, p := range []string{"/leaky", "/fixed"} {
					s.Router().ServeHTTP(newRecorder(), newRequest("GET", fmt.Sprintf("%s/history/products/p-1001?w=%d&i=%d", p, w, i), ""))
				}
			}
		})
	}
	wg.Wait()
	for p, want := range map[string]int{"/leaky": workers * each, "/fixed": DefaultHistorySize} {
		v := decode[HistoryView](t, serve(t, s.Router(), "GET", p+"/history", ""))
		if v.Seen != workers*each || v.Kept != want {
			t.Errorf("%s: seen %d kept %d, want %d and %d", p, v.Seen, v.Kept, workers*each, want)
		}
	}
}

// Case 5, bodyrestore.

func TestBodyRestore(t *testing.T) {
	const body = `{"items":[{"product_id":"p-1001","quantity":1},{"product_id":"p-1002","quantity":3}]}`
	tests := []struct {
		name      string
		opts      Options
		path      string
		body      string
		code      int
		wantBytes int
		wantItems int
	}{
		{"leaky: handler gets nothing", Options{}, "/leaky/orders", body, http.StatusBadRequest, 0, 0},
		{"fixed: handler gets the body", Options{}, "/fixed/orders", body, http.StatusOK, len(body), 2},
		{"fixed: no items", Options{}, "/fixed/orders", `{"items":[]}`, http.StatusUnprocessableEntity, 0, 0},
		{"fixed: bad JSON", Options{}, "/fixed/orders", `{"items":`, http.StatusBadRequest, 0, 0},
		{"fixed: empty body", Options{}, "/fixed/orders", "", http.StatusBadRequest, 0, 0},
		{"fixed: body over the limit", Options{MaxOrderBytes: 32}, "/fixed/orders", body, http.StatusRequestEntityTooLarge, 0, 0},
		{"fixed: body over the group's limit", Options{MaxBodyBytes: 32}, "/fixed/orders", body, http.StatusRequestEntityTooLarge, 0, 0},
		{"leaky: even an empty body", Options{}, "/leaky/orders", "", http.StatusBadRequest, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShop(t, tt.opts)
			w := serve(t, s.Router(), "POST", tt.path, tt.body)
			if w.Code != tt.code {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tt.code)
			}
			if tt.code != http.StatusOK && !strings.HasPrefix(tt.path, "/leaky/") {
				return // a plain ErrorResponse
			}
			got := decode[OrderReceipt](t, w)
			if got.ReceivedBytes != tt.wantBytes || got.Items != tt.wantItems {
				t.Errorf("receipt %+v, want %d bytes and %d items", got, tt.wantBytes, tt.wantItems)
			}
		})
	}
}
