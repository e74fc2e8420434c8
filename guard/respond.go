package guard

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// errorBody is the JSON body of the answers guard's middleware gives
// instead of the handler: {"error": "...", "status": 413}.
type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// abortJSON aborts the chain with a JSON error unless a response has
// already been started.
func abortJSON(c *gin.Context, status int, msg string) {
	c.Abort()
	if c.Writer.Written() {
		return
	}
	c.JSON(status, errorBody{Error: msg, Status: status})
}

// unwrapWriter returns the innermost http.ResponseWriter of w, following
// Unwrap methods (gin's writer and wrappers like it have one), so that
// net/http can recognise its own writer.
func unwrapWriter(w http.ResponseWriter) http.ResponseWriter {
	for range 16 {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		next := u.Unwrap()
		if next == nil {
			return w
		}
		w = next
	}
	return w
}
