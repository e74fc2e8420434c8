package routeloop_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
	"github.com/ginleak/ginleak/analysis/routeloop"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestRouteLoop(t *testing.T) {
	gopath := ruletest.GOPATH(t)
	// newver and nover are package a's cases at go1.22 and at an unknown
	// version, where nothing may be reported: derive them from a rather
	// than keep three copies of the same code in step.
	mirror(t, gopath, "newver", "//go:build go1.22\n\n// Package newver is package a at go1.22, where every iteration has its\n// own variables: nothing is reported.\npackage newver\n")
	mirror(t, gopath, "nover", "// Package nover is package a with no version (GOPATH mode, no build\n// constraint): the Go version is unknown and nothing is reported.\npackage nover\n")
	analysistest.Run(t, gopath, routeloop.Analyzer, "a", "newver", "nover", "odd")
}

// mirror writes package a's source as package name, with header in place
// of a's build line, doc comment and package clause, and without its
// // want expectations.
func mirror(t *testing.T, gopath, name, header string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(gopath, "src", "a", "a.go"))
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(src), "\npackage a\n")
	if !ok {
		t.Fatal("a.go has no package clause")
	}
	body = regexp.MustCompile(`[ \t]*// want .*`).ReplaceAllString(body, "")
	dir := filepath.Join(gopath, "src", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".go"), []byte(header+body), 0o644); err != nil {
		t.Fatal(err)
	}
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
