package load

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency holds latency quantiles in milliseconds.
type Latency struct {
	P50, P90, P99, Max float64
}

// Result sums a segment, or all segments so far (Engine.Total).
type Result struct {
	// Requests counts the requests that completed: answered or failed.
	Requests int64
	// Errors counts non-2xx answers and transport errors.
	Errors int64
	// Behind counts open-model sends that started more than
	// BehindThreshold after their intended time.
	Behind int64
	// Canceled counts requests aborted because the caller's context was
	// cancelled; they are not in Requests.
	Canceled int64
	// Drained counts requests cancelled when the drain timeout expired at
	// the end of a segment. They are in Requests and Errors, as timeouts.
	Drained int64
	// Aborted counts requests the engine abandoned on purpose (Config.Abort)
	// by closing their connection before the answer was read. They are
	// not in Requests nor Errors, and their latency is not recorded.
	Aborted int64
	// StatusCodes counts answers per status code, 2xx included.
	StatusCodes map[int]int64
	// ErrorReasons counts transport errors by a short reason.
	ErrorReasons map[string]int64
	// Elapsed is the time spent sending, drain included.
	Elapsed time.Duration
	// Latency holds quantiles of Histogram.
	Latency Latency
	// Histogram holds the latencies in microseconds.
	Histogram *hdrhistogram.Snapshot
}

// RequestRate is Requests per second of Elapsed.
func (r Result) RequestRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Snapshot is a cheap live view of an Engine's cumulative counters.
type Snapshot struct {
	// Elapsed is the cumulative sending time, the current segment included.
	Elapsed  time.Duration
	Requests int64
	Errors   int64
	Behind   int64
	Aborted  int64
	// InFlight is the number of requests currently running.
	InFlight int64
	// Running reports whether a segment is running.
	Running bool
}

func copyMap[K comparable](m map[K]int64) map[K]int64 {
	c := make(map[K]int64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Quantiles returns p50/p90/p99/max in milliseconds of a latency
// histogram recorded in microseconds (as Result.Histogram is).
func Quantiles(s *hdrhistogram.Snapshot) Latency {
	if s == nil {
		return Latency{}
	}
	return quantiles(hdrhistogram.Import(s))
}

func quantiles(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Latency{
		P50: ms(h.ValueAtQuantile(50)),
		P90: ms(h.ValueAtQuantile(90)),
		P99: ms(h.ValueAtQuantile(99)),
		Max: ms(h.Max()),
	}
}
