package shop

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Case 1, ctxescape (seed 1.2): a goroutine keeps *gin.Context and outlives
// the response.
//
// gin takes a *gin.Context from a sync.Pool for every request and puts it
// back when the handler chain returns; the next request gets the same
// object, reset. A goroutine that still holds c after the handler returned
// therefore reads another request's data (or a half-reset context), and
// whatever it captured - the context, the order, its timer - stays
// reachable for as long as the goroutine lives. When that goroutine waits
// on something slow with no deadline, every request leaves one goroutine
// behind, with its stack and about a kilobyte of heap (the goroutine's
// descriptor, the closure, the order, a timer): under load the goroutine
// count and the live heap climb without end.
//
// Both routes take a CheckoutRequest and answer 201 with the Order.

// leakyCheckout places the order, then sends the confirmation mail from a
// goroutine that holds c and waits for the mail relay with no timeout. The
// relay is hung (Options.RelayLatency, ten minutes by default), so each
// request parks one goroutine.
func (s *Shop) leakyCheckout(c *gin.Context) {
	order, ok := s.bindCheckout(c)
	if !ok {
		return
	}
	go func() {
		// Wait for the relay to accept the message: nothing bounds
		// this wait. (Options.Done exists only so that tests can let
		// these goroutines go; in the demo it is nil and never fires.)
		select {
		case <-time.After(s.opts.RelayLatency):
		case <-s.opts.Done:
		}
		// By now the handler has long returned and gin has handed c
		// to other requests: this reads whichever request c serves
		// now, and c stayed pinned until here.
		s.outbox.deliver(confirmation{
			To:        order.Email,
			OrderID:   order.ID,
			RequestID: c.GetString(requestIDKey),
			Language:  c.GetHeader("Accept-Language"),
		})
	}()
	c.JSON(http.StatusCreated, order)
}

// fixedCheckout copies what the mail needs out of c before anything runs
// in the background, and hands it to sendConfirmation, whose goroutine
// gives up after Options.NotifyTimeout (50 ms): no goroutine outlives its
// deadline, whatever the relay does. (cCp := c.Copy() before the go
// statement is the other correct fix when the goroutine needs more of the
// context.)
func (s *Shop) fixedCheckout(c *gin.Context) {
	order, ok := s.bindCheckout(c)
	if !ok {
		return
	}
	s.sendConfirmation(c.Request.Context(), confirmation{
		To:        order.Email,
		OrderID:   order.ID,
		RequestID: c.GetString(requestIDKey),
		Language:  c.GetHeader("Accept-Language"),
	})
	c.JSON(http.StatusCreated, order)
}

// sendConfirmation delivers m in the background, bounded by
// Options.NotifyTimeout. reqCtx is the request's context: its values are
// kept, its cancellation is not (the mail should go out even though the
// response is already sent).
func (s *Shop) sendConfirmation(reqCtx context.Context, m confirmation) {
	base := context.WithoutCancel(reqCtx)
	go func() {
		ctx, cancel := context.WithTimeout(base, s.opts.NotifyTimeout)
		defer cancel()
		relay := time.NewTimer(s.opts.RelayLatency)
		defer relay.Stop()
		select {
		case <-relay.C:
			s.outbox.deliver(m)
		case <-ctx.Done():
			// A real shop would put m on a durable queue for a retry.
			s.log.Debug("order confirmation not sent", "order", m.OrderID, "err", ctx.Err())
		}
	}()
}
