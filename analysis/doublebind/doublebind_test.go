package doublebind_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/doublebind"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, doublebind.Analyzer, "a", "nethttp", "odd", "captured", "setkey")
}

func TestSuggestedFixes(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, doublebind.Analyzer, "fix")
}
