package clienttimeout_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/clienttimeout"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, clienttimeout.Analyzer, "a", "nethttp", "seed", "odd", "nohttp")
}

func TestSuggestedFixes(t *testing.T) {
	results := ruletest.RunWithSuggestedFixes(t, clienttimeout.Analyzer, "fix", "fiximport", "fixlone", "fixnames")
	// The fixes' own edits, applied once each (identical imports merged)
	// and gofmt'ed as ginleak vet -fix does, must give the golden files.
	ruletest.OwnEdits(t, results)
}
