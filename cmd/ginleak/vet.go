package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"text/tabwriter"

	"github.com/ginleak/ginleak/analysis/registry"
	"github.com/ginleak/ginleak/vet"
	"github.com/google/renameio/v2"
)

const vetUsage = `Usage: ginleak vet [flags] [packages]

Reports the code patterns that leak memory or goroutines in Gin and net/http
services. Packages are go list patterns (default ./...), loaded with their
tests. Each finding prints as

  file:line:col: message (rule)

Silence one finding with a comment on its line or the line above it:

  //ginleak:ignore <rule> <reason why it is safe>

Packages that do not build (a missing cgo header, a module that cannot be
downloaded, a type error) do not stop the run: every other package is
checked and its findings printed, then the broken ones are listed on stderr
with their first real error, and the exit code is 2. Files marked
"// Code generated ... DO NOT EDIT." are skipped unless -generated is set.

Exit codes: 0 no findings, 1 findings, 2 some packages could not be checked
(findings of the others are still printed), nothing could be loaded, or the
flags are wrong.

Flags:
`

func runVet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ginleak vet", flag.ContinueOnError)
	var (
		enable  = fs.String("enable", "", "comma-separated rules (names or IDs) to run; default all")
		disable = fs.String("disable", "", "comma-separated rules (names or IDs) to skip")
		asJSON  = fs.Bool("json", false, "print findings as the JSON tree of go vet -json")
		sarif   = fs.String("sarif", "", "also write the findings as SARIF 2.1.0 to `FILE` (for code-scanning services)")
		fix     = fs.Bool("fix", false, "apply the suggested fixes to the source files")
		list    = fs.Bool("list", false, "list the rules and exit")
		noTests = fs.Bool("notests", false, "leave out _test.go files")
		noRules = fs.Bool("norules", false, "load and type-check only (the floor bench/vet.sh measures)")
		gen     = fs.Bool("generated", false, "also check generated files (// Code generated ... DO NOT EDIT.)")
		cpuProf = fs.String("cpuprofile", "", "write a CPU profile of the run to `FILE` (go tool pprof), to find what a slow run spends its time on")
	)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), vetUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *list {
		return listRules(stdout)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// An empty -enable used to mean "every rule": the opposite of what
	// `-enable "$RULES"` with an unset variable asks for. An empty
	// -disable means "disable nothing", which is what it says.
	if set["enable"] && len(splitList(*enable)) == 0 {
		fmt.Fprintf(stderr, "ginleak vet: -enable %q names no rule; name at least one (ginleak vet -list shows them), or leave out -enable to run all\n", *enable)
		return exitUsage
	}
	// Make the SARIF file's temporary twin first: a bad path must not cost
	// a whole run, and the file named is replaced only by a complete
	// report, never truncated by a run that fails.
	var sarifFile *renameio.PendingFile
	if *sarif != "" {
		f, err := pendingReport(*sarif)
		if err != nil {
			fmt.Fprintf(stderr, "ginleak vet: create SARIF file: %v\n", err)
			return exitUsage
		}
		defer f.Cleanup() // a no-op once it has replaced the target
		sarifFile = f
	}
	if *cpuProf != "" {
		stop, err := startCPUProfile(*cpuProf)
		if err != nil {
			fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
			return exitUsage
		}
		defer stop()
	}
	cfg := vet.Config{
		Patterns:  fs.Args(),
		Enable:    splitList(*enable),
		Disable:   splitList(*disable),
		NoTests:   *noTests,
		NoRules:   *noRules,
		Generated: *gen,
	}
	res, err := vet.Run(ctx, cfg)
	var buildErr *vet.BuildError
	if err != nil && !errors.As(err, &buildErr) {
		fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
		return exitUsage
	}
	if *fix {
		if res, err = applyFixes(ctx, cfg, res, stderr); err != nil {
			fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
			return exitUsage
		}
	}
	cwd, _ := os.Getwd()
	if *asJSON {
		err = vet.WriteJSON(stdout, res)
	} else {
		err = vet.WriteText(stdout, res, cwd)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
		return exitUsage
	}
	if err := vet.WriteBroken(stderr, res, cwd); err != nil {
		return exitUsage
	}
	if sarifFile != nil {
		if code := writeSARIF(sarifFile, *sarif, res, stderr); code != exitOK {
			return code
		}
	}
	switch {
	case len(res.Broken) > 0:
		return exitUsage
	case len(res.Findings) > 0:
		return exitFindings
	}
	return exitOK
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// pendingReport opens a temporary file beside path that replaces it only
// when complete (renameio): a run that fails leaves an existing report as
// it was.
func pendingReport(path string) (*renameio.PendingFile, error) {
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s exists and is not a regular file", path)
	}
	return renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithPermissions(0o644), renameio.WithExistingPermissions())
}

// writeSARIF completes the SARIF report. A run in which no package could be
// checked leaves an existing file alone: uploaded, an empty report would
// close every open alert. A partial run is written, marked unsuccessful,
// with each broken package as an error notification.
func writeSARIF(f *renameio.PendingFile, path string, res *vet.Result, stderr io.Writer) int {
	if len(res.Broken) > 0 && res.Packages == 0 {
		fmt.Fprintf(stderr, "ginleak vet: no package could be checked; %s left unchanged\n", path)
		return exitOK
	}
	if err := vet.WriteSARIF(f, res, res.Root, versionString()); err != nil {
		fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
		return exitUsage
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		fmt.Fprintf(stderr, "ginleak vet: write SARIF file: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// applyFixes applies the fixes, says what it did, and checks again so that
// what is printed afterwards is what is left, at the new positions.
func applyFixes(ctx context.Context, cfg vet.Config, res *vet.Result, stderr io.Writer) (*vet.Result, error) {
	sum, err := vet.ApplyFixes(res)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "ginleak vet: applied %d %s in %d %s", sum.Applied, plural(sum.Applied, "fix", "fixes"), len(sum.Files), plural(len(sum.Files), "file", "files"))
	if sum.Skipped > 0 {
		fmt.Fprintf(stderr, "; %d overlapped another fix: run ginleak vet -fix again", sum.Skipped)
	}
	fmt.Fprintln(stderr)
	for _, r := range sum.Refused {
		fmt.Fprintf(stderr, "ginleak vet: not fixed: %s\n", r)
	}
	if len(sum.Files) == 0 {
		return res, nil
	}
	after, err := vet.Run(ctx, cfg)
	var buildErr *vet.BuildError
	if err != nil && !errors.As(err, &buildErr) {
		return nil, fmt.Errorf("after applying fixes: %w", err)
	}
	return after, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func listRules(w io.Writer) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRULE\tSEVERITY\tSINCE\tTITLE")
	for _, r := range registry.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name(), r.Severity, r.Since, r.Title)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nDocs: docs/rules/<rule>.md")
	return exitOK
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
