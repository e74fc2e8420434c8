// Package a holds the sender cases: a goroutine sends and the function that
// made the channel is supposed to receive.
package a

import (
	"context"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"
)

func work() int            { return 1 }
func check() error         { return nil }
func query(s string) int   { return len(s) }
func use(v ...any)         {}
func producer(ch chan int) {}

// Positive: the select may take ctx.Done() and return.
func selectCtx(ctx context.Context) int {
	ch := make(chan int) // want `^unbuffered channel ch: the goroutine's send at line 25 blocks forever when the select at line 26 takes its ctx.Done\(\) case and returns; the goroutine and everything it references leak — make the channel buffered: make\(chan int, 1\)$`
	go func() { ch <- work() }()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}

// Positive: a timeout case that falls off the end of the function.
func selectTimeout() {
	ch := make(chan int) // want `send at line 37 blocks forever when the select at line 38 takes its time.After\(time.Second\) case and returns`
	go func() { ch <- work() }()
	select {
	case v := <-ch:
		use(v)
	case <-time.After(time.Second):
		log.Print("timeout")
	}
}

// Positive: an early return between the go statement and the receive.
func earlyReturn() error {
	ch := make(chan int) // want `send at line 50 blocks forever when the function returns at line 53 before receiving from ch;`
	go func() {
		ch <- work()
	}()
	if err := check(); err != nil {
		return err
	}
	use(<-ch)
	return nil
}

// Positive: nothing receives at all.
func nothingReceives() {
	ch := make(chan int) // want `send at line 62 blocks forever: nothing receives from ch;`
	go func() { ch <- work() }()
}

// Positive: the receive is conditional.
func conditionalReceive(wait bool) {
	done := make(chan struct{}) // want `unbuffered channel done: the goroutine's send at line 68 blocks forever when the function ends without receiving from done \(line 70 is not reached on every path\)`
	go func() { done <- struct{}{} }()
	if wait {
		<-done
	}
}

// Positive: a select with a default case.
func selectDefault() int {
	ch := make(chan int) // want `select at line 78 takes its default case and returns`
	go func() { ch <- work() }()
	select {
	case v := <-ch:
		return v
	default:
		return -1
	}
}

// Positive: a buffer smaller than the number of sends.
func bufferTooSmall(ctx context.Context) {
	ch := make(chan int, 1) // want `^channel ch \(buffer 1\): the goroutine's send at line 90 blocks forever when the select at line 93 takes its ctx.Done\(\) case and returns; .* — give the channel a buffer for every send: make\(chan int, 2\)$`
	go func() {
		ch <- 1
		ch <- 2
	}()
	select {
	case v := <-ch:
		use(v)
	case <-ctx.Done():
	}
}

// Positive: the first answer wins and the other senders are stuck.
func firstResponse(servers []string) int {
	ch := make(chan int) // want `^unbuffered channel ch: the goroutines' sends at line 104 block forever once the function has received one value; .* — give the channel a buffer for every send, or let the senders select on ctx.Done\(\)$`
	for _, s := range servers {
		go func() { ch <- query(s) }()
	}
	return <-ch
}

// Positive: a gin handler with a request-scoped timeout.
func handler(c *gin.Context) {
	res := make(chan int) // want `the select at line 113 takes its c.Request.Context\(\).Done\(\) case and returns`
	go func() { res <- work() }()
	select {
	case v := <-res:
		c.JSON(http.StatusOK, gin.H{"v": v})
	case <-c.Request.Context().Done():
		c.AbortWithStatus(http.StatusGatewayTimeout)
	}
}

// Positive: a labeled break out of the waiting loop.
func labeledBreak(ctx context.Context, tick <-chan time.Time) {
	ch := make(chan int) // want `the select at line 127 takes its ctx.Done\(\) case and returns`
	go func() { ch <- work() }()
loop:
	for {
		select {
		case v := <-ch:
			use(v)
			break loop
		case <-tick:
			log.Print("still waiting")
		case <-ctx.Done():
			break loop
		}
	}
}

// Positive: the sender gets the channel as a parameter.
func param(ctx context.Context) error {
	ch := make(chan error) // want `unbuffered channel ch: the goroutine's send at line 143 blocks forever when the select at line 145`
	go func(out chan<- error) {
		out <- check()
	}(ch)
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Positive: the select falls through and a later return skips the receive.
func laterReturn(ctx context.Context) error {
	ch := make(chan int) // want `the select at line 158 takes its ctx.Done\(\) case and the function returns at line 164`
	go func() { ch <- work() }()
	v := 0
	select {
	case v = <-ch:
	case <-ctx.Done():
		log.Print("cancelled")
	}
	if v == 0 {
		return errors.New("no value")
	}
	return nil
}

// Positive, suppressed.
func suppressed(ctx context.Context) {
	//ginleak:ignore chanleak the process exits right after
	ch := make(chan int)
	go func() { ch <- work() }()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// Negative: one send, buffer of one.
func buffered(ctx context.Context) int {
	ch := make(chan int, 1)
	go func() { ch <- work() }()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}

// Negative: the sender selects on ctx.Done() itself.
func guardedSender(ctx context.Context) int {
	ch := make(chan int)
	go func() {
		select {
		case ch <- work():
		case <-ctx.Done():
		}
	}()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}

// Negative: the channel is closed.
func closed(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		work()
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Negative: a plain unconditional receive.
func plainReceive() int {
	ch := make(chan int)
	go func() { ch <- work() }()
	return <-ch
}

// Negative: errgroup goroutines are not followed.
func withErrgroup(ctx context.Context) {
	g, ctx := errgroup.WithContext(ctx)
	ch := make(chan int)
	g.Go(func() error {
		ch <- work()
		return nil
	})
	select {
	case <-ch:
	case <-ctx.Done():
	}
	_ = g.Wait()
}

// Negative: the other case only logs and the loop waits again.
func tickerLoop(tick <-chan time.Time) int {
	ch := make(chan int)
	go func() { ch <- work() }()
	for {
		select {
		case v := <-ch:
			return v
		case <-tick:
			log.Print("still waiting")
		}
	}
}

// Negative: the channel escapes to a function.
func escapes(ctx context.Context) {
	ch := make(chan int)
	go producer(ch)
	go func() { ch <- work() }()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// Negative: the buffer size is not a constant.
func dynamicBuffer(ctx context.Context, n int) {
	ch := make(chan int, n)
	go func() { ch <- work() }()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// Negative: one goroutine per item, one receive per item.
func workerPool(items []string) int {
	ch := make(chan int)
	for _, it := range items {
		go func() { ch <- query(it) }()
	}
	sum := 0
	for range items {
		sum += <-ch
	}
	return sum
}

// Negative: both branches receive.
func bothBranches(fast bool) int {
	ch := make(chan int)
	go func() { ch <- work() }()
	if fast {
		return <-ch
	} else {
		v := <-ch
		return v * 2
	}
}

// Negative: every switch case receives.
func switchReceive(mode int) int {
	ch := make(chan int)
	go func() { ch <- work() }()
	switch mode {
	case 1:
		return <-ch + 1
	default:
		return <-ch
	}
}

// Negative: the early return comes before the go statement, and the other
// return is in a branch that did not start the goroutine.
func returnBeforeGo(start bool) error {
	ch := make(chan int)
	if err := check(); err != nil {
		return err
	}
	if start {
		go func() { ch <- work() }()
	} else {
		return nil
	}
	use(<-ch)
	return nil
}

// Negative: the other path ends the process.
func fatal() {
	ch := make(chan int)
	go func() { ch <- work() }()
	if err := check(); err != nil {
		log.Fatal(err)
	}
	use(<-ch)
}

// Negative: the buffer holds every send.
func bufferFits(ctx context.Context) {
	ch := make(chan int, 2)
	go func() {
		ch <- 1
		ch <- 2
	}()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// Negative: the function receives both values.
func twoReceives() int {
	ch := make(chan int)
	go func() {
		ch <- 1
		ch <- 2
	}()
	return <-ch + <-ch
}

// Positive: each iteration makes a new channel and may abandon it.
func perIteration(ctx context.Context, jobs []string) {
	for _, j := range jobs {
		ch := make(chan int) // want `the goroutine's send at line 369 blocks forever when the select at line 370 takes its ctx.Done\(\) case and ch goes out of scope at line 375;`
		go func() { ch <- query(j) }()
		select {
		case v := <-ch:
			use(v)
		case <-ctx.Done():
		}
	}
}

// Negative: sends in exclusive branches fit a buffer of one.
func exclusiveSends(ctx context.Context) {
	errc := make(chan error, 1)
	go func() {
		if err := check(); err != nil {
			errc <- err
		} else {
			errc <- errors.New("ok")
		}
	}()
	select {
	case <-errc:
	case <-ctx.Done():
	}
}
