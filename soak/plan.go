package soak

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/ginleak/ginleak/soak/load"
)

// Bounds of a soak's plan. Combinations that cannot satisfy them are
// refused before any traffic, with the reason.
const (
	// MinRequests is the fewest requests between the first checkpoint
	// after warm-up and the last one for any verdict but inconclusive:
	// below it, heap noise of a few kilobytes reads as hundreds of bytes
	// per request. Runs that must end below it are refused up front;
	// runs that end below it (a slow target, Ctrl-C) are inconclusive.
	MinRequests = 500
	// MaxCheckpoints bounds Checkpoints (the trend test is quadratic in
	// them).
	MaxCheckpoints = 1000
	// MinSegment is the least load between two checkpoints of a run
	// bounded by Duration: each checkpoint pauses the load, drains it and
	// reads the target, which takes about DefaultSettle and more.
	MinSegment = 200 * time.Millisecond
	// MinSegmentRequests is the fewest requests between two checkpoints
	// of a run bounded by Requests.
	MinSegmentRequests = 10
	// DefaultDrain bounds the wait for in-flight requests at each
	// checkpoint (and at most Timeout); requests still running then are
	// cancelled and counted as timeouts.
	DefaultDrain = time.Second
	// MaxPlannedDuration bounds the length of a run, given or implied by
	// Requests at Rate.
	MaxPlannedDuration = 7 * 24 * time.Hour
	// RequestsOnlyBound is the time bound of a closed-model run bounded
	// only by Requests (whose length cannot be known in advance), before
	// Grace.
	RequestsOnlyBound = 30 * time.Minute
)

// Grace is how long a run may go on past its planned length d (Duration,
// or Requests/Rate) for checkpoints, drains and a target slower than the
// rate: 10 s plus a quarter of d. When the time bound d + Grace(d) is
// reached, the run stops as if interrupted and reports what it measured.
func Grace(d time.Duration) time.Duration { return 10*time.Second + d/4 }

// plan is a validated Config with defaults applied.
type plan struct {
	Config
	pprofURL string
	// bound is the run's time bound (0: none), from its start.
	bound time.Duration
}

// rate is the open-model rate in effect; 0 in the closed model.
func (c Config) rate() float64 {
	switch {
	case c.Concurrency > 0:
		return 0
	case c.Rate == 0:
		return load.DefaultRate
	}
	return c.Rate
}

// checkNumbers refuses numbers that cannot configure a run: negative,
// NaN or infinite.
func (c Config) checkNumbers() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"rate", c.Rate}, {"heap floor", c.HeapFloor}, {"goroutine floor", c.GoroutineFloor}, {"warm-up fraction", c.WarmupFraction}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("%s %v: want a finite number, at least 0 (0 for the default)", f.name, f.v)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"duration", c.Duration}, {"warm-up", c.Warmup}, {"timeout", c.Timeout}, {"drain", c.Drain}} {
		if d.v < 0 {
			return fmt.Errorf("%s %v: want a positive duration (0 for the default)", d.name, d.v)
		}
	}
	for _, n := range []struct {
		name string
		v    int64
	}{{"requests", c.Requests}, {"warm-up requests", c.WarmupRequests}, {"checkpoints", int64(c.Checkpoints)},
		{"concurrency", int64(c.Concurrency)}, {"connections", int64(c.Connections)}} {
		if n.v < 0 {
			return fmt.Errorf("%s %d: want a positive number (0 for the default)", n.name, n.v)
		}
	}
	return nil
}

func (c Config) plan(ctx context.Context) (*plan, error) {
	p := &plan{Config: c}
	if len(c.Targets) == 0 {
		return nil, errors.New("no targets")
	}
	for i, t := range c.Targets {
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("target %d (%s): %w", i+1, t, err)
		}
	}
	if err := c.checkNumbers(); err != nil {
		return nil, err
	}
	if p.Duration == 0 && p.Requests == 0 {
		p.Duration = DefaultDuration
	}
	if p.Checkpoints == 0 {
		p.Checkpoints = DefaultCheckpoints
	}
	if p.Checkpoints < MinCheckpoints {
		return nil, fmt.Errorf("%d checkpoints: need at least %d after warm-up for a trend test", p.Checkpoints, MinCheckpoints)
	}
	if p.Checkpoints > MaxCheckpoints {
		return nil, fmt.Errorf("%d checkpoints: at most %d (more add time, not evidence)", p.Checkpoints, MaxCheckpoints)
	}
	if p.WarmupFraction == 0 {
		p.WarmupFraction = DefaultWarmupFraction
	}
	if !(p.WarmupFraction > 0 && p.WarmupFraction <= 0.9) {
		return nil, fmt.Errorf("warm-up fraction %v: want a value in (0, 0.9]", p.WarmupFraction)
	}
	if p.Warmup == 0 && p.WarmupRequests == 0 {
		p.Warmup = time.Duration(float64(p.Duration) * p.WarmupFraction)
		p.WarmupRequests = int64(math.Ceil(float64(p.Requests) * p.WarmupFraction))
	}
	if p.Duration > 0 && p.Warmup >= p.Duration {
		return nil, fmt.Errorf("warm-up %v is not shorter than the run (%v)", p.Warmup, p.Duration)
	}
	if err := p.checkFeasible(); err != nil {
		return nil, err
	}
	switch {
	case p.Settle == 0:
		p.Settle = DefaultSettle
	case p.Settle < 0:
		p.Settle = 0
	}
	if p.Drain == 0 {
		p.Drain = DefaultDrain
	}
	if p.Timeout > 0 && p.Timeout < p.Drain {
		p.Drain = p.Timeout // a request times out before the drain ends anyway
	}
	if p.HeapFloor == 0 {
		p.HeapFloor = DefaultHeapFloor
	}
	if p.GoroutineFloor == 0 {
		p.GoroutineFloor = DefaultGoroutineFloor
	}

	first, err := c.Targets[0].ParsedURL()
	if err != nil {
		return nil, fmt.Errorf("target 1: %w", err)
	}
	p.pprofURL = strings.TrimRight(c.PprofURL, "/")
	if p.pprofURL == "" {
		p.pprofURL = first.Scheme + "://" + first.Host + "/debug/pprof"
	}
	for _, raw := range []string{p.pprofURL, p.MetricsURL} {
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%q is not an http(s) URL", raw)
		}
	}
	if !c.AllowRemote {
		// Validate made sure that no placeholder can change a target's
		// host; the transports check every address they dial as well.
		for _, t := range c.Targets {
			u, err := t.ParsedURL()
			if err != nil {
				return nil, err
			}
			if err := checkHost(ctx, "target", t.URL, u.Hostname()); err != nil {
				return nil, err
			}
		}
		for _, chk := range []struct{ what, raw string }{{"pprof", p.pprofURL}, {"metrics", p.MetricsURL}} {
			if chk.raw == "" {
				continue
			}
			if err := checkLoopback(ctx, chk.what, chk.raw); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// checkFeasible refuses runs that cannot end, cannot end in time, or can
// only end inconclusive, and sets the time bound.
func (p *plan) checkFeasible() error {
	rate := p.rate()
	planned := p.Duration
	if p.Requests > 0 {
		measured := p.Requests - p.WarmupRequests
		if p.WarmupRequests >= p.Requests {
			return fmt.Errorf("warm-up of %d requests is not shorter than the run (%d)", p.WarmupRequests, p.Requests)
		}
		if measured < MinRequests {
			return fmt.Errorf("%d requests after warm-up are too few for a verdict: it needs at least %s (give at least %s requests; a few thousand make a trend readable)",
				measured, groupInt(MinRequests), groupInt(p.WarmupRequests+MinRequests))
		}
		if per := measured / int64(p.Checkpoints); per < MinSegmentRequests {
			return fmt.Errorf("%d requests after warm-up over %d checkpoints leave %d between checkpoints: need at least %d (use at most %d checkpoints or more requests)",
				measured, p.Checkpoints, per, MinSegmentRequests, measured/MinSegmentRequests)
		}
	}
	if rate > 0 && p.Requests > 0 {
		need := time.Duration(float64(p.Requests) / rate * float64(time.Second))
		if float64(p.Requests)/rate > MaxPlannedDuration.Seconds() {
			return fmt.Errorf("%s requests at %s req/s would take %s: raise the rate, or give a duration", groupInt(p.Requests), num(rate), long(float64(p.Requests)/rate))
		}
		if p.Duration > 0 && need > p.Duration {
			return fmt.Errorf("at %s req/s, %v sends at most %s requests, fewer than the %s asked for: raise the rate or the duration, or give only one of the two bounds",
				num(rate), p.Duration, groupInt(int64(rate*p.Duration.Seconds())), groupInt(p.Requests))
		}
		if p.Duration == 0 {
			// A target slower than the rate falls behind: allow twice.
			planned = 2 * need
		}
	}
	if p.Duration > MaxPlannedDuration {
		return fmt.Errorf("duration %v: at most %v", p.Duration, MaxPlannedDuration)
	}
	if p.Duration > 0 {
		load := p.Duration - p.Warmup
		if seg := load / time.Duration(p.Checkpoints); seg < MinSegment {
			return fmt.Errorf("%d checkpoints over %v of load after warm-up leave %v between checkpoints: each needs at least %v of load (use at most %d checkpoints or a longer duration)",
				p.Checkpoints, load, seg, MinSegment, max(int64(load/MinSegment), 0))
		}
		if rate > 0 {
			if n := rate * load.Seconds(); n < MinRequests {
				return fmt.Errorf("at %s req/s, %v of load after warm-up sends about %s requests: a verdict needs at least %s (raise the rate or the duration)",
					num(rate), load, groupInt(int64(n)), groupInt(MinRequests))
			}
		}
	}
	if planned == 0 {
		planned = RequestsOnlyBound // closed model, requests only
	}
	p.bound = planned + Grace(planned)
	return nil
}

// long formats seconds that may be years.
func long(s float64) string {
	const year = 365.25 * 24 * 3600
	if s >= year {
		return fmt.Sprintf("%s years", groupInt(int64(s/year)))
	}
	return (time.Duration(s) * time.Second).String()
}
