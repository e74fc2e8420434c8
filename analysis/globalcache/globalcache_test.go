package globalcache_test

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/globalcache"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, globalcache.Analyzer,
		"a", "seed", "seedmain", "seedfixed", "nethttp", "race", "fields", "odd", "testfile", "nohttp",
		"closure", "closurehttp", "closureodd", "helperlocal")
}
