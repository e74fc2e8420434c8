// Package b holds the receiver cases: a goroutine receives or ranges and the
// function that made the channel is supposed to send or close.
package b

import (
	"context"
	"errors"
	"time"
)

func use(v ...any) {}
func check() error { return nil }

// Positive: a range over a channel nothing closes.
func rangeNoClose(xs []int) {
	ch := make(chan int) // want `^channel ch: the goroutine's range at line 18 blocks forever: nothing closes ch; the goroutine and everything it references leak — close\(ch\) after the last send \(defer close\(ch\) in the sender\)$`
	go func() {
		for v := range ch {
			use(v)
		}
	}()
	for _, x := range xs {
		ch <- x
	}
}

// Positive: a receive from a channel nothing sends to.
func nothingSends() {
	ch := make(chan string) // want `^channel ch: the goroutine's receive at line 31 blocks forever: nothing sends to or closes ch; the goroutine and everything it references leak — send to or close\(ch\) on every path \(e.g. defer close\(ch\)\), or let the goroutine select on ctx.Done\(\)$`
	go func() {
		s := <-ch
		use(s)
	}()
}

// Positive: a receive loop without a condition; nothing closes.
func receiveLoop(jobs []string) {
	q := make(chan string, 8) // want `the goroutine's receive loop at line 41 blocks forever: nothing closes q`
	go func() {
		for {
			j, ok := <-q
			if !ok {
				return
			}
			use(j)
		}
	}()
	for _, j := range jobs {
		q <- j
	}
}

// Positive: the function may return before sending.
func returnBeforeSend() error {
	start := make(chan struct{}) // want `the goroutine's receive at line 57 blocks forever when the function returns at line 61 before sending to start;`
	go func() {
		<-start
		use("started")
	}()
	if err := check(); err != nil {
		return err
	}
	start <- struct{}{}
	return nil
}

// Positive: the send is conditional.
func conditionalSend(ok bool) {
	ch := make(chan int) // want `the goroutine's receive at line 70 blocks forever when the function ends without sending to ch \(line 72 is not reached on every path\)`
	go func() { use(<-ch) }()
	if ok {
		ch <- 1
	}
}

// Positive: the send is in a select that can give up.
func selectSend(ctx context.Context) {
	ch := make(chan int) // want `the goroutine's receive at line 79 blocks forever when the select at line 80 takes its ctx.Done\(\) case and returns`
	go func() { use(<-ch) }()
	select {
	case ch <- 1:
	case <-ctx.Done():
		return
	}
}

// Positive: the channel reaches the goroutine as a parameter.
func rangeParam(xs []int) {
	ch := make(chan int) // want `the goroutine's range at line 91 blocks forever: nothing closes ch`
	go func(in <-chan int) {
		for v := range in {
			use(v)
		}
	}(ch)
	for _, x := range xs {
		ch <- x
	}
}

// Negative: closed after the last send.
func closeAfter(xs []int) {
	ch := make(chan int)
	go func() {
		for v := range ch {
			use(v)
		}
	}()
	for _, x := range xs {
		ch <- x
	}
	close(ch)
}

// Negative: closed by defer.
func deferClose(xs []int) {
	ch := make(chan int)
	defer close(ch)
	go func() {
		for v := range ch {
			use(v)
		}
	}()
	for _, x := range xs {
		ch <- x
	}
}

// Negative: the receiver selects on ctx.Done().
func guardedReceiver(ctx context.Context) {
	ch := make(chan int)
	go func() {
		select {
		case v := <-ch:
			use(v)
		case <-ctx.Done():
		}
	}()
}

// Negative: the function sends unconditionally.
func sends() {
	ch := make(chan int)
	go func() { use(<-ch) }()
	ch <- 1
}

// Negative: another goroutine sends.
func producerGoroutine() {
	ch := make(chan int)
	go func() { ch <- 1 }()
	go func() { use(<-ch) }()
}

// Negative: the value is in the buffer before the goroutine starts.
func sentBefore() {
	ch := make(chan int, 1)
	ch <- 1
	go func() { use(<-ch) }()
}

// Negative: closed by a timer callback.
func closedByTimer() {
	stop := make(chan struct{})
	time.AfterFunc(time.Second, func() { close(stop) })
	go func() {
		<-stop
		use("stopped")
	}()
}

// Negative: the send happens on both branches.
func sendBothBranches(err error) {
	errc := make(chan error)
	go func() { use(<-errc) }()
	if err != nil {
		errc <- err
	} else {
		errc <- errors.New("none")
	}
}

// Negative: a ticker-driven receiver that stops on ctx.Done().
func tickerWorker(ctx context.Context) {
	ch := make(chan int)
	go func() {
		for {
			select {
			case v := <-ch:
				use(v)
			case <-ctx.Done():
				return
			}
		}
	}()
	ch <- 1
}
