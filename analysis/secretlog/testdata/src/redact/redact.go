// Package redact holds the false-positive traps: credentials that are
// redacted, filtered or hashed before they are logged.
package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"strings"

	"github.com/gin-gonic/gin"
)

func redactHeaders(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Authorization", "Cookie"} {
		out.Del(k)
	}
	return out
}

func maskToken(s string) string {
	if len(s) < 8 {
		return "****"
	}
	return s[:4] + "****"
}

// ---- not reported ----

func redactedMap(r *http.Request) {
	h := redactHeaders(r.Header)
	log.Printf("%v", h)
	log.Printf("%v", redactHeaders(r.Header))
}

func maskedValue(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	log.Printf("token %s", maskToken(tok))
	masked := maskToken(tok)
	slog.Info("auth", "token", masked)
}

func cloneDel(r *http.Request) {
	h := r.Header.Clone()
	h.Del("Authorization")
	log.Printf("headers %v", h)
}

func cloneSet(c *gin.Context) {
	h := c.Request.Header.Clone()
	h.Set("Authorization", "[REDACTED]")
	h.Set("Cookie", "[REDACTED]")
	slog.Info("req", "headers", h)
}

func cloneDelLoop(r *http.Request) {
	h := r.Header.Clone()
	for _, k := range []string{"Authorization", "Cookie", "Set-Cookie"} {
		h.Del(k)
	}
	log.Println(h)
}

func cloneDeleteBuiltin(r *http.Request) {
	h := r.Header.Clone()
	delete(h, "Authorization")
	h["Cookie"] = []string{"[REDACTED]"}
	log.Println(h)
}

func hashed(c *gin.Context, key []byte) {
	tok := c.GetHeader("Authorization")
	sum := sha256.Sum256([]byte(tok))
	log.Printf("token fingerprint %x", sum[:8])
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(tok))
	log.Printf("mac %s", hex.EncodeToString(mac.Sum(nil)))
	log.Printf("fp %s", fingerprint(tok))
}

func fingerprint(s string) string { return "" }

// Filtering loops: the key is tested, or credential headers are named.
func denyList(c *gin.Context) {
	for k, v := range c.Request.Header {
		if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Cookie") {
			continue
		}
		log.Printf("%s: %s", k, strings.Join(v, ", "))
	}
}

var allowed = map[string]bool{"User-Agent": true, "Accept": true}

func allowList(r *http.Request) {
	safe := map[string][]string{}
	for k, v := range r.Header {
		if allowed[k] {
			safe[k] = v
		}
	}
	slog.Info("req", "headers", safe)
}

func switchFilter(r *http.Request) {
	for k, v := range r.Header {
		switch k {
		case "Authorization", "Cookie":
			v = []string{"[REDACTED]"}
		}
		log.Println(k, v)
	}
}

// gin's own recovery dump, masked line by line.
func maskedDump(r *http.Request) {
	dump, _ := httputil.DumpRequest(r, false)
	lines := strings.Split(string(dump), "\r\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "Authorization:") {
			lines[i] = "Authorization: *"
		}
	}
	log.Printf("[Recovery] %s", strings.Join(lines, "\r\n"))
}

// maskAuthorization edits the lines in place (older gin versions).
func maskAuthorization(lines []string) {}

func maskedInPlace(r *http.Request) {
	dump, _ := httputil.DumpRequest(r, false)
	headers := strings.Split(string(dump), "\r\n")
	maskAuthorization(headers)
	log.Printf("%s", strings.Join(headers, "\r\n"))
}

// Logging other headers, the request line and the response status.
func otherData(c *gin.Context) {
	slog.Info("req",
		"method", c.Request.Method,
		"path", c.Request.URL.Path,
		"ua", c.Request.UserAgent(),
		"ip", c.ClientIP(),
		"status", c.Writer.Status())
	fmt.Printf("%s %s\n", c.Request.Method, c.Request.URL)
}

// ---- still reported ----

func redactOther(r *http.Request) {
	h := r.Header.Clone()
	h.Set("X-Request-Id", "1") // not a credential: nothing redacted
	log.Println(h)             // want `the request headers r\.Header \(in h\) reach log\.Println`
}

func fingerprintKeepsToken(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	fp := fingerprint(tok)              // tok is a string: it is not redacted in place
	log.Printf("tok=%s fp=%s", tok, fp) // want `the Authorization header value \(in tok\) reaches log\.Printf`
}

func loggedBeforeRedaction(r *http.Request) {
	h := r.Header.Clone()
	log.Println(h) // want `the request headers r\.Header \(in h\) reach log\.Println`
	h.Del("Authorization")
	log.Println(h)
}

func filterOther(r *http.Request) {
	dump, _ := httputil.DumpRequest(r, false)
	lines := strings.Split(string(dump), "\r\n")
	for _, line := range lines {
		if strings.HasPrefix(line, "X-Trace") {
			continue
		}
	}
	log.Printf("%s", strings.Join(lines, "\n")) // want `the request dump from httputil\.DumpRequest reaches log\.Printf`
}
