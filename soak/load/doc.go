// Package load is ginleak's HTTP load engine. It is built so that the load
// itself never looks like a leak in the target:
//
//   - a fixed pool of connections: never more than Config.Connections
//     connections per host and never more requests in flight;
//   - an open model (Config.Rate requests per second) whose latency is
//     measured from each request's intended send time, so a slow target is
//     not hidden by coordinated omission; sends that fall behind schedule
//     are counted (Result.Behind) instead of opening more connections;
//   - a closed model (Config.Concurrency workers, each sending as soon as
//     its previous answer arrived) when asked;
//   - loopback only: unless Config.AllowRemote, a connection to an address
//     that is not on this machine is refused when it is dialed, before
//     anything is sent;
//   - clients that give up (Config.Abort): a seeded fraction of requests is
//     abandoned mid-request by closing its connection, counted apart
//     (Result.Aborted), and the pool replaces the closed connections
//     without ever exceeding Config.Connections;
//   - segments: Engine.Run sends a bounded segment, stops, lets in-flight
//     requests drain and returns, so a caller can inspect the target
//     between segments while no request is running.
//
// Latencies go into an HDR histogram (github.com/HdrHistogram/hdrhistogram-go).
//
// # Two clients
//
// The engine runs on the machine whose service it measures, so every
// microsecond of CPU it spends per request is taken from the target. Plain
// http targets are sent by a lean HTTP/1.1 client of its own (lean.go):
// each worker owns one connection per target address; a target's request
// is rendered to bytes once, with only the {{seq}} and {{uuid}} spans
// written per request; the answer is parsed as its bytes arrive by a
// parser that allocates nothing (response.go): the status line and the
// headers that frame the body, then Content-Length, chunked and
// until-close bodies drained, bounded. No goroutine, timer, context or
// allocation per request. Redirects are answers, never followed; a
// kept-alive connection the server closed is found before use (after a
// pause) or, for idempotent requests, retried once, as net/http does. A
// request carries the Host header, its body's Content-Length and the
// target's own headers: no User-Agent unless the target sets one.
//
// The closed model runs on event loops on Linux (loop_linux.go): one
// goroutine per GOMAXPROCS owns its share of the workers' connections as
// raw non-blocking descriptors in its own epoll set, writes each request
// and reads its answer when epoll says it arrived, and keeps the
// timeouts and abort moments itself; an eventfd interrupts it when a
// segment is cancelled. A request then costs one write and one read
// system call and a share of an epoll_wait, and no goroutine parks or
// wakes for it: that took the generator's CPU per request from 1.20× to
// 1.00× wrk's at 64 connections in bench/load.sh (2026-12-03, 9.1 µs). Elsewhere,
// and for the open model (whose pace a scheduler sets), each worker sends
// from its own goroutine on net.Conn, writing the request from inside the
// read that waits for its answer (one write and one read system call per
// request; the poller parks the goroutine).
//
// On bench/load.sh's machine the target's core is saturated (99%) under
// every generator, ours, wrk and bombardier alike, so throughput there is
// set by the target's work per request, and a generator changes that
// work. The largest share it controls is the wake-up: a generator that
// sleeps between answers is woken by the target's write, and the target's
// core pays for it. An event loop therefore never sleeps in epoll_wait
// while a busy target answers (loopwait_linux.go): with several requests
// in flight it naps on a timer and takes the answers that arrived in one
// poll, for as long as its measurements show that naps cost the target
// no throughput; otherwise it polls for about 10 µs before it sleeps
// while such polls find answers, unless its last sleep showed a target
// that answers rarely. It sleeps parked in Go's poller, on a second
// epoll set that holds its own only while it sleeps, not in a blocking
// system call, whose hand-off of the thread's P cost about 10 µs per
// sleep against a target that is not saturated. Against
// minigin the target's work fell from about 20.5 to 17 µs per request,
// and napping took the generator's own from about 16.5 to 13 µs at 64
// connections. An answer that arrives during a nap is read when the nap
// ends, and its latency includes the wait; while the target is
// saturated the closed model's mean latency stays the same (the target
// holds fewer requests meanwhile), and when it is not, the slower pace
// ends the naps. Its reads and writes are raw system calls (the
// descriptors never block, so the scheduler need not hear of them),
// except in race builds, where syscall's wrappers tell the race detector
// what the I/O orders.
//
// https targets (and every target when Config.NetHTTP is set) go through
// net/http's Transport instead (stdsender.go): TLS, HTTP/2 by ALPN, and
// anything the lean client does not speak.
//
// Why our own client and not github.com/valyala/fasthttp's HostClient:
// measured side by side against bench/cmd/minigin on pinned cores
// (2026-12-03), fasthttp's HostClient.Do took 13.2 and 11.6 µs of CPU per
// request at 16 and 64 connections, a minimal client over net.Conn 12.2
// and 13.4 µs, all with 0 allocations: no difference beyond the machine's
// noise. fasthttp would have brought three modules and three behaviours
// to undo: Do retries idempotent requests up to 5 times on any error
// (hiding the target's failures and sending requests the count does not
// show), bodies are read whole into memory rather than drained, and a
// caller cannot abandon a request in flight (Config.Abort). Our client
// then dropped the wasted read system call that every net.Conn-based Go
// client (fasthttp's too) makes per request. net/http's Transport cost
// 16–26 µs and 14 allocations per request in the same runs.
package load
