package routeloop_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
	"github.com/ginleak/ginleak/analysis/routeloop"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestRouteLoop(t *testing.T) {
	ruletest.Run(t, routeloop.Analyzer, "a", "newver", "nover", "odd")
}

func TestRouteLoopFix(t *testing.T) {
	ruletest.RunWithSuggestedFixes(t, routeloop.Analyzer, "fix")
}

// TestRouteLoopModule runs in module mode, where the version comes from the
// go line of go.mod rather than from a //go:build constraint. The module
// replaces gin with the shared stub, copied beside it with a go.mod of its
// own, so the test needs no network and no module cache.
func TestRouteLoopModule(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "mod"))); err != nil {
		t.Fatal(err)
	}
	stub := filepath.Join(ruletest.GOPATH(t), "src", "github.com", "gin-gonic", "gin")
	gin := filepath.Join(dir, "gin")
	if err := os.CopyFS(gin, os.DirFS(stub)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gin, "go.mod"), []byte("module github.com/gin-gonic/gin\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	results := analysistest.Run(t, dir, routeloop.Analyzer, "example.com/routes")
	if len(results) == 0 {
		t.Fatal("no packages analyzed")
	}
	for _, r := range results {
		if r.Pass != nil && r.Pass.Pkg.GoVersion() != "go1.21" {
			t.Errorf("package %s has Go version %q, want go1.21 from go.mod", r.Pass.Pkg.Path(), r.Pass.Pkg.GoVersion())
		}
	}
}
