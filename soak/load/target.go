package load

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
)

// Target is one request the engine sends. URL, header values and Body may
// contain the placeholders {{seq}} (the engine's global request counter,
// starting at 0) and {{uuid}} (a random UUID), replaced on every request.
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
		return Target{}, fmt.Errorf("target %q: want URL or \"METHOD URL\"", s)
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
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case line == "":
			cur = nil
			continue
		case cur == nil:
			t, err := parseRequestLine(line)
			if err != nil {
				return nil, fmt.Errorf("targets line %d: %w", lineNo, err)
			}
			targets = append(targets, t)
			cur = &targets[len(targets)-1]
		case strings.HasPrefix(line, "@"):
			if cur.Body != nil {
				return nil, fmt.Errorf("targets line %d: second body for %s %s", lineNo, cur.Method, cur.URL)
			}
			path := strings.TrimSpace(line[1:])
			if path == "" {
				return nil, fmt.Errorf("targets line %d: empty body path after @", lineNo)
			}
			body, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("targets line %d: read body: %w", lineNo, err)
			}
			if body == nil {
				body = []byte{}
			}
			cur.Body = body
		default:
			key, value, ok := strings.Cut(line, ":")
			key = strings.TrimSpace(key)
			if !ok || key == "" || strings.ContainsAny(key, " \t") {
				return nil, fmt.Errorf("targets line %d: %q is neither a header (Key: value) nor a body (@file); separate targets with a blank line", lineNo, line)
			}
			if cur.Header == nil {
				cur.Header = http.Header{}
			}
			cur.Header.Add(textproto.CanonicalMIMEHeaderKey(key), strings.TrimSpace(value))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read targets: %w", err)
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("read targets: no targets found")
	}
	return targets, nil
}

func parseRequestLine(line string) (Target, error) {
	fields := strings.Fields(line)
	if len(fields) != 2 {
		return Target{}, fmt.Errorf("%q: want \"METHOD URL\"", line)
	}
	t := Target{Method: fields[0], URL: fields[1]}
	return t, t.Validate()
}

// Validate reports whether the target can be sent: a valid method token and
// an absolute http(s) URL (checked with its placeholders filled in).
func (t Target) Validate() error {
	method := t.Method
	if method == "" {
		method = http.MethodGet
	}
	if !validMethod(method) {
		return fmt.Errorf("target %s %s: invalid method %q", method, t.URL, method)
	}
	_, err := parseTargetURL(render(compileTemplate(t.URL), nil, 0))
	if err != nil {
		return fmt.Errorf("target %s %s: %w", method, t.URL, err)
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

func parseTargetURL(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		return nil, fmt.Errorf("URL %q has no scheme: write http://%s", s, s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("URL %q: no host", s)
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
