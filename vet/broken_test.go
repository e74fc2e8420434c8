package vet

import (
	"context"
	"errors"
	"go/ast"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
)

// brokenModule is a module in which some packages do not build:
//
//	cgodep      includes a C header that does not exist
//	private     imports a module the machine cannot fetch, and has a type error
//	usesbroken  calls something cgodep does not have (its own type error)
//	usescgo     imports cgodep but type-checks: analysed
//	helper      fine; usescgo calls its Marked function (a fact)
//	good        fine, with a servertimeout finding
var brokenModule = map[string]string{
	"go.mod": "module example.com/app\n\ngo 1.22\n",
	"cgodep/c.go": `package cgodep

/*
#include "nosuch_header.h"
*/
import "C"

func Native() int { return int(C.value()) }
`,
	"cgodep/pure.go": "package cgodep\n\nfunc Pure() int { return 1 }\n",
	"private/p.go": `package private

import "example.com/private/secret"

func Y() string { return secret.Value }
`,
	// A type error beside the unresolved import: the import is the cause
	// reported (in real code the type errors follow from it).
	"private/q.go": "package private\n\nfunc Z() int { return undefinedThing }\n",
	"usesbroken/u.go": `package usesbroken

import "example.com/app/cgodep"

func X() int { return cgodep.Native() + cgodep.Missing() }
`,
	"helper/h.go": "package helper\n\nfunc MarkedWork() {}\n",
	"usescgo/u.go": `package usescgo

import (
	"net/http"

	"example.com/app/cgodep"
	"example.com/app/helper"
)

func Serve() error {
	_ = cgodep.Pure()
	helper.MarkedWork()
	srv := &http.Server{Addr: ":8080"}
	return srv.ListenAndServe()
}
`,
	"good/g.go": `package good

import "net/http"

func Serve() error {
	srv := &http.Server{Addr: ":8080"}
	return srv.ListenAndServe()
}
`,
}

// writeModule writes files below a new directory and returns it.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// offline keeps the go command off the network and cgo on, whatever the
// machine's defaults.
func offline(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
	t.Setenv("CGO_ENABLED", "1")
}

func hasCC() bool {
	out, err := exec.Command("go", "env", "CC").Output()
	if err != nil {
		return false
	}
	_, err = exec.LookPath(strings.TrimSpace(string(out)))
	return err == nil
}

func TestRunKeepsGoingPastBrokenPackages(t *testing.T) {
	offline(t)
	dir := writeModule(t, brokenModule)
	res, err := Run(context.Background(), Config{Dir: dir, Enable: []string{"servertimeout"}})
	var be *BuildError
	if !errors.As(err, &be) || res == nil {
		t.Fatalf("Run = %v, %v; want a partial result and a *BuildError", res, err)
	}
	got := map[string]string{}
	for _, b := range res.Broken {
		got[b.Package] = b.Posn + ": " + b.Msg
	}
	want := map[string][]string{
		// The root cause, not "could not import C" or "analysis skipped".
		"example.com/app/cgodep":     {"nosuch_header.h"},
		"example.com/app/private":    {"could not import example.com/private/secret", "example.com/private/secret", "p.go:3:8"},
		"example.com/app/usesbroken": {"undefined: cgodep.Missing", "imports example.com/app/cgodep"},
	}
	if !hasCC() {
		want["example.com/app/cgodep"] = []string{"C compiler"}
	}
	if len(got) != len(want) {
		t.Errorf("broken = %v, want exactly %d packages", got, len(want))
	}
	for pkg, subs := range want {
		for _, sub := range subs {
			if !strings.Contains(got[pkg], sub) {
				t.Errorf("%s: error %q lacks %q", pkg, got[pkg], sub)
			}
		}
		if strings.Contains(got[pkg], "analysis skipped") || strings.Contains(got[pkg], "no metadata for C") {
			t.Errorf("%s: error %q is a consequence, not the cause", pkg, got[pkg])
		}
	}
	files := map[string]bool{}
	for _, f := range res.Findings {
		files[filepath.Base(filepath.Dir(f.Posn.Filename))] = true
	}
	// usescgo imports the broken cgodep but type-checks: it is analysed.
	if len(res.Findings) != 2 || !files["good"] || !files["usescgo"] {
		t.Errorf("findings in %v (%d), want one each in good and usescgo", files, len(res.Findings))
	}
	if res.Packages != 3 || be.Checked != 3 {
		t.Errorf("checked %d packages (error says %d), want 3: good, helper, usescgo", res.Packages, be.Checked)
	}
}

// markFact marks a function whose name starts with Marked.
type markFact struct{}

func (*markFact) AFact()         {}
func (*markFact) String() string { return "marked" }

// markAnalyzer exports a fact per Marked function and reports calls to
// functions carrying one: a fact that crosses packages.
var markAnalyzer = &analysis.Analyzer{
	Name:      "mark",
	Doc:       "test analyzer: facts across packages",
	FactTypes: []analysis.Fact{new(markFact)},
	Run: func(pass *analysis.Pass) (any, error) {
		for _, f := range pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					if strings.HasPrefix(n.Name.Name, "Marked") {
						pass.ExportObjectFact(pass.TypesInfo.Defs[n.Name], new(markFact))
					}
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
						if fn, ok := pass.TypesInfo.Uses[sel.Sel].(*types.Func); ok && pass.ImportObjectFact(fn, new(markFact)) {
							pass.Reportf(n.Pos(), "calls marked %s", fn.Name())
						}
					}
				}
				return true
			})
		}
		return nil, nil
	},
}

// TestBrokenPackagesDoNotFailFacts: fact-exporting analyzers run on every
// import first; a broken import must not fail its importer ("failed
// prerequisites"), and facts from the good imports must still arrive.
func TestBrokenPackagesDoNotFailFacts(t *testing.T) {
	offline(t)
	dir := writeModule(t, brokenModule)
	pkgs, _, err := load(context.Background(), Config{Dir: dir, NoTests: true})
	if err != nil {
		t.Fatal(err)
	}
	good, broken := splitBroken(pkgs)
	if len(broken) != 3 {
		t.Fatalf("broken = %v, want 3", broken)
	}
	graph, err := checker.Analyze([]*analysis.Analyzer{markAnalyzer}, good, nil)
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, act := range graph.Roots {
		if act.Err != nil {
			t.Errorf("%s: %v", act.Package.PkgPath, act.Err)
		}
		for _, d := range act.Diagnostics {
			if act.Package.PkgPath == "example.com/app/usescgo" && d.Message == "calls marked MarkedWork" {
				reports++
			}
		}
	}
	if reports != 1 {
		t.Errorf("usescgo: %d reports of the fact from helper, want 1", reports)
	}
}

func TestRootCauseMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{"# example.com/x\nx/c.go:4:10: fatal error: a.h: No such file or directory\n    4 | #include \"a.h\"\n      |  ^~~\ncompilation terminated.", "x/c.go:4:10: fatal error: a.h: No such file or directory"},
		{"# example.com/x\nIn file included from x/c.go:3:\n./b.h:1:10: fatal error: a.h: No such file", "./b.h:1:10: fatal error: a.h: No such file"},
		{"# example.com/x\nx/t.go:3:15: undefined: y", "x/t.go:3:15: undefined: y"},
		{"no required module provides package example.com/p; to add it:\n\tgo get example.com/p", "no required module provides package example.com/p; to add it: go get example.com/p"},
		{strings.Repeat("é", 400), strings.Repeat("é", 300) + "…"},
	}
	for _, tt := range tests {
		if got := compilerError(tt.in); got != tt.want {
			t.Errorf("compilerError(%.40q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for msg, want := range map[string]string{
		"could not import C (no metadata for C)":                    "C",
		`could not import example.com/p (invalid package name: "")`: "example.com/p",
		"undefined: x":                   "",
		"could not import example.com/p": "example.com/p",
	} {
		if got := importPathOf(msg); got != want {
			t.Errorf("importPathOf(%q) = %q, want %q", msg, got, want)
		}
	}
}
