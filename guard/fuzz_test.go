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
	auth, cookie, apiKey, customHeader, customVal, queryName, queryVal, rawExtra, path, plainHeader, plainVal string
}

// logRequest sends one request built from in through RequestID and
// AccessLog (headers logged, in.customHeader and in.queryName redacted;
// in.plainHeader redacted only if its name is secret by default; rawExtra
// also in a Referer) and returns the log output.
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
	req.Header[in.plainHeader] = append(req.Header[in.plainHeader], in.plainVal)
	req.Header.Set("Referer", "https://shop.example/back?"+in.rawExtra)
	req.Header.Set("User-Agent", "fuzz")
	r.ServeHTTP(httptest.NewRecorder(), req)
	return sink.String()
}

// containsWord reports whether sec occurs in s with no letter or digit
// just before or after it.
func containsWord(s, sec string) bool {
	found := false
	findSecret(s, sec, func(int) { found = true })
	return found
}

// FuzzAccessLogRedaction checks that no secret — the values of the
// redacted headers (defaults, one configured name, and one arbitrary name
// that is redacted when its words make it secret), the credentials after
// an authentication scheme, and the values of redacted query parameters as
// url.ParseQuery reads them — appears anywhere in the access log, keys
// included: neither as it is nor query- or path-escaped. Secrets shorter
// than 6 bytes are scrubbed from the other fields only where they stand
// alone as a word, so only that is checked for them. Not checked: a
// secret that the log contains whatever the secrets are (a key, a header
// name, the route...), found by logging the same request with every value
// replaced. Which names are secret is the table tests' business; this
// checks that every value of a secret name is gone.
func FuzzAccessLogRedaction(f *testing.F) {
	f.Add("Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "sid=cookie-secret-value; theme=dark", "api-key-0123456789",
		"X-Session-Token", "session-token-abcdef", "access_token", "query-secret-123", "page=2&sig=signature-456;x=1", "items/42",
		"X-Auth-Token", "auth-token-value-1")
	f.Add("Basic dXNlcjpwYXNzd29yZA==", "a=1", "short", "X-Forwarded-For", "203.0.113.99", "Password", "hunter2hunter2",
		"PASSWORD=hunter3hunter3", "reset/hunter2hunter2", "X-Access-Token", "tok42")
	f.Add("Bearer tok-tok-tok", "", "k", "X-Request-Id", "client-chosen-id", "TOKEN", "tokentoken", "%zz=broken-escape", "a",
		"Keyword", "not-a-secret")
	f.Add("Digest username=\"bob\", response=\"6629fae49393a05397450978507c4ef1\"", `sid="quoted-cookie-value"`, "x",
		"x-custom-auth", "custom auth value", " spaced ", "spaced-secret", "a;token=semicolon-secret", "", "X-Csrf-Token", "csrf")
	f.Add("Bearer ünïcödé-secret", "c=ünïcödé-cookie", "ключ-секрет", "X-Ünicode", "v", "тОкен", "значение-секрет", "ТОКЕН=второй-секрет", "путь",
		"X-Ключ", "v2")
	// Names the exact lists of old missed (issue 9).
	f.Add("Bearer b1", "", "", "X-Tenant", "acme", "page", "2",
		"token%5B%5D=bracket-token-1&token[]=bracket-token-2&user%5Bpassword%5D=hunter4&user[password]=hunter5&access-token=dash-token-1",
		"", "X-Amz-Security-Token", "FwoGZXIvYXdzEBYaDH")
	f.Add("", "", "", "X-Tenant", "acme", "q", "shoes",
		"auth=auth1&jwt=eyJ.x.y&session_id=sess-77&private_token=glpat-123&pass=pw9&sessionId=camel-sess",
		"", "X-Hub-Signature-256", "sha256=abcdef0123")
	f.Add("", "", "", "X-Tenant", "acme", "sv", "2022-11-02",
		"X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=svc%40proj.iam%2F20240101%2Fauto%2Fstorage&X-Goog-Signature=9a8b7c6d5e"+
			"&X-Amz-Credential=AKIAEXAMPLE%2F20240101&X-Amz-Signature=fe5f80f77d5fa3be&sig=sas%2Bsig%2Fvalue%3D&se=2030-01-01",
		"bucket/obj", "Stripe-Signature", "t=1,v1=5257a869")
	// A header secret that reappears percent-encoded in the URL, and
	// secrets shorter than 6 bytes (alone as words elsewhere).
	f.Add("Bearer a/b+c=d?e", "", "", "X-Tenant", "acme", "next", "/cb?t=a/b+c=d?e",
		"copy=a%2Fb%2Bc%3Dd%3Fe&x=a%2fb%2bc%3dd%3fe", "a%2Fb%2Bc%3Dd%3Fe", "X-Access-Token", "p@ss w0rd&=")
	f.Add("Bearer xy1", "", "", "X-Tenant", "acme", "pwd", "42",
		"id=42&who=xy1&n=142", "items/42/xy1", "X-Auth-Token", "a1")
	f.Fuzz(func(t *testing.T, auth, cookie, apiKey, customHeader, customVal, queryName, queryVal, rawExtra, path, plainHeader, plainVal string) {
		if !validHeaderName(customHeader) || !validHeaderName(plainHeader) {
			return
		}
		for _, v := range []string{auth, cookie, apiKey, customVal, plainVal, rawExtra} {
			if !validHeaderValue(v) {
				return
			}
		}
		for _, v := range []string{queryName, queryVal, path} {
			if !utf8.ValidString(v) {
				return
			}
		}
		if strings.TrimSpace(queryName) == "" {
			return // WithRedactedQuery ignores an empty name
		}
		in := redactionInput{auth, cookie, apiKey, customHeader, customVal, queryName, queryVal, rawExtra, path, plainHeader, plainVal}

		secrets := []string{auth, cookie, apiKey, customVal}
		if _, cred, ok := strings.Cut(strings.TrimSpace(auth), " "); ok {
			secrets = append(secrets, strings.TrimSpace(cred))
		}
		if newSecretNames(false, nil).match(plainHeader) {
			secrets = append(secrets, plainVal)
		}
		configured := strings.ToLower(strings.TrimSpace(queryName))
		defaults := newSecretNames(true, nil)
		raw := url.Values{queryName: {queryVal}}.Encode() + "&" + rawExtra
		vals, _ := url.ParseQuery(raw) // what the application sees, errors skipped
		for k, vs := range vals {
			if strings.ToLower(strings.TrimSpace(k)) == configured || defaults.match(k) {
				secrets = append(secrets, vs...)
			}
		}

		baseline := logStrings(t, logRequest(redactionInput{
			auth: "v", cookie: "v", apiKey: "v", customHeader: customHeader, customVal: "v", queryName: queryName,
			plainHeader: plainHeader, plainVal: "v",
		}))
		got := logStrings(t, logRequest(in))
		for _, secret := range secrets {
			secret = strings.TrimSpace(secret)
			if !usableSecret(secret) {
				continue
			}
			forms := []string{secret}
			if len(secret) >= minSecretLen {
				forms = append(forms, url.QueryEscape(secret), url.PathEscape(secret))
			}
			for _, form := range forms {
				occurs := func(s string) bool {
					if len(form) < minSecretLen {
						return containsWord(s, form)
					}
					return strings.Contains(s, form)
				}
				inVocabulary := false
				for _, s := range baseline {
					inVocabulary = inVocabulary || occurs(s)
				}
				if inVocabulary {
					continue
				}
				for _, s := range got {
					if occurs(s) {
						t.Fatalf("secret %q appears in the log (as %q) in %q\ninput %#v", secret, form, s, in)
					}
				}
			}
		}
	})
}
