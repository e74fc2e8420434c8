//go:build linux

package load

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// How an event loop waits for answers. A loop that sleeps in epoll_wait
// between answers must be woken by the next one, and the wake-up is paid
// on the target's core: the target's write wakes the loop's thread
// across cores (on a virtual machine, a virtual CPU that halted). Two
// ways keep a busy target from paying it, tried in this order:
//
//   - Napping: with several requests in flight, the loop sleeps a short
//     while on a timer, not in epoll_wait, and then takes every answer
//     that arrived meanwhile in one poll. No answer wakes it, the target
//     still holds most of the requests, and the loop pays one sleep per
//     batch of answers instead of a spin per answer. An answer that
//     arrives during a nap waits for the loop, which costs the target
//     nothing when it is saturated (it works on the requests it holds)
//     but slows down one that is not; so napper measures it (below) and
//     naps only while it costs no throughput. Against minigin on pinned
//     cores at 64 connections the generator's CPU per request fell from
//     about 16.5 to 13 µs here, at the same req/s (bench/README.md).
//   - Spinning: polling for about spinFor before sleeping keeps the loop
//     awake between the answers of a busy target. Against minigin that
//     took the target's work from about 20.5 to 17 µs per request, at
//     about 1.5 µs more of the generator's. A spin that ends without an
//     answer is CPU spent for nothing, as with a target whose answers
//     come tens of µs apart (a service waiting on its database), so the
//     loop spins while its spins find answers (spinner). A target that
//     answers rarely gains nothing from either, so a loop whose last
//     sleep was longer than spinUseful neither spins nor naps.
const (
	spinFor    = 10 * time.Microsecond
	spinUseful = time.Millisecond
	// spinTrust bounds spinner's score: after that many spins that found
	// an answer, as many that found none stop the spinning.
	spinTrust = 8
	// spinProbe: a loop that stopped spinning tries one spin every
	// spinProbe waits.
	spinProbe = 16

	// napFor is the nap asked for: the kernel's timer slack (50 µs by
	// default) and the wake-up make the real one longer, 40–90 µs on
	// bench/load.sh's machine, which is why napper judges naps by what
	// they do, not by their length.
	napFor = 20 * time.Microsecond
	// napMinActive: with fewer requests in flight a loop does not nap.
	napMinActive = 4
	// napEpoch is how many answers napper measures at a time, napSlower
	// how much longer they may take napping than spinning (noise: the
	// target's GC, other processes), napTrust how many epochs of naps
	// pass before the spinning's pace is measured again, and napBackoff
	// the most epochs a loop spins after naps that cost throughput.
	napEpoch   = 1024
	napSlower  = 1.03
	napTrust   = 16
	napBackoff = 64
	// napMinBatch is the fewest answers a nap must collect on average in
	// an epoch: a nap per answer saves the generator nothing over
	// sleeping in epoll_wait, and where answers are that sparse the
	// target's core has time for the wake-ups, while each nap delays an
	// answer (by up to 3% of the pace unnoticed, napSlower).
	napMinBatch = 2
)

// napper decides when an event loop naps. Epochs of napEpoch answers
// either spin or nap; naps go on while an epoch of naps is no slower
// than the last epoch of spinning (napSlower) and its naps collected
// napMinBatch answers or more on average. One that fails makes the loop
// spin for 1, 2, 4, … up to napBackoff epochs before it tries
// again. Within an epoch, a nap that collected half the requests in
// flight ends its naps: the target would soon run out of work (a nap
// can last far longer than asked when the machine is busy).
type napper struct {
	napping bool          // this epoch naps
	left    int           // epochs left in this mode
	backoff int           // epochs of spinning after the last failed epoch of naps
	spin    time.Duration // length of the last epoch of spinning; 0 before one
	mark    int           // answers when this epoch began
	began   time.Duration // when this epoch began, on the loop's clock
	held    bool          // a nap of this epoch collected too much: spin for the rest of it
	napsIn  int           // naps in this epoch
	caught  int           // answers they collected

	naps  int  // naps taken
	force bool // tests: nap whenever a request is in flight
}

// restart begins a new epoch at answers and now, in the same mode: the
// loop's clock restarts with each segment, and the pause between
// segments is no one's pace.
func (p *napper) restart(answers int, now time.Duration) {
	if p.left == 0 && !p.napping {
		p.left = 1 // the first epoch measures the spinning's pace
	}
	p.begin(answers, now)
}

// begin starts an epoch at answers and now.
func (p *napper) begin(answers int, now time.Duration) {
	p.mark, p.began, p.held, p.napsIn, p.caught = answers, now, false, 0, 0
}

// due reports whether the epoch ended with answers counted so far.
func (p *napper) due(answers int) bool { return answers-p.mark >= napEpoch }

// endEpoch closes the epoch at answers and now and picks the next one's
// mode.
func (p *napper) endEpoch(answers int, now time.Duration) {
	d := now - p.began
	p.left--
	switch {
	case !p.napping:
		p.spin = d
		if p.left <= 0 {
			p.napping, p.left = true, napTrust
		}
	case p.spin <= 0 || float64(d) > float64(p.spin)*napSlower || p.caught < napMinBatch*p.napsIn:
		p.backoff = min(max(1, 2*p.backoff), napBackoff)
		p.napping, p.left = false, p.backoff
	default:
		p.backoff = 0
		if p.left <= 0 {
			p.napping, p.left = false, 1
		}
	}
	p.begin(answers, now)
}

// want reports whether to nap now, with active requests in flight.
func (p *napper) want(active int) bool {
	if p.force {
		return active > 0
	}
	return p.napping && !p.held && active >= napMinActive
}

// napped takes what a nap collected: ready answers, with active requests
// in flight.
func (p *napper) napped(ready, active int) {
	p.naps++
	p.napsIn++
	p.caught += ready
	if !p.force && 2*ready > active {
		p.held = true
	}
}

// spinner decides when an event loop spins: while its score, up one for
// each spin that found an answer and down one for each that did not
// (within 0 and spinTrust), is positive, and once every spinProbe waits
// otherwise.
type spinner struct {
	score   int
	skipped int // waits without a spin since the score fell to 0
}

// want reports whether to spin now.
func (s *spinner) want() bool {
	if s.score > 0 {
		return true
	}
	if s.skipped++; s.skipped >= spinProbe {
		s.skipped = 0
		return true
	}
	return false
}

// spun takes whether a spin found an answer.
func (s *spinner) spun(found bool) {
	if found {
		s.score = min(s.score+1, spinTrust)
	} else {
		s.score = max(s.score-1, 0)
	}
}

// wait returns the number of events ready, waiting for the first until
// the earliest deadline. Polls that do not wait come first: when events
// are ready, as they mostly are under load, they cost no switch of the
// goroutine's thread in and out of the scheduler.
func (g *loopGroup) wait() (int, error) {
	if n := g.poll(); n > 0 {
		return n, nil
	}
	if g.nap.due(g.answers) {
		g.nap.endEpoch(g.answers, time.Since(g.start))
	}
	if !g.idle {
		if g.nap.want(g.active) {
			ts := syscall.NsecToTimespec(int64(napFor))
			syscall.Nanosleep(&ts, nil) // EINTR only shortens the nap
			n := g.poll()
			g.nap.napped(n, g.active)
			if n > 0 {
				return n, nil
			}
		}
		if g.spin.want() {
			spun := time.Now()
			for i := 1; ; i++ {
				if n := g.poll(); n > 0 {
					g.spin.spun(true)
					return n, nil
				}
				if i%4 == 0 && time.Since(spun) >= spinFor {
					break
				}
			}
			g.spin.spun(false)
		}
	}
	// Sleep until an event or the earliest deadline, parked in Go's
	// poller: a thread blocked in epoll_wait would make the scheduler hand
	// its P to another thread and take it back, which cost about 10 µs
	// per sleep, more than the request (bench/README.md).
	//
	// The deadline is the earliest one in flight, which changes rarely
	// (nextDue is a lower bound that expire raises), so it is set only
	// when it changed: setting it moves a runtime timer.
	slept := time.Now()
	var deadline time.Time
	if g.nextDue < time.Duration(1<<63-1) {
		deadline = g.start.Add(g.nextDue)
	}
	if !deadline.Equal(g.deadline) {
		if err := g.sleepf.SetReadDeadline(deadline); err != nil {
			return 0, fmt.Errorf("load: epoll: %w", err)
		}
		g.deadline = deadline
	}
	in := syscall.EpollEvent{Events: syscall.EPOLLIN}
	if err := syscall.EpollCtl(g.sleepEp, syscall.EPOLL_CTL_ADD, g.ep, &in); err != nil {
		return 0, fmt.Errorf("load: epoll: %w", err)
	}
	err := g.sleepc.Read(g.readyFn)
	if err := syscall.EpollCtl(g.sleepEp, syscall.EPOLL_CTL_DEL, g.ep, nil); err != nil {
		return 0, fmt.Errorf("load: epoll: %w", err)
	}
	n, errno := g.pollN, g.pollErrno
	g.idle = time.Since(slept) > spinUseful
	switch {
	case errno != 0 && errno != syscall.EINTR:
		return 0, fmt.Errorf("load: epoll_wait: %w", errno)
	case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
		return 0, fmt.Errorf("load: epoll: %w", err)
	}
	return n, nil
}

// pollReady is what the sleep hands to sleepc.Read, as readyFn (a
// method value or closure made per sleep would allocate): it polls the
// loop's epoll set, and reports whether the loop has events or an error,
// or is to park until the sleeping set is readable.
func (g *loopGroup) pollReady(uintptr) bool {
	g.pollN, g.pollErrno = epollPoll(g.ep, g.events)
	return g.pollN > 0 || (g.pollErrno != 0 && g.pollErrno != syscall.EINTR)
}

// poll returns the number of events ready without waiting; an error
// (EINTR) counts as none, and the sleep that follows reports what
// persists.
func (g *loopGroup) poll() int {
	n, errno := epollPoll(g.ep, g.events)
	if errno != 0 {
		return 0
	}
	return n
}

// epollPoll is epoll_wait without waiting: a raw system call, which the
// scheduler need not hear of since it does not block.
func epollPoll(ep int, events []syscall.EpollEvent) (int, syscall.Errno) {
	r, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	return int(r), errno
}
