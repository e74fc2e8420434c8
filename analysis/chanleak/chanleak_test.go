package chanleak_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/chanleak"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, chanleak.Analyzer, "a", "b", "seed", "odd", "dyncap", "stream", "recovered")
}

func TestSuggestedFixes(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, chanleak.Analyzer, "fix")
}

func TestRule(t *testing.T) {
	r := chanleak.Rule
	if r.ID != "GL1005" || r.Name() != "chanleak" || r.Analyzer != chanleak.Analyzer || r.Since != "v0.1.0" {
		t.Errorf("unexpected rule metadata: %+v", r)
	}
}
