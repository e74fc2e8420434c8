package guard

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestSecretNames(t *testing.T) {
	query := newSecretNames(true, nil)
	header := newSecretNames(false, nil)
	secret := []string{
		// query parameters (issue 9)
		"token", "token[]", "user[password]", "access-token", "access_token", "auth", "jwt", "session_id",
		"private_token", "pass", "X-Goog-Signature", "X-Goog-Credential", "X-Amz-Signature", "X-Amz-Credential",
		"X-Amz-Security-Token", "sig", "code", "api_key", "apikey", "key", "password", "passwd", "pwd", "secret",
		"client_secret", "refresh_token", "id_token", "signature", "Signature", "AWSAccessKeyId", "oauth_signature",
		"accessToken", "sessionId", "apiKey", "APIKey", "JWTToken", "clientSecret", "accesstoken", "clientsecret",
		"jsessionid", "PHPSESSID", "tokens", "keys[0]", "data.credentials.value", "user.pass", "passphrase",
		"_csrf", "otp", "sid", "sessions", "SESSION", "x_hmac", "privatekey", "private",
		// headers
		"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token",
		"X-Access-Token", "X-Csrf-Token", "X-XSRF-TOKEN", "X-Session-Id", "X-Hub-Signature-256",
		"Stripe-Signature", "X-Goog-Api-Key", "x-amz-security-token", "X-Forwarded-Access-Token", "Sec-WebSocket-Key",
	}
	plain := []string{
		"keyword", "monkey", "passage", "author", "authority", "possession", "bypass", "compass", "signup",
		"zip_code", "error_code", "country-code", "codes", "page", "q", "sort", "id", "user", "se", "sv", "sp",
		"X-Goog-Algorithm", "X-Goog-Date", "X-Amz-Date", "X-Amz-Expires", "GoogleAccessId",
		"Content-Type", "User-Agent", "X-Request-Id", "X-Forwarded-For", "Referer", "Keep-Alive", "Accept",
		"WWW-Authenticate", "Traceparent", "Idempotency", "sigma", "tokenizer", "secretary", "passenger",
		"", "[]", "-",
	}
	for _, n := range secret {
		if !query.match(n) {
			t.Errorf("query parameter %q is not secret", n)
		}
		if n != "code" && !header.match(n) {
			t.Errorf("header %q is not secret", n)
		}
	}
	for _, n := range plain {
		if query.match(n) || header.match(n) {
			t.Errorf("%q is secret, want it logged", n)
		}
	}
	if header.match("code") {
		t.Error(`header "code" is secret; only the query parameter is`)
	}

	// Added names: one word matches as a word, several as the same words,
	// and any exactly (case-insensitive).
	user := newSecretNames(false, []string{"SSN", "x-tenant", " Ünïcödé ", "[]"})
	for _, n := range []string{"ssn", "X-User-SSN", "user[ssn]", "X-Tenant", "x_tenant", "xTenant", "ÜNÏCÖDÉ", "[]"} {
		if !user.match(n) {
			t.Errorf("added name: %q is not secret", n)
		}
	}
	for _, n := range []string{"ssnx", "tenant", "x-tenant-id", "unicode"} {
		if user.match(n) {
			t.Errorf("added name: %q is secret", n)
		}
	}
}

// logOne serves req through AccessLog with header logging and returns the
// only record and the raw output.
func logOne(t *testing.T, req *http.Request, opts ...Option) (map[string]any, string) {
	t.Helper()
	logger, sink := newJSONLogger(slog.LevelInfo)
	r := gin.New()
	r.Use(AccessLog(logger, append([]Option{WithHeaderLogging()}, opts...)...))
	r.NoRoute(func(c *gin.Context) { c.Status(http.StatusNotFound) })
	serve(r, req)
	recs := sink.records(t)
	if len(recs) != 1 {
		t.Fatalf("%d records: %s", len(recs), sink)
	}
	return recs[0], sink.String()
}

// TestAccessLogRedactsByWords: each name of issue 9 that the exact lists
// missed, in a query or a header, with the secret also elsewhere in the
// request (in the path, percent-encoded in another parameter, in another
// header), is gone from the whole record; innocent parameters stay.
func TestAccessLogRedactsByWords(t *testing.T) {
	tests := []struct {
		name, query string
		header      [2]string // name, value
		secret      string
		wantQuery   string
	}{
		{"token[]", "token[]=tok-bracket-1&page=2", [2]string{}, "tok-bracket-1", "token[]=" + Redacted + "&page=2"},
		{"escaped token[]", "token%5B%5D=tok-bracket-2", [2]string{}, "tok-bracket-2", "token%5B%5D=" + Redacted},
		{"user[password]", "user[name]=ada&user[password]=hunter22", [2]string{}, "hunter22", "user[name]=ada&user[password]=" + Redacted},
		{"access-token", "access-token=dash-tok-3", [2]string{}, "dash-tok-3", "access-token=" + Redacted},
		{"auth", "auth=auth-val-4", [2]string{}, "auth-val-4", "auth=" + Redacted},
		{"jwt", "jwt=eyJhbGci.e30.sig5", [2]string{}, "eyJhbGci.e30.sig5", "jwt=" + Redacted},
		{"session_id", "session_id=sess-id-6", [2]string{}, "sess-id-6", "session_id=" + Redacted},
		{"private_token", "private_token=glpat-7", [2]string{}, "glpat-7", "private_token=" + Redacted},
		{"pass", "user=ada&pass=pw-8-pw", [2]string{}, "pw-8-pw", "user=ada&pass=" + Redacted},
		{"X-Goog-Signature", "X-Goog-Date=20240101T000000Z&X-Goog-Signature=9a8b7c6d5e4f", [2]string{}, "9a8b7c6d5e4f",
			"X-Goog-Date=20240101T000000Z&X-Goog-Signature=" + Redacted},
		{"X-Amz-Credential", "X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1&X-Amz-Signature=fe5f80f77d5fa3be", [2]string{},
			"AKIAEXAMPLE/20240101/us-east-1", "X-Amz-Credential=" + Redacted + "&X-Amz-Signature=" + Redacted},
		{"SAS sig", "sv=2022-11-02&se=2030-01-01&sp=r&sig=sas%2Bsig%2Fvalue%3D", [2]string{}, "sas+sig/value=",
			"sv=2022-11-02&se=2030-01-01&sp=r&sig=" + Redacted},
		{"X-Auth-Token", "", [2]string{"X-Auth-Token", "hdr-auth-tok-9"}, "hdr-auth-tok-9", ""},
		{"X-Access-Token", "", [2]string{"X-Access-Token", "hdr-access-tok-10"}, "hdr-access-tok-10", ""},
		{"short header secret", "", [2]string{"X-Auth-Token", "k1"}, "k1", ""},
		{"short query secret", "pwd=z9&page=2", [2]string{}, "z9", "pwd=" + Redacted + "&page=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The secret also reappears: in the path, percent-encoded in a
			// harmless parameter, and in a harmless header.
			enc := strings.NewReplacer("/", "%2F", "+", "%2B", "=", "%3D", ".", "%2E").Replace(tt.secret)
			target := "/files/" + tt.secret + "?"
			if tt.query != "" {
				target += tt.query + "&"
			}
			target += "next=%2Fcb%3Fv%3D" + enc
			req := httptest.NewRequest(http.MethodGet, strings.ReplaceAll(target, "+", "%2B"), nil)
			req.URL.Path = "/files/" + tt.secret
			if tt.header[0] != "" {
				req.Header.Set(tt.header[0], tt.header[1])
			}
			req.Header.Set("X-Echo", "got "+tt.secret+" back")
			rec, out := logOne(t, req)
			if strings.Contains(out, tt.secret) || strings.Contains(out, enc) {
				t.Errorf("secret %q (or %q) in the log: %s", tt.secret, enc, out)
			}
			if q, _ := rec["query"].(string); tt.wantQuery != "" && !strings.HasPrefix(q, tt.wantQuery+"&next=") {
				t.Errorf("query = %q, want %q&next=...", q, tt.wantQuery)
			}
			if p := rec["path"]; p != "/files/"+Redacted {
				t.Errorf("path = %v", p)
			}
			h, _ := rec["req_headers"].(map[string]any)
			if tt.header[0] != "" && h[tt.header[0]] != Redacted {
				t.Errorf("header %s = %v, want %s", tt.header[0], h[tt.header[0]], Redacted)
			}
			if h["X-Echo"] != "got "+Redacted+" back" {
				t.Errorf("X-Echo = %v", h["X-Echo"])
			}
		})
	}
}

// TestAccessLogKeepsInnocentNames: words that merely contain a secret word
// are logged, and a short secret is scrubbed only where it stands alone.
func TestAccessLogKeepsInnocentNames(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet,
		"/items/42/page-42?keyword=shoes&monkey=george&passage=north&author=ada&zip_code=10115&pwd=42&n=142", nil)
	req.Header.Set("Idempotency", "idem-1")
	rec, _ := logOne(t, req)
	want := "keyword=shoes&monkey=george&passage=north&author=ada&zip_code=10115&pwd=" + Redacted + "&n=142"
	if rec["query"] != want {
		t.Errorf("query = %v\nwant    %s", rec["query"], want)
	}
	if p := rec["path"]; p != "/items/"+Redacted+"/page-"+Redacted {
		t.Errorf("path = %v, want the word 42 scrubbed and nothing else", p)
	}
	h, _ := rec["req_headers"].(map[string]any)
	if h["Idempotency"] != "idem-1" {
		t.Errorf("Idempotency = %v", h["Idempotency"])
	}
}

// TestAccessLogHeaderSecretEncodedInURL: the value of a secret header that
// comes back percent-encoded (upper or lower case hex), form-encoded or
// over-encoded in the query, the path or another header is scrubbed there.
func TestAccessLogHeaderSecretEncodedInURL(t *testing.T) {
	const tok = "a/b+c=d?e f"
	for _, form := range []string{
		"a%2Fb%2Bc%3Dd%3Fe%20f", "a%2fb%2bc%3dd%3fe+f", "%61%2F%62%2B%63%3D%64%3F%65%20%66", "a/b%2Bc=d%3Fe+f",
	} {
		req := httptest.NewRequest(http.MethodGet, "/cb?state=x&next="+form, nil)
		req.Header.Set("X-Access-Token", tok)
		req.Header.Set("Referer", "https://shop.example/?back="+form)
		rec, out := logOne(t, req)
		if strings.Contains(out, form) || strings.Contains(out, tok) {
			t.Errorf("form %q: secret in the log: %s", form, out)
		}
		if rec["query"] != "state=x&next="+Redacted {
			t.Errorf("form %q: query = %v", form, rec["query"])
		}
	}
}

// TestAccessLogManySecrets: past maxSecrets secret values in one request,
// every free-text field is redacted whole, so a hostile request cannot
// make the log scrub thousands of values through every field.
func TestAccessLogManySecrets(t *testing.T) {
	var q []string
	for i := range 5000 {
		q = append(q, fmt.Sprintf("token=v%d-secret", i))
	}
	req := httptest.NewRequest(http.MethodGet, "/p/v4999-secret?"+strings.Join(q, "&"), nil)
	req.Header.Set("X-Echo", "v17-secret")
	rec, out := logOne(t, req)
	if strings.Contains(out, "-secret") {
		t.Errorf("a secret in the log: %.300s", out)
	}
	h, _ := rec["req_headers"].(map[string]any)
	if rec["path"] != Redacted || rec["query"] != Redacted || h["X-Echo"] != Redacted {
		t.Errorf("path %v, query %.80v, X-Echo %v: want each %s", rec["path"], rec["query"], h["X-Echo"], Redacted)
	}
	if rec["method"] != "GET" || rec["status"] != 404.0 {
		t.Errorf("record %v", rec)
	}
}

func TestScrub(t *testing.T) {
	tests := []struct {
		in      string
		secrets []string
		want    string
	}{
		{"abc", nil, "abc"},
		{"x-s3cr3t-y", []string{"s3cr3t"}, "x-" + Redacted + "-y"},
		{"xs3cr3ty", []string{"s3cr3t"}, "x" + Redacted + "y"},                        // long: anywhere
		{"a1 ba1 a1b [a1]", []string{"a1"}, Redacted + " ba1 a1b [" + Redacted + "]"}, // short: words only
		{"%61%31 x", []string{"a1"}, Redacted + " x"},
		{"q=s3%2Fcr+t&r=1", []string{"s3/cr t"}, "q=" + Redacted + "&r=1"},
		{"aaaaaaa", []string{"aaaaaa"}, Redacted + "a"},
		{"aaaa", []string{"aaa"}, "aaaa"},
		{"overlap abcdefgh", []string{"abcdef", "defgh1", "cdefgh"}, "overlap " + Redacted},
		{"s3cr3tx", []string{"s3cr3t", "x"}, Redacted + Redacted}, // "x" becomes a word once its neighbour is gone
		{"%zz%4", []string{"zz%4x"}, "%zz%4"},
		{"ünï-42-ünï", []string{"42"}, "ünï-" + Redacted + "-ünï"},
		{"ü42", []string{"42"}, "ü42"},
	}
	for _, tt := range tests {
		if got := scrub(tt.in, tt.secrets); got != tt.want {
			t.Errorf("scrub(%q, %q) = %q, want %q", tt.in, tt.secrets, got, tt.want)
		}
	}
}
