package ctxescape_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/ginleak/ginleak/analysis/ctxescape"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, ctxescape.Analyzer, "a", "seed", "odd", "local", "helpers", "caller")
}

func TestSuggestedFixes(t *testing.T) {
	results := ruletest.RunWithSuggestedFixes(t, ctxescape.Analyzer, "fix")
	// Applied once each, identical edits merged, as ginleak vet -fix does.
	ruletest.OwnEdits(t, results)
}

// TestGoldenCompiles type-checks the fixed source: fixes of one variable
// in one function must not declare the same copy twice.
func TestGoldenCompiles(t *testing.T) {
	dir := ruletest.GOPATH(t)
	golden, err := os.ReadFile(filepath.Join("testdata", "src", "fix", "fix.go.golden"))
	if err != nil {
		t.Fatal(err)
	}
	pkgDir := filepath.Join(dir, "src", "fixgolden")
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkgDir, "fix.go"), golden, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedDeps | packages.NeedImports,
		Dir:  dir,
		Env:  append(os.Environ(), "GOPATH="+dir, "GO111MODULE=off", "GOFLAGS=", "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, "fixgolden")
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 || len(pkgs) != 1 {
		t.Fatal("the fixed source does not type-check")
	}
}
