// Package fault is a TCP proxy for chaos drills: it stands between a service
// and one of its dependencies and makes the dependency slow, flaky or gone,
// so that a soak can show whether the service piles up goroutines and
// connections when a dependency misbehaves (chapter 5 of the seed document:
// "inject network delay, take a dependency down").
//
// Faults, each chosen per connection with a seeded random source so a drill
// can be repeated:
//
//   - Latency (± Jitter): every chunk the upstream sends back is held for
//     that long before it is forwarded — a slow dependency.
//   - Reset: the fraction of connections closed with a TCP reset as soon as
//     they are accepted.
//   - Blackhole: the fraction of connections accepted and then ignored: what
//     the client sends is read and dropped, nothing comes back, until the
//     client gives up (or the proxy closes).
//   - Down: for For out of every Every (the end of each period), the
//     dependency is gone: new connections are reset and open ones are cut.
//
// Like soak, the proxy listens and dials only loopback addresses unless
// AllowRemote is set. It is bounded: Close (or the end of the context given
// to Start) closes the listener and every connection and waits for all of
// its goroutines.
package fault
