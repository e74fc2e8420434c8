package load

import (
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// rendered is a target's request as bytes on the wire, prepared once: a
// template whose only per-request spans are the {{seq}} and {{uuid}}
// placeholders. A static request (no placeholder) is written as is.
type rendered struct {
	addr   string // host:port to dial
	host   int    // index of addr in the engine's distinct addresses
	method string
	static []byte // the whole request, when nothing in it changes

	head template // request line and headers, up to the blank line
	body template // set when the body has placeholders
	// bodyBytes is a static body, appended after head.
	bodyBytes []byte
	hasBody   bool // send Content-Length (and the body)
}

// sentinels stand for the placeholders while the URL goes through
// net/url, which escapes a path and drops a fragment exactly as net/http
// would on the wire; they are letters only, so escaping leaves them whole.
const (
	seqSentinel  = "GinleakSeqPlaceholderQ7"
	uuidSentinel = "GinleakUUIDPlaceholderQ7"
)

// renderTarget prepares t for the lean client. ok is false when the lean
// client does not speak what t needs (https, a host name net/http would
// have to convert), and the engine then sends with net/http.
func renderTarget(t Target) (r rendered, ok bool, err error) {
	if strings.Contains(t.URL, seqSentinel) || strings.Contains(t.URL, uuidSentinel) {
		return r, false, nil
	}
	sentinelURL := strings.NewReplacer("{{seq}}", seqSentinel, "{{uuid}}", uuidSentinel).Replace(normalizePlaceholders(t.URL))
	u, err := parseTargetURL(sentinelURL)
	if err != nil {
		return r, false, err
	}
	if u.Scheme != "http" || !printableASCII(u.Host) {
		return r, false, nil
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	r.addr = net.JoinHostPort(u.Hostname(), port)
	r.method = t.Method
	if r.method == "" {
		r.method = http.MethodGet
	}

	var b strings.Builder
	b.WriteString(r.method)
	b.WriteByte(' ')
	b.WriteString(u.RequestURI())
	b.WriteString(" HTTP/1.1\r\nHost: ")
	host := u.Host
	keys := make([]string, 0, len(t.Header))
	for k := range t.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable order, as net/http writes them
	for _, k := range keys {
		if http.CanonicalHeaderKey(k) == "Host" {
			if vs := t.Header[k]; len(vs) > 0 {
				host = vs[0]
			}
		}
	}
	b.WriteString(host)
	b.WriteString("\r\n")
	for _, k := range keys {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			// Host is above; the body's framing is the client's to write,
			// as in net/http.
			continue
		}
		for _, v := range t.Header[k] {
			b.WriteString(http.CanonicalHeaderKey(k) + ": " + normalizePlaceholders(v) + "\r\n")
		}
	}
	head := strings.NewReplacer(seqSentinel, "{{seq}}", uuidSentinel, "{{uuid}}").Replace(b.String())

	r.hasBody = len(t.Body) > 0 || announcesEmptyBody(r.method)
	bodyTmpl := compileTemplate(string(t.Body))
	switch {
	case !r.hasBody:
		head += "\r\n"
	case bodyTmpl.dynamic():
		r.body = bodyTmpl
	default:
		head += "Content-Length: " + strconv.Itoa(len(t.Body)) + "\r\n\r\n"
		r.bodyBytes = t.Body
	}
	r.head = compileTemplate(head)
	if !r.head.dynamic() && r.body == nil {
		r.static = append([]byte(render(r.head, nil, 0)), r.bodyBytes...)
	}
	return r, true, nil
}

// normalizePlaceholders writes {{ seq }} and {{ uuid }} without their
// spaces, so the sentinel replacement sees one spelling.
func normalizePlaceholders(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	var b strings.Builder
	for _, p := range compileTemplate(s) {
		switch p.kind {
		case partLit:
			b.WriteString(p.lit)
		case partSeq:
			b.WriteString("{{seq}}")
		case partUUID:
			b.WriteString("{{uuid}}")
		}
	}
	return b.String()
}

// appendRequest appends request seq's bytes to dst, with UUIDs from
// uuid; tmp is scratch space for a templated body, returned for reuse.
func (r *rendered) appendRequest(dst, tmp []byte, uuid uuidSource, seq int64) (req, scratch []byte) {
	if r.static != nil {
		return r.static, tmp
	}
	dst = appendTemplate(dst, r.head, uuid, seq)
	if r.body != nil {
		tmp = appendTemplate(tmp[:0], r.body, uuid, seq)
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(tmp)), 10)
		dst = append(dst, "\r\n\r\n"...)
		return append(dst, tmp...), tmp
	}
	return append(dst, r.bodyBytes...), tmp
}

// announcesEmptyBody: net/http sends "Content-Length: 0" for these
// methods even without a body, since many servers expect one.
func announcesEmptyBody(m string) bool {
	return m == "POST" || m == "PUT" || m == "PATCH"
}

// idempotent methods may be sent again on a new connection when a kept-
// alive one turned out to be closed by the server before it answered
// (RFC 9110 §9.2.2), as net/http does.
func idempotent(m string) bool {
	switch m {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

func printableASCII(s string) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}

// validHeaderName reports whether k is an HTTP token (RFC 9110 §5.1).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := range len(k) {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue refuses control characters other than tab: a CR or LF
// would let a value start a header (or a request) of its own.
func validHeaderValue(v string) bool {
	for i := range len(v) {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
