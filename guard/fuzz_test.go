package guard

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// validHeaderName reports whether s is an HTTP token, as a header name must be.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether net/http could carry s as a header
// value: UTF-8 here (the JSON log replaces invalid bytes, which would hide
// a leak from the comparison) and no control characters but tab.
func validHeaderValue(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// logStrings returns every string, keys included, of the JSON records in out.
func logStrings(t *testing.T, out string) []string {
	t.Helper()
	var all []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			all = append(all, v)
		case map[string]any:
			for k, vv := range v {
				all = append(all, k)
				walk(vv)
			}
		case []any:
			for _, vv := range v {
				walk(vv)
			}
		}
	}
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var rec any
		if err := dec.Decode(&rec); err == io.EOF {
			return all
		} else if err != nil {
			t.Fatalf("log output is not JSON: %v\n%s", err, out)
		}
		walk(rec)
	}
}

type redactionInput struct {
	auth, cookie, apiKey, customHeader, customVal, queryName, queryVal, rawExtra, path string
}

// logRequest sends one request built from in through RequestID and
// AccessLog (headers logged, in.customHeader and in.queryName redacted)
// and returns the log output.
func logRequest(in redactionInput) string {
	sink := &logSink{}
	logger := slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{} // the clock is not input
			}
			return a
		},
	}))
	r := gin.New()
	r.Use(RequestID(), AccessLog(logger, WithHeaderLogging(), WithRedactedHeaders(in.customHeader), WithRedactedQuery(in.queryName)))
	r.NoRoute(func(c *gin.Context) {
		c.Header("Set-Cookie", "resp="+in.apiKey+"; Path=/")
		_ = c.Error(io.ErrUnexpectedEOF)
		c.String(http.StatusNotFound, "nothing here")
	})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.URL.Path = "/" + in.path
	req.URL.RawQuery = url.Values{in.queryName: {in.queryVal}}.Encode()
	if in.rawExtra != "" {
		req.URL.RawQuery += "&" + in.rawExtra
	}
	req.Header.Set("Authorization", in.auth)
	req.Header.Set("Cookie", in.cookie)
	req.Header.Set("X-Api-Key", in.apiKey)
	req.Header[in.customHeader] = append(req.Header[in.customHeader], in.customVal)
	req.Header.Set("User-Agent", "fuzz")
	r.ServeHTTP(httptest.NewRecorder(), req)
	return sink.String()
}

// FuzzAccessLogRedaction checks that no configured secret — the values of
// the redacted headers (defaults and one configured name), the credentials
// after an authentication scheme, and the values of redacted query
// parameters as url.ParseQuery reads them — appears anywhere in the access
// log, keys included. Secrets shorter than 6 bytes are redacted in their
// own field but not scrubbed from the others, so they are not checked;
// nor is a secret that the log contains whatever the secrets are (a key,
// a header name, the route...), found by logging the same request with
// every value replaced.
func FuzzAccessLogRedaction(f *testing.F) {
	f.Add("Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "sid=cookie-secret-value; theme=dark", "api-key-0123456789",
		"X-Session-Token", "session-token-abcdef", "access_token", "query-secret-123", "page=2&sig=signature-456;x=1", "items/42")
	f.Add("Basic dXNlcjpwYXNzd29yZA==", "a=1", "short", "X-Forwarded-For", "203.0.113.99", "Password", "hunter2hunter2",
		"PASSWORD=hunter3hunter3", "reset/hunter2hunter2")
	f.Add("Bearer tok-tok-tok", "", "k", "X-Request-Id", "client-chosen-id", "TOKEN", "tokentoken", "%zz=broken-escape", "a")
	f.Add("Digest username=\"bob\", response=\"6629fae49393a05397450978507c4ef1\"", `sid="quoted-cookie-value"`, "x",
		"x-custom-auth", "custom auth value", " spaced ", "spaced-secret", "a;token=semicolon-secret", "")
	f.Add("Bearer ünïcödé-secret", "c=ünïcödé-cookie", "ключ-секрет", "X-Ünicode", "v", "тОкен", "значение-секрет", "ТОКЕН=второй-секрет", "путь")
	f.Fuzz(func(t *testing.T, auth, cookie, apiKey, customHeader, customVal, queryName, queryVal, rawExtra, path string) {
		if !validHeaderName(customHeader) {
			return
		}
		for _, v := range []string{auth, cookie, apiKey, customVal} {
			if !validHeaderValue(v) {
				return
			}
		}
		for _, v := range []string{queryName, queryVal, rawExtra, path} {
			if !utf8.ValidString(v) {
				return
			}
		}
		if strings.TrimSpace(queryName) == "" {
			return // WithRedactedQuery ignores an empty name
		}
		in := redactionInput{auth, cookie, apiKey, customHeader, customVal, queryName, queryVal, rawExtra, path}

		secrets := []string{auth, cookie, apiKey, customVal}
		if _, cred, ok := strings.Cut(strings.TrimSpace(auth), " "); ok {
			secrets = append(secrets, strings.TrimSpace(cred))
		}
		redactedQuery := map[string]bool{strings.ToLower(strings.TrimSpace(queryName)): true}
		for _, n := range defaultRedactedQuery() {
			redactedQuery[n] = true
		}
		raw := url.Values{queryName: {queryVal}}.Encode() + "&" + rawExtra
		vals, _ := url.ParseQuery(raw) // what the application sees, errors skipped
		for k, vs := range vals {
			if redactedQuery[strings.ToLower(strings.TrimSpace(k))] {
				secrets = append(secrets, vs...)
			}
		}

		baseline := logStrings(t, logRequest(redactionInput{
			auth: "v", cookie: "v", apiKey: "v", customHeader: customHeader, customVal: "v", queryName: queryName,
		}))
		got := logStrings(t, logRequest(in))
		for _, secret := range secrets {
			if len(strings.TrimSpace(secret)) < minSecretLen {
				continue
			}
			inVocabulary := false
			for _, s := range baseline {
				inVocabulary = inVocabulary || strings.Contains(s, secret)
			}
			if inVocabulary {
				continue
			}
			for _, s := range got {
				if strings.Contains(s, secret) {
					t.Fatalf("secret %q appears in the log as %q\ninput %+v", secret, s, in)
				}
			}
		}
	})
}
