// Package stream holds the streaming cases: a producer goroutine sends on a
// channel that the handler forwards to the client, and the forwarding stops
// when the client leaves.
package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

type response struct{ Text string }

// generate calls fn for each token until ctx is cancelled — but it cannot
// notice the cancellation while fn is blocked.
func generate(ctx context.Context, fn func(response)) error { return nil }

// Positive: the model server's shape. The producer sends from a callback
// and closes the channel; streamResponse forwards it in c.Stream, which
// returns when the client disconnects.
func Generate(c *gin.Context) {
	ch := make(chan any) // want `^unbuffered channel ch: the goroutine's send at line 30 blocks forever once the client disconnects: c\.Stream at stream\.go:52 stops receiving from ch when the client goes away; the goroutine and everything it references leak — let the sender select on the request's context too \(case ch <- v: / case <-ctx\.Done\(\): return\)$`
	go func() {
		defer close(ch)
		fn := func(r response) {
			ch <- r
		}
		if err := generate(c.Request.Context(), fn); err != nil {
			ch <- gin.H{"error": err.Error()}
		}
	}()
	if c.Query("stream") == "false" {
		waitForStream(c, ch)
		return
	}
	streamResponse(c, ch)
}

func waitForStream(c *gin.Context, ch chan any) {
	var last any
	for v := range ch {
		last = v
	}
	c.JSON(http.StatusOK, last)
}

func streamResponse(c *gin.Context, ch chan any) {
	c.Stream(func(w io.Writer) bool {
		val, ok := <-ch
		if !ok {
			return false
		}
		b, _ := json.Marshal(val)
		_, err := w.Write(b)
		return err == nil
	})
}

// Positive: c.Stream in the handler itself.
func Inline(c *gin.Context) {
	out := make(chan string) // want `unbuffered channel out: the goroutine's send at line 69 blocks forever once the client disconnects: c\.Stream at stream\.go:72`
	go func() {
		defer close(out)
		for i := 0; i < 100; i++ {
			out <- fmt.Sprint(i)
		}
	}()
	c.Stream(func(w io.Writer) bool {
		s, ok := <-out
		if ok {
			c.SSEvent("message", s)
		}
		return ok
	})
}

// Positive: a net/http loop that returns when the request's context ends
// (the main check already sees the select that abandons the sender).
func Events(w http.ResponseWriter, r *http.Request) {
	events := make(chan string) // want `unbuffered channel events: the goroutine's send at line 87 blocks forever when the select at line 91 takes its r\.Context\(\)\.Done\(\) case and returns`
	go func() {
		for {
			events <- "tick"
		}
	}()
	for {
		select {
		case <-r.Context().Done():
			return
		case e := <-events:
			fmt.Fprintf(w, "data: %s\n\n", e)
		}
	}
}

// Positive: a loop that returns when a write fails; a buffer smaller than
// the number of sends does not help.
func Copy(w http.ResponseWriter, r *http.Request) {
	lines := make(chan []byte, 4) // want `channel lines \(buffer 4\): the goroutine's send at line 107 blocks forever once the client disconnects: the loop \(a failed write\) at stream\.go:110`
	go func() {
		defer close(lines)
		for i := 0; i < 10; i++ {
			lines <- []byte("line\n")
		}
	}()
	for l := range lines {
		if _, err := w.Write(l); err != nil {
			return
		}
	}
}

// Negative cases.

// The producer selects on the request's context: it leaves with the
// client.
func Guarded(c *gin.Context) {
	ch := make(chan string)
	ctx := c.Request.Context()
	go func() {
		defer close(ch)
		for i := 0; i < 100; i++ {
			select {
			case ch <- fmt.Sprint(i):
			case <-ctx.Done():
				return
			}
		}
	}()
	c.Stream(func(w io.Writer) bool {
		s, ok := <-ch
		if ok {
			_, _ = io.WriteString(w, s)
		}
		return ok
	})
}

// A buffer for every send: the producer never blocks.
func Buffered(c *gin.Context) {
	ch := make(chan string, 3)
	go func() {
		defer close(ch)
		ch <- "a"
		ch <- "b"
		ch <- "c"
	}()
	c.Stream(func(w io.Writer) bool {
		s, ok := <-ch
		if ok {
			_, _ = io.WriteString(w, s)
		}
		return ok
	})
}

// The consumer drains the channel whatever the client does: a range that
// ignores write errors stops only when the producer closes.
func Drain(w http.ResponseWriter, r *http.Request) {
	ch := make(chan string)
	go func() {
		defer close(ch)
		for i := 0; i < 10; i++ {
			ch <- fmt.Sprint(i)
		}
	}()
	for s := range ch {
		_, _ = io.WriteString(w, s)
	}
}

// Passed on to a function of another package: not followed.
func Elsewhere(c *gin.Context) {
	ch := make(chan string)
	go func() { ch <- "x" }()
	json.NewEncoder(c.Writer).Encode(ch)
}

// A variable buffer: sized for the senders, as the main check assumes.
func Sized(c *gin.Context, n int) {
	ch := make(chan string, n)
	go func() {
		defer close(ch)
		for i := 0; i < n; i++ {
			ch <- "x"
		}
	}()
	c.Stream(func(w io.Writer) bool {
		_, ok := <-ch
		return ok
	})
}

// The function the channel is passed to also sends: not followed.
func Forward(c *gin.Context) {
	ch := make(chan string)
	go func() {
		defer close(ch)
		ch <- "x"
	}()
	relay(c, ch)
}

func relay(c *gin.Context, ch chan string) {
	ch <- "y"
	c.Stream(func(w io.Writer) bool {
		_, ok := <-ch
		return ok
	})
}

// Positive: two calls away (the chat endpoint's shape): writeChat forwards
// the channel to streamResponse when the client asked for a stream.
func Chat(c *gin.Context) {
	ch := make(chan any) // want `unbuffered channel ch: the goroutine's send at line 222 blocks forever once the client disconnects: c\.Stream at stream\.go:52`
	go func() {
		defer close(ch)
		ch <- response{Text: "hi"}
	}()
	writeChat(c, ch)
}

func writeChat(c *gin.Context, ch chan any) {
	if c.Query("stream") == "false" {
		for v := range ch {
			c.JSON(http.StatusOK, v)
		}
		return
	}
	streamResponse(c, ch)
}
