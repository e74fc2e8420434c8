package load

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"
)

// Target is one request the engine sends. URL, header values and Body may
// contain the placeholders {{seq}} (the engine's global request counter,
// starting at 0) and {{uuid}} (a random UUID), replaced on every request.
// In the URL they are allowed only in the path, the query and the
// fragment: the scheme, user information and host, which decide where
// requests go, must be literal.
type Target struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// URL is the absolute http or https URL.
	URL string
	// Header holds extra request headers. A "Host" header sets the
	// request's Host.
	Header http.Header
	// Body is the request body, sent with every request.
	Body []byte
}

// ParseTarget parses a command-line target: either a URL, sent with GET, or
// "METHOD URL".
func ParseTarget(s string) (Target, error) {
	fields := strings.Fields(s)
	var t Target
	switch len(fields) {
	case 1:
		t = Target{Method: http.MethodGet, URL: fields[0]}
	case 2:
		t = Target{Method: fields[0], URL: fields[1]}
	default:
		return Target{}, fmt.Errorf("want URL or \"METHOD URL\"")
	}
	if err := t.Validate(); err != nil {
		return Target{}, err
	}
	return t, nil
}

// ReadTargets reads targets in vegeta's http format: a "METHOD URL" line,
// then optional "Header: value" lines and an optional "@path/to/body" line
// (a path relative to the current directory, as in vegeta), with a blank
// line between targets. Lines starting with # are comments.
func ReadTargets(r io.Reader) ([]Target, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var (
		targets []Target
		cur     *Target
		lineNo  int
	)
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if !utf8.ValidString(line) || strings.ContainsRune(line, 0) {
			return nil, fmt.Errorf("line %d: binary data, not text: this is not a targets file (vegeta's http format: a \"METHOD URL\" line, optional headers and @body, a blank line between targets)", lineNo)
		}
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case line == "":
			cur = nil
			continue
		case cur == nil:
			t, err := parseRequestLine(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			targets = append(targets, t)
			cur = &targets[len(targets)-1]
		case strings.HasPrefix(line, "@"):
			if cur.Body != nil {
				return nil, fmt.Errorf("line %d: second body for %s %s", lineNo, cur.Method, cur.URL)
			}
			path := strings.TrimSpace(line[1:])
			if path == "" {
				return nil, fmt.Errorf("line %d: empty body path after @", lineNo)
			}
			body, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("line %d: read body: %w", lineNo, err)
			}
			if body == nil {
				body = []byte{}
			}
			cur.Body = body
		default:
			key, value, ok := strings.Cut(line, ":")
			key = strings.TrimSpace(key)
			if !ok || key == "" || strings.ContainsAny(key, " \t") {
				return nil, fmt.Errorf("line %d: %s is neither a header (Key: value) nor a body (@file); separate targets with a blank line", lineNo, quoteShort(line))
			}
			if cur.Header == nil {
				cur.Header = http.Header{}
			}
			cur.Header.Add(textproto.CanonicalMIMEHeaderKey(key), strings.TrimSpace(value))
		}
	}
	if err := sc.Err(); err != nil {
		// The scanner stopped on the line after the last one it returned.
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than 1 MiB: this is not a targets file (vegeta's http format)", lineNo+1)
		}
		return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	if len(targets) == 0 {
		return nil, errors.New("no targets found")
	}
	return targets, nil
}

func parseRequestLine(line string) (Target, error) {
	fields := strings.Fields(line)
	if len(fields) != 2 {
		return Target{}, fmt.Errorf("%s: want \"METHOD URL\"", quoteShort(line))
	}
	t := Target{Method: fields[0], URL: fields[1]}
	if err := t.Validate(); err != nil {
		return Target{}, fmt.Errorf("%s: %w", t, err)
	}
	return t, nil
}

// maxQuoted is how many bytes of a bad line an error quotes.
const maxQuoted = 80

// quoteShort quotes s for an error message, cut to maxQuoted bytes (on a
// character boundary) with the length of the whole, so a long or
// garbled line does not flood the terminal.
func quoteShort(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}

// String returns "METHOD URL", as the target is written.
func (t Target) String() string {
	m := t.Method
	if m == "" {
		m = http.MethodGet
	}
	return m + " " + t.URL
}

// Validate reports whether the target can be sent: a valid method token,
// header names that are tokens and values without control characters, and
// an absolute http(s) URL (checked with its placeholders filled in) whose
// scheme, user information and host hold no placeholder. The error does
// not repeat the target: the caller says which one it is.
func (t Target) Validate() error {
	method := t.Method
	if method == "" {
		method = http.MethodGet
	}
	if !validMethod(method) {
		return fmt.Errorf("invalid method %s", quoteShort(method))
	}
	for k, vs := range t.Header {
		if !validHeaderName(k) {
			return fmt.Errorf("header name %s: not an HTTP token", quoteShort(k))
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return fmt.Errorf("header %s: value %s holds a control character (a line break would start another header)", k, quoteShort(v))
			}
		}
	}
	_, err := t.ParsedURL()
	return err
}

// ParsedURL returns the target's URL parsed, with its placeholders filled
// in for request 0 and the zero UUID. Its scheme, user information and host
// are those of every request, since placeholders may appear only after
// the host.
func (t Target) ParsedURL() (*url.URL, error) {
	tmpl := compileTemplate(t.URL)
	// A URL without scheme or host fails in parseURL, with advice.
	if strings.Contains(t.URL, "://") && !strings.HasPrefix(t.URL, "/") {
		if err := literalOrigin(t.URL, tmpl); err != nil {
			return nil, err
		}
	}
	return parseURL(render(tmpl, nil, 0), t.URL)
}

// literalOrigin refuses a URL template with a placeholder before the end
// of its authority (scheme://user@host:port), which would let each request
// go somewhere else than the URL seems to say: with
// http://127.0.0.1:80{{seq}}@10.1.2.3/ the 127.0.0.1 part becomes a user
// name and requests go to 10.1.2.3.
func literalOrigin(raw string, tmpl template) error {
	var prefix strings.Builder
	for _, p := range tmpl {
		if p.kind == partLit {
			prefix.WriteString(p.lit)
			continue
		}
		// The authority ends at the first /, ? or # after "//" (as
		// url.Parse reads it).
		_, rest, ok := strings.Cut(prefix.String(), "://")
		if !ok || !strings.ContainsAny(rest, "/?#") {
			return errors.New("a placeholder in the scheme, user or host: {{seq}} and {{uuid}} may appear only in the path, the query, headers and the body")
		}
		return nil
	}
	return nil
}

// validMethod reports whether m is an HTTP token (RFC 9110), in upper case
// letters as methods conventionally are, so that "get" is caught as a typo.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func parseTargetURL(s string) (*url.URL, error) { return parseURL(s, s) }

// parseURL parses s, a target URL with its placeholders filled in; shown
// is the URL as the user wrote it, for the advice. The errors do not
// repeat the URL otherwise: the caller names the target.
func parseURL(s, shown string) (*url.URL, error) {
	switch {
	case strings.HasPrefix(shown, "//"):
		return nil, fmt.Errorf("no scheme: write http:%s", shown)
	case strings.HasPrefix(shown, "/"):
		return nil, fmt.Errorf("no scheme and host: write the whole URL, such as http://127.0.0.1:PORT%s", shown)
	case !strings.Contains(s, "://"):
		return nil, fmt.Errorf("no scheme: write http://%s", shown)
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheme must be http or https, not %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("no host")
	}
	return u, nil
}

// part is a piece of a compiled template: a literal, or a placeholder.
type part struct {
	lit  string
	kind partKind
}

type partKind uint8

const (
	partLit partKind = iota
	partSeq
	partUUID
)

// template is a string split at its placeholders. A template without
// placeholders has a single literal part (or none, for "").
type template []part

func (t template) dynamic() bool {
	for _, p := range t {
		if p.kind != partLit {
			return true
		}
	}
	return false
}

// compileTemplate splits s at {{seq}} and {{uuid}} (spaces inside the braces
// are allowed). Other {{...}} text is kept literally.
func compileTemplate(s string) template {
	var t template
	lit := strings.Builder{}
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		name := strings.TrimSpace(s[i+2 : i+2+j])
		var kind partKind
		switch name {
		case "seq":
			kind = partSeq
		case "uuid":
			kind = partUUID
		default:
			lit.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		lit.WriteString(s[:i])
		if lit.Len() > 0 {
			t = append(t, part{lit: lit.String()})
			lit.Reset()
		}
		t = append(t, part{kind: kind})
		s = s[i+2+j+2:]
	}
	lit.WriteString(s)
	if lit.Len() > 0 {
		t = append(t, part{lit: lit.String()})
	}
	return t
}

// uuidSource returns 16 random bytes; nil means the zero UUID (validation).
type uuidSource func() [16]byte

// appendTemplate appends t with seq and a UUID from uuid to dst.
func appendTemplate(dst []byte, t template, uuid uuidSource, seq int64) []byte {
	for _, p := range t {
		switch p.kind {
		case partLit:
			dst = append(dst, p.lit...)
		case partSeq:
			dst = appendInt(dst, seq)
		case partUUID:
			var u [16]byte
			if uuid != nil {
				u = uuid()
			}
			dst = appendUUID(dst, u)
		}
	}
	return dst
}

func render(t template, uuid uuidSource, seq int64) string {
	return string(appendTemplate(nil, t, uuid, seq))
}

func appendInt(dst []byte, v int64) []byte {
	var b [20]byte
	i := len(b)
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return append(dst, b[i:]...)
}

const hexDigits = "0123456789abcdef"

// appendUUID appends u in the canonical 8-4-4-4-12 form.
func appendUUID(dst []byte, u [16]byte) []byte {
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}
