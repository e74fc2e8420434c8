package shop

import (
	"encoding/json"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ginleak/ginleak/guard"
)

// Case 5, bodyrestore (seed 1.1): a middleware reads the request body and
// does not put it back.
//
// An audit middleware reads the whole body to log its size and checksum.
// Reading drains c.Request.Body, and the handler after it then reads an
// empty body: every order is rejected with 400 "empty body". This is a
// correctness bug rather than a leak (nothing accumulates), so it is shown by
// request and response, not by a soak: the same POST with the same JSON gets
// 200 {"received_bytes": N, "items": K} from /fixed/orders and 400
// {"error": "empty body", "received_bytes": 0} from /leaky/orders, which a
// soak of the leaky route therefore counts as errors. The fix lets
// guard.CaptureBody read the body once, bounded, and put a new reader over
// the same bytes back into c.Request.Body; the audit reads the bytes with
// guard.CapturedBody. (By hand: http.MaxBytesReader, io.ReadAll, then
// c.Request.Body = io.NopCloser(bytes.NewReader(body)).)

// leakyAuditBody logs the body and passes the request on with the body
// drained.
func leakyAuditBody(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			abortWith(c, http.StatusBadRequest, "cannot read body")
			return
		}
		log.Debug("audit", "path", c.Request.URL.Path, "bytes", len(body), "crc32", crc32.ChecksumIEEE(body))
		c.Next()
	}
}

// fixedAuditBody logs the body that guard.CaptureBody, before it on the
// route, has read once and put back: the handler after it reads the whole
// body again, and the middleware itself never touches c.Request.Body.
// CaptureBody answers 413 above its limit (Options.MaxOrderBytes), so
// nothing here buffers an arbitrarily large body.
func fixedAuditBody(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, ok := guard.CapturedBody(c)
		if !ok {
			// Mounted without guard.CaptureBody: a programming error.
			c.AbortWithStatusJSON(http.StatusInternalServerError, ErrorResponse{Error: "audit: no captured body"})
			return
		}
		log.Debug("audit", "path", c.Request.URL.Path, "bytes", len(body), "crc32", crc32.ChecksumIEEE(body),
			"request_id", guard.RequestIDFrom(c))
		c.Next()
	}
}

// OrderRequest is the body of POST /…/orders.
type OrderRequest struct {
	Items []LineItem `json:"items"`
}

// OrderReceipt is the answer of POST /…/orders.
type OrderReceipt struct {
	ReceivedBytes int `json:"received_bytes"`
	Items         int `json:"items"`
}

// createOrder is the handler behind both audit middlewares. It reads the
// body itself so that it can say how many bytes arrived.
func createOrder(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := io.ReadAll(io.LimitReader(c.Request.Body, limit+1))
		switch {
		case err != nil:
			abortWith(c, http.StatusBadRequest, "cannot read body")
			return
		case len(body) == 0:
			c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "empty body", "received_bytes": 0})
			return
		case int64(len(body)) > limit:
			abortWith(c, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		var req OrderRequest
		if err := json.Unmarshal(body, &req); err != nil {
			abortWith(c, http.StatusBadRequest, "invalid JSON: "+err.Error())
			return
		}
		if len(req.Items) == 0 {
			abortWith(c, http.StatusUnprocessableEntity, "no items")
			return
		}
		c.JSON(http.StatusOK, OrderReceipt{ReceivedBytes: len(body), Items: len(req.Items)})
	}
}
