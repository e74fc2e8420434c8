package guard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestTokenRefusals covers every constructor that takes a token: each bad
// token is refused with the rule it breaks and the way to make a good one,
// and the error never repeats the token (it may end up in a log).
func TestTokenRefusals(t *testing.T) {
	tests := []struct {
		name, token, want string
	}{
		{"empty", "", "empty token"},
		{"one character", "x", "1 bytes long, want at least 16"},
		{"15 bytes", "abcdefghijklmno", "15 bytes long, want at least 16"},
		{"word typed by hand", "debug-token", "11 bytes long"},
		{"non-breaking space alone", "\u00a0", "U+00A0 at byte 0"},
		{"non-breaking spaces only", strings.Repeat("\u00a0", 16), "U+00A0 at byte 0"},
		{"non-breaking space inside", "0123456789abcdef\u00a0x", "U+00A0 at byte 16"},
		{"zero-width space", "0123456789\u200babcdefgh", "U+200B at byte 10"},
		{"ideographic space", "0123456789abcdef\u3000", "U+3000"},
		{"ascii space", "0123456789 abcdefgh", "U+0020 at byte 10"},
		{"tab", "0123456789\tabcdefgh", "U+0009"},
		{"newline at the end", "0123456789abcdefgh\n", "U+000A at byte 18"},
		{"DEL", "0123456789abcdefgh\x7f", "U+007F"},
		{"invalid UTF-8", "0123456789abcdefgh\xff", "not valid UTF-8"},
	}
	mount := map[string]func(tok string) error{
		"BearerAuth": func(tok string) error { _, err := BearerAuth(tok); return err },
		"Pprof":      func(tok string) error { return Pprof(gin.New(), tok) },
		"Leaks":      func(tok string) error { _, err := Leaks(tok); return err },
	}
	for _, tt := range tests {
		for fn, f := range mount {
			t.Run(fn+"/"+tt.name, func(t *testing.T) {
				err := f(tt.token)
				if err == nil {
					t.Fatalf("token %q accepted", tt.token)
				}
				msg := err.Error()
				if !strings.Contains(msg, "guard: "+fn+": ") || !strings.Contains(msg, tt.want) {
					t.Errorf("error %q, want it to name %s and contain %q", msg, fn, tt.want)
				}
				if !strings.Contains(msg, "openssl rand -hex 32") {
					t.Errorf("error %q does not say how to generate a token", msg)
				}
				if len(strings.TrimSpace(tt.token)) >= 4 && strings.Contains(msg, strings.TrimSpace(tt.token)) {
					t.Errorf("error %q repeats the token", msg)
				}
			})
		}
	}
	for _, tok := range []string{
		"0123456789abcdef", // exactly MinTokenLen
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", // openssl rand -hex 32
		"q83vEjRWeJASNFZ4kKvN7xI0VniQq83vEjRWeJASNFY=",                     // head -c 32 /dev/urandom | base64
		"ünïcödé-tøken-ok",                                                 // printable non-ASCII letters
	} {
		for fn, f := range mount {
			if err := f(tok); err != nil {
				t.Errorf("%s(%q): %v", fn, tok, err)
			}
		}
	}
}

// TestLeaksNeedsToken is the protected form of the leak page: without the
// token nothing of the report is served; with it, the same page as
// LeakHandler.
func TestLeaksNeedsToken(t *testing.T) {
	h, err := Leaks(testToken, WithLeakThreshold(7))
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range []string{"", "Bearer", "Bearer wrong-token-0123456789", "Basic " + testToken, testToken, "Bearer " + testToken + "x"} {
		req := httptest.NewRequest(http.MethodGet, "/debug/leaks?format=json", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := serve(h, req)
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: status %d, want 401 with WWW-Authenticate", auth, rec.Code)
		}
		if e := jsonError(t, rec.Body.Bytes()); e.Status != 401 || e.Error != unauthorizedMsg {
			t.Errorf("Authorization %q: body %+v", auth, e)
		}
		if strings.Contains(rec.Body.String(), "goroutines") {
			t.Errorf("Authorization %q: report in a refused answer: %s", auth, rec.Body)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/debug/leaks?format=json", nil)
	req.Header.Set("Authorization", "bearer "+testToken)
	rec := serve(h, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"threshold": 7`) {
		t.Errorf("right token: status %d, body %.200s", rec.Code, rec.Body)
	}

	// Mounted on gin beside Pprof with the same token.
	r := gin.New()
	if err := Pprof(r, testToken); err != nil {
		t.Fatal(err)
	}
	r.GET("/debug/leaks", gin.WrapH(h))
	if rec := pprofGet(r, "/debug/leaks", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("gin, no token: %d", rec.Code)
	}
	if rec := pprofGet(r, "/debug/leaks", "Bearer "+testToken); rec.Code != 200 || !strings.Contains(rec.Body.String(), "goroutines:") {
		t.Errorf("gin, token: %d %.200s", rec.Code, rec.Body)
	}
}
