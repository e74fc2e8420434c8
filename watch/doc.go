// Package watch finds the leaking instances of a fleet from the time series
// its Prometheus already holds: `ginleak watch`.
//
// It asks soak's question — does memory or do goroutines grow per request,
// steadily, beyond a floor? — of every instance a selector matches at once,
// with the same statistics (package soak/stats: Theil–Sen slope and
// interval, Mann–Kendall test, effect-size floor, steadiness of the two
// halves), on the series Prometheus scraped instead of load that ginleak
// drives.
//
// Queries (Prometheus' HTTP API through client_golang's api/prometheus/v1;
// Thanos Query, Mimir and VictoriaMetrics answer the same API): one range
// query per signal for the whole selector, each grouped by (job, instance),
// so the cost does not grow with one query per instance:
//
//   - heap: max of go_gc_heap_live_bytes (runtime/metrics' live heap) or,
//     for the instances without it, go_memstats_heap_inuse_bytes;
//   - goroutines: go_goroutines; open files: process_open_fds; RSS:
//     process_resident_memory_bytes (reported, not deciding: the runtime
//     returns memory to the system lazily);
//   - restarts: process_start_time_seconds;
//   - x: the request counter summed per instance
//     (ginleak_http_request_duration_seconds_count, guard.Monitor's, else
//     http_requests_total; WithRequestsMetric). Without one, growth is per
//     hour.
//
// A restart — the counter going down or the start time changing — splits an
// instance's samples into segments; the verdict uses the longest and says
// so, leaving out the first tenth of a segment that starts at a restart (the
// new process warming up). Steps without a sample (failed scrapes, stale
// series) are skipped, never interpolated; x is the counter's increase, so a
// gap does not distort it. Long series are reduced to at most WithPoints
// points, medians of consecutive runs, before the statistics.
//
// An instance leaks when its heap, goroutines or open files leak; it is
// inconclusive when none leaks and one could not be decided. A heap leak is
// projected to the memory limit (WithMemoryLimit, or the container's
// container_spec_memory_limit_bytes joined on namespace and pod).
//
// Unless AllowRemote, the Prometheus must be on a loopback address: the
// dialer refuses any other (soak/load.LoopbackOnly).
package watch
