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
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"
)

// Redacted replaces the value of a redacted header or query parameter in
// the access log.
const Redacted = "[REDACTED]"

// minSecretLen is the shortest redacted value that AccessLog also scrubs
// from the other fields of a record (path, query, client IP, request ID,
// header values, errors, bodies): shorter ones would erase ordinary text.
const minSecretLen = 6

// defaultRedactedHeaders returns the headers AccessLog always redacts.
func defaultRedactedHeaders() []string {
	return []string{"Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization", "X-Api-Key"}
}

// defaultRedactedQuery returns the query parameters AccessLog always
// redacts.
func defaultRedactedQuery() []string {
	return []string{
		"access_token", "refresh_token", "id_token", "token", "api_key", "apikey",
		"key", "password", "passwd", "secret", "client_secret", "signature", "sig",
		"code", "x-amz-signature", "x-amz-credential", "x-amz-security-token",
	}
}

type accessLog struct {
	logger  *slog.Logger
	headers bool
	bodyMax int
	redactH map[string]struct{} // lower-case header names
	redactQ map[string]struct{} // lower-case parameter names
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
// Values of the headers Authorization, Cookie, Set-Cookie,
// Proxy-Authorization and X-Api-Key and of the query parameters
// access_token, refresh_token, id_token, token, api_key, apikey, key,
// password, passwd, secret, client_secret, signature, sig, code and the
// X-Amz-* signing parameters are replaced by Redacted; WithRedactedHeaders
// and WithRedactedQuery add names (all names are case-insensitive). Those
// values, and the token or cookie values inside them, are also removed
// from every other field of the record when they are at least 6 bytes
// long. Headers are logged only with WithHeaderLogging, bodies only with
// WithBodyLogging, which caps them.
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
		redactH: map[string]struct{}{},
		redactQ: map[string]struct{}{},
	}
	for _, h := range append(defaultRedactedHeaders(), cfg.redactHeaders...) {
		if h = strings.TrimSpace(h); h != "" {
			al.redactH[strings.ToLower(h)] = struct{}{}
		}
	}
	for _, q := range append(defaultRedactedQuery(), cfg.redactQuery...) {
		if q = strings.TrimSpace(q); q != "" {
			al.redactQ[strings.ToLower(q)] = struct{}{}
		}
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
	secrets := al.secrets(req, respHeader)

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
		slog.String("path", scrub(req.URL.Path, secrets)),
	)
	if req.URL.RawQuery != "" {
		attrs = append(attrs, slog.String("query", scrub(al.redactQuery(req.URL.RawQuery), secrets)))
	}
	attrs = append(attrs,
		slog.Int("status", status),
		slog.Duration("latency", latency),
		slog.Int("bytes", size),
		slog.String("client_ip", scrub(c.ClientIP(), secrets)),
		slog.String("request_id", scrub(requestID, secrets)),
	)
	if sc.IsValid() {
		attrs = append(attrs,
			slog.String("trace_id", sc.TraceID().String()),
			slog.String("span_id", sc.SpanID().String()))
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, slog.String("errors", scrub(strings.Join(c.Errors.Errors(), "; "), secrets)))
	}
	if panicked {
		attrs = append(attrs, slog.Bool("panic", true))
	}
	if al.headers {
		attrs = append(attrs,
			al.headerGroup("req_headers", req.Header, secrets),
			al.headerGroup("resp_headers", respHeader, secrets))
	}
	if reqBody != nil {
		attrs = append(attrs, slog.String("req_body", scrub(string(reqBody.b), secrets)))
		if reqBody.truncated {
			attrs = append(attrs, slog.Bool("req_body_truncated", true))
		}
	}
	if respBody != nil {
		attrs = append(attrs, slog.String("resp_body", scrub(string(respBody.b), secrets)))
		if respBody.truncated {
			attrs = append(attrs, slog.Bool("resp_body_truncated", true))
		}
	}
	al.logger.LogAttrs(ctx, level, "http request", attrs...)
}

// isRedacted reports whether name, without surrounding spaces and in
// lower case, is in m. ASCII names are folded without allocating.
func isRedacted(m map[string]struct{}, name string) bool {
	name = strings.TrimSpace(name)
	var buf [64]byte
	if len(name) > len(buf) {
		_, ok := m[strings.ToLower(name)]
		return ok
	}
	b := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch >= utf8.RuneSelf {
			_, ok := m[strings.ToLower(name)]
			return ok
		}
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		b[i] = ch
	}
	_, ok := m[string(b)]
	return ok
}

// secrets returns the values of the redacted headers and query
// parameters of this exchange, and the tokens inside them, that are long
// enough to scrub from the other fields, longest first.
func (al *accessLog) secrets(req *http.Request, resp http.Header) []string {
	var out []string
	for k, vs := range req.Header {
		if isRedacted(al.redactH, k) {
			for _, v := range vs {
				out = appendSecret(out, v)
			}
		}
	}
	for k, vs := range resp {
		if isRedacted(al.redactH, k) {
			for _, v := range vs {
				out = appendSecret(out, v)
			}
		}
	}
	if raw := req.URL.RawQuery; raw != "" {
		for raw != "" {
			var piece string
			piece, _, raw = nextQueryPiece(raw)
			key, val, ok := strings.Cut(piece, "=")
			if !ok {
				continue
			}
			name, err := url.QueryUnescape(key)
			if err != nil || isRedacted(al.redactQ, name) {
				out = appendSecret(out, val)
				if v, err := url.QueryUnescape(val); err == nil {
					out = appendSecret(out, v)
				}
			}
		}
	}
	if len(out) > 1 {
		slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	}
	return out
}

// appendSecret appends v and the parts of it that may appear on their own
// elsewhere: the credentials after an authentication scheme ("Bearer x"),
// and the values of name=value pairs (cookies, digest parameters).
func appendSecret(out []string, v string) []string {
	add := func(s string) {
		s = strings.TrimSpace(s)
		s = strings.Trim(s, `"`)
		if len(s) >= minSecretLen && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(v)
	if _, rest, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
		add(rest)
	}
	if strings.ContainsRune(v, '=') {
		for part := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ';' || r == ',' }) {
			if _, val, ok := strings.Cut(part, "="); ok {
				add(val)
			}
		}
	}
	return out
}

// scrub replaces every secret in s by Redacted.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
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
		case hasValue && isRedacted(al.redactQ, name):
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
func (al *accessLog) headerGroup(key string, h http.Header, secrets []string) slog.Attr {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	attrs := make([]slog.Attr, 0, len(names))
	for _, k := range names {
		v := Redacted
		if !isRedacted(al.redactH, k) {
			v = scrub(strings.Join(h[k], ", "), secrets)
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
