package shop

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// serveGone sends one request to h from a client that has already given
// up: its context is done before the handler runs.
func serveGone(h http.Handler, path string) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.ServeHTTP(httptest.NewRecorder(), newRequest("GET", path, "").WithContext(ctx))
}

// A client that waits for its report leaves nothing behind on either
// route: without clients that give up the leaky route does not leak.
func TestClientGonePatientClientsLeaveNothing(t *testing.T) {
	s := newShop(t, Options{ReportLatency: time.Millisecond})
	for _, path := range []string{"/leaky/report", "/fixed/report"} {
		for i := range 20 {
			w := serve(t, s.Router(), "GET", path, "")
			if w.Code != http.StatusOK {
				t.Fatalf("%s request %d: %d %s", path, i, w.Code, w.Body)
			}
			r := decode[CatalogReport](t, w)
			if r.Products != 24 || len(r.Categories) != 2 || r.Categories[0].Category != "home" || r.Categories[0].Products != 12 ||
				r.Categories[0].AvgPriceCents*12 > r.Categories[0].TotalPriceCents {
				t.Fatalf("%s: report %+v, want 24 products in home and kitchen", path, r)
			}
		}
	}
	if !waitFor(5*time.Second, func() bool { return goroutinesIn("(*Shop).leakyReport.func1", "") == 0 }) {
		t.Errorf("%d leaky report workers left after patient clients", goroutinesIn("(*Shop).leakyReport.func1", ""))
	}
}

// Each client that gives up before its report is ready leaves one worker
// blocked on its send for good.
func TestClientGoneLeakyBlocksSenders(t *testing.T) {
	s := newShop(t, Options{ReportLatency: time.Millisecond})
	const n = 20
	base := goroutinesIn(leakyReportSender, "chan send")
	for range n {
		serveGone(s.Router(), "/leaky/report")
	}
	if !waitFor(5*time.Second, func() bool { return goroutinesIn(leakyReportSender, "chan send")-base == n }) {
		t.Fatalf("%d senders blocked after %d clients gave up, want %d", goroutinesIn(leakyReportSender, "chan send")-base, n, n)
	}
}

func TestClientGoneFixedLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := mustNew(t, Options{ReportLatency: time.Hour}) // only the client's leaving ends the query
	defer s.Close()
	for range 20 {
		serveGone(s.Router(), "/fixed/report")
	}
}

// Over a real connection: a client whose timeout is shorter than the query
// closes the connection, the server cancels the request's context, and the
// leaky route's worker is stranded.
func TestClientGoneOverTheNetwork(t *testing.T) {
	s := newShop(t, Options{ReportLatency: 200 * time.Millisecond})
	srv := httptest.NewServer(s.Router())
	defer srv.Close()
	client := &http.Client{Timeout: 20 * time.Millisecond}
	defer client.CloseIdleConnections()
	base := goroutinesIn(leakyReportSender, "chan send")
	const n = 5
	for range n {
		resp, err := client.Get(srv.URL + "/leaky/report")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			t.Fatalf("answered %d before the client's 20 ms timeout; the query takes 200 ms", resp.StatusCode)
		}
	}
	if !waitFor(5*time.Second, func() bool { return goroutinesIn(leakyReportSender, "chan send")-base == n }) {
		t.Errorf("%d senders blocked after %d clients timed out, want %d", goroutinesIn(leakyReportSender, "chan send")-base, n, n)
	}
}
