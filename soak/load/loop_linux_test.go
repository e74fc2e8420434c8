package load

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// A loop stops spinning before it sleeps once its sleeps show that the
// target answers rarely: the spin would be CPU spent for nothing.
func TestLoopStopsSpinningForSlowTarget(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(3 * spinUseful)
		w.Write([]byte("ok"))
	})
	e := newEngine(t, Config{Targets: get(s.URL), Concurrency: 1})
	if e.loops == nil {
		t.Fatal("the closed model did not run on event loops")
	}
	res, err := e.Run(context.Background(), Segment{Requests: 5})
	if err != nil || res.Errors > 0 || res.Requests != 5 {
		t.Fatalf("run: %v, %d requests, %d errors", err, res.Requests, res.Errors)
	}
	used := 0
	for _, g := range e.loops.groups {
		if len(g.slots) == 0 {
			continue
		}
		used++
		if !g.idle {
			t.Errorf("a loop still spins after sleeping %v per answer", 3*spinUseful)
		}
	}
	if used == 0 {
		t.Fatal("no loop carried the worker")
	}
}
