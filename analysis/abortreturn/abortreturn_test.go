package abortreturn_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/abortreturn"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, abortreturn.Analyzer, "a", "seed", "odd", "local", "resp", "handlers")
}

func TestSuggestedFixes(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, abortreturn.Analyzer, "fix")
}
