package servertimeout_test

import (
	"path/filepath"
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
	"github.com/ginleak/ginleak/analysis/servertimeout"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestServerTimeout(t *testing.T) {
	ruletest.Run(t, servertimeout.Analyzer, "a", "seed", "odd")
}

func TestServerTimeoutFix(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, servertimeout.Analyzer, "fiximport", "fixnames", "fixlone")
}

// TestGinWithReadHeaderTimeout runs against a gin whose Engine has the
// ReadHeaderTimeout field. It is a GOPATH of its own: the shared stub (the
// release without the field, used by TestServerTimeout, where r.Run() is
// reported) has the same import path.
func TestGinWithReadHeaderTimeout(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "gin2026"))
	if err != nil {
		t.Fatal(err)
	}
	results := analysistest.Run(t, dir, servertimeout.Analyzer, "rht")
	// analysistest checks each want; make sure the package was analysed at
	// all rather than skipped, so a silent pass means quiet, not unloaded.
	if len(results) != 1 || results[0].Err != nil {
		t.Fatalf("results = %d, err = %v", len(results), results)
	}
	if n := len(results[0].Diagnostics); n != 3 {
		t.Errorf("got %d diagnostics, want 3 (RunUnix, the literal, ListenAndServe)", n)
	}
}
