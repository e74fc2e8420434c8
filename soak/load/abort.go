package load

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Abort makes the engine behave like clients that give up: a browser tab
// closed mid-request, a proxy with a short timeout. A chosen request is
// abandoned at a random moment after it was sent by closing its
// connection, so the target sees its client leave while the handler may
// still be working; the pool then dials a replacement within the
// connection limit.
//
// Which requests are abandoned, and when, depends only on Seed and the
// request's number, so a run with the same seed and request count
// abandons the same requests at the same offsets. A request whose answer
// has been read before its moment is not abandoned: a client that gives up
// after 5 ms does not abandon a request answered in 1 ms.
type Abort struct {
	// Rate is the fraction of requests to abandon, 0 (none) to 1 (all).
	Rate float64
	// After bounds the moment: a chosen request is abandoned uniformly at
	// random in [0, After) after it was sent (default MinAbortAfter).
	After time.Duration
	// Seed chooses the requests and their moments; 0 picks a random seed
	// below 2^53, which Engine.Abort reports so the run can be repeated.
	Seed uint64
}

// MinAbortAfter is Abort.After when it is zero: the smallest window that
// still lets most chosen requests reach the target before their client
// leaves.
const MinAbortAfter = time.Millisecond

// maxAbortAfter bounds Abort.After: a client that waits longer than this is
// not giving up, it is a slow request, and --timeout already covers it.
const maxAbortAfter = time.Hour

// validate checks a and fills in its defaults.
func (a Abort) validate() (Abort, error) {
	if math.IsNaN(a.Rate) || a.Rate < 0 || a.Rate > 1 {
		return a, fmt.Errorf("abort rate %v: want a fraction from 0 to 1", a.Rate)
	}
	if a.After < 0 || a.After > maxAbortAfter {
		return a, fmt.Errorf("abort-after %v: want a duration from 0 to %v", a.After, maxAbortAfter)
	}
	if a.Rate == 0 {
		return Abort{}, nil
	}
	if a.After == 0 {
		a.After = MinAbortAfter
	}
	if a.Seed == 0 {
		// Below 2^53, so that the seed survives a JSON report read by
		// tools that hold numbers as doubles.
		a.Seed = 1 + rand.Uint64N(1<<53-1)
	}
	return a, nil
}

// Abort returns the abort settings in use, with the seed that was picked
// when none was given. Rate is 0 when the engine abandons no request.
func (e *Engine) Abort() Abort { return e.abort }

// SetAbort changes the abort settings for the following segments, e.g.
// after a warm-up has measured the target's latency. It fails while a
// segment is running.
func (e *Engine) SetAbort(a Abort) error {
	a, err := a.validate()
	if err != nil {
		return err
	}
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("load: SetAbort called while a segment is running")
	}
	e.abort = a
	e.running.Store(false)
	return nil
}

// abortAt reports whether request seq is to be abandoned and, if so, how
// long after it was sent. It is a pure function of the seed and seq so
// that the choice does not depend on which worker sends the request.
func (a *Abort) abortAt(seq int64) (time.Duration, bool) {
	if a.Rate == 0 {
		return 0, false
	}
	h := splitmix64(a.Seed + uint64(seq)*0x9e3779b97f4a7c15)
	if unit(h) >= a.Rate {
		return 0, false
	}
	return time.Duration(unit(splitmix64(h)) * float64(a.After)), true
}

// unit maps h to [0, 1) with 53 bits of precision.
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// splitmix64 is the finaliser of SplitMix64: a cheap bijective mix whose
// output bits all depend on every input bit, enough to make consecutive
// request numbers independent draws.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
