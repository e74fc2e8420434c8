package load

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads one whole response from raw the way the lean client does
// and returns its status, whether the connection may carry another
// request, and how many bytes are left unread.
func readAll(raw, method string) (status int, keep bool, rest int, err error) {
	return readFrom(strings.NewReader(raw), method)
}

func readFrom(src io.Reader, method string) (status int, keep bool, rest int, err error) {
	r := bufio.NewReaderSize(src, 64)
	var p answerParser
	p.reset(method)
	if err := readResponse(r, &p, false); err != nil {
		return 0, false, 0, err
	}
	left, _ := io.Copy(io.Discard, r)
	return p.a.status, !p.a.close, int(left), nil
}

func TestReadAnswer(t *testing.T) {
	long := strings.Repeat("x", 200) // longer than the 64-byte test buffer
	for _, tt := range []struct {
		name, raw, method string
		status            int
		keep              bool
		rest              int
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong", "GET", 200, true, 0},
		{"no reason phrase", "HTTP/1.1 204\r\n\r\n", "GET", 204, true, 0},
		{"bare LF lines", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "GET", 200, true, 0},
		{"header names in any case", "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 2\r\n\r\nok", "GET", 200, true, 0},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npong\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n", "GET", 200, true, 0},
		{"chunked overrides length", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "GET", 200, true, 0},
		{"long chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nC8\r\n" + long + "\r\n0\r\n\r\n", "GET", 200, true, 0},
		{"connection close", "HTTP/1.1 500 Oops\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n", "GET", 500, false, 0},
		{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "GET", 200, false, 0},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", "GET", 200, true, 0},
		{"body until close", "HTTP/1.1 200 OK\r\n\r\n" + long, "GET", 200, false, 0},
		{"HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", "HEAD", 200, true, 0},
		{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n\r\n", "GET", 304, true, 0},
		{"interim answers skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", "POST", 201, true, 0},
		{"101 ends the connection", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "GET", 101, false, 0},
		{"header line longer than the buffer", "HTTP/1.1 200 OK\r\nX-Long: " + long + "\r\nContent-Length: 2\r\n\r\nok", "GET", 200, true, 0},
		{"folded line", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok", "GET", 200, true, 0},
		{"repeated equal lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", "GET", 200, true, 0},
		{"unsolicited bytes left", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", "GET", 200, true, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, keep, rest, err := readAll(tt.raw, tt.method)
			if err != nil || status != tt.status || keep != tt.keep || rest != tt.rest {
				t.Errorf("status %d keep %v rest %d err %v; want %d %v %d", status, keep, rest, err, tt.status, tt.keep, tt.rest)
			}
		})
	}
}

func TestReadAnswerRefuses(t *testing.T) {
	for _, tt := range []struct {
		name, raw string
		want      error
	}{
		{"not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n", errMalformed},
		{"HTTP/2 preface", "HTTP/2 200\r\n\r\n", errMalformed},
		{"status not digits", "HTTP/1.1 2x0 OK\r\n\r\n", errMalformed},
		{"status too short", "HTTP/1.1 20\r\n\r\n", errMalformed},
		{"status below 100", "HTTP/1.1 099 Odd\r\n\r\n", errMalformed},
		{"status line longer than the buffer", "HTTP/1.1 200 " + strings.Repeat("y", 100) + "\r\n\r\n", errMalformed},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", errMalformed},
		{"huge length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", errMalformed},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", errMalformed},
		{"length over the body bound", "HTTP/1.1 200 OK\r\nContent-Length: 67108865\r\n\r\n", errBodyTooLarge},
		{"gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", errMalformed},
		{"header without colon", "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", errMalformed},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", errMalformed},
		{"chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n0\r\n\r\n", errMalformed},
		{"chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", errMalformed},
		{"chunks over the body bound", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4000001\r\n", errBodyTooLarge},
		{"too many interim answers", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 10), errMalformed},
		{"cut in the head", "HTTP/1.1 200 OK\r\nContent-Le", io.ErrUnexpectedEOF},
		{"cut in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", io.ErrUnexpectedEOF},
		{"cut in the chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npo", io.ErrUnexpectedEOF},
		{"nothing", "", io.EOF},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := readAll(tt.raw, "GET")
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// The head is bounded in all: many short header lines fail at
// maxHeaderBytes instead of being read forever.
func TestReadAnswerHeaderBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\n")
	for b.Len() <= maxHeaderBytes {
		b.WriteString("X-Filler: 0123456789abcdef\r\n")
	}
	b.WriteString("\r\n")
	if _, _, _, err := readAll(b.String(), "GET"); !errors.Is(err, errMalformed) || !strings.Contains(err.Error(), "headers over") {
		t.Errorf("err = %v, want headers over %d bytes", err, maxHeaderBytes)
	}
	// One endless line, too.
	if _, _, _, err := readAll("HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("z", maxHeaderBytes+10)+"\r\n\r\n", "GET"); !errors.Is(err, errMalformed) {
		t.Errorf("endless line: err = %v, want malformed", err)
	}
}

// Reading an answer allocates nothing on the answers a service normally sends.
func TestReadAnswerAllocations(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Thu, 03 Dec 2026 09:00:00 GMT\r\nContent-Length: 4\r\n\r\npong" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npong\r\n0\r\n\r\n"
	src := strings.NewReader(raw)
	r := bufio.NewReaderSize(src, 4096)
	var p answerParser
	allocs := testing.AllocsPerRun(100, func() {
		src.Reset(raw)
		r.Reset(src)
		for range 2 {
			p.reset("GET")
			if err := readResponse(r, &p, false); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per two answers, want 0", allocs)
	}
}

// Whatever a target sends, reading it ends (no panic, no endless loop)
// with an answer or an error.
func FuzzReadAnswer(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npong\r\n0\r\n\r\n",
		"HTTP/1.0 100 Continue\r\n\r\nHTTP/1.0 204 No\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest",
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		status, keep, rest, err := readAll(raw, method)
		if err == nil && (status < 100 || status > 999 || rest > len(raw)) {
			t.Errorf("status %d, rest %d of %d bytes", status, rest, len(raw))
		}
		// The parser takes bytes as they come: one at a time reads the
		// same answer (the event loop feeds it whatever a read returned).
		status1, keep1, rest1, err1 := readFrom(iotest.OneByteReader(strings.NewReader(raw)), method)
		if status1 != status || keep1 != keep || rest1 != rest || (err == nil) != (err1 == nil) {
			t.Errorf("byte by byte: %d %v %d %v; at once: %d %v %d %v", status1, keep1, rest1, err1, status, keep, rest, err)
		}
	})
}
