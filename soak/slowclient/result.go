package slowclient

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Result is what the slow connections saw, ready for the soak report's
// JSON (`slow_clients`).
type Result struct {
	// Opened is how many connections were established; Failed how many
	// could not be (FailReason says why the first one failed).
	Opened     int    `json:"opened"`
	Failed     int    `json:"failed,omitempty"`
	FailReason string `json:"fail_reason,omitempty"`
	// ClosedByTarget is how many the target closed (or answered, which
	// ends the request too) before the end; OpenAtEnd how many were still
	// open when the run ended.
	ClosedByTarget int `json:"closed_by_target"`
	OpenAtEnd      int `json:"open_at_end"`
	// CloseAfterS is after how long, from connecting, the target closed
	// them: median and maximum in seconds; zero when it closed none.
	CloseAfterS Quantiles `json:"close_after_s"`
	// HoldLimitS is the hold limit that applied, in seconds: the one
	// configured (30 s by default), or the run if it was shorter.
	// Held is how many connections the target held at least that long.
	HoldLimitS float64 `json:"hold_limit_s"`
	Held       int     `json:"held"`
	// TooShort is true when the run was shorter than both the hold limit
	// and MinWindow: the target may not have acted yet, so there is no
	// finding either way.
	TooShort bool `json:"too_short,omitempty"`
}

// Quantiles are the median and maximum of durations, in seconds.
type Quantiles struct {
	P50 float64 `json:"p50"`
	Max float64 `json:"max"`
}

// Result returns what the connections saw so far; after Stop, the final
// Result.
func (p *Pool) Result() Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	end := time.Now()
	if p.stopping {
		end = p.stopped
	}
	r := Result{Opened: len(p.conns), Failed: p.failed}
	if p.failErr != nil {
		r.FailReason = unwrapOp(p.failErr).Error()
	}
	held := make([]time.Duration, 0, len(p.conns))
	var closed []time.Duration
	for _, c := range p.conns {
		if c.byTarget {
			closed = append(closed, c.closed)
			held = append(held, c.closed)
			continue
		}
		held = append(held, end.Sub(c.opened))
	}
	r.ClosedByTarget = len(closed)
	r.OpenAtEnd = r.Opened - r.ClosedByTarget
	r.CloseAfterS = quantiles(closed)

	// Every connection was open from p.filled on: the window is the run
	// as the slow clients saw it.
	limit := p.limit
	window := end.Sub(p.filled)
	if p.filled.IsZero() {
		window = 0
	}
	if window < limit {
		limit = window
		r.TooShort = window < min(p.limit, MinWindow)
	}
	r.HoldLimitS = seconds(limit)
	if !r.TooShort {
		for _, h := range held {
			if h >= limit {
				r.Held++
			}
		}
	}
	return r
}

func quantiles(ds []time.Duration) Quantiles {
	if len(ds) == 0 {
		return Quantiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	mid := s[len(s)/2]
	if len(s)%2 == 0 {
		mid = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Quantiles{P50: seconds(mid), Max: seconds(s[len(s)-1])}
}

// seconds rounds to milliseconds: the report needs no more.
func seconds(d time.Duration) float64 {
	return math.Round(d.Seconds()*1000) / 1000
}

// Finding returns the report's line when the target held slow clients
// for the hold limit or longer — it has no ReadHeaderTimeout, or one that
// is too long — and "" otherwise:
//
//	slow clients: 200 of 200 held for 30 s: set http.Server.ReadHeaderTimeout or use guard.NewServer
func (r Result) Finding() string {
	if r.Held == 0 || r.TooShort {
		return ""
	}
	return fmt.Sprintf("slow clients: %d of %d held for %s: set http.Server.ReadHeaderTimeout or use guard.NewServer",
		r.Held, r.Opened, formatSeconds(r.HoldLimitS))
}

// formatSeconds prints whole seconds as "30 s" and shorter holds with
// their fraction ("0.5 s").
func formatSeconds(s float64) string {
	if s >= 10 || s == math.Trunc(s) {
		return fmt.Sprintf("%.0f s", math.Floor(s))
	}
	return fmt.Sprintf("%.1f s", s)
}
