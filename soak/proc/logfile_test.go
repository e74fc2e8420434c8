package proc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogWriterBoundsTheFileAndKeepsTheTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := newLogWriter(f, 100)
	for i := range 5000 { // ~50 KB, more than the in-memory tail too
		fmt.Fprintf(w, "line %d\n", i)
	}
	f.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "line 0\nline 1\n") || !strings.Contains(string(b), "log truncated at 100 bytes") || len(b) > 200 {
		t.Errorf("log file (%d bytes):\n%s", len(b), b)
	}
	tail := w.tail(3)
	if strings.Join(tail, ",") != "line 4997,line 4998,line 4999" {
		t.Errorf("tail = %q", tail)
	}
	if got := newLogWriter(f, 1).tail(20); got != nil {
		t.Errorf("tail of nothing = %q", got)
	}
}
