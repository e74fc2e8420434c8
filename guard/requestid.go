package guard

import (
	"context"
	"encoding/binary"
	"math/rand/v2"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// RequestIDHeader is the header RequestID reads and sets.
const RequestIDHeader = "X-Request-ID"

// requestIDKey is RequestIDHeader in the canonical form net/http stores
// header names in, for direct map access.
const requestIDKey = "X-Request-Id"

// maxRequestIDLen is the longest client-sent request ID RequestID accepts.
const maxRequestIDLen = 128

// RequestID returns middleware that gives every request an ID: the
// client's X-Request-ID when it is valid (1 to 128 characters of
// A-Z a-z 0-9 . _ : -), otherwise a new random UUID (version 4). The ID is
// set as the X-Request-ID response header before the handlers run;
// RequestIDFrom reads it, AccessLog logs it, and guard.Go passes it on to
// RequestIDFromContext.
//
// Generated IDs come from math/rand/v2's generator (ChaCha8, seeded by the
// runtime): unique in practice, cheap, but not meant as secrets.
func RequestID() gin.HandlerFunc {
	return requestID{}.handle
}

// requestID's handler is a method, not a closure, so that it is compiled
// (and optimised) once here rather than in every caller that inlines
// RequestID; the same holds for the other middleware of this package.
type requestID struct{}

func (requestID) handle(c *gin.Context) {
	vals := c.Request.Header[requestIDKey]
	if len(vals) == 0 || !validRequestID(vals[0]) {
		vals = []string{newRequestID()}
	} else {
		vals = vals[:1:1]
	}
	c.Writer.Header()[requestIDKey] = vals
	c.Next()
}

// validRequestID reports whether a client-sent request ID may be echoed
// and logged: short, and made of characters that need no escaping.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// RequestIDFrom returns the request ID that RequestID set for c, or "".
func RequestIDFrom(c *gin.Context) string {
	if c == nil || c.Writer == nil {
		return ""
	}
	if vals := c.Writer.Header()[requestIDKey]; len(vals) > 0 {
		return vals[0]
	}
	return ""
}

// requestIDCtxKey is the context key of the request ID in the contexts
// guard.Go passes to its functions.
type requestIDCtxKey struct{}

// RequestIDFromContext returns the request ID carried by ctx: the one of a
// *gin.Context (as RequestIDFrom), or the one guard.Go copied into the
// context of its function. It returns "" when there is none.
func RequestIDFromContext(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	if gc, ok := ctx.(*gin.Context); ok {
		return RequestIDFrom(gc)
	}
	id, _ := ctx.Value(requestIDCtxKey{}).(string)
	return id
}
