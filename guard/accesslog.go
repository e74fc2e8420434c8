package guard

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"
)

// Redacted replaces the value of a redacted header or query parameter in
// the access log.
const Redacted = "[REDACTED]"

// minSecretLen is the length from which AccessLog scrubs a secret value
// from the other fields of a record wherever it occurs; shorter ones are
// scrubbed only where they stand alone as a word, since "42" or "abc"
// inside longer text is not the secret.
const minSecretLen = 6

type accessLog struct {
	logger  *slog.Logger
	headers bool
	bodyMax int
	redactH *secretNames // headers whose values are secrets
	redactQ *secretNames // query parameters whose values are secrets
}

// AccessLog returns middleware that logs one record per request, after the
// handlers have returned, with the message "http request" and the
// attributes:
//
//	method, route (the route template, c.FullPath(), or "unmatched"),
//	path, query (only when there is one, redacted), status, latency,
//	bytes (response body size), client_ip (c.ClientIP(): configure the
//	engine's trusted proxies), request_id (from RequestID), trace_id and
//	span_id (from the span in the request context, see Tracing),
//	errors (c.Errors, when there are any), panic (true when a panic went
//	through the middleware; the record is then logged before the panic
//	goes on).
//
// The level is Error for 5xx answers and panics, Info otherwise; when the
// logger is disabled at level Error the middleware costs almost nothing.
//
// Secrets are found by name: a header or query parameter is secret when
// one of the words of its name — lower case, split at anything that is not
// a letter or digit and where a lower-case letter or digit meets an upper
// case one — is token, secret, password, passwd, pass, passphrase, pwd,
// auth, authorization, bearer, jwt, session, sessionid, sessid, sid,
// signature, sig, hmac, key, apikey, privatekey, credential, cred, creds, cookie,
// private, csrf, xsrf or otp (or its plural), or ends with token, secret,
// password, passwd, passphrase, signature, credential, apikey, sessionid,
// sessid or cookie; the query parameter "code" (OAuth) is secret too.
// So Authorization, Cookie, X-Auth-Token, X-Api-Key, access-token,
// token[], user[password], session_id, accessToken, X-Amz-Signature and
// X-Goog-Credential are secret, and keyword, monkey, passage and author
// are not. WithRedactedHeaders and WithRedactedQuery add names.
//
// The values of secret headers and parameters are replaced by Redacted,
// and removed from every other field of the record (path, query, client
// IP, request ID, errors, headers, bodies) wherever they reappear, as they
// are or percent- or form-encoded; values shorter than 6 bytes only where
// they stand alone as a word. Headers are logged only with
// WithHeaderLogging, bodies only with WithBodyLogging, which caps them.
//
// Place it after RequestID and Tracing, which provide the IDs it logs, and
// before the handlers whose outcome it records (see docs/guard.md).
func AccessLog(l *slog.Logger, opts ...Option) gin.HandlerFunc {
	cfg := newConfig(opts)
	if l == nil {
		l = slog.Default()
	}
	al := &accessLog{
		logger:  l,
		headers: cfg.logHeaders,
		bodyMax: cfg.logBodyMax,
		redactH: newSecretNames(false, cfg.redactHeaders),
		redactQ: newSecretNames(true, cfg.redactQuery),
	}
	return al.handle
}

func (al *accessLog) handle(c *gin.Context) {
	req := c.Request
	ctx := req.Context()
	if !al.logger.Enabled(ctx, slog.LevelError) {
		c.Next()
		return
	}
	start := time.Now()
	sc := trace.SpanContextFromContext(ctx)

	var reqBody, respBody *capBuf
	if al.bodyMax > 0 {
		if req.Body != nil && req.Body != http.NoBody {
			reqBody = &capBuf{max: al.bodyMax}
			req.Body = &teeBody{ReadCloser: req.Body, buf: reqBody}
		}
		respBody = &capBuf{max: al.bodyMax}
		w := &teeWriter{ResponseWriter: c.Writer, buf: respBody}
		c.Writer = w
		defer func() {
			if c.Writer == w {
				c.Writer = w.ResponseWriter
			}
		}()
	}

	finished := false
	defer func() {
		if !finished { // a panic (or runtime.Goexit) is going through
			al.log(c, ctx, req, start, sc, true, reqBody, respBody)
		}
	}()
	c.Next()
	finished = true
	al.log(c, ctx, req, start, sc, false, reqBody, respBody)
}

func (al *accessLog) log(c *gin.Context, ctx context.Context, req *http.Request, start time.Time, sc trace.SpanContext, panicked bool, reqBody, respBody *capBuf) {
	latency := time.Since(start)
	status := c.Writer.Status()
	if panicked {
		status = http.StatusInternalServerError
	}
	level := slog.LevelInfo
	if status >= 500 || panicked {
		level = slog.LevelError
	}
	if !al.logger.Enabled(ctx, level) {
		return
	}
	respHeader := c.Writer.Header()
	scrub := newScrubber(al.secrets(req, respHeader))

	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	size := c.Writer.Size()
	if size < 0 {
		size = 0
	}
	requestID := ""
	if vals := respHeader[requestIDKey]; len(vals) > 0 {
		requestID = vals[0]
	}

	var buf [24]slog.Attr
	attrs := append(buf[:0],
		slog.String("method", req.Method),
		slog.String("route", route),
		slog.String("path", scrub(req.URL.Path)),
	)
	if req.URL.RawQuery != "" {
		attrs = append(attrs, slog.String("query", scrub(al.redactQuery(req.URL.RawQuery))))
	}
	attrs = append(attrs,
		slog.Int("status", status),
		slog.Duration("latency", latency),
		slog.Int("bytes", size),
		slog.String("client_ip", scrub(c.ClientIP())),
		slog.String("request_id", scrub(requestID)),
	)
	if sc.IsValid() {
		attrs = append(attrs,
			slog.String("trace_id", sc.TraceID().String()),
			slog.String("span_id", sc.SpanID().String()))
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, slog.String("errors", scrub(strings.Join(c.Errors.Errors(), "; "))))
	}
	if panicked {
		attrs = append(attrs, slog.Bool("panic", true))
	}
	if al.headers {
		attrs = append(attrs,
			al.headerGroup("req_headers", req.Header, scrub),
			al.headerGroup("resp_headers", respHeader, scrub))
	}
	if reqBody != nil {
		attrs = append(attrs, slog.String("req_body", scrub(string(reqBody.b))))
		if reqBody.truncated {
			attrs = append(attrs, slog.Bool("req_body_truncated", true))
		}
	}
	if respBody != nil {
		attrs = append(attrs, slog.String("resp_body", scrub(string(respBody.b))))
		if respBody.truncated {
			attrs = append(attrs, slog.Bool("resp_body_truncated", true))
		}
	}
	al.logger.LogAttrs(ctx, level, "http request", attrs...)
}

// secrets returns the values of the redacted headers and query
// parameters of this exchange, and the credentials inside them, to scrub
// from the other fields (see scrub). It stops after maxSecrets+1 of them:
// newScrubber then redacts every field whole.
func (al *accessLog) secrets(req *http.Request, resp http.Header) []string {
	var out []string
	for _, h := range [...]http.Header{req.Header, resp} {
		for k, vs := range h {
			if len(out) > maxSecrets {
				return out
			}
			if al.redactH.match(k) {
				for _, v := range vs {
					out = appendSecret(out, v)
				}
			}
		}
	}
	for raw := req.URL.RawQuery; raw != "" && len(out) <= maxSecrets; {
		var piece string
		piece, _, raw = nextQueryPiece(raw)
		key, val, ok := strings.Cut(piece, "=")
		if !ok {
			continue
		}
		if name, err := url.QueryUnescape(key); err != nil || al.redactQ.match(name) {
			out = appendSecret(out, val)
		}
	}
	return out
}

// appendSecret appends v and the parts of it that may appear on their own
// elsewhere: the credentials after an authentication scheme ("Bearer x"),
// the values of name=value pairs (cookies, digest parameters), and the
// unescaped form of each (what an application reading the value sees, and
// may echo).
func appendSecret(out []string, v string) []string {
	add := func(s string) {
		s = strings.TrimSpace(s)
		s = strings.Trim(s, `"`)
		if usableSecret(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	addAll := func(s string) {
		add(s)
		if strings.ContainsAny(s, "%+") {
			if u, err := url.QueryUnescape(s); err == nil {
				add(u)
			}
		}
	}
	addAll(v)
	if _, rest, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
		addAll(rest)
	}
	if strings.ContainsRune(v, '=') {
		for part := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ';' || r == ',' || r == '&' }) {
			if _, val, ok := strings.Cut(part, "="); ok {
				addAll(val)
			}
		}
	}
	return out
}

// nextQueryPiece splits a raw query at the first '&' or ';' (url.ParseQuery
// rejects ';', other parsers split on it: treating it as a separator
// redacts in both cases).
func nextQueryPiece(raw string) (piece string, sep byte, rest string) {
	if i := strings.IndexAny(raw, "&;"); i >= 0 {
		return raw[:i], raw[i], raw[i+1:]
	}
	return raw, 0, ""
}

// redactQuery returns raw with the values of redacted parameters replaced
// by Redacted. A parameter whose name cannot be unescaped is replaced
// whole, since it cannot be told apart from a redacted one.
func (al *accessLog) redactQuery(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for raw != "" {
		piece, sep, rest := nextQueryPiece(raw)
		raw = rest
		key, _, hasValue := strings.Cut(piece, "=")
		name, err := url.QueryUnescape(key)
		switch {
		case err != nil:
			b.WriteString(Redacted)
		case hasValue && al.redactQ.match(name):
			b.WriteString(key)
			b.WriteString("=")
			b.WriteString(Redacted)
		default:
			b.WriteString(piece)
		}
		if sep != 0 {
			b.WriteByte(sep)
		}
	}
	return b.String()
}

// headerGroup returns h as a group of attributes, one per header in name
// order, multiple values joined by ", ", redacted and scrubbed.
func (al *accessLog) headerGroup(key string, h http.Header, scrub func(string) string) slog.Attr {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	attrs := make([]slog.Attr, 0, len(names))
	for _, k := range names {
		v := Redacted
		if !al.redactH.match(k) {
			v = scrub(strings.Join(h[k], ", "))
		}
		attrs = append(attrs, slog.String(k, v))
	}
	return slog.GroupAttrs(key, attrs...)
}

// capBuf keeps the first max bytes written to it.
type capBuf struct {
	b         []byte
	max       int
	truncated bool
}

func (c *capBuf) write(p []byte) {
	room := c.max - len(c.b)
	if len(p) > room {
		p = p[:max(room, 0)]
		c.truncated = true
	}
	c.b = append(c.b, p...)
}

// teeBody copies the first bytes read from a request body into a capBuf.
type teeBody struct {
	io.ReadCloser
	buf *capBuf
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.buf.write(p[:n])
	return n, err
}

// teeWriter copies the first bytes of a response body into a capBuf.
type teeWriter struct {
	gin.ResponseWriter
	buf *capBuf
}

func (w *teeWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.buf.write(p[:n])
	return n, err
}

func (w *teeWriter) WriteString(s string) (int, error) {
	n, err := w.ResponseWriter.WriteString(s)
	w.buf.write([]byte(s[:n]))
	return n, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
