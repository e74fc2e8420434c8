// Package limitio bounds what is read from a hostile peer: a reader that
// fails, instead of ending quietly, when the peer sends more than allowed,
// so a cut answer is never taken for a whole one.
package limitio

import (
	"fmt"
	"io"
)

// Reader returns a reader of at most max bytes of r. Past them it fails
// with an error that names what was read ("the answer"), the bound, and
// wraps tooLarge, the caller's sentinel for errors.Is.
func Reader(r io.Reader, max int64, what string, tooLarge error) io.Reader {
	return &reader{r: r, n: max, max: max, what: what, tooLarge: tooLarge}
}

type reader struct {
	r        io.Reader
	n, max   int64
	what     string
	tooLarge error
}

func (l *reader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One more byte tells an answer of exactly the bound from a
		// longer one.
		var one [1]byte
		if n, err := l.r.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, fmt.Errorf("%s is larger than %s: %w", l.what, Size(l.max), l.tooLarge)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// Size formats a byte count for messages: "64 MiB", "12 KiB", "300 B".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0, n >= 10<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
