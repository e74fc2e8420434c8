package bodyrestore_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/bodyrestore"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, bodyrestore.Analyzer, "a", "nethttp", "seed", "odd")
}

func TestSuggestedFixes(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, bodyrestore.Analyzer, "fix")
}
