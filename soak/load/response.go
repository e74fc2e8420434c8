package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Bounds on what the lean client reads from a target, which may be
// anything: net/http's defaults where it has them.
const (
	// maxHeaderBytes bounds a response's status line and headers
	// (net/http.Transport.MaxResponseHeaderBytes as the engine sets it).
	maxHeaderBytes = 1 << 20
	// maxInterim bounds the 1xx answers skipped before the final one.
	maxInterim = 8
	// maxChunkLine bounds a chunk-size line with its extensions.
	maxChunkLine = 4 << 10
)

// errMalformed is wrapped by every error about a response that is not
// HTTP/1.x; reason() reports it as "malformed response".
var errMalformed = errors.New("malformed response")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

// answer is what the lean client learns from a response's head.
type answer struct {
	status  int
	minor   int   // HTTP/1.minor
	length  int64 // Content-Length, -1 when absent
	chunked bool
	close   bool // the connection cannot carry another request
}

// readAnswer reads a response head from r, skipping interim 1xx answers,
// and returns the final answer's status and how its body is framed. It
// allocates nothing unless a header line is longer than r's buffer.
// head reports that a byte of the response was read, so the caller knows
// whether a failure could be a connection the server had already closed.
func readAnswer(r *bufio.Reader, head *bool) (answer, error) {
	for range maxInterim + 1 {
		a, err := readHead(r, head)
		if err != nil {
			return a, err
		}
		// 101 switches protocols: not an answer this client can go on
		// from. Other 1xx answers (100 Continue, 103 Early Hints) come
		// before the real one.
		if a.status >= 200 || a.status == 101 {
			if a.status == 101 {
				a.close = true
			}
			return a, nil
		}
	}
	return answer{}, malformed("more than %d interim (1xx) answers", maxInterim)
}

// readHead reads one status line and its headers.
func readHead(r *bufio.Reader, head *bool) (answer, error) {
	a := answer{length: -1}
	line, err := r.ReadSlice('\n')
	if len(line) > 0 {
		*head = true
	}
	if err != nil {
		if err == bufio.ErrBufferFull {
			return a, malformed("status line longer than %d bytes", r.Size())
		}
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return a, err
	}
	if err := a.parseStatus(trimEOL(line)); err != nil {
		return a, err
	}
	total := len(line)
	keepAlive := false
	for {
		line, err := r.ReadSlice('\n')
		total += len(line)
		if total > maxHeaderBytes {
			return a, malformed("headers over %d bytes", maxHeaderBytes)
		}
		if err == bufio.ErrBufferFull {
			// A header line longer than the buffer: none of the headers
			// the client reads is that long, so skip it to its end.
			if err := a.headerLine(line, &keepAlive, false); err != nil {
				return a, err
			}
			n, err := skipLine(r, maxHeaderBytes-total)
			total += n
			if err != nil {
				return a, err
			}
			continue
		}
		if err != nil {
			return a, unexpectedEOF(err)
		}
		line = trimEOL(line)
		if len(line) == 0 {
			break
		}
		if err := a.headerLine(line, &keepAlive, true); err != nil {
			return a, err
		}
	}
	if a.minor == 0 && !keepAlive {
		a.close = true // HTTP/1.0 closes unless asked to keep alive
	}
	if a.chunked {
		a.length = -1 // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3)
	}
	return a, nil
}

// parseStatus parses "HTTP/1.x NNN reason".
func (a *answer) parseStatus(line []byte) error {
	const proto = "HTTP/1."
	if len(line) < len(proto)+5 || string(line[:len(proto)]) != proto {
		return malformed("status line %s", quoteShort(string(line)))
	}
	m := line[len(proto)]
	if m < '0' || m > '9' || line[len(proto)+1] != ' ' {
		return malformed("status line %s", quoteShort(string(line)))
	}
	a.minor = int(m - '0')
	code := line[len(proto)+2:]
	if len(code) < 3 || (len(code) > 3 && code[3] != ' ') {
		return malformed("status line %s", quoteShort(string(line)))
	}
	a.status = 0
	for _, c := range code[:3] {
		if c < '0' || c > '9' {
			return malformed("status code %s", quoteShort(string(code[:3])))
		}
		a.status = a.status*10 + int(c-'0')
	}
	if a.status < 100 {
		return malformed("status code %d", a.status)
	}
	return nil
}

// headerLine reads the headers that frame the body or end the connection;
// whole says the line is complete (not the start of an over-long line).
func (a *answer) headerLine(line []byte, keepAlive *bool, whole bool) error {
	if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
		return nil // a continuation of the previous line (obsolete folding)
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		if !whole && colon < 0 {
			return malformed("header line longer than %d bytes without a name", len(line))
		}
		return malformed("header line %s", quoteShort(string(line)))
	}
	name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
	switch {
	case asciiEqualFold(name, "content-length"):
		if !whole {
			return malformed("Content-Length longer than %d bytes", len(line))
		}
		n, ok := parseLength(value)
		if !ok {
			return malformed("Content-Length %s", quoteShort(string(value)))
		}
		if a.length >= 0 && a.length != n {
			return malformed("two different Content-Length headers")
		}
		a.length = n
	case asciiEqualFold(name, "transfer-encoding"):
		switch {
		case asciiEqualFold(value, "chunked"):
			a.chunked = true
		case asciiEqualFold(value, "identity"):
		default:
			return malformed("Transfer-Encoding %s (only chunked is understood)", quoteShort(string(value)))
		}
	case asciiEqualFold(name, "connection"):
		if hasToken(value, "close") {
			a.close = true
		}
		if hasToken(value, "keep-alive") {
			*keepAlive = true
		}
	}
	return nil
}

// bodyless reports whether a response has no body whatever its headers
// say (RFC 9112 §6.3): answers to HEAD, 1xx, 204 and 304.
func bodyless(method string, status int) bool {
	return method == "HEAD" || status < 200 || status == 204 || status == 304
}

// drainBody reads and discards the body a describes, at most MaxBodyBytes
// of it. A body that runs until the connection closes sets a.close.
func drainBody(r *bufio.Reader, a *answer) error {
	switch {
	case a.chunked:
		return drainChunked(r)
	case a.length > MaxBodyBytes:
		return errBodyTooLarge
	case a.length >= 0:
		_, err := r.Discard(int(a.length))
		return unexpectedEOF(err)
	}
	// Neither length nor chunks: the body ends when the server closes.
	a.close = true
	n, err := r.Discard(MaxBodyBytes + 1)
	if n > MaxBodyBytes {
		return errBodyTooLarge
	}
	if err == io.EOF {
		return nil
	}
	return err
}

// drainChunked reads a chunked body to its end, trailers included.
func drainChunked(r *bufio.Reader) error {
	var total int64
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull || len(line) > maxChunkLine {
			return malformed("chunk-size line longer than %d bytes", min(r.Size(), maxChunkLine))
		}
		if err != nil {
			return unexpectedEOF(err)
		}
		size, ok := parseChunkSize(trimEOL(line))
		if !ok {
			return malformed("chunk size %s", quoteShort(string(trimEOL(line))))
		}
		if size == 0 {
			return skipTrailers(r)
		}
		if total += size; total > MaxBodyBytes {
			return errBodyTooLarge
		}
		if _, err := r.Discard(int(size)); err != nil {
			return unexpectedEOF(err)
		}
		crlf, err := r.ReadSlice('\n')
		if err != nil {
			return unexpectedEOF(err)
		}
		if len(trimEOL(crlf)) != 0 {
			return malformed("chunk data longer than its size")
		}
	}
}

// skipTrailers reads the trailer section after the last chunk.
func skipTrailers(r *bufio.Reader) error {
	total := 0
	for {
		line, err := r.ReadSlice('\n')
		total += len(line)
		if total > maxHeaderBytes || err == bufio.ErrBufferFull {
			return malformed("trailers over %d bytes", min(total, maxHeaderBytes))
		}
		if err != nil {
			return unexpectedEOF(err)
		}
		if len(trimEOL(line)) == 0 {
			return nil
		}
	}
}

// skipLine discards the rest of a line longer than r's buffer, at most
// limit bytes, and returns how many it discarded.
func skipLine(r *bufio.Reader, limit int) (int, error) {
	n := 0
	for {
		line, err := r.ReadSlice('\n')
		n += len(line)
		if n > limit {
			return n, malformed("headers over %d bytes", maxHeaderBytes)
		}
		if err != bufio.ErrBufferFull {
			return n, unexpectedEOF(err)
		}
	}
}

// parseLength parses a Content-Length value: decimal digits only, at most
// 18 of them, so it cannot overflow.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseChunkSize parses the hex size of a chunk-size line, ignoring
// extensions after ';'; at most 15 hex digits, so it cannot overflow.
func parseChunkSize(b []byte) (int64, bool) {
	if i := bytes.IndexByte(b, ';'); i >= 0 {
		b = b[:i]
	}
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}

// trimEOL drops a line's "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// hasToken reports whether the comma-separated list v holds token,
// ignoring case.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var item []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			item, v = v, nil
		}
		if asciiEqualFold(bytes.TrimSpace(item), token) {
			return true
		}
	}
	return false
}

// asciiEqualFold compares b with the lower-case ASCII s, ignoring case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// unexpectedEOF turns an EOF in the middle of a response into
// io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
