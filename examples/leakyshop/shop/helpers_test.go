package shop

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/goleak"
)

// The senders parked by /leaky/shipping/quote cannot be released (see
// Options.Done); everything else must be gone when the tests end.
const leakyQuoteSender = "github.com/ginleak/ginleak/examples/leakyshop/shop.(*Shop).leakyShippingQuote.func1"

// Nor can the report workers /leaky/report leaves behind a client that
// gave up.
const leakyReportSender = "github.com/ginleak/ginleak/examples/leakyshop/shop.(*Shop).leakyReport.func1"

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(leakyQuoteSender), goleak.IgnoreAnyFunction(leakyReportSender))
	os.Exit(0) // not reached: VerifyTestMain exits
}

// newShop returns a shop closed when the test ends.
func newShop(t *testing.T, opts Options) *Shop {
	t.Helper()
	s := mustNew(t, opts)
	t.Cleanup(s.Close)
	return s
}

// mustNew returns a new shop; the caller closes it.
func mustNew(t *testing.T, opts Options) *Shop {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// serve sends one request straight to h, without a network. Like
// net/http's server, it cancels the request's context once the handler
// returns.
func serve(t *testing.T, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := newRequest(method, target, body)
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req.WithContext(ctx))
	return w
}

func newRequest(method, target, body string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// decode decodes w's JSON body into a new T.
func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, w.Body.String(), err)
	}
	return v
}

// goroutinesIn counts the live goroutines with fn (a function name, no
// import path needed) among their frames; with state != "" only those
// whose wait state starts with it, e.g. "chan send".
func goroutinesIn(fn, state string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		header, _, _ := bytes.Cut(g, []byte("\n"))
		if state != "" && !bytes.Contains(header, []byte("["+state)) {
			continue
		}
		if bytes.Contains(g, []byte(fn+"(")) {
			count++
		}
	}
	return count
}

// waitFor polls cond every 10 ms until it holds or limit passes; it
// reports whether it held.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
