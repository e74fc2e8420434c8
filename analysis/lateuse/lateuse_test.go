package lateuse_test

import (
	"strings"
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
	"github.com/ginleak/ginleak/analysis/lateuse"
)

func TestAnalyzer(t *testing.T) {
	results := ruletest.Run(t, lateuse.Analyzer, "a", "seed", "odd", "deliberate")
	// Access control makes the finding an error; anything else keeps the
	// rule's default severity (the analyzer name as category).
	n := 0
	for _, res := range results {
		for _, d := range res.Diagnostics {
			n++
			want := "lateuse"
			if strings.Contains(d.Message, "authentication bypass") {
				want = "error"
			}
			if d.Category != want {
				t.Errorf("%q: category %q, want %q", d.Message, d.Category, want)
			}
		}
	}
	if n == 0 {
		t.Error("no diagnostics")
	}
}
