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

// napper naps after an epoch of spinning measured the pace, keeps
// napping while epochs of naps are as fast and collect napMinBatch
// answers per nap, and backs off (1, 2, 4… epochs of spinning) when
// they do not; a nap that collected half the requests in flight ends its
// epoch's naps.
func TestNapper(t *testing.T) {
	const ms = time.Millisecond
	slow := time.Duration(float64(10*ms) * (napSlower + 0.01))
	type epoch struct {
		length time.Duration
		ready  int  // what each nap of the epoch collects (64 in flight)
		naps   bool // whether the epoch is expected to nap
	}
	tests := []struct {
		name    string
		epochs  []epoch
		backoff int // expected at the end
	}{
		{"naps that cost nothing go on", []epoch{{10 * ms, 0, false}, {10 * ms, 4, true}, {10 * ms, 4, true}}, 0},
		{"naps that cost throughput stop", []epoch{{10 * ms, 0, false}, {slow, 4, true}}, 1},
		{"naps are tried again", []epoch{{10 * ms, 0, false}, {slow, 4, true}, {10 * ms, 0, false}, {10 * ms, 4, true}}, 0},
		{"backoff doubles", []epoch{{10 * ms, 0, false}, {slow, 4, true}, {10 * ms, 0, false}, {slow, 4, true}, {10 * ms, 0, false}, {10 * ms, 0, false}, {10 * ms, 4, true}}, 0},
		{"backoff doubles until a success", []epoch{{10 * ms, 0, false}, {slow, 4, true}, {10 * ms, 0, false}, {slow, 4, true}, {10 * ms, 0, false}}, 2},
		{"naps that collect less than napMinBatch stop", []epoch{{10 * ms, 0, false}, {10 * ms, napMinBatch - 1, true}, {10 * ms, 0, false}}, 1},
		{"naps that collect napMinBatch go on", []epoch{{10 * ms, 0, false}, {10 * ms, napMinBatch, true}, {10 * ms, napMinBatch, true}}, 0},
		{"a nap that collects half ends the epoch's naps", []epoch{{10 * ms, 0, false}, {10 * ms, 33, true}, {10 * ms, 4, true}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p napper
			answers, now := 0, time.Duration(0)
			p.restart(answers, now)
			for i, e := range tt.epochs {
				if got := p.want(64); got != e.naps {
					t.Fatalf("epoch %d: want(64) = %v, expected %v", i, got, e.naps)
				}
				if e.naps {
					p.napped(e.ready, 64)
					if p.want(64) != (2*e.ready <= 64) {
						t.Fatalf("epoch %d: a nap collecting %d of 64 did not decide the rest of the epoch", i, e.ready)
					}
				}
				answers += napEpoch
				now += e.length
				if !p.due(answers) {
					t.Fatalf("epoch %d: not due after %d answers", i, napEpoch)
				}
				p.endEpoch(answers, now)
			}
			if p.backoff != tt.backoff {
				t.Errorf("backoff = %d, expected %d", p.backoff, tt.backoff)
			}
		})
	}

	// Few requests in flight: no nap even while napping.
	p := napper{napping: true, left: napTrust}
	if p.want(napMinActive - 1) {
		t.Error("napped with fewer than napMinActive requests in flight")
	}
	// After napTrust epochs of naps, one epoch of spinning measures the
	// pace again.
	p = napper{}
	p.restart(0, 0)
	n, now := 0, time.Duration(0)
	for i := range napTrust + 2 {
		n += napEpoch
		now += ms
		p.endEpoch(n, now)
		if want := i != napTrust; p.napping != want {
			t.Fatalf("after epoch %d: napping = %v, expected %v", i, p.napping, want)
		}
	}
	// A new segment keeps the mode but starts a new epoch.
	p = napper{napping: true, left: 3, mark: 10, began: time.Second}
	p.restart(500, 0)
	if !p.napping || p.left != 3 || p.mark != 500 || p.began != 0 || p.due(500+napEpoch-1) {
		t.Errorf("after restart: %+v", p)
	}
}

// Loops that nap before every poll that would wait still answer and
// count every request, across segments.
func TestLoopNapsWithoutLosingAnswers(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	e := newEngine(t, Config{Targets: get(s.URL), Concurrency: 32})
	if e.loops == nil {
		t.Fatal("the closed model did not run on event loops")
	}
	for _, g := range e.loops.groups {
		g.nap.force = true
	}
	const n = 3000
	for seg := range 2 {
		res, err := e.Run(context.Background(), Segment{Requests: n})
		if err != nil || res.Errors > 0 || res.Requests != n {
			t.Fatalf("segment %d: %v, %d requests, %d errors", seg, err, res.Requests, res.Errors)
		}
		if got := res.StatusCodes[200]; got != n {
			t.Errorf("segment %d: %d answers with status 200, expected %d", seg, got, n)
		}
	}
	naps := 0
	for _, g := range e.loops.groups {
		naps += g.nap.naps
	}
	if naps == 0 {
		t.Error("no loop napped")
	}
}

// Epochs of naps that keep costing throughput make the loop spin for
// longer and longer, up to napBackoff epochs.
func TestNapperBackoffIsBounded(t *testing.T) {
	var p napper
	p.restart(0, 0)
	n, now := 0, time.Duration(0)
	for range 200 {
		n += napEpoch
		if p.napping {
			now += 2 * time.Millisecond
		} else {
			now += time.Millisecond
		}
		p.endEpoch(n, now)
		if p.backoff > napBackoff {
			t.Fatalf("backoff %d beyond napBackoff %d", p.backoff, napBackoff)
		}
	}
	if p.backoff != napBackoff {
		t.Errorf("backoff = %d after failed epochs of naps, expected it to reach %d", p.backoff, napBackoff)
	}
}

// A loop spins while its spins find answers; spinTrust spins that find
// none stop it, and then it tries one spin every spinProbe waits, which
// starts it again when that one finds an answer.
func TestSpinner(t *testing.T) {
	s := spinner{score: spinTrust}
	for i := range spinTrust {
		if !s.want() {
			t.Fatalf("stopped spinning after %d spins without an answer", i)
		}
		s.spun(false)
	}
	for i := range spinProbe - 1 {
		if s.want() {
			t.Fatalf("spun %d waits after spinTrust spins found nothing", i)
		}
	}
	if !s.want() {
		t.Fatal("no probe spin after spinProbe waits")
	}
	s.spun(true)
	if !s.want() {
		t.Error("a probe spin that found an answer did not start the spinning again")
	}
	// Mostly answers: the odd empty spin does not stop it.
	s = spinner{score: spinTrust}
	for i := range 100 {
		if !s.want() {
			t.Fatalf("stopped spinning at spin %d, when 9 in 10 find an answer", i)
		}
		s.spun(i%10 != 0)
	}
}
