package guard

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// MinTokenLen is the shortest token BearerAuth, Pprof and Leaks accept, in
// bytes. It is a floor against a word typed by hand or a placeholder
// left in a config, not a recommendation: use 32 random bytes
// (`openssl rand -hex 32` prints them as 64 hex digits).
const MinTokenLen = 16

// BearerAuth returns middleware that lets a request through only if it
// carries "Authorization: Bearer <token>"; others get 401 with a JSON error
// and a WWW-Authenticate header. The token is compared in constant time
// (SHA-256 of both sides, then crypto/subtle.ConstantTimeCompare, so that
// its length does not leak either). A token shorter than MinTokenLen
// bytes, or with a character that is not printable or is a space of any
// kind (control characters, a non-breaking space, a zero-width space,
// invalid UTF-8), is an error that says which rule it breaks. Generate one
// with `openssl rand -hex 32` or `head -c 32 /dev/urandom | base64`.
func BearerAuth(token string) (gin.HandlerFunc, error) {
	if err := checkToken(token); err != nil {
		return nil, fmt.Errorf("guard: BearerAuth: %w", err)
	}
	return bearerAuth(token), nil
}

// tokenHint tells how to make a token that passes checkToken.
const tokenHint = "generate one with `openssl rand -hex 32` or `head -c 32 /dev/urandom | base64`"

// checkToken refuses tokens that protect nothing: empty, short, or made of
// characters a person cannot see or type reliably (a token pasted with a
// non-breaking space is one character that looks like none). The token
// itself is never part of the error, which may be logged.
func checkToken(token string) error {
	if token == "" {
		return errors.New("empty token: refusing to protect endpoints with nothing; " + tokenHint)
	}
	if !utf8.ValidString(token) {
		return errors.New("the token is not valid UTF-8; " + tokenHint)
	}
	for i, r := range token {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("the token contains spaces, control or invisible characters (%U at byte %d); %s", r, i, tokenHint)
		}
	}
	if len(token) < MinTokenLen {
		return fmt.Errorf("the token is %d bytes long, want at least %d; %s", len(token), MinTokenLen, tokenHint)
	}
	return nil
}

// unauthorizedMsg is the error of a refused request.
const unauthorizedMsg = "missing or invalid bearer token"

func bearerAuth(token string) gin.HandlerFunc {
	want := sha256.Sum256([]byte(token))
	return func(c *gin.Context) {
		if !tokenMatches(want, c.Request.Header.Get("Authorization")) {
			c.Header("WWW-Authenticate", `Bearer realm="debug"`)
			abortJSON(c, http.StatusUnauthorized, unauthorizedMsg)
			return
		}
		c.Next()
	}
}

// tokenMatches reports whether the Authorization header value h carries
// the token whose SHA-256 is want, in time that depends on neither.
func tokenMatches(want [sha256.Size]byte, h string) bool {
	got, ok := bearerToken(h)
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1 && ok
}

// bearerHandler is BearerAuth for net/http: next runs only for requests
// with the token.
type bearerHandler struct {
	want [sha256.Size]byte
	next http.Handler
}

func (h *bearerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !tokenMatches(h.want, r.Header.Get("Authorization")) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="debug"`)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(errorBody{Error: unauthorizedMsg, Status: http.StatusUnauthorized})
		return
	}
	h.next.ServeHTTP(w, r)
}

// bearerToken returns the credentials of an "Authorization: Bearer x"
// header value (the scheme is case-insensitive).
func bearerToken(h string) (string, bool) {
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	return strings.TrimSpace(h[len(scheme):]), true
}
