package guard

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func newDeadline(parent context.Context, d time.Duration) *deadlineCtx {
	return &deadlineCtx{parent: parent, deadline: time.Now().Add(d)}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not done within 10s", what)
	}
}

func TestDeadlineCtxLazy(t *testing.T) {
	d := newDeadline(context.Background(), 20*time.Millisecond)
	if d.Err() != nil {
		t.Fatal("Err before the deadline")
	}
	if dl, ok := d.Deadline(); !ok || dl != d.deadline {
		t.Error("Deadline")
	}
	time.Sleep(30 * time.Millisecond)
	// Done was never called: no timer, but Err still sees the deadline.
	if d.timer != nil || d.done != nil {
		t.Error("armed without a call to Done")
	}
	if err := d.Err(); err != context.DeadlineExceeded {
		t.Fatalf("Err = %v, want DeadlineExceeded", err)
	}
	if !isClosed(d.Done()) {
		t.Error("Done not closed after Err reported the deadline")
	}
	if err := context.Cause(d); err != context.DeadlineExceeded {
		t.Errorf("Cause = %v", err)
	}
	d.finish(context.Canceled)
	if d.Err() != context.DeadlineExceeded {
		t.Error("finish changed the error of a finished context")
	}
}

func TestDeadlineCtxTimerFires(t *testing.T) {
	d := newDeadline(context.Background(), 20*time.Millisecond)
	done := d.Done()
	if isClosed(done) || d.Err() != nil {
		t.Fatal("done early")
	}
	waitClosed(t, done, "deadline")
	if d.Err() != context.DeadlineExceeded {
		t.Errorf("Err = %v", d.Err())
	}
}

func TestDeadlineCtxParent(t *testing.T) {
	type key struct{}
	// Parent cancelled before anyone called Done.
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	d := newDeadline(parent, time.Hour)
	if d.Value(key{}) != "v" {
		t.Error("Value not passed through")
	}
	cancel()
	if d.Err() != context.Canceled || !isClosed(d.Done()) {
		t.Errorf("after the parent's cancel: Err %v", d.Err())
	}

	// Parent cancelled while Done is armed.
	parent, cancel = context.WithCancel(context.Background())
	d = newDeadline(parent, time.Hour)
	done := d.Done()
	cancel()
	waitClosed(t, done, "parent cancel")
	if d.Err() != context.Canceled {
		t.Errorf("Err = %v", d.Err())
	}
}

func TestDeadlineCtxFinishReleases(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := newDeadline(parent, time.Hour)
	done := d.Done()
	if d.timer == nil || d.stopParent == nil {
		t.Fatal("Done did not arm")
	}
	d.finish(context.Canceled)
	if !isClosed(done) || d.Err() != context.Canceled || d.timer != nil || d.stopParent != nil {
		t.Error("finish did not close and release")
	}
}

func TestDeadlineCtxDerived(t *testing.T) {
	d := newDeadline(context.Background(), 30*time.Millisecond)
	child, cancelChild := context.WithCancel(d)
	defer cancelChild()
	d.mu.Lock()
	registered := len(d.funcs)
	d.mu.Unlock()
	if registered != 1 {
		t.Fatalf("%d AfterFunc registrations, want 1 (the context package would otherwise watch d with a goroutine)", registered)
	}
	waitClosed(t, child.Done(), "derived context")
	if !errors.Is(child.Err(), context.DeadlineExceeded) {
		t.Errorf("child Err = %v", child.Err())
	}

	// A child cancelled on its own unregisters.
	d = newDeadline(context.Background(), time.Hour)
	child, cancelChild = context.WithTimeout(d, time.Millisecond)
	<-child.Done()
	cancelChild()
	d.mu.Lock()
	registered = len(d.funcs)
	d.mu.Unlock()
	if registered != 0 {
		t.Errorf("%d registrations left after the child's cancel", registered)
	}
	d.finish(context.Canceled)

	// context.AfterFunc and its stop.
	d = newDeadline(context.Background(), time.Hour)
	ran := make(chan struct{})
	context.AfterFunc(d, func() { close(ran) })
	stopped := false
	stop := context.AfterFunc(d, func() { stopped = true })
	if !stop() {
		t.Error("stop returned false before d was done")
	}
	d.finish(context.Canceled)
	waitClosed(t, ran, "AfterFunc")
	if stopped {
		t.Error("a stopped AfterFunc ran")
	}
	// Registering on a finished context runs f at once.
	late := make(chan struct{})
	if stop := d.AfterFunc(func() { close(late) }); stop() {
		t.Error("stop of a late registration returned true")
	}
	waitClosed(t, late, "late AfterFunc")
	if context.WithoutCancel(d).Err() != nil {
		t.Error("WithoutCancel saw the cancellation")
	}
}

func TestDeadlineCtxConcurrent(t *testing.T) {
	for range 50 {
		parent, cancel := context.WithCancel(context.Background())
		d := newDeadline(parent, time.Millisecond)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch i % 4 {
				case 0:
					<-d.Done()
				case 1:
					for d.Err() == nil {
						time.Sleep(100 * time.Microsecond)
					}
				case 2:
					c, cc := context.WithCancel(d)
					<-c.Done()
					cc()
				case 3:
					cancel()
				}
			}()
		}
		wg.Wait()
		d.finish(context.Canceled)
		if err := d.Err(); err != context.Canceled && err != context.DeadlineExceeded {
			t.Fatalf("Err = %v", err)
		}
		if !isClosed(d.Done()) {
			t.Fatal("Done open after finish")
		}
		cancel()
	}
}

func TestDeadlineCtxParentDeadlineEarlier(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	d := newDeadline(parent, time.Hour)
	pd, _ := parent.Deadline()
	if pd.Before(d.deadline) {
		d.deadline = pd // as Timeout does
	}
	waitClosed(t, d.Done(), "parent's earlier deadline")
	if d.Err() != context.DeadlineExceeded {
		t.Errorf("Err = %v", d.Err())
	}
}
