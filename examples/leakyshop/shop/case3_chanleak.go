package shop

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Case 3, chanleak (seed 3.3): a forgotten sender.
//
// The handler asks the carrier for a shipping quote in a goroutine and
// waits for the answer only briefly (Options.QuotePatience, 5 ms): when the
// carrier is slower (Options.QuoteLatency, 20 ms) the customer gets the flat
// rate at once. The worker then finishes (the carrier call ends when the
// request's context is cancelled, as the handler returns) and sends its
// quote on an unbuffered channel that nobody will ever receive from again:
// the send blocks forever, and the goroutine, its stack and the channel stay
// behind - one per slow request. A buffer of one lets the send complete
// whether or not anyone still listens, and the goroutine exits.
//
// Both routes answer GET /…/shipping/quote?zip=Z&weight_g=W with a
// ShippingQuote (Estimated: true when it is the flat rate).

// leakyShippingQuote leaks one goroutine per request the carrier is too
// slow for.
func (s *Shop) leakyShippingQuote(c *gin.Context) {
	zip, weight, ok := quoteParams(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	quotes := make(chan ShippingQuote) // unbuffered: the send below waits for a receiver
	go func() {
		// Blocks forever once the handler below has stopped waiting.
		quotes <- s.carrier.quote(ctx, zip, weight)
	}()
	select {
	case q := <-quotes:
		c.JSON(http.StatusOK, q)
	case <-time.After(s.opts.QuotePatience):
		c.JSON(http.StatusOK, s.carrier.flatRate(zip, weight))
	}
}

// fixedShippingQuote is the same handler with a buffered channel: the
// worker's send always completes, and the worker exits as soon as the
// carrier answers or the request's context ends.
func (s *Shop) fixedShippingQuote(c *gin.Context) {
	zip, weight, ok := quoteParams(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	quotes := make(chan ShippingQuote, 1) // room for the one send: it never blocks
	go func() {
		quotes <- s.carrier.quote(ctx, zip, weight)
	}()
	select {
	case q := <-quotes:
		c.JSON(http.StatusOK, q)
	case <-time.After(s.opts.QuotePatience):
		c.JSON(http.StatusOK, s.carrier.flatRate(zip, weight))
	}
}

// quoteParams reads zip (5 digits) and weight_g (1…31500, default 1000);
// on bad input it has answered 400 and returns false.
func quoteParams(c *gin.Context) (zip string, weightG int, ok bool) {
	zip = c.Query("zip")
	if len(zip) != 5 {
		abortWith(c, http.StatusBadRequest, "zip must have 5 digits")
		return "", 0, false
	}
	for i := 0; i < len(zip); i++ {
		if zip[i] < '0' || zip[i] > '9' {
			abortWith(c, http.StatusBadRequest, "zip must have 5 digits")
			return "", 0, false
		}
	}
	weightG = 1000
	if w := c.Query("weight_g"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > 31500 {
			abortWith(c, http.StatusBadRequest, "weight_g must be between 1 and 31500")
			return "", 0, false
		}
		weightG = n
	}
	return zip, weightG, true
}
