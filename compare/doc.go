// Package compare puts two soak reports side by side — the before/after table
// of a fix — and gates a release on it.
//
// The table has one row per measurement both reports can carry: throughput,
// latency quantiles, error rate, heap bytes and goroutines per request, and
// the verdict. Each row holds both values, the change in percent and whether
// that change is better or worse (lower is better for latency, higher for
// throughput). A measurement one report lacks is shown as missing, never as
// zero.
//
// A [Gate] is a list of conditions such as "throughput<95%" or
// "verdict=leak"; [Gate.Check] says which rows fail it. A [Baseline] keeps the
// passing runs of each target in a directory so that every release can be
// compared with the best run so far (the seed document's rule: refuse a
// release whose throughput falls below 95% of the best).
//
// The command `ginleak compare` is a thin layer over this package.
package compare
