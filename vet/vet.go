// Package vet is the driver behind `ginleak vet`: it loads packages with
// go/packages, runs the selected rules plus the suppress check with the
// x/tools checker, and returns findings deduplicated across the test
// variants of each package. Packages that do not build are set aside with
// their first real error (broken.go) and the others are still checked.
// Generated files are left out unless asked for. Printing and fixing live
// beside it.
package vet

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ginleak/ginleak/analysis/registry"
	"github.com/ginleak/ginleak/analysis/rule"
	"github.com/ginleak/ginleak/analysis/suppress"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// Config says what to check.
type Config struct {
	Dir      string   // where to run the go command; "" means the current directory
	Patterns []string // package patterns; empty means ./...
	Enable   []string // rule names or IDs to run; empty means all
	Disable  []string // rule names or IDs to skip
	NoTests  bool     // leave out _test.go files
	Env      []string // environment for the go command; nil means os.Environ()
	// NoRules runs the loader and type checker alone: the floor that
	// bench/vet.sh compares the rules against.
	NoRules bool
	// Generated includes files marked "// Code generated ... DO NOT EDIT."
	// (ast.IsGenerated). By default they are taken out of every package's
	// syntax before the rules run, so no rule spends time in them, and
	// any finding placed in one is dropped.
	Generated bool
}

// Finding is one diagnostic of one rule.
type Finding struct {
	Rule     rule.Rule
	Package  string // package ID of the first variant that reported it
	Posn     token.Position
	End      token.Position
	Message  string
	Fixes    []analysis.SuggestedFix
	fset     *token.FileSet
	analyzer string
	category string
}

// Severity is the finding's severity: the rule's, unless the analyzer raised
// or lowered it for this finding through the diagnostic's category
// (rule.Reporter.ReportSeverity).
func (f Finding) Severity() rule.Severity {
	if s, ok := rule.ParseSeverity(f.category); ok {
		return s
	}
	return f.Rule.Severity
}

// Analyzer is the name of the analyzer that reported the finding: the rule
// name, or "suppress" for directive problems.
func (f Finding) Analyzer() string { return f.analyzer }

// Result is what a run found.
type Result struct {
	Findings []Finding
	Packages int
	Rules    []rule.Rule
	// Root is the directory of the go.mod (or go.work) the packages were
	// loaded in: SARIF paths are relative to it, and -fix edits only
	// files below it.
	Root string
	// Broken lists the packages that could not be checked, sorted by
	// path; Run then also returns a *BuildError.
	Broken []Broken
	// Generated counts the generated files left out (Config.Generated off).
	Generated int
}

// LoadError means nothing could be loaded: no module, the go command
// failed as a whole, or the patterns match no Go files. Packages that load
// but do not build are reported through BuildError instead.
type LoadError struct {
	Msg    string
	Errors []string
}

func (e *LoadError) Error() string {
	if len(e.Errors) == 0 {
		return e.Msg
	}
	return e.Msg + ":\n\t" + strings.Join(e.Errors, "\n\t")
}

// Run loads the packages and runs the rules. When some packages do not
// build, the others are checked all the same: Run returns their Result,
// with Result.Broken set, together with a *BuildError.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	rules, err := registry.Select(cfg.Enable, cfg.Disable)
	if err != nil {
		return nil, err
	}
	pkgs, root, err := load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pkgs, broken := splitBroken(pkgs)
	res := &Result{Packages: countPackages(pkgs), Rules: rules, Root: root, Broken: broken}
	var generated map[string]bool
	if !cfg.Generated {
		generated = dropGenerated(pkgs)
		res.Generated = len(generated)
	}
	if !cfg.NoRules && len(pkgs) > 0 {
		if err := analyze(pkgs, rules, generated, res); err != nil {
			return nil, err
		}
	}
	if len(broken) > 0 {
		return res, &BuildError{Broken: broken, Checked: res.Packages}
	}
	return res, nil
}

// analyze runs the rules on pkgs and adds their findings to res.
func analyze(pkgs []*packages.Package, rules []rule.Rule, generated map[string]bool, res *Result) error {
	supp := suppress.New(rules, registry.Rules())
	analyzers := append(registry.Analyzers(rules), supp)
	graph, err := checker.Analyze(analyzers, pkgs, nil)
	if err != nil {
		return fmt.Errorf("run analyzers: %w", err)
	}
	byName := map[string]rule.Rule{supp.Name: suppress.Rule(supp)}
	for _, r := range rules {
		byName[r.Name()] = r
	}
	seen := map[string]bool{}
	for _, act := range graph.Roots {
		if act.Err != nil {
			return fmt.Errorf("%s on %s: %w", act.Analyzer.Name, act.Package.ID, act.Err)
		}
		fset := act.Package.Fset
		for _, d := range act.Diagnostics {
			posn := fset.Position(d.Pos)
			if generated[posn.Filename] {
				continue // a rule looked through a call into generated code
			}
			key := fmt.Sprintf("%s:%d:%d:%s:%s", posn.Filename, posn.Line, posn.Column, act.Analyzer.Name, d.Message)
			if seen[key] {
				continue // the same file in another test variant of the package
			}
			seen[key] = true
			f := Finding{
				Rule:     byName[act.Analyzer.Name],
				Package:  act.Package.ID,
				Posn:     posn,
				Message:  d.Message,
				Fixes:    d.SuggestedFixes,
				fset:     fset,
				analyzer: act.Analyzer.Name,
				category: d.Category,
			}
			if d.End.IsValid() {
				f.End = fset.Position(d.End)
			}
			res.Findings = append(res.Findings, f)
		}
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i].Posn, res.Findings[j].Posn
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return nil
}

// dropGenerated takes generated files out of each package's syntax, so the
// analyzers never walk them (an 8 MB generated file costs some rules far
// more than type checking it), and returns their names. Type information
// for them stays: code that calls into generated code is still checked.
func dropGenerated(pkgs []*packages.Package) map[string]bool {
	names := map[string]bool{}
	for _, p := range pkgs {
		kept := make([]*ast.File, 0, len(p.Syntax))
		for _, f := range p.Syntax {
			if ast.IsGenerated(f) {
				names[p.Fset.File(f.FileStart).Name()] = true
				continue
			}
			kept = append(kept, f)
		}
		p.Syntax = kept
	}
	return names
}

const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedTypes | packages.NeedTypesSizes |
	packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule

func load(ctx context.Context, cfg Config) ([]*packages.Package, string, error) {
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	dir := cfg.Dir
	if dir == "" {
		dir = "."
	}
	root, err := findModule(dir)
	if err != nil {
		return nil, "", err
	}
	pcfg := &packages.Config{
		Context: ctx,
		Mode:    loadMode,
		Dir:     cfg.Dir,
		Tests:   !cfg.NoTests,
		Env:     cfg.Env,
	}
	pkgs, err := packages.Load(pcfg, patterns...)
	if err != nil {
		return nil, "", &LoadError{Msg: fmt.Sprintf("load %s: %v", strings.Join(patterns, " "), err)}
	}
	var roots []*packages.Package
	errs := false
	for _, p := range pkgs {
		if strings.HasSuffix(p.ID, ".test") {
			continue // the synthesized test main: no user code
		}
		errs = errs || len(p.Errors) > 0
		roots = append(roots, p)
	}
	// Packages that do not build are not an error here: splitBroken sets
	// them aside and the others are checked.
	if !errs && (len(roots) == 0 || allEmpty(roots)) {
		return nil, "", &LoadError{Msg: fmt.Sprintf("no Go files match %s in %s: run ginleak vet where the code is, or name its packages", strings.Join(patterns, " "), absDir(dir))}
	}
	return roots, root, nil
}

// findModule fails early, with the fix in the message, when there is no
// go.mod: the go command's own error is cryptic for newcomers.
func findModule(dir string) (string, error) {
	if os.Getenv("GO111MODULE") == "off" {
		return "", nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", &LoadError{Msg: fmt.Sprintf("no go.mod in %s or any parent directory: run ginleak vet inside a Go module (or create one with go mod init)", abs)}
}

func allEmpty(pkgs []*packages.Package) bool {
	for _, p := range pkgs {
		if len(p.Syntax) > 0 {
			return false
		}
	}
	return true
}

func countPackages(pkgs []*packages.Package) int {
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.PkgPath] = true
	}
	return len(seen)
}

func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
