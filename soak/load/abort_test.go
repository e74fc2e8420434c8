package load

import (
	"context"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAbortInvalid(t *testing.T) {
	for _, tt := range []struct {
		name  string
		abort Abort
		want  string
	}{
		{"negative rate", Abort{Rate: -0.1}, "abort rate"},
		{"rate above 1", Abort{Rate: 1.5}, "abort rate"},
		{"NaN rate", Abort{Rate: math.NaN()}, "abort rate"},
		{"negative after", Abort{Rate: 0.5, After: -time.Second}, "abort-after"},
		{"after above an hour", Abort{Rate: 0.5, After: 2 * time.Hour}, "abort-after"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Targets: get("http://127.0.0.1/"), Abort: tt.abort})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want containing %q", err, tt.want)
			}
			e := newEngine(t, Config{Targets: get("http://127.0.0.1/")})
			err = e.SetAbort(tt.abort)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("SetAbort error = %v, want containing %q", err, tt.want)
			}
		})
	}
}

func TestAbortDefaults(t *testing.T) {
	e := newEngine(t, Config{Targets: get("http://127.0.0.1/"), Abort: Abort{Rate: 0.25}})
	a := e.Abort()
	if a.Rate != 0.25 || a.After != MinAbortAfter || a.Seed == 0 {
		t.Errorf("Abort() = %+v, want rate 0.25, after %v and the seed picked", a, MinAbortAfter)
	}
	// No abort: nothing is reported, not even a seed.
	e = newEngine(t, Config{Targets: get("http://127.0.0.1/"), Abort: Abort{After: time.Second, Seed: 7}})
	if a := e.Abort(); a != (Abort{}) {
		t.Errorf("Abort() with rate 0 = %+v, want zero", a)
	}
}

// The choice is a fair coin per request: over many request numbers the
// fraction chosen is within binomial margins and the moments fill
// [0, After).
func TestAbortAtDistribution(t *testing.T) {
	for _, rate := range []float64{0.01, 0.3, 0.9} {
		a, err := Abort{Rate: rate, After: 10 * time.Millisecond, Seed: 42}.validate()
		if err != nil {
			t.Fatal(err)
		}
		const n = 100000
		var chosen int
		var lo, hi time.Duration = time.Hour, 0
		for seq := range int64(n) {
			if d, ok := a.abortAt(seq); ok {
				chosen++
				lo, hi = min(lo, d), max(hi, d)
			}
		}
		mean, sd := n*rate, math.Sqrt(n*rate*(1-rate))
		if math.Abs(float64(chosen)-mean) > 5*sd {
			t.Errorf("rate %v: %d of %d chosen, want %.0f ± %.0f", rate, chosen, n, mean, 5*sd)
		}
		if lo < 0 || lo > time.Millisecond || hi >= a.After || hi < 9*time.Millisecond {
			t.Errorf("rate %v: moments in [%v, %v], want spread over [0, %v)", rate, lo, hi, a.After)
		}
	}
}

// countingDial wraps the engine's dialer to count the sockets it holds
// open, measured on the client side where a close is seen at once.
func countingDial(e *Engine) (dials, maxOpen *atomic.Int64) {
	dials, maxOpen = new(atomic.Int64), new(atomic.Int64)
	var open atomic.Int64
	inner := e.dial
	e.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := inner(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		dials.Add(1)
		setMax(maxOpen, open.Add(1))
		return &countedConn{Conn: c, open: &open}, nil
	}
	return dials, maxOpen
}

type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

// NetConn lets the event loop take the socket's descriptor; it closes
// the wrapper when it closes the socket.
func (c *countedConn) NetConn() net.Conn { return c.Conn }

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) }) // before the slot is released
	return c.Conn.Close()
}

// holdUntilGone answers after hold unless the client leaves first; it
// counts the requests whose client left.
func holdUntilGone(hold time.Duration, gone *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(hold)
		defer t.Stop()
		select {
		case <-t.C:
			ok(w, r)
		case <-r.Context().Done():
			gone.Add(1)
		}
	}
}

// Aborted requests are counted apart, near the asked rate, the target
// sees its clients leave, and replacing the closed connections never
// takes the engine above its connection limit.
func TestAbortCountsAndConnectionBound(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		seg  Segment
	}{
		{"closed model", Config{Concurrency: 16}, Segment{Requests: 400}},
		{"open model above capacity", Config{Rate: 4000, Connections: 8}, Segment{Requests: 400}},
		{"closed model on net/http", Config{Concurrency: 16, NetHTTP: true}, Segment{Requests: 400}},
		{"open model on net/http", Config{Rate: 4000, Connections: 8, NetHTTP: true}, Segment{Requests: 400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var gone atomic.Int64
			s := newServer(t, holdUntilGone(60*time.Millisecond, &gone))
			tc.cfg.Targets = get(s.URL + "/x")
			tc.cfg.Abort = Abort{Rate: 0.3, After: 10 * time.Millisecond, Seed: 1}
			e := newEngine(t, tc.cfg)
			dials, maxOpen := countingDial(e)
			res, err := e.Run(context.Background(), tc.seg)
			if err != nil {
				t.Fatal(err)
			}
			const n, p = 400, 0.3
			mean, sd := n*p, math.Sqrt(n*p*(1-p))
			// A request answered before its moment is not aborted (a
			// timer late by 50 ms on a busy machine), hence the wide
			// lower margin.
			if got := float64(res.Aborted); got > mean+5*sd || got < mean-8*sd {
				t.Errorf("aborted = %d, want %.0f ± %.0f", res.Aborted, mean, 5*sd)
			}
			if res.Requests+res.Aborted != n || res.Errors != 0 || res.StatusCodes[200] != res.Requests {
				t.Errorf("result = %+v, want %d requests answered or aborted and no error", res, n)
			}
			if got := e.Total().Aborted; got != res.Aborted {
				t.Errorf("Total().Aborted = %d, want %d", got, res.Aborted)
			}
			limit := int64(e.Connections())
			if got := maxOpen.Load(); got > limit {
				t.Errorf("max open connections = %d, want ≤ %d", got, limit)
			}
			if got := dials.Load(); got <= limit {
				t.Errorf("dials = %d, want > %d: aborted connections are replaced", got, limit)
			}
			// The target's own counts are not bounded: a handler runs on for
			// a moment after its client left (and a leaky one forever).
			// Most aborted requests reached the handler before their client
			// left (a moment near 0 may close the connection first).
			waitFor(t, func() bool { return gone.Load() >= res.Aborted/2 })
			if got := gone.Load(); got > res.Aborted {
				t.Errorf("handlers whose client left = %d, more than the %d aborted", got, res.Aborted)
			}
		})
	}
}

// waitFor polls cond for up to 5 s: the target learns that a client left
// a moment after the engine closed the connection.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Error("condition not met within 5 s")
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// answered runs n requests to /r/{{seq}} on a new engine and returns the
// request numbers the target answered (the ones not aborted) and the
// abort settings used.
func answered(t *testing.T, n int64, abort Abort) ([]int64, Abort, Result) {
	t.Helper()
	var mu sync.Mutex
	var seqs []int64
	var gone atomic.Int64
	hold := holdUntilGone(300*time.Millisecond, &gone)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		hold(w, r)
		if r.Context().Err() == nil {
			seq, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/r/"), 10, 64)
			if err != nil {
				t.Errorf("path %q", r.URL.Path)
			}
			mu.Lock()
			seqs = append(seqs, seq)
			mu.Unlock()
		}
	})
	e := newEngine(t, Config{Targets: get(s.URL + "/r/{{seq}}"), Concurrency: 50, Abort: abort})
	res, err := e.Run(context.Background(), Segment{Requests: n})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(seqs)
	return seqs, e.Abort(), res
}

// The same seed abandons the same requests; the seed picked when none is
// given is reported and repeats the run.
func TestAbortSeedReproducible(t *testing.T) {
	const n = 100
	// After 1 ms against a 300 ms answer: every chosen request is
	// abandoned before its answer, so the answered set is exactly the
	// requests not chosen.
	first, a, res := answered(t, n, Abort{Rate: 0.5, After: time.Millisecond})
	if a.Seed == 0 {
		t.Fatal("no seed reported")
	}
	if res.Aborted+res.Requests != n || int64(len(first)) != res.Requests {
		t.Fatalf("result = %+v with %d answered, want %d requests answered or aborted", res, len(first), n)
	}
	var want []int64
	for seq := range int64(n) {
		if _, chosen := a.abortAt(seq); !chosen {
			want = append(want, seq)
		}
	}
	if !slices.Equal(first, want) {
		t.Errorf("answered %v, want the requests not chosen by seed %d: %v", first, a.Seed, want)
	}
	again, _, _ := answered(t, n, a)
	if !slices.Equal(first, again) {
		t.Errorf("seed %d: answered %v, then %v", a.Seed, first, again)
	}
	other := a
	other.Seed++
	if third, _, _ := answered(t, n, other); slices.Equal(first, third) {
		t.Errorf("seeds %d and %d answered the same requests %v", a.Seed, other.Seed, first)
	}
}

// SetAbort applies from the next segment: a warm-up runs without aborts,
// the measured segments with them; a priming request is never aborted.
func TestSetAbortBetweenSegments(t *testing.T) {
	var gone atomic.Int64
	s := newServer(t, holdUntilGone(100*time.Millisecond, &gone))
	e := newEngine(t, Config{Targets: get(s.URL), Concurrency: 4, Abort: Abort{Rate: 1}})
	res, err := e.Prime(context.Background())
	if err != nil || res.Requests != 4 || res.Aborted != 0 {
		t.Fatalf("prime = %+v, %v; want 4 answered, none aborted", res, err)
	}
	if err := e.SetAbort(Abort{}); err != nil {
		t.Fatal(err)
	}
	res, err = e.Run(context.Background(), Segment{Requests: 8})
	if err != nil || res.Requests != 8 || res.Aborted != 0 {
		t.Fatalf("without abort = %+v, %v; want 8 answered", res, err)
	}
	if err := e.SetAbort(Abort{Rate: 1, After: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	res, err = e.Run(context.Background(), Segment{Requests: 8})
	if err != nil || res.Aborted != 8 || res.Requests != 0 || res.Errors != 0 {
		t.Fatalf("rate 1 = %+v, %v; want 8 aborted and nothing else", res, err)
	}
	if snap := e.Snapshot(); snap.Aborted != 8 || snap.InFlight != 0 {
		t.Errorf("snapshot = %+v, want 8 aborted and none in flight", snap)
	}
}
