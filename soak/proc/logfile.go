package proc

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// Defaults of the log file.
const (
	// DefaultLogLimit bounds the log file: a target that logs every
	// request must not fill the disk during a long soak.
	DefaultLogLimit = 64 << 20
	// tailBytes is how much of the most recent output is kept in memory
	// for the error that reports an unexpected exit.
	tailBytes = 16 << 10
	// TailLines is how many lines of the log an exit error shows.
	TailLines = 20
)

// logWriter writes the target's output to a file up to a limit, then
// writes one line saying so and drops the rest from the file; it keeps the
// last tailBytes of the output in memory, so the tail is the real end of
// the output even after the file stopped growing.
type logWriter struct {
	mu        sync.Mutex
	f         *os.File
	limit     int64
	written   int64
	truncated bool
	err       error // first write error to the file; output is then dropped
	ring      []byte
}

func newLogWriter(f *os.File, limit int64) *logWriter {
	return &logWriter{f: f, limit: limit}
}

// Write never fails: the target must not block or die because its log
// could not be written.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ring = append(w.ring, p...)
	if n := len(w.ring); n > tailBytes {
		w.ring = append(w.ring[:0], w.ring[n-tailBytes:]...)
	}
	if w.err != nil || w.truncated {
		return len(p), nil
	}
	room := w.limit - w.written
	q := p
	if int64(len(q)) > room {
		q = q[:room]
	}
	n, err := w.f.Write(q)
	w.written += int64(n)
	if err != nil {
		w.err = err
		return len(p), nil
	}
	if len(q) < len(p) {
		w.truncated = true
		fmt.Fprintf(w.f, "\n[ginleak: log truncated at %d bytes; the rest of the output was dropped]\n", w.limit)
	}
	return len(p), nil
}

// tail returns up to n last lines of the output, without a final empty
// line.
func (w *logWriter) tail(n int) []string {
	w.mu.Lock()
	s := string(w.ring)
	w.mu.Unlock()
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}
