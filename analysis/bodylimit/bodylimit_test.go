package bodylimit_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/bodylimit"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, bodylimit.Analyzer, "a", "nethttp", "seed", "odd",
		"guarded", "usemw", "usevalue", "uselit", "unregistered", "httpmw",
		"httpunused", "httptestonly", "httpuse", "httpfactory", "httpservehttp", "httpgin", "httpadapter", "testfiles", "maxhandler", "route", "pergroup", "engineuse")
}

func TestSuggestedFixes(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, bodylimit.Analyzer, "fix")
}
