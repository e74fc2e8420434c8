package ctxescape_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/ctxescape"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, ctxescape.Analyzer, "a", "seed", "odd")
}

func TestSuggestedFixes(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, ctxescape.Analyzer, "fix")
}
