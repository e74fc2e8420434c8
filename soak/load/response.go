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

// parseState is where an answerParser is in a response.
type parseState uint8

const (
	inStatus     parseState = iota // before a status line
	inHeaders                      // between header lines
	inLongHeader                   // in a header line longer than the buffer, skipped
	inBody                         // in a body of known length (remain bytes left)
	inChunkSize                    // before a chunk-size line
	inChunkData                    // in a chunk's data (remain bytes left)
	inChunkEnd                     // before the line break after a chunk's data
	inTrailers                     // between trailer lines
	inUntilClose                   // in a body that ends when the server closes
	parsed                         // the whole answer was read
)

// answerParser reads one response as its bytes arrive, in pieces of any
// size: the lean client feeds it from a blocking reader (readResponse)
// and the event loop from whatever a non-blocking read returned. It skips
// interim 1xx answers, keeps the final answer's status and framing in a,
// and discards the body, at most MaxBodyBytes of it. It allocates
// nothing.
type answerParser struct {
	a       answer
	method  string
	state   parseState
	head    bool  // a byte of the response arrived
	interim int   // 1xx answers skipped
	lines   int   // bytes of the head (or trailers) so far
	remain  int64 // bytes left in the body or the chunk
	body    int64 // body bytes so far (chunked and until-close bodies)
	keep    bool  // a Connection: keep-alive header was seen
}

// reset prepares p for the answer to a request with method.
func (p *answerParser) reset(method string) {
	*p = answerParser{method: method, a: answer{length: -1}}
}

// headDone reports that the final answer's head was read.
func (p *answerParser) headDone() bool { return p.state > inLongHeader }

// done reports that the whole answer was read.
func (p *answerParser) done() bool { return p.state == parsed }

// feed parses what it can of b, the bytes received and not yet consumed,
// and returns how many it consumed; the caller keeps the rest and calls
// again with more. full says b fills the caller's buffer, so that a line
// not ended in b cannot wait for more bytes. feed stops at the end of the
// final answer's head and at the end of the answer.
func (p *answerParser) feed(b []byte, full bool) (int, error) {
	if len(b) > 0 {
		p.head = true
	}
	n := 0
	for p.state != parsed {
		rest := b[n:]
		switch p.state {
		case inBody, inChunkData:
			k := int(min(int64(len(rest)), p.remain))
			n += k
			if p.remain -= int64(k); p.remain > 0 {
				return n, nil
			}
			if p.state == inChunkData {
				p.state = inChunkEnd
			} else {
				p.state = parsed
			}
			continue
		case inUntilClose:
			if p.body += int64(len(rest)); p.body > MaxBodyBytes {
				return n, errBodyTooLarge
			}
			return len(b), nil
		case inLongHeader:
			i := bytes.IndexByte(rest, '\n')
			k := i + 1
			if i < 0 {
				k = len(rest)
			}
			n += k
			if p.lines += k; p.lines > maxHeaderBytes {
				return n, malformed("headers over %d bytes", maxHeaderBytes)
			}
			if i < 0 {
				return n, nil
			}
			p.state = inHeaders
			continue
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if n > 0 || !full {
				return n, nil // the caller moves the rest to the front and reads more
			}
			k, err := p.longLine(rest)
			return n + k, err
		}
		n += i + 1
		wasHead := !p.headDone()
		if err := p.line(rest[:i+1]); err != nil {
			return n, err
		}
		if wasHead && p.headDone() {
			return n, nil
		}
	}
	return n, nil
}

// line takes one whole line of a head, a chunk frame or the trailers.
func (p *answerParser) line(line []byte) error {
	p.lines += len(line)
	text := trimEOL(line)
	switch p.state {
	case inStatus:
		p.a, p.keep, p.lines = answer{length: -1}, false, len(line)
		if err := p.a.parseStatus(text); err != nil {
			return err
		}
		p.state = inHeaders
	case inHeaders:
		if p.lines > maxHeaderBytes {
			return malformed("headers over %d bytes", maxHeaderBytes)
		}
		if len(text) == 0 {
			return p.endHead()
		}
		return p.a.headerLine(text, &p.keep, true)
	case inChunkSize:
		if len(line) > maxChunkLine {
			return malformed("chunk-size line longer than %d bytes", maxChunkLine)
		}
		size, ok := parseChunkSize(text)
		if !ok {
			return malformed("chunk size %s", quoteShort(string(text)))
		}
		if size == 0 {
			p.state, p.lines = inTrailers, 0
			return nil
		}
		if p.body += size; p.body > MaxBodyBytes {
			return errBodyTooLarge
		}
		p.state, p.remain = inChunkData, size
	case inChunkEnd:
		if len(text) != 0 {
			return malformed("chunk data longer than its size")
		}
		p.state = inChunkSize
	case inTrailers:
		if p.lines > maxHeaderBytes {
			return malformed("trailers over %d bytes", maxHeaderBytes)
		}
		if len(text) == 0 {
			p.state = parsed
		}
	}
	return nil
}

// longLine handles a line that does not end within a full buffer: only a
// header line may be that long (none of the headers the client reads is),
// and it is skipped to its end.
func (p *answerParser) longLine(b []byte) (int, error) {
	switch p.state {
	case inStatus:
		return 0, malformed("status line longer than %d bytes", len(b))
	case inHeaders:
		if err := p.a.headerLine(b, &p.keep, false); err != nil {
			return 0, err
		}
		p.state = inLongHeader
		if p.lines += len(b); p.lines > maxHeaderBytes {
			return len(b), malformed("headers over %d bytes", maxHeaderBytes)
		}
		return len(b), nil
	case inTrailers:
		return 0, malformed("trailers over %d bytes", min(p.lines+len(b), maxHeaderBytes))
	}
	return 0, malformed("chunk-size line longer than %d bytes", min(len(b), maxChunkLine))
}

// endHead decides, at the blank line after a head, what comes next.
func (p *answerParser) endHead() error {
	a := &p.a
	if a.minor == 0 && !p.keep {
		a.close = true // HTTP/1.0 closes unless asked to keep alive
	}
	if a.chunked {
		a.length = -1 // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3)
	}
	// 101 switches protocols: not an answer this client can go on from.
	// Other 1xx answers (100 Continue, 103 Early Hints) come before the
	// real one.
	if a.status < 200 && a.status != 101 {
		if p.interim++; p.interim > maxInterim {
			return malformed("more than %d interim (1xx) answers", maxInterim)
		}
		p.state = inStatus
		return nil
	}
	if a.status == 101 {
		a.close = true
	}
	switch {
	case bodyless(p.method, a.status):
		p.state = parsed
	case a.chunked:
		p.state = inChunkSize
	case a.length > MaxBodyBytes:
		return errBodyTooLarge
	case a.length >= 0:
		p.state, p.remain = inBody, a.length
		if a.length == 0 {
			p.state = parsed
		}
	default:
		// Neither length nor chunks: the body ends when the server closes.
		a.close = true
		p.state = inUntilClose
	}
	return nil
}

// eof is the end of the connection's bytes before the answer was done.
func (p *answerParser) eof() error {
	switch {
	case p.state == inUntilClose:
		p.state = parsed
		return nil
	case p.state == inStatus && !p.head:
		return io.EOF // nothing arrived: perhaps a connection the server had closed
	}
	return io.ErrUnexpectedEOF
}

// readResponse reads from r until p has the final answer's head (headOnly)
// or the whole answer. It allocates nothing.
func readResponse(r *bufio.Reader, p *answerParser, headOnly bool) error {
	for !p.done() && !(headOnly && p.headDone()) {
		b, _ := r.Peek(r.Buffered())
		n, err := p.feed(b, len(b) == r.Size())
		r.Discard(n)
		if err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		// Nothing could be taken from what is buffered: read more.
		if _, err := r.Peek(r.Buffered() + 1); err != nil {
			if err == io.EOF {
				if err := p.eof(); err != nil {
					return err
				}
				continue
			}
			return err
		}
	}
	return nil
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
