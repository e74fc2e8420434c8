// Package seed holds Gin analogues of chapter 2.3 of the seed document:
// an authentication middleware in the chain (logger → authentication →
// business) that aborts on a failed check without returning, so the rest
// of the middleware — or the business handler — still writes a response.
package seed

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

func parseToken(h string) (string, error) {
	if !strings.HasPrefix(h, "Bearer ") {
		return "", errors.New("bad token")
	}
	return strings.TrimPrefix(h, "Bearer "), nil
}

// Leaking: a missing header aborts with 401 but falls through to the token
// check, which aborts (and writes) a second time.
func Authentication() gin.HandlerFunc {
	return func(c *gin.Context) {
		header := c.GetHeader("Authorization")
		if header == "" {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "missing token"}) // want `c\.AbortWithStatusJSON does not stop the handler: execution continues to c\.AbortWithStatusJSON at line 32`
		}
		user, err := parseToken(header)
		if err != nil {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": err.Error()})
		}
		c.Set("user", user)
		c.Next() // runs nothing after an abort: not a write
	}
}

// Leaking: the business handler ("B" in the chapter) aborts on a bad
// parameter and then writes "Hello" anyway.
func Business(c *gin.Context) { // want Business:`ginwrite\(param 0: write c\.AbortWithStatus at seed\.go:43; abort c\.AbortWithStatus at seed\.go:43\)`
	if c.Query("name") == "" {
		c.AbortWithStatus(http.StatusBadRequest) // want `execution continues to c\.String at line 45`
	}
	c.String(http.StatusOK, "Hello")
}

// Fixed: every abort returns.
func AuthenticationFixed() gin.HandlerFunc {
	return func(c *gin.Context) {
		header := c.GetHeader("Authorization")
		if header == "" {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "missing token"})
			return
		}
		user, err := parseToken(header)
		if err != nil {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": err.Error()})
			return
		}
		c.Set("user", user)
		c.Next()
	}
}

func BusinessFixed(c *gin.Context) { // want BusinessFixed:`ginwrite\(param 0: write c\.AbortWithStatus at seed\.go:68; abort c\.AbortWithStatus at seed\.go:68\)`
	if c.Query("name") == "" {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	c.String(http.StatusOK, "Hello")
}
