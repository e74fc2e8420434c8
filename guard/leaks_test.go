package guard

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ginleak/ginleak/soak/profdiff"
)

// parkGoroutines starts n goroutines blocked on release; the returned
// function releases them and waits until they have exited.
func parkGoroutines(n int) (stop func()) {
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
		}()
	}
	return func() { close(release); wg.Wait() }
}

func TestLeakHandler(t *testing.T) {
	stop := parkGoroutines(120)
	defer stop()
	h := LeakHandler()

	var rep leakReport
	var rec *httptest.ResponseRecorder
	waitFor(t, func() bool { // until the goroutines have parked
		rec = serve(h, httptest.NewRequest(http.MethodGet, "/debug/leaks?format=json", nil))
		if ct := rec.Header().Get("Content-Type"); rec.Code != 200 || ct != "application/json" {
			t.Fatalf("status %d, content type %q", rec.Code, ct)
		}
		rep = leakReport{}
		if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		// All of them: on a busy machine some are still runnable for a while.
		return len(rep.Groups) > 0 && rep.Groups[0].State == "chan receive" && rep.Groups[0].Count >= 120
	})
	if rep.Threshold != DefaultLeakThreshold || rep.FlaggedGroups < 1 || len(rep.Groups) == 0 || rep.Goroutines < 120 {
		t.Fatalf("report %+v", rep)
	}
	g := rep.Groups[0]
	if !g.Flagged || g.Count < 120 || g.State != "chan receive" ||
		!strings.HasSuffix(g.CreatedBy.Function, "guard.parkGoroutines") ||
		!strings.HasSuffix(g.BlockedAt.Function, "guard.parkGoroutines.func1") ||
		!strings.HasSuffix(g.CreatedBy.File, "leaks_test.go") || len(g.Stack) == 0 {
		t.Errorf("first group %+v, want the parked goroutines, flagged", g)
	}
	for _, other := range rep.Groups[1:] {
		if other.Flagged {
			t.Errorf("unexpected flagged group %+v", other)
		}
	}

	req := httptest.NewRequest(http.MethodGet, "/debug/leaks", nil)
	req.Header.Set("Accept", "application/json, text/plain;q=0.5")
	if rec := serve(h, req); !json.Valid(rec.Body.Bytes()) {
		t.Error("Accept: application/json did not give JSON")
	}
	rec = serve(h, httptest.NewRequest(http.MethodGet, "/debug/leaks", nil))
	text := rec.Body.String()
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") ||
		!strings.Contains(text, "FLAGGED") || !strings.Contains(text, "guard.parkGoroutines") {
		t.Errorf("text page:\n%s", text)
	}

	// A higher threshold flags nothing.
	rec = serve(LeakHandler(WithLeakThreshold(1_000_000)), httptest.NewRequest(http.MethodGet, "/?format=json", nil))
	rep = leakReport{}
	_ = json.Unmarshal(rec.Body.Bytes(), &rep)
	if rep.FlaggedGroups != 0 {
		t.Errorf("threshold 1e6: %d flagged groups", rep.FlaggedGroups)
	}
}

func TestLeakHandlerOneDumpAtATime(t *testing.T) {
	h := LeakHandler().(*leakHandler)
	h.busy <- struct{}{} // a dump in progress
	rec := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
	<-h.busy
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("status %d, want 429", rec.Code)
	}
}

func TestBuildLeakReportWaits(t *testing.T) {
	site := profdiff.Frame{Function: "shop.handler", File: "/shop/h.go", Line: 9}
	var gs []profdiff.Goroutine
	for i := range 5 {
		gs = append(gs, profdiff.Goroutine{ID: int64(i), State: "chan send", WaitMinutes: i * 10, CreatedBy: site,
			Frames: []profdiff.Frame{{Function: "runtime.gopark"}, {Function: "shop.handler.func1", File: "/shop/h.go", Line: 12}}})
	}
	gs = append(gs, profdiff.Goroutine{ID: 99, State: "select", CreatedBy: site})
	rep := buildLeakReport(gs, 5)
	if len(rep.Groups) != 2 || rep.FlaggedGroups != 1 {
		t.Fatalf("report %+v", rep)
	}
	g := rep.Groups[0]
	if g.Count != 5 || g.MaxWaitMinutes != 40 || !g.Flagged || g.BlockedAt.Function != "shop.handler.func1" {
		t.Errorf("group %+v", g)
	}
	if rep.Groups[1].State != "select" || rep.Groups[1].Flagged {
		t.Errorf("second group %+v", rep.Groups[1])
	}
}
