package guard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"

	"github.com/gin-gonic/gin"
)

// BodyLimit returns middleware that refuses request bodies larger than n
// bytes with 413 Request Entity Too Large and a JSON error.
//
// A request that declares a Content-Length larger than n is refused before
// any handler runs. A request that declares a Content-Length of at most n
// is passed on untouched: net/http's server never reads past the declared
// length, so it cannot exceed the limit (this is the allocation-free fast
// path, as is a request without a body). A body of unknown length (chunked)
// is wrapped in http.MaxBytesReader: a handler's read fails with
// *http.MaxBytesError once it passes the limit. After the handlers return,
// if the limit was hit (the reader's error, or an *http.MaxBytesError in
// c.Errors) and nothing has been written, the answer is 413; if nothing
// has been written and the handlers did not read the whole body (a JSON
// decoder stops after the first value), the rest is drained, up to the
// limit, to decide. When the handler has already answered, the response
// stands, the error is added to c.Errors and the connection is closed
// after the response.
//
// A negative n is treated as 0: only empty bodies are accepted.
func BodyLimit(n int64) gin.HandlerFunc {
	if n < 0 {
		n = 0
	}
	return (&bodyLimit{n: n, msg: fmt.Sprintf("request body larger than %d bytes", n)}).handle
}

type bodyLimit struct {
	n   int64
	msg string
}

func (l *bodyLimit) handle(c *gin.Context) {
	n, msg := l.n, l.msg
	req := c.Request
	body := req.Body
	if body == nil || body == http.NoBody {
		c.Next()
		return
	}
	if req.ContentLength > n {
		c.Header("Connection", "close")
		abortJSON(c, http.StatusRequestEntityTooLarge, msg)
		return
	}
	if req.ContentLength > 0 {
		c.Next()
		return
	}
	mb := http.MaxBytesReader(unwrapWriter(c.Writer), body, n)
	req.Body = mb
	c.Next()

	_, err := mb.Read(nil) // the reader's sticky error, if any
	hit := isMaxBytes(err)
	recorded := false
	for _, e := range c.Errors {
		if isMaxBytes(e.Err) {
			hit, recorded = true, true
			break
		}
	}
	if !hit && err == nil && !c.Writer.Written() {
		_, err = io.Copy(io.Discard, mb)
		hit = isMaxBytes(err)
	}
	if !hit {
		return
	}
	if c.Writer.Written() {
		if !recorded {
			_ = c.Error(fmt.Errorf("guard: %s (the handler had already answered): %w", msg, &http.MaxBytesError{Limit: n}))
		}
		return
	}
	c.Header("Connection", "close")
	abortJSON(c, http.StatusRequestEntityTooLarge, msg)
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return err != nil && errors.As(err, &mbe)
}

// CaptureBody returns middleware that reads the request body once, up to
// max bytes, puts it back as c.Request.Body (an io.NopCloser around a
// bytes.Reader) so later handlers read it whole, and keeps the bytes for
// CapturedBody and for gin's ShouldBindBodyWith (under gin.BodyBytesKey).
//
// A body larger than max is refused with 413 and a JSON error, before any
// later handler runs; a body that cannot be read gets 400. CaptureBody
// holds the whole body in memory: keep max small, and prefer streaming
// with BodyLimit where the handler does not need the bytes twice. A
// negative max is treated as 0.
func CaptureBody(max int64) gin.HandlerFunc {
	if max < 0 {
		max = 0
	}
	msg := fmt.Sprintf("request body larger than %d bytes", max)
	return func(c *gin.Context) {
		req := c.Request
		if req.Body == nil || req.Body == http.NoBody {
			c.Set(gin.BodyBytesKey, []byte{})
			c.Next()
			return
		}
		if req.ContentLength > max {
			c.Header("Connection", "close")
			abortJSON(c, http.StatusRequestEntityTooLarge, msg)
			return
		}
		var buf bytes.Buffer
		if req.ContentLength > 0 && req.ContentLength < math.MaxInt32 {
			buf.Grow(int(req.ContentLength) + 1)
		}
		var r io.Reader = req.Body
		if max < math.MaxInt64 {
			r = io.LimitReader(req.Body, max+1)
		}
		if _, err := buf.ReadFrom(r); err != nil {
			if isMaxBytes(err) {
				c.Header("Connection", "close")
				abortJSON(c, http.StatusRequestEntityTooLarge, msg)
				return
			}
			_ = c.Error(fmt.Errorf("guard: capturing the request body: %w", err))
			abortJSON(c, http.StatusBadRequest, "could not read the request body")
			return
		}
		if int64(buf.Len()) > max {
			c.Header("Connection", "close")
			abortJSON(c, http.StatusRequestEntityTooLarge, msg)
			return
		}
		b := buf.Bytes()
		req.Body = io.NopCloser(bytes.NewReader(b))
		c.Set(gin.BodyBytesKey, b)
		c.Next()
	}
}

// CapturedBody returns the request body that CaptureBody (or gin's
// ShouldBindBodyWith) has read, and whether there is one. The slice is
// shared: do not modify it.
func CapturedBody(c *gin.Context) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	v, ok := c.Get(gin.BodyBytesKey)
	if !ok {
		return nil, false
	}
	b, ok := v.([]byte)
	return b, ok
}
