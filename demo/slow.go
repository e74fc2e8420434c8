package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ginleak/ginleak/soak/slowclient"
)

// The slow-clients check: one leakyshop serving the same router on
// guard.NewServer (ReadHeaderTimeout 5 s) and, with -bare-addr, on a bare
// http.Server with no timeout (the way r.Run() serves). Slow clients on
// both run alongside the cases' soaks, so the check adds no time of its
// own unless the cases ran for less than slowHold.
const (
	slowConns = 50
	// slowHold is the hold limit: above guard's 5 s, so guard has closed
	// them by then and the bare server has not.
	slowHold = 6 * time.Second
)

// SlowRow is the outcome of the slow-clients check.
type SlowRow struct {
	Bare, Guarded slowclient.Result
	// Caught: the bare server held the slow clients (a finding). FixedOK:
	// guard.NewServer closed them all, no finding.
	Caught, FixedOK bool
	Why             string
	// Static is where ginleak vet's servertimeout rule reported the bare
	// server ("" when it did not).
	Static string
}

type slowCheck struct {
	child         *child
	bare, guarded *slowclient.Pool
	started       time.Time
}

func startSlowCheck(ctx context.Context, bin string) (*slowCheck, error) {
	c, err := start(ctx, bin, "-bare-addr", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if c.bareURL == "" {
		c.stop()
		return nil, fmt.Errorf("leakyshop -bare-addr printed no bare server line")
	}
	s := &slowCheck{child: c, started: time.Now()}
	opts := []slowclient.Option{slowclient.WithHoldLimit(slowHold), slowclient.WithPath("/healthz")}
	if s.bare, err = slowclient.Start(ctx, strings.TrimPrefix(c.bareURL, "http://"), slowConns, opts...); err == nil {
		s.guarded, err = slowclient.Start(ctx, strings.TrimPrefix(c.url, "http://"), slowConns, opts...)
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// finish waits until the clients have been held for slowHold (and a
// little more), then stops them and judges.
func (s *slowCheck) finish(ctx context.Context) (*SlowRow, error) {
	if wait := slowHold + 500*time.Millisecond - time.Since(s.started); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	row := &SlowRow{Bare: s.bare.Stop(), Guarded: s.guarded.Stop()}
	s.stop()
	var why []string
	row.Caught = row.Bare.Finding() != ""
	if !row.Caught {
		why = append(why, fmt.Sprintf("the bare server held %d of %d slow clients for %.0f s", row.Bare.Held, row.Bare.Opened, row.Bare.HoldLimitS))
	}
	g := row.Guarded
	row.FixedOK = g.Finding() == "" && !g.TooShort && g.Opened > 0 && g.ClosedByTarget == g.Opened
	if !row.FixedOK {
		why = append(why, fmt.Sprintf("guard.NewServer closed %d of %d slow clients", g.ClosedByTarget, g.Opened))
	}
	row.Why = strings.Join(why, "; ")
	return row, nil
}

// stop closes the clients and stops leakyshop; safe to call twice.
func (s *slowCheck) stop() {
	if s.bare != nil {
		s.bare.Stop()
	}
	if s.guarded != nil {
		s.guarded.Stop()
	}
	s.child.stop()
}
