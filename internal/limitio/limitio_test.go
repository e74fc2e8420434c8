package limitio

import (
	"errors"
	"io"
	"strings"
	"testing"
)

var errBig = errors.New("too large")

func TestReader(t *testing.T) {
	// Exactly the bound is whole; one byte more fails, naming what and
	// the bound, and wrapping the caller's sentinel.
	got, err := io.ReadAll(Reader(strings.NewReader("12345"), 5, "the answer", errBig))
	if err != nil || string(got) != "12345" {
		t.Fatalf("at the bound: %q, %v", got, err)
	}
	_, err = io.ReadAll(Reader(strings.NewReader("123456"), 5, "the answer", errBig))
	if !errors.Is(err, errBig) || !strings.Contains(err.Error(), "the answer is larger than 5 B") {
		t.Fatalf("past the bound: %v", err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{300: "300 B", 12 << 10: "12 KiB", 64 << 20: "64 MiB", 10<<20 + 5: "10 MiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
