package shop

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ginleak/ginleak/guard"
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
// in the background, and hands the work to guard.Go: the function gets a
// context with the request's values but not its cancellation, never sees
// c (which gin recycles), runs on a goroutine that guard counts, bounds
// (at most 1024 at once; over that, guard.Go refuses) and waits for at
// shutdown, and gives up after Options.NotifyTimeout (50 ms): no goroutine
// outlives its deadline, whatever the relay does. (cCp := c.Copy() before
// a go statement is the hand-written fix when the goroutine needs more of
// the context.)
func (s *Shop) fixedCheckout(c *gin.Context) {
	order, ok := s.bindCheckout(c)
	if !ok {
		return
	}
	s.confirmLater(c, order, guard.RequestIDFrom(c))
	c.JSON(http.StatusCreated, order)
}

// confirmLater copies what the mail needs out of c, then sends it after the
// response with guard.Go, which keeps no reference to c.
func (s *Shop) confirmLater(c *gin.Context, order Order, requestID string) {
	m := confirmation{
		To:        order.Email,
		OrderID:   order.ID,
		RequestID: requestID,
		Language:  c.GetHeader("Accept-Language"),
	}
	if err := guard.Go(c, "send-confirmation", func(ctx context.Context) {
		s.sendConfirmation(ctx, m)
	}); err != nil {
		// Too much mail in flight, or shutting down: the order stands.
		// A real shop would put m on a durable queue for a retry.
		s.log.Warn("order confirmation not sent", "order", m.OrderID, "err", err)
	}
}

// sendConfirmation delivers m, giving up after Options.NotifyTimeout. It
// runs under guard.Go: ctx carries the request's values, not its
// cancellation (the mail should go out even though the response is already
// sent), and guard's own, longer deadline.
func (s *Shop) sendConfirmation(ctx context.Context, m confirmation) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.NotifyTimeout)
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
}
