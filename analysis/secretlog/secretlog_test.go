package secretlog_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
	"github.com/ginleak/ginleak/analysis/secretlog"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, secretlog.Analyzer, "a", "redact", "libs", "seed", "odd")
}
