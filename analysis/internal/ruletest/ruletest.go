// Package ruletest runs analysistest on an analyzer's testdata together with
// a shared stub of gin (and errgroup), so that each analyzer's testdata holds
// only its own cases instead of a private copy of the stub. It also applies
// suggested fixes' edits as they are, for tests of the exact text a fix
// writes (ApplyEdits, OwnEdits).
package ruletest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
)

// GOPATH returns a temporary GOPATH holding the shared stubs and the caller's
// testdata/src. Test output names files inside it.
func GOPATH(t testing.TB) string {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("ruletest: cannot locate the shared stubs")
	}
	dir := t.TempDir()
	for _, src := range []string{filepath.Join(filepath.Dir(self), "testdata"), "testdata"} {
		if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
			t.Fatalf("ruletest: copy %s: %v", src, err)
		}
	}
	return dir
}

// Run is analysistest.Run over the caller's testdata plus the shared stubs.
func Run(t *testing.T, a *analysis.Analyzer, pkgs ...string) []*analysistest.Result {
	t.Helper()
	return analysistest.Run(t, GOPATH(t), a, pkgs...)
}

// RunWithSuggestedFixes is analysistest.RunWithSuggestedFixes over the
// caller's testdata plus the shared stubs; golden files sit beside the inputs.
func RunWithSuggestedFixes(t *testing.T, a *analysis.Analyzer, pkgs ...string) []*analysistest.Result {
	t.Helper()
	return analysistest.RunWithSuggestedFixes(t, GOPATH(t), a, pkgs...)
}
