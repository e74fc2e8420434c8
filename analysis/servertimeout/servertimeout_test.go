package servertimeout_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
	"github.com/ginleak/ginleak/analysis/servertimeout"
)

func TestServerTimeout(t *testing.T) {
	ruletest.Run(t, servertimeout.Analyzer, "a", "seed", "odd")
}

func TestServerTimeoutFix(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, servertimeout.Analyzer, "fiximport", "fixnames", "fixlone")
}
