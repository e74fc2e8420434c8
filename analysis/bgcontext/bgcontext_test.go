package bgcontext_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/bgcontext"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, bgcontext.Analyzer, "a", "nethttp", "seed", "odd", "example.com/shop/store", "example.com/shop/api")
}

func TestSuggestedFixes(t *testing.T) {
	results := ruletest.RunWithSuggestedFixes(t, bgcontext.Analyzer, "fix", "fiximport", "fixtwo")
	// analysistest removes unused imports after applying fixes; check that
	// the fixes' own edits already produce the golden files, as they must
	// for ginleak vet -fix, which only gofmts. fixtwo is the documented
	// exception.
	ruletest.OwnEdits(t, results, "fixtwo")
}
