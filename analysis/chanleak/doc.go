// Package chanleak defines an Analyzer that reports goroutines that can block
// forever on a channel made in the same function.
//
// # Analyzer chanleak
//
// chanleak: report goroutines that can block forever on a channel nobody serves
//
// A goroutine blocked on a channel operation that no other goroutine will
// ever complete is never collected: its stack and everything it references
// stay alive for the life of the process. In a request handler this leaks one
// goroutine per request. The analyzer looks at channels made with make in a
// function and at the goroutines that function starts, and reports:
//
//   - a goroutine that sends on an unbuffered (or too small) channel while
//     the function receives it only in a select with another case that can
//     win, or may return, or finish, before its receive. The fix is to give
//     the channel room for every send, usually make(chan T, 1), so that the
//     send completes even when nobody is listening any more.
//   - a goroutine that ranges over a channel nothing closes, or receives from
//     a channel that nothing sends to or closes on every path.
//   - streaming: a goroutine whose unguarded send feeds a consumer that
//     stops when the client leaves — a receive inside c.Stream(func(w
//     io.Writer) bool {...}), or in a loop that a select case on a
//     context's Done() or a failed write leaves — in the function or in
//     same-package functions the channel is passed to (up to three calls
//     deep). Closing the channel does not help a blocked sender; the fix
//     is to select on the request's context in the sender.
//
// A deferred recover() handler's sends count as exclusive with the
// goroutine body's last send: done <- fn(ctx) and, in the handler,
// done <- panicErr send once, so a buffer of one suffices.
//
// Channels that are closed anywhere in the function (also by defer), that
// escape the function (passed to a call, stored, returned), that are used by
// function literals other than `go func(){...}()` (such as errgroup's
// Group.Go), and sends or receives that select on another case themselves
// (ctx.Done(), a timer, default) are not reported.
package chanleak

// Doc is the analyzer's documentation.
const Doc = `chanleak: report goroutines that can block forever on a channel nobody serves

A goroutine blocked forever on a channel operation is never collected, nor is
anything it references. The analyzer reports, at the channel's make, a
goroutine that sends on an unbuffered channel the function receives only in a
select that can take another case, or only after a return that may skip the
receive (fix: make(chan T, 1)); and a goroutine that ranges over a local
channel nothing closes, or receives from one that nothing sends to or closes
on every path; and a streaming producer whose unguarded send feeds
c.Stream or a loop that returns when the client leaves (ctx.Done(), a
failed write), even if the channel is closed.`
