package guard

import (
	"context"
	"sync"
	"time"
)

// deadlineCtx is a context.Context with a deadline, for Timeout. Unlike
// context.WithDeadline it creates its done channel, its timer and its
// registration with the parent only when Done is first called (by a
// select, a database driver, an HTTP client, a derived context), so that
// a request whose handlers never wait on it costs one allocation. Err
// checks the clock and the parent itself, so it is right without the timer.
type deadlineCtx struct {
	parent   context.Context
	deadline time.Time

	mu         sync.Mutex
	err        error         // set once
	done       chan struct{} // nil until Done is called
	timer      *time.Timer
	stopParent func() bool
	funcs      []*afterFunc
}

// afterFunc is a function registered with deadlineCtx.AfterFunc.
type afterFunc struct {
	f       func()
	settled bool // run or stopped
}

func (d *deadlineCtx) Deadline() (time.Time, bool) { return d.deadline, true }

func (d *deadlineCtx) Value(key any) any { return d.parent.Value(key) }

func (d *deadlineCtx) String() string { return "guard.Timeout deadline context" }

func (d *deadlineCtx) Err() error {
	d.mu.Lock()
	err := d.err
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if perr := d.parent.Err(); perr != nil {
		d.finish(perr)
	} else if !time.Now().Before(d.deadline) {
		d.finish(context.DeadlineExceeded)
	} else {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

func (d *deadlineCtx) Done() <-chan struct{} {
	d.mu.Lock()
	if d.done != nil {
		ch := d.done
		d.mu.Unlock()
		return ch
	}
	ch := make(chan struct{})
	d.done = ch
	if d.err != nil {
		close(ch)
		d.mu.Unlock()
		return ch
	}
	d.mu.Unlock()

	if perr := d.parent.Err(); perr != nil {
		d.finish(perr)
		return ch
	}
	wait := time.Until(d.deadline)
	if wait <= 0 {
		d.finish(context.DeadlineExceeded)
		return ch
	}
	t := time.AfterFunc(wait, func() { d.finish(context.DeadlineExceeded) })
	stop := context.AfterFunc(d.parent, func() { d.finish(d.parent.Err()) })
	d.mu.Lock()
	if d.err != nil { // finished while arming
		d.mu.Unlock()
		t.Stop()
		stop()
		return ch
	}
	d.timer, d.stopParent = t, stop
	d.mu.Unlock()
	return ch
}

// AfterFunc arranges for f to run once d is done (at once, in its own
// goroutine, if it is already) and returns a function that cancels that.
// The context package uses it for contexts derived from d, which then need
// no goroutine to watch d.
func (d *deadlineCtx) AfterFunc(f func()) (stop func() bool) {
	d.Done() // watch the deadline and the parent
	d.mu.Lock()
	if d.err != nil {
		d.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	a := &afterFunc{f: f}
	d.funcs = append(d.funcs, a)
	d.mu.Unlock()
	return func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		if a.settled {
			return false
		}
		a.settled = true
		for i, x := range d.funcs {
			if x == a {
				d.funcs = append(d.funcs[:i], d.funcs[i+1:]...)
				break
			}
		}
		return true
	}
}

// finish ends d with err, unless it has already ended, and releases its
// timer and its registration with the parent.
func (d *deadlineCtx) finish(err error) {
	d.mu.Lock()
	if d.err != nil {
		d.mu.Unlock()
		return
	}
	d.err = err
	if d.done != nil {
		close(d.done)
	}
	t, stop, funcs := d.timer, d.stopParent, d.funcs
	d.timer, d.stopParent, d.funcs = nil, nil, nil
	for _, a := range funcs {
		a.settled = true
	}
	d.mu.Unlock()
	if t != nil {
		t.Stop()
	}
	if stop != nil {
		stop()
	}
	for _, a := range funcs {
		a.f()
	}
}
